/*
 * session_io.c: bytes on a session's connection: framing (RFC 4271 4.1),
 * dispatch of each message to the FSM, and the output buffer.
 *
 * Reading is bounded: at most SPK_READ_CHUNK bytes are read and at most
 * SPK_READ_LIMIT messages handled per wakeup, so one busy peer cannot starve
 * the others or their keepalives; a connection with complete messages left
 * over is woken again on the next loop turn.
 *
 * Writing: KEEPALIVE and NOTIFICATION go straight into the output buffer;
 * UPDATEs are generated late, in the write callback, from the peer's
 * Adj-RIB-Out, and only while the buffer is below SPK_OUT_HIWAT
 * (update.c), so a slow peer holds back work instead of memory.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/event.h>

#include "bgp/log.h"
#include "bgp/speaker.h"

static void session_read_cb(evutil_socket_t, short, void *);
static void session_write_cb(evutil_socket_t, short, void *);

void
session_start(struct conn *c)
{
	struct bgp *b = c->peer->bgp;

	c->ev_read = event_new(b->base, c->fd, EV_READ | EV_PERSIST,
	    session_read_cb, c);
	c->ev_write = event_new(b->base, c->fd, EV_WRITE | EV_PERSIST,
	    session_write_cb, c);
	event_add(c->ev_read, NULL);
}

size_t
session_outlen(const struct conn *c)
{
	return evbuffer_get_length(c->out);
}

void
session_want_write(struct conn *c)
{
	if (c != NULL && !c->closed && c->ev_write != NULL &&
	    !c->connecting && !event_pending(c->ev_write, EV_WRITE, NULL))
		event_add(c->ev_write, NULL);
}

void
session_send(struct conn *c, const void *p, size_t len, int type)
{
	struct peer *pr = c->peer;

	if (c->closed)
		return;
	if (evbuffer_add(c->out, p, len) == -1)
		fatal("%s: out of memory", __func__);
	if (c == pr->conn && type >= 1 && type <= BGP_NMSG)
		pr->msgs_sent[type - 1]++;
	session_want_write(c);
}

void
session_send_open(struct peer *p, struct conn *c)
{
	struct bgp *b = p->bgp;
	struct open_msg o;
	uint8_t buf[BGP_MAX_LEN];
	struct wbuf w;

	memset(&o, 0, sizeof(o));
	o.version = 4;
	o.my_as = b->model->local_as > 0xffff ? AS_TRANS :
	    (uint16_t)b->model->local_as;
	o.hold_time = p->conf.hold_time;
	o.bgp_id = b->model->router_id;
	o.capas.mp_v4 = p->conf.v4;
	o.capas.mp_v6 = p->conf.v6;
	o.capas.route_refresh = 1;
	o.capas.as4 = 1;
	o.capas.as4_number = b->model->local_as;
	o.capas.ext_msg = 1;
	wbuf_fixed(&w, buf, sizeof(buf));
	if (wire_open_encode(&w, &o) == -1 || w.err)
		fatal("%s: OPEN does not encode", __func__);
	session_send(c, buf, w.len, BGP_T_OPEN);
	c->open_sent = 1;
	if (c != p->conn)
		p->msgs_sent[BGP_MSG_OPEN]++;
}

void
session_send_keepalive(struct peer *p)
{
	uint8_t buf[BGP_HDR_LEN];
	struct wbuf w;

	if (p->conn == NULL)
		return;
	wbuf_fixed(&w, buf, sizeof(buf));
	wire_keepalive_encode(&w);
	session_send(p->conn, buf, w.len, BGP_T_KEEPALIVE);
}

/* Push what is buffered now, without waiting (best effort). */
void
session_flush(struct conn *c)
{
	while (!c->closed && evbuffer_get_length(c->out) > 0)
		if (evbuffer_write(c->out, c->fd) <= 0)
			break;
}

void
session_send_notif(struct conn *c, const struct notif *n)
{
	uint8_t buf[BGP_MAX_LEN];
	char name[96], q[600], txt[260];
	struct wbuf w;
	size_t tl;

	if (c == NULL || c->closed || c->connecting)
		return;
	wbuf_fixed(&w, buf, sizeof(buf));
	if (wire_notification_encode(&w, n) == -1 || w.err)
		fatal("%s: NOTIFICATION does not encode", __func__);
	txt[0] = '\0';
	if (n->code == ERR_CEASE && n->datalen > 0) {
		tl = n->data[0] < n->datalen ? n->data[0] : n->datalen - 1u;
		memcpy(txt, n->data + 1, tl);
		txt[tl] = '\0';
	}
	log_info("notification sent", "session=%s code=%u subcode=%u "
	    "error=%s message=%s", c->peer->name, n->code, n->subcode,
	    log_q(wire_notif_name(n->code, n->subcode, name, sizeof(name)),
	    q, 120), log_q(txt, q + 120, sizeof(q) - 120));
	session_send(c, buf, w.len, BGP_T_NOTIFICATION);
	if (c != c->peer->conn)
		c->peer->msgs_sent[BGP_MSG_NOTIFICATION]++;
	session_flush(c);
}

static void
session_notif_rcvd(struct peer *p, const struct notif *n)
{
	char name[96], q[600], txt[260];
	size_t tl;

	txt[0] = '\0';
	if (n->code == ERR_CEASE && n->datalen > 0 &&
	    (n->subcode == ERR_CEASE_ADMIN_DOWN ||
	    n->subcode == ERR_CEASE_ADMIN_RESET)) {
		tl = n->data[0] < n->datalen ? n->data[0] : n->datalen - 1u;
		memcpy(txt, n->data + 1, tl);
		txt[tl] = '\0';
	}
	log_info("notification received", "session=%s code=%u subcode=%u "
	    "error=%s message=%s", p->name, n->code, n->subcode,
	    log_q(wire_notif_name(n->code, n->subcode, name, sizeof(name)),
	    q, 120), log_q(txt, q + 120, sizeof(q) - 120));
}

/* A message on the second connection of a collision. */
static void
session_dispatch_coll(struct conn *c, uint8_t type, struct cur *body)
{
	struct peer *p = c->peer;
	struct open_msg o;
	struct notif err;

	switch (type) {
	case BGP_T_OPEN:
		if (wire_open_decode(body, &o, &err) == -1) {
			session_send_notif(c, &err);
			conn_close(c);
			p->coll = NULL;
			return;
		}
		peer_collision(p, &o);
		return;
	case BGP_T_NOTIFICATION:
		if (wire_notification_decode(body, &err) == 0)
			session_notif_rcvd(p, &err);
		break;
	default:
		memset(&err, 0, sizeof(err));
		err.code = ERR_FSM;
		session_send_notif(c, &err);
		break;
	}
	conn_close(c);
	p->coll = NULL;
}

static void
session_dispatch(struct conn *c, uint8_t type, struct cur *body)
{
	struct peer *p = c->peer;
	struct open_msg o;
	struct notif n;

	if (c != p->conn) {
		session_dispatch_coll(c, type, body);
		return;
	}
	p->msgs_rcvd[type - 1]++;
	switch (type) {
	case BGP_T_OPEN:
		if (wire_open_decode(body, &o, &n) == -1)
			fsm_event(p, FSM_MSG_ERR, &n);
		else
			fsm_event(p, FSM_RCVD_OPEN, &o);
		break;
	case BGP_T_UPDATE:
		p->updates_rcvd++;
		fsm_event(p, FSM_RCVD_UPDATE, body);
		break;
	case BGP_T_NOTIFICATION:
		if (wire_notification_decode(body, &n) == -1)
			memset(&n, 0, sizeof(n));
		session_notif_rcvd(p, &n);
		fsm_event(p, FSM_RCVD_NOTIF, &n);
		break;
	case BGP_T_KEEPALIVE:
		fsm_event(p, FSM_RCVD_KEEPALIVE, NULL);
		break;
	case BGP_T_ROUTE_REFRESH:
		fsm_event(p, FSM_RCVD_REFRESH, body);
		break;
	}
}

/* Handle up to SPK_READ_LIMIT complete messages. 1 when more are left. */
static int
session_process(struct conn *c)
{
	uint8_t hdr[BGP_HDR_LEN], type;
	uint16_t len;
	struct cur cur, body;
	struct notif err;
	size_t maxlen;
	unsigned n;
	uint8_t *msg;

	for (n = 0; n < SPK_READ_LIMIT; n++) {
		if (c->closed)
			return 0;
		if (evbuffer_get_length(c->in) < BGP_HDR_LEN)
			return 0;
		evbuffer_copyout(c->in, hdr, sizeof(hdr));
		cur_init(&cur, hdr, sizeof(hdr));
		maxlen = c->peer->ext_msg && c == c->peer->conn ?
		    BGP_EXT_MAX_LEN : BGP_MAX_LEN;
		if (wire_header(&cur, maxlen, &len, &type, &err) == -1) {
			if (c == c->peer->conn)
				fsm_event(c->peer, FSM_MSG_ERR, &err);
			else {
				session_send_notif(c, &err);
				conn_close(c);
				c->peer->coll = NULL;
			}
			return 0;
		}
		if (evbuffer_get_length(c->in) < len)
			return 0;
		msg = evbuffer_pullup(c->in, len);
		cur_init(&body, msg + BGP_HDR_LEN, len - BGP_HDR_LEN);
		session_dispatch(c, type, &body);
		/* The dispatch may have closed c; its buffers live on. */
		evbuffer_drain(c->in, len);
	}
	return evbuffer_get_length(c->in) >= BGP_HDR_LEN;
}

static void
session_read_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct conn *c = arg;
	char why[128];
	int n = 0;

	(void)ev;
	if (evbuffer_get_length(c->in) < SPK_READ_CHUNK) {
		n = evbuffer_read(c->in, fd, SPK_READ_CHUNK);
		if (n == 0 || (n == -1 && errno != EAGAIN && errno != EINTR)) {
			snprintf(why, sizeof(why), "%s", n == 0 ?
			    "connection closed by peer" : strerror(errno));
			/* Act on what arrived before the close. */
			session_process(c);
			if (!c->closed)
				peer_conn_down(c->peer, c, why);
			return;
		}
	}
	if (session_process(c) && !c->closed)
		event_active(c->ev_read, EV_READ, 0);
}

static void
session_write_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct conn *c = arg;
	struct peer *p = c->peer;
	char why[128];

	(void)ev;
	/* Generate first, so one wakeup both fills and writes. */
	if (c == p->conn && p->state == BGP_ESTABLISHED)
		update_fill(p);
	if (c->closed)
		return;
	if (evbuffer_get_length(c->out) > 0 &&
	    evbuffer_write(c->out, fd) == -1 && errno != EAGAIN &&
	    errno != EINTR) {
		snprintf(why, sizeof(why), "write: %s", strerror(errno));
		peer_conn_down(p, c, why);
		return;
	}
	if (evbuffer_get_length(c->out) == 0 &&
	    !(c == p->conn && p->state == BGP_ESTABLISHED &&
	    update_has_work(p)))
		event_del(c->ev_write);
}
