/*
 * test_fsm.c: the speaker's session handling over loopback: a passive
 * peer is configured through bgp_apply(), the test plays the remote
 * speaker on a plain socket and checks the FSM's answers (RFC 4271 8):
 * OPEN exchange and hold-time negotiation up to Established, OPEN with the
 * wrong AS (NOTIFICATION OPEN/Bad Peer AS), a connection from an unknown
 * address (closed), a locally originated prefix in the initial UPDATEs
 * followed by End-of-RIB, and Cease on shutdown.
 */
#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <cmocka.h>

#include <event2/event.h>

#include "bgp/bgp.h"
#include "bgp/wire.h"

struct fx {
	struct event_base	*base;
	struct bgp		*bgp;
	struct model		*m;
	uint16_t		 port;
	int			 fd;
	int			 states[16];
	int			 nstates;
};

static unsigned fx_seq;

static void
fx_peer_state(void *arg, const char *peer, enum bgp_state from,
    enum bgp_state to, const char *reason)
{
	struct fx *f = arg;

	(void)peer;
	(void)from;
	(void)reason;
	if (f->nstates < 16)
		f->states[f->nstates++] = (int)to;
}

static void
fx_pump(struct fx *f, int rounds)
{
	while (rounds-- > 0) {
		event_base_loop(f->base, EVLOOP_NONBLOCK);
		usleep(2000);
	}
}

static struct model *
fx_model(uint16_t port, int advert)
{
	struct model *m = model_new();
	struct model_peer *p;
	struct model_advert *a;

	m->local_endpoint = model_strdup("t");
	m->local_as = 65001;
	m->router_id = 0x0a000001;
	m->listen_port = port;
	addr_parse("127.0.0.1", &m->local_addr);
	m->v4 = 1;
	m->max_paths = 1;
	p = model_add_peer(m);
	p->name = model_strdup("p1");
	p->remote_endpoint = model_strdup("r");
	addr_parse("127.0.0.2", &p->remote_addr);
	p->remote_port = 179;
	p->remote_as = 65002;
	p->hold_time = 9;
	p->keepalive = 3;
	p->v4 = 1;
	p->passive = 1;
	p->multihop_ttl = 2;	/* loopback: no single-hop TTL games */
	if (advert) {
		a = model_add_advert(m);
		a->name = model_strdup("svc");
		a->nprefixes = 1;
		a->prefixes = calloc(1, sizeof(*a->prefixes));
		prefix_parse("192.0.2.0/24", &a->prefixes[0]);
		a->all_peers = 1;
	}
	return m;
}

static void
fx_start(struct fx *f, int advert)
{
	struct bgp_hooks h;

	memset(f, 0, sizeof(*f));
	f->port = (uint16_t)(20000 + (getpid() * 7 + fx_seq++) % 30000);
	f->base = event_base_new();
	memset(&h, 0, sizeof(h));
	h.arg = f;
	h.peer_state = fx_peer_state;
	f->bgp = bgp_new(f->base, &h);
	assert_non_null(f->bgp);
	f->m = fx_model(f->port, advert);
	assert_int_equal(bgp_apply(f->bgp, f->m), 0);
	fx_pump(f, 5);
}

/* Connect from src to the speaker. */
static int
fx_connect(struct fx *f, const char *src)
{
	struct sockaddr_in s, d;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	memset(&s, 0, sizeof(s));
	s.sin_family = AF_INET;
	inet_pton(AF_INET, src, &s.sin_addr);
	assert_int_equal(bind(fd, (struct sockaddr *)&s, sizeof(s)), 0);
	memset(&d, 0, sizeof(d));
	d.sin_family = AF_INET;
	d.sin_port = htons(f->port);
	inet_pton(AF_INET, "127.0.0.1", &d.sin_addr);
	assert_int_equal(connect(fd, (struct sockaddr *)&d, sizeof(d)), 0);
	return fd;
}

/* Read one message (pumping the speaker meanwhile); -1 on EOF/timeout. */
static int
fx_read_msg(struct fx *f, int fd, uint8_t *buf, size_t cap, uint8_t *type)
{
	size_t have = 0, need = BGP_HDR_LEN;
	struct pollfd pfd = { fd, POLLIN, 0 };
	int tries = 500;
	ssize_t n;

	while (have < need && tries-- > 0) {
		fx_pump(f, 1);
		if (poll(&pfd, 1, 0) <= 0)
			continue;
		if ((n = recv(fd, buf + have, need - have, 0)) <= 0)
			return -1;
		have += (size_t)n;
		if (have == BGP_HDR_LEN && need == BGP_HDR_LEN) {
			need = (size_t)buf[16] << 8 | buf[17];
			if (need > cap || need < BGP_HDR_LEN)
				return -1;
		}
	}
	if (have < need)
		return -1;
	*type = buf[18];
	return (int)need;
}

static void
fx_send_open(int fd, uint32_t as, uint16_t hold)
{
	uint8_t buf[BGP_MAX_LEN];
	struct open_msg o;
	struct wbuf w;

	memset(&o, 0, sizeof(o));
	o.version = 4;
	o.my_as = as > 0xffff ? AS_TRANS : (uint16_t)as;
	o.hold_time = hold;
	o.bgp_id = 0x0a000002;
	o.capas.mp_v4 = 1;
	o.capas.as4 = 1;
	o.capas.as4_number = as;
	wbuf_fixed(&w, buf, sizeof(buf));
	assert_int_equal(wire_open_encode(&w, &o), 0);
	assert_int_equal(send(fd, buf, w.len, 0), (ssize_t)w.len);
}

static void
fx_send_keepalive(int fd)
{
	uint8_t buf[BGP_HDR_LEN];
	struct wbuf w;

	wbuf_fixed(&w, buf, sizeof(buf));
	wire_keepalive_encode(&w);
	assert_int_equal(send(fd, buf, w.len, 0), (ssize_t)w.len);
}

static enum bgp_state
fx_state(struct fx *f, uint16_t *hold, uint16_t *ka)
{
	struct bgp_peer_info *pi;
	enum bgp_state s;
	size_t n;

	pi = bgp_query_peers(f->bgp, &n);
	assert_int_equal(n, 1);
	s = pi[0].state;
	if (hold)
		*hold = pi[0].hold_time;
	if (ka)
		*ka = pi[0].keepalive;
	free(pi);
	return s;
}

static void
fx_stop(struct fx *f)
{
	if (f->fd > 0)
		close(f->fd);
	bgp_free(f->bgp);
	model_free(f->m);
	event_base_free(f->base);
}

/* OPEN, KEEPALIVE, Established; hold = min(9, 6), keepalive = 6 / 3. */
static void
test_established(void **state)
{
	struct fx f;
	uint8_t buf[BGP_EXT_MAX_LEN], type;
	uint16_t hold, ka;
	struct open_msg o;
	struct notif err;
	struct cur c;
	int n;

	(void)state;
	fx_start(&f, 0);
	f.fd = fx_connect(&f, "127.0.0.2");
	n = fx_read_msg(&f, f.fd, buf, sizeof(buf), &type);
	assert_int_equal(type, BGP_T_OPEN);
	cur_init(&c, buf + BGP_HDR_LEN, (size_t)n - BGP_HDR_LEN);
	assert_int_equal(wire_open_decode(&c, &o, &err), 0);
	assert_int_equal(o.capas.as4_number, 65001);
	assert_int_equal(o.hold_time, 9);
	assert_int_equal(o.bgp_id, 0x0a000001);
	fx_send_open(f.fd, 65002, 6);
	n = fx_read_msg(&f, f.fd, buf, sizeof(buf), &type);
	assert_int_equal(type, BGP_T_KEEPALIVE);
	assert_int_equal(fx_state(&f, NULL, NULL), BGP_OPENCONFIRM);
	fx_send_keepalive(f.fd);
	fx_pump(&f, 10);
	assert_int_equal(fx_state(&f, &hold, &ka), BGP_ESTABLISHED);
	assert_int_equal(hold, 6);
	assert_int_equal(ka, 2);
	/* Nothing to send: End-of-RIB for IPv4 comes at once. */
	n = fx_read_msg(&f, f.fd, buf, sizeof(buf), &type);
	assert_int_equal(type, BGP_T_UPDATE);
	assert_int_equal(n, BGP_HDR_LEN + 4);
	/* Shutdown sends Cease/Administrative Shutdown. */
	bgp_shutdown(f.bgp, "test over");
	do
		n = fx_read_msg(&f, f.fd, buf, sizeof(buf), &type);
	while (n > 0 && type == BGP_T_KEEPALIVE);
	assert_int_equal(type, BGP_T_NOTIFICATION);
	assert_int_equal(buf[BGP_HDR_LEN], ERR_CEASE);
	assert_int_equal(buf[BGP_HDR_LEN + 1], ERR_CEASE_ADMIN_DOWN);
	assert_int_equal(fx_state(&f, NULL, NULL), BGP_IDLE);
	fx_stop(&f);
}

/* The peer claims another AS: OPEN Message Error / Bad Peer AS. */
static void
test_bad_peer_as(void **state)
{
	struct fx f;
	uint8_t buf[BGP_EXT_MAX_LEN], type;
	int n;

	(void)state;
	fx_start(&f, 0);
	f.fd = fx_connect(&f, "127.0.0.2");
	n = fx_read_msg(&f, f.fd, buf, sizeof(buf), &type);
	assert_int_equal(type, BGP_T_OPEN);
	fx_send_open(f.fd, 65099, 90);
	n = fx_read_msg(&f, f.fd, buf, sizeof(buf), &type);
	assert_true(n > BGP_HDR_LEN);
	assert_int_equal(type, BGP_T_NOTIFICATION);
	assert_int_equal(buf[BGP_HDR_LEN], ERR_OPEN);
	assert_int_equal(buf[BGP_HDR_LEN + 1], ERR_OPEN_AS);
	assert_int_equal(fx_state(&f, NULL, NULL), BGP_IDLE);
	fx_stop(&f);
}

/* A connection from an address no peer has is closed without a word. */
static void
test_unknown_address(void **state)
{
	struct fx f;
	uint8_t buf[64], type;

	(void)state;
	fx_start(&f, 0);
	f.fd = fx_connect(&f, "127.0.0.3");
	assert_int_equal(fx_read_msg(&f, f.fd, buf, sizeof(buf), &type), -1);
	assert_int_equal(fx_state(&f, NULL, NULL), BGP_ACTIVE);
	fx_stop(&f);
}

/* The advertised prefix goes out (AS path = ours, next hop = us), then EoR. */
static void
test_initial_update(void **state)
{
	struct fx f;
	uint8_t buf[BGP_EXT_MAX_LEN], type;
	struct wire_peer_ctx ctx = { 1, 1, 65002 };
	static uint8_t arena_mem[256 * 1024];
	struct arena ar = { arena_mem, 0, sizeof(arena_mem) };
	struct update_msg u;
	struct prefix p;
	struct cur c;
	char s[64];
	int n;

	(void)state;
	fx_start(&f, 1);
	f.fd = fx_connect(&f, "127.0.0.2");
	fx_read_msg(&f, f.fd, buf, sizeof(buf), &type);
	fx_send_open(f.fd, 65002, 90);
	fx_read_msg(&f, f.fd, buf, sizeof(buf), &type);
	fx_send_keepalive(f.fd);
	n = fx_read_msg(&f, f.fd, buf, sizeof(buf), &type);
	assert_int_equal(type, BGP_T_UPDATE);
	cur_init(&c, buf + BGP_HDR_LEN, (size_t)n - BGP_HDR_LEN);
	assert_int_equal(wire_update_decode(&c, &ctx, &ar, &u), 0);
	assert_int_equal(u.action, UPD_OK);
	assert_int_equal(wire_nlri_next(&u.nlri, AF_INET, &p), 1);
	assert_string_equal(prefix_fmt(&p, s, sizeof(s)), "192.0.2.0/24");
	assert_string_equal(addr_fmt(&u.attrs.nexthop, s, sizeof(s)),
	    "127.0.0.1");
	assert_int_equal(u.attrs.aspath_len, 6);	/* one segment, one AS */
	n = fx_read_msg(&f, f.fd, buf, sizeof(buf), &type);
	assert_int_equal(type, BGP_T_UPDATE);
	assert_int_equal(n, BGP_HDR_LEN + 4);	/* End-of-RIB */
	fx_stop(&f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_established),
		cmocka_unit_test(test_bad_peer_as),
		cmocka_unit_test(test_unknown_address),
		cmocka_unit_test(test_initial_update),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
