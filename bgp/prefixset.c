/*
 * prefixset.c: a BGPRoutePolicy statement's prefixSet, compiled (API.md).
 *
 * A prefix p matches an entry {pfx, min, max} when p lies inside pfx and
 * min <= p.len <= max. Per family the distinct pfx are kept sorted in
 * prefix_cmp() order, each with the set of lengths it accepts as a 129-bit
 * mask (entries sharing a pfx are merged), its covering parent, and the
 * union of its own and its ancestors' masks.
 *
 * Why this finds every match: the entries covering p are nested, and in
 * prefix order an entry's descendants follow it contiguously. So the last
 * entry at or before p in that order lies inside every entry covering p:
 * the covering ones are exactly its ancestors-or-self that contain p. A
 * binary search finds it, a short walk up finds the deepest one containing
 * p, and its cumulative mask answers for all of them at once.
 */
#include <stdlib.h>
#include <string.h>

#include "bgp/log.h"
#include "bgp/rib.h"

struct prefixset_ent {
	struct prefix	 pfx;
	int32_t		 parent;	/* index, -1 at the top */
	uint64_t	 mask[3];	/* lengths accepted here */
	uint64_t	 cum[3];	/* here or in an ancestor */
};

struct prefixset_fam {
	struct prefixset_ent	*v;
	size_t			 n;
};

struct prefixset {
	struct prefixset_fam	 f[2];	/* IPv4, IPv6 */
};

static int
prefixset_cmp(const void *a, const void *b)
{
	return prefix_cmp(&((const struct prefixset_ent *)a)->pfx,
	    &((const struct prefixset_ent *)b)->pfx);
}

static void
prefixset_set_bits(uint64_t *m, unsigned lo, unsigned hi)
{
	unsigned l;

	for (l = lo; l <= hi; l++)
		m[l / 64] |= 1ull << (l % 64);
}

/* Entry r as a range of accepted lengths; -1 when malformed. */
static int
prefixset_range(const char *policy, const struct model_range *r,
    struct prefixset_ent *e)
{
	char pb[PREFIX_STRLEN];
	unsigned lo;

	memset(e, 0, sizeof(*e));
	if ((r->pfx.af != AF_INET && r->pfx.af != AF_INET6) ||
	    r->pfx.len > addr_bits(r->pfx.af) || r->min > r->max ||
	    r->max > addr_bits(r->pfx.af)) {
		log_warn("route policy prefix entry refused",
		    "policy=%s prefix=%s min=%u max=%u", policy,
		    prefix_fmt(&r->pfx, pb, sizeof(pb)), r->min, r->max);
		return -1;
	}
	e->pfx = r->pfx;
	prefix_mask(&e->pfx);
	/* Nothing inside pfx is shorter than pfx. */
	lo = r->min < e->pfx.len ? e->pfx.len : r->min;
	if (lo <= r->max)
		prefixset_set_bits(e->mask, lo, r->max);
	return 0;
}

/* Sort, merge equal prefixes, link parents, fold the masks down. */
static void
prefixset_finish(struct prefixset_fam *f)
{
	int32_t stack[130];
	size_t i, j, sp = 0;
	int k;

	qsort(f->v, f->n, sizeof(*f->v), prefixset_cmp);
	for (i = 0, j = 0; i < f->n; i++) {
		if (j > 0 && prefix_cmp(&f->v[j - 1].pfx, &f->v[i].pfx) == 0) {
			for (k = 0; k < 3; k++)
				f->v[j - 1].mask[k] |= f->v[i].mask[k];
			continue;
		}
		f->v[j++] = f->v[i];
	}
	f->n = j;
	for (i = 0; i < f->n; i++) {
		while (sp > 0 &&
		    !prefix_contains(&f->v[stack[sp - 1]].pfx, &f->v[i].pfx))
			sp--;
		f->v[i].parent = sp > 0 ? stack[sp - 1] : -1;
		for (k = 0; k < 3; k++)
			f->v[i].cum[k] = f->v[i].mask[k] | (sp > 0 ?
			    f->v[stack[sp - 1]].cum[k] : 0);
		if (sp == sizeof(stack) / sizeof(stack[0]))
			fatal("%s: nesting deeper than prefix lengths",
			    __func__);
		stack[sp++] = (int32_t)i;
	}
}

struct prefixset *
prefixset_new(const char *policy, const struct model_range *r, size_t n)
{
	struct prefixset *s;
	struct prefixset_ent e;
	struct prefixset_fam *f;
	size_t i;

	if ((s = calloc(1, sizeof(*s))) == NULL ||
	    (s->f[0].v = calloc(n + 1, sizeof(e))) == NULL ||
	    (s->f[1].v = calloc(n + 1, sizeof(e))) == NULL)
		fatal("%s: out of memory", __func__);
	for (i = 0; i < n; i++) {
		if (prefixset_range(policy, &r[i], &e) == -1) {
			prefixset_free(s);
			return NULL;
		}
		f = &s->f[e.pfx.af == AF_INET ? 0 : 1];
		f->v[f->n++] = e;
	}
	prefixset_finish(&s->f[0]);
	prefixset_finish(&s->f[1]);
	return s;
}

void
prefixset_free(struct prefixset *s)
{
	if (s == NULL)
		return;
	free(s->f[0].v);
	free(s->f[1].v);
	free(s);
}

int
prefixset_match(const struct prefixset *s, const struct prefix *p)
{
	const struct prefixset_fam *f;
	size_t lo = 0, hi, mid;
	int32_t k;

	if (p->af != AF_INET && p->af != AF_INET6)
		return 0;
	f = &s->f[p->af == AF_INET ? 0 : 1];
	/* The last entry at or before p in prefix order. */
	hi = f->n;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (prefix_cmp(&f->v[mid].pfx, p) <= 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (k = (int32_t)lo - 1; k >= 0; k = f->v[k].parent)
		if (prefix_contains(&f->v[k].pfx, p))
			return (f->v[k].cum[p->len / 64] >> (p->len % 64)) & 1;
	return 0;
}
