/*
 * radix.c: path-compressed binary trie of prefixes (see radix.h).
 *
 * Each node sits at a bit position: a payload node at its prefix length, a
 * glue node at the first bit where its two subtrees differ. Children branch
 * on the bit at that position. Glue nodes store no key: every key below one
 * shares the bits above it, so a search descends on bits alone and checks
 * the full prefix where it lands (the classic PATRICIA argument). Glue
 * always has two children; a payload node has zero, one or two.
 *
 * A node reference is a 24-bit slab index; the top bit says which slab
 * (glue). A link is the 3 bytes holding one, big-endian: in a payload right
 * after its key, in a glue node, in the table of roots.
 *
 * A key is packed (radix.h): family, length, then only the address bytes
 * of the trie's family, so keys are compared on those bytes alone.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "bgp/log.h"
#include "bgp/radix.h"

#define RADIX_GLUE	0x800000u
#define RADIX_DEPTH	136		/* > 129 levels of strictly rising bits */

struct radix_gnode {			/* 7 bytes, unaligned */
	uint8_t		 child[2][3];
	uint8_t		 bit;
};

static inline uint32_t
radix_get(const uint8_t *link)
{
	return (uint32_t)link[0] << 16 | (uint32_t)link[1] << 8 | link[2];
}

static inline void
radix_set(uint8_t *link, uint32_t ref)
{
	link[0] = (uint8_t)(ref >> 16);
	link[1] = (uint8_t)(ref >> 8);
	link[2] = (uint8_t)ref;
}

/* addr_bit(), inline: it runs at every level of every descent. */
static inline unsigned
radix_bitat(const uint8_t *a, unsigned i)
{
	return (a[i / 8] >> (7 - i % 8)) & 1;
}

static inline int
radix_is_glue(uint32_t ref)
{
	return (ref & RADIX_GLUE) != 0;
}

static inline struct radix_gnode *
radix_glue(const struct radix *r, uint32_t ref)
{
	return slab_ptr(&r->gnodes, ref & ~RADIX_GLUE);
}

/* The key of payload node ref: family, length, address bytes. */
static inline uint8_t *
radix_key(const struct radix *r, uint32_t ref)
{
	return (uint8_t *)slab_ptr(&r->enodes, ref) + r->koff;
}

static inline void *
radix_payload(const struct radix *r, uint32_t ref)
{
	return slab_ptr(&r->enodes, ref);
}

/* The link to ref's child on side (0 or 1). */
static inline uint8_t *
radix_child(const struct radix *r, uint32_t ref, unsigned side)
{
	if (radix_is_glue(ref))
		return radix_glue(r, ref)->child[side];
	return radix_key(r, ref) + 2 + r->abytes + 3 * side;
}

static inline unsigned
radix_bit(const struct radix *r, uint32_t ref)
{
	if (radix_is_glue(ref))
		return radix_glue(r, ref)->bit;
	return radix_key(r, ref)[1];
}

/* Does payload node ref hold exactly k (canonical)? */
static inline int
radix_key_eq(const struct radix *r, uint32_t ref, const struct prefix *k)
{
	const uint8_t *e = radix_key(r, ref);

	return e[1] == k->len && memcmp(e + 2, k->a, r->abytes) == 0;
}

void
radix_init(struct radix *r, int af, size_t payload_size, size_t key_off)
{
	if ((af != AF_INET && af != AF_INET6) || key_off > 64 ||
	    payload_size < key_off + RADIX_KEY(af) + RADIX_LINKS)
		fatal("%s: af %d payload %zu key at %zu", __func__, af,
		    payload_size, key_off);
	memset(r, 0, sizeof(*r));
	r->af = (uint8_t)af;
	r->abytes = (uint8_t)addr_bytes(af);
	r->koff = (uint8_t)key_off;
	r->max = RADIX_MAX;
	slab_init(&r->enodes, af == AF_INET ? "radix4" : "radix6",
	    payload_size, 8, 1);
	slab_init(&r->gnodes, af == AF_INET ? "radix4_glue" : "radix6_glue",
	    sizeof(struct radix_gnode), 1, 1);
}

void
radix_fini(struct radix *r)
{
	slab_fini(&r->enodes);
	slab_fini(&r->gnodes);
	free(r->top);
	r->top = NULL;
	r->ntop = 0;
	memset(r->root, 0, sizeof(r->root));
	r->count = 0;
}

size_t
radix_bytes(const struct radix *r)
{
	return slab_bytes(&r->enodes) + slab_bytes(&r->gnodes) +
	    (r->top != NULL ? (size_t)3 << RADIX_STRIDE : 0);
}

static inline size_t
radix_slot(const uint8_t *a)
{
	return (size_t)a[0] << 8 | a[1];
}

/* The root of the trie k belongs in, 0 when that trie is empty. */
static uint32_t
radix_root_of(const struct radix *r, const struct prefix *k)
{
	if (k->len < RADIX_STRIDE)
		return radix_get(r->root);
	return r->top != NULL ? radix_get(r->top + 3 * radix_slot(k->a)) : 0;
}

/*
 * The root link of k's trie; NULL when k would sit in the table but it
 * does not exist yet and alloc is not set.
 */
static uint8_t *
radix_rootp(struct radix *r, const struct prefix *k, int alloc)
{
	if (k->len < RADIX_STRIDE)
		return r->root;
	if (r->top == NULL) {
		if (!alloc)
			return NULL;
		if ((r->top = calloc((size_t)1 << RADIX_STRIDE, 3)) == NULL)
			fatal("%s: out of memory", __func__);
	}
	return r->top + 3 * radix_slot(k->a);
}

/* The key as the trie stores it, or fatal(): callers route by family. */
static struct prefix
radix_canon(const struct radix *r, const struct prefix *p)
{
	struct prefix k = *p;

	if (k.af != r->af || k.len > addr_bits(k.af))
		fatal("%s: prefix af %u len %u in a trie of af %u", __func__,
		    k.af, k.len, r->af);
	prefix_mask(&k);
	return k;
}

/* Leading bits a and b share, at most limit. */
static unsigned
radix_common(const uint8_t *a, const uint8_t *b, unsigned limit)
{
	unsigned i = 0;
	uint8_t x;

	while (i + 8 <= limit && a[i / 8] == b[i / 8])
		i += 8;
	if (i >= limit)
		return limit;
	x = a[i / 8] ^ b[i / 8];
	while (i < limit && (x & (0x80 >> (i % 8))) == 0)
		i++;
	return i;
}

static uint32_t
radix_new_entry(struct radix *r, const struct prefix *k)
{
	uint32_t ref = slab_get(&r->enodes);
	uint8_t *e;

	if (ref > RADIX_MAX)
		fatal("%s: index %u past the cap", __func__, ref);
	e = radix_key(r, ref);
	e[0] = k->af;
	e[1] = k->len;
	memcpy(e + 2, k->a, r->abytes);
	r->count++;
	return ref;
}

static uint32_t
radix_new_glue(struct radix *r, unsigned bit, uint32_t c0, uint32_t c1)
{
	uint32_t idx = slab_get(&r->gnodes);
	struct radix_gnode *g = slab_ptr(&r->gnodes, idx);

	if (idx > RADIX_MAX)
		fatal("%s: index %u past the cap", __func__, idx);
	g->bit = (uint8_t)bit;
	radix_set(g->child[0], c0);
	radix_set(g->child[1], c1);
	return idx | RADIX_GLUE;
}

/*
 * Room for one more payload and one more glue node? A slab hands out a
 * fresh index only when none is free, so its indices stay at most its
 * peak use.
 */
static int
radix_full(const struct radix *r)
{
	uint32_t max = r->max < RADIX_MAX ? r->max : RADIX_MAX;

	return slab_inuse(&r->enodes) >= max || slab_inuse(&r->gnodes) >= max;
}

void *
radix_lookup(const struct radix *r, const struct prefix *p)
{
	struct prefix k = radix_canon(r, p);
	uint32_t n = radix_root_of(r, &k);
	unsigned b;

	while (n != 0 && (b = radix_bit(r, n)) < k.len)
		n = radix_get(radix_child(r, n, radix_bitat(k.a, b)));
	if (n == 0 || radix_is_glue(n) || !radix_key_eq(r, n, &k))
		return NULL;
	return radix_payload(r, n);
}

/* The bytes of node ref, glue or payload. */
static inline const void *
radix_node(const struct radix *r, uint32_t ref)
{
	if (radix_is_glue(ref))
		return radix_glue(r, ref);
	return radix_payload(r, ref);
}

/*
 * The levels of one descent depend on each other, so one descent has one
 * cache miss in flight at a time; descents of different keys do not, so
 * stepping RADIX_PF of them side by side keeps that many in flight. Where
 * a descent ends on a payload, the cache line after the trie's links (the
 * payload's own fields) is prefetched too, and found[] gets the payload
 * when its prefix is the key's.
 */
#define RADIX_PF	16
static inline void
radix_prefetch_end(const struct radix *r, uint32_t ref,
    const struct prefix *k, void **found)
{
	__builtin_prefetch(radix_child(r, ref, 0) + RADIX_LINKS);
	if (radix_key_eq(r, ref, k))
		*found = radix_payload(r, ref);
}

static void
radix_prefetch_group(const struct radix *r, const struct prefix *ks,
    size_t n, void **found)
{
	uint32_t cur[RADIX_PF];
	size_t i, live = 0;
	unsigned b;

	for (i = 0; i < n; i++) {
		cur[i] = 0;
		found[i] = NULL;
		if (ks[i].af != r->af || ks[i].len > addr_bits(ks[i].af))
			continue;
		if ((cur[i] = radix_root_of(r, &ks[i])) != 0) {
			__builtin_prefetch(radix_node(r, cur[i]));
			live++;
		}
	}
	while (live > 0)
		for (i = 0; i < n; i++) {
			if (cur[i] == 0)
				continue;
			if ((b = radix_bit(r, cur[i])) >= ks[i].len) {
				if (!radix_is_glue(cur[i]))
					radix_prefetch_end(r, cur[i], &ks[i],
					    &found[i]);
				cur[i] = 0;
			} else
				cur[i] = radix_get(radix_child(r, cur[i],
				    radix_bitat(ks[i].a, b)));
			if (cur[i] != 0)
				__builtin_prefetch(radix_node(r, cur[i]));
			else
				live--;
		}
}

void
radix_prefetch(const struct radix *r, const struct prefix *ks, size_t n,
    void **found)
{
	size_t i;

	for (i = 0; i < n; i += RADIX_PF)
		radix_prefetch_group(r, ks + i, n - i < RADIX_PF ? n - i :
		    RADIX_PF, found + i);
}

/* Any payload node at or below ref. */
static uint32_t
radix_any_entry(const struct radix *r, uint32_t ref)
{
	while (radix_is_glue(ref))
		ref = radix_get(radix_child(r, ref, 0));
	return ref;
}

/* Step 3 of radix_insert(): x is the node at link, k is not in the trie. */
static uint32_t
radix_place(struct radix *r, uint8_t *link, uint32_t x,
    const struct prefix *k, const uint8_t *ea, unsigned d)
{
	unsigned b = radix_bit(r, x);
	uint32_t nw = radix_new_entry(r, k);

	if (b == d && d == k->len) {
		/* Glue where k sits: k takes its place and children. */
		memcpy(radix_child(r, nw, 0), radix_child(r, x, 0), 3);
		memcpy(radix_child(r, nw, 1), radix_child(r, x, 1), 3);
		radix_set(link, nw);
		slab_put(&r->gnodes, x & ~RADIX_GLUE);
	} else if (d == k->len) {
		/* k covers x. */
		radix_set(radix_child(r, nw, radix_bitat(ea, d)), x);
		radix_set(link, nw);
	} else if (b == d) {
		/* x covers k, and k's side of x is free. */
		if (radix_is_glue(x) ||
		    radix_get(radix_child(r, x, radix_bitat(k->a, d))) != 0)
			fatal("%s: trie broken at bit %u", __func__, d);
		radix_set(radix_child(r, x, radix_bitat(k->a, d)), nw);
	} else {
		/* k and x part at bit d. */
		radix_set(link, radix_bitat(k->a, d) ?
		    radix_new_glue(r, d, x, nw) : radix_new_glue(r, d, nw, x));
	}
	return nw;
}

void *
radix_insert(struct radix *r, const struct prefix *p, int *created)
{
	struct prefix k = radix_canon(r, p);
	const uint8_t *e;
	uint8_t *links[RADIX_DEPTH], *link;
	uint32_t n, x, nw;
	unsigned b, d, depth, i;

	*created = 0;
	/*
	 * 1. Descend on k's bits, remembering the links taken, to a key
	 * that shares as many leading bits with k as any in the trie.
	 */
	links[0] = radix_rootp(r, &k, 1);
	for (depth = 0; (n = radix_get(links[depth])) != 0 &&
	    (b = radix_bit(r, n)) < k.len; depth++) {
		if (depth + 1 == RADIX_DEPTH)
			fatal("%s: trie deeper than %d", __func__, RADIX_DEPTH);
		links[depth + 1] = radix_child(r, n, radix_bitat(k.a, b));
	}
	if (depth == 0 && n == 0) {
		if (radix_full(r))
			return NULL;
		radix_set(links[0], nw = radix_new_entry(r, &k));
		r->ntop += k.len >= RADIX_STRIDE;
		*created = 1;
		return radix_payload(r, nw);
	}
	e = radix_key(r, radix_any_entry(r, n != 0 ? n :
	    radix_get(links[depth - 1])));
	d = radix_common(k.a, e + 2, k.len < e[1] ? k.len : e[1]);

	/*
	 * 2. The first node at or past bit d on that path: every node above
	 * it branched on a bit where k and e agree.
	 */
	for (i = 0; i < depth && radix_bit(r, radix_get(links[i])) < d; i++)
		;
	link = links[i];
	x = radix_get(link);
	if (x != 0 && !radix_is_glue(x) && radix_bit(r, x) == d &&
	    d == k.len)
		return radix_payload(r, x);	/* there already */
	if (radix_full(r))
		return NULL;
	/* 3. k goes at link: alone, in place of glue, above, below, beside x. */
	if (x == 0)
		radix_set(link, nw = radix_new_entry(r, &k));
	else
		nw = radix_place(r, link, x, &k, e + 2, d);
	*created = 1;
	return radix_payload(r, nw);
}

void
radix_delete(struct radix *r, void *payload)
{
	struct prefix key = radix_key_prefix((uint8_t *)payload + r->koff);
	const struct prefix *k = &key;
	uint8_t *rootp = radix_rootp(r, k, 0), *link = rootp, *plink = NULL;
	uint32_t x = 0, p, c0, c1;
	unsigned b;

	if (link == NULL)
		fatal("%s: payload not in the trie", __func__);
	while ((x = radix_get(link)) != 0 &&
	    (radix_is_glue(x) || radix_payload(r, x) != payload)) {
		if ((b = radix_bit(r, x)) >= k->len)
			break;
		plink = link;
		link = radix_child(r, x, radix_bitat(k->a, b));
	}
	if (x == 0 || radix_is_glue(x) || radix_payload(r, x) != payload)
		fatal("%s: payload not in the trie", __func__);
	c0 = radix_get(radix_child(r, x, 0));
	c1 = radix_get(radix_child(r, x, 1));
	if (c0 != 0 && c1 != 0)
		radix_set(link, radix_new_glue(r, k->len, c0, c1));
	else if (c0 != 0 || c1 != 0)
		radix_set(link, c0 | c1);
	else {
		radix_set(link, 0);
		/* A glue parent left with one child is replaced by it. */
		if (plink != NULL && radix_is_glue(p = radix_get(plink))) {
			radix_set(plink, radix_get(radix_child(r, p, 0)) |
			    radix_get(radix_child(r, p, 1)));
			slab_put(&r->gnodes, p & ~RADIX_GLUE);
		}
	}
	/* A slot emptied; the table goes with its last one. */
	if (radix_get(rootp) == 0 && k->len >= RADIX_STRIDE &&
	    --r->ntop == 0) {
		free(r->top);
		r->top = NULL;
	}
	r->count--;
	slab_put(&r->enodes, x);
}

/* Longest match for k in the trie under n. */
static void *
radix_match_in(const struct radix *r, uint32_t n, const struct prefix *k)
{
	struct prefix e;
	void *best = NULL;
	unsigned b;

	while (n != 0) {
		b = radix_bit(r, n);
		if (!radix_is_glue(n)) {
			/* Nothing below a non-covering key can cover k. */
			e = radix_key_prefix(radix_key(r, n));
			if (!prefix_contains(&e, k))
				break;
			best = radix_payload(r, n);
		}
		if (b >= k->len)
			break;
		n = radix_get(radix_child(r, n, radix_bitat(k->a, b)));
	}
	return best;
}

void *
radix_match(const struct radix *r, const struct prefix *p)
{
	struct prefix k = radix_canon(r, p);
	void *best = NULL;

	/* Anything in the table is longer than anything in the short trie. */
	if (k.len >= RADIX_STRIDE && r->top != NULL)
		best = radix_match_in(r, radix_get(r->top +
		    3 * radix_slot(k.a)), &k);
	if (best == NULL)
		best = radix_match_in(r, radix_get(r->root), &k);
	return best;
}

/* Pre-order iteration over one trie, safe against deleting what it gave. */
struct radix_iter {
	uint32_t	 stack[RADIX_DEPTH];
	unsigned	 sp;
	uint32_t	 n;
};

static void
radix_iter_init(struct radix_iter *it, uint32_t root)
{
	it->sp = 0;
	it->n = root;
}

static void *
radix_iter_next(const struct radix *r, struct radix_iter *it)
{
	uint32_t n, c1;

	while (it->n != 0 || it->sp > 0) {
		if (it->n == 0)
			it->n = it->stack[--it->sp];
		/* Step past n's children before n is handed out. */
		n = it->n;
		if ((c1 = radix_get(radix_child(r, n, 1))) != 0) {
			if (it->sp == RADIX_DEPTH)
				fatal("%s: trie deeper than %d", __func__,
				    RADIX_DEPTH);
			it->stack[it->sp++] = c1;
		}
		it->n = radix_get(radix_child(r, n, 0));
		if (!radix_is_glue(n))
			return radix_payload(r, n);
	}
	return NULL;
}

/*
 * Position it at the first node after k in pre-order (prefix order) in
 * the trie under root. On the way down, a subtree wholly after k is left
 * on the stack (deepest on top, which is the order they come in) or, where
 * the descent ends, becomes the current node; one wholly before k is
 * skipped. A subtree shares the first radix_bit() bits of any of its keys.
 */
static void
radix_iter_seek(const struct radix *r, struct radix_iter *it, uint32_t n,
    const struct prefix *k)
{
	const uint8_t *e;
	unsigned b, m, d;
	uint32_t c1;

	it->sp = 0;
	it->n = 0;
	while (n != 0) {
		b = radix_bit(r, n);
		e = radix_key(r, radix_any_entry(r, n));
		m = b < k->len ? b : k->len;
		if ((d = radix_common(k->a, e + 2, m)) < m) {
			if (radix_bitat(k->a, d) == 0)
				it->n = n;	/* all of it after k */
			return;
		}
		if (k->len < b) {
			it->n = n;	/* all longer than k, k's bits first */
			return;
		}
		/* n's own key, if any, is k or covers k: not after it. */
		c1 = radix_get(radix_child(r, n, 1));
		if (k->len == b || radix_bitat(k->a, b) == 0) {
			if (c1 != 0) {
				if (it->sp == RADIX_DEPTH)
					fatal("%s: trie deeper than %d",
					    __func__, RADIX_DEPTH);
				it->stack[it->sp++] = c1;
			}
			n = radix_get(radix_child(r, n, 0));
			if (k->len == b) {
				it->n = n;
				return;
			}
		} else
			n = c1;
	}
}

static int
radix_walk_iter(struct radix *r, struct radix_iter *it,
    int (*cb)(void *, void *), void *arg)
{
	void *pl;
	int rc;

	while ((pl = radix_iter_next(r, it)) != NULL)
		if ((rc = cb(arg, pl)) != 0)
			return rc;
	return 0;
}

/*
 * The short trie merged with the table's slots: a short prefix comes
 * before every prefix of the slot its address falls in, and after those
 * of every earlier slot. Resuming after k starts at k's slot: nothing in
 * an earlier one, short or not, comes after k.
 */
int
radix_walk_from(struct radix *r, const struct prefix *after,
    int (*cb)(void *, void *), void *arg)
{
	struct radix_iter it, st;
	struct prefix k;
	uint8_t *s;
	size_t slot, first = 0;
	uint32_t root;
	int rc;

	if (after != NULL) {
		k = radix_canon(r, after);
		first = radix_slot(k.a);
		radix_iter_seek(r, &it, radix_get(r->root), &k);
	} else
		radix_iter_init(&it, radix_get(r->root));
	s = radix_iter_next(r, &it);
	for (slot = first; r->top != NULL && slot < (size_t)1 << RADIX_STRIDE;
	    slot++) {
		if ((root = radix_get(r->top + 3 * slot)) == 0)
			continue;
		for (; s != NULL && radix_slot(s + r->koff + 2) <= slot;
		    s = radix_iter_next(r, &it))
			if ((rc = cb(arg, s)) != 0)
				return rc;
		/* cb may have emptied the table: top is read each round. */
		if (r->top == NULL)
			break;
		if ((root = radix_get(r->top + 3 * slot)) == 0)
			continue;
		if (after != NULL && slot == first && k.len >= RADIX_STRIDE)
			radix_iter_seek(r, &st, root, &k);
		else
			radix_iter_init(&st, root);
		if ((rc = radix_walk_iter(r, &st, cb, arg)) != 0)
			return rc;
	}
	for (; s != NULL; s = radix_iter_next(r, &it))
		if ((rc = cb(arg, s)) != 0)
			return rc;
	return 0;
}

int
radix_walk(struct radix *r, int (*cb)(void *, void *), void *arg)
{
	return radix_walk_from(r, NULL, cb, arg);
}
