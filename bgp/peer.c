/*
 * peer.c: configured peers: their life cycle, their timers (members of the
 * peer, created once, turned into FSM events), and the handling of a
 * second TCP connection: connection collision detection, RFC 4271 6.8.
 *
 * A peer holds at most two connections: the session's (p->conn) and one
 * more (p->coll) that has sent its OPEN and waits for the peer's. When the
 * peer's OPEN arrives there, the BGP identifiers decide which connection
 * survives; the other gets Cease/Connection Collision Resolution. An
 * Established session always wins against a new connection.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "bgp/log.h"
#include "bgp/speaker.h"

static void peer_connretry_cb(evutil_socket_t, short, void *);
static void peer_hold_cb(evutil_socket_t, short, void *);
static void peer_keepalive_cb(evutil_socket_t, short, void *);
static void peer_idlehold_cb(evutil_socket_t, short, void *);

void
peer_timer_add(struct event *ev, unsigned secs)
{
	struct timeval tv = { (time_t)secs, 0 };

	evtimer_add(ev, &tv);
}

/* RFC 4271 10: jitter by a random factor in 0.75..1.0. */
void
peer_timer_add_jitter(struct event *ev, unsigned secs)
{
	uint64_t us = (uint64_t)secs * 1000000u;
	struct timeval tv;

	us = us * (750 + (uint64_t)(random() % 251)) / 1000;
	tv.tv_sec = (time_t)(us / 1000000u);
	tv.tv_usec = (suseconds_t)(us % 1000000u);
	evtimer_add(ev, &tv);
}

static char *
peer_strdup(const char *s)
{
	char *d = strdup(s ? s : "");

	if (d == NULL)
		fatal("%s: out of memory", __func__);
	return d;
}

/* Take the scalar settings of mp; strings are copied. */
void
peer_set_conf(struct peer *p, const struct model_peer *mp)
{
	free(p->conf.remote_endpoint);
	p->conf = *mp;
	p->conf.name = p->name;
	p->conf.remote_endpoint = peer_strdup(mp->remote_endpoint);
	p->conf.import = p->conf.export = NULL;
	p->conf.nimport = p->conf.nexport = 0;
	p->ebgp = mp->remote_as != p->bgp->model->local_as;
	p->src.ebgp = p->ebgp;
	p->src.rr_client = mp->rr_client;
	p->src.remote_as = mp->remote_as;
	p->src.addr = mp->remote_addr;
}

struct peer *
peer_new(struct bgp *b, const struct model_peer *mp)
{
	struct peer *p;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		fatal("%s: out of memory", __func__);
	p->bgp = b;
	p->name = peer_strdup(mp->name);
	p->src.id = ++b->next_src_id;
	p->src.name = p->name;
	peer_set_conf(p, mp);
	p->state = BGP_IDLE;
	p->state_since = bgp_now();
	p->idlehold = SPK_IDLEHOLD_MIN;
	p->ev_connretry = evtimer_new(b->base, peer_connretry_cb, p);
	p->ev_hold = evtimer_new(b->base, peer_hold_cb, p);
	p->ev_keepalive = evtimer_new(b->base, peer_keepalive_cb, p);
	p->ev_idlehold = evtimer_new(b->base, peer_idlehold_cb, p);
	if (!p->ev_connretry || !p->ev_hold || !p->ev_keepalive ||
	    !p->ev_idlehold)
		fatal("%s: out of memory", __func__);
	TAILQ_INSERT_TAIL(&b->peers, p, entry);
	return p;
}

void
peer_start(struct peer *p)
{
	p->stopped = 0;
	fsm_event(p, FSM_START, NULL);
}

void
peer_cease(struct peer *p, uint8_t subcode, const char *msg, int restart)
{
	struct notif n;

	wire_notif_shutdown(&n, subcode, msg);
	p->stopped = 1;
	evtimer_del(p->ev_idlehold);
	if (p->state >= BGP_OPENSENT)
		fsm_event(p, FSM_STOP, &n);
	else
		fsm_change_state(p, BGP_IDLE, msg);
	if (p->coll != NULL) {
		session_send_notif(p->coll, &n);
		conn_close(p->coll);
		p->coll = NULL;
	}
	if (restart) {
		p->idlehold = SPK_IDLEHOLD_MIN;
		p->stopped = 0;
		evtimer_del(p->ev_idlehold);
		peer_timer_add(p->ev_idlehold, SPK_IDLEHOLD_MIN);
	}
}

void
peer_remove(struct peer *p, uint8_t subcode, const char *msg)
{
	struct bgp *b = p->bgp;

	peer_cease(p, subcode, msg, 0);
	p->dead = 1;
	evtimer_del(p->ev_connretry);
	evtimer_del(p->ev_hold);
	evtimer_del(p->ev_keepalive);
	evtimer_del(p->ev_idlehold);
	rib_flush_src(b->rib, &p->src);
	TAILQ_REMOVE(&b->peers, p, entry);
	TAILQ_INSERT_TAIL(&b->dead, p, entry);
	bgp_reap_later(b);
}

void
peer_free(struct peer *p)
{
	update_peer_down(p);
	event_free(p->ev_connretry);
	event_free(p->ev_hold);
	event_free(p->ev_keepalive);
	event_free(p->ev_idlehold);
	free(p->imp);
	free(p->exp);
	free(p->conf.remote_endpoint);
	free(p->name);
	free(p);
}

/*
 * The configured peer a connection from remote (arriving at our local
 * address) belongs to. A peer bound to a source address must match it too.
 */
struct peer *
peer_find_addr(struct bgp *b, const struct addr *remote,
    const struct addr *local)
{
	struct peer *p;

	TAILQ_FOREACH(p, &b->peers, entry) {
		if (addr_cmp(&p->conf.remote_addr, remote) != 0)
			continue;
		if (peer_binds_source(p) && local != NULL &&
		    addr_is_set(local) &&
		    addr_cmp(&p->conf.local_addr, local) != 0)
			continue;
		return p;
	}
	return NULL;
}

static void
peer_connretry_cb(evutil_socket_t fd, short ev, void *arg)
{
	(void)fd;
	(void)ev;
	fsm_event(arg, FSM_CONNRETRY_TIMER, NULL);
}

static void
peer_hold_cb(evutil_socket_t fd, short ev, void *arg)
{
	(void)fd;
	(void)ev;
	fsm_event(arg, FSM_HOLD_TIMER, NULL);
}

static void
peer_keepalive_cb(evutil_socket_t fd, short ev, void *arg)
{
	(void)fd;
	(void)ev;
	fsm_event(arg, FSM_KEEPALIVE_TIMER, NULL);
}

static void
peer_idlehold_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct peer *p = arg;

	(void)fd;
	(void)ev;
	if (!p->stopped && !p->dead)
		fsm_event(p, FSM_START, NULL);
}

static void
peer_refuse(struct conn *c, const char *why)
{
	char ab[ADDR_STRLEN];

	log_info("connection refused", "session=%s addr=%s reason=%s",
	    c->peer->name, addr_fmt(&c->remote, ab, sizeof(ab)), why);
	conn_close(c);
}

/*
 * TCP is up on c: either the session's own pending connect finished, or a
 * connection arrived (accepted), or the second connection finished.
 */
void
peer_conn_up(struct peer *p, struct conn *c)
{
	if (c == p->coll) {
		session_send_open(p, c);	/* wait for its OPEN */
		return;
	}
	if (c == p->conn) {
		fsm_event(p, FSM_CONN_OPEN, NULL);
		return;
	}
	/* An accepted connection. */
	switch (p->state) {
	case BGP_IDLE:
		peer_refuse(c, "\"session is idle\"");
		break;
	case BGP_ESTABLISHED:
		peer_refuse(c, "\"session is established\"");
		break;
	case BGP_CONNECT:
		/* Keep our own attempt as the second connection. */
		if (p->coll == NULL)
			p->coll = p->conn;
		else
			conn_close(p->conn);
		p->conn = c;
		fsm_event(p, FSM_CONN_OPEN, NULL);
		break;
	case BGP_ACTIVE:
		p->conn = c;
		fsm_event(p, FSM_CONN_OPEN, NULL);
		break;
	case BGP_OPENSENT:
	case BGP_OPENCONFIRM:
		if (p->coll != NULL) {
			peer_refuse(c, "\"collision already pending\"");
			break;
		}
		p->coll = c;
		session_send_open(p, c);
		break;
	}
}

void
peer_conn_down(struct peer *p, struct conn *c, const char *why)
{
	if (c == p->coll) {
		log_debug("second connection closed", "session=%s", p->name);
		conn_close(c);
		p->coll = NULL;
		return;
	}
	if (c == p->conn) {
		fsm_event(p, FSM_CONN_FAIL, why);
		return;
	}
	conn_close(c);
}

/*
 * RFC 4271 6.8: the peer's OPEN arrived on the second connection. The
 * connection initiated by the side with the higher BGP identifier (then
 * AS, RFC 6286 2.3) survives; if both were initiated the same way, the
 * newer one does (the peer gave up on the older).
 */
void
peer_collision(struct peer *p, const struct open_msg *o)
{
	struct bgp *b = p->bgp;
	struct conn *keep, *drop;
	struct notif n;
	uint32_t ras = o->capas.as4 ? o->capas.as4_number : o->my_as;
	int local_wins;

	memset(&n, 0, sizeof(n));
	n.code = ERR_CEASE;
	n.subcode = ERR_CEASE_COLLISION;
	if (p->state == BGP_ESTABLISHED || p->conn == NULL) {
		session_send_notif(p->coll, &n);
		conn_close(p->coll);
		p->coll = NULL;
		return;
	}
	local_wins = b->model->router_id > o->bgp_id ||
	    (b->model->router_id == o->bgp_id && b->model->local_as > ras);
	if (p->conn->outgoing == p->coll->outgoing)
		keep = p->coll;
	else
		keep = (p->coll->outgoing == local_wins) ? p->coll : p->conn;
	drop = keep == p->coll ? p->conn : p->coll;
	log_info("connection collision resolved", "session=%s kept=%s",
	    p->name, keep->outgoing ? "outgoing" : "incoming");
	session_send_notif(drop, &n);
	conn_close(drop);
	p->coll = NULL;
	if (keep == p->conn)
		return;
	/* The second connection takes over and its OPEN is processed. */
	p->conn = keep;
	p->state = BGP_OPENSENT;
	fsm_event(p, FSM_RCVD_OPEN, o);
}
