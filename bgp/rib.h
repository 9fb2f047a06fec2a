/*
 * rib.h: the Loc-RIB with every path kept, best-path selection, and
 * compiled import/export policy (internal to bgp/).
 *
 * Sections by file: radix.c (a path-compressed binary trie per family),
 * rib.c (prefixes and their paths, slab-allocated), decide.c (RFC 4271
 * 9.1.2.2 plus RFC 4456 tie-breaks), policy.c / prefixset.c (compiled
 * BGPRoutePolicy programs).
 *
 * Every path is kept, also those that import policy rejected or loop
 * detection refused (flagged, not used for the decision), so a policy change
 * re-evaluates them without asking the peer again.
 */
#ifndef BGP_RIB_H
#define BGP_RIB_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "bgp/addr.h"
#include "bgp/attr.h"
#include "bgp/model.h"
#include "bgp/radix.h"

/*
 * Where a path came from. Owned by the peer (or by the speaker for local
 * origination), which must rib_flush_src() before freeing it.
 */
struct path_src {
	uint32_t	 id;		/* unique, stable while it lives */
	const char	*name;		/* session name, or "local" */
	int		 local;		/* locally originated */
	int		 ebgp;
	int		 rr_client;	/* the peer is our RR client */
	uint32_t	 remote_as;
	uint32_t	 router_id;	/* the peer's BGP identifier */
	struct addr	 addr;		/* the peer's address */
	uint64_t	 npaths[2];	/* by family index, kept by rib.c */
	uint64_t	 naccepted[2];
};

/* Why a path does not take part in the decision. */
enum path_filter {
	PATH_OK = 0,
	PATH_REJECTED,			/* import policy */
	PATH_LOOP_AS,			/* own AS in AS_PATH */
	PATH_LOOP_ORIGINATOR,		/* own router ID as ORIGINATOR_ID */
	PATH_LOOP_CLUSTER		/* own cluster ID in CLUSTER_LIST */
};

/*
 * 24 bytes: a full table holds one per prefix and peer, so the fields are
 * sized to fit (since in monotonic seconds as bgp_now() gives them). The
 * attribute set is named by a 3-byte index into the table of sets that
 * paths use (path_attrs()), not by an 8-byte pointer.
 */
struct path {
	struct path		*next;	/* in the prefix's list */
	struct path_src		*src;
	uint32_t		 since;	/* monotonic seconds */
	uint8_t			 set[3]; /* rib.c: index of the interned set */
	uint8_t			 filter:3; /* enum path_filter */
	uint8_t			 best:1; /* selected (or ECMP member) */
	uint8_t			 was_best:1; /* rib.c: before this decision */
};

/*
 * rib.c: the sets paths name, by index (0: none), with how many paths
 * name each. A path holds one reference on its set, as with a pointer;
 * the table only names them.
 */
struct rib_set {
	struct attrs		*a;
	uint32_t		 n;	/* paths, or the next free index */
};
extern struct rib_set	*rib_sets;

/* The index naming a for one more path (a stays the caller's). */
uint32_t	 rib_set_ref(struct attrs *a);
/* One path fewer names idx. */
void		 rib_set_unref(uint32_t idx);

static inline uint32_t
path_set(const struct path *p)
{
	return (uint32_t)p->set[0] << 16 | (uint32_t)p->set[1] << 8 |
	    p->set[2];
}

static inline void
path_put_set(struct path *p, uint32_t idx)
{
	p->set[0] = (uint8_t)(idx >> 16);
	p->set[1] = (uint8_t)(idx >> 8);
	p->set[2] = (uint8_t)idx;
}

/* The interned attribute set of p. */
static inline struct attrs *
path_attrs(const struct path *p)
{
	return rib_sets[path_set(p)].a;
}

/*
 * One per prefix, 24 bytes for IPv4 and 32 for IPv6: the prefix is kept
 * packed to its family (radix.h; rib_prefix() unpacks it), and the best
 * path is not a field of its own but the head of the list when it is
 * marked best (decide_select() puts it there).
 */
struct rib_entry {			/* one prefix */
	struct path		*paths;	/* the best one first */
	uint8_t			 key[];	/* radix.c: the prefix, trie links */
};

static inline struct prefix
rib_prefix(const struct rib_entry *e)
{
	return radix_key_prefix(e->key);
}

static inline int
rib_af(const struct rib_entry *e)
{
	return e->key[0];
}

/* The best path of e, NULL when no path is usable. */
static inline struct path *
rib_best(const struct rib_entry *e)
{
	return e->paths != NULL && e->paths->best ? e->paths : NULL;
}

struct rib_hooks {
	void	*arg;
	/*
	 * After the best path of a prefix changed (including to or from
	 * none). old_best's attributes stay valid during the call: they
	 * are old_attrs, which differ from old_best->attrs when that path
	 * was replaced in place. It is also called when only the ECMP set
	 * changed (a member came, went or changed its attributes, or
	 * max_paths changed); then old_best may equal rib_best(e).
	 */
	void	(*best_change)(void *arg, const struct rib_entry *,
		    const struct path *old_best, const struct attrs *old_attrs);
};

struct decide_ctx {			/* what the decision depends on */
	uint32_t	 local_as;
	uint32_t	 router_id;
	uint32_t	 max_paths;
};

/* rib.c */
struct rib	*rib_new(const struct rib_hooks *, const struct decide_ctx *);
/* fatal() if any path is left: flush peers, withdraw local ones first. */
void		 rib_free(struct rib *);
void		 rib_set_ctx(struct rib *, const struct decide_ctx *);
/*
 * Add or replace src's path for prefix p. attrs is interned by the caller;
 * the RIB takes over that reference. A new prefix beyond 2^23 - 1 in its
 * family is dropped with a warning (eight times a full IPv4 table).
 */
void		 rib_update(struct rib *, const struct prefix *,
		    struct path_src *, struct attrs *, enum path_filter);
void		 rib_withdraw(struct rib *, const struct prefix *,
		    struct path_src *);
/* Remove every path of src (peer down). */
void		 rib_flush_src(struct rib *, struct path_src *);
/*
 * Re-run the filter of every path of src (policy change): refilter returns
 * the new filter verdict for a path.
 */
void		 rib_refilter_src(struct rib *, struct path_src *,
		    enum path_filter (*refilter)(void *, const struct prefix *,
		    const struct attrs *), void *arg);
/*
 * Warm the cache for rib_update() or rib_withdraw() of these prefixes
 * (a batch: one message's NLRI). Changes nothing.
 */
void		 rib_prefetch(struct rib *, const struct prefix *, size_t n);
const struct rib_entry *rib_lookup(struct rib *, const struct prefix *);
/*
 * Every entry of family af in prefix order; stop when cb returns non-zero
 * (that value is returned). cb must not change the RIB.
 */
int		 rib_walk(struct rib *, int af,
		    int (*cb)(void *, const struct rib_entry *), void *arg);
/*
 * The same, from the first entry strictly after `after` (of family af; it
 * need not be in the RIB; NULL: from the start): a walk that resumes after
 * a marker costs what it visits, not what it skips.
 */
int		 rib_walk_from(struct rib *, int af, const struct prefix *after,
		    int (*cb)(void *, const struct rib_entry *), void *arg);
size_t		 rib_count(const struct rib *, int af);	/* prefixes */
size_t		 rib_paths(const struct rib *, int af);
size_t		 rib_bytes(const struct rib *);
/* Objects and bytes per allocator (the trie nodes and the paths). */
struct rib_mem {
	const char	*name;		/* "radix4", "radix4_glue", "path", ... */
	size_t		 objects;
	size_t		 bytes;
};
#define RIB_NMEM	5
/* Fills up to n entries; returns how many there are (RIB_NMEM). */
size_t		 rib_mem(const struct rib *, struct rib_mem *, size_t n);

/* decide.c */
/*
 * Order two usable paths: < 0 when a is better. The full RFC 4271 9.1.2.2
 * order: LOCAL_PREF, locally originated, AS_PATH length, ORIGIN, MED (same
 * neighbor AS only; missing = 0), eBGP over iBGP, ORIGINATOR_ID or router
 * ID, CLUSTER_LIST length, peer address.
 */
int		 decide_cmp(const struct decide_ctx *, const struct path *,
		    const struct path *);
/*
 * Select the best of e's usable paths, independent of list order (MED is
 * compared within neighbor-AS groups first). Marks path->best, moves the
 * best path to the head of e's list (see rib_best()) and returns it, or
 * NULL. ECMP members (equal up to the router-ID step) are marked too, up
 * to max_paths.
 */
struct path	*decide_select(const struct decide_ctx *, struct rib_entry *);
/* The effective LOCAL_PREF of a path (100 when absent). */
uint32_t	 decide_local_pref(const struct path *);

/* policy.c / prefixset.c */
struct policy;				/* one compiled BGPRoutePolicy */
enum policy_verdict { POLICY_NOMATCH, POLICY_ACCEPT, POLICY_REJECT };

/* NULL (logged) when the policy is malformed; keep the previous one. */
struct policy	*policy_compile(const struct model_policy *);
void		 policy_free(struct policy *);
const char	*policy_name(const struct policy *);
/* First matching statement decides; POLICY_NOMATCH when none matches. */
enum policy_verdict policy_eval(const struct policy *, const struct prefix *);
/*
 * A peer's chain (policies in name order): the first policy with a
 * matching statement decides; no match at all is accept (API.md).
 * Returns 1 accept, 0 reject.
 */
int		 policy_chain_accepts(struct policy *const *, size_t,
		    const struct prefix *);

/*
 * prefixset.c: one statement's prefixSet, compiled per family into ranges
 * sorted in prefix order with their nesting, so a match is a binary search
 * plus a walk up at most one chain of covering entries.
 */
struct prefixset;
/* NULL (logged, naming the policy) when an entry is malformed. */
struct prefixset *prefixset_new(const char *policy,
		    const struct model_range *, size_t);
void		 prefixset_free(struct prefixset *);
/* 1 when p lies inside an entry's prefix with a length in [min, max]. */
int		 prefixset_match(const struct prefixset *,
		    const struct prefix *);

#endif
