/*
 * test_decide.c: the decision process. One table row per tie-break step
 * (RFC 4271 9.1.2.2 a-i, RFC 4456 9), each run in both list orders and
 * through decide_cmp(); then sets whose pairwise order is not transitive
 * (MED) and multipath sets under every permutation of list order, which
 * must all give the same winner and the same ECMP members.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "bgp/rib.h"

struct spec {				/* one path, as a table row says */
	uint32_t	 lp;		/* 0: absent (100) */
	int		 local, ebgp;
	uint32_t	 asns[4];	/* one AS_SEQUENCE; 0 ends it */
	uint32_t	 set;		/* one AS_SET of this many ASNs, appended */
	uint8_t		 origin;
	int		 has_med;
	uint32_t	 med;
	uint32_t	 router_id;
	uint32_t	 originator;	/* 0: absent */
	uint16_t	 nclusters;
	uint8_t		 addr;		/* last octet of 10.0.0.x */
	enum path_filter filter;
};

struct built {
	struct path_src	 src;
	struct attrs	 attrs;
	struct path	 path;
	uint8_t		 aspath[64];
	uint32_t	 clusters[8];
};

static void
build(struct built *b, const struct spec *s, uint32_t id)
{
	size_t n = 0, i, len = 0;

	memset(b, 0, sizeof(*b));
	b->src.id = id;
	b->src.name = "p";
	b->src.local = s->local;
	b->src.ebgp = s->ebgp;
	b->src.router_id = s->router_id;
	if (!s->local) {
		b->src.addr.af = AF_INET;
		b->src.addr.a[0] = 10;
		b->src.addr.a[3] = s->addr;
	}
	while (n < 4 && s->asns[n] != 0)
		n++;
	if (n > 0) {
		b->aspath[len++] = AS_SEQUENCE;
		b->aspath[len++] = (uint8_t)n;
		for (i = 0; i < n; i++, len += 4) {
			b->aspath[len] = (uint8_t)(s->asns[i] >> 24);
			b->aspath[len + 1] = (uint8_t)(s->asns[i] >> 16);
			b->aspath[len + 2] = (uint8_t)(s->asns[i] >> 8);
			b->aspath[len + 3] = (uint8_t)s->asns[i];
		}
	}
	if (s->set > 0) {
		b->aspath[len++] = AS_SET;
		b->aspath[len++] = (uint8_t)s->set;
		for (i = 0; i < s->set; i++, len += 4)
			b->aspath[len + 3] = (uint8_t)(200 + i);
	}
	b->attrs.present = ATTR_P(ATTR_ORIGIN) | ATTR_P(ATTR_AS_PATH);
	b->attrs.origin = s->origin;
	b->attrs.aspath = b->aspath;
	b->attrs.aspath_len = (uint16_t)len;
	if (s->lp != 0) {
		b->attrs.present |= ATTR_P(ATTR_LOCAL_PREF);
		b->attrs.local_pref = s->lp;
	}
	if (s->has_med) {
		b->attrs.present |= ATTR_P(ATTR_MED);
		b->attrs.med = s->med;
	}
	if (s->originator != 0) {
		b->attrs.present |= ATTR_P(ATTR_ORIGINATOR_ID);
		b->attrs.originator_id = s->originator;
	}
	b->attrs.clusters = b->clusters;
	b->attrs.nclusters = s->nclusters;
	b->path.src = &b->src;
	path_put_set(&b->path, rib_set_ref(&b->attrs));
	b->path.filter = (uint8_t)s->filter;
}

static const struct decide_ctx ctx1 = { 65000, 0x01010101, 1 };

/* Two paths that tie on everything before the step they exercise. */
#define EBGP(as, rid, a)	{ .ebgp = 1, .asns = { as }, .router_id = rid, \
				  .addr = a }
static const struct {
	const char	*what;
	struct spec	 a, b;		/* a must win */
} steps[] = {
	{ "a: higher LOCAL_PREF",
	  { .lp = 200, .asns = { 1, 2, 3 }, .router_id = 9, .addr = 9 },
	  { .lp = 150, .ebgp = 1, .asns = { 1 }, .router_id = 1, .addr = 1 } },
	{ "a: absent LOCAL_PREF is 100, above 99",
	  { .asns = { 1, 2 }, .router_id = 9, .addr = 9 },
	  { .lp = 99, .asns = { 1 }, .router_id = 1, .addr = 1 } },
	{ "a: absent LOCAL_PREF is 100, below 101",
	  { .lp = 101, .asns = { 1, 2 }, .router_id = 9, .addr = 9 },
	  { .asns = { 1 }, .router_id = 1, .addr = 1 } },
	{ "b: locally originated over learned",
	  { .local = 1, .origin = ORIGIN_INCOMPLETE, .router_id = 9 },
	  { .ebgp = 1, .asns = { 1 }, .router_id = 1, .addr = 1 } },
	{ "c: shorter AS_PATH",
	  { .asns = { 1, 2 }, .origin = ORIGIN_INCOMPLETE, .router_id = 9,
	    .addr = 9 },
	  { .ebgp = 1, .asns = { 1, 2, 3 }, .router_id = 1, .addr = 1 } },
	{ "c: an AS_SET counts one",
	  { .asns = { 1 }, .set = 3, .router_id = 9, .addr = 9 },
	  { .asns = { 1, 2, 3 }, .router_id = 1, .addr = 1 } },
	{ "d: IGP over EGP",
	  { .asns = { 1 }, .origin = ORIGIN_IGP, .router_id = 9, .addr = 9 },
	  { .ebgp = 1, .asns = { 1 }, .origin = ORIGIN_EGP, .router_id = 1,
	    .addr = 1 } },
	{ "d: EGP over INCOMPLETE",
	  { .asns = { 1 }, .origin = ORIGIN_EGP, .router_id = 9, .addr = 9 },
	  { .asns = { 1 }, .origin = ORIGIN_INCOMPLETE, .router_id = 1,
	    .addr = 1 } },
	{ "e: lower MED from the same neighbor AS",
	  { .asns = { 7, 1 }, .has_med = 1, .med = 10, .router_id = 9,
	    .addr = 9 },
	  { .ebgp = 1, .asns = { 7, 2 }, .has_med = 1, .med = 20,
	    .router_id = 1, .addr = 1 } },
	{ "e: missing MED is 0",
	  { .asns = { 7 }, .router_id = 9, .addr = 9 },
	  { .asns = { 7 }, .has_med = 1, .med = 1, .router_id = 1,
	    .addr = 1 } },
	{ "e: MED ignored across neighbor ASes (router ID decides)",
	  { .asns = { 8 }, .has_med = 1, .med = 900, .router_id = 1,
	    .addr = 9 },
	  { .asns = { 7 }, .has_med = 1, .med = 1, .router_id = 2,
	    .addr = 1 } },
	{ "f: eBGP over iBGP",
	  { .ebgp = 1, .asns = { 7 }, .router_id = 9, .addr = 9 },
	  { .asns = { 7 }, .router_id = 1, .addr = 1 } },
	{ "g: lower router ID", EBGP(7, 1, 9), EBGP(7, 2, 1) },
	{ "g: ORIGINATOR_ID stands in for the router ID",
	  { .asns = { 7 }, .router_id = 9, .originator = 2, .addr = 9 },
	  { .asns = { 7 }, .router_id = 3, .addr = 1 } },
	{ "g: a high ORIGINATOR_ID loses to a lower router ID",
	  { .asns = { 7 }, .router_id = 5, .addr = 9 },
	  { .asns = { 7 }, .router_id = 1, .originator = 6, .addr = 1 } },
	{ "h: shorter CLUSTER_LIST",
	  { .asns = { 7 }, .originator = 4, .nclusters = 1, .router_id = 8,
	    .addr = 9 },
	  { .asns = { 7 }, .originator = 4, .nclusters = 2, .router_id = 7,
	    .addr = 1 } },
	{ "i: lower peer address",
	  { .asns = { 7 }, .originator = 4, .router_id = 8, .addr = 1 },
	  { .asns = { 7 }, .originator = 4, .router_id = 7, .addr = 2 } },
};

static void
test_steps(void **state)
{
	struct built a, b;
	struct rib_entry e;
	struct path *best;
	size_t i;
	int order;

	(void)state;
	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		for (order = 0; order < 2; order++) {
			build(&a, &steps[i].a, 1);
			build(&b, &steps[i].b, 2);
			memset(&e, 0, sizeof(e));
			if (order == 0) {
				e.paths = &a.path;
				a.path.next = &b.path;
			} else {
				e.paths = &b.path;
				b.path.next = &a.path;
			}
			best = decide_select(&ctx1, &e);
			if (best != &a.path || rib_best(&e) != &a.path ||
			    !a.path.best || b.path.best)
				fail_msg("%s: wrong winner (order %d)",
				    steps[i].what, order);
		}
		if (decide_cmp(&ctx1, &a.path, &b.path) >= 0 ||
		    decide_cmp(&ctx1, &b.path, &a.path) <= 0)
			fail_msg("%s: decide_cmp disagrees", steps[i].what);
		if (decide_cmp(&ctx1, &a.path, &a.path) != 0)
			fail_msg("%s: a path differs from itself",
			    steps[i].what);
	}
}

static void
test_filtered(void **state)
{
	static const struct spec good = { .lp = 500, .ebgp = 1,
	    .asns = { 1 }, .router_id = 1, .addr = 1, .filter = PATH_REJECTED };
	static const struct spec poor = { .lp = 50, .asns = { 1, 2, 3 },
	    .router_id = 9, .addr = 9 };
	struct built a, b;
	struct rib_entry e;

	(void)state;
	build(&a, &good, 1);
	build(&b, &poor, 2);
	memset(&e, 0, sizeof(e));
	e.paths = &a.path;
	a.path.next = &b.path;
	assert_ptr_equal(decide_select(&ctx1, &e), &b.path);
	assert_false(a.path.best);
	b.path.filter = PATH_LOOP_AS;
	assert_null(decide_select(&ctx1, &e));
	assert_null(rib_best(&e));
	assert_false(b.path.best);
	e.paths = NULL;
	assert_null(decide_select(&ctx1, &e));
}

/*
 * Runs specs under every order of the list; want is the winner's index,
 * marked the expected best flags.
 */
static void
permute(const char *what, const struct spec *specs, size_t n,
    const struct decide_ctx *ctx, size_t want, const int *marked)
{
	struct built b[6];
	struct rib_entry e;
	size_t idx[6], c[6], i, k, t, runs = 0;
	struct path *best;

	assert_true(n <= 6);
	for (i = 0; i < n; i++) {
		build(&b[i], &specs[i], (uint32_t)i + 1);
		idx[i] = i;
		c[i] = 0;
	}
	/* Heap's algorithm, iterative: every permutation once. */
	for (i = 0;;) {
		memset(&e, 0, sizeof(e));
		for (k = n; k-- > 0;) {
			b[idx[k]].path.next = e.paths;
			e.paths = &b[idx[k]].path;
		}
		best = decide_select(ctx, &e);
		runs++;
		if (best != &b[want].path || rib_best(&e) != best)
			fail_msg("%s: permutation %zu picked another winner",
			    what, runs);
		for (k = 0; k < n; k++)
			if (b[k].path.best != marked[k])
				fail_msg("%s: permutation %zu marks path %zu "
				    "wrongly", what, runs, k);
		while (i < n && c[i] >= i) {
			c[i] = 0;
			i++;
		}
		if (i >= n)
			break;
		k = i % 2 ? c[i] : 0;
		t = idx[k];
		idx[k] = idx[i];
		idx[i] = t;
		c[i]++;
		i = 0;
	}
	for (k = 1, i = 2; i <= n; i++)
		k *= i;
	assert_int_equal(runs, k);
}

/*
 * Pairwise, p0 beats p2 (same neighbor AS, lower MED), p2 beats p1 (MED
 * not compared, lower router ID), p1 beats p0 (router ID): a cycle. The
 * set answer is p1: MED removes p2 first. p3 is iBGP, p4 is filtered.
 */
static const struct spec med_cycle[] = {
	{ .ebgp = 1, .asns = { 100 }, .has_med = 1, .med = 10,
	  .router_id = 3, .addr = 3 },
	{ .ebgp = 1, .asns = { 200 }, .has_med = 1, .med = 5,
	  .router_id = 2, .addr = 2 },
	{ .ebgp = 1, .asns = { 100 }, .has_med = 1, .med = 20,
	  .router_id = 1, .addr = 1 },
	{ .asns = { 100 }, .router_id = 0, .addr = 4 },
	{ .lp = 900, .ebgp = 1, .asns = { 100 }, .router_id = 0, .addr = 5,
	  .filter = PATH_LOOP_AS },
};

static void
test_med_cycle(void **state)
{
	static const int marked[] = { 0, 1, 0, 0, 0 };
	struct built x, y;

	(void)state;
	/* The pairwise order really is a cycle here. */
	build(&x, &med_cycle[0], 1);
	build(&y, &med_cycle[2], 3);
	assert_true(decide_cmp(&ctx1, &x.path, &y.path) < 0);
	build(&x, &med_cycle[2], 3);
	build(&y, &med_cycle[1], 2);
	assert_true(decide_cmp(&ctx1, &x.path, &y.path) < 0);
	build(&x, &med_cycle[1], 2);
	build(&y, &med_cycle[0], 1);
	assert_true(decide_cmp(&ctx1, &x.path, &y.path) < 0);
	permute("med cycle", med_cycle, 5, &ctx1, 1, marked);
}

/* Multipath: equal through step f, same neighbor AS, at most max_paths. */
static const struct spec ecmp_set[] = {
	{ .ebgp = 1, .asns = { 100, 1 }, .router_id = 4, .addr = 4 },
	{ .ebgp = 1, .asns = { 100, 2 }, .router_id = 2, .addr = 2 },
	{ .ebgp = 1, .asns = { 100, 3 }, .router_id = 3, .addr = 3 },
	{ .ebgp = 1, .asns = { 300, 3 }, .router_id = 5, .addr = 5 },
	{ .asns = { 100, 1 }, .router_id = 1, .addr = 1 },	/* iBGP */
	{ .ebgp = 1, .asns = { 100, 1, 5 }, .router_id = 1, .addr = 6 },
};

static void
test_ecmp(void **state)
{
	static const struct decide_ctx ctx4 = { 65000, 1, 4 };
	static const struct decide_ctx ctx2 = { 65000, 1, 2 };
	static const int all[] = { 1, 1, 1, 0, 0, 0 };
	static const int two[] = { 0, 1, 1, 0, 0, 0 };
	static const int one[] = { 0, 1, 0, 0, 0, 0 };
	struct spec other[6];

	(void)state;
	permute("ecmp of 4", ecmp_set, 6, &ctx4, 1, all);
	permute("ecmp capped at 2", ecmp_set, 6, &ctx2, 1, two);
	permute("ecmp off", ecmp_set, 6, &ctx1, 1, one);
	/* When the other AS wins the tail, its group alone is marked. */
	memcpy(other, ecmp_set, sizeof(other));
	other[3].router_id = 1;
	{
		static const int only[] = { 0, 0, 0, 1, 0, 0 };

		permute("ecmp group of the winner", other, 6, &ctx4, 3, only);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_steps),
		cmocka_unit_test(test_filtered),
		cmocka_unit_test(test_med_cycle),
		cmocka_unit_test(test_ecmp),
	};

	return cmocka_run_group_tests_name("decide", tests, NULL, NULL);
}
