/*
 * test_wire_update.c: UPDATE round trips through the packing builder
 * (every attribute, both families), 2-octet peers (AS_TRANS, AS4_PATH,
 * AS4_AGGREGATOR both ways, RFC 6793 4.2), and packing many prefixes.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "bgp/wire.h"

static uint8_t arena_mem[WIRE_ARENA_MIN];
static struct arena arena = { arena_mem, 0, sizeof(arena_mem) };
static struct upd_pack pack;

static struct prefix
pfx(const char *s)
{
	struct prefix p;

	assert_int_equal(prefix_parse(s, &p), 0);
	return p;
}

static struct addr
adr(const char *s)
{
	struct addr a;

	assert_int_equal(addr_parse(s, &a), 0);
	return a;
}

/* Header check and decode of one whole message. */
static void
decode_msg(const uint8_t *msg, size_t len, size_t maxlen, int as4, int ebgp,
    struct update_msg *u)
{
	struct wire_peer_ctx ctx = { .as4 = as4, .ebgp = ebgp,
	    .local_as = 65000 };
	struct notif err;
	struct cur c;
	uint16_t mlen;
	uint8_t type;

	cur_init(&c, msg, len);
	assert_int_equal(wire_header(&c, maxlen, &mlen, &type, &err), 0);
	assert_int_equal(mlen, len);
	assert_int_equal(type, BGP_T_UPDATE);
	assert_int_equal(wire_update_decode(&c, &ctx, &arena, u), 0);
}

static void
assert_attrs_equal(const struct attrs *a, const struct attrs *b)
{
	assert_int_equal(a->present, b->present);
	assert_int_equal(a->origin, b->origin);
	assert_int_equal(a->aspath_len, b->aspath_len);
	if (a->aspath_len)
		assert_memory_equal(a->aspath, b->aspath, a->aspath_len);
	assert_memory_equal(&a->nexthop, &b->nexthop, sizeof(a->nexthop));
	assert_memory_equal(&a->nexthop_ll, &b->nexthop_ll,
	    sizeof(a->nexthop_ll));
	assert_int_equal(a->med, b->med);
	assert_int_equal(a->local_pref, b->local_pref);
	assert_int_equal(a->aggr_as, b->aggr_as);
	assert_int_equal(a->aggr_id, b->aggr_id);
	assert_int_equal(a->ncommunities, b->ncommunities);
	if (a->ncommunities)
		assert_memory_equal(a->communities, b->communities,
		    a->ncommunities * 4u);
	assert_int_equal(a->next, b->next);
	if (a->next)
		assert_memory_equal(a->ext, b->ext, a->next * 8u);
	assert_int_equal(a->nlarge, b->nlarge);
	if (a->nlarge)
		assert_memory_equal(a->large, b->large, a->nlarge * 12u);
	assert_int_equal(a->originator_id, b->originator_id);
	assert_int_equal(a->nclusters, b->nclusters);
	if (a->nclusters)
		assert_memory_equal(a->clusters, b->clusters,
		    a->nclusters * 4u);
	assert_int_equal(a->unknown_len, b->unknown_len);
	if (a->unknown_len)
		assert_memory_equal(a->unknown, b->unknown, a->unknown_len);
}

static const uint8_t path_big[] = {		/* 4-octet form */
	2, 3, 0, 0, 0xfd, 0xe9, 0xfa, 0x56, 0xea, 0x00, 0, 1, 0x11, 0x70,
	1, 2, 0, 0, 0, 1, 0, 0, 0, 2
};						/* 65001 4200000000 70000 {1 2} */
static const uint32_t comms[] = { 0x00010001, 0xfde90064, 0xffffff01 };
static const uint8_t ext[] = { 0, 2, 0xfd, 0xe9, 0, 0, 0, 1,
    0x01, 0x03, 10, 0, 0, 1, 0, 7 };
static const uint32_t large[] = { 65001, 1, 2, 4200000000u, 7, 8 };
static const uint32_t clusters[] = { 0x01010101, 0x02020202 };
static const uint8_t unknown[] = { 0xe0, 35, 4, 0, 0, 0xfd, 0xe9,
    0xe0, 99, 1, 7 };

static struct attrs
full_attrs(int af)
{
	struct attrs a;

	memset(&a, 0, sizeof(a));
	a.present = ATTR_P(ATTR_ORIGIN) | ATTR_P(ATTR_AS_PATH) |
	    ATTR_P(ATTR_MED) | ATTR_P(ATTR_LOCAL_PREF) |
	    ATTR_P(ATTR_ATOMIC_AGGREGATE) | ATTR_P(ATTR_AGGREGATOR) |
	    ATTR_P(ATTR_COMMUNITIES) | ATTR_P(ATTR_ORIGINATOR_ID) |
	    ATTR_P(ATTR_CLUSTER_LIST) | ATTR_P(ATTR_EXT_COMMUNITIES) |
	    ATTR_P_LARGE;
	a.origin = ORIGIN_EGP;
	a.aspath = path_big;
	a.aspath_len = sizeof(path_big);
	if (af == AF_INET) {
		a.present |= ATTR_P(ATTR_NEXT_HOP);
		a.nexthop = adr("192.0.2.1");
	} else {
		a.nexthop = adr("2001:db8::1");
		a.nexthop_ll = adr("fe80::1");
	}
	a.med = 50;
	a.local_pref = 200;
	a.aggr_as = 4200000001u;
	a.aggr_id = 0x01020304;
	a.communities = comms;
	a.ncommunities = 3;
	a.ext = ext;
	a.next = 2;
	a.large = large;
	a.nlarge = 2;
	a.originator_id = 0x0a0a0a0a;
	a.clusters = clusters;
	a.nclusters = 2;
	a.unknown = unknown;
	a.unknown_len = sizeof(unknown);
	return a;
}

/* Announce prefixes of a in one message, decode it, compare. */
static void
roundtrip(const struct attrs *a, int af, int as4, const char *const *p,
    size_t n, struct update_msg *u)
{
	struct prefix q, want;
	const struct cur *nl;
	struct cur c;
	size_t i, len;

	assert_int_equal(updpack_announce(&pack, a, af, as4, BGP_MAX_LEN), 0);
	for (i = 0; i < n; i++) {
		want = pfx(p[i]);
		assert_int_equal(updpack_add(&pack, &want), 0);
	}
	len = updpack_finish(&pack);
	assert_true(len > BGP_HDR_LEN);
	decode_msg(updpack_data(&pack), len, BGP_MAX_LEN, as4, 0, u);
	assert_int_equal(u->action, UPD_OK);
	nl = af == AF_INET ? &u->nlri : &u->mp_reach;
	assert_int_equal(af == AF_INET ? 0 : u->mp_reach_af,
	    af == AF_INET ? 0 : AF_INET6);
	c = *nl;
	for (i = 0; i < n; i++) {
		assert_int_equal(wire_nlri_next(&c, af, &q), 1);
		want = pfx(p[i]);
		assert_memory_equal(&q, &want, sizeof(q));
	}
	assert_int_equal(cur_left(&c), 0);
	assert_attrs_equal(&u->attrs, a);
}

static void
test_roundtrip_all_attrs(void **state)
{
	static const char *const v4[] = { "10.0.0.0/8", "192.0.2.0/24",
	    "198.51.100.1/32" };
	static const char *const v6[] = { "2001:db8::/32", "2001:db8:1::/48",
	    "::/0" };
	struct update_msg u;
	struct attrs a;
	int as4;

	(void)state;
	for (as4 = 0; as4 <= 1; as4++) {
		a = full_attrs(AF_INET);
		roundtrip(&a, AF_INET, as4, v4, 3, &u);
		assert_memory_equal(&u.nexthop4, &a.nexthop, sizeof(a.nexthop));
		a = full_attrs(AF_INET6);
		roundtrip(&a, AF_INET6, as4, v6, 3, &u);
		/* Only the global next hop. */
		a.nexthop_ll.af = 0;
		memset(a.nexthop_ll.a, 0, 16);
		roundtrip(&a, AF_INET6, as4, v6, 3, &u);
	}
}

static void
test_roundtrip_minimal(void **state)
{
	static const char *const v4[] = { "203.0.113.0/24" };
	struct update_msg u;
	struct attrs a;
	const uint8_t *m;

	(void)state;
	memset(&a, 0, sizeof(a));
	a.present = ATTR_P(ATTR_ORIGIN) | ATTR_P(ATTR_AS_PATH) |
	    ATTR_P(ATTR_NEXT_HOP);
	a.origin = ORIGIN_INCOMPLETE;
	a.nexthop = adr("203.0.113.1");
	roundtrip(&a, AF_INET, 1, v4, 1, &u);
	/* The exact bytes: ORIGIN, empty AS_PATH, NEXT_HOP, one /24. */
	m = updpack_data(&pack);
	{
		static const uint8_t want[] = { 0, 0, 0, 14, 0x40, 1, 1, 2,
		    0x40, 2, 0, 0x40, 3, 4, 203, 0, 113, 1, 24, 203, 0, 113 };
		assert_memory_equal(m + 19, want, sizeof(want));
	}
}

/* Attributes longer than 255 bytes use the extended length. */
static void
test_roundtrip_extlen(void **state)
{
	static const char *const v4[] = { "10.1.0.0/16" };
	static const char *const v6[] = { "2001:db8::/32" };
	uint32_t many[200];
	struct update_msg u;
	struct attrs a;
	size_t i;

	(void)state;
	for (i = 0; i < 200; i++)
		many[i] = 0xfde90000u + (uint32_t)i;
	a = full_attrs(AF_INET);
	a.communities = many;
	a.ncommunities = 200;
	roundtrip(&a, AF_INET, 1, v4, 1, &u);
	a = full_attrs(AF_INET6);
	a.communities = many;
	a.ncommunities = 200;
	roundtrip(&a, AF_INET6, 1, v6, 1, &u);
}

/* Find attribute type t in a message; its value in *v. */
static int
find_attr(const uint8_t *msg, size_t len, uint8_t t, struct cur *v)
{
	struct cur c, attrs;
	uint16_t wl, al, l16;
	uint8_t flags, type, l8;

	cur_init(&c, msg + 19, len - 19);
	if (cur_u16(&c, &wl) || cur_skip(&c, wl) || cur_u16(&c, &al) ||
	    cur_sub(&c, al, &attrs))
		return 0;
	while (cur_u8(&attrs, &flags) == 0 && cur_u8(&attrs, &type) == 0) {
		if (flags & ATTR_FLAG_EXTLEN)
			assert_int_equal(cur_u16(&attrs, &l16), 0);
		else {
			assert_int_equal(cur_u8(&attrs, &l8), 0);
			l16 = l8;
		}
		assert_int_equal(cur_sub(&attrs, l16, v), 0);
		if (type == t)
			return flags;
	}
	return 0;
}

static void
test_as4_encode_for_2octet_peer(void **state)
{
	static const char *const v4[] = { "10.0.0.0/8" };
	static const uint8_t path2[] = { 2, 3, 0xfd, 0xe9, 0x5b, 0xa0, 0x5b,
	    0xa0, 1, 2, 0, 1, 0, 2 };
	static const uint8_t path4[] = { 2, 3, 0, 0, 0xfd, 0xe9, 0xfa, 0x56,
	    0xea, 0x00, 0, 1, 0x11, 0x70, 1, 2, 0, 0, 0, 1, 0, 0, 0, 2 };
	static const uint8_t aggr[] = { 0x5b, 0xa0, 1, 2, 3, 4 };
	static const uint8_t aggr4[] = { 0xfa, 0x56, 0xea, 0x01, 1, 2, 3, 4 };
	static const uint8_t small[] = { 2, 2, 0, 0, 0xfd, 0xe9, 0, 0, 0xfd,
	    0xea };
	struct update_msg u;
	struct attrs a;
	struct cur v;
	const uint8_t *m;
	size_t len;

	(void)state;
	a = full_attrs(AF_INET);
	roundtrip(&a, AF_INET, 0, v4, 1, &u);
	m = updpack_data(&pack);
	len = (size_t)(m[16] << 8 | m[17]);
	assert_int_equal(find_attr(m, len, ATTR_AS_PATH, &v), 0x40);
	assert_int_equal(cur_left(&v), sizeof(path2));
	assert_memory_equal(v.p, path2, sizeof(path2));
	assert_int_equal(find_attr(m, len, ATTR_AS4_PATH, &v), 0xc0);
	assert_int_equal(cur_left(&v), sizeof(path4));
	assert_memory_equal(v.p, path4, sizeof(path4));
	assert_int_equal(find_attr(m, len, ATTR_AGGREGATOR, &v), 0xc0);
	assert_memory_equal(v.p, aggr, sizeof(aggr));
	assert_int_equal(find_attr(m, len, ATTR_AS4_AGGREGATOR, &v), 0xc0);
	assert_memory_equal(v.p, aggr4, sizeof(aggr4));

	/* Nothing needs 4 octets: no AS4_PATH, no AS4_AGGREGATOR. */
	a.aspath = small;
	a.aspath_len = sizeof(small);
	a.aggr_as = 65001;
	roundtrip(&a, AF_INET, 0, v4, 1, &u);
	m = updpack_data(&pack);
	len = (size_t)(m[16] << 8 | m[17]);
	assert_int_equal(find_attr(m, len, ATTR_AS4_PATH, &v), 0);
	assert_int_equal(find_attr(m, len, ATTR_AS4_AGGREGATOR, &v), 0);

	/* A 4-octet peer gets neither either, whatever the numbers. */
	a = full_attrs(AF_INET);
	roundtrip(&a, AF_INET, 1, v4, 1, &u);
	m = updpack_data(&pack);
	len = (size_t)(m[16] << 8 | m[17]);
	assert_int_equal(find_attr(m, len, ATTR_AS4_PATH, &v), 0);
	assert_int_equal(find_attr(m, len, ATTR_AS_PATH, &v), 0x40);
	assert_memory_equal(v.p, path4, sizeof(path4));
}

/* Decoding from a 2-octet peer: RFC 6793 4.2.3, table of cases. */
struct as4_case {
	const char	*what;
	uint8_t		 attrs[96];
	size_t		 alen;
	uint8_t		 want[64];	/* the merged 4-octet path */
	size_t		 wlen;
	uint32_t	 aggr_as;
};

#define AT(...)		.attrs = { __VA_ARGS__ }, \
			.alen = sizeof((uint8_t[]){ __VA_ARGS__ })
#define WANT(...)	.want = { __VA_ARGS__ }, \
			.wlen = sizeof((uint8_t[]){ __VA_ARGS__ })
#define HEAD		0x40, 1, 1, 0, 0x40, 3, 4, 10, 0, 0, 1
#define P2(...)		0x40, 2, sizeof((uint8_t[]){ __VA_ARGS__ }), __VA_ARGS__
#define P4(...)		0xc0, 17, sizeof((uint8_t[]){ __VA_ARGS__ }), \
			__VA_ARGS__
#define TR		0x5b, 0xa0			/* AS_TRANS */
#define A4(x)		0, 0, 0, x
#define BIG1		0xfa, 0x56, 0xea, 0x01
#define BIG2		0xfa, 0x56, 0xea, 0x02

static const struct as4_case as4_cases[] = {
	{ "no AS4_PATH", AT(HEAD, P2(2, 2, 0, 100, 0, 200)),
	  WANT(2, 2, A4(100), A4(200)) },
	{ "AS4_PATH as long as AS_PATH", AT(HEAD, P2(2, 2, TR, TR),
	  P4(2, 2, BIG1, BIG2)), WANT(2, 2, BIG1, BIG2) },
	{ "prepended by 2-octet speakers", AT(HEAD, P2(2, 4, 0, 100, 0, 101,
	  TR, 0, 200), P4(2, 2, BIG1, A4(200))), WANT(2, 4, A4(100),
	  A4(101), BIG1, A4(200)) },
	{ "AS4_PATH longer: ignored", AT(HEAD, P2(2, 1, TR),
	  P4(2, 2, BIG1, BIG2)), WANT(2, 1, 0, 0, TR) },
	{ "leading AS_SET kept whole", AT(HEAD, P2(1, 2, 0, 1, 0, 2, 2, 1,
	  TR), P4(2, 1, BIG1)), WANT(1, 2, A4(1), A4(2), 2, 1, BIG1) },
	{ "AGGREGATOR not AS_TRANS: AS4 attributes ignored", AT(HEAD,
	  P2(2, 1, TR), 0xc0, 7, 6, 0, 100, 1, 2, 3, 4, P4(2, 1, BIG1),
	  0xc0, 18, 8, BIG2, 1, 2, 3, 4), WANT(2, 1, 0, 0, TR),
	  .aggr_as = 100 },
	{ "AGGREGATOR AS_TRANS: AS4_AGGREGATOR used", AT(HEAD,
	  P2(2, 1, TR), 0xc0, 7, 6, TR, 1, 2, 3, 4, P4(2, 1, BIG1),
	  0xc0, 18, 8, BIG2, 1, 2, 3, 4), WANT(2, 1, BIG1),
	  .aggr_as = 4200000002u },
};

static void
test_as4_decode_from_2octet_peer(void **state)
{
	struct wire_peer_ctx ctx = { .as4 = 0, .ebgp = 1 };
	const struct as4_case *t;
	static uint8_t body[256];
	struct update_msg u;
	struct cur c;
	size_t i, n;

	(void)state;
	for (i = 0; i < sizeof(as4_cases) / sizeof(as4_cases[0]); i++) {
		t = &as4_cases[i];
		print_message("as4: %s\n", t->what);
		n = 0;
		body[n++] = 0;
		body[n++] = 0;
		body[n++] = 0;
		body[n++] = (uint8_t)t->alen;
		memcpy(body + n, t->attrs, t->alen);
		n += t->alen;
		body[n++] = 8;
		body[n++] = 10;
		cur_init(&c, body, n);
		assert_int_equal(wire_update_decode(&c, &ctx, &arena, &u), 0);
		assert_true(u.action == UPD_OK);
		assert_int_equal(u.attrs.aspath_len, t->wlen);
		assert_memory_equal(u.attrs.aspath, t->want, t->wlen);
		if (t->aggr_as)
			assert_int_equal(u.attrs.aggr_as, t->aggr_as);
	}
}

/*
 * Pack n prefixes made by mk(i) into messages of at most maxlen, decode
 * each, and check every prefix comes back once, in order. Returns the
 * number of messages.
 */
static size_t
pack_many(const struct attrs *a, int af, int withdraw, size_t n,
    size_t maxlen, struct prefix (*mk)(size_t))
{
	struct update_msg u;
	struct prefix p, q;
	struct cur c;
	size_t i = 0, back = 0, msgs = 0, len;
	int r;

	while (i < n) {
		if (withdraw)
			assert_int_equal(updpack_withdraw(&pack, af, maxlen), 0);
		else
			assert_int_equal(updpack_announce(&pack, a, af, 1,
			    maxlen), 0);
		while (i < n) {
			p = mk(i);
			if ((r = updpack_add(&pack, &p)) == 1)
				break;
			assert_int_equal(r, 0);
			i++;
		}
		len = updpack_finish(&pack);
		assert_true(len > 0 && len <= maxlen);
		/* Full means full: the next prefix did not fit. */
		if (i < n)
			assert_true(len + wire_nlri_len(&p) > maxlen);
		decode_msg(updpack_data(&pack), len, maxlen, 1, 0, &u);
		assert_int_equal(u.action, UPD_OK);
		msgs++;
		if (af == AF_INET)
			c = withdraw ? u.withdrawn : u.nlri;
		else {
			c = withdraw ? u.mp_unreach : u.mp_reach;
			assert_int_equal(withdraw ? u.mp_unreach_af :
			    u.mp_reach_af, AF_INET6);
		}
		if (!withdraw)
			assert_attrs_equal(&u.attrs, a);
		while ((r = wire_nlri_next(&c, af, &q)) == 1) {
			p = mk(back++);
			assert_memory_equal(&p, &q, sizeof(p));
		}
		assert_int_equal(r, 0);
	}
	assert_int_equal(back, n);
	return msgs;
}

static struct prefix
mk_v4_24(size_t i)
{
	struct prefix p = { .af = AF_INET, .len = 24 };

	p.a[0] = 10;
	p.a[1] = (uint8_t)(i >> 8);
	p.a[2] = (uint8_t)i;
	return p;
}

static struct prefix
mk_v6_48(size_t i)
{
	struct prefix p = { .af = AF_INET6, .len = 48 };

	p.a[0] = 0x20;
	p.a[1] = 0x01;
	p.a[2] = 0x0d;
	p.a[3] = 0xb8;
	p.a[4] = (uint8_t)(i >> 8);
	p.a[5] = (uint8_t)i;
	return p;
}

static void
test_pack_many(void **state)
{
	struct attrs a4 = full_attrs(AF_INET), a6 = full_attrs(AF_INET6);
	size_t msgs;

	(void)state;
	msgs = pack_many(&a4, AF_INET, 0, 10000, BGP_MAX_LEN, mk_v4_24);
	assert_true(msgs >= 10 && msgs <= 11);	/* 4 bytes per /24 */
	msgs = pack_many(&a6, AF_INET6, 0, 10000, BGP_MAX_LEN, mk_v6_48);
	assert_true(msgs >= 18 && msgs <= 19);	/* 7 bytes per /48 */
	msgs = pack_many(NULL, AF_INET, 1, 10000, BGP_MAX_LEN, mk_v4_24);
	assert_true(msgs == 10);
	msgs = pack_many(NULL, AF_INET6, 1, 10000, BGP_MAX_LEN, mk_v6_48);
	assert_true(msgs == 18);
	/* RFC 8654 extended messages. */
	msgs = pack_many(&a4, AF_INET, 0, 10000, BGP_EXT_MAX_LEN, mk_v4_24);
	assert_int_equal(msgs, 1);
	msgs = pack_many(&a6, AF_INET6, 0, 10000, BGP_EXT_MAX_LEN, mk_v6_48);
	assert_int_equal(msgs, 2);
	/* A few prefixes: MP attributes with a one-octet length. */
	msgs = pack_many(&a6, AF_INET6, 0, 3, BGP_MAX_LEN, mk_v6_48);
	assert_int_equal(msgs, 1);
	msgs = pack_many(NULL, AF_INET6, 1, 3, BGP_MAX_LEN, mk_v6_48);
	assert_int_equal(msgs, 1);
}

static void
test_pack_limits(void **state)
{
	static uint32_t many[1100];
	struct attrs a = full_attrs(AF_INET);
	struct prefix p = pfx("10.0.0.0/8");

	(void)state;
	/* An empty message is no message. */
	assert_int_equal(updpack_announce(&pack, &a, AF_INET, 1,
	    BGP_MAX_LEN), 0);
	assert_int_equal(updpack_finish(&pack), 0);
	assert_int_equal(updpack_withdraw(&pack, AF_INET6, BGP_MAX_LEN), 0);
	assert_int_equal(updpack_finish(&pack), 0);
	/* Attributes that cannot fit in one message. */
	a.communities = many;
	a.ncommunities = 1100;
	assert_int_equal(updpack_announce(&pack, &a, AF_INET, 1,
	    BGP_MAX_LEN), -1);
	assert_int_equal(updpack_announce(&pack, &a, AF_INET, 1,
	    BGP_EXT_MAX_LEN), 0);
	assert_int_equal(updpack_add(&pack, &p), 0);
	assert_true(updpack_finish(&pack) > BGP_MAX_LEN);
	/* No next hop of the family. */
	a = full_attrs(AF_INET6);
	assert_int_equal(updpack_announce(&pack, &a, AF_INET, 1,
	    BGP_MAX_LEN), -1);
	a = full_attrs(AF_INET);
	assert_int_equal(updpack_announce(&pack, &a, AF_INET6, 1,
	    BGP_MAX_LEN), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip_all_attrs),
		cmocka_unit_test(test_roundtrip_minimal),
		cmocka_unit_test(test_roundtrip_extlen),
		cmocka_unit_test(test_as4_encode_for_2octet_peer),
		cmocka_unit_test(test_as4_decode_from_2octet_peer),
		cmocka_unit_test(test_pack_many),
		cmocka_unit_test(test_pack_limits),
	};

	return cmocka_run_group_tests_name("wire_update", tests, NULL, NULL);
}
