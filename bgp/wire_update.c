/*
 * wire_update.c: the UPDATE message (RFC 4271 4.3), decoded with the
 * RFC 7606 outcomes, End-of-RIB (RFC 4724 2), and the builder that packs
 * many prefixes sharing one attribute set into as few UPDATEs as fit.
 *
 * The attributes themselves are wire_attr.c's. The NLRI fields are walked
 * once here so that a caller can trust them; a field that does not parse
 * resets the session (RFC 7606 5.3: its prefixes cannot be known, so they
 * cannot be treated as withdrawn).
 */
#include <stdio.h>
#include <string.h>

#include "bgp/log.h"
#include "bgp/wire.h"

static const char *const upd_action_names[] = {
	[UPD_OK] = "ok",
	[UPD_ATTR_DISCARD] = "attribute-discard",
	[UPD_TREAT_AS_WITHDRAW] = "treat-as-withdraw",
	[UPD_SESSION_RESET] = "session-reset",
};

const char *
wire_upd_action_name(enum upd_action a)
{
	if ((unsigned)a >= sizeof(upd_action_names) / sizeof(*upd_action_names))
		return "unknown";
	return upd_action_names[a];
}

void
wire_upd_fail(struct update_msg *u, enum upd_action a, uint8_t code,
    uint8_t subcode, const uint8_t *data, size_t datalen, const char *why)
{
	if (a <= u->action) {
		if (u->why[0] == '\0')
			snprintf(u->why, sizeof(u->why), "%s", why);
		return;
	}
	/* The log tells of the problem that decided the outcome. */
	snprintf(u->why, sizeof(u->why), "%s", why);
	u->action = a;
	if (a != UPD_SESSION_RESET)
		return;
	memset(&u->err, 0, sizeof(u->err));
	u->err.code = code;
	u->err.subcode = subcode;
	if (datalen > sizeof(u->err.data))
		datalen = sizeof(u->err.data);
	if (datalen)
		memcpy(u->err.data, data, datalen);
	u->err.datalen = (uint16_t)datalen;
}

/* Every prefix of an NLRI field parses. */
static int
update_nlri_valid(struct cur c, int af)
{
	struct prefix p;
	int r;

	while ((r = wire_nlri_next(&c, af, &p)) == 1)
		;
	return r;
}

/* The three fields of RFC 4271 4.3; -1 with u set when they do not fit. */
static int
update_fields(struct cur *body, struct update_msg *u, struct cur *attrs)
{
	uint16_t wlen, alen;

	if (cur_u16(body, &wlen) == -1 || cur_sub(body, wlen,
	    &u->withdrawn) == -1 || cur_u16(body, &alen) == -1 ||
	    cur_sub(body, alen, attrs) == -1) {
		wire_upd_fail(u, UPD_SESSION_RESET, ERR_UPDATE,
		    ERR_UPD_ATTRLIST, NULL, 0,
		    "withdrawn or attribute length overruns the message");
		return -1;
	}
	u->nlri = *body;
	cur_skip(body, cur_left(body));
	if (update_nlri_valid(u->withdrawn, AF_INET) == -1 ||
	    update_nlri_valid(u->nlri, AF_INET) == -1) {
		wire_upd_fail(u, UPD_SESSION_RESET, ERR_UPDATE,
		    ERR_UPD_NETWORK, NULL, 0, "malformed IPv4 prefix");
		return -1;
	}
	return 0;
}

/* RFC 7606 3.d: with NLRI, a missing mandatory attribute withdraws. */
static void
update_mandatory(struct update_msg *u)
{
	static const uint8_t types[] = { ATTR_ORIGIN, ATTR_AS_PATH,
	    ATTR_NEXT_HOP };
	char why[64];
	size_t i, n = 2;

	if (cur_left(&u->nlri) > 0)
		n = 3;		/* NEXT_HOP is for the IPv4 NLRI field only */
	else if (u->mp_reach_af == 0 || cur_left(&u->mp_reach) == 0)
		return;
	for (i = 0; i < n; i++) {
		if (u->attrs.present & ATTR_P(types[i]))
			continue;
		snprintf(why, sizeof(why), "missing well-known attribute %u",
		    types[i]);
		wire_upd_fail(u, UPD_TREAT_AS_WITHDRAW, ERR_UPDATE,
		    ERR_UPD_MISSING_WK, &types[i], 1, why);
	}
}

/* RFC 4724 2: empty UPDATE (IPv4), or one lone empty MP_UNREACH_NLRI. */
static int
update_eor(const struct update_msg *u, size_t attrlen)
{
	if (cur_left(&u->withdrawn) || cur_left(&u->nlri))
		return 0;
	if (attrlen == 0)
		return AF_INET;
	if (u->mp_unreach_af && cur_left(&u->mp_unreach) == 0 &&
	    u->mp_reach_af == 0 && u->attrs.present == 0 &&
	    u->attrs.unknown_len == 0 && u->action == UPD_OK)
		return u->mp_unreach_af;
	return 0;
}

int
wire_update_decode(struct cur *body, const struct wire_peer_ctx *ctx,
    struct arena *scratch, struct update_msg *u)
{
	struct cur attrs;
	size_t attrlen;

	if (scratch->cap < WIRE_ARENA_MIN)
		fatal("%s: arena of %zu bytes", __func__, scratch->cap);
	memset(u, 0, sizeof(*u));
	scratch->len = 0;
	if (update_fields(body, u, &attrs) == -1)
		return 0;
	attrlen = cur_left(&attrs);
	wire_attrs_decode(&attrs, ctx, scratch, u);
	if (u->action == UPD_SESSION_RESET)
		return 0;
	u->eor_af = update_eor(u, attrlen);
	update_mandatory(u);
	return 0;
}

/* ---- the packing builder ---- */

static void
updpack_start(struct upd_pack *u, int af, int withdraw, size_t maxlen)
{
	if (maxlen > sizeof(u->buf) || maxlen < BGP_MAX_LEN)
		fatal("%s: message size %zu", __func__, maxlen);
	if (af != AF_INET && af != AF_INET6)
		fatal("%s: family %d", __func__, af);
	wbuf_fixed(&u->w, u->buf, maxlen);
	u->af = af;
	u->withdraw = withdraw;
	u->maxlen = maxlen;
	u->nprefixes = 0;
	u->mp_off = u->mp_len_off = u->len_off = u->attr_off = 0;
	u->mp_extlen = 0;
	u->tail_len = 0;
	wire_msg_start(&u->w, BGP_T_UPDATE);
}

int
updpack_announce(struct upd_pack *u, const struct attrs *a, int af, int as4,
    size_t maxlen)
{
	size_t mp_off, tail_off;

	updpack_start(u, af, 0, maxlen);
	wbuf_u16(&u->w, 0);			/* no withdrawn routes */
	u->len_off = wbuf_reserve(&u->w, 2);
	u->attr_off = u->w.len;
	/* Room for the longest prefix, so that the first add always fits. */
	u->w.max -= 17;
	if (wire_attrs_encode(&u->w, a, af, as4, &mp_off, &tail_off) == -1) {
		u->af = 0;
		return -1;
	}
	u->w.max += 17;
	if (af == AF_INET) {
		wbuf_set_u16(&u->w, u->len_off,
		    (uint16_t)(u->w.len - u->attr_off));
		return 0;
	}
	/* Park what follows MP_REACH_NLRI at the end; finish moves it back. */
	u->tail_len = u->w.len - tail_off;
	memmove(u->buf + maxlen - u->tail_len, u->buf + tail_off, u->tail_len);
	u->w.len = tail_off;
	u->w.max = maxlen - u->tail_len;
	u->mp_off = mp_off;
	u->mp_len_off = mp_off + 2;
	u->mp_extlen = 1;
	return 0;
}

int
updpack_withdraw(struct upd_pack *u, int af, size_t maxlen)
{
	updpack_start(u, af, 1, maxlen);
	if (af == AF_INET) {
		u->len_off = wbuf_reserve(&u->w, 2);
		u->w.max -= 2;		/* the empty attribute length */
		return u->w.err ? -1 : 0;
	}
	wbuf_u16(&u->w, 0);
	u->len_off = wbuf_reserve(&u->w, 2);
	u->attr_off = u->w.len;
	u->mp_off = u->w.len;
	wbuf_u8(&u->w, ATTR_FLAG_OPTIONAL | ATTR_FLAG_EXTLEN);
	wbuf_u8(&u->w, ATTR_MP_UNREACH_NLRI);
	u->mp_len_off = wbuf_reserve(&u->w, 2);
	u->mp_extlen = 1;
	wbuf_u16(&u->w, AFI_IPV6);
	wbuf_u8(&u->w, SAFI_UNICAST);
	return u->w.err ? -1 : 0;
}

int
updpack_add(struct upd_pack *u, const struct prefix *p)
{
	if (u->af == 0 || p->af != u->af)
		fatal("%s: prefix of family %d in a message of %d", __func__,
		    p->af, u->af);
	if (u->w.len + wire_nlri_len(p) > u->w.max)
		return 1;
	if (wire_nlri_encode(&u->w, p) == -1)
		fatal("%s: write past a checked length", __func__);
	u->nprefixes++;
	return 0;
}

/* Patch the MP attribute's length; drop to a one-octet length if it fits. */
static void
updpack_close_mp(struct upd_pack *u)
{
	size_t vstart = u->mp_off + 4, vlen = u->w.len - vstart;

	if (vlen > 255) {
		wbuf_set_u16(&u->w, u->mp_len_off, (uint16_t)vlen);
		return;
	}
	memmove(u->buf + vstart - 1, u->buf + vstart, vlen);
	u->buf[u->mp_off] &= (uint8_t)~ATTR_FLAG_EXTLEN;
	u->buf[u->mp_off + 2] = (uint8_t)vlen;
	u->w.len--;
	u->mp_extlen = 0;
}

size_t
updpack_finish(struct upd_pack *u)
{
	if (u->af == 0 || u->nprefixes == 0) {
		u->af = 0;
		return 0;
	}
	u->w.max = u->maxlen;
	if (u->af == AF_INET && u->withdraw) {
		wbuf_set_u16(&u->w, u->len_off,
		    (uint16_t)(u->w.len - u->len_off - 2));
		wbuf_u16(&u->w, 0);
	} else if (u->af == AF_INET6) {
		updpack_close_mp(u);
		/* The parked tail may overlap where it goes: memmove. */
		memmove(u->buf + u->w.len, u->buf + u->maxlen - u->tail_len,
		    u->tail_len);
		u->w.len += u->tail_len;
		wbuf_set_u16(&u->w, u->len_off,
		    (uint16_t)(u->w.len - u->attr_off));
	}
	u->af = 0;
	if (wire_msg_done(&u->w) == -1)
		fatal("%s: message overflowed its checked size", __func__);
	return u->w.len;
}

int
wire_eor_encode(struct wbuf *w, int af)
{
	wire_msg_start(w, BGP_T_UPDATE);
	wbuf_u16(w, 0);
	if (af == AF_INET) {
		wbuf_u16(w, 0);
		return wire_msg_done(w);
	}
	if (af != AF_INET6)
		return -1;
	wbuf_u16(w, 6);
	wbuf_u8(w, ATTR_FLAG_OPTIONAL);
	wbuf_u8(w, ATTR_MP_UNREACH_NLRI);
	wbuf_u8(w, 3);
	wbuf_u16(w, AFI_IPV6);
	wbuf_u8(w, SAFI_UNICAST);
	return wire_msg_done(w);
}
