/*
 * kern.c: the part of the kernel's state that next-hop resolution reads.
 *
 * Routes of other protocols in our table and in main (connected routes,
 * statics, another daemon's), links with their up state, our IPv6
 * link-local addresses and IPv6 link-local neighbours. Routes of our own
 * protocol are never here: a BGP next hop resolves through the kernel's
 * routes, never through BGP's. Every change marks the sets for
 * re-resolution; resolve.c does the work once per loop turn.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <net/if.h>
#include <linux/rtnetlink.h>

#include "bgp/log.h"
#include "fib/fib_int.h"

void
kern_init(struct fib *fib)
{
	htab_init(&fib->krs);
	htab_init(&fib->links);
	htab_init(&fib->neighs);
	htab_init(&fib->lladdrs);
}

static void
kern_free_cb(void *arg, struct fib_hnode *x)
{
	(void)arg;
	free(x);
}

void
kern_free(struct fib *fib)
{
	htab_walk(&fib->krs, kern_free_cb, NULL);
	htab_walk(&fib->links, kern_free_cb, NULL);
	htab_walk(&fib->neighs, kern_free_cb, NULL);
	htab_walk(&fib->lladdrs, kern_free_cb, NULL);
	htab_free(&fib->krs);
	htab_free(&fib->links);
	htab_free(&fib->neighs);
	htab_free(&fib->lladdrs);
}

static void
kern_dirty(struct fib *fib)
{
	fib->kdirty = 1;
	fib_kick(fib);
}

/* The metric the kernel gives our routes: we send none. */
static uint32_t
kern_our_prio(int af)
{
	return af == AF_INET6 ? 1024 : 0;
}

static uint32_t
kern_pfx_hash(const struct prefix *p)
{
	return htab_hash(p, sizeof(*p), 1);
}

static struct fib_kr *
kern_kr_find(struct fib *fib, const struct fib_route *r)
{
	uint32_t hash = kern_pfx_hash(&r->pfx);
	struct fib_hnode *x;

	for (x = htab_bucket(&fib->krs, hash); x != NULL; x = x->hnext) {
		struct fib_kr *k = (struct fib_kr *)x;

		if (x->hash == hash && k->r.table == r->table &&
		    k->r.prio == r->prio &&
		    memcmp(&k->r.pfx, &r->pfx, sizeof(r->pfx)) == 0)
			return k;
	}
	return NULL;
}

int
kern_overrides(struct fib *fib, const struct prefix *p)
{
	struct fib_route key;

	memset(&key, 0, sizeof(key));
	key.pfx = *p;
	key.table = fib->opts.table;
	key.prio = kern_our_prio(p->af);
	return kern_kr_find(fib, &key) != NULL;
}

void
kern_route(struct fib *fib, const struct fib_route *r, int add)
{
	struct fib_kr *k;

	if (r->table != fib->opts.table && r->table != RT_TABLE_MAIN)
		return;
	if (r->type != RTN_UNICAST && r->type != RTN_BLACKHOLE &&
	    r->type != RTN_UNREACHABLE && r->type != RTN_PROHIBIT)
		return;
	k = kern_kr_find(fib, r);
	if (add) {
		if (k == NULL) {
			if ((k = malloc(sizeof(*k))) == NULL)
				fatal("%s: out of memory", __func__);
			k->r = *r;
			htab_add(&fib->krs, &k->h, kern_pfx_hash(&r->pfx));
			fib->kr_lens[fib_af_idx(r->pfx.af)][r->pfx.len]++;
		} else
			k->r = *r;
		k->gen = fib->gen;
	} else if (k != NULL) {
		htab_del(&fib->krs, &k->h);
		fib->kr_lens[fib_af_idx(r->pfx.af)][r->pfx.len]--;
		free(k);
	} else
		return;
	if (r->table == fib->opts.table && r->prio == kern_our_prio(r->pfx.af))
		ent_set_overridden(fib, &r->pfx, add);
	kern_dirty(fib);
}

struct fib_link *
kern_link_find(struct fib *fib, uint32_t ifindex)
{
	uint32_t hash = htab_hash(&ifindex, sizeof(ifindex), 2);
	struct fib_hnode *x;

	for (x = htab_bucket(&fib->links, hash); x != NULL; x = x->hnext)
		if (x->hash == hash &&
		    ((struct fib_link *)x)->ifindex == ifindex)
			return (struct fib_link *)x;
	return NULL;
}

void
kern_link(struct fib *fib, uint32_t ifindex, unsigned flags,
    const char *name, int add)
{
	struct fib_link *l = kern_link_find(fib, ifindex);
	unsigned up = add && (flags & IFF_UP) && (flags & IFF_RUNNING);

	if (l == NULL) {
		if (!add)
			return;
		if ((l = calloc(1, sizeof(*l))) == NULL)
			fatal("%s: out of memory", __func__);
		l->ifindex = ifindex;
		htab_add(&fib->links, &l->h,
		    htab_hash(&ifindex, sizeof(ifindex), 2));
	} else if (l->up != up) {
		log_info(up ? "fib: link up" : "fib: link down",
		    "ifindex=%u name=%s", ifindex, l->name);
		if (!up)
			resolve_link_down(fib, ifindex);
	}
	if (name != NULL)
		snprintf(l->name, sizeof(l->name), "%s", name);
	l->gen = fib->gen;
	if (l->up != up)
		kern_dirty(fib);
	l->up = up;
	if (!add) {
		htab_del(&fib->links, &l->h);
		free(l);
	}
}

/* An address keyed (a, ifindex) in one of the link-local tables. */
static struct fib_neigh *
kern_ll_find(struct fib_htab *h, const uint8_t *a, uint32_t ifindex,
    int any_ifindex)
{
	uint32_t hash = htab_hash(a, 16, 3);
	struct fib_hnode *x;

	for (x = htab_bucket(h, hash); x != NULL; x = x->hnext) {
		struct fib_neigh *n = (struct fib_neigh *)x;

		if (x->hash == hash && memcmp(n->a, a, 16) == 0 &&
		    (any_ifindex || n->ifindex == ifindex))
			return n;
	}
	return NULL;
}

static void
kern_ll_update(struct fib *fib, struct fib_htab *h, const uint8_t *a,
    uint32_t ifindex, int add)
{
	struct fib_neigh *n = kern_ll_find(h, a, ifindex, 0);

	if (add && n == NULL) {
		if ((n = calloc(1, sizeof(*n))) == NULL)
			fatal("%s: out of memory", __func__);
		memcpy(n->a, a, 16);
		n->ifindex = ifindex;
		htab_add(h, &n->h, htab_hash(a, 16, 3));
		kern_dirty(fib);
	} else if (!add && n != NULL) {
		htab_del(h, &n->h);
		free(n);
		kern_dirty(fib);
		return;
	}
	if (n != NULL)
		n->gen = fib->gen;
}

void
kern_addr6_ll(struct fib *fib, const uint8_t *a, uint32_t ifindex, int add)
{
	kern_ll_update(fib, &fib->lladdrs, a, ifindex, add);
}

void
kern_neigh(struct fib *fib, const uint8_t *a, uint32_t ifindex, int add)
{
	kern_ll_update(fib, &fib->neighs, a, ifindex, add);
}

struct kern_ll_walk {
	struct fib	*fib;
	uint32_t	 ifindex;
	int		 n;
};

static void
kern_ll_walk_cb(void *arg, struct fib_hnode *x)
{
	struct kern_ll_walk *w = arg;
	struct fib_neigh *n = (struct fib_neigh *)x;
	struct fib_link *l = kern_link_find(w->fib, n->ifindex);

	if (l == NULL || !l->up || n->ifindex == w->ifindex)
		return;
	w->ifindex = n->ifindex;
	w->n++;
}

/*
 * The interface of a link-local next hop: where the neighbour was seen,
 * else the one up interface with a link-local address of ours. With
 * several candidates and no neighbour entry it is ambiguous: 0.
 */
uint32_t
kern_ll_ifindex(struct fib *fib, const uint8_t *a)
{
	struct fib_neigh *n = kern_ll_find(&fib->neighs, a, 0, 1);
	struct kern_ll_walk w;
	struct fib_link *l;

	if (n != NULL && (l = kern_link_find(fib, n->ifindex)) != NULL &&
	    l->up)
		return n->ifindex;
	memset(&w, 0, sizeof(w));
	w.fib = fib;
	htab_walk(&fib->lladdrs, kern_ll_walk_cb, &w);
	return w.n == 1 ? w.ifindex : 0;
}

static int
kern_kr_usable(struct fib *fib, const struct fib_kr *k)
{
	struct fib_link *l;
	unsigned i;

	if (k->r.type != RTN_UNICAST)
		return 1;	/* it matches; resolve.c refuses it */
	for (i = 0; i < k->r.n; i++)
		if ((l = kern_link_find(fib, k->r.gw[i].ifindex)) != NULL &&
		    l->up)
			return 1;
	return 0;
}

const struct fib_kr *
kern_lookup(struct fib *fib, const struct addr *a)
{
	const size_t *lens = fib->kr_lens[fib_af_idx(a->af)];
	struct fib_kr *best;
	struct fib_hnode *x;
	struct prefix p;
	int len;

	for (len = (int)addr_bits(a->af); len >= 0; len--) {
		if (lens[len] == 0)
			continue;
		memset(&p, 0, sizeof(p));
		p.af = a->af;
		p.len = (uint8_t)len;
		memcpy(p.a, a->a, 16);
		prefix_mask(&p);
		best = NULL;
		for (x = htab_bucket(&fib->krs, kern_pfx_hash(&p)); x != NULL;
		    x = x->hnext) {
			struct fib_kr *k = (struct fib_kr *)x;

			if (memcmp(&k->r.pfx, &p, sizeof(p)) != 0 ||
			    !kern_kr_usable(fib, k))
				continue;
			if (best == NULL || k->r.prio < best->r.prio)
				best = k;
		}
		if (best != NULL)
			return best;
	}
	return NULL;
}

void
kern_mark(struct fib *fib)
{
	fib->gen++;
}

struct kern_sweep {
	struct fib	*fib;
	struct fib_htab	*h;
};

static void
kern_sweep_cb(void *arg, struct fib_hnode *x)
{
	struct kern_sweep *s = arg;
	struct fib *fib = s->fib;

	if (s->h == &fib->krs) {
		struct fib_kr *k = (struct fib_kr *)x;

		if (k->gen != fib->gen)
			kern_route(fib, &k->r, 0);
	} else if (s->h == &fib->links) {
		struct fib_link *l = (struct fib_link *)x;

		if (l->gen != fib->gen)
			kern_link(fib, l->ifindex, 0, NULL, 0);
	} else {
		struct fib_neigh *n = (struct fib_neigh *)x;

		if (n->gen != fib->gen)
			kern_ll_update(fib, s->h, n->a, n->ifindex, 0);
	}
}

void
kern_sweep(struct fib *fib)
{
	struct kern_sweep s;

	s.fib = fib;
	s.h = &fib->krs;
	htab_walk(&fib->krs, kern_sweep_cb, &s);
	s.h = &fib->links;
	htab_walk(&fib->links, kern_sweep_cb, &s);
	s.h = &fib->neighs;
	htab_walk(&fib->neighs, kern_sweep_cb, &s);
	s.h = &fib->lladdrs;
	htab_walk(&fib->lladdrs, kern_sweep_cb, &s);
	kern_dirty(fib);
}
