/*
 * test_policy.c: compiled route policies (API.md, BGPRoutePolicy): prefix
 * set matching by table, first match wins, no match, chains of policies,
 * refused malformed entries, and random sets cross-checked against a
 * brute-force scan.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "bgp/log.h"
#include "bgp/rib.h"

#define MAXR	6
#define MAXS	3

struct st_spec {
	const char	*ranges[MAXR];	/* "cidr min max"; none: any */
	int		 accept;
};

struct q {
	const char		*prefix;
	enum policy_verdict	 want;
};

static const struct {
	const char	*what;
	struct st_spec	 st[MAXS];
	struct q	 q[8];
} cases[] = {
	{ "API.md: 2001:db8::/32 min 32 max 48",
	  { { { "2001:db8::/32 32 48" }, 1 } },
	  { { "2001:db8:1::/48", POLICY_ACCEPT },
	    { "2001:db8::/32", POLICY_ACCEPT },
	    { "2001:db8:1:100::/56", POLICY_NOMATCH },
	    { "2001:db9::/48", POLICY_NOMATCH },
	    { "2001:db8::/31", POLICY_NOMATCH },
	    { "10.0.0.0/8", POLICY_NOMATCH } } },
	{ "first match wins",
	  { { { "10.0.0.0/8 8 32" }, 0 }, { { NULL }, 1 } },
	  { { "10.1.0.0/16", POLICY_REJECT },
	    { "10.0.0.0/8", POLICY_REJECT },
	    { "192.168.0.0/16", POLICY_ACCEPT },
	    { "2001:db8::/32", POLICY_ACCEPT } } },
	{ "a later statement decides when earlier ones miss",
	  { { { "10.0.0.0/8 8 8" }, 0 }, { { "10.0.0.0/8 9 24" }, 1 } },
	  { { "10.0.0.0/8", POLICY_REJECT },
	    { "10.1.0.0/16", POLICY_ACCEPT },
	    { "10.1.2.0/25", POLICY_NOMATCH } } },
	{ "min below the cidr length is clamped",
	  { { { "10.0.0.0/8 0 16" }, 1 } },
	  { { "10.0.0.0/8", POLICY_ACCEPT },
	    { "10.1.0.0/16", POLICY_ACCEPT },
	    { "0.0.0.0/0", POLICY_NOMATCH },
	    { "10.1.1.0/24", POLICY_NOMATCH } } },
	{ "one cidr twice: the ranges add up",
	  { { { "10.0.0.0/8 8 8", "10.0.0.0/8 24 24" }, 0 } },
	  { { "10.0.0.0/8", POLICY_REJECT },
	    { "10.9.0.0/16", POLICY_NOMATCH },
	    { "10.9.9.0/24", POLICY_REJECT } } },
	{ "nested entries",
	  { { { "10.0.0.0/8 16 16", "10.5.0.0/16 30 32", "10.9.0.0/16 8 32",
	        "10.9.9.0/24 24 24" }, 1 } },
	  { { "10.7.0.0/16", POLICY_ACCEPT },
	    { "10.200.0.0/16", POLICY_ACCEPT },
	    { "10.5.0.0/16", POLICY_ACCEPT },
	    { "10.5.1.0/24", POLICY_NOMATCH },
	    { "10.5.1.4/30", POLICY_ACCEPT },
	    { "10.9.1.0/24", POLICY_ACCEPT },
	    { "10.0.0.0/8", POLICY_NOMATCH },
	    { "11.0.0.0/16", POLICY_NOMATCH } } },
	{ "default route with every length",
	  { { { "0.0.0.0/0 0 32" }, 0 } },
	  { { "0.0.0.0/0", POLICY_REJECT },
	    { "203.0.113.7/32", POLICY_REJECT },
	    { "::/0", POLICY_NOMATCH } } },
	{ "both families in one set",
	  { { { "2001:db8::/32 48 64", "192.0.2.0/24 24 24" }, 1 } },
	  { { "192.0.2.0/24", POLICY_ACCEPT },
	    { "2001:db8:ff::/48", POLICY_ACCEPT },
	    { "192.0.2.0/25", POLICY_NOMATCH },
	    { "2001:db8::/32", POLICY_NOMATCH } } },
	{ "no statements", { { { NULL }, 0 } },
	  { { "10.0.0.0/8", POLICY_NOMATCH } } },
};

/* Builds a model_policy from a case; nst 0 for "no statements". */
static void
mkpolicy(struct model_policy *mp, const struct st_spec *st, size_t nst,
    const char *name)
{
	size_t i, j;
	char cidr[64];
	unsigned min, max;

	memset(mp, 0, sizeof(*mp));
	mp->name = (char *)(uintptr_t)name;
	mp->st = calloc(MAXS, sizeof(*mp->st));
	for (i = 0; i < nst; i++) {
		struct model_statement *s = &mp->st[i];

		s->accept = st[i].accept;
		s->set = calloc(MAXR, sizeof(*s->set));
		s->any = st[i].ranges[0] == NULL;
		for (j = 0; j < MAXR && st[i].ranges[j] != NULL; j++) {
			if (sscanf(st[i].ranges[j], "%63s %u %u", cidr, &min,
			    &max) != 3 ||
			    prefix_parse(cidr, &s->set[j].pfx) == -1)
				fail_msg("bad range %s", st[i].ranges[j]);
			s->set[j].min = (uint8_t)min;
			s->set[j].max = (uint8_t)max;
		}
		s->nset = j;
	}
	mp->nst = nst;
}

static void
rmpolicy(struct model_policy *mp)
{
	size_t i;

	for (i = 0; i < MAXS; i++)
		free(mp->st[i].set);
	free(mp->st);
}

static size_t
nstatements(const struct st_spec *st)
{
	size_t n = 0;

	while (n < MAXS && (st[n].ranges[0] != NULL || st[n].accept))
		n++;
	return n;
}

static void
test_cases(void **state)
{
	struct model_policy mp;
	struct policy *p;
	struct prefix x;
	size_t i, j;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		mkpolicy(&mp, cases[i].st, nstatements(cases[i].st), "pol");
		p = policy_compile(&mp);
		assert_non_null(p);
		assert_string_equal(policy_name(p), "pol");
		for (j = 0; j < 8 && cases[i].q[j].prefix != NULL; j++) {
			if (prefix_parse(cases[i].q[j].prefix, &x) == -1)
				fail_msg("bad query %s", cases[i].q[j].prefix);
			if (policy_eval(p, &x) != cases[i].q[j].want)
				fail_msg("%s: %s gives %d", cases[i].what,
				    cases[i].q[j].prefix, policy_eval(p, &x));
		}
		policy_free(p);
		rmpolicy(&mp);
	}
}

static void
test_chain(void **state)
{
	static const struct st_spec only8[] = { { { "10.0.0.0/8 8 8" }, 0 } };
	static const struct st_spec any[] = { { { NULL }, 1 } };
	static const struct st_spec acc8[] = { { { "10.0.0.0/8 8 32" }, 1 } };
	static const struct st_spec rejv6[] = { { { "::/0 0 128" }, 0 } };
	static const struct {
		const char	*what;
		int		 chain[3];	/* 0 only8, 1 any, 2 acc8, 3 rejv6 */
		size_t		 n;
		const char	*prefix;
		int		 accepts;
	} rows[] = {
		{ "first policy with a match decides", { 0, 1 }, 2,
		  "10.0.0.0/8", 0 },
		{ "no match passes on to the next", { 0, 1 }, 2,
		  "10.1.0.0/16", 1 },
		{ "order matters", { 2, 0 }, 2, "10.0.0.0/8", 1 },
		{ "no match anywhere accepts", { 0, 3 }, 2, "192.0.2.0/24", 1 },
		{ "empty chain accepts", { 0 }, 0, "10.0.0.0/8", 1 },
		{ "a later reject", { 0, 3 }, 2, "2001:db8::/32", 0 },
	};
	struct model_policy mp[4];
	struct policy *pol[4], *chain[3];
	struct prefix x;
	size_t i, j;

	(void)state;
	mkpolicy(&mp[0], only8, 1, "a");
	mkpolicy(&mp[1], any, 1, "b");
	mkpolicy(&mp[2], acc8, 1, "c");
	mkpolicy(&mp[3], rejv6, 1, "d");
	for (i = 0; i < 4; i++)
		assert_non_null(pol[i] = policy_compile(&mp[i]));
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		for (j = 0; j < rows[i].n; j++)
			chain[j] = pol[rows[i].chain[j]];
		assert_int_equal(prefix_parse(rows[i].prefix, &x), 0);
		if (policy_chain_accepts(chain, rows[i].n, &x) !=
		    rows[i].accepts)
			fail_msg("%s: wrong verdict", rows[i].what);
	}
	for (i = 0; i < 4; i++) {
		policy_free(pol[i]);
		rmpolicy(&mp[i]);
	}
}

static void
test_refused(void **state)
{
	static const struct {
		const char	*what;
		struct model_range r;
	} bad[] = {
		{ "min above max", { { AF_INET, 8, { 10 } }, 24, 16 } },
		{ "max beyond the address", { { AF_INET, 8, { 10 } }, 8, 33 } },
		{ "no family", { { 0, 8, { 10 } }, 8, 8 } },
		{ "length beyond the address", { { AF_INET6, 129, { 0 } }, 129,
		  129 } },
	};
	struct model_statement st[2];
	struct model_policy mp;
	struct model_range ok = { { AF_INET, 8, { 10 } }, 8, 8 };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(st, 0, sizeof(st));
		memset(&mp, 0, sizeof(mp));
		st[0].set = &ok;
		st[0].nset = 1;
		st[1].set = (struct model_range *)(uintptr_t)&bad[i].r;
		st[1].nset = 1;
		mp.name = (char *)(uintptr_t)"broken";
		mp.st = st;
		mp.nst = 2;
		if (policy_compile(&mp) != NULL)
			fail_msg("%s: compiled", bad[i].what);
	}
}

static uint64_t test_seed = 0x2545f4914f6cdd1dull;

static uint32_t
test_rand(void)
{
	test_seed ^= test_seed << 13;
	test_seed ^= test_seed >> 7;
	test_seed ^= test_seed << 17;
	return (uint32_t)(test_seed >> 16);
}

static struct prefix
rand_prefix(int af)
{
	struct prefix p;
	unsigned i;

	memset(&p, 0, sizeof(p));
	p.af = (uint8_t)af;
	for (i = 0; i < addr_bytes(af); i++)
		p.a[i] = (uint8_t)test_rand();
	p.a[0] &= 0x03;			/* a small space: entries nest */
	p.len = (uint8_t)(test_rand() % (addr_bits(af) + 1));
	if (test_rand() % 2)
		p.len %= 20;
	prefix_mask(&p);
	return p;
}

/* Random sets against the definition, scanned. */
static void
test_random(void **state)
{
	enum { SETS = 40, RANGES = 300, QUERIES = 3000 };
	struct model_range r[RANGES];
	struct prefixset *s;
	struct prefix q;
	size_t k, i, j;
	int want, af, hits = 0;

	(void)state;
	for (k = 0; k < SETS; k++) {
		for (i = 0; i < RANGES; i++) {
			af = test_rand() % 4 ? AF_INET : AF_INET6;
			r[i].pfx = rand_prefix(af);
			r[i].min = (uint8_t)(test_rand() %
			    (addr_bits(af) + 1));
			r[i].max = (uint8_t)(r[i].min + test_rand() %
			    (addr_bits(af) + 1 - r[i].min));
		}
		assert_non_null(s = prefixset_new("random", r, RANGES));
		for (j = 0; j < QUERIES; j++) {
			q = rand_prefix(test_rand() % 4 ? AF_INET : AF_INET6);
			for (want = 0, i = 0; i < RANGES && !want; i++)
				want = prefix_contains(&r[i].pfx, &q) &&
				    q.len >= r[i].min && q.len <= r[i].max;
			hits += want;
			if (prefixset_match(s, &q) != want)
				fail_msg("set %zu query %zu: got %d", k, j,
				    !want);
		}
		prefixset_free(s);
	}
	assert_true(hits > 1000);	/* the sets were not trivially empty */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_chain),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_random),
	};

	log_init(LOG_ERROR, 0);
	return cmocka_run_group_tests_name("policy", tests, NULL, NULL);
}
