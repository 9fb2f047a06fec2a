/*
 * adjout.c: a peer's Adj-RIB-Out (RFC 4271 3.2): per prefix, the interned
 * attribute set last sent (one reference), and the set of prefixes whose
 * export must be re-examined.
 *
 * Memory is the point: one open-addressing table per family whose entry
 * packs only the address bytes of that family, the prefix length and a
 * 3-byte index into the peer's own table of the sets it was sent (8 bytes
 * per IPv4 prefix, 20 per IPv6); only prefixes that were sent have one.
 * A full table names a few tens of thousands of sets, so the set table
 * (a pointer and a count each, one reference per set) costs little next to
 * the pointer per prefix it replaces. The pending set is a FIFO of changes
 * with their export already computed while the RIB entry is at hand (no
 * second RIB lookup, no table access); repeats are coalesced per batch
 * (update.c), the last one winning. When the FIFO
 * would grow past SPK_PENDING_MAX, it is dropped and the peer re-walks the
 * RIB instead (update.c compares with what was sent, so nothing is lost
 * and memory stays bounded).
 */
#include <stdlib.h>
#include <string.h>

#include "bgp/log.h"
#include "bgp/speaker.h"

struct adj_tab {
	uint8_t		*mem;
	size_t		 esz;		/* entry size for this family */
	size_t		 abytes;	/* address bytes stored */
	size_t		 cap;		/* slots */
	size_t		 used;
	size_t		 sent;		/* entries with attrs */
};

/* A set sent to this peer, by its index in the entries. */
struct adj_set {
	struct attrs	*a;		/* one reference; NULL: on the free list */
	uint32_t	 n;		/* entries naming it, or the next free */
};

#define ADJ_SET_MAX	0xffffffu	/* 3-byte indices, 0 meaning none */

struct adjout {
	struct adj_tab		 tab[2];
	struct adj_set		*sets;	/* index 0 unused */
	uint32_t		 nsets;	/* first index never used */
	uint32_t		 csets;
	uint32_t		 free_set; /* free list head, 0: empty */
	uint32_t		*smap;	/* set indices by attrs pointer */
	size_t			 smap_cap; /* power of two, or 0 */
	size_t			 smap_used;
	struct adj_pend		*q;	/* pending FIFO ring */
	size_t			 qcap, qhead, qlen;
	uint32_t		 gen;	/* see adjout_gen() */
	struct adjout_dump	 dump;
};

static void	adjout_drop_pending(struct adjout *);

/*
 * An entry is packed bytes: the address (4 or 16 bytes), the prefix
 * length plus one (0: a free slot), and the set index in 3 bytes: 8 bytes
 * per IPv4 prefix, 20 per IPv6.
 */
static inline uint8_t *
adj_at(const struct adj_tab *t, size_t i)
{
	return t->mem + i * t->esz;
}

static inline uint8_t
adj_len(const struct adj_tab *t, const uint8_t *e)
{
	return (uint8_t)(e[t->abytes] - 1);
}

static inline int
adj_used(const struct adj_tab *t, const uint8_t *e)
{
	return e[t->abytes] != 0;
}

static inline uint32_t
adj_idx(const struct adj_tab *t, const uint8_t *e)
{
	const uint8_t *x = e + t->abytes + 1;

	return (uint32_t)x[0] << 16 | (uint32_t)x[1] << 8 | x[2];
}

static inline void
adj_set_idx(const struct adj_tab *t, uint8_t *e, uint32_t idx)
{
	uint8_t *x = e + t->abytes + 1;

	x[0] = (uint8_t)(idx >> 16);
	x[1] = (uint8_t)(idx >> 8);
	x[2] = (uint8_t)idx;
}

static uint64_t
adj_hash(const uint8_t *a, size_t n, uint8_t len)
{
	uint64_t h = 0x9e3779b97f4a7c15ull ^ len;
	size_t i;

	for (i = 0; i < n; i += 4) {
		uint32_t w;

		memcpy(&w, a + i, 4);
		h = (h ^ w) * 0xff51afd7ed558ccdull;
		h ^= h >> 32;
	}
	return h;
}

static void
adj_tab_init(struct adj_tab *t, int afi)
{
	memset(t, 0, sizeof(*t));
	t->abytes = afi == BGP_AFI_V4 ? 4 : 16;
	t->esz = t->abytes + 4;
}

/* Fixed-size compares: this is the hottest loop of the table. */
static inline int
adj_key_eq(const struct adj_tab *t, const uint8_t *a, const uint8_t *b)
{
	uint32_t x, y;

	if (t->abytes == 4) {
		memcpy(&x, a, 4);
		memcpy(&y, b, 4);
		return x == y;
	}
	return memcmp(a, b, 16) == 0;
}

/*
 * Home slot of a hash: a multiply-shift range reduction, so the capacity
 * need not be a power of two and the table can grow by half at a time.
 */
static inline size_t
adj_home(const struct adj_tab *t, uint64_t h)
{
	return (size_t)(((h ^ (h >> 32)) & 0xffffffffu) * t->cap >> 32);
}

static inline size_t
adj_next(const struct adj_tab *t, size_t i)
{
	return i + 1 == t->cap ? 0 : i + 1;
}

static size_t
adj_slot(const struct adj_tab *t, const uint8_t *a, uint8_t len, int *found)
{
	size_t i = adj_home(t, adj_hash(a, t->abytes, len));
	uint8_t *e;

	for (;; i = adj_next(t, i)) {
		e = adj_at(t, i);
		if (!adj_used(t, e)) {
			*found = 0;
			return i;
		}
		if (adj_len(t, e) == len && adj_key_eq(t, e, a)) {
			*found = 1;
			return i;
		}
	}
}

#define ADJ_AHEAD	16
static void
adj_grow(struct adj_tab *t)
{
	struct adj_tab n = *t;
	uint8_t *e;
	size_t i, j;
	int found;

	n.cap = t->cap ? t->cap + t->cap / 2 : 1024;
	if ((n.mem = calloc(n.cap, n.esz)) == NULL)
		fatal("%s: out of memory", __func__);
	/*
	 * Entries land in random slots of a table far bigger than the
	 * cache: the slot of an entry ADJ_AHEAD further on is prefetched,
	 * so the misses of a whole table's rehash overlap.
	 */
	for (i = 0; i < t->cap; i++) {
		if (i + ADJ_AHEAD < t->cap &&
		    adj_used(t, e = adj_at(t, i + ADJ_AHEAD)))
			__builtin_prefetch(adj_at(&n, adj_home(&n,
			    adj_hash(e, t->abytes, adj_len(t, e)))), 1);
		e = adj_at(t, i);
		if (!adj_used(t, e))
			continue;
		j = adj_slot(&n, e, adj_len(t, e), &found);
		memcpy(adj_at(&n, j), e, t->esz);
	}
	free(t->mem);
	t->mem = n.mem;
	t->cap = n.cap;
}

static uint8_t *
adj_find(struct adj_tab *t, const struct prefix *p)
{
	size_t i;
	int found;

	if (t->cap == 0)
		return NULL;
	i = adj_slot(t, p->a, p->len, &found);
	return found ? adj_at(t, i) : NULL;
}

static uint8_t *
adj_get(struct adj_tab *t, const struct prefix *p)
{
	uint8_t *e;
	size_t i;
	int found;

	if ((t->used + 1) * 4 > t->cap * 3)
		adj_grow(t);
	i = adj_slot(t, p->a, p->len, &found);
	e = adj_at(t, i);
	if (!found) {
		memset(e, 0, t->esz);
		memcpy(e, p->a, t->abytes);
		e[t->abytes] = (uint8_t)(p->len + 1);
		t->used++;
	}
	return e;
}

/* Remove e, shifting later members of its run back (no tombstones). */
static void
adj_del(struct adj_tab *t, uint8_t *e)
{
	size_t i = (size_t)(e - t->mem) / t->esz, j, k;
	uint8_t *x;

	t->used--;
	for (j = adj_next(t, i);; j = adj_next(t, j)) {
		x = adj_at(t, j);
		if (!adj_used(t, x))
			break;
		k = adj_home(t, adj_hash(x, t->abytes, adj_len(t, x)));
		/* Move x into the hole when its home is not in (i, j]. */
		if ((j > i && (k <= i || k > j)) || (j < i && k <= i && k > j)) {
			memcpy(adj_at(t, i), x, t->esz);
			i = j;
		}
	}
	memset(adj_at(t, i), 0, t->esz);
}

static inline size_t
adj_set_home(const struct adjout *o, const struct attrs *a)
{
	uint64_t h = (uint64_t)(uintptr_t)a * 0x9e3779b97f4a7c15ull;

	return (size_t)(h >> 32) & (o->smap_cap - 1);
}

/* The map slot holding a's index, or the free slot where it would go. */
static size_t
adj_set_slot(const struct adjout *o, const struct attrs *a)
{
	size_t i = adj_set_home(o, a);

	while (o->smap[i] != 0 && o->sets[o->smap[i]].a != a)
		i = (i + 1) & (o->smap_cap - 1);
	return i;
}

static void
adj_set_rehash(struct adjout *o)
{
	uint32_t *old = o->smap;
	size_t ocap = o->smap_cap, i;

	o->smap_cap = ocap ? ocap * 2 : 256;
	if ((o->smap = calloc(o->smap_cap, sizeof(*o->smap))) == NULL)
		fatal("%s: out of memory", __func__);
	for (i = 0; i < ocap; i++)
		if (old[i] != 0)
			o->smap[adj_set_slot(o, o->sets[old[i]].a)] = old[i];
	free(old);
}

/* A free set index, the array grown when needed. */
static uint32_t
adj_set_new(struct adjout *o)
{
	struct adj_set *ns;
	uint32_t idx, n;

	if ((idx = o->free_set) != 0) {
		o->free_set = o->sets[idx].n;
		return idx;
	}
	if (o->nsets == 0)
		o->nsets = 1;
	if (o->nsets > ADJ_SET_MAX)
		fatal("%s: more than %u sets sent to one peer", __func__,
		    ADJ_SET_MAX);
	if (o->nsets >= o->csets) {
		n = o->csets ? o->csets * 2 : 256;
		if ((ns = realloc(o->sets, n * sizeof(*ns))) == NULL)
			fatal("%s: out of memory", __func__);
		o->sets = ns;
		o->csets = n;
	}
	return o->nsets++;
}

/* The index of a for one more entry; the reference a brings is ours. */
static uint32_t
adj_set_ref(struct adjout *o, struct attrs *a)
{
	size_t i;
	uint32_t idx;

	if ((o->smap_used + 1) * 2 > o->smap_cap)
		adj_set_rehash(o);
	i = adj_set_slot(o, a);
	if ((idx = o->smap[i]) != 0) {
		o->sets[idx].n++;
		attr_unref(a);		/* the set holds one already */
		return idx;
	}
	idx = adj_set_new(o);
	o->sets[idx].a = a;
	o->sets[idx].n = 1;
	o->smap[i] = idx;
	o->smap_used++;
	return idx;
}

/* One entry fewer names idx; the last one releases the set. */
static void
adj_set_unref(struct adjout *o, uint32_t idx)
{
	size_t i, j, k, mask = o->smap_cap - 1;

	if (idx == 0 || idx >= o->nsets || o->sets[idx].a == NULL ||
	    o->sets[idx].n == 0)
		fatal("%s: bad set index %u", __func__, idx);
	if (--o->sets[idx].n > 0)
		return;
	/* Out of the map, shifting later members of its run back. */
	i = adj_set_slot(o, o->sets[idx].a);
	o->smap_used--;
	for (j = (i + 1) & mask; o->smap[j] != 0; j = (j + 1) & mask) {
		k = adj_set_home(o, o->sets[o->smap[j]].a);
		if ((j > i && (k <= i || k > j)) ||
		    (j < i && k <= i && k > j)) {
			o->smap[i] = o->smap[j];
			i = j;
		}
	}
	o->smap[i] = 0;
	attr_unref(o->sets[idx].a);
	o->sets[idx].a = NULL;
	o->sets[idx].n = o->free_set;
	o->free_set = idx;
}

struct adjout *
adjout_new(void)
{
	struct adjout *o;

	if ((o = calloc(1, sizeof(*o))) == NULL)
		fatal("%s: out of memory", __func__);
	adj_tab_init(&o->tab[BGP_AFI_V4], BGP_AFI_V4);
	adj_tab_init(&o->tab[BGP_AFI_V6], BGP_AFI_V6);
	return o;
}

void
adjout_free(struct adjout *o)
{
	uint32_t i;

	if (o == NULL)
		return;
	free(o->tab[0].mem);
	free(o->tab[1].mem);
	for (i = 1; i < o->nsets; i++)
		if (o->sets[i].a != NULL)
			attr_unref(o->sets[i].a);
	free(o->sets);
	free(o->smap);
	adjout_drop_pending(o);
	free(o);
}

/* Forget the pending FIFO (the caller re-walks the RIB instead). */
static void
adjout_drop_pending(struct adjout *o)
{
	size_t i;

	for (i = 0; i < o->qlen; i++)
		if (o->q[(o->qhead + i) % o->qcap].x != NULL)
			attr_unref(o->q[(o->qhead + i) % o->qcap].x);
	free(o->q);
	o->q = NULL;
	o->qcap = o->qhead = o->qlen = 0;
}

void
adjout_mark(struct peer *pr, const struct prefix *p, const struct rib_entry *e)
{
	struct adjout *o = pr->out;
	struct adjout_dump *d = &o->dump;
	struct adj_pend *nq;
	size_t i, afi = (size_t)spk_afi(p->af);

	/*
	 * A walk in progress will reach p by itself, unless p left the RIB:
	 * the walk visits the RIB, so a withdrawal is queued.
	 */
	if (e != NULL && d->active[afi] && (!d->started[afi] ||
	    prefix_cmp(p, &d->marker[afi]) > 0))
		return;
	if (o->qlen >= SPK_PENDING_MAX) {
		/*
		 * A walk in progress keeps its marker, so it always ends;
		 * what was dropped behind it is covered by one more walk.
		 */
		adjout_drop_pending(o);
		for (i = 0; i < 2; i++)
			if (d->active[i])
				d->again[i] = 1;
		adjout_redump(pr, 3, d->eor_due);
		return;
	}
	if (o->qlen == o->qcap) {
		size_t ncap = o->qcap ? o->qcap * 2 : 1024;

		if ((nq = malloc(ncap * sizeof(*nq))) == NULL)
			fatal("%s: out of memory", __func__);
		for (i = 0; i < o->qlen; i++)
			nq[i] = o->q[(o->qhead + i) % o->qcap];
		free(o->q);
		o->q = nq;
		o->qcap = ncap;
		o->qhead = 0;
	}
	nq = &o->q[(o->qhead + o->qlen) % o->qcap];
	nq->pfx = *p;
	nq->gen = o->gen;
	nq->x = update_export(pr, e);
	o->qlen++;
	session_want_write(pr->conn);
}

size_t
adjout_take(struct adjout *o, struct adj_pend *out, size_t max)
{
	size_t n = 0;

	while (n < max && o->qlen > 0) {
		out[n++] = o->q[o->qhead];
		o->qhead = (o->qhead + 1) % o->qcap;
		o->qlen--;
	}
	if (o->qlen == 0 && o->qcap > 4096) {
		free(o->q);
		o->q = NULL;
		o->qcap = o->qhead = 0;
	}
	return n;
}

size_t
adjout_npending(const struct adjout *o)
{
	return o->qlen;
}

uint32_t
adjout_gen(const struct adjout *o)
{
	return o->gen;
}

void
adjout_prefetch(struct adjout *o, const struct prefix *p)
{
	struct adj_tab *t = &o->tab[spk_afi(p->af)];

	if (t->cap > 0)
		__builtin_prefetch(adj_at(t, adj_home(t,
		    adj_hash(p->a, t->abytes, p->len))));
}

struct attrs *
adjout_sent(struct adjout *o, const struct prefix *p)
{
	struct adj_tab *t = &o->tab[spk_afi(p->af)];
	uint8_t *e = adj_find(t, p);
	uint32_t idx;

	if (e == NULL || (idx = adj_idx(t, e)) == 0)
		return NULL;
	return o->sets[idx].a;
}

void
adjout_set(struct adjout *o, const struct prefix *p, struct attrs *a)
{
	struct adj_tab *t = &o->tab[spk_afi(p->af)];
	uint32_t old, idx;
	uint8_t *e;

	if (a == NULL) {
		if ((e = adj_find(t, p)) == NULL)
			return;
		if ((old = adj_idx(t, e)) != 0) {
			adj_set_unref(o, old);
			t->sent--;
		}
		adj_del(t, e);
		return;
	}
	e = adj_get(t, p);
	/* The new one first: when both are the same set it stays. */
	idx = adj_set_ref(o, a);
	if ((old = adj_idx(t, e)) != 0)
		adj_set_unref(o, old);
	else
		t->sent++;
	adj_set_idx(t, e, idx);
}

size_t
adjout_bytes(const struct adjout *o)
{
	return sizeof(*o) + o->tab[0].cap * o->tab[0].esz +
	    o->tab[1].cap * o->tab[1].esz + o->qcap * sizeof(*o->q) +
	    o->csets * sizeof(*o->sets) + o->smap_cap * sizeof(*o->smap);
}

size_t
adjout_count(const struct adjout *o, int afi)
{
	return o->tab[afi].sent;
}

struct adjout_dump *
adjout_dump_state(struct adjout *o)
{
	return &o->dump;
}

void
adjout_redump(struct peer *p, int afi_mask, int eor)
{
	struct adjout_dump *d;
	int i;

	if (p->out == NULL)
		return;
	d = &p->out->dump;
	p->out->gen++;
	for (i = 0; i < 2; i++)
		if ((afi_mask & (1 << i)) && p->af_ok[i] && !d->again[i]) {
			d->active[i] = 1;
			d->started[i] = 0;
		}
	if (eor)
		d->eor_due = 1;
	session_want_write(p->conn);
}
