/*
 * conn.c: TCP for BGP (RFC 4271 section 8: TCP connection events): the
 * dual-stack listener, non-blocking connect from the session's source
 * address, accept and matching to a configured peer, and the socket
 * options of a session: TCP_NODELAY, TTL 1 for single-hop eBGP or the
 * configured multihop TTL, GTSM (RFC 5082: send with TTL 255, accept only
 * TTL >= 256 - hops), IPTOS_PREC_INTERNETCONTROL.
 *
 * A listener that cannot be bound is not fatal: the error is kept for the
 * summary and the bind is retried on a timer.
 */
#include <errno.h>
#include <ifaddrs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <event2/buffer.h>
#include <event2/event.h>

#include "bgp/log.h"
#include "bgp/speaker.h"

static void conn_accept_cb(evutil_socket_t, short, void *);
static void conn_listen_retry_cb(evutil_socket_t, short, void *);
static void conn_connected_cb(evutil_socket_t, short, void *);

/* Open and bind the listening socket; fills b->listen_error on failure. */
static int
conn_listen_open(struct bgp *b)
{
	struct sockaddr_in6 sin6;
	struct sockaddr_in sin;
	int fd, one = 1, zero = 0, r;

	fd = socket(AF_INET6, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd != -1) {
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
		memset(&sin6, 0, sizeof(sin6));
		sin6.sin6_family = AF_INET6;
		sin6.sin6_port = htons(b->lport);
		sin6.sin6_addr = in6addr_any;
		r = bind(fd, (struct sockaddr *)&sin6, sizeof(sin6));
	} else {
		/* IPv6 disabled: IPv4 only. */
		fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    0);
		if (fd == -1)
			goto fail;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		sin.sin_port = htons(b->lport);
		sin.sin_addr.s_addr = htonl(INADDR_ANY);
		r = bind(fd, (struct sockaddr *)&sin, sizeof(sin));
	}
	if (r == -1 || listen(fd, 128) == -1) {
		close(fd);
		goto fail;
	}
	b->lfd = fd;
	b->listen_error[0] = '\0';
	return 0;
fail:
	snprintf(b->listen_error, sizeof(b->listen_error), "port %u: %s",
	    b->lport, strerror(errno));
	return -1;
}

/* Bind b->lport; on failure retry on a timer. Returns 0 or -1. */
int
conn_listen(struct bgp *b)
{
	char q[200];

	if (b->lfd != -1)
		return 0;
	if (b->ev_listen_retry == NULL)
		b->ev_listen_retry = evtimer_new(b->base, conn_listen_retry_cb,
		    b);
	if (conn_listen_open(b) == -1) {
		log_warn("cannot listen", "port=%u error=%s", b->lport,
		    log_q(b->listen_error, q, sizeof(q)));
		evtimer_del(b->ev_listen_retry);
		peer_timer_add(b->ev_listen_retry, SPK_LISTEN_RETRY);
		return -1;
	}
	b->ev_listen = event_new(b->base, b->lfd, EV_READ | EV_PERSIST,
	    conn_accept_cb, b);
	event_add(b->ev_listen, NULL);
	log_info("listening", "port=%u", b->lport);
	return 0;
}

void
conn_unlisten(struct bgp *b)
{
	if (b->ev_listen_retry != NULL)
		evtimer_del(b->ev_listen_retry);
	if (b->ev_listen != NULL) {
		event_free(b->ev_listen);
		b->ev_listen = NULL;
	}
	if (b->lfd != -1) {
		close(b->lfd);
		b->lfd = -1;
	}
}

static void
conn_listen_retry_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct bgp *b = arg;

	(void)fd;
	(void)ev;
	if (b->model != NULL && !b->shutting_down)
		conn_listen(b);
}

/*
 * TTL and GTSM for a session socket. IPv4 options are set on IPv6 sockets
 * too, because a dual-stack socket may carry a v4-mapped peer.
 */
void
conn_set_sockopts(struct peer *p, int fd, int af)
{
	int one = 1, zero = 0, tos = IPTOS_PREC_INTERNETCONTROL, ttl = 0;
	int minttl = 0;

	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &zero, sizeof(zero));
	setsockopt(fd, IPPROTO_IP, IP_TOS, &tos, sizeof(tos));
	if (af == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_TCLASS, &tos, sizeof(tos));
	if (p->conf.gtsm_ttl) {
		ttl = 255;
		minttl = 256 - p->conf.gtsm_ttl;
	} else if (p->conf.multihop_ttl)
		ttl = p->conf.multihop_ttl;
	else if (p->ebgp)
		ttl = 1;
	if (ttl) {
		setsockopt(fd, IPPROTO_IP, IP_TTL, &ttl, sizeof(ttl));
		if (af == AF_INET6)
			setsockopt(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &ttl,
			    sizeof(ttl));
	}
	if (minttl) {
		if (setsockopt(fd, IPPROTO_IP, IP_MINTTL, &minttl,
		    sizeof(minttl)) == -1 && af == AF_INET)
			log_warn("cannot set IP_MINTTL", "session=%s error=\"%s\"",
			    p->name, strerror(errno));
		if (af == AF_INET6 && setsockopt(fd, IPPROTO_IPV6,
		    IPV6_MINHOPCOUNT, &minttl, sizeof(minttl)) == -1)
			log_warn("cannot set IPV6_MINHOPCOUNT",
			    "session=%s error=\"%s\"", p->name, strerror(errno));
	}
}

static struct conn *
conn_new(struct peer *p, int fd, int outgoing)
{
	struct conn *c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		fatal("%s: out of memory", __func__);
	c->peer = p;
	c->fd = fd;
	c->outgoing = outgoing;
	c->in = evbuffer_new();
	c->out = evbuffer_new();
	if (c->in == NULL || c->out == NULL)
		fatal("%s: out of memory", __func__);
	return c;
}

/* Our and the peer's address of a connected socket. */
static void
conn_names(struct conn *c)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);

	if (getsockname(c->fd, (struct sockaddr *)&ss, &sl) == 0)
		addr_from_sockaddr((struct sockaddr *)&ss, &c->local,
		    &c->lport);
	sl = sizeof(ss);
	if (getpeername(c->fd, (struct sockaddr *)&ss, &sl) == 0)
		addr_from_sockaddr((struct sockaddr *)&ss, &c->remote,
		    &c->rport);
}

struct conn *
conn_connect(struct peer *p)
{
	struct bgp *b = p->bgp;
	struct sockaddr_storage ss;
	socklen_t sl;
	struct conn *c;
	char ab[ADDR_STRLEN];
	int fd, af = p->conf.remote_addr.af;

	if (addr_to_sockaddr(&p->conf.remote_addr, p->conf.remote_port, &ss,
	    &sl) == -1) {
		log_warn("peer has no address", "session=%s", p->name);
		return NULL;
	}
	fd = socket(af, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1) {
		log_warn("cannot create socket", "session=%s error=\"%s\"",
		    p->name, strerror(errno));
		return NULL;
	}
	conn_set_sockopts(p, fd, af);
	if (p->conf.local_addr.af == af && peer_binds_source(p)) {
		struct sockaddr_storage ls;
		socklen_t ll;
		int one = 1;

		/* The address may not be configured yet: bind anyway. */
		setsockopt(fd, IPPROTO_IP, IP_FREEBIND, &one, sizeof(one));
		addr_to_sockaddr(&p->conf.local_addr, 0, &ls, &ll);
		if (bind(fd, (struct sockaddr *)&ls, ll) == -1)
			log_warn("cannot bind source address",
			    "session=%s addr=%s error=\"%s\"", p->name,
			    addr_fmt(&p->conf.local_addr, ab, sizeof(ab)),
			    strerror(errno));
	}
	if (connect(fd, (struct sockaddr *)&ss, sl) == -1 &&
	    errno != EINPROGRESS) {
		log_info("connect failed", "session=%s addr=%s error=\"%s\"",
		    p->name, addr_fmt(&p->conf.remote_addr, ab, sizeof(ab)),
		    strerror(errno));
		close(fd);
		return NULL;
	}
	c = conn_new(p, fd, 1);
	c->connecting = 1;
	c->ev_write = event_new(b->base, fd, EV_WRITE, conn_connected_cb, c);
	event_add(c->ev_write, NULL);
	return c;
}

/* The non-blocking connect finished, one way or the other. */
static void
conn_connected_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct conn *c = arg;
	struct peer *p = c->peer;
	int err = 0;
	socklen_t len = sizeof(err);
	char why[128];

	(void)ev;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1)
		err = errno;
	event_free(c->ev_write);
	c->ev_write = NULL;
	c->connecting = 0;
	if (err != 0) {
		snprintf(why, sizeof(why), "connect: %s", strerror(err));
		peer_conn_down(p, c, why);
		return;
	}
	conn_names(c);
	session_start(c);
	peer_conn_up(p, c);
}

static void
conn_accept_cb(evutil_socket_t lfd, short ev, void *arg)
{
	struct bgp *b = arg;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	struct addr ra;
	struct conn *c;
	struct peer *p;
	char ab[ADDR_STRLEN];
	int fd;

	(void)ev;
	fd = accept4(lfd, (struct sockaddr *)&ss, &sl,
	    SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd == -1) {
		if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
			log_warn("accept failed", "error=\"%s\"", strerror(errno));
		return;
	}
	addr_from_sockaddr((struct sockaddr *)&ss, &ra, NULL);
	c = conn_new(NULL, fd, 0);
	conn_names(c);
	if ((p = peer_find_addr(b, &ra, &c->local)) == NULL ||
	    b->shutting_down) {
		log_info("connection from unknown address refused", "addr=%s",
		    addr_fmt(&ra, ab, sizeof(ab)));
		c->closed = 1;
		close(fd);
		conn_free(c);
		return;
	}
	c->peer = p;
	conn_set_sockopts(p, fd, ss.ss_family);
	session_start(c);
	peer_conn_up(p, c);
}

void
conn_close(struct conn *c)
{
	struct bgp *b;

	if (c == NULL || c->closed)
		return;
	c->closed = 1;
	if (c->ev_read != NULL)
		event_del(c->ev_read);
	if (c->ev_write != NULL)
		event_del(c->ev_write);
	if (c->fd != -1) {
		close(c->fd);
		c->fd = -1;
	}
	b = c->peer->bgp;
	TAILQ_INSERT_TAIL(&b->dead_conns, c, entry);
	bgp_reap_later(b);
}

void
conn_free(struct conn *c)
{
	if (c->ev_read != NULL)
		event_free(c->ev_read);
	if (c->ev_write != NULL)
		event_free(c->ev_write);
	evbuffer_free(c->in);
	evbuffer_free(c->out);
	if (c->fd != -1 && !c->closed)
		close(c->fd);
	free(c);
}

/*
 * An address of family af on the interface that holds local: the next hop
 * of the other family over a single-family session (as BIRD does). IPv6
 * link-local addresses do not qualify. 0 on success.
 */
int
conn_iface_addr(const struct addr *local, int af, struct addr *out)
{
	struct ifaddrs *ifs, *i, *j;
	struct addr a;
	int r = -1;

	if (getifaddrs(&ifs) == -1)
		return -1;
	for (i = ifs; i != NULL && r == -1; i = i->ifa_next) {
		if (i->ifa_addr == NULL ||
		    addr_from_sockaddr(i->ifa_addr, &a, NULL) == -1 ||
		    addr_cmp(&a, local) != 0)
			continue;
		for (j = ifs; j != NULL; j = j->ifa_next) {
			if (j->ifa_addr == NULL || j->ifa_addr->sa_family != af ||
			    strcmp(j->ifa_name, i->ifa_name) != 0 ||
			    addr_from_sockaddr(j->ifa_addr, &a, NULL) == -1 ||
			    a.af != af || addr_is_v6_linklocal(&a))
				continue;
			*out = a;
			r = 0;
			break;
		}
	}
	freeifaddrs(ifs);
	return r;
}
