/*
 * test_wire_malformed.c: every malformed UPDATE of RFC 4271 6.3 and
 * RFC 7606 we handle, with its outcome (action, and code/subcode when the
 * session is reset), plus the cases that must pass.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "bgp/wire.h"

/* Attribute building blocks (flags, type, length, value). */
#define ORIGIN		0x40, 1, 1, 0
#define ASPATH		0x40, 2, 6, 2, 1, 0, 0, 0xfd, 0xe9	/* 65001 */
#define NH		0x40, 3, 4, 10, 0, 0, 1
#define MANDATORY	ORIGIN, ASPATH, NH
#define NLRI		16, 10, 1				/* 10.1/16 */
#define V6NH		0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, \
			0, 0, 0, 1
#define MPREACH		0x80, 14, 26, 0, 2, 1, 16, V6NH, 0, 32, 0x20, \
			0x01, 0x0d, 0xb8			/* 2001:db8::/32 */

struct bad_case {
	const char	*what;
	int		 as4, ebgp;
	uint8_t		 attrs[128];
	size_t		 alen;
	uint8_t		 nlri[16];
	size_t		 nlen;
	uint8_t		 raw[64];		/* whole body, when set */
	size_t		 rawlen;
	enum upd_action	 action;
	uint8_t		 code, subcode;
};

#define A(...)		.attrs = { __VA_ARGS__ }, \
			.alen = sizeof((uint8_t[]){ __VA_ARGS__ })
#define N(...)		.nlri = { __VA_ARGS__ }, \
			.nlen = sizeof((uint8_t[]){ __VA_ARGS__ })
#define RAW(...)	.raw = { __VA_ARGS__ }, \
			.rawlen = sizeof((uint8_t[]){ __VA_ARGS__ })
#define OK		.action = UPD_OK
#define DISCARD		.action = UPD_ATTR_DISCARD
#define TAW		.action = UPD_TREAT_AS_WITHDRAW
#define RESET(c, s)	.action = UPD_SESSION_RESET, .code = c, .subcode = s

static const struct bad_case cases[] = {
	{ "well formed", 1, 1, A(MANDATORY), N(NLRI), OK },
	{ "well formed, 2-octet peer", 0, 1, A(ORIGIN, 0x40, 2, 4, 2, 1,
	  0xfd, 0xe9, NH), N(NLRI), OK },
	{ "withdrawals only, no attributes", 1, 1, RAW(0, 3, NLRI, 0, 0),
	  OK },
	{ "attributes without NLRI", 1, 1, A(ORIGIN), OK },
	{ "withdrawn length overruns", 1, 1, RAW(0, 9, NLRI, 0, 0),
	  RESET(ERR_UPDATE, ERR_UPD_ATTRLIST) },
	{ "attribute length overruns the message", 1, 1, RAW(0, 0, 0, 9,
	  ORIGIN), RESET(ERR_UPDATE, ERR_UPD_ATTRLIST) },
	{ "truncated withdrawn prefix", 1, 1, RAW(0, 2, 24, 10, 0, 0),
	  RESET(ERR_UPDATE, ERR_UPD_NETWORK) },
	{ "truncated NLRI", 1, 1, A(MANDATORY), N(24, 10, 1),
	  RESET(ERR_UPDATE, ERR_UPD_NETWORK) },
	{ "prefix length 33", 1, 1, A(MANDATORY), N(33, 10, 1, 1, 1, 1),
	  RESET(ERR_UPDATE, ERR_UPD_NETWORK) },
	{ "ORIGIN flags optional", 1, 1, A(0xc0, 1, 1, 0, ASPATH, NH),
	  N(NLRI), TAW },
	{ "ORIGIN flags not transitive", 1, 1, A(0x00, 1, 1, 0, ASPATH, NH),
	  N(NLRI), TAW },
	{ "ORIGIN 3", 1, 1, A(0x40, 1, 1, 3, ASPATH, NH), N(NLRI), TAW },
	{ "ORIGIN length 2", 1, 1, A(0x40, 1, 2, 0, 0, ASPATH, NH), N(NLRI),
	  TAW },
	{ "ORIGIN with extended length", 1, 1, A(0x50, 1, 0, 1, 0, ASPATH,
	  NH), N(NLRI), OK },
	{ "attribute length overruns the field", 1, 1, A(MANDATORY, 0x40, 5,
	  10, 0, 0), N(NLRI), TAW },
	{ "attribute header truncated", 1, 1, A(MANDATORY, 0x40, 5),
	  N(NLRI), TAW },
	{ "extended length header truncated", 1, 1, A(MANDATORY, 0x50, 5,
	  0), N(NLRI), TAW },
	{ "MP_REACH_NLRI length overruns the field", 1, 1, A(ORIGIN, ASPATH,
	  0x80, 14, 40, 0, 2, 1, 16), RESET(ERR_UPDATE, ERR_UPD_ATTRLIST) },
	{ "duplicate ORIGIN", 1, 1, A(MANDATORY, 0x40, 1, 1, 2), N(NLRI),
	  DISCARD },
	{ "duplicate MP_REACH_NLRI", 1, 1, A(ORIGIN, ASPATH, MPREACH,
	  MPREACH), RESET(ERR_UPDATE, ERR_UPD_ATTRLIST) },
	{ "missing ORIGIN", 1, 1, A(ASPATH, NH), N(NLRI), TAW },
	{ "missing AS_PATH", 1, 1, A(ORIGIN, NH), N(NLRI), TAW },
	{ "missing NEXT_HOP", 1, 1, A(ORIGIN, ASPATH), N(NLRI), TAW },
	{ "no NEXT_HOP needed for MP_REACH only", 1, 1, A(ORIGIN, ASPATH,
	  MPREACH), OK },
	{ "IPv4 NLRI and MP_REACH together", 1, 1, A(MANDATORY, MPREACH),
	  N(NLRI), OK },
	{ "missing ORIGIN with MP_REACH", 1, 1, A(ASPATH, MPREACH), TAW },
	{ "no attributes at all, NLRI", 1, 1, N(NLRI), TAW },
	{ "AS_PATH segment count overruns", 1, 1, A(ORIGIN, 0x40, 2, 6, 2,
	  2, 0, 0, 0xfd, 0xe9, NH), N(NLRI), TAW },
	{ "AS_PATH segment type 5", 1, 1, A(ORIGIN, 0x40, 2, 6, 5, 1, 0, 0,
	  0xfd, 0xe9, NH), N(NLRI), TAW },
	{ "AS_PATH segment type 0", 1, 1, A(ORIGIN, 0x40, 2, 6, 0, 1, 0, 0,
	  0xfd, 0xe9, NH), N(NLRI), TAW },
	{ "AS_PATH empty segment", 1, 1, A(ORIGIN, 0x40, 2, 2, 2, 0, NH),
	  N(NLRI), TAW },
	{ "AS_PATH trailing byte", 1, 1, A(ORIGIN, 0x40, 2, 7, 2, 1, 0, 0,
	  0xfd, 0xe9, 0, NH), N(NLRI), TAW },
	{ "AS_PATH 2-octet form from a 4-octet peer", 1, 1, A(ORIGIN, 0x40,
	  2, 4, 2, 1, 0xfd, 0xe9, NH), N(NLRI), TAW },
	{ "AS_CONFED_SEQUENCE from an external peer", 1, 1, A(ORIGIN, 0x40,
	  2, 6, 3, 1, 0, 0, 0xfd, 0xe9, NH), N(NLRI), TAW },
	{ "AS_CONFED_SEQUENCE from an internal peer", 1, 0, A(ORIGIN, 0x40,
	  2, 6, 3, 1, 0, 0, 0xfd, 0xe9, NH), N(NLRI), OK },
	{ "NEXT_HOP length 5", 1, 1, A(ORIGIN, ASPATH, 0x40, 3, 5, 10, 0, 0,
	  1, 0), N(NLRI), TAW },
	{ "NEXT_HOP 0.0.0.0", 1, 1, A(ORIGIN, ASPATH, 0x40, 3, 4, 0, 0, 0,
	  0), N(NLRI), TAW },
	{ "NEXT_HOP multicast", 1, 1, A(ORIGIN, ASPATH, 0x40, 3, 4, 224, 0,
	  0, 5), N(NLRI), TAW },
	{ "MED length 3", 1, 1, A(MANDATORY, 0x80, 4, 3, 0, 0, 1), N(NLRI),
	  TAW },
	{ "MED flags well-known", 1, 1, A(MANDATORY, 0x40, 4, 4, 0, 0, 0, 1),
	  N(NLRI), TAW },
	{ "LOCAL_PREF from an external peer", 1, 1, A(MANDATORY, 0x40, 5, 4,
	  0, 0, 0, 100), N(NLRI), DISCARD },
	{ "LOCAL_PREF length 3 from an external peer", 1, 1, A(MANDATORY,
	  0x40, 5, 3, 0, 0, 100), N(NLRI), DISCARD },
	{ "LOCAL_PREF from an internal peer", 1, 0, A(MANDATORY, 0x40, 5, 4,
	  0, 0, 0, 100), N(NLRI), OK },
	{ "LOCAL_PREF length 3 from an internal peer", 1, 0, A(MANDATORY,
	  0x40, 5, 3, 0, 0, 100), N(NLRI), TAW },
	{ "ATOMIC_AGGREGATE length 1", 1, 1, A(MANDATORY, 0x40, 6, 1, 0),
	  N(NLRI), DISCARD },
	{ "AGGREGATOR length 6 from a 4-octet peer", 1, 1, A(MANDATORY,
	  0xc0, 7, 6, 0xfd, 0xe9, 10, 0, 0, 1), N(NLRI), DISCARD },
	{ "AGGREGATOR length 8 from a 2-octet peer", 0, 1, A(ORIGIN, 0x40, 2,
	  4, 2, 1, 0xfd, 0xe9, NH, 0xc0, 7, 8, 0, 0, 0xfd, 0xe9, 10, 0, 0,
	  1), N(NLRI), DISCARD },
	{ "AGGREGATOR flags well-known", 1, 1, A(MANDATORY, 0x40, 7, 8, 0, 0,
	  0xfd, 0xe9, 10, 0, 0, 1), N(NLRI), DISCARD },
	{ "COMMUNITIES length 6", 1, 1, A(MANDATORY, 0xc0, 8, 6, 0, 1, 0, 2,
	  0, 3), N(NLRI), TAW },
	{ "COMMUNITIES length 0", 1, 1, A(MANDATORY, 0xc0, 8, 0), N(NLRI),
	  TAW },
	{ "COMMUNITIES with Partial", 1, 1, A(MANDATORY, 0xe0, 8, 4, 0, 1, 0,
	  2), N(NLRI), OK },
	{ "ORIGINATOR_ID from an external peer", 1, 1, A(MANDATORY, 0x80, 9,
	  4, 1, 2, 3, 4), N(NLRI), DISCARD },
	{ "ORIGINATOR_ID length 3 from an internal peer", 1, 0, A(MANDATORY,
	  0x80, 9, 3, 1, 2, 3), N(NLRI), TAW },
	{ "CLUSTER_LIST from an external peer", 1, 1, A(MANDATORY, 0x80, 10,
	  4, 1, 2, 3, 4), N(NLRI), DISCARD },
	{ "CLUSTER_LIST length 5 from an internal peer", 1, 0, A(MANDATORY,
	  0x80, 10, 5, 1, 2, 3, 4, 5), N(NLRI), TAW },
	{ "EXTENDED_COMMUNITIES length 7", 1, 1, A(MANDATORY, 0xc0, 16, 7, 0,
	  2, 0, 0, 0, 0, 0), N(NLRI), TAW },
	{ "LARGE_COMMUNITIES length 10", 1, 1, A(MANDATORY, 0xc0, 32, 10, 0,
	  0, 0, 1, 0, 0, 0, 2, 0, 0), N(NLRI), TAW },
	{ "LARGE_COMMUNITIES length 12", 1, 1, A(MANDATORY, 0xc0, 32, 12, 0,
	  0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3), N(NLRI), OK },
	{ "MP_REACH_NLRI next hop length 8", 1, 1, A(ORIGIN, ASPATH, 0x80,
	  14, 18, 0, 2, 1, 8, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 1, 0, 32,
	  0x20, 0x01, 0x0d, 0xb8), RESET(ERR_UPDATE, ERR_UPD_OPTATTR) },
	{ "MP_REACH_NLRI IPv4 next hop length 16", 1, 1, A(ORIGIN, ASPATH,
	  0x80, 14, 23, 0, 1, 1, 16, V6NH, 0, 8, 10), RESET(ERR_UPDATE,
	  ERR_UPD_OPTATTR) },
	{ "MP_REACH_NLRI truncated prefix", 1, 1, A(ORIGIN, ASPATH, 0x80, 14,
	  25, 0, 2, 1, 16, V6NH, 0, 48, 0x20, 0x01, 0x0d),
	  RESET(ERR_UPDATE, ERR_UPD_OPTATTR) },
	{ "MP_REACH_NLRI prefix length 129", 1, 1, A(ORIGIN, ASPATH, 0x80,
	  14, 22, 0, 2, 1, 16, V6NH, 0, 129), RESET(ERR_UPDATE,
	  ERR_UPD_OPTATTR) },
	{ "MP_REACH_NLRI too short", 1, 1, A(ORIGIN, ASPATH, 0x80, 14, 2, 0,
	  2), RESET(ERR_UPDATE, ERR_UPD_OPTATTR) },
	{ "MP_REACH_NLRI flags transitive", 1, 1, A(ORIGIN, ASPATH, 0xc0, 14,
	  26, 0, 2, 1, 16, V6NH, 0, 32, 0x20, 0x01, 0x0d, 0xb8),
	  RESET(ERR_UPDATE, ERR_UPD_FLAGS) },
	{ "MP_REACH_NLRI of an unknown family ignored", 1, 1, A(ORIGIN,
	  ASPATH, 0x80, 14, 9, 0, 25, 70, 4, 1, 2, 3, 4, 0), OK },
	{ "MP_UNREACH_NLRI truncated prefix", 1, 1, A(0x80, 15, 5, 0, 2, 1,
	  64, 0x20), RESET(ERR_UPDATE, ERR_UPD_OPTATTR) },
	{ "duplicate MP_UNREACH_NLRI", 1, 1, A(0x80, 15, 3, 0, 2, 1, 0x80,
	  15, 3, 0, 2, 1), RESET(ERR_UPDATE, ERR_UPD_ATTRLIST) },
	{ "unknown well-known type", 1, 1, A(MANDATORY, 0x40, 99, 1, 0),
	  N(NLRI), RESET(ERR_UPDATE, ERR_UPD_UNKWN_WK) },
	{ "unknown optional transitive", 1, 1, A(MANDATORY, 0xc0, 99, 1, 7),
	  N(NLRI), OK },
	{ "unknown optional non-transitive", 1, 1, A(MANDATORY, 0x80, 99, 1,
	  7), N(NLRI), OK },
	{ "AS4_PATH from a 4-octet peer", 1, 1, A(MANDATORY, 0xc0, 17, 6, 2,
	  1, 0, 1, 0, 0), N(NLRI), DISCARD },
	{ "AS4_PATH malformed", 0, 1, A(ORIGIN, 0x40, 2, 4, 2, 1, 0x5b, 0xa0,
	  NH, 0xc0, 17, 6, 2, 2, 0, 1, 0, 0), N(NLRI), DISCARD },
	{ "AS4_PATH with a confederation segment", 0, 1, A(ORIGIN, 0x40, 2,
	  4, 2, 1, 0x5b, 0xa0, NH, 0xc0, 17, 6, 3, 1, 0, 1, 0, 0), N(NLRI),
	  DISCARD },
	{ "AS4_AGGREGATOR length 6", 0, 1, A(ORIGIN, 0x40, 2, 4, 2, 1, 0x5b,
	  0xa0, NH, 0xc0, 18, 6, 0, 1, 0, 0, 1, 1), N(NLRI), DISCARD },
	{ "discard then withdraw: worst wins", 1, 0, A(MANDATORY, 0x40, 6, 1,
	  0, 0x80, 4, 3, 0, 0, 1), N(NLRI), TAW },
	{ "withdraw then reset: worst wins", 1, 1, A(0x40, 1, 1, 9, ASPATH,
	  NH, 0x40, 99, 0), N(NLRI), RESET(ERR_UPDATE, ERR_UPD_UNKWN_WK) },
};

static size_t
case_body(const struct bad_case *t, uint8_t *body)
{
	size_t n = 0;

	if (t->rawlen) {
		memcpy(body, t->raw, t->rawlen);
		return t->rawlen;
	}
	body[n++] = 0;
	body[n++] = 0;
	body[n++] = (uint8_t)(t->alen >> 8);
	body[n++] = (uint8_t)t->alen;
	memcpy(body + n, t->attrs, t->alen);
	n += t->alen;
	memcpy(body + n, t->nlri, t->nlen);
	return n + t->nlen;
}

static void
test_malformed(void **state)
{
	static uint8_t arena_mem[WIRE_ARENA_MIN];
	struct arena ar = { arena_mem, 0, sizeof(arena_mem) };
	struct wire_peer_ctx ctx = { .local_as = 65000 };
	const struct bad_case *t;
	struct update_msg u;
	uint8_t body[256];
	struct cur c;
	size_t i, n;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		t = &cases[i];
		n = case_body(t, body);
		ctx.as4 = t->as4;
		ctx.ebgp = t->ebgp;
		cur_init(&c, body, n);
		assert_int_equal(wire_update_decode(&c, &ctx, &ar, &u), 0);
		print_message("update: %s: %s (%s)\n", t->what,
		    wire_upd_action_name(u.action), u.why);
		assert_int_equal(u.action, t->action);
		if (t->action != UPD_OK)
			assert_true(u.why[0] != '\0');
		if (t->action != UPD_SESSION_RESET)
			continue;
		assert_int_equal(u.err.code, t->code);
		assert_int_equal(u.err.subcode, t->subcode);
	}
}

/* What the accepted cases decoded to. */
static void
decode_case(const char *what, struct arena *ar, struct update_msg *u)
{
	struct wire_peer_ctx ctx = { 0 };
	static uint8_t body[256];
	struct cur c;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (strcmp(cases[i].what, what) == 0)
			break;
	assert_true(i < sizeof(cases) / sizeof(cases[0]));
	ctx.as4 = cases[i].as4;
	ctx.ebgp = cases[i].ebgp;
	cur_init(&c, body, case_body(&cases[i], body));
	assert_int_equal(wire_update_decode(&c, &ctx, ar, u), 0);
}

static void
test_outcome_details(void **state)
{
	static uint8_t arena_mem[WIRE_ARENA_MIN];
	static const uint8_t unk[] = { 0xe0, 99, 1, 7 };
	struct arena ar = { arena_mem, 0, sizeof(arena_mem) };
	struct update_msg u;

	(void)state;
	decode_case("unknown optional transitive", &ar, &u);
	assert_int_equal(u.attrs.unknown_len, sizeof(unk));
	assert_memory_equal(u.attrs.unknown, unk, sizeof(unk));

	decode_case("unknown optional non-transitive", &ar, &u);
	assert_int_equal(u.attrs.unknown_len, 0);

	decode_case("duplicate ORIGIN", &ar, &u);
	assert_int_equal(u.attrs.origin, ORIGIN_IGP);	/* the first one */

	decode_case("LOCAL_PREF from an external peer", &ar, &u);
	assert_false(u.attrs.present & ATTR_P(ATTR_LOCAL_PREF));
	decode_case("LOCAL_PREF from an internal peer", &ar, &u);
	assert_true(u.attrs.present & ATTR_P(ATTR_LOCAL_PREF));
	assert_int_equal(u.attrs.local_pref, 100);

	decode_case("AGGREGATOR length 6 from a 4-octet peer", &ar, &u);
	assert_false(u.attrs.present & ATTR_P(ATTR_AGGREGATOR));

	decode_case("MP_REACH_NLRI of an unknown family ignored", &ar, &u);
	assert_int_equal(u.mp_reach_af, 0);

	/* Each NLRI keeps its own next hop. */
	decode_case("IPv4 NLRI and MP_REACH together", &ar, &u);
	assert_int_equal(u.mp_reach_af, AF_INET6);
	assert_int_equal(u.attrs.nexthop.af, AF_INET6);
	assert_int_equal(u.attrs.nexthop.a[15], 1);
	assert_int_equal(u.nexthop4.af, AF_INET);
	assert_int_equal(u.nexthop4.a[0], 10);
	assert_int_equal(cur_left(&u.nlri), 3);
	assert_int_equal(cur_left(&u.mp_reach), 5);

	decode_case("unknown well-known type", &ar, &u);
	assert_int_equal(u.err.datalen, 4);
	assert_int_equal(u.err.data[1], 99);

	decode_case("missing ORIGIN", &ar, &u);
	assert_string_equal(u.why, "missing well-known attribute 1");

	decode_case("withdrawals only, no attributes", &ar, &u);
	assert_int_equal(cur_left(&u.withdrawn), 3);
	assert_int_equal(u.eor_af, 0);
}

/* RFC 4724 2: End-of-RIB both ways, and near misses that are not. */
static void
test_eor(void **state)
{
	static uint8_t arena_mem[WIRE_ARENA_MIN];
	static const uint8_t not_eor[] = { 0, 0, 0, 7, 0x80, 15, 4, 0, 2, 1,
	    0 };
	struct arena ar = { arena_mem, 0, sizeof(arena_mem) };
	struct wire_peer_ctx ctx = { .as4 = 1 };
	struct update_msg u;
	uint8_t buf[64];
	struct notif err;
	struct wbuf w;
	struct cur c;
	uint16_t len;
	uint8_t type;
	int af;

	(void)state;
	for (af = AF_INET; af != 0; af = af == AF_INET ? AF_INET6 : 0) {
		wbuf_fixed(&w, buf, sizeof(buf));
		assert_int_equal(wire_eor_encode(&w, af), 0);
		assert_int_equal(w.len, af == AF_INET ? 23 : 29);
		cur_init(&c, buf, w.len);
		assert_int_equal(wire_header(&c, 4096, &len, &type, &err), 0);
		assert_int_equal(type, BGP_T_UPDATE);
		assert_int_equal(wire_update_decode(&c, &ctx, &ar, &u), 0);
		assert_int_equal(u.action, UPD_OK);
		assert_int_equal(u.eor_af, af);
	}
	/* An MP_UNREACH_NLRI with a prefix (::/0) withdraws, is no EoR. */
	cur_init(&c, not_eor, sizeof(not_eor));
	assert_int_equal(wire_update_decode(&c, &ctx, &ar, &u), 0);
	assert_int_equal(u.eor_af, 0);
	assert_int_equal(u.mp_unreach_af, AF_INET6);
	assert_int_equal(cur_left(&u.mp_unreach), 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_outcome_details),
		cmocka_unit_test(test_eor),
	};

	return cmocka_run_group_tests_name("wire_malformed", tests, NULL,
	    NULL);
}
