/*
 * attr.h: path attributes, decoded, and their interning (internal to bgp/).
 *
 * The codec (wire_*.c) decodes an UPDATE's attributes into a struct attrs
 * whose variable parts point into a caller-supplied scratch arena; the RIB
 * interns it (attr.c): identical sets are stored once, in one allocation,
 * hashed and reference-counted. An interned set is immutable.
 *
 * Sections by file: attr.c (interning), aspath.c (AS_PATH helpers),
 * community.c (community helpers).
 */
#ifndef BGP_ATTR_H
#define BGP_ATTR_H

#include <stddef.h>
#include <stdint.h>

#include "bgp/addr.h"

/* Type codes (IANA). */
#define ATTR_ORIGIN		1
#define ATTR_AS_PATH		2
#define ATTR_NEXT_HOP		3
#define ATTR_MED		4
#define ATTR_LOCAL_PREF		5
#define ATTR_ATOMIC_AGGREGATE	6
#define ATTR_AGGREGATOR		7
#define ATTR_COMMUNITIES	8
#define ATTR_ORIGINATOR_ID	9
#define ATTR_CLUSTER_LIST	10
#define ATTR_MP_REACH_NLRI	14
#define ATTR_MP_UNREACH_NLRI	15
#define ATTR_EXT_COMMUNITIES	16
#define ATTR_AS4_PATH		17
#define ATTR_AS4_AGGREGATOR	18
#define ATTR_LARGE_COMMUNITIES	32

/* Flag bits of the attribute flags octet. */
#define ATTR_FLAG_OPTIONAL	0x80
#define ATTR_FLAG_TRANSITIVE	0x40
#define ATTR_FLAG_PARTIAL	0x20
#define ATTR_FLAG_EXTLEN	0x10

/* Bits of attrs.present, one per attribute we hold. */
#define ATTR_P(t)		(1u << (t))	/* for t < 32 */
#define ATTR_P_LARGE		(1u << 0)	/* type 32 has no bit of its own */

#define ORIGIN_IGP		0
#define ORIGIN_EGP		1
#define ORIGIN_INCOMPLETE	2

/* AS_PATH segment types. */
#define AS_SET			1
#define AS_SEQUENCE		2
#define AS_CONFED_SEQUENCE	3
#define AS_CONFED_SET		4

#define AS_TRANS		23456

/* Well-known communities (RFC 1997, RFC 7999). */
#define COMM_NO_EXPORT			0xffffff01u
#define COMM_NO_ADVERTISE		0xffffff02u
#define COMM_NO_EXPORT_SUBCONFED	0xffffff03u
#define COMM_BLACKHOLE			0xffff029au

struct attrs {
	/* Interning bookkeeping, owned by attr.c; zero in a scratch set. */
	struct attrs	*hnext;
	uint32_t	 hash;
	uint32_t	 refcnt;

	uint32_t	 present;	/* ATTR_P() bits */
	uint8_t		 origin;
	/*
	 * AS_PATH in wire form with 4-octet ASNs (segments of type, count,
	 * ASNs), whatever the peer spoke: AS4_PATH is already merged in.
	 */
	const uint8_t	*aspath;
	uint16_t	 aspath_len;
	struct addr	 nexthop;	/* NEXT_HOP or MP_REACH global */
	struct addr	 nexthop_ll;	/* MP_REACH IPv6 link-local, or none */
	uint32_t	 med;
	uint32_t	 local_pref;
	uint32_t	 aggr_as;	/* AGGREGATOR, 4-octet (merged) */
	uint32_t	 aggr_id;
	const uint32_t	*communities;	/* host order, sorted, unique */
	uint16_t	 ncommunities;
	const uint8_t	*ext;		/* 8 bytes each, wire order */
	uint16_t	 next;
	const uint32_t	*large;		/* triples, host order */
	uint16_t	 nlarge;
	uint32_t	 originator_id;	/* host order */
	const uint32_t	*clusters;	/* host order, path order */
	uint16_t	 nclusters;
	/*
	 * Unknown optional transitive attributes to pass on, re-encoded in
	 * wire form (flags with Partial set, type, length, value), type order.
	 */
	const uint8_t	*unknown;
	uint16_t	 unknown_len;
};

/* attr.c: the intern table. */
void		 attr_init(void);
/* Returns the interned equal of a (refcount +1); a is not kept. */
struct attrs	*attr_intern(const struct attrs *a);
struct attrs	*attr_ref(struct attrs *);
void		 attr_unref(struct attrs *);	/* fatal() on underflow */
int		 attr_equal(const struct attrs *, const struct attrs *);
size_t		 attr_count(void);		/* distinct sets held */
size_t		 attr_bytes(void);		/* bytes held by them */
void		 attr_shutdown(void);		/* fatal() if any are left */

/* aspath.c: AS_PATH (4-octet wire form) helpers. */
/* Length for the decision process: AS_SET counts 1, confed segments 0. */
unsigned	 aspath_length(const uint8_t *, size_t);
/* Leftmost AS of the first AS_SEQUENCE, 0 when none (MED comparison). */
uint32_t	 aspath_neighbor_as(const uint8_t *, size_t);
int		 aspath_contains(const uint8_t *, size_t, uint32_t as);
/*
 * Prepend as once into out (cap bytes); returns the new length or -1.
 * A leading AS_SEQUENCE with room is extended, else a segment is added.
 */
int		 aspath_prepend(const uint8_t *, size_t, uint32_t as,
		    uint8_t *out, size_t cap);
/* Flatten every ASN in path order into out; returns the count. */
size_t		 aspath_flatten(const uint8_t *, size_t, uint32_t *out,
		    size_t cap);
/* 0 when the segments are well formed (types 1..4, counts >= 1, exact). */
int		 aspath_valid(const uint8_t *, size_t);

/* community.c */
int		 community_has(const struct attrs *, uint32_t);
const char	*community_fmt(uint32_t, char *, size_t);
/* Sort n words of w u32s (1 standard, 3 large) and drop repeats; new n. */
size_t		 community_canon(uint32_t *, size_t n, size_t w);

#endif
