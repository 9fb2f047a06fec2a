/*
 * rib.c: the Loc-RIB with every received path kept (RFC 4271 3.2, 9.1).
 *
 * Per family a radix trie whose payload is the struct rib_entry itself;
 * paths come from one slab. After every change to an entry the decision
 * runs again over that entry only, and best_change fires when its outcome
 * changed: another primary, new attributes on it, or (with multipath) a
 * different ECMP set. A path leaving the RIB is unlinked first and freed
 * after the hook ran, so the hook can still read what was best.
 *
 * Whole-RIB operations (flush, refilter, a new decision context) walk
 * everything in one go; spreading them over loop turns is for the caller.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bgp/log.h"
#include "bgp/radix.h"
#include "bgp/rib.h"
#include "bgp/slab.h"

_Static_assert(sizeof(struct path) == 24, "struct path grew");

/* The entry is the trie node: its packed key and the links end it. */
#define RIB_KEY_OFF	offsetof(struct rib_entry, key)
#define RIB_ENTRY_SIZE(af) \
	((RIB_KEY_OFF + RADIX_KEY(af) + RADIX_LINKS + 7) & ~(size_t)7)

struct rib {
	struct rib_hooks	 hooks;
	struct decide_ctx	 ctx;
	struct radix		 t[2];		/* by family index */
	struct slab		 paths;
	size_t			 npaths[2];
};

/*
 * The table of sets paths name (rib.h). One for the process: decide.c and
 * the RIB's readers reach a path's set without a RIB at hand, and a set
 * named by paths of two RIBs is simply counted twice. Found by pointer
 * through an open-addressing map of indices.
 */
#define RIB_SET_MAX	0xffffffu	/* 3-byte indices, 0 meaning none */

struct rib_set		*rib_sets;
static uint32_t		 rib_nsets = 1;	/* first index never used */
static uint32_t		 rib_csets;
static uint32_t		 rib_free_set;	/* free list head, 0: empty */
static uint32_t		*rib_smap;
static size_t		 rib_smap_cap, rib_smap_used;

static inline size_t
rib_set_home(const struct attrs *a)
{
	uint64_t h = (uint64_t)(uintptr_t)a * 0x9e3779b97f4a7c15ull;

	return (size_t)(h >> 32) & (rib_smap_cap - 1);
}

/* The map slot holding a's index, or the free slot where it would go. */
static size_t
rib_set_slot(const struct attrs *a)
{
	size_t i = rib_set_home(a);

	while (rib_smap[i] != 0 && rib_sets[rib_smap[i]].a != a)
		i = (i + 1) & (rib_smap_cap - 1);
	return i;
}

static void
rib_set_rehash(void)
{
	uint32_t *old = rib_smap;
	size_t ocap = rib_smap_cap, i;

	rib_smap_cap = ocap ? ocap * 2 : 1024;
	if ((rib_smap = calloc(rib_smap_cap, sizeof(*rib_smap))) == NULL)
		fatal("%s: out of memory", __func__);
	for (i = 0; i < ocap; i++)
		if (old[i] != 0)
			rib_smap[rib_set_slot(rib_sets[old[i]].a)] = old[i];
	free(old);
}

static uint32_t
rib_set_new(void)
{
	struct rib_set *ns;
	uint32_t idx, n;

	if ((idx = rib_free_set) != 0) {
		rib_free_set = rib_sets[idx].n;
		return idx;
	}
	/* As out of memory: 2^24 live sets are gigabytes of them. */
	if (rib_nsets > RIB_SET_MAX)
		fatal("%s: more than %u attribute sets", __func__,
		    RIB_SET_MAX);
	if (rib_nsets >= rib_csets) {
		n = rib_csets ? rib_csets * 2 : 1024;
		if ((ns = realloc(rib_sets, n * sizeof(*ns))) == NULL)
			fatal("%s: out of memory", __func__);
		rib_sets = ns;
		rib_csets = n;
	}
	return rib_nsets++;
}

uint32_t
rib_set_ref(struct attrs *a)
{
	uint32_t idx;
	size_t i;

	if ((rib_smap_used + 1) * 2 > rib_smap_cap)
		rib_set_rehash();
	i = rib_set_slot(a);
	if ((idx = rib_smap[i]) != 0) {
		rib_sets[idx].n++;
		return idx;
	}
	idx = rib_set_new();
	rib_sets[idx].a = a;
	rib_sets[idx].n = 1;
	rib_smap[i] = idx;
	rib_smap_used++;
	return idx;
}

void
rib_set_unref(uint32_t idx)
{
	size_t i, j, k, mask = rib_smap_cap - 1;

	if (idx == 0 || idx >= rib_nsets || rib_sets[idx].a == NULL ||
	    rib_sets[idx].n == 0)
		fatal("%s: bad set index %u", __func__, idx);
	if (--rib_sets[idx].n > 0)
		return;
	/* Out of the map, shifting later members of its run back. */
	i = rib_set_slot(rib_sets[idx].a);
	rib_smap_used--;
	for (j = (i + 1) & mask; rib_smap[j] != 0; j = (j + 1) & mask) {
		k = rib_set_home(rib_sets[rib_smap[j]].a);
		if ((j > i && (k <= i || k > j)) ||
		    (j < i && k <= i && k > j)) {
			rib_smap[i] = rib_smap[j];
			i = j;
		}
	}
	rib_smap[i] = 0;
	rib_sets[idx].a = NULL;
	rib_sets[idx].n = rib_free_set;
	rib_free_set = idx;
	/* Like the slabs: the last one out releases the table. */
	if (rib_smap_used == 0) {
		free(rib_smap);
		free(rib_sets);
		rib_smap = NULL;
		rib_sets = NULL;
		rib_smap_cap = 0;
		rib_nsets = 1;
		rib_csets = rib_free_set = 0;
	}
}

static size_t
rib_set_bytes(void)
{
	return rib_csets * sizeof(*rib_sets) +
	    rib_smap_cap * sizeof(*rib_smap);
}

static int
rib_afi(int af)
{
	if (af == AF_INET)
		return 0;
	if (af == AF_INET6)
		return 1;
	fatal("rib_afi: address family %d", af);
}

static uint32_t
rib_now(void)
{
	struct timespec ts;

	/* Seconds are all we keep: the coarse clock is enough and cheap. */
	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (uint32_t)ts.tv_sec;
}

struct rib *
rib_new(const struct rib_hooks *hooks, const struct decide_ctx *ctx)
{
	struct rib *r;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		fatal("%s: out of memory", __func__);
	if (hooks != NULL)
		r->hooks = *hooks;
	r->ctx = *ctx;
	radix_init(&r->t[0], AF_INET, RIB_ENTRY_SIZE(AF_INET), RIB_KEY_OFF);
	radix_init(&r->t[1], AF_INET6, RIB_ENTRY_SIZE(AF_INET6),
	    RIB_KEY_OFF);
	slab_init(&r->paths, "path", sizeof(struct path), 8, 0);
	return r;
}

void
rib_free(struct rib *r)
{
	if (r == NULL)
		return;
	if (r->npaths[0] != 0 || r->npaths[1] != 0)
		fatal("%s: %zu IPv4 and %zu IPv6 paths left", __func__,
		    r->npaths[0], r->npaths[1]);
	radix_fini(&r->t[0]);
	radix_fini(&r->t[1]);
	slab_fini(&r->paths);
	free(r);
}

/*
 * With multipath, did the marked set change? chg is the path that changed
 * (attributes from chg_old, or gone from the list when gone is set).
 */
static int
rib_ecmp_changed(const struct rib_entry *e, const struct path *chg,
    const struct attrs *chg_old, int gone)
{
	const struct path *p;

	for (p = e->paths; p != NULL; p = p->next)
		if (p->best != p->was_best)
			return 1;
	if (chg == NULL)
		return 0;
	if (gone)
		return chg->best;
	return (chg->best || chg->was_best) && path_attrs(chg) != chg_old;
}

/*
 * Decide e again and tell the hook when the outcome changed. old is
 * rib_best(e) from before the list changed: a new path or an unlinked one
 * can move another to the head.
 */
static void
rib_decide(struct rib *r, struct rib_entry *e, struct path *old,
    struct path *chg, struct attrs *chg_old, int gone)
{
	struct path *p, *best;
	struct attrs *old_attrs = NULL;
	int fire;

	if (old != NULL)
		old_attrs = old == chg ? chg_old : path_attrs(old);
	for (p = e->paths; p != NULL; p = p->next)
		p->was_best = p->best;
	best = decide_select(&r->ctx, e);
	fire = best != old || (best != NULL && path_attrs(best) != old_attrs);
	/* Also after max_paths went down to 1: the set shrank. */
	if (!fire)
		fire = rib_ecmp_changed(e, chg, chg_old, gone);
	if (fire && r->hooks.best_change != NULL)
		r->hooks.best_change(r->hooks.arg, e, old, old_attrs);
}

static struct path **
rib_find(struct rib_entry *e, const struct path_src *src)
{
	struct path **pp;

	for (pp = &e->paths; *pp != NULL; pp = &(*pp)->next)
		if ((*pp)->src == src)
			return pp;
	return NULL;
}

void
rib_update(struct rib *r, const struct prefix *pfx, struct path_src *src,
    struct attrs *attrs, enum path_filter filter)
{
	int afi = rib_afi(pfx->af), created;
	struct rib_entry *e;
	struct path **pp, *p, *best;
	struct attrs *old;
	uint32_t oidx;
	char pb[PREFIX_STRLEN];

	if (attrs == NULL || attrs->refcnt == 0)
		fatal("%s: attributes not interned", __func__);
	if ((e = radix_insert(&r->t[afi], pfx, &created)) == NULL) {
		log_warn("RIB full, path dropped", "peer=%s prefix=%s max=%u",
		    src->name, prefix_fmt(pfx, pb, sizeof(pb)), RADIX_MAX);
		attr_unref(attrs);
		return;
	}
	if ((pp = rib_find(e, src)) != NULL) {
		p = *pp;
		old = path_attrs(p);
		if (old == attrs && p->filter == (uint8_t)filter) {
			attr_unref(attrs);	/* we hold one already */
			return;
		}
		if ((p->filter == PATH_OK) != (filter == PATH_OK)) {
			if (filter == PATH_OK)
				src->naccepted[afi]++;
			else
				src->naccepted[afi]--;
		}
		oidx = path_set(p);
		if (old != attrs) {
			p->since = rib_now();
			path_put_set(p, rib_set_ref(attrs));
		}
		p->filter = (uint8_t)filter & 7;
		rib_decide(r, e, rib_best(e), p, old, 0);
		/* After the hook, which may read the old set. */
		if (old != attrs)
			rib_set_unref(oidx);
		attr_unref(old);
		return;
	}
	p = slab_alloc(&r->paths);
	p->src = src;
	path_put_set(p, rib_set_ref(attrs));
	p->filter = (uint8_t)filter & 7;
	p->since = rib_now();
	best = rib_best(e);
	/* Behind the head: it holds the best path (rib_best()). */
	if (e->paths != NULL) {
		p->next = e->paths->next;
		e->paths->next = p;
	} else
		e->paths = p;
	r->npaths[afi]++;
	src->npaths[afi]++;
	if (filter == PATH_OK)
		src->naccepted[afi]++;
	rib_decide(r, e, best, p, attrs, 0);
}

/* Unlink src's path from e, decide, free it; e goes when it empties. */
static void
rib_remove(struct rib *r, int afi, struct rib_entry *e, struct path **pp)
{
	struct path *p = *pp, *best = rib_best(e);
	struct path_src *src = p->src;
	struct attrs *a = path_attrs(p);

	*pp = p->next;
	r->npaths[afi]--;
	src->npaths[afi]--;
	if (p->filter == PATH_OK)
		src->naccepted[afi]--;
	rib_decide(r, e, best, p, a, 1);
	rib_set_unref(path_set(p));
	attr_unref(a);
	slab_free(&r->paths, p);
	if (e->paths == NULL)
		radix_delete(&r->t[afi], e);
}

void
rib_withdraw(struct rib *r, const struct prefix *pfx, struct path_src *src)
{
	int afi = rib_afi(pfx->af);
	struct rib_entry *e = radix_lookup(&r->t[afi], pfx);
	struct path **pp;

	/* Withdrawing what was never announced is allowed (RFC 4271 9). */
	if (e == NULL || (pp = rib_find(e, src)) == NULL)
		return;
	rib_remove(r, afi, e, pp);
}

struct rib_src_walk {
	struct rib		*r;
	int			 afi;
	struct path_src		*src;
	enum path_filter	(*refilter)(void *, const struct prefix *,
				    const struct attrs *);
	void			*arg;
};

static int
rib_flush_cb(void *arg, void *payload)
{
	struct rib_src_walk *w = arg;
	struct path **pp;

	if ((pp = rib_find(payload, w->src)) != NULL)
		rib_remove(w->r, w->afi, payload, pp);
	return 0;
}

void
rib_flush_src(struct rib *r, struct path_src *src)
{
	struct rib_src_walk w = { r, 0, src, NULL, NULL };

	for (w.afi = 0; w.afi < 2; w.afi++)
		if (src->npaths[w.afi] > 0)
			radix_walk(&r->t[w.afi], rib_flush_cb, &w);
	if (src->npaths[0] != 0 || src->npaths[1] != 0)
		fatal("%s: %s: path counters off after flush", __func__,
		    src->name);
}

static int
rib_refilter_cb(void *arg, void *payload)
{
	struct rib_src_walk *w = arg;
	struct rib_entry *e = payload;
	struct path **pp, *p;
	struct prefix pfx;
	enum path_filter f;

	if ((pp = rib_find(e, w->src)) == NULL)
		return 0;
	p = *pp;
	pfx = rib_prefix(e);
	f = w->refilter(w->arg, &pfx, path_attrs(p));
	if (p->filter == (uint8_t)f)
		return 0;
	if (f == PATH_OK)
		w->src->naccepted[w->afi]++;
	else if (p->filter == PATH_OK)
		w->src->naccepted[w->afi]--;
	p->filter = (uint8_t)f & 7;
	rib_decide(w->r, e, rib_best(e), p, path_attrs(p), 0);
	return 0;
}

void
rib_refilter_src(struct rib *r, struct path_src *src,
    enum path_filter (*refilter)(void *, const struct prefix *,
    const struct attrs *), void *arg)
{
	struct rib_src_walk w = { r, 0, src, refilter, arg };

	for (w.afi = 0; w.afi < 2; w.afi++)
		if (src->npaths[w.afi] > 0)
			radix_walk(&r->t[w.afi], rib_refilter_cb, &w);
}

static int
rib_redecide_cb(void *arg, void *payload)
{
	rib_decide(arg, payload, rib_best(payload), NULL, NULL, 0);
	return 0;
}

void
rib_set_ctx(struct rib *r, const struct decide_ctx *ctx)
{
	if (r->ctx.local_as == ctx->local_as &&
	    r->ctx.router_id == ctx->router_id &&
	    r->ctx.max_paths == ctx->max_paths)
		return;
	r->ctx = *ctx;
	radix_walk(&r->t[0], rib_redecide_cb, r);
	radix_walk(&r->t[1], rib_redecide_cb, r);
}

/*
 * The trie first, then the paths of the entries that exist and their
 * attributes: the next misses of a withdrawal or a replacement.
 */
#define RIB_PF	64
void
rib_prefetch(struct rib *r, const struct prefix *pfx, size_t n)
{
	void *found[RIB_PF];
	const struct rib_entry *e;
	size_t i, k, m, afi;

	for (i = 0; i < n; i += m) {
		m = n - i < RIB_PF ? n - i : RIB_PF;
		for (afi = 0; afi < 2; afi++) {
			radix_prefetch(&r->t[afi], pfx + i, m, found);
			for (k = 0; k < m; k++)
				if ((e = found[k]) != NULL)
					__builtin_prefetch(e->paths);
			/* A removal drops a reference on the path's set. */
			for (k = 0; k < m; k++)
				if ((e = found[k]) != NULL &&
				    e->paths != NULL)
					__builtin_prefetch(
					    path_attrs(e->paths), 1);
		}
	}
}

const struct rib_entry *
rib_lookup(struct rib *r, const struct prefix *pfx)
{
	if (pfx->af != AF_INET && pfx->af != AF_INET6)
		return NULL;
	return radix_lookup(&r->t[rib_afi(pfx->af)], pfx);
}

struct rib_user_walk {
	int	(*cb)(void *, const struct rib_entry *);
	void	*arg;
};

static int
rib_walk_cb(void *arg, void *payload)
{
	struct rib_user_walk *w = arg;

	return w->cb(w->arg, payload);
}

int
rib_walk(struct rib *r, int af, int (*cb)(void *, const struct rib_entry *),
    void *arg)
{
	struct rib_user_walk w = { cb, arg };

	if (af != AF_INET && af != AF_INET6)
		return 0;
	return radix_walk(&r->t[rib_afi(af)], rib_walk_cb, &w);
}

int
rib_walk_from(struct rib *r, int af, const struct prefix *after,
    int (*cb)(void *, const struct rib_entry *), void *arg)
{
	struct rib_user_walk w = { cb, arg };

	if (af != AF_INET && af != AF_INET6)
		return 0;
	if (after != NULL && after->af != af)
		fatal("%s: marker of family %u in a walk of %d", __func__,
		    after->af, af);
	return radix_walk_from(&r->t[rib_afi(af)], after, rib_walk_cb, &w);
}

size_t
rib_count(const struct rib *r, int af)
{
	if (af != AF_INET && af != AF_INET6)
		return 0;
	return radix_count(&r->t[rib_afi(af)]);
}

size_t
rib_paths(const struct rib *r, int af)
{
	if (af != AF_INET && af != AF_INET6)
		return 0;
	return r->npaths[rib_afi(af)];
}

size_t
rib_bytes(const struct rib *r)
{
	return sizeof(*r) + radix_bytes(&r->t[0]) + radix_bytes(&r->t[1]) +
	    slab_bytes(&r->paths) + rib_set_bytes();
}

size_t
rib_mem(const struct rib *r, struct rib_mem *out, size_t n)
{
	const struct slab *s[RIB_NMEM] = { &r->t[0].enodes, &r->t[0].gnodes,
	    &r->t[1].enodes, &r->t[1].gnodes, &r->paths };
	size_t i;

	for (i = 0; i < RIB_NMEM && i < n; i++) {
		out[i].name = s[i]->name;
		out[i].objects = slab_inuse(s[i]);
		out[i].bytes = slab_bytes(s[i]);
	}
	return RIB_NMEM;
}
