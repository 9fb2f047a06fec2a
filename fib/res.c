/*
 * res.c: interned next-hop sets.
 *
 * fib_res is what the kernel is told (gateway and interface per hop);
 * fib_nhs is what the RIB said (the ECMP set of BGP next hops). Both are
 * few compared with prefixes, so they are interned: prefixes share them,
 * equality is pointer equality, and re-resolving after a kernel change
 * costs one lookup per set, not per prefix.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bgp/log.h"
#include "fib/fib_int.h"

static int
res_gw_cmp(const void *x, const void *y)
{
	const struct fib_gw *a = x, *b = y;

	if (a->ifindex != b->ifindex)
		return a->ifindex < b->ifindex ? -1 : 1;
	if (a->af != b->af)
		return a->af < b->af ? -1 : 1;
	return memcmp(a->a, b->a, sizeof(a->a));
}

struct fib_res *
res_intern(struct fib *fib, const struct fib_gw *gw, size_t n)
{
	struct fib_gw sorted[FIB_MAXNH];
	struct fib_res key, *r;
	struct fib_hnode *x;
	uint32_t hash;
	size_t i, k;

	if (n == 0)
		return NULL;
	if (n > FIB_MAXNH)
		n = FIB_MAXNH;
	/* Field by field: padding must compare and hash as zero. */
	memset(sorted, 0, sizeof(sorted));
	for (i = 0; i < n; i++) {
		sorted[i].ifindex = gw[i].ifindex;
		sorted[i].af = gw[i].af;
		if (gw[i].af)
			memcpy(sorted[i].a, gw[i].a, addr_bytes(gw[i].af));
	}
	qsort(sorted, n, sizeof(sorted[0]), res_gw_cmp);
	memset(&key, 0, sizeof(key));
	for (i = 0, k = 0; i < n; i++)
		if (k == 0 || res_gw_cmp(&key.gw[k - 1], &sorted[i]) != 0)
			key.gw[k++] = sorted[i];
	key.n = (uint8_t)k;
	hash = htab_hash(key.gw, k * sizeof(key.gw[0]), (uint32_t)k);
	for (x = htab_bucket(&fib->ress, hash); x != NULL; x = x->hnext) {
		r = (struct fib_res *)x;
		if (x->hash == hash && r->n == key.n &&
		    memcmp(r->gw, key.gw, k * sizeof(key.gw[0])) == 0) {
			r->refs++;
			return r;
		}
	}
	if ((r = malloc(sizeof(*r))) == NULL)
		fatal("%s: out of memory", __func__);
	*r = key;
	r->refs = 1;
	htab_add(&fib->ress, &r->h, hash);
	return r;
}

void
res_unref(struct fib *fib, struct fib_res *r)
{
	if (r == NULL)
		return;
	if (r->refs == 0)
		fatal("%s: reference count underflow", __func__);
	if (--r->refs == 0) {
		htab_del(&fib->ress, &r->h);
		free(r);
	}
}

void
res_set(struct fib *fib, struct fib_res **slot, struct fib_res *r)
{
	if (*slot == r)
		return;
	if (r != NULL)
		r->refs++;
	res_unref(fib, *slot);
	*slot = r;
}

int
res_uses_ifindex(const struct fib_res *r, uint32_t ifindex)
{
	unsigned i;

	for (i = 0; r != NULL && i < r->n; i++)
		if (r->gw[i].ifindex == ifindex)
			return 1;
	return 0;
}

const char *
res_fmt(const struct fib_res *r, char *buf, size_t len)
{
	char a[ADDR_STRLEN];
	struct addr ad;
	size_t off = 0;
	unsigned i;

	buf[0] = '\0';
	for (i = 0; r != NULL && i < r->n && off < len; i++) {
		memset(&ad, 0, sizeof(ad));
		ad.af = r->gw[i].af;
		memcpy(ad.a, r->gw[i].a, sizeof(ad.a));
		off += (size_t)snprintf(buf + off, len - off, "%s%s@%u",
		    i ? "," : "", ad.af ? addr_fmt(&ad, a, sizeof(a)) : "dev",
		    r->gw[i].ifindex);
	}
	return buf;
}

struct fib_nhs *
nhs_get(struct fib *fib, int af, const struct bgp_nexthop *nh, size_t n)
{
	struct fib_nhs key, *s;
	struct fib_hnode *x;
	uint32_t hash;
	size_t i;

	if (n > FIB_MAXNH)
		n = FIB_MAXNH;
	/* Copy field by field so padding and unused bytes hash as zero. */
	memset(&key, 0, sizeof(key));
	key.af = (uint8_t)af;
	key.n = (uint8_t)n;
	for (i = 0; i < n; i++) {
		key.nh[i].addr.af = nh[i].addr.af;
		memcpy(key.nh[i].addr.a, nh[i].addr.a, addr_bytes(nh[i].addr.af));
		key.nh[i].ll.af = nh[i].ll.af;
		if (nh[i].ll.af)
			memcpy(key.nh[i].ll.a, nh[i].ll.a, 16);
	}
	hash = htab_hash(key.nh, n * sizeof(key.nh[0]), (uint32_t)af);
	for (x = htab_bucket(&fib->nhss, hash); x != NULL; x = x->hnext) {
		s = (struct fib_nhs *)x;
		if (x->hash == hash && s->af == key.af && s->n == key.n &&
		    memcmp(s->nh, key.nh, n * sizeof(key.nh[0])) == 0)
			return s;
	}
	if ((s = malloc(sizeof(*s))) == NULL)
		fatal("%s: out of memory", __func__);
	*s = key;
	htab_add(&fib->nhss, &s->h, hash);
	resolve_nhs(fib, s);
	return s;
}

void
nhs_link(struct fib *fib, struct fib_nhs *s, struct fib_ent *e)
{
	(void)fib;
	e->nhs = s;
	e->nprev = NULL;
	e->nnext = s->ents;
	if (s->ents != NULL)
		s->ents->nprev = e;
	s->ents = e;
	s->nents++;
}

/* A set no prefix uses any more goes at once: sets are cheap to rebuild. */
void
nhs_unlink(struct fib *fib, struct fib_ent *e)
{
	struct fib_nhs *s = e->nhs;

	if (s == NULL)
		return;
	if (e->nprev != NULL)
		e->nprev->nnext = e->nnext;
	else
		s->ents = e->nnext;
	if (e->nnext != NULL)
		e->nnext->nprev = e->nprev;
	e->nhs = NULL;
	e->nprev = e->nnext = NULL;
	if (--s->nents == 0) {
		htab_del(&fib->nhss, &s->h);
		res_unref(fib, s->res);
		free(s);
	}
}
