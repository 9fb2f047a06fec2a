/*
 * wire_capa.c: capabilities advertisement (RFC 5492) inside OPEN.
 *
 * Parsed: multiprotocol IPv4/IPv6 unicast (RFC 4760 8), route refresh
 * (RFC 2918, and the pre-standard code 128), enhanced route refresh
 * (RFC 7313), 4-octet AS (RFC 6793), graceful restart (RFC 4724 3),
 * extended message (RFC 8654), add-path (RFC 7911, noted, never used).
 * Encoded: what struct capas says; enhanced route refresh and add-path are
 * never sent. A malformed known capability is skipped like an unknown one:
 * the FSM decides from what was understood whether the session can work.
 */
#include "bgp/wire.h"

#define CAPA_MP			1
#define CAPA_RR			2
#define CAPA_EXT_MSG		6
#define CAPA_GR			64
#define CAPA_AS4		65
#define CAPA_ADDPATH		69
#define CAPA_ENHANCED_RR	70
#define CAPA_RR_OLD		128

#define GR_FLAG_RESTART		0x8000
#define GR_TIME_MASK		0x0fff
#define GR_AF_FWD		0x80

static void
capa_mp(struct cur *v, struct capas *c)
{
	uint16_t afi;
	uint8_t res, safi;

	if (cur_left(v) != 4 || cur_u16(v, &afi) == -1 ||
	    cur_u8(v, &res) == -1 || cur_u8(v, &safi) == -1)
		return;
	if (safi != SAFI_UNICAST)
		return;
	if (afi == AFI_IPV4)
		c->mp_v4 = 1;
	else if (afi == AFI_IPV6)
		c->mp_v6 = 1;
}

static void
capa_gr(struct cur *v, struct capas *c)
{
	uint16_t hdr, afi;
	uint8_t safi, flags;

	if (cur_left(v) % 4 != 2 || cur_u16(v, &hdr) == -1)
		return;
	c->gr = 1;
	c->gr_time = hdr & GR_TIME_MASK;
	c->gr_restarting = (hdr & GR_FLAG_RESTART) != 0;
	while (cur_u16(v, &afi) == 0 && cur_u8(v, &safi) == 0 &&
	    cur_u8(v, &flags) == 0) {
		if (safi != SAFI_UNICAST)
			continue;
		if (afi == AFI_IPV4) {
			c->gr_v4 = 1;
			c->gr_v4_fwd = (flags & GR_AF_FWD) != 0;
		} else if (afi == AFI_IPV6) {
			c->gr_v6 = 1;
			c->gr_v6_fwd = (flags & GR_AF_FWD) != 0;
		}
	}
}

static void
capa_as4(struct cur *v, struct capas *c)
{
	uint32_t as;

	/* RFC 6793 9: AS 0 is not a usable number; ignore the capability. */
	if (cur_left(v) != 4 || cur_u32(v, &as) == -1 || as == 0)
		return;
	c->as4 = 1;
	c->as4_number = as;
}

static void
capa_one(uint8_t code, struct cur *v, struct capas *c)
{
	switch (code) {
	case CAPA_MP:
		capa_mp(v, c);
		break;
	case CAPA_RR:
	case CAPA_RR_OLD:
		c->route_refresh = 1;
		break;
	case CAPA_ENHANCED_RR:
		c->enhanced_rr = 1;
		break;
	case CAPA_AS4:
		capa_as4(v, c);
		break;
	case CAPA_GR:
		capa_gr(v, c);
		break;
	case CAPA_EXT_MSG:
		if (cur_left(v) == 0)
			c->ext_msg = 1;
		break;
	case CAPA_ADDPATH:
		c->addpath_seen = 1;
		break;
	}
}

int
wire_capa_decode(struct cur *param, struct capas *c)
{
	struct cur v;
	uint8_t code, len;

	while (cur_left(param) > 0) {
		if (cur_u8(param, &code) == -1 || cur_u8(param, &len) == -1 ||
		    cur_sub(param, len, &v) == -1)
			return -1;
		capa_one(code, &v, c);
	}
	return 0;
}

static void
capa_put_mp(struct wbuf *w, uint16_t afi)
{
	wbuf_u8(w, CAPA_MP);
	wbuf_u8(w, 4);
	wbuf_u16(w, afi);
	wbuf_u8(w, 0);
	wbuf_u8(w, SAFI_UNICAST);
}

static void
capa_put_gr(struct wbuf *w, const struct capas *c)
{
	uint16_t hdr = c->gr_time & GR_TIME_MASK;

	if (c->gr_restarting)
		hdr |= GR_FLAG_RESTART;
	wbuf_u8(w, CAPA_GR);
	wbuf_u8(w, (uint8_t)(2 + 4 * (!!c->gr_v4 + !!c->gr_v6)));
	wbuf_u16(w, hdr);
	if (c->gr_v4) {
		wbuf_u16(w, AFI_IPV4);
		wbuf_u8(w, SAFI_UNICAST);
		wbuf_u8(w, c->gr_v4_fwd ? GR_AF_FWD : 0);
	}
	if (c->gr_v6) {
		wbuf_u16(w, AFI_IPV6);
		wbuf_u8(w, SAFI_UNICAST);
		wbuf_u8(w, c->gr_v6_fwd ? GR_AF_FWD : 0);
	}
}

int
wire_capa_encode(struct wbuf *w, const struct capas *c)
{
	if (c->mp_v4)
		capa_put_mp(w, AFI_IPV4);
	if (c->mp_v6)
		capa_put_mp(w, AFI_IPV6);
	if (c->route_refresh) {
		wbuf_u8(w, CAPA_RR);
		wbuf_u8(w, 0);
	}
	if (c->as4) {
		wbuf_u8(w, CAPA_AS4);
		wbuf_u8(w, 4);
		wbuf_u32(w, c->as4_number);
	}
	if (c->gr)
		capa_put_gr(w, c);
	if (c->ext_msg) {
		wbuf_u8(w, CAPA_EXT_MSG);
		wbuf_u8(w, 0);
	}
	return w->err ? -1 : 0;
}
