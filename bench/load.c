/*
 * load.c: deterministic prefix generator and prefix -> index lookup.
 *
 * The prefix-length mix follows the shape of today's Internet table (about
 * 60 % /24 for IPv4 and half /48 for IPv6, with the rest spread over shorter
 * lengths), so daemons see realistic radix-tree depth and overlap between
 * covering and more specific prefixes. IPv4 addresses avoid 0/8, 10/8 (the
 * benchmark's own links), 127/8 and class D/E; IPv6 ones lie in 2000::/3.
 */
#include "load.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

struct lenw {
	uint8_t len;
	uint16_t weight;
};

static const struct lenw v4_lens[] = {
	{24, 600}, {23, 95}, {22, 105}, {21, 45}, {20, 45}, {19, 33},
	{18, 20}, {17, 12}, {16, 30}, {15, 4}, {14, 4}, {13, 3}, {12, 2},
	{11, 1}, {10, 1},
};

static const struct lenw v6_lens[] = {
	{48, 500}, {32, 120}, {44, 90}, {40, 70}, {36, 40}, {29, 30},
	{46, 30}, {47, 20}, {45, 20}, {42, 20}, {33, 15}, {28, 10},
	{24, 10}, {56, 15}, {64, 5},
};

uint64_t
load_rand(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static int
pick_len(const struct lenw *t, size_t n, uint64_t *rs)
{
	uint32_t total = 0, r;
	size_t i;

	for (i = 0; i < n; i++)
		total += t[i].weight;
	r = (uint32_t)(load_rand(rs) % total);
	for (i = 0; i < n; i++) {
		if (r < t[i].weight)
			return t[i].len;
		r -= t[i].weight;
	}
	return t[0].len;
}

static uint32_t
hash_pfx(int afi, int len, const uint8_t *addr)
{
	uint64_t a, b, h;

	memcpy(&a, addr, 8);
	memcpy(&b, addr + 8, 8);
	h = a * 0x9e3779b97f4a7c15ULL ^ b;
	h ^= (uint64_t)(afi << 8 | len) * 0xc2b2ae3d27d4eb4fULL;
	h = (h ^ (h >> 29)) * 0xbf58476d1ce4e5b9ULL;
	return (uint32_t)(h ^ (h >> 32));
}

static void
mask_addr(uint8_t *addr, int len)
{
	int i;

	for (i = 0; i < 16; i++) {
		int bits = len - i * 8;

		if (bits <= 0)
			addr[i] = 0;
		else if (bits < 8)
			addr[i] &= (uint8_t)(0xff << (8 - bits));
	}
}

static int64_t
probe(const struct load *l, const struct pfx *k, uint32_t s, uint32_t *slotp)
{
	for (;; s = (s + 1) & l->mask) {
		const struct load_slot *e = &l->slot[s];

		if (e->idx1 == 0) {
			*slotp = s;
			return -1;
		}
		if (memcmp(&e->k, k, sizeof(*k)) == 0)
			return e->idx1 - 1;
	}
}

static int64_t
lookup(const struct load *l, const struct pfx *k, uint32_t *slotp)
{
	return probe(l, k, hash_pfx(k->afi, k->len, k->addr) & l->mask, slotp);
}

/* Adds k unless it is already there; returns 1 if it was added. */
static int
add(struct load *l, const struct pfx *k)
{
	uint32_t s;

	if (lookup(l, k, &s) >= 0)
		return 0;
	l->p[l->n] = *k;
	l->slot[s].k = *k;
	l->slot[s].idx1 = ++l->n;
	return 1;
}

static void
gen_v4(struct pfx *k, uint64_t *rs)
{
	uint32_t a;

	memset(k, 0, sizeof(*k));
	k->afi = 1;
	k->len = (uint8_t)pick_len(v4_lens, sizeof(v4_lens) / sizeof(v4_lens[0]), rs);
	do {
		a = (uint32_t)load_rand(rs);
	} while ((a >> 24) == 0 || (a >> 24) == 10 || (a >> 24) == 127 ||
	    (a >> 24) >= 224);
	k->addr[0] = (uint8_t)(a >> 24);
	k->addr[1] = (uint8_t)(a >> 16);
	k->addr[2] = (uint8_t)(a >> 8);
	k->addr[3] = (uint8_t)a;
	mask_addr(k->addr, k->len);
}

static void
gen_v6(struct pfx *k, uint64_t *rs)
{
	uint64_t a = load_rand(rs), b = load_rand(rs);

	memset(k, 0, sizeof(*k));
	k->afi = 2;
	k->len = (uint8_t)pick_len(v6_lens, sizeof(v6_lens) / sizeof(v6_lens[0]), rs);
	memcpy(k->addr, &a, 8);
	memcpy(k->addr + 8, &b, 8);
	k->addr[0] = (uint8_t)(0x20 | (k->addr[0] & 0x1f));	/* 2000::/3 */
	mask_addr(k->addr, k->len);
}

int
load_gen(struct load *l, uint32_t n4, uint32_t n6, uint64_t seed)
{
	uint64_t rs = seed;
	uint32_t slots = 1024;
	struct pfx k;

	/* Random /24s and shorter: ~14M /24s exist, keep well below that so
	 * rejection of duplicates stays cheap. */
	if (n4 > 8000000 || n6 > 50000000)
		return -1;
	memset(l, 0, sizeof(*l));
	while (slots < (n4 + n6) + (n4 + n6) / 2)
		slots <<= 1;
	l->mask = slots - 1;
	/* Huge pages where the kernel allows: random lookups over ~50 MB
	 * otherwise miss the TLB on every prefix. */
	l->slot_bytes = (size_t)slots * sizeof(*l->slot);
	l->slot = mmap(NULL, l->slot_bytes, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (l->slot == MAP_FAILED)
		l->slot = NULL;
	else
		madvise(l->slot, l->slot_bytes, MADV_HUGEPAGE);
	l->p = malloc(((size_t)n4 + n6 + 1) * sizeof(*l->p));
	if (l->slot == NULL || l->p == NULL) {
		load_free(l);
		return -1;
	}
	while (l->n < n4) {
		gen_v4(&k, &rs);
		add(l, &k);
	}
	while (l->n < n4 + n6) {
		gen_v6(&k, &rs);
		add(l, &k);
	}
	l->n4 = n4;
	l->n6 = n6;
	return 0;
}

void
load_free(struct load *l)
{
	free(l->p);
	if (l->slot != NULL)
		munmap(l->slot, l->slot_bytes);
	memset(l, 0, sizeof(*l));
}

int
load_key(struct pfx *k, int afi, int len, const uint8_t *bytes)
{
	if (len > (afi == 1 ? 32 : 128))
		return -1;
	memset(k, 0, sizeof(*k));
	k->afi = (uint8_t)afi;
	k->len = (uint8_t)len;
	memcpy(k->addr, bytes, (size_t)(len + 7) / 8);
	if (len % 8)
		k->addr[len / 8] &= (uint8_t)(0xff << (8 - len % 8));
	return 0;
}

void
load_find_many(const struct load *l, const struct pfx *k, size_t n,
    int64_t *out)
{
	uint32_t h[256], s;
	size_t i, j, m;

	for (i = 0; i < n; i += m) {
		m = n - i < 256 ? n - i : 256;
		for (j = 0; j < m; j++) {
			h[j] = hash_pfx(k[i + j].afi, k[i + j].len,
			    k[i + j].addr) & l->mask;
			__builtin_prefetch(&l->slot[h[j]]);
		}
		for (j = 0; j < m; j++)
			out[i + j] = probe(l, &k[i + j], h[j], &s);
	}
}
