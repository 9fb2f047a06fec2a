/*
 * radix.h: a path-compressed binary trie of prefixes, one per address
 * family (internal to bgp/).
 *
 * The trie stores caller payloads of one fixed size: struct rib_entry in
 * the RIB, a FIB route later. At an offset the owner picks, a payload holds
 * its key packed to the family (RADIX_KEY(af) bytes: family, length, then
 * only the address bytes of that family, 4 for IPv4) followed by
 * RADIX_LINKS bytes that belong to the trie (the links to its children).
 * An IPv4 key then costs 6 bytes, not a whole struct prefix's 18. The
 * payload is the trie node, so its address is stable from insert to delete
 * and it costs no separate allocation.
 *
 * Nodes are named by 24-bit slab indices, not pointers, to keep them small:
 * a node holding a payload is the payload itself, a branching ("glue") node
 * where no prefix sits is 7 bytes. That caps a trie at 2^23 - 1 payloads
 * (eight times today's full IPv4 table): past that, radix_insert() refuses.
 * Walks go in prefix_cmp() order (address, then length), which for this
 * trie is pre-order.
 *
 * Prefixes of RADIX_STRIDE bits or more hang from a table indexed by their
 * first RADIX_STRIDE bits, each slot the root of a small trie; shorter ones
 * share one trie. A descent in a full table then takes about 5 levels, not
 * 21, and levels are cache misses when updates come in random order.
 */
#define RADIX_STRIDE	16
#define RADIX_LINKS	6		/* two 24-bit node references */
#define RADIX_MAX	0x7fffffu	/* payloads, and glue nodes */
#define RADIX_KEY(af)	(2 + addr_bytes(af))	/* packed key bytes */
#ifndef BGP_RADIX_H
#define BGP_RADIX_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "bgp/addr.h"
#include "bgp/slab.h"

struct radix {
	uint8_t		 af;
	uint8_t		 abytes;	/* address bytes in a key */
	uint8_t		 koff;		/* where a payload's key starts */
	uint8_t		 root[3];	/* prefixes under RADIX_STRIDE bits */
	uint8_t		*top;		/* 1 << RADIX_STRIDE roots, or NULL */
	size_t		 ntop;		/* non-empty slots of top */
	size_t		 count;		/* payloads */
	uint32_t	 max;		/* RADIX_MAX, or lower if the owner wants */
	struct slab	 enodes;	/* nodes with a payload */
	struct slab	 gnodes;	/* glue nodes */
};

/*
 * payload_size includes the owner's key_off leading bytes, the key and the
 * trie's links after it.
 */
void	 radix_init(struct radix *, int af, size_t payload_size,
	    size_t key_off);
/* Frees every node; payloads must hold nothing needing release. */
void	 radix_fini(struct radix *);

/* The payload with exactly this prefix, or NULL. */
void	*radix_lookup(const struct radix *, const struct prefix *);
/*
 * The payload for p; a new one (zeroed, its prefix set to p with host bits
 * cleared) when there was none, with *created set to 1. NULL when p is new
 * and the trie is full (RADIX_MAX).
 */
void	*radix_insert(struct radix *, const struct prefix *, int *created);
/*
 * Warm the cache for descents to the n keys ks (of any family: keys of
 * another are skipped): a batch of lookups or inserts then finds its
 * nodes in cache. found[i] is set to the payload of ks[i], or NULL, valid
 * until the trie changes (keys must have their host bits clear, or they
 * are not found). Changes nothing.
 */
void	 radix_prefetch(const struct radix *, const struct prefix *ks,
	    size_t n, void **found);
/* Remove a payload returned by radix_insert(). */
void	 radix_delete(struct radix *, void *payload);
/* Longest-prefix match: the most specific payload containing p, or NULL. */
void	*radix_match(const struct radix *, const struct prefix *);
/*
 * Every payload in prefix order until cb returns non-zero (that value is
 * returned). cb may radix_delete() the payload it is given and nothing else.
 */
int	 radix_walk(struct radix *, int (*cb)(void *arg, void *payload),
	    void *arg);
/*
 * The same for the payloads strictly after prefix `after` (which need not
 * be in the trie; NULL: all): a walk that resumes after a marker starts
 * there, instead of skipping everything before it.
 */
int	 radix_walk_from(struct radix *, const struct prefix *after,
	    int (*cb)(void *arg, void *payload), void *arg);

/* The prefix a packed key (at a payload's key offset) stands for. */
static inline struct prefix
radix_key_prefix(const uint8_t *key)
{
	struct prefix p;

	memset(&p, 0, sizeof(p));
	p.af = key[0];
	p.len = key[1];
	memcpy(p.a, key + 2, addr_bytes(p.af));
	return p;
}

static inline size_t
radix_count(const struct radix *r)
{
	return r->count;
}

size_t	 radix_bytes(const struct radix *);

#endif
