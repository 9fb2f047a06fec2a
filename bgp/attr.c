/*
 * attr.c: interning of path attribute sets (see attr.h).
 *
 * Identical sets are stored once: a chained hash table of immutable
 * struct attrs, each one allocation holding the struct and copies of all
 * its variable parts, reference-counted. The RIB interns once per received
 * UPDATE, and a full table has about a million prefixes but a few hundred
 * thousand distinct sets at most, so sharing them is the biggest memory win.
 *
 * Equality is semantic: a scalar whose attribute is absent (MED, LOCAL_PREF,
 * AGGREGATOR, ORIGINATOR_ID) is ignored and stored as 0, and a variable part
 * is its bytes, wherever they live.
 */
#include <stdlib.h>
#include <string.h>

#include "bgp/attr.h"
#include "bgp/log.h"

#define ATTR_MIN_BUCKETS	1024

static struct {
	struct attrs	**b;
	size_t		 nb;		/* a power of two */
	size_t		 count;
	size_t		 bytes;
} attr_tab;

static void
attr_table_resize(size_t nb)
{
	struct attrs **b, *a, *nx;
	size_t i, h;

	if ((b = calloc(nb, sizeof(*b))) == NULL)
		fatal("%s: out of memory", __func__);
	for (i = 0; i < attr_tab.nb; i++)
		for (a = attr_tab.b[i]; a != NULL; a = nx) {
			nx = a->hnext;
			h = a->hash & (nb - 1);
			a->hnext = b[h];
			b[h] = a;
		}
	free(attr_tab.b);
	attr_tab.b = b;
	attr_tab.nb = nb;
}

void
attr_init(void)
{
	if (attr_tab.b == NULL)
		attr_table_resize(ATTR_MIN_BUCKETS);
}

void
attr_shutdown(void)
{
	if (attr_tab.count != 0)
		fatal("%s: %zu attribute sets still referenced", __func__,
		    attr_tab.count);
	free(attr_tab.b);
	memset(&attr_tab, 0, sizeof(attr_tab));
}

size_t
attr_count(void)
{
	return attr_tab.count;
}

size_t
attr_bytes(void)
{
	return attr_tab.bytes + attr_tab.nb * sizeof(*attr_tab.b);
}

/* A copy with absent scalars zeroed and empty parts NULL. */
static void
attr_canon(const struct attrs *in, struct attrs *c)
{
	size_t i;

	*c = *in;
	c->hnext = NULL;
	c->hash = 0;
	c->refcnt = 0;
	if (!(c->present & ATTR_P(ATTR_MED)))
		c->med = 0;
	if (!(c->present & ATTR_P(ATTR_LOCAL_PREF)))
		c->local_pref = 0;
	if (!(c->present & ATTR_P(ATTR_AGGREGATOR)))
		c->aggr_as = c->aggr_id = 0;
	if (!(c->present & ATTR_P(ATTR_ORIGINATOR_ID)))
		c->originator_id = 0;
	if ((c->aspath == NULL && c->aspath_len) ||
	    (c->communities == NULL && c->ncommunities) ||
	    (c->ext == NULL && c->next) || (c->large == NULL && c->nlarge) ||
	    (c->clusters == NULL && c->nclusters) ||
	    (c->unknown == NULL && c->unknown_len))
		fatal("%s: variable part with a length but no bytes", __func__);
	for (i = 1; i < c->ncommunities; i++)
		if (c->communities[i - 1] >= c->communities[i])
			fatal("%s: communities not sorted and unique", __func__);
	if (c->aspath_len == 0)
		c->aspath = NULL;
	if (c->ncommunities == 0)
		c->communities = NULL;
	if (c->next == 0)
		c->ext = NULL;
	if (c->nlarge == 0)
		c->large = NULL;
	if (c->nclusters == 0)
		c->clusters = NULL;
	if (c->unknown_len == 0)
		c->unknown = NULL;
}

static uint64_t
attr_mix(uint64_t h, uint64_t v)
{
	h ^= v;
	h *= 0x9fb21c651e98df25ull;
	return h ^ (h >> 29);
}

static uint64_t
attr_mix_bytes(uint64_t h, const void *p, size_t len)
{
	const uint8_t *b = p;
	uint64_t v;

	h = attr_mix(h, len);
	for (; len >= 8; b += 8, len -= 8) {
		memcpy(&v, b, 8);
		h = attr_mix(h, v);
	}
	if (len > 0) {
		v = 0;
		memcpy(&v, b, len);
		h = attr_mix(h, v);
	}
	return h;
}

/* Hash of a canonical set: every semantic field. */
static uint32_t
attr_hash(const struct attrs *c)
{
	uint64_t h = 0x243f6a8885a308d3ull;

	h = attr_mix(h, (uint64_t)c->present << 8 | c->origin);
	h = attr_mix(h, (uint64_t)c->med << 32 | c->local_pref);
	h = attr_mix(h, (uint64_t)c->aggr_as << 32 | c->aggr_id);
	h = attr_mix(h, c->originator_id);
	h = attr_mix_bytes(h, &c->nexthop, sizeof(c->nexthop));
	h = attr_mix_bytes(h, &c->nexthop_ll, sizeof(c->nexthop_ll));
	h = attr_mix_bytes(h, c->aspath, c->aspath_len);
	h = attr_mix_bytes(h, c->communities, c->ncommunities * 4u);
	h = attr_mix_bytes(h, c->ext, c->next * 8u);
	h = attr_mix_bytes(h, c->large, c->nlarge * 12u);
	h = attr_mix_bytes(h, c->clusters, c->nclusters * 4u);
	h = attr_mix_bytes(h, c->unknown, c->unknown_len);
	return (uint32_t)(h ^ (h >> 32));
}

static int
attr_same_bytes(const void *a, const void *b, size_t len)
{
	return len == 0 || memcmp(a, b, len) == 0;
}

static int
attr_equal_canon(const struct attrs *a, const struct attrs *b)
{
	return a->present == b->present && a->origin == b->origin &&
	    a->med == b->med && a->local_pref == b->local_pref &&
	    a->aggr_as == b->aggr_as && a->aggr_id == b->aggr_id &&
	    a->originator_id == b->originator_id &&
	    memcmp(&a->nexthop, &b->nexthop, sizeof(a->nexthop)) == 0 &&
	    memcmp(&a->nexthop_ll, &b->nexthop_ll, sizeof(a->nexthop_ll)) == 0 &&
	    a->aspath_len == b->aspath_len &&
	    a->ncommunities == b->ncommunities && a->next == b->next &&
	    a->nlarge == b->nlarge && a->nclusters == b->nclusters &&
	    a->unknown_len == b->unknown_len &&
	    attr_same_bytes(a->aspath, b->aspath, a->aspath_len) &&
	    attr_same_bytes(a->communities, b->communities,
	    a->ncommunities * 4u) &&
	    attr_same_bytes(a->ext, b->ext, a->next * 8u) &&
	    attr_same_bytes(a->large, b->large, a->nlarge * 12u) &&
	    attr_same_bytes(a->clusters, b->clusters, a->nclusters * 4u) &&
	    attr_same_bytes(a->unknown, b->unknown, a->unknown_len);
}

int
attr_equal(const struct attrs *a, const struct attrs *b)
{
	struct attrs ca, cb;

	/*
	 * No shortcut on refcnt: a struct copied from an interned set and
	 * then changed carries its refcnt along.
	 */
	if (a == b)
		return 1;
	attr_canon(a, &ca);
	attr_canon(b, &cb);
	return attr_equal_canon(&ca, &cb);
}

/* Copy len bytes to *at, advance it; returns where they went. */
static const void *
attr_place(uint8_t **at, const void *src, size_t len)
{
	const void *dst = *at;

	if (len == 0)
		return NULL;
	memcpy(*at, src, len);
	*at += len;
	return dst;
}

/* One allocation: the struct, the 32-bit arrays, then the byte arrays. */
static struct attrs *
attr_copy(const struct attrs *c, size_t *sizep)
{
	size_t size = sizeof(*c) + c->ncommunities * 4u + c->nlarge * 12u +
	    c->nclusters * 4u + c->aspath_len + c->next * 8u + c->unknown_len;
	struct attrs *a;
	uint8_t *at;

	if ((a = malloc(size)) == NULL)
		fatal("%s: out of memory", __func__);
	*a = *c;
	at = (uint8_t *)(a + 1);
	a->communities = attr_place(&at, c->communities, c->ncommunities * 4u);
	a->large = attr_place(&at, c->large, c->nlarge * 12u);
	a->clusters = attr_place(&at, c->clusters, c->nclusters * 4u);
	a->aspath = attr_place(&at, c->aspath, c->aspath_len);
	a->ext = attr_place(&at, c->ext, c->next * 8u);
	a->unknown = attr_place(&at, c->unknown, c->unknown_len);
	*sizep = size;
	return a;
}

struct attrs *
attr_intern(const struct attrs *in)
{
	struct attrs c, *a;
	size_t h, size;

	attr_init();
	attr_canon(in, &c);
	c.hash = attr_hash(&c);
	h = c.hash & (attr_tab.nb - 1);
	for (a = attr_tab.b[h]; a != NULL; a = a->hnext)
		if (a->hash == c.hash && attr_equal_canon(a, &c))
			return attr_ref(a);
	a = attr_copy(&c, &size);
	a->refcnt = 1;
	a->hnext = attr_tab.b[h];
	attr_tab.b[h] = a;
	attr_tab.count++;
	attr_tab.bytes += size;
	if (attr_tab.count > attr_tab.nb)
		attr_table_resize(attr_tab.nb * 2);
	return a;
}

struct attrs *
attr_ref(struct attrs *a)
{
	if (a->refcnt == 0 || a->refcnt == UINT32_MAX)
		fatal("%s: refcount %u", __func__, a->refcnt);
	a->refcnt++;
	return a;
}

void
attr_unref(struct attrs *a)
{
	struct attrs **pp;

	if (a->refcnt == 0)
		fatal("%s: refcount underflow", __func__);
	if (--a->refcnt > 0)
		return;
	for (pp = &attr_tab.b[a->hash & (attr_tab.nb - 1)]; *pp != a;
	    pp = &(*pp)->hnext)
		if (*pp == NULL)
			fatal("%s: set not in the table", __func__);
	*pp = a->hnext;
	attr_tab.count--;
	attr_tab.bytes -= sizeof(*a) + a->ncommunities * 4u +
	    a->nlarge * 12u + a->nclusters * 4u + a->aspath_len +
	    a->next * 8u + a->unknown_len;
	free(a);
	if (attr_tab.nb > ATTR_MIN_BUCKETS && attr_tab.count < attr_tab.nb / 8)
		attr_table_resize(attr_tab.nb / 2);
}
