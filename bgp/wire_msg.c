/*
 * wire_msg.c: the message header and the small messages: OPEN, KEEPALIVE,
 * NOTIFICATION, ROUTE-REFRESH.
 *
 * RFC 4271 4.1-4.5 and 6.1-6.2 (header and OPEN checks), RFC 9072
 * (extended optional parameters length), RFC 2918 (ROUTE-REFRESH),
 * RFC 9003 (shutdown communication in a Cease). Checks that need the
 * configuration (peer AS, collision) belong to the FSM, not here.
 */
#include <stdio.h>
#include <string.h>

#include "bgp/log.h"
#include "bgp/wire.h"

#define OPEN_MIN_BODY		10	/* version .. opt param length */
#define OPT_PARAM_CAPA		2
#define OPT_PARAM_EXT		255	/* RFC 9072 marker */

static void
msg_err(struct notif *err, uint8_t code, uint8_t subcode,
    const void *data, size_t len)
{
	memset(err, 0, sizeof(*err));
	err->code = code;
	err->subcode = subcode;
	if (len > sizeof(err->data))
		len = sizeof(err->data);
	if (len)
		memcpy(err->data, data, len);
	err->datalen = (uint16_t)len;
}

/* The smallest length of each type, and whether it is also the largest. */
static int
msg_len_ok(uint8_t type, uint16_t len)
{
	switch (type) {
	case BGP_T_OPEN:
		return len >= BGP_HDR_LEN + OPEN_MIN_BODY;
	case BGP_T_UPDATE:
		return len >= BGP_HDR_LEN + 4;
	case BGP_T_NOTIFICATION:
		return len >= BGP_HDR_LEN + 2;
	case BGP_T_KEEPALIVE:
		return len == BGP_HDR_LEN;
	case BGP_T_ROUTE_REFRESH:
		return len >= BGP_HDR_LEN + 4;
	}
	return 1;
}

int
wire_header(struct cur *c, size_t maxlen, uint16_t *len, uint8_t *type,
    struct notif *err)
{
	struct cur h = *c;
	uint8_t marker[16], lenbuf[2];
	size_t i;

	if (cur_bytes(&h, marker, sizeof(marker)) == -1 ||
	    cur_u16(&h, len) == -1 || cur_u8(&h, type) == -1)
		fatal("%s: fewer than %d bytes", __func__, BGP_HDR_LEN);
	for (i = 0; i < sizeof(marker); i++)
		if (marker[i] != 0xff) {
			msg_err(err, ERR_HEADER, ERR_HDR_SYNC, NULL, 0);
			return -1;
		}
	lenbuf[0] = (uint8_t)(*len >> 8);
	lenbuf[1] = (uint8_t)*len;
	if (*len < BGP_HDR_LEN || *len > maxlen) {
		msg_err(err, ERR_HEADER, ERR_HDR_LEN, lenbuf, 2);
		return -1;
	}
	if (*type < BGP_T_OPEN || *type > BGP_T_ROUTE_REFRESH) {
		msg_err(err, ERR_HEADER, ERR_HDR_TYPE, type, 1);
		return -1;
	}
	if (!msg_len_ok(*type, *len)) {
		msg_err(err, ERR_HEADER, ERR_HDR_LEN, lenbuf, 2);
		return -1;
	}
	*c = h;
	return 0;
}

void
wire_msg_start(struct wbuf *w, uint8_t type)
{
	static const uint8_t marker[16] = {
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff
	};

	wbuf_bytes(w, marker, sizeof(marker));
	wbuf_u16(w, 0);
	wbuf_u8(w, type);
}

int
wire_msg_done(struct wbuf *w)
{
	if (w->err || w->len < BGP_HDR_LEN || w->len > BGP_EXT_MAX_LEN)
		return -1;
	wbuf_set_u16(w, 16, (uint16_t)w->len);
	return 0;
}

/* One optional parameter of an OPEN (RFC 4271 4.2, RFC 5492 4). */
static int
open_param(uint8_t type, struct cur *val, struct open_msg *o,
    struct notif *err)
{
	if (type != OPT_PARAM_CAPA) {
		msg_err(err, ERR_OPEN, ERR_OPEN_OPT, NULL, 0);
		return -1;
	}
	o->has_capas = 1;
	if (wire_capa_decode(val, &o->capas) == -1) {
		msg_err(err, ERR_OPEN, 0, NULL, 0);
		return -1;
	}
	return 0;
}

/*
 * The optional parameters; with RFC 9072 framing when the one-octet length
 * is 255 and the first "type" is 255 too.
 */
static int
open_params(struct cur *body, uint8_t optlen, struct open_msg *o,
    struct notif *err)
{
	struct cur params, val, peek = *body;
	uint16_t extlen, plen;
	uint8_t ptype, plen8, first;
	int ext = 0;

	if (optlen == OPT_PARAM_EXT && cur_u8(&peek, &first) == 0 &&
	    first == OPT_PARAM_EXT) {
		*body = peek;
		if (cur_u16(body, &extlen) == -1)
			goto bad;
		ext = 1;
		if (cur_sub(body, extlen, &params) == -1)
			goto bad;
	} else if (cur_sub(body, optlen, &params) == -1)
		goto bad;
	if (cur_left(body) != 0)
		goto bad;
	while (cur_left(&params) > 0) {
		if (cur_u8(&params, &ptype) == -1)
			goto bad;
		if (ext) {
			if (cur_u16(&params, &plen) == -1)
				goto bad;
		} else {
			if (cur_u8(&params, &plen8) == -1)
				goto bad;
			plen = plen8;
		}
		if (cur_sub(&params, plen, &val) == -1)
			goto bad;
		if (open_param(ptype, &val, o, err) == -1)
			return -1;
	}
	return 0;
bad:
	/* RFC 4271 6.2: a malformed parameter field is "unspecific". */
	msg_err(err, ERR_OPEN, 0, NULL, 0);
	return -1;
}

int
wire_open_decode(struct cur *body, struct open_msg *o, struct notif *err)
{
	static const uint8_t version4[2] = { 0, 4 };
	uint8_t optlen;

	memset(o, 0, sizeof(*o));
	if (cur_u8(body, &o->version) == -1 || cur_u16(body, &o->my_as) == -1 ||
	    cur_u16(body, &o->hold_time) == -1 ||
	    cur_u32(body, &o->bgp_id) == -1 || cur_u8(body, &optlen) == -1) {
		msg_err(err, ERR_HEADER, ERR_HDR_LEN, NULL, 0);
		return -1;
	}
	if (o->version != 4) {
		/* The data is the largest version we speak (RFC 4271 6.2). */
		msg_err(err, ERR_OPEN, ERR_OPEN_VERSION, version4, 2);
		return -1;
	}
	if (o->hold_time == 1 || o->hold_time == 2) {
		msg_err(err, ERR_OPEN, ERR_OPEN_HOLD, NULL, 0);
		return -1;
	}
	if (o->bgp_id == 0) {
		msg_err(err, ERR_OPEN, ERR_OPEN_BGPID, NULL, 0);
		return -1;
	}
	return open_params(body, optlen, o, err);
}

int
wire_open_encode(struct wbuf *w, const struct open_msg *o)
{
	uint8_t capbuf[256];
	struct wbuf cw;
	uint32_t as;

	wbuf_fixed(&cw, capbuf, sizeof(capbuf));
	if (wire_capa_encode(&cw, &o->capas) == -1 || cw.err)
		return -1;
	as = o->capas.as4_number ? o->capas.as4_number : o->my_as;
	if (as > 0xffff)
		as = AS_TRANS;
	wire_msg_start(w, BGP_T_OPEN);
	wbuf_u8(w, o->version ? o->version : 4);
	wbuf_u16(w, (uint16_t)as);
	wbuf_u16(w, o->hold_time);
	wbuf_u32(w, o->bgp_id);
	/*
	 * What we advertise is a few dozen bytes: the RFC 9072 framing, for
	 * parameters past 255 bytes, is only ever read, never written.
	 */
	if (cw.len + 2 > 255)
		return -1;
	if (cw.len == 0)
		wbuf_u8(w, 0);
	else {
		wbuf_u8(w, (uint8_t)(cw.len + 2));
		wbuf_u8(w, OPT_PARAM_CAPA);
		wbuf_u8(w, (uint8_t)cw.len);
		wbuf_bytes(w, capbuf, cw.len);
	}
	return wire_msg_done(w);
}

int
wire_keepalive_encode(struct wbuf *w)
{
	wire_msg_start(w, BGP_T_KEEPALIVE);
	return wire_msg_done(w);
}

int
wire_notification_encode(struct wbuf *w, const struct notif *n)
{
	size_t len = n->datalen;

	if (len > sizeof(n->data))
		fatal("%s: data length %zu", __func__, len);
	wire_msg_start(w, BGP_T_NOTIFICATION);
	wbuf_u8(w, n->code);
	wbuf_u8(w, n->subcode);
	wbuf_bytes(w, n->data, len);
	return wire_msg_done(w);
}

int
wire_notification_decode(struct cur *body, struct notif *n)
{
	size_t len;

	memset(n, 0, sizeof(*n));
	if (cur_u8(body, &n->code) == -1 || cur_u8(body, &n->subcode) == -1)
		return -1;
	len = cur_left(body);
	if (len > sizeof(n->data))
		len = sizeof(n->data);	/* keep what fits, as wire.h says */
	cur_bytes(body, n->data, len);
	cur_skip(body, cur_left(body));
	n->datalen = (uint16_t)len;
	return 0;
}

/* Bytes of s that form whole UTF-8 characters within max bytes. */
static size_t
msg_utf8_cut(const char *s, size_t max)
{
	size_t n = strlen(s);

	if (n <= max)
		return n;
	n = max;
	/* Back off continuation bytes so no character is split. */
	while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	return n;
}

void
wire_notif_shutdown(struct notif *n, uint8_t subcode, const char *msg)
{
	size_t len = msg ? msg_utf8_cut(msg, 255) : 0;

	memset(n, 0, sizeof(*n));
	n->code = ERR_CEASE;
	n->subcode = subcode;
	/* RFC 9003 2: only Administrative Shutdown and Reset carry text. */
	if (subcode != ERR_CEASE_ADMIN_DOWN && subcode != ERR_CEASE_ADMIN_RESET)
		return;
	n->data[0] = (uint8_t)len;
	if (len)
		memcpy(n->data + 1, msg, len);
	n->datalen = (uint16_t)(len + 1);
}

/* Length of the UTF-8 character at s (n bytes left), 0 when invalid. */
static size_t
msg_utf8_char(const uint8_t *s, size_t n)
{
	size_t len, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4;
	else
		return 0;
	if (len > n)
		return 0;
	for (i = 1; i < len; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return len;
}

const char *
wire_notif_shutdown_text(const struct notif *n, char *buf, size_t len)
{
	size_t mlen, i, k, o = 0;

	if (n->code != ERR_CEASE || (n->subcode != ERR_CEASE_ADMIN_DOWN &&
	    n->subcode != ERR_CEASE_ADMIN_RESET) || n->datalen < 1 || len == 0)
		return NULL;
	mlen = n->data[0];
	if (mlen == 0 || mlen + 1 > n->datalen)
		return NULL;
	for (i = 0; i < mlen; i += k) {
		if ((k = msg_utf8_char(n->data + 1 + i, mlen - i)) == 0)
			return NULL;
		if (o + k >= len)
			break;
		if (k == 1 && (n->data[1 + i] < 0x20 || n->data[1 + i] == 0x7f))
			buf[o++] = '?';
		else {
			memcpy(buf + o, n->data + 1 + i, k);
			o += k;
		}
	}
	buf[o] = '\0';
	return buf;
}

static const char *const notif_codes[] = {
	"Unknown", "Message Header Error", "OPEN Message Error",
	"UPDATE Message Error", "Hold Timer Expired",
	"Finite State Machine Error", "Cease", "ROUTE-REFRESH Message Error"
};
static const char *const notif_header[] = {
	"Unspecific", "Connection Not Synchronized", "Bad Message Length",
	"Bad Message Type"
};
static const char *const notif_open[] = {
	"Unspecific", "Unsupported Version Number", "Bad Peer AS",
	"Bad BGP Identifier", "Unsupported Optional Parameter", "Deprecated",
	"Unacceptable Hold Time", "Unsupported Capability", "Deprecated",
	"Deprecated", "Deprecated", "Role Mismatch"
};
static const char *const notif_update[] = {
	"Unspecific", "Malformed Attribute List",
	"Unrecognized Well-known Attribute", "Missing Well-known Attribute",
	"Attribute Flags Error", "Attribute Length Error",
	"Invalid ORIGIN Attribute", "Deprecated", "Invalid NEXT_HOP Attribute",
	"Optional Attribute Error", "Invalid Network Field",
	"Malformed AS_PATH"
};
static const char *const notif_cease[] = {
	"Unspecific", "Maximum Number of Prefixes Reached",
	"Administrative Shutdown", "Peer De-configured", "Administrative Reset",
	"Connection Rejected", "Other Configuration Change",
	"Connection Collision Resolution", "Out of Resources",
	"Hard Reset", "BFD Down"
};
static const char *const notif_fsm[] = {
	"Unspecified", "Unexpected Message in OpenSent",
	"Unexpected Message in OpenConfirm", "Unexpected Message in Established"
};

#define NITEMS(a)	(sizeof(a) / sizeof((a)[0]))

const char *
wire_notif_name(uint8_t code, uint8_t subcode, char *buf, size_t len)
{
	const char *const *subs = NULL;
	size_t nsubs = 0;
	const char *cs;

	switch (code) {
	case ERR_HEADER:
		subs = notif_header, nsubs = NITEMS(notif_header);
		break;
	case ERR_OPEN:
		subs = notif_open, nsubs = NITEMS(notif_open);
		break;
	case ERR_UPDATE:
		subs = notif_update, nsubs = NITEMS(notif_update);
		break;
	case ERR_FSM:
		subs = notif_fsm, nsubs = NITEMS(notif_fsm);
		break;
	case ERR_CEASE:
		subs = notif_cease, nsubs = NITEMS(notif_cease);
		break;
	}
	cs = code < NITEMS(notif_codes) ? notif_codes[code] : "Unknown";
	if (subs == NULL && subcode == 0)
		snprintf(buf, len, "%s", cs);
	else if (subs != NULL && subcode < nsubs)
		snprintf(buf, len, "%s/%s", cs, subs[subcode]);
	else
		snprintf(buf, len, "%s/%u", cs, subcode);
	return buf;
}

int
wire_refresh_encode(struct wbuf *w, uint16_t afi, uint8_t safi)
{
	wire_msg_start(w, BGP_T_ROUTE_REFRESH);
	wbuf_u16(w, afi);
	wbuf_u8(w, 0);
	wbuf_u8(w, safi);
	return wire_msg_done(w);
}

int
wire_refresh_decode(struct cur *body, uint16_t *afi, uint8_t *safi)
{
	uint8_t subtype;

	/* RFC 2918 3: exactly AFI, reserved, SAFI (no ORF is negotiated). */
	if (cur_left(body) != 4)
		return -1;
	if (cur_u16(body, afi) == -1 || cur_u8(body, &subtype) == -1 ||
	    cur_u8(body, safi) == -1)
		return -1;
	return 0;
}
