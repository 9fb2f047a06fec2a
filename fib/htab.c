/*
 * htab.c: chained hash tables for fib/'s shadow table and kernel mirror.
 *
 * Nodes embed struct fib_hnode and carry their hash, so growing never
 * re-hashes keys and a lookup compares keys only on a hash match. Tables
 * double when their load passes one; they never shrink, as a full table
 * tends to come back after a session flap.
 */
#include <stdlib.h>
#include <string.h>

#include "bgp/log.h"
#include "fib/fib_int.h"

uint32_t
htab_hash(const void *p, size_t n, uint32_t seed)
{
	const uint8_t *b = p;
	uint64_t h = 0x9e3779b97f4a7c15ULL ^ seed;
	size_t i;

	/* 8 bytes at a time, then a final avalanche (splitmix64). */
	for (i = 0; i + 8 <= n; i += 8) {
		uint64_t w;

		memcpy(&w, b + i, 8);
		h = (h ^ w) * 0xbf58476d1ce4e5b9ULL;
		h ^= h >> 31;
	}
	for (; i < n; i++)
		h = (h ^ b[i]) * 0x94d049bb133111ebULL;
	h ^= h >> 30;
	h *= 0xbf58476d1ce4e5b9ULL;
	h ^= h >> 27;
	return (uint32_t)(h ^ (h >> 32));
}

void
htab_init(struct fib_htab *h)
{
	h->mask = 63;
	h->n = 0;
	if ((h->b = calloc(h->mask + 1, sizeof(*h->b))) == NULL)
		fatal("%s: out of memory", __func__);
}

void
htab_free(struct fib_htab *h)
{
	free(h->b);
	h->b = NULL;
	h->n = 0;
}

static void
htab_grow(struct fib_htab *h)
{
	size_t nmask = h->mask * 2 + 1, i;
	struct fib_hnode **nb, *x, *next;

	if ((nb = calloc(nmask + 1, sizeof(*nb))) == NULL)
		fatal("%s: out of memory", __func__);
	for (i = 0; i <= h->mask; i++) {
		for (x = h->b[i]; x != NULL; x = next) {
			next = x->hnext;
			x->hnext = nb[x->hash & nmask];
			nb[x->hash & nmask] = x;
		}
	}
	free(h->b);
	h->b = nb;
	h->mask = nmask;
}

void
htab_add(struct fib_htab *h, struct fib_hnode *x, uint32_t hash)
{
	if (h->n > h->mask)
		htab_grow(h);
	x->hash = hash;
	x->hnext = h->b[hash & h->mask];
	h->b[hash & h->mask] = x;
	h->n++;
}

void
htab_del(struct fib_htab *h, struct fib_hnode *x)
{
	struct fib_hnode **pp;

	for (pp = &h->b[x->hash & h->mask]; *pp != NULL; pp = &(*pp)->hnext) {
		if (*pp == x) {
			*pp = x->hnext;
			h->n--;
			return;
		}
	}
	fatal("%s: node not in its table", __func__);
}

void
htab_walk(struct fib_htab *h, void (*cb)(void *, struct fib_hnode *),
    void *arg)
{
	struct fib_hnode *x, *next;
	size_t i;

	for (i = 0; h->b != NULL && i <= h->mask; i++) {
		for (x = h->b[i]; x != NULL; x = next) {
			next = x->hnext;
			cb(arg, x);
		}
	}
}
