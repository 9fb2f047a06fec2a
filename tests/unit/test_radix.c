/*
 * test_radix.c: the prefix trie against a sorted-array reference: insert,
 * delete, walk order, exact lookup and longest-prefix match, with random
 * prefixes of both families and a table of hand-picked shapes.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "bgp/radix.h"

/* The owner's bytes first, to check that the trie keeps off them. */
struct payload {
	uint32_t	 tag;
	uint8_t		 key[2 + 16 + RADIX_LINKS];	/* the trie's */
};
#define PL_KEY_OFF	offsetof(struct payload, key)

static int
pl_cmp(const struct payload *pl, const struct prefix *p)
{
	struct prefix k = radix_key_prefix(pl->key);

	return prefix_cmp(&k, p);
}

struct ref {				/* the reference: a sorted array */
	struct prefix	*v;
	size_t		 n;
};

static uint64_t test_seed = 0x9e3779b97f4a7c15ull;

static uint32_t
test_rand(void)
{
	test_seed ^= test_seed << 13;
	test_seed ^= test_seed >> 7;
	test_seed ^= test_seed << 17;
	return (uint32_t)(test_seed >> 11);
}

/* Random prefix, biased to a small space so that keys nest and collide. */
static struct prefix
test_rand_prefix(int af)
{
	struct prefix p;
	unsigned i, bits = addr_bits(af);

	memset(&p, 0, sizeof(p));
	p.af = (uint8_t)af;
	for (i = 0; i < addr_bytes(af); i++)
		p.a[i] = (uint8_t)test_rand();
	p.a[0] &= 0x0f;			/* dense near the root */
	p.len = (uint8_t)(test_rand() % (bits + 1));
	if (test_rand() % 2)
		p.len = (uint8_t)(p.len % 24);
	prefix_mask(&p);
	return p;
}

/* Index of p in the sorted reference, or where it would go (*found 0). */
static size_t
ref_pos(const struct ref *r, const struct prefix *p, int *found)
{
	size_t lo = 0, hi = r->n, mid;
	int c;

	*found = 0;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if ((c = prefix_cmp(&r->v[mid], p)) == 0) {
			*found = 1;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static ssize_t
ref_find(const struct ref *r, const struct prefix *p)
{
	int found;
	size_t at = ref_pos(r, p, &found);

	return found ? (ssize_t)at : -1;
}

static void
ref_add(struct ref *r, const struct prefix *p)
{
	int found;
	size_t at = ref_pos(r, p, &found);

	memmove(&r->v[at + 1], &r->v[at], (r->n - at) * sizeof(*r->v));
	r->v[at] = *p;
	r->n++;
}

static void
ref_del(struct ref *r, size_t at)
{
	memmove(&r->v[at], &r->v[at + 1], (r->n - at - 1) * sizeof(*r->v));
	r->n--;
}

struct walk_state {
	const struct ref	*ref;
	size_t			 i;
	int			 bad;
};

static int
walk_cb(void *arg, void *payload)
{
	struct walk_state *w = arg;
	struct payload *pl = payload;

	if (w->i >= w->ref->n || pl_cmp(pl, &w->ref->v[w->i]) != 0)
		w->bad = 1;
	w->i++;
	return 0;
}

/* The trie holds exactly the reference set, in the reference's order. */
static void
check_against(struct radix *t, struct ref *r)
{
	struct walk_state w = { r, 0, 0 };

	assert_int_equal(radix_count(t), r->n);
	radix_walk(t, walk_cb, &w);
	assert_int_equal(w.bad, 0);
	assert_int_equal(w.i, r->n);
}

/* Brute-force longest match in the reference. */
static const struct prefix *
ref_match(const struct ref *r, const struct prefix *p)
{
	const struct prefix *best = NULL;
	size_t i;

	for (i = 0; i < r->n; i++)
		if (prefix_contains(&r->v[i], p) &&
		    (best == NULL || r->v[i].len > best->len))
			best = &r->v[i];
	return best;
}

static void
random_family(int af, unsigned rounds)
{
	struct radix t;
	struct ref r = { calloc(rounds, sizeof(struct prefix)), 0 };
	struct prefix p;
	const struct prefix *want;
	struct payload *pl, *got;
	unsigned i;
	int created;
	ssize_t at;

	radix_init(&t, af, sizeof(struct payload), PL_KEY_OFF);
	for (i = 0; i < rounds; i++) {
		p = test_rand_prefix(af);
		at = ref_find(&r, &p);
		if (at >= 0 && test_rand() % 3 == 0) {
			pl = radix_lookup(&t, &p);
			assert_non_null(pl);
			assert_int_equal(pl->tag, p.len + 1000u);
			radix_delete(&t, pl);
			ref_del(&r, (size_t)at);
			assert_null(radix_lookup(&t, &p));
		} else {
			pl = radix_insert(&t, &p, &created);
			assert_int_equal(created, at < 0);
			assert_int_equal(pl_cmp(pl, &p), 0);
			if (created) {
				pl->tag = p.len + 1000u;
				ref_add(&r, &p);
			}
		}
		if (i % 97 == 0)
			check_against(&t, &r);
	}
	check_against(&t, &r);
	for (i = 0; i < 2000; i++) {
		p = test_rand_prefix(af);
		if (i % 2)
			p.len = (uint8_t)addr_bits(af);
		want = ref_match(&r, &p);
		got = radix_match(&t, &p);
		if (want == NULL)
			assert_null(got);
		else {
			assert_non_null(got);
			assert_int_equal(pl_cmp(got, want), 0);
		}
		pl = radix_lookup(&t, &p);
		assert_int_equal(pl != NULL, ref_find(&r, &p) >= 0);
	}
	/* Empty it in random order. */
	while (r.n > 0) {
		at = test_rand() % r.n;
		pl = radix_lookup(&t, &r.v[at]);
		assert_non_null(pl);
		radix_delete(&t, pl);
		ref_del(&r, (size_t)at);
		if (r.n % 53 == 0)
			check_against(&t, &r);
	}
	assert_int_equal(radix_count(&t), 0);
	assert_int_equal(t.root[0] | t.root[1] | t.root[2], 0);
	assert_null(t.top);
	assert_int_equal(slab_inuse(&t.enodes) + slab_inuse(&t.gnodes), 0);
	assert_int_equal(radix_bytes(&t), 0);
	radix_fini(&t);
	free(r.v);
}

static void
test_random_v4(void **state)
{
	(void)state;
	random_family(AF_INET, 20000);
}

static void
test_random_v6(void **state)
{
	(void)state;
	random_family(AF_INET6, 20000);
}

/* Hand-picked shapes: nested, siblings, glue turned into a prefix. */
static const struct {
	const char	*what;
	const char	*insert[8];
	const char	*remove[4];
	const char	*order[8];
	const char	*lpm_in, *lpm_out;
} shapes[] = {
	{ "nested chain",
	  { "10.0.0.0/8", "10.1.0.0/16", "10.1.2.0/24", "0.0.0.0/0" },
	  { NULL }, { "0.0.0.0/0", "10.0.0.0/8", "10.1.0.0/16",
	  "10.1.2.0/24" }, "10.1.2.3/32", "10.1.2.0/24" },
	{ "siblings need glue, then glue becomes a prefix",
	  { "10.0.0.0/24", "10.0.1.0/24", "10.0.0.0/23" }, { NULL },
	  { "10.0.0.0/23", "10.0.0.0/24", "10.0.1.0/24" },
	  "10.0.1.7/32", "10.0.1.0/24" },
	{ "removing a prefix with two children leaves glue",
	  { "10.0.0.0/24", "10.0.1.0/24", "10.0.0.0/23" },
	  { "10.0.0.0/23" }, { "10.0.0.0/24", "10.0.1.0/24" },
	  "10.0.2.1/32", NULL },
	{ "same address, different lengths",
	  { "192.0.2.0/32", "192.0.2.0/24", "192.0.2.0/28", "192.0.2.0/30" },
	  { "192.0.2.0/28" }, { "192.0.2.0/24", "192.0.2.0/30",
	  "192.0.2.0/32" }, "192.0.2.9/32", "192.0.2.0/24" },
	{ "default route only", { "0.0.0.0/0" }, { NULL }, { "0.0.0.0/0" },
	  "203.0.113.1/32", "0.0.0.0/0" },
	{ "IPv6 /128 and /48 and /32",
	  { "2001:db8::1/128", "2001:db8:1::/48", "2001:db8::/32" },
	  { "2001:db8::/32" }, { "2001:db8::1/128", "2001:db8:1::/48" },
	  "2001:db8:1:2::5/128", "2001:db8:1::/48" },
	{ "host bits are cleared on insert", { "10.1.2.3/8" }, { NULL },
	  { "10.0.0.0/8" }, "10.200.0.0/16", "10.0.0.0/8" },
};

struct order_state {
	const char *const	*order;
	size_t			 i;
	int			 bad;
};

static int
order_cb(void *arg, void *payload)
{
	struct order_state *o = arg;
	struct prefix want;

	if (o->order[o->i] == NULL ||
	    prefix_parse(o->order[o->i], &want) == -1 ||
	    pl_cmp(payload, &want) != 0)
		o->bad = 1;
	o->i++;
	return 0;
}

static void
test_shapes(void **state)
{
	struct prefix p;
	struct payload *pl;
	struct radix t;
	size_t i, j;
	int created;

	(void)state;
	for (i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++) {
		struct order_state o = { shapes[i].order, 0, 0 };
		int af;

		assert_int_equal(prefix_parse_loose(shapes[i].insert[0], &p), 0);
		af = p.af;
		radix_init(&t, af, sizeof(struct payload), PL_KEY_OFF);
		for (j = 0; shapes[i].insert[j] != NULL; j++) {
			assert_int_equal(prefix_parse_loose(shapes[i].insert[j],
			    &p), 0);
			radix_insert(&t, &p, &created);
			assert_int_equal(created, 1);
		}
		for (j = 0; shapes[i].remove[j] != NULL; j++) {
			assert_int_equal(prefix_parse(shapes[i].remove[j], &p),
			    0);
			pl = radix_lookup(&t, &p);
			assert_non_null(pl);
			radix_delete(&t, pl);
		}
		radix_walk(&t, order_cb, &o);
		if (o.bad || shapes[i].order[o.i] != NULL)
			fail_msg("%s: walk order wrong", shapes[i].what);
		assert_int_equal(prefix_parse(shapes[i].lpm_in, &p), 0);
		pl = radix_match(&t, &p);
		if (shapes[i].lpm_out == NULL) {
			if (pl != NULL)
				fail_msg("%s: unexpected match", shapes[i].what);
		} else {
			struct prefix want;

			assert_int_equal(prefix_parse(shapes[i].lpm_out, &want),
			    0);
			if (pl == NULL || pl_cmp(pl, &want) != 0)
				fail_msg("%s: wrong longest match",
				    shapes[i].what);
		}
		radix_fini(&t);
	}
}

struct del_state {
	struct radix	*t;
	size_t		 seen;
};

static int
del_cb(void *arg, void *payload)
{
	struct del_state *d = arg;

	d->seen++;
	radix_delete(d->t, payload);
	return 0;
}

static int
first_cb(void *arg, void *payload)
{
	struct payload **first = arg;

	*first = payload;
	return 1;
}

static int
stop_cb(void *arg, void *payload)
{
	size_t *n = arg;

	(void)payload;
	return ++*n == 10 ? 7 : 0;
}

/* A walk may delete what it is given; a non-zero return stops it. */
static void
test_walk_delete(void **state)
{
	struct radix t;
	struct prefix p;
	struct del_state d = { &t, 0 };
	size_t i, n = 0, inserted = 0;
	int created;

	(void)state;
	radix_init(&t, AF_INET, sizeof(struct payload), PL_KEY_OFF);
	for (i = 0; i < 5000; i++) {
		p = test_rand_prefix(AF_INET);
		radix_insert(&t, &p, &created);
		inserted += (size_t)created;
	}
	assert_int_equal(radix_walk(&t, stop_cb, &n), 7);
	assert_int_equal(n, 10);
	radix_walk(&t, del_cb, &d);
	assert_int_equal(d.seen, inserted);
	assert_int_equal(radix_count(&t), 0);
	assert_int_equal(t.root[0] | t.root[1] | t.root[2], 0);
	assert_null(t.top);
	radix_fini(&t);
}

/* A full trie refuses new prefixes, still finds old ones, and recovers. */
static void
test_full(void **state)
{
	struct radix t;
	struct prefix p, q;
	struct payload *pl;
	size_t i;
	int created;

	(void)state;
	radix_init(&t, AF_INET, sizeof(struct payload), PL_KEY_OFF);
	t.max = 50;
	for (i = 0; i < 1000 && radix_count(&t) < 50; i++) {
		p = test_rand_prefix(AF_INET);
		radix_insert(&t, &p, &created);
	}
	assert_int_equal(radix_count(&t), 50);
	p = test_rand_prefix(AF_INET);
	while (radix_lookup(&t, &p) != NULL)
		p = test_rand_prefix(AF_INET);
	assert_null(radix_insert(&t, &p, &created));
	assert_int_equal(created, 0);
	assert_int_equal(radix_count(&t), 50);
	/* What is there is still there, also through insert. */
	pl = NULL;
	radix_walk(&t, first_cb, &pl);
	assert_non_null(pl);
	q = radix_key_prefix(pl->key);
	assert_ptr_equal(radix_insert(&t, &q, &created), pl);
	assert_int_equal(created, 0);
	/* One out, one in. */
	radix_delete(&t, pl);
	assert_non_null(radix_insert(&t, &p, &created));
	assert_int_equal(created, 1);
	assert_int_equal(radix_count(&t), 50);
	radix_fini(&t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shapes),
		cmocka_unit_test(test_random_v4),
		cmocka_unit_test(test_random_v6),
		cmocka_unit_test(test_walk_delete),
		cmocka_unit_test(test_full),
	};

	return cmocka_run_group_tests_name("radix", tests, NULL, NULL);
}
