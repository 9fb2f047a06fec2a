/*
 * decide.c: best-path selection, RFC 4271 9.1.2.2 with the RFC 4456 9
 * tie-breaks (ORIGINATOR_ID for the router ID, CLUSTER_LIST length).
 *
 * decide_select() runs the steps as set elimination over a prefix's usable
 * paths, so the outcome never depends on list order: MED (step e) removes a
 * path only when another survivor from the same neighbor AS has a lower
 * one, which is what makes pairwise comparison non-transitive elsewhere.
 * The survivors of steps a-f are the multipath candidates; the primary is
 * their minimum under steps g-i, with the path source's id as the final,
 * total tie-break (two local sources share router ID and address).
 *
 * Deviations, on purpose: a missing MED is 0 (RFC 4271 9.1.2.2 e), and
 * locally originated paths count as neighbor AS 0. During selection
 * path->best marks the candidates still standing; it ends as the result.
 */
#include <string.h>

#include "bgp/rib.h"

uint32_t
decide_local_pref(const struct path *p)
{
	if (path_attrs(p)->present & ATTR_P(ATTR_LOCAL_PREF))
		return path_attrs(p)->local_pref;
	return 100;
}

static uint32_t
decide_med(const struct path *p)
{
	if (path_attrs(p)->present & ATTR_P(ATTR_MED))
		return path_attrs(p)->med;
	return 0;
}

static uint32_t
decide_neighbor_as(const struct path *p)
{
	const struct attrs *a = path_attrs(p);

	if (p->src->local)
		return 0;
	return aspath_neighbor_as(a->aspath, a->aspath_len);
}

static unsigned
decide_aspath_len(const struct path *p)
{
	const struct attrs *a = path_attrs(p);

	return aspath_length(a->aspath, a->aspath_len);
}

/* Step g: ORIGINATOR_ID when reflected, else the sender's router ID. */
static uint32_t
decide_router_id(const struct decide_ctx *ctx, const struct path *p)
{
	if (path_attrs(p)->present & ATTR_P(ATTR_ORIGINATOR_ID))
		return path_attrs(p)->originator_id;
	if (p->src->local && p->src->router_id == 0)
		return ctx->router_id;
	return p->src->router_id;
}

static int
decide_u32(uint32_t a, uint32_t b)
{
	return a < b ? -1 : a > b;
}

/* Steps g-i and the source id: a total order among the survivors. */
static int
decide_cmp_tail(const struct decide_ctx *ctx, const struct path *a,
    const struct path *b)
{
	int c;

	if ((c = decide_u32(decide_router_id(ctx, a),
	    decide_router_id(ctx, b))) != 0)
		return c;
	if ((c = decide_u32(path_attrs(a)->nclusters,
	    path_attrs(b)->nclusters)) != 0)
		return c;
	if ((c = addr_cmp(&a->src->addr, &b->src->addr)) != 0)
		return c;
	return decide_u32(a->src->id, b->src->id);
}

int
decide_cmp(const struct decide_ctx *ctx, const struct path *a,
    const struct path *b)
{
	int c;

	/* a. LOCAL_PREF, higher wins. */
	if ((c = decide_u32(decide_local_pref(b), decide_local_pref(a))) != 0)
		return c;
	/* b. Locally originated over learned. */
	if (a->src->local != b->src->local)
		return a->src->local ? -1 : 1;
	/* c. Shorter AS_PATH. */
	if ((c = decide_u32(decide_aspath_len(a), decide_aspath_len(b))) != 0)
		return c;
	/* d. Lower ORIGIN. */
	if ((c = decide_u32(path_attrs(a)->origin,
	    path_attrs(b)->origin)) != 0)
		return c;
	/* e. Lower MED, only between paths from the same neighbor AS. */
	if (decide_neighbor_as(a) == decide_neighbor_as(b) &&
	    (c = decide_u32(decide_med(a), decide_med(b))) != 0)
		return c;
	/* f. eBGP over iBGP. */
	if (!a->src->ebgp != !b->src->ebgp)
		return a->src->ebgp ? -1 : 1;
	return decide_cmp_tail(ctx, a, b);
}

/* Unmark the candidates whose key is above the least key standing. */
static void
decide_keep_min(struct rib_entry *e, uint32_t (*key)(const struct path *))
{
	uint32_t least = UINT32_MAX;
	struct path *p;

	for (p = e->paths; p != NULL; p = p->next)
		if (p->best && key(p) < least)
			least = key(p);
	for (p = e->paths; p != NULL; p = p->next)
		if (p->best && key(p) != least)
			p->best = 0;
}

static uint32_t
decide_key_lp(const struct path *p)
{
	return UINT32_MAX - decide_local_pref(p);
}

static uint32_t
decide_key_local(const struct path *p)
{
	return !p->src->local;
}

static uint32_t
decide_key_aslen(const struct path *p)
{
	return decide_aspath_len(p);
}

static uint32_t
decide_key_origin(const struct path *p)
{
	return path_attrs(p)->origin;
}

static uint32_t
decide_key_ebgp(const struct path *p)
{
	return !p->src->ebgp;
}

/* Step e: drop a path when its neighbor AS has a lower MED standing. */
static void
decide_med_groups(struct rib_entry *e)
{
	struct path *p, *q;

	for (p = e->paths; p != NULL; p = p->next) {
		if (!p->best)
			continue;
		for (q = e->paths; q != NULL; q = q->next)
			if (q->best && q != p &&
			    decide_neighbor_as(q) == decide_neighbor_as(p) &&
			    decide_med(q) < decide_med(p)) {
				p->best = 0;
				break;
			}
	}
}

/* Keep at most max paths of the primary's neighbor AS marked. */
static void
decide_multipath(const struct decide_ctx *ctx, struct rib_entry *e,
    struct path *primary)
{
	uint32_t nas = decide_neighbor_as(primary), n = 0;
	struct path *p, *worst;

	for (p = e->paths; p != NULL; p = p->next) {
		if (p->best && (ctx->max_paths <= 1 ||
		    decide_neighbor_as(p) != nas))
			p->best = 0;
		n += p->best;
	}
	primary->best = 1;
	if (ctx->max_paths <= 1)
		return;
	for (; n > ctx->max_paths; n--) {
		worst = NULL;
		for (p = e->paths; p != NULL; p = p->next)
			if (p->best && (worst == NULL ||
			    decide_cmp_tail(ctx, p, worst) > 0))
				worst = p;
		worst->best = 0;
	}
}

/* rib_best() finds the primary at the head of the list. */
static void
decide_to_head(struct rib_entry *e, struct path *primary)
{
	struct path **pp;

	for (pp = &e->paths; *pp != primary; pp = &(*pp)->next)
		;
	*pp = primary->next;
	primary->next = e->paths;
	e->paths = primary;
}

struct path *
decide_select(const struct decide_ctx *ctx, struct rib_entry *e)
{
	struct path *p, *primary = NULL;

	for (p = e->paths; p != NULL; p = p->next)
		p->best = p->filter == PATH_OK;
	decide_keep_min(e, decide_key_lp);		/* a */
	decide_keep_min(e, decide_key_local);		/* b */
	decide_keep_min(e, decide_key_aslen);		/* c */
	decide_keep_min(e, decide_key_origin);		/* d */
	decide_med_groups(e);				/* e */
	decide_keep_min(e, decide_key_ebgp);		/* f */
	for (p = e->paths; p != NULL; p = p->next)	/* g, h, i */
		if (p->best && (primary == NULL ||
		    decide_cmp_tail(ctx, p, primary) < 0))
			primary = p;
	if (primary == NULL)
		return NULL;
	decide_multipath(ctx, e, primary);
	decide_to_head(e, primary);
	return primary;
}
