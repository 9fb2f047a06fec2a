/*
 * fuzz_update.c: a whole BGP message through the header check and the
 * decoder of its type. The first input byte picks the peer context:
 * bit 0 4-octet AS, bit 1 external peer, bit 2 extended messages.
 *
 * Beyond "no crash", it checks what the decoder promises: the NLRI fields
 * it hands on parse to the end, and an UPDATE it accepted re-encodes
 * through the packing builder and decodes back to the same attributes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bgp/wire.h"

static uint8_t fuzz_arena_mem[WIRE_ARENA_MIN];
static uint8_t fuzz_arena2_mem[WIRE_ARENA_MIN];
static struct upd_pack fuzz_pack;

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
fuzz_check(int ok)
{
	if (!ok)
		abort();
}

static void
fuzz_nlri_all(struct cur c, int af)
{
	struct prefix p;
	int r;

	while ((r = wire_nlri_next(&c, af, &p)) == 1)
		fuzz_check(p.len <= addr_bits(af));
	fuzz_check(r == 0);
}

static int
fuzz_attrs_same(const struct attrs *a, const struct attrs *b, uint32_t mask)
{
	return (a->present & mask) == (b->present & mask) &&
	    a->origin == b->origin && a->aspath_len == b->aspath_len &&
	    (a->aspath_len == 0 ||
	    memcmp(a->aspath, b->aspath, a->aspath_len) == 0) &&
	    memcmp(&a->nexthop, &b->nexthop, sizeof(a->nexthop)) == 0 &&
	    a->ncommunities == b->ncommunities &&
	    (a->ncommunities == 0 || memcmp(a->communities, b->communities,
	    a->ncommunities * 4u) == 0) &&
	    a->nlarge == b->nlarge &&
	    (a->nlarge == 0 || memcmp(a->large, b->large,
	    a->nlarge * 12u) == 0) &&
	    a->next == b->next &&
	    (a->next == 0 || memcmp(a->ext, b->ext, a->next * 8u) == 0) &&
	    a->nclusters == b->nclusters &&
	    (a->nclusters == 0 || memcmp(a->clusters, b->clusters,
	    a->nclusters * 4u) == 0) &&
	    a->unknown_len == b->unknown_len &&
	    (a->unknown_len == 0 || memcmp(a->unknown, b->unknown,
	    a->unknown_len) == 0);
}

/* What we accepted, we can send; and it reads back the same. */
static void
fuzz_reencode(const struct update_msg *u, size_t maxlen)
{
	static struct update_msg u2;
	struct arena ar = { fuzz_arena2_mem, 0, sizeof(fuzz_arena2_mem) };
	struct wire_peer_ctx ctx = { .as4 = 1, .ebgp = 0 };
	const struct attrs *a = &u->attrs;
	struct prefix p = { 0 };
	struct notif err;
	struct cur c;
	uint16_t len;
	uint8_t type;
	/* An IPv4 announcement always carries NEXT_HOP, an IPv6 one never. */
	uint32_t mask = ~ATTR_P(ATTR_NEXT_HOP);
	int af = a->nexthop.af;

	if (af != AF_INET && af != AF_INET6)
		return;
	if (updpack_announce(&fuzz_pack, a, af, 1, maxlen) == -1)
		return;
	p.af = (uint8_t)af;
	fuzz_check(updpack_add(&fuzz_pack, &p) == 0);
	len = (uint16_t)updpack_finish(&fuzz_pack);
	cur_init(&c, updpack_data(&fuzz_pack), len);
	fuzz_check(wire_header(&c, maxlen, &len, &type, &err) == 0);
	fuzz_check(wire_update_decode(&c, &ctx, &ar, &u2) == 0);
	fuzz_check(u2.action == UPD_OK);
	fuzz_check(fuzz_attrs_same(a, &u2.attrs, mask));
}

static void
fuzz_update(struct cur *body, const struct wire_peer_ctx *ctx,
    size_t maxlen)
{
	static struct update_msg u;
	struct arena ar = { fuzz_arena_mem, 0, sizeof(fuzz_arena_mem) };

	fuzz_check(wire_update_decode(body, ctx, &ar, &u) == 0);
	(void)wire_upd_action_name(u.action);
	if (u.action == UPD_SESSION_RESET) {
		fuzz_check(u.err.code != 0 && u.why[0] != '\0');
		return;
	}
	fuzz_nlri_all(u.withdrawn, AF_INET);
	fuzz_nlri_all(u.nlri, AF_INET);
	if (u.mp_reach_af)
		fuzz_nlri_all(u.mp_reach, u.mp_reach_af);
	if (u.mp_unreach_af)
		fuzz_nlri_all(u.mp_unreach, u.mp_unreach_af);
	if (u.action == UPD_OK && (u.attrs.present & ATTR_P(ATTR_ORIGIN)) &&
	    (u.attrs.present & ATTR_P(ATTR_AS_PATH)))
		fuzz_reencode(&u, maxlen);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wire_peer_ctx ctx = { .local_as = 65000 };
	struct open_msg o;
	struct notif n;
	struct cur c, body;
	size_t maxlen;
	uint16_t len, afi;
	uint8_t type, safi;
	char name[128];

	if (size < 1 + BGP_HDR_LEN)
		return 0;
	ctx.as4 = data[0] & 1;
	ctx.ebgp = (data[0] >> 1) & 1;
	maxlen = data[0] & 4 ? BGP_EXT_MAX_LEN : BGP_MAX_LEN;
	cur_init(&c, data + 1, size - 1);
	if (wire_header(&c, maxlen, &len, &type, &n) == -1) {
		fuzz_check(n.code == ERR_HEADER);
		return 0;
	}
	if (cur_sub(&c, len - BGP_HDR_LEN, &body) == -1)
		return 0;
	switch (type) {
	case BGP_T_OPEN:
		if (wire_open_decode(&body, &o, &n) == -1)
			fuzz_check(n.code != 0);
		break;
	case BGP_T_UPDATE:
		fuzz_update(&body, &ctx, maxlen);
		break;
	case BGP_T_NOTIFICATION:
		if (wire_notification_decode(&body, &n) == 0) {
			wire_notif_name(n.code, n.subcode, name, sizeof(name));
			wire_notif_shutdown_text(&n, name, sizeof(name));
		}
		break;
	case BGP_T_ROUTE_REFRESH:
		wire_refresh_decode(&body, &afi, &safi);
		break;
	}
	return 0;
}
