/*
 * adjout.c: a peer's Adj-RIB-Out (RFC 4271 3.2): per prefix, the interned
 * attribute set last sent (one reference), and the set of prefixes whose
 * export must be re-examined.
 *
 * Memory is the point: one open-addressing table per family whose entry
 * packs only the address bytes of that family, the prefix length, a used
 * mark and the attrs pointer (12 bytes per IPv4 prefix, 24 per IPv6);
 * only prefixes that were sent have one. The pending set is a FIFO of changes
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

struct adjout {
	struct adj_tab		 tab[2];
	struct adj_pend		*q;	/* pending FIFO ring */
	size_t			 qcap, qhead, qlen;
	uint32_t		 gen;	/* see adjout_gen() */
	struct adjout_dump	 dump;
};

static void	adjout_drop_pending(struct adjout *);

/*
 * An entry is packed bytes: the address (4 or 16 bytes), the prefix
 * length, a used mark, and the attrs pointer in 6 bytes (user-space
 * addresses fit in 48 bits; checked when stored): 12 bytes per IPv4
 * prefix, 24 per IPv6.
 */
static inline uint8_t *
adj_at(const struct adj_tab *t, size_t i)
{
	return t->mem + i * t->esz;
}

static inline uint8_t
adj_len(const struct adj_tab *t, const uint8_t *e)
{
	return e[t->abytes];
}

static inline int
adj_used(const struct adj_tab *t, const uint8_t *e)
{
	return e[t->abytes + 1] != 0;
}

static inline struct attrs *
adj_attrs(const struct adj_tab *t, const uint8_t *e)
{
	uint64_t v = 0;
	int k;

	for (k = 5; k >= 0; k--)
		v = v << 8 | e[t->abytes + 2 + k];
	return (struct attrs *)(uintptr_t)v;
}

static inline void
adj_set_attrs(const struct adj_tab *t, uint8_t *e, struct attrs *a)
{
	uint64_t v = (uint64_t)(uintptr_t)a;
	int k;

	if (v >> 48)
		fatal("%s: pointer %p does not fit 48 bits", __func__,
		    (void *)a);
	for (k = 0; k < 6; k++, v >>= 8)
		e[t->abytes + 2 + k] = (uint8_t)v;
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
	t->esz = t->abytes + 8;
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
		e[t->abytes] = p->len;
		e[t->abytes + 1] = ADJ_USED;
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
	struct adj_tab *t;
	uint8_t *e;
	size_t k, i;

	if (o == NULL)
		return;
	for (k = 0; k < 2; k++) {
		t = &o->tab[k];
		for (i = 0; i < t->cap; i++) {
			e = adj_at(t, i);
			if (adj_used(t, e) && adj_attrs(t, e) != NULL)
				attr_unref(adj_attrs(t, e));
		}
		free(t->mem);
	}
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

	return e != NULL ? adj_attrs(t, e) : NULL;
}

void
adjout_set(struct adjout *o, const struct prefix *p, struct attrs *a)
{
	struct adj_tab *t = &o->tab[spk_afi(p->af)];
	struct attrs *old;
	uint8_t *e;

	if (a == NULL) {
		if ((e = adj_find(t, p)) == NULL)
			return;
		if ((old = adj_attrs(t, e)) != NULL) {
			attr_unref(old);
			t->sent--;
		}
		adj_del(t, e);
		return;
	}
	e = adj_get(t, p);
	if ((old = adj_attrs(t, e)) != NULL)
		attr_unref(old);
	else
		t->sent++;
	adj_set_attrs(t, e, a);
}

size_t
adjout_bytes(const struct adjout *o)
{
	return sizeof(*o) + o->tab[0].cap * o->tab[0].esz +
	    o->tab[1].cap * o->tab[1].esz + o->qcap * sizeof(*o->q);
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
