/*
 * fib_int.h: fib/'s internal header, one section per file.
 *
 * The model: every prefix we care about is a fib_ent. What the RIB wants for
 * it is a set of BGP next hops (fib_nhs, interned, shared by every prefix
 * with the same set); resolve.c turns a set into kernel next hops (fib_res,
 * interned) or a reason to hold the prefix back. What the kernel holds is
 * ent->kern. A prefix whose wanted fib_res differs from ent->kern is queued;
 * req.c drains the queue in batches. Comparing interned pointers is how a
 * restart adopts a route without touching it and how a flap that ends where
 * it started sends nothing.
 */
#ifndef FIB_FIB_INT_H
#define FIB_FIB_INT_H

#include <stddef.h>
#include <stdint.h>

#include "bgp/addr.h"
#include "bgp/bgp.h"
#include "fib/fib.h"

struct event;
struct nlmsghdr;

#define FIB_MAXNH	16	/* as struct bgp_route_change */

/* ---- htab.c: chained hash tables of nodes that start with fib_hnode */
struct fib_hnode {
	struct fib_hnode	*hnext;
	uint32_t		 hash;
};
struct fib_htab {
	struct fib_hnode	**b;
	size_t			 mask;		/* buckets - 1 */
	size_t			 n;
};
uint32_t	 htab_hash(const void *, size_t, uint32_t seed);
void		 htab_init(struct fib_htab *);
void		 htab_free(struct fib_htab *);
static inline struct fib_hnode *
htab_bucket(const struct fib_htab *h, uint32_t hash)
{
	return h->b[hash & h->mask];
}
void		 htab_add(struct fib_htab *, struct fib_hnode *, uint32_t);
void		 htab_del(struct fib_htab *, struct fib_hnode *);
/* Calls cb for every node; cb may delete the node it is given. */
void		 htab_walk(struct fib_htab *,
		    void (*cb)(void *, struct fib_hnode *), void *);

/* ---- res.c: interned kernel next-hop sets and BGP next-hop sets */
struct fib_gw {
	uint32_t	 ifindex;
	uint8_t		 af;		/* 0: a device route, no gateway */
	uint8_t		 a[16];
};
struct fib_res {
	struct fib_hnode h;
	uint32_t	 refs;
	uint8_t		 n;
	struct fib_gw	 gw[FIB_MAXNH];	/* sorted, no duplicates */
};
struct fib_ent;
struct fib_nhs {
	struct fib_hnode h;
	uint8_t		 af;		/* family of the routes */
	uint8_t		 n;
	struct bgp_nexthop nh[FIB_MAXNH];
	size_t		 nents;
	struct fib_ent	*ents;		/* through ent->nnext */
	struct fib_res	*res;		/* NULL: the routes are held back */
	char		 why[112];	/* the reason, when held */
};
struct fib;
/* Returns a referenced res for gws (sorted here), or NULL when n == 0. */
struct fib_res	*res_intern(struct fib *, const struct fib_gw *, size_t n);
void		 res_unref(struct fib *, struct fib_res *);
/* *slot = r, taking a new reference on r and dropping the old one. */
void		 res_set(struct fib *, struct fib_res **slot, struct fib_res *r);
int		 res_uses_ifindex(const struct fib_res *, uint32_t);
const char	*res_fmt(const struct fib_res *, char *, size_t);
struct fib_nhs	*nhs_get(struct fib *, int af, const struct bgp_nexthop *,
		    size_t n);
void		 nhs_link(struct fib *, struct fib_nhs *, struct fib_ent *);
void		 nhs_unlink(struct fib *, struct fib_ent *);

/* ---- ent.c: the shadow table of prefixes */
enum {
	ENT_WANT	= 0x01,	/* the RIB has a best path from a peer */
	ENT_QUEUED	= 0x02,
	ENT_INFLIGHT	= 0x04,
	ENT_ADOPTED	= 0x08,	/* found at start, not yet confirmed */
	ENT_FAILED	= 0x10,	/* the kernel refused the last request */
	ENT_OVERRIDDEN	= 0x20,	/* another protocol's route holds the key */
	ENT_UNSEEN	= 0x40	/* resync: not yet seen in the dump */
};
struct fib_ent {
	struct fib_hnode h;
	struct fib_ent	*qnext;		/* queue */
	struct fib_ent	*nprev, *nnext;	/* nhs->ents */
	struct fib_nhs	*nhs;		/* set while ENT_WANT */
	struct fib_res	*kern;		/* what the kernel holds, NULL none */
	struct fib_res	*sent;		/* in flight; NULL for a delete */
	struct prefix	 pfx;
	uint8_t		 flags;
	int16_t		 err;		/* errno of the last refusal */
};
struct fib_ent	*ent_find(struct fib *, const struct prefix *);
struct fib_ent	*ent_get(struct fib *, const struct prefix *);
/* What the kernel should hold for e now (NULL: nothing). */
struct fib_res	*ent_want(const struct fib *, const struct fib_ent *);
/* Queue e when the kernel differs from what it should be, free it when
 * nothing refers to it any more. e may be gone after the call. */
void		 ent_check(struct fib *, struct fib_ent *);
void		 ent_changed(struct fib *, struct fib_ent *);
struct fib_ent	*ent_pop(struct fib *);
void		 ent_free_all(struct fib *);
/* Every change of e->kern goes here, to keep the installed count. */
void		 ent_set_kern(struct fib *, struct fib_ent *, struct fib_res *);
void		 ent_set_overridden(struct fib *, const struct prefix *, int);

/* ---- kern.c: the kernel's own state that resolution reads */
struct fib_route {			/* one parsed rtnetlink route */
	uint32_t	 table;
	uint32_t	 prio;
	struct prefix	 pfx;
	uint8_t		 type;		/* RTN_* */
	uint8_t		 proto;
	uint8_t		 n;
	struct fib_gw	 gw[FIB_MAXNH];
};
struct fib_kr {				/* another protocol's route */
	struct fib_hnode h;
	struct fib_route r;
	uint32_t	 gen;
};
struct fib_link {
	struct fib_hnode h;
	uint32_t	 ifindex;
	unsigned	 up;		/* IFF_UP and IFF_RUNNING */
	uint32_t	 gen;
	char		 name[16];
};
struct fib_neigh {	/* an IPv6 link-local neighbour, or address of ours */
	struct fib_hnode h;
	uint8_t		 a[16];
	uint32_t	 ifindex;
	uint32_t	 gen;
};
void		 kern_init(struct fib *);
void		 kern_free(struct fib *);
void		 kern_route(struct fib *, const struct fib_route *, int add);
void		 kern_link(struct fib *, uint32_t ifindex, unsigned flags,
		    const char *name, int add);
void		 kern_addr6_ll(struct fib *, const uint8_t *a, uint32_t ifindex,
		    int add);
void		 kern_neigh(struct fib *, const uint8_t *a, uint32_t ifindex,
		    int add);
struct fib_link	*kern_link_find(struct fib *, uint32_t ifindex);
/* Best usable route of another protocol covering a, or NULL. */
const struct fib_kr *kern_lookup(struct fib *, const struct addr *);
int		 kern_overrides(struct fib *, const struct prefix *);
uint32_t	 kern_ll_ifindex(struct fib *, const uint8_t *a);
/* Resync: everything not refreshed since kern_mark() goes. */
void		 kern_mark(struct fib *);
void		 kern_sweep(struct fib *);

/* ---- resolve.c: BGP next hops to kernel next hops */
void		 resolve_nhs(struct fib *, struct fib_nhs *);
/* Re-resolve every set; queue the prefixes of those that changed. */
void		 resolve_all(struct fib *);
/* A link went down: the kernel may have dropped routes through it. */
void		 resolve_link_down(struct fib *, uint32_t ifindex);

/* ---- msg.c: rtnetlink messages to and from plain values */
struct nl_msg;
/* 0, or -1 for a message that is not a route we read (cloned, odd family). */
int		 msg_parse_route(struct nlmsghdr *, struct fib_route *);
/*
 * Builds in scratch and copies to buf a request that makes the kernel hold
 * r for p (r NULL: delete p); returns its aligned length, 0 when it does
 * not fit in room.
 */
size_t		 msg_route_req(struct nl_msg *scratch, const struct fib_opts *,
		    const struct prefix *p, const struct fib_res *r,
		    uint32_t seq, void *buf, size_t room);

/* ---- req.c: the request socket: batches out, acks in */
int		 req_open(struct fib *);
void		 req_close(struct fib *);
/* Send up to budget queued requests; 1 when work remains. */
int		 req_flush(struct fib *, size_t budget);
/* Blocking: send everything queued and wait for the acks. */
void		 req_drain(struct fib *);
int		 req_portid(struct fib *);

/* ---- mon.c: notifications and dumps */
int		 mon_open(struct fib *);
void		 mon_close(struct fib *);
/* Blocking initial dump; -1 when netlink fails. */
int		 mon_dump_sync(struct fib *);
void		 mon_resync(struct fib *);

/* ---- fib.c: the module's state, scheduling and accounting */
struct fib_slab {
	void		*chunks;	/* list through the first pointer */
	struct fib_ent	*free;
};
struct fib {
	struct event_base	*base;
	struct fib_opts		 opts;
	struct fib_htab		 ents, nhss, ress;
	struct fib_htab		 krs, links, neighs, lladdrs;
	size_t			 kr_lens[2][129];	/* krs per length */
	uint32_t		 gen;
	struct fib_slab		 slab;
	struct fib_ent		*qhead, *qtail;
	size_t			 nqueued, ninflight, noverridden, nfailed;
	size_t			 ninstalled;
	struct fib_req		*req;
	struct fib_mon		*mon;
	struct event		*ev_flush, *ev_stale, *ev_retry;
	int			 kdirty;	/* re-resolve before flushing */
	int			 converged;
	int			 resyncing;
	int			 initial;	/* in the initial dump */
	int			 closing;
	unsigned		 retry_delay;
	struct fib_stats	 st;
	uint64_t		 errlog_window;	/* rate limit of error logs */
	unsigned		 errlog_count;
};
void		 fib_kick(struct fib *);
void		 fib_error(struct fib *, const struct prefix *, const char *what,
		    int err, const char *detail);
void		 fib_retry_later(struct fib *);
static inline int
fib_af_idx(int af)
{
	return af == AF_INET ? 0 : 1;
}

#endif
