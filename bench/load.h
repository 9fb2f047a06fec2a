/*
 * load.h: the benchmark's routing table, generated from a seed.
 *
 * The feeder and the collector run in different processes (and network
 * namespaces); both call load_gen() with the same arguments and get the same
 * prefixes in the same order, so every daemon is offered exactly the same
 * load and the collector can tell an expected prefix from a stray one.
 */
#ifndef BENCH_LOAD_H
#define BENCH_LOAD_H

#include <stddef.h>
#include <stdint.h>

struct pfx {
	uint8_t afi;		/* 1 = IPv4, 2 = IPv6 (the BGP AFI codes) */
	uint8_t len;		/* prefix length in bits */
	uint8_t addr[16];	/* network byte order, host bits zero */
};

/* A hash slot holds the key itself, so a lookup costs one cache miss. */
struct load_slot {
	uint32_t idx1;		/* index + 1, 0 = empty */
	struct pfx k;
	uint8_t pad[2];
};

struct load {
	struct pfx *p;		/* n4 IPv4 prefixes, then n6 IPv6 ones */
	uint32_t n4, n6, n;
	struct load_slot *slot;	/* open addressing, linear probing */
	size_t slot_bytes;
	uint32_t mask;		/* slot count - 1 */
};

/* 64-bit PRNG (splitmix64): tiny, fast and the same on every platform. */
uint64_t load_rand(uint64_t *state);

int load_gen(struct load *l, uint32_t n4, uint32_t n6, uint64_t seed);
void load_free(struct load *l);

/* Builds the key of the NLRI encoding (len, bytes): bytes holds
 * (len + 7) / 8 octets as on the wire. -1 if len is too long for afi. */
int load_key(struct pfx *k, int afi, int len, const uint8_t *bytes);

/* out[i] = index of k[i], or -1. Batched so that the cache misses of many
 * lookups overlap (prefetch first, compare later): a full table does not fit
 * in any cache, and the collector must outrun every daemon. */
void load_find_many(const struct load *l, const struct pfx *k, size_t n,
    int64_t *out);

#endif
