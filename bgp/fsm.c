/*
 * fsm.c: the BGP finite state machine, RFC 4271 section 8, as one function:
 * switch on state, then on event. Timers and socket outcomes only produce
 * events (peer.c, session_io.c); every state change and its teardown goes
 * through fsm_change_state().
 *
 * Deviations, and why:
 * - Idle restarts by itself after an IdleHold time that doubles on repeated
 *   failures (capped at SPK_IDLEHOLD_MAX) and resets after a session was up
 *   SPK_STABLE_SECS (RFC 4271 8.1.1's DampPeerOscillations, always on).
 * - ConnectRetry is SPK_CONNECT_RETRY seconds with 0.75-1.0 jitter, not
 *   120: peers of a cluster start in any order and should meet quickly.
 * - A peer with no common address family stays Established and exchanges
 *   nothing, instead of refusing the session.
 * - RFC 4271 section 8.2.1.3 says an OPEN from the peer's own BGP ID is an
 *   error; RFC 6286 limits that to iBGP, which we follow.
 */
#include <stdio.h>
#include <string.h>

#include <event2/event.h>

#include "bgp/log.h"
#include "bgp/speaker.h"

static const char *const fsm_event_names[] = {
	"Start", "Stop", "ConnectRetryTimer", "HoldTimer", "KeepaliveTimer",
	"ConnectionOpen", "ConnectionFail", "OpenReceived",
	"KeepaliveReceived", "UpdateReceived", "NotificationReceived",
	"RouteRefreshReceived", "MessageError"
};

const char *
fsm_event_name(enum fsm_event ev)
{
	if ((size_t)ev >= sizeof(fsm_event_names) / sizeof(fsm_event_names[0]))
		return "?";
	return fsm_event_names[ev];
}

static void
fsm_timers_stop(struct peer *p)
{
	evtimer_del(p->ev_hold);
	evtimer_del(p->ev_keepalive);
}

static void
fsm_close_conns(struct peer *p)
{
	if (p->conn != NULL) {
		conn_close(p->conn);
		p->conn = NULL;
	}
	if (p->coll != NULL) {
		conn_close(p->coll);
		p->coll = NULL;
	}
}

void
fsm_change_state(struct peer *p, enum bgp_state to, const char *reason)
{
	struct bgp *b = p->bgp;
	enum bgp_state from = p->state;
	char q[300];
	unsigned delay;

	if (from == to)
		return;
	p->state = to;
	p->state_since = bgp_now();
	if (from == BGP_ESTABLISHED) {
		p->flaps++;
		if (bgp_now() - p->up_since >= SPK_STABLE_SECS)
			p->idlehold = SPK_IDLEHOLD_MIN;
		/* The peer's paths go; other peers learn it via best_change. */
		update_peer_down(p);
		rib_flush_src(b->rib, &p->src);
		p->eor_rcvd[0] = p->eor_rcvd[1] = 0;
	}
	switch (to) {
	case BGP_IDLE:
		fsm_timers_stop(p);
		evtimer_del(p->ev_connretry);
		fsm_close_conns(p);
		if (!p->stopped && !p->dead && !b->shutting_down) {
			delay = p->idlehold;
			p->idlehold = p->idlehold * 2 > SPK_IDLEHOLD_MAX ?
			    SPK_IDLEHOLD_MAX : p->idlehold * 2;
			evtimer_del(p->ev_idlehold);
			peer_timer_add(p->ev_idlehold, delay);
		}
		break;
	case BGP_CONNECT:
	case BGP_ACTIVE:
		fsm_timers_stop(p);
		if (from >= BGP_OPENSENT)
			fsm_close_conns(p);
		break;
	case BGP_ESTABLISHED:
		p->up_since = bgp_now();
		p->last_error[0] = '\0';
		update_peer_up(p);
		break;
	default:
		break;
	}
	log_info("session state changed", "session=%s from=%s to=%s "
	    "reason=%s", p->name, bgp_state_name(from), bgp_state_name(to),
	    log_q(reason, q, sizeof(q)));
	bgp_peer_state_hook(b, p, from, to, reason);
}

/* Go to Idle after an error, sending n first when connected. */
static void
fsm_fail(struct peer *p, const struct notif *n, const char *reason)
{
	char name[96];

	if (n != NULL && p->conn != NULL) {
		session_send_notif(p->conn, n);
		snprintf(p->last_error, sizeof(p->last_error), "sent %s",
		    wire_notif_name(n->code, n->subcode, name, sizeof(name)));
	} else
		snprintf(p->last_error, sizeof(p->last_error), "%s", reason);
	fsm_change_state(p, BGP_IDLE, reason);
}

static void
fsm_fsm_error(struct peer *p, enum fsm_event ev)
{
	struct notif n;
	char why[96];

	memset(&n, 0, sizeof(n));
	n.code = ERR_FSM;
	snprintf(why, sizeof(why), "unexpected %s in %s", fsm_event_name(ev),
	    bgp_state_name(p->state));
	fsm_fail(p, &n, why);
}

static void
fsm_connect(struct peer *p)
{
	evtimer_del(p->ev_connretry);
	peer_timer_add_jitter(p->ev_connretry, SPK_CONNECT_RETRY);
	if (p->conf.passive) {
		fsm_change_state(p, BGP_ACTIVE, "passive: waiting");
		return;
	}
	if (p->conn != NULL) {
		conn_close(p->conn);
		p->conn = NULL;
	}
	if ((p->conn = conn_connect(p)) == NULL) {
		fsm_change_state(p, BGP_ACTIVE, "connect failed");
		return;
	}
	fsm_change_state(p, BGP_CONNECT, "connecting");
}

/* TCP is up on p->conn: send OPEN and wait for the peer's. */
static void
fsm_conn_open(struct peer *p)
{
	evtimer_del(p->ev_connretry);
	session_send_open(p, p->conn);
	evtimer_del(p->ev_hold);
	peer_timer_add(p->ev_hold, SPK_OPEN_HOLD);
	fsm_change_state(p, BGP_OPENSENT, "connection up, OPEN sent");
}

/* RFC 4271 6.2 checks that need our configuration; negotiation. */
static int
fsm_open_check(struct peer *p, const struct open_msg *o, struct notif *err)
{
	struct bgp *b = p->bgp;
	uint32_t ras = o->capas.as4 ? o->capas.as4_number : o->my_as;
	int v4;

	memset(err, 0, sizeof(*err));
	err->code = ERR_OPEN;
	if (ras != p->conf.remote_as) {
		err->subcode = ERR_OPEN_AS;
		err->datalen = 2;
		err->data[0] = (uint8_t)(o->my_as >> 8);
		err->data[1] = (uint8_t)o->my_as;
		log_warn("OPEN with wrong AS", "session=%s as=%u expected=%u",
		    p->name, ras, p->conf.remote_as);
		return -1;
	}
	if (o->bgp_id == 0 || (!p->ebgp && o->bgp_id == b->model->router_id)) {
		err->subcode = ERR_OPEN_BGPID;
		log_warn("OPEN with bad BGP identifier", "session=%s id=%u",
		    p->name, o->bgp_id);
		return -1;
	}
	p->hold = o->hold_time < p->conf.hold_time ? o->hold_time :
	    p->conf.hold_time;
	p->keepalive = p->hold / 3 < p->conf.keepalive ? p->hold / 3 :
	    p->conf.keepalive;
	if (p->hold != 0 && p->keepalive == 0)
		p->keepalive = 1;
	p->as4 = o->capas.as4;
	p->ext_msg = o->capas.ext_msg;
	p->refresh = o->capas.route_refresh;
	/* No multiprotocol capability at all: IPv4 unicast (RFC 4760 8). */
	v4 = o->capas.mp_v4 || (!o->capas.mp_v4 && !o->capas.mp_v6);
	p->af_ok[BGP_AFI_V4] = p->conf.v4 && v4;
	p->af_ok[BGP_AFI_V6] = p->conf.v6 && o->capas.mp_v6;
	p->remote_id = o->bgp_id;
	p->src.router_id = o->bgp_id;
	if (!p->af_ok[0] && !p->af_ok[1])
		log_warn("no common address family: nothing is exchanged",
		    "session=%s", p->name);
	return 0;
}

static void
fsm_rcvd_open(struct peer *p, const struct open_msg *o)
{
	struct notif err;

	if (fsm_open_check(p, o, &err) == -1) {
		fsm_fail(p, &err, "bad OPEN");
		return;
	}
	evtimer_del(p->ev_hold);
	if (p->hold)
		peer_timer_add(p->ev_hold, p->hold);
	session_send_keepalive(p);
	evtimer_del(p->ev_keepalive);
	if (p->keepalive)
		peer_timer_add(p->ev_keepalive, p->keepalive);
	fsm_change_state(p, BGP_OPENCONFIRM, "OPEN received");
}

static void
fsm_hold_restart(struct peer *p)
{
	evtimer_del(p->ev_hold);
	if (p->hold)
		peer_timer_add(p->ev_hold, p->hold);
}

static void
fsm_keepalive(struct peer *p)
{
	session_send_keepalive(p);
	evtimer_del(p->ev_keepalive);
	if (p->keepalive)
		peer_timer_add(p->ev_keepalive, p->keepalive);
}

static void
fsm_refresh(struct peer *p, struct cur *body)
{
	uint16_t afi;
	uint8_t safi;
	int af;

	if (wire_refresh_decode(body, &afi, &safi) == -1 ||
	    safi != SAFI_UNICAST || (af = wire_afi_to_af(afi)) == 0 ||
	    !p->af_ok[spk_afi(af)]) {
		log_info("route refresh for a family not negotiated ignored",
		    "session=%s afi=%u safi=%u", p->name, afi, safi);
		return;
	}
	log_info("route refresh received", "session=%s afi=%u", p->name, afi);
	adjout_redump(p, 1 << spk_afi(af), 0);
}

static void
fsm_hold_expired(struct peer *p)
{
	struct notif n;

	memset(&n, 0, sizeof(n));
	n.code = ERR_HOLD;
	fsm_fail(p, &n, "hold timer expired");
}

static void
fsm_notif_rcvd(struct peer *p, const struct notif *n)
{
	char name[96];

	snprintf(p->last_error, sizeof(p->last_error), "received %s",
	    wire_notif_name(n->code, n->subcode, name, sizeof(name)));
	fsm_change_state(p, BGP_IDLE, p->last_error);
}

void
fsm_event(struct peer *p, enum fsm_event ev, const void *arg)
{
	struct notif n;

	switch (p->state) {
	case BGP_IDLE:
		switch (ev) {
		case FSM_START:
			fsm_connect(p);
			break;
		default:
			/* Idle ignores everything else (RFC 4271 8.2.2). */
			break;
		}
		break;
	case BGP_CONNECT:
	case BGP_ACTIVE:
		switch (ev) {
		case FSM_START:
			break;
		case FSM_STOP:
			fsm_change_state(p, BGP_IDLE, "stopped");
			break;
		case FSM_CONNRETRY_TIMER:
			fsm_connect(p);
			break;
		case FSM_CONN_OPEN:
			fsm_conn_open(p);
			break;
		case FSM_CONN_FAIL:
			if (p->conn != NULL) {
				conn_close(p->conn);
				p->conn = NULL;
			}
			snprintf(p->last_error, sizeof(p->last_error), "%s",
			    (const char *)arg);
			fsm_change_state(p, BGP_ACTIVE, arg);
			break;
		default:
			fsm_fsm_error(p, ev);
			break;
		}
		break;
	case BGP_OPENSENT:
	case BGP_OPENCONFIRM:
	case BGP_ESTABLISHED:
		switch (ev) {
		case FSM_START:
		case FSM_CONNRETRY_TIMER:
			break;
		case FSM_STOP:
			fsm_fail(p, arg, "stopped");
			break;
		case FSM_HOLD_TIMER:
			fsm_hold_expired(p);
			break;
		case FSM_KEEPALIVE_TIMER:
			if (p->state != BGP_OPENSENT)
				fsm_keepalive(p);
			break;
		case FSM_CONN_FAIL:
			snprintf(p->last_error, sizeof(p->last_error), "%s",
			    (const char *)arg);
			if (p->state == BGP_OPENSENT) {
				/* RFC 4271 8.2.2: OpenSent falls back to Active. */
				fsm_close_conns(p);
				evtimer_del(p->ev_connretry);
				peer_timer_add_jitter(p->ev_connretry,
				    SPK_CONNECT_RETRY);
				fsm_change_state(p, BGP_ACTIVE, arg);
			} else
				fsm_change_state(p, BGP_IDLE, arg);
			break;
		case FSM_MSG_ERR:
			fsm_fail(p, arg, "message error");
			break;
		case FSM_RCVD_NOTIF:
			fsm_notif_rcvd(p, arg);
			break;
		case FSM_RCVD_OPEN:
			if (p->state == BGP_OPENSENT)
				fsm_rcvd_open(p, arg);
			else
				fsm_fsm_error(p, ev);
			break;
		case FSM_RCVD_KEEPALIVE:
			if (p->state == BGP_OPENSENT) {
				fsm_fsm_error(p, ev);
				break;
			}
			fsm_hold_restart(p);
			if (p->state == BGP_OPENCONFIRM)
				fsm_change_state(p, BGP_ESTABLISHED,
				    "KEEPALIVE received");
			break;
		case FSM_RCVD_UPDATE:
			if (p->state != BGP_ESTABLISHED) {
				fsm_fsm_error(p, ev);
				break;
			}
			fsm_hold_restart(p);
			if (import_update(p, (struct cur *)(uintptr_t)arg,
			    &n) == -1)
				fsm_fail(p, &n, "bad UPDATE");
			break;
		case FSM_RCVD_REFRESH:
			if (p->state != BGP_ESTABLISHED) {
				fsm_fsm_error(p, ev);
				break;
			}
			fsm_hold_restart(p);
			fsm_refresh(p, (struct cur *)(uintptr_t)arg);
			break;
		case FSM_CONN_OPEN:
			/* A second connection is handled by peer.c. */
			fsm_fsm_error(p, ev);
			break;
		}
		break;
	}
}
