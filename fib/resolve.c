/*
 * resolve.c: from the BGP next hops of a path to the kernel's next hops.
 *
 * A next hop on a connected network is used as it is, on that interface.
 * An IPv6 link-local next hop needs its interface (kern_ll_ifindex). Any
 * other next hop resolves recursively: the longest match among the
 * kernel's routes of other protocols gives the gateways to use. A next hop
 * that matches a blackhole, unreachable or prohibit route, or nothing, or
 * only routes through links that are down, holds the prefix back with a
 * reason: the kernel must never drop its traffic silently.
 */
#include <stdio.h>
#include <string.h>
#include <linux/rtnetlink.h>

#include "bgp/log.h"
#include "fib/fib_int.h"

static const char *
resolve_type_name(uint8_t type)
{
	switch (type) {
	case RTN_BLACKHOLE:	return "blackhole";
	case RTN_UNREACHABLE:	return "unreachable";
	case RTN_PROHIBIT:	return "prohibit";
	default:		return "non-unicast";
	}
}

static size_t
resolve_ll(struct fib *fib, const struct addr *ll, struct fib_gw *out,
    char *why, size_t len)
{
	char a[ADDR_STRLEN];
	uint32_t ifindex = kern_ll_ifindex(fib, ll->a);

	if (ifindex == 0) {
		snprintf(why, len, "link-local next hop %s: no interface "
		    "(no neighbour entry, no single link-local link)",
		    addr_fmt(ll, a, sizeof(a)));
		return 0;
	}
	out->ifindex = ifindex;
	out->af = AF_INET6;
	memcpy(out->a, ll->a, 16);
	return 1;
}

/* The gateways of one BGP next hop; 0 with *why set when there are none. */
static size_t
resolve_one(struct fib *fib, int af, const struct bgp_nexthop *nh,
    struct fib_gw *out, char *why, size_t len)
{
	const struct fib_kr *k;
	struct fib_link *l;
	char a[ADDR_STRLEN], p[PREFIX_STRLEN];
	size_t i, n = 0;

	if (af == AF_INET6 &&
	    (!addr_is_set(&nh->addr) || addr_is_v6_linklocal(&nh->addr))) {
		if (addr_is_v6_linklocal(&nh->addr))
			return resolve_ll(fib, &nh->addr, out, why, len);
		if (nh->ll.af == AF_INET6)
			return resolve_ll(fib, &nh->ll, out, why, len);
		snprintf(why, len, "no next hop");
		return 0;
	}
	if (nh->addr.af != af) {
		snprintf(why, len, "next hop %s is of another address family",
		    addr_fmt(&nh->addr, a, sizeof(a)));
		return 0;
	}
	k = kern_lookup(fib, &nh->addr);
	if (k != NULL && k->r.type == RTN_UNICAST && k->r.n > 0 &&
	    k->r.gw[0].af == 0) {
		/* Connected: the next hop itself, on that link. */
		out->ifindex = k->r.gw[0].ifindex;
		out->af = nh->addr.af;
		memcpy(out->a, nh->addr.a, 16);
		return 1;
	}
	if (af == AF_INET6 && nh->ll.af == AF_INET6)
		return resolve_ll(fib, &nh->ll, out, why, len);
	if (k == NULL) {
		snprintf(why, len, "no route to next hop %s",
		    addr_fmt(&nh->addr, a, sizeof(a)));
		return 0;
	}
	if (k->r.type != RTN_UNICAST) {
		snprintf(why, len, "next hop %s resolves to %s route %s",
		    addr_fmt(&nh->addr, a, sizeof(a)),
		    resolve_type_name(k->r.type),
		    prefix_fmt(&k->r.pfx, p, sizeof(p)));
		return 0;
	}
	for (i = 0; i < k->r.n; i++) {
		l = kern_link_find(fib, k->r.gw[i].ifindex);
		if (k->r.gw[i].af != 0 && l != NULL && l->up)
			out[n++] = k->r.gw[i];
	}
	if (n == 0)
		snprintf(why, len, "next hop %s: route %s has no usable "
		    "gateway", addr_fmt(&nh->addr, a, sizeof(a)),
		    prefix_fmt(&k->r.pfx, p, sizeof(p)));
	return n;
}

void
resolve_nhs(struct fib *fib, struct fib_nhs *s)
{
	struct fib_gw gw[FIB_MAXNH], one[FIB_MAXNH];
	char why[sizeof(s->why)], later[sizeof(s->why)];
	size_t i, j, k, n = 0;
	struct fib_res *r;

	why[0] = '\0';
	for (i = 0; i < s->n; i++) {
		/* The first failure is the reason given. */
		k = resolve_one(fib, s->af, &s->nh[i], one,
		    why[0] ? later : why, sizeof(why));
		for (j = 0; j < k && n < FIB_MAXNH; j++)
			gw[n++] = one[j];
	}
	r = res_intern(fib, gw, n);
	if (r == NULL && why[0] == '\0')
		snprintf(why, sizeof(why), "no next hop");
	snprintf(s->why, sizeof(s->why), "%s", r == NULL ? why : "");
	res_unref(fib, s->res);
	s->res = r;
}

static void
resolve_all_cb(void *arg, struct fib_hnode *x)
{
	struct fib *fib = arg;
	struct fib_nhs *s = (struct fib_nhs *)x;
	struct fib_res *old = s->res;
	struct fib_ent *e, *next;

	if (old != NULL)
		old->refs++;	/* keep it comparable across the swap */
	resolve_nhs(fib, s);
	if (s->res != old) {
		for (e = s->ents; e != NULL; e = next) {
			next = e->nnext;
			ent_changed(fib, e);
		}
	}
	res_unref(fib, old);
}

void
resolve_all(struct fib *fib)
{
	fib->kdirty = 0;
	htab_walk(&fib->nhss, resolve_all_cb, fib);
}

struct resolve_down {
	struct fib	*fib;
	uint32_t	 ifindex;
};

static void
resolve_down_cb(void *arg, struct fib_hnode *x)
{
	struct resolve_down *d = arg;
	struct fib_nhs *s = (struct fib_nhs *)x;
	struct fib_ent *e, *next;

	if (!res_uses_ifindex(s->res, d->ifindex))
		return;
	for (e = s->ents; e != NULL; e = next) {
		next = e->nnext;
		if (!res_uses_ifindex(e->kern, d->ifindex))
			continue;
		/* The kernel dropped or will drop it: rewrite it whatever
		 * the link does next. */
		ent_set_kern(d->fib, e, NULL);
		ent_changed(d->fib, e);
	}
}

void
resolve_link_down(struct fib *fib, uint32_t ifindex)
{
	struct resolve_down d;

	d.fib = fib;
	d.ifindex = ifindex;
	htab_walk(&fib->nhss, resolve_down_cb, &d);
}
