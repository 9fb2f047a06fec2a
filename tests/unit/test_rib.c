/*
 * test_rib.c: the Loc-RIB: update, replace, withdraw, flush and refilter
 * with the best_change hook counted and its arguments checked, per-source
 * counters, walk order, multipath set changes, and attribute references
 * returning to zero. Ends with a memory figure for a million IPv4 /24s,
 * printed for information and never asserted.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "bgp/rib.h"

struct calls {
	int			 n;
	const struct path	*old_best;
	const struct attrs	*old_attrs;
	uint32_t		 old_lp;	/* read during the call */
	const struct path	*new_best;
	struct prefix		 prefix;
};

static void
hook(void *arg, const struct rib_entry *e, const struct path *old_best,
    const struct attrs *old_attrs)
{
	struct calls *c = arg;

	c->n++;
	c->old_best = old_best;
	c->old_attrs = old_attrs;
	c->old_lp = old_attrs != NULL ? old_attrs->local_pref : 0;
	c->new_best = rib_best(e);
	c->prefix = rib_prefix(e);
	/* The hook sees a consistent entry. */
	if (rib_best(e) != NULL && !rib_best(e)->best)
		fail_msg("best path not marked");
	if ((old_best == NULL) != (old_attrs == NULL))
		fail_msg("old_best and old_attrs disagree");
}

static const uint8_t aspath7[] = { AS_SEQUENCE, 1, 0, 0, 0, 7 };

static struct attrs *
mkattrs(uint32_t lp)
{
	struct attrs a;

	memset(&a, 0, sizeof(a));
	a.present = ATTR_P(ATTR_ORIGIN) | ATTR_P(ATTR_AS_PATH) |
	    ATTR_P(ATTR_NEXT_HOP) | ATTR_P(ATTR_LOCAL_PREF);
	a.aspath = aspath7;
	a.aspath_len = sizeof(aspath7);
	a.nexthop.af = AF_INET;
	a.nexthop.a[0] = 10;
	a.local_pref = lp;
	return attr_intern(&a);
}

static struct path_src
mksrc(uint32_t id, uint32_t rid)
{
	struct path_src s;

	memset(&s, 0, sizeof(s));
	s.id = id;
	s.name = "peer";
	s.ebgp = 1;
	s.remote_as = 7;
	s.router_id = rid;
	s.addr.af = AF_INET;
	s.addr.a[0] = 192;
	s.addr.a[3] = (uint8_t)id;
	return s;
}

static struct prefix
pfx(const char *s)
{
	struct prefix p;

	if (prefix_parse(s, &p) == -1)
		fail_msg("bad prefix %s", s);
	return p;
}

static void
test_update_withdraw(void **state)
{
	struct calls c = { 0 };
	struct rib_hooks h = { &c, hook };
	struct decide_ctx ctx = { 65000, 1, 1 };
	struct path_src s1 = mksrc(1, 1), s2 = mksrc(2, 2);
	struct prefix p = pfx("192.0.2.0/24");
	struct attrs *a100, *a200;
	const struct rib_entry *e;
	struct path *p1, *p2;
	struct rib *r;

	(void)state;
	attr_init();
	r = rib_new(&h, &ctx);
	a100 = mkattrs(100);
	a200 = mkattrs(200);

	/* A first path: best from none. */
	rib_update(r, &p, &s1, attr_ref(a100), PATH_OK);
	assert_int_equal(c.n, 1);
	assert_null(c.old_best);
	e = rib_lookup(r, &p);
	assert_non_null(e);
	p1 = rib_best(e);
	assert_ptr_equal(c.new_best, p1);
	assert_ptr_equal(p1->src, &s1);
	assert_int_equal(rib_count(r, AF_INET), 1);
	assert_int_equal(rib_paths(r, AF_INET), 1);
	assert_int_equal(s1.npaths[0], 1);
	assert_int_equal(s1.naccepted[0], 1);
	assert_int_equal(a100->refcnt, 2);

	/* The same again: no change, and the extra reference is dropped. */
	rib_update(r, &p, &s1, attr_ref(a100), PATH_OK);
	assert_int_equal(c.n, 1);
	assert_int_equal(a100->refcnt, 2);
	assert_int_equal(rib_paths(r, AF_INET), 1);

	/* A second, worse path (higher router ID): no change. */
	rib_update(r, &p, &s2, attr_ref(a100), PATH_OK);
	assert_int_equal(c.n, 1);
	assert_int_equal(rib_paths(r, AF_INET), 2);
	assert_int_equal(rib_count(r, AF_INET), 1);

	/* s2 raises LOCAL_PREF: best moves to s2. */
	rib_update(r, &p, &s2, attr_ref(a200), PATH_OK);
	assert_int_equal(c.n, 2);
	assert_ptr_equal(c.old_best, p1);
	assert_ptr_equal(c.old_attrs, a100);
	p2 = rib_best(e);
	assert_ptr_equal(p2->src, &s2);
	assert_false(p1->best);

	/* s2 replaced in place back to 100: s1 wins; old attrs readable. */
	rib_update(r, &p, &s2, attr_ref(a100), PATH_OK);
	assert_int_equal(c.n, 3);
	assert_ptr_equal(c.old_best, p2);
	assert_ptr_equal(c.old_attrs, a200);
	assert_int_equal(c.old_lp, 200);
	assert_ptr_equal(rib_best(e), p1);
	assert_int_equal(a200->refcnt, 1);

	/* s1 turns filtered: s2 takes over; counters follow. */
	rib_update(r, &p, &s1, attr_ref(a100), PATH_REJECTED);
	assert_int_equal(c.n, 4);
	assert_ptr_equal(rib_best(e), p2);
	assert_int_equal(s1.naccepted[0], 0);
	assert_int_equal(s1.npaths[0], 1);

	/* s2 goes: no usable path left, the entry stays for s1's path. */
	rib_withdraw(r, &p, &s2);
	assert_int_equal(c.n, 5);
	assert_ptr_equal(c.old_best, p2);
	assert_null(c.new_best);
	assert_non_null(rib_lookup(r, &p));
	assert_null(rib_best(rib_lookup(r, &p)));
	assert_int_equal(s2.npaths[0], 0);

	/* Withdrawing the unknown is quiet. */
	rib_withdraw(r, &p, &s2);
	rib_withdraw(r, &(struct prefix){ .af = AF_INET, .len = 8,
	    .a = { 10 } }, &s1);
	assert_int_equal(c.n, 5);

	/* The filtered path goes: no best change, the entry goes. */
	rib_withdraw(r, &p, &s1);
	assert_int_equal(c.n, 5);
	assert_null(rib_lookup(r, &p));
	assert_int_equal(rib_count(r, AF_INET), 0);
	assert_int_equal(rib_paths(r, AF_INET), 0);
	assert_int_equal(s1.npaths[0] + s1.naccepted[0], 0);

	attr_unref(a100);
	attr_unref(a200);
	assert_int_equal(attr_count(), 0);
	rib_free(r);
	attr_shutdown();
}

static uint64_t test_seed = 88172645463325252ull;

static uint32_t
test_rand(void)
{
	test_seed ^= test_seed << 13;
	test_seed ^= test_seed >> 7;
	test_seed ^= test_seed << 17;
	return (uint32_t)(test_seed >> 16);
}

struct order {
	struct prefix	 last;
	size_t		 n;
	int		 bad;
};

static int
order_cb(void *arg, const struct rib_entry *e)
{
	struct order *o = arg;
	struct prefix pfx = rib_prefix(e);

	if (o->n > 0 && prefix_cmp(&o->last, &pfx) >= 0)
		o->bad = 1;
	o->last = pfx;
	o->n++;
	return 0;
}

static enum path_filter
reject_24(void *arg, const struct prefix *p, const struct attrs *a)
{
	(void)arg;
	(void)a;
	return p->len == 24 ? PATH_REJECTED : PATH_OK;
}

static enum path_filter
accept_all(void *arg, const struct prefix *p, const struct attrs *a)
{
	(void)arg;
	(void)p;
	(void)a;
	return PATH_OK;
}

/* Counts entries without a best path; they must be the /24s. */
static int
count_unusable(void *arg, const struct rib_entry *e)
{
	size_t *n = arg;

	if (rib_best(e) == NULL) {
		if (rib_prefix(e).len != 24)
			fail_msg("a prefix other than a /24 lost its best");
		++*n;
	}
	return 0;
}

/* Two peers with many prefixes: flush one, refilter, flush the other. */
static void
test_flush_refilter(void **state)
{
	enum { N = 3000 };
	struct calls c = { 0 };
	struct rib_hooks h = { &c, hook };
	struct decide_ctx ctx = { 65000, 1, 1 };
	struct path_src s1 = mksrc(1, 1), s2 = mksrc(2, 2);
	struct attrs *a = mkattrs(100);
	struct order o = { { 0 }, 0, 0 };
	struct prefix p;
	struct rib *r;
	size_t i, n, n4, n6, n24;

	(void)state;
	r = rib_new(&h, &ctx);
	for (i = 0; i < N; i++) {
		memset(&p, 0, sizeof(p));
		p.af = i % 3 ? AF_INET : AF_INET6;
		p.len = (uint8_t)(16 + test_rand() % 9);
		p.a[0] = p.af == AF_INET ? 10 : 0x20;
		p.a[1] = (uint8_t)test_rand();
		p.a[2] = (uint8_t)test_rand();
		prefix_mask(&p);
		rib_update(r, &p, &s1, attr_ref(a), PATH_OK);
		rib_update(r, &p, &s2, attr_ref(a), PATH_OK);
	}
	n4 = rib_count(r, AF_INET);
	n6 = rib_count(r, AF_INET6);
	assert_int_equal(rib_paths(r, AF_INET), 2 * n4);
	assert_int_equal(rib_paths(r, AF_INET6), 2 * n6);
	assert_int_equal(s1.npaths[0], n4);
	assert_int_equal(s2.npaths[1], n6);
	assert_int_equal(c.n, (int)(n4 + n6));	/* once per new prefix */
	assert_int_equal(a->refcnt, 1 + 2 * (n4 + n6));
	rib_walk(r, AF_INET, order_cb, &o);
	assert_int_equal(o.bad, 0);
	assert_int_equal(o.n, n4);
	o.n = 0;
	rib_walk(r, AF_INET6, order_cb, &o);
	assert_int_equal(o.bad, 0);
	assert_int_equal(o.n, n6);

	/* Flushing the best peer moves every best to s2. */
	c.n = 0;
	rib_flush_src(r, &s1);
	assert_int_equal(c.n, (int)(n4 + n6));
	assert_int_equal(s1.npaths[0] + s1.npaths[1], 0);
	assert_int_equal(s1.naccepted[0] + s1.naccepted[1], 0);
	assert_int_equal(rib_count(r, AF_INET), n4);
	assert_int_equal(rib_paths(r, AF_INET), n4);

	/* Refilter: the /24s go (their only path is filtered now). */
	c.n = 0;
	rib_refilter_src(r, &s2, reject_24, NULL);
	n24 = (size_t)c.n;
	assert_true(n24 > 0);
	n = 0;
	rib_walk(r, AF_INET, count_unusable, &n);
	rib_walk(r, AF_INET6, count_unusable, &n);
	assert_int_equal(n, n24);
	assert_int_equal(s2.npaths[0] + s2.npaths[1], n4 + n6);
	assert_int_equal(s2.naccepted[0] + s2.naccepted[1], n4 + n6 - n24);
	/* Refiltering to the same verdicts changes nothing. */
	c.n = 0;
	rib_refilter_src(r, &s2, reject_24, NULL);
	assert_int_equal(c.n, 0);
	rib_refilter_src(r, &s2, accept_all, NULL);
	assert_int_equal(c.n, (int)n24);
	assert_int_equal(s2.naccepted[0] + s2.naccepted[1], n4 + n6);

	c.n = 0;
	rib_flush_src(r, &s2);
	assert_int_equal(c.n, (int)(n4 + n6));
	assert_int_equal(rib_count(r, AF_INET) + rib_count(r, AF_INET6), 0);
	assert_int_equal(a->refcnt, 1);
	assert_int_equal(rib_bytes(r) < 4096, 1);	/* slabs released */
	attr_unref(a);
	rib_free(r);
	attr_shutdown();
}

/* Multipath: the hook hears of ECMP set changes, also when shrinking. */
static void
test_ecmp_changes(void **state)
{
	struct calls c = { 0 };
	struct rib_hooks h = { &c, hook };
	struct decide_ctx ctx = { 65000, 1, 4 };
	struct path_src s1 = mksrc(1, 1), s2 = mksrc(2, 2), s3 = mksrc(3, 3);
	struct prefix p = pfx("2001:db8::/32");
	struct attrs *a = mkattrs(100), *b = mkattrs(50);
	const struct rib_entry *e;
	struct path *p1;
	struct rib *r;

	(void)state;
	r = rib_new(&h, &ctx);
	rib_update(r, &p, &s1, attr_ref(a), PATH_OK);
	assert_int_equal(c.n, 1);
	e = rib_lookup(r, &p);
	p1 = rib_best(e);
	/* An equal path joins the set: primary unchanged, still a change. */
	rib_update(r, &p, &s2, attr_ref(a), PATH_OK);
	assert_int_equal(c.n, 2);
	assert_ptr_equal(c.old_best, p1);
	assert_ptr_equal(rib_best(e), p1);
	assert_true(e->paths->best && e->paths->next->best);
	/* A worse path is no member: nothing to tell. */
	rib_update(r, &p, &s3, attr_ref(b), PATH_OK);
	assert_int_equal(c.n, 2);
	/* max_paths down to 1: the set shrinks, the hook hears it. */
	ctx.max_paths = 1;
	rib_set_ctx(r, &ctx);
	assert_int_equal(c.n, 3);
	assert_ptr_equal(rib_best(e), p1);
	/* The same context again is no change. */
	rib_set_ctx(r, &ctx);
	assert_int_equal(c.n, 3);
	/* Without multipath, the non-best path's withdrawal is silent. */
	rib_withdraw(r, &p, &s2);
	assert_int_equal(c.n, 3);
	rib_flush_src(r, &s1);
	rib_flush_src(r, &s3);
	assert_int_equal(c.n, 5);
	assert_null(c.new_best);
	attr_unref(a);
	attr_unref(b);
	rib_free(r);
	attr_shutdown();
}

/*
 * A random run against a model: four sources, a few attribute sets, a few
 * dozen prefixes, random updates, withdrawals, flushes, refilters and
 * multipath changes. After every step the RIB must hold exactly the
 * model's paths and counters, and the hook must have fired exactly for the
 * prefixes whose outcome (primary, its attributes, ECMP members and their
 * attributes) changed, once each.
 */
#define M_SRC	4
#define M_PFX	48
#define M_ATTR	6

struct model_rib {
	struct rib		*r;
	struct path_src		 src[M_SRC];
	struct prefix		 pfx[M_PFX];
	struct attrs		*attr[M_ATTR];
	struct attrs		*held[M_PFX][M_SRC];	/* NULL: no path */
	uint8_t			 filt[M_PFX][M_SRC];
	struct attrs		*snap[M_PFX][M_SRC];	/* marked: attrs */
	int			 fired[M_PFX];
	int			 bad;
	uint32_t		 salt;
};

static int
m_index(const struct model_rib *m, const struct prefix *p)
{
	int i;

	for (i = 0; i < M_PFX; i++)
		if (prefix_cmp(&m->pfx[i], p) == 0)
			return i;
	return -1;
}

static void
m_hook(void *arg, const struct rib_entry *e, const struct path *old_best,
    const struct attrs *old_attrs)
{
	struct model_rib *m = arg;
	struct prefix pfx = rib_prefix(e);
	int i = m_index(m, &pfx);

	(void)old_best;
	(void)old_attrs;
	if (i < 0 || m->fired[i]++)
		m->bad = 1;
}

/* What the outcome of prefix i is now: per source, marked attrs or NULL. */
static void
m_outcome(struct model_rib *m, int i, struct attrs *out[M_SRC])
{
	const struct rib_entry *e = rib_lookup(m->r, &m->pfx[i]);
	const struct path *p;
	int k;

	memset(out, 0, sizeof(struct attrs *) * M_SRC);
	if (e == NULL)
		return;
	for (p = e->paths; p != NULL; p = p->next)
		if (p->best)
			for (k = 0; k < M_SRC; k++)
				if (p->src == &m->src[k])
					out[k] = path_attrs(p);
	/* The primary, told apart by a marker no attrs pointer can be. */
	if (rib_best(e) != NULL && out[rib_best(e)->src->id - 1] == NULL)
		m->bad = 1;
}

static void
m_snapshot(struct model_rib *m)
{
	int i;

	for (i = 0; i < M_PFX; i++) {
		m_outcome(m, i, m->snap[i]);
		m->fired[i] = 0;
	}
}

/* After a step: paths, counters and hook calls against the model. */
static void
m_check(struct model_rib *m, size_t step)
{
	struct attrs *now[M_SRC];
	const struct rib_entry *e;
	const struct path *p;
	size_t npaths[2] = { 0, 0 }, srcp[M_SRC][2], srca[M_SRC][2];
	int i, k, n, changed, usable, afi;

	memset(srcp, 0, sizeof(srcp));
	memset(srca, 0, sizeof(srca));
	for (i = 0; i < M_PFX; i++) {
		afi = m->pfx[i].af == AF_INET ? 0 : 1;
		e = rib_lookup(m->r, &m->pfx[i]);
		for (n = 0, usable = 0, k = 0; k < M_SRC; k++) {
			if (m->held[i][k] == NULL)
				continue;
			n++;
			npaths[afi]++;
			srcp[k][afi]++;
			if (m->filt[i][k] == PATH_OK) {
				usable = 1;
				srca[k][afi]++;
			}
		}
		if ((e == NULL) != (n == 0))
			fail_msg("step %zu: entry presence wrong", step);
		for (p = e != NULL ? e->paths : NULL; p != NULL; p = p->next) {
			k = (int)p->src->id - 1;
			if (m->held[i][k] != path_attrs(p) ||
			    m->filt[i][k] != p->filter)
				fail_msg("step %zu: path differs", step);
			n--;
		}
		if (n != 0)
			fail_msg("step %zu: path count differs", step);
		if (e != NULL && (rib_best(e) != NULL) != usable)
			fail_msg("step %zu: best presence wrong", step);
		m_outcome(m, i, now);
		changed = memcmp(now, m->snap[i], sizeof(now)) != 0;
		if (changed != m->fired[i])
			fail_msg("step %zu: prefix %d changed %d, hook %d", step,
			    i, changed, m->fired[i]);
	}
	assert_int_equal(rib_paths(m->r, AF_INET), npaths[0]);
	assert_int_equal(rib_paths(m->r, AF_INET6), npaths[1]);
	for (k = 0; k < M_SRC; k++)
		for (afi = 0; afi < 2; afi++)
			if (m->src[k].npaths[afi] != srcp[k][afi] ||
			    m->src[k].naccepted[afi] != srca[k][afi])
				fail_msg("step %zu: source counters", step);
	assert_int_equal(m->bad, 0);
}

static enum path_filter
m_refilter(void *arg, const struct prefix *p, const struct attrs *a)
{
	struct model_rib *m = arg;
	uint32_t h = m->salt ^ p->a[1] * 2654435761u ^ p->len ^
	    (uint32_t)(uintptr_t)a;

	return (h >> 7) % 3 == 0 ? PATH_REJECTED : PATH_OK;
}

static void
test_model(void **state)
{
	static struct model_rib m;
	struct decide_ctx ctx = { 65000, 1, 1 };
	struct rib_hooks h = { &m, m_hook };
	struct attrs a;
	uint8_t paths[M_ATTR][10];
	size_t step;
	int i, k, op, x;

	(void)state;
	memset(&m, 0, sizeof(m));
	m.r = rib_new(&h, &ctx);
	for (k = 0; k < M_SRC; k++)
		m.src[k] = mksrc((uint32_t)k + 1, (uint32_t)(k % 2) + 1);
	for (i = 0; i < M_PFX; i++) {
		memset(&m.pfx[i], 0, sizeof(m.pfx[i]));
		m.pfx[i].af = i % 3 ? AF_INET : AF_INET6;
		/* Groups of four nested prefixes, /8 to /32. */
		m.pfx[i].a[0] = (uint8_t)(10 + i / 4);
		m.pfx[i].a[1] = (uint8_t)i;
		m.pfx[i].a[2] = (uint8_t)i;
		m.pfx[i].a[3] = (uint8_t)i;
		m.pfx[i].len = (uint8_t)(8 + 8 * (i % 4));
		prefix_mask(&m.pfx[i]);
	}
	/*
	 * Sets 0 and 5 tie (next hops differ); 1-4 differ in LOCAL_PREF, MED,
	 * path length, neighbor AS.
	 */
	for (x = 0; x < M_ATTR; x++) {
		memset(&a, 0, sizeof(a));
		paths[x][0] = AS_SEQUENCE;
		paths[x][1] = x == 3 ? 2 : 1;
		memset(paths[x] + 2, 0, 8);
		paths[x][5] = (uint8_t)(x == 4 ? 9 : 7);
		a.present = ATTR_P(ATTR_ORIGIN) | ATTR_P(ATTR_AS_PATH) |
		    ATTR_P(ATTR_MED);
		a.aspath = paths[x];
		a.aspath_len = (uint16_t)(2 + 4 * paths[x][1]);
		a.med = x == 2 ? 5 : 0;
		a.local_pref = 0;
		if (x == 1) {
			a.present |= ATTR_P(ATTR_LOCAL_PREF);
			a.local_pref = 150;
		}
		a.nexthop.af = AF_INET;
		a.nexthop.a[3] = (uint8_t)x;
		m.attr[x] = attr_intern(&a);
	}
	for (step = 0; step < 30000; step++) {
		m_snapshot(&m);
		op = (int)(test_rand() % 100);
		i = (int)(test_rand() % M_PFX);
		k = (int)(test_rand() % M_SRC);
		x = (int)(test_rand() % M_ATTR);
		if (op < 60) {
			uint8_t f = test_rand() % 5 ? PATH_OK : PATH_REJECTED;

			rib_update(m.r, &m.pfx[i], &m.src[k],
			    attr_ref(m.attr[x]), f);
			m.held[i][k] = m.attr[x];
			m.filt[i][k] = f;
		} else if (op < 92) {
			rib_withdraw(m.r, &m.pfx[i], &m.src[k]);
			m.held[i][k] = NULL;
		} else if (op < 94) {
			rib_flush_src(m.r, &m.src[k]);
			for (i = 0; i < M_PFX; i++)
				m.held[i][k] = NULL;
		} else if (op < 97) {
			m.salt = test_rand();
			rib_refilter_src(m.r, &m.src[k], m_refilter, &m);
			for (i = 0; i < M_PFX; i++)
				if (m.held[i][k] != NULL)
					m.filt[i][k] = (uint8_t)m_refilter(&m,
					    &m.pfx[i], m.held[i][k]);
		} else {
			ctx.max_paths = 1u << (test_rand() % 3);
			rib_set_ctx(m.r, &ctx);
		}
		m_check(&m, step);
	}
	for (k = 0; k < M_SRC; k++)
		rib_flush_src(m.r, &m.src[k]);
	for (x = 0; x < M_ATTR; x++)
		attr_unref(m.attr[x]);
	assert_int_equal(attr_count(), 0);
	rib_free(m.r);
	attr_shutdown();
}

/* Runs fn in a child with stderr discarded; 1 when it aborted. */
static int
aborts(void (*fn)(void))
{
	pid_t pid;
	int st, fd;

	if ((pid = fork()) == 0) {
		if ((fd = open("/dev/null", O_WRONLY)) >= 0)
			dup2(fd, 2);
		fn();
		_exit(0);
	}
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	return WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT;
}

static void
free_with_paths(void)
{
	struct decide_ctx ctx = { 65000, 1, 1 };
	struct path_src s = mksrc(1, 1);
	struct prefix p = pfx("10.0.0.0/8");
	struct rib *r = rib_new(NULL, &ctx);

	rib_update(r, &p, &s, mkattrs(100), PATH_OK);
	rib_free(r);
}

static void
free_empty(void)
{
	struct decide_ctx ctx = { 65000, 1, 1 };
	struct path_src s = mksrc(1, 1);
	struct prefix p = pfx("10.0.0.0/8");
	struct rib *r = rib_new(NULL, &ctx);

	rib_update(r, &p, &s, mkattrs(100), PATH_OK);
	rib_withdraw(r, &p, &s);
	rib_free(r);
	attr_shutdown();
}

/* A RIB freed with paths in it is a bug: abort. Empty, it is fine. */
static void
test_free_checks(void **state)
{
	(void)state;
	assert_true(aborts(free_with_paths));
	assert_false(aborts(free_empty));
}

/* The per-allocator figures add up to what the trie and paths hold. */
static void
test_mem(void **state)
{
	struct decide_ctx ctx = { 65000, 1, 1 };
	struct path_src s1 = mksrc(1, 1), s2 = mksrc(2, 2);
	struct prefix p4a = pfx("10.0.0.0/24"), p4b = pfx("10.0.1.0/24"),
	    p6 = pfx("2001:db8::/48");
	struct attrs *a = mkattrs(100);
	struct rib_mem m[RIB_NMEM + 1];
	struct rib *r = rib_new(NULL, &ctx);
	size_t i, bytes = 0;

	(void)state;
	rib_update(r, &p4a, &s1, attr_ref(a), PATH_OK);
	rib_update(r, &p4b, &s1, attr_ref(a), PATH_OK);
	rib_update(r, &p4b, &s2, attr_ref(a), PATH_OK);
	rib_update(r, &p6, &s1, attr_ref(a), PATH_OK);
	assert_int_equal(rib_mem(r, m, RIB_NMEM + 1), RIB_NMEM);
	for (i = 0; i < RIB_NMEM; i++) {
		bytes += m[i].bytes;
		if (strcmp(m[i].name, "radix4") == 0)
			assert_int_equal(m[i].objects, 2);
		else if (strcmp(m[i].name, "radix4_glue") == 0)
			assert_int_equal(m[i].objects, 1);
		else if (strcmp(m[i].name, "radix6") == 0)
			assert_int_equal(m[i].objects, 1);
		else if (strcmp(m[i].name, "radix6_glue") == 0)
			assert_int_equal(m[i].objects, 0);
		else if (strcmp(m[i].name, "path") == 0)
			assert_int_equal(m[i].objects, 4);
		else
			fail_msg("unknown allocator %s", m[i].name);
	}
	assert_true(bytes > 0 && bytes < rib_bytes(r));
	rib_flush_src(r, &s1);
	rib_flush_src(r, &s2);
	rib_mem(r, m, RIB_NMEM);
	for (i = 0; i < RIB_NMEM; i++)
		assert_int_equal(m[i].objects + m[i].bytes, 0);
	attr_unref(a);
	rib_free(r);
	attr_shutdown();
}

/* Information for the team, not a test of speed or size: never asserted. */
static void
test_bytes_per_prefix(void **state)
{
	enum { N = 1000000 };
	struct decide_ctx ctx = { 65000, 1, 1 };
	struct path_src s = mksrc(1, 1);
	struct attrs *a = mkattrs(100);
	struct timespec t0, t1;
	struct prefix p;
	struct rib *r;
	size_t i, n;

	(void)state;
	r = rib_new(NULL, &ctx);
	/* CPU time: on a shared machine wall time mostly measures others. */
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t0);
	for (i = 0; i < N; i++) {
		memset(&p, 0, sizeof(p));
		p.af = AF_INET;
		p.len = 24;
		p.a[0] = (uint8_t)(1 + test_rand() % 223);
		p.a[1] = (uint8_t)test_rand();
		p.a[2] = (uint8_t)test_rand();
		rib_update(r, &p, &s, attr_ref(a), PATH_OK);
	}
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t1);
	n = rib_count(r, AF_INET);
	printf("rib: %zu random IPv4 /24s, one path each: %.1f MB, "
	    "%.1f bytes per prefix, %.0f CPU ns per update\n", n,
	    rib_bytes(r) / 1e6, (double)rib_bytes(r) / (double)n,
	    ((t1.tv_sec - t0.tv_sec) * 1e9 + (t1.tv_nsec - t0.tv_nsec)) / N);
	rib_flush_src(r, &s);
	assert_int_equal(rib_count(r, AF_INET), 0);
	attr_unref(a);
	rib_free(r);
	attr_shutdown();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_update_withdraw),
		cmocka_unit_test(test_flush_refilter),
		cmocka_unit_test(test_ecmp_changes),
		cmocka_unit_test(test_model),
		cmocka_unit_test(test_free_checks),
		cmocka_unit_test(test_mem),
		cmocka_unit_test(test_bytes_per_prefix),
	};

	return cmocka_run_group_tests_name("rib", tests, NULL, NULL);
}
