/*
 * stream.c: attribute sets and UPDATE packing for the feeder
 * (RFC 4271 4.3, RFC 4760 MP_REACH/MP_UNREACH, RFC 6793 4-octet AS_PATH,
 * RFC 1997 communities, RFC 8092 large communities).
 *
 * A full table has about a million prefixes but only tens of thousands of
 * distinct attribute sets, and their popularity is heavily skewed: a few
 * transit paths carry most prefixes. We draw each prefix's set from a Zipf
 * law over nsets sets, then send every set's prefixes together, as many per
 * 4096-byte UPDATE as fit, as a router dumping its table would.
 */
#include "stream.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sess.h"

struct aset {
	uint8_t b[160];		/* encoded attributes, NEXT_HOP/MP_REACH excluded */
	uint16_t pre;		/* end of ORIGIN + AS_PATH (NEXT_HOP goes here) */
	uint16_t mid;		/* end of MED + COMMUNITIES (MP_REACH goes here) */
	uint16_t len;
};

static int
grow(struct bytes *o, size_t more)
{
	if (o->len + more > o->cap) {
		size_t cap = o->cap ? o->cap : 1 << 20;
		uint8_t *nb;

		while (cap < o->len + more)
			cap *= 2;
		nb = realloc(o->b, cap);
		if (nb == NULL)
			return -1;
		o->b = nb;
		o->cap = cap;
	}
	return 0;
}

static void
put16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static uint8_t *
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
	return p + 4;
}

/* A transit AS: mostly 2-octet public ones, a third 4-octet (RFC 6793). */
static uint32_t
rand_as(uint64_t *rs)
{
	uint64_t r = load_rand(rs);

	if (r % 3 == 0)
		return 131072 + (uint32_t)((r >> 8) % 270000);
	return 1 + (uint32_t)((r >> 8) % 64000);
}

static void
make_set(struct aset *a, uint32_t feeder_as, uint64_t *rs)
{
	uint32_t path[16];
	int hops = 0, extra, i, ncomm, nlarge;
	uint8_t *p = a->b;

	/* ORIGIN: mostly IGP, some INCOMPLETE. */
	*p++ = 0x40; *p++ = 1; *p++ = 1;
	*p++ = (uint8_t)(load_rand(rs) % 100 < 85 ? 0 : 2);
	/* AS_PATH: the feeder, then 1..8 transit ASes (mean around 4), and
	 * sometimes a prepended origin, as in real tables. */
	path[hops++] = feeder_as;
	extra = 1 + (int)(load_rand(rs) % 4) + (int)(load_rand(rs) % 5);
	for (i = 0; i < extra; i++)
		path[hops++] = rand_as(rs);
	if (load_rand(rs) % 10 == 0) {
		int rep = 1 + (int)(load_rand(rs) % 3);

		for (i = 0; i < rep; i++, hops++)
			path[hops] = path[hops - 1];
	}
	*p++ = 0x40; *p++ = 2; *p++ = (uint8_t)(2 + 4 * hops);
	*p++ = 2; *p++ = (uint8_t)hops;			/* AS_SEQUENCE */
	for (i = 0; i < hops; i++)
		p = put32(p, path[i]);
	a->pre = (uint16_t)(p - a->b);
	/* MED on a third of the sets. */
	if (load_rand(rs) % 3 == 0) {
		*p++ = 0x80; *p++ = 4; *p++ = 4;
		p = put32(p, (uint32_t)(load_rand(rs) % 1000));
	}
	/* COMMUNITIES: none on 40 %, else 1..8 tagged by a path AS. */
	ncomm = load_rand(rs) % 10 < 4 ? 0 : 1 + (int)(load_rand(rs) % 8);
	if (ncomm > 0) {
		*p++ = 0xc0; *p++ = 8; *p++ = (uint8_t)(4 * ncomm);
		for (i = 0; i < ncomm; i++) {
			uint32_t as = path[1 + load_rand(rs) % (uint64_t)extra];

			p = put32(p, (as & 0xffff) << 16 |
			    (uint32_t)(load_rand(rs) % 1000));
		}
	}
	a->mid = (uint16_t)(p - a->b);
	/* LARGE_COMMUNITY on one set in ten. */
	nlarge = load_rand(rs) % 10 == 0 ? 1 + (int)(load_rand(rs) % 3) : 0;
	if (nlarge > 0) {
		*p++ = 0xc0; *p++ = 32; *p++ = (uint8_t)(12 * nlarge);
		for (i = 0; i < nlarge; i++) {
			p = put32(p, path[1 + load_rand(rs) % (uint64_t)extra]);
			p = put32(p, (uint32_t)(load_rand(rs) % 100));
			p = put32(p, (uint32_t)(load_rand(rs) % 100000));
		}
	}
	a->len = (uint16_t)(p - a->b);
}

/* Zipf rank for each prefix, through the inverse of the cumulative law. */
static uint32_t *
assign_sets(const struct load *l, const struct stream_cfg *c)
{
	double *cdf = malloc(c->nsets * sizeof(*cdf)), sum = 0;
	uint32_t *set = malloc((size_t)l->n * sizeof(*set)), i;
	uint64_t rs = c->seed ^ 0x5e75e75e75ULL;

	if (cdf == NULL || set == NULL) {
		free(cdf);
		free(set);
		return NULL;
	}
	for (i = 0; i < c->nsets; i++)
		cdf[i] = (sum += 1.0 / pow((double)(i + 1), c->zipf));
	for (i = 0; i < l->n; i++) {
		double u = (double)(load_rand(&rs) >> 11) / 9007199254740992.0 * sum;
		uint32_t lo = 0, hi = c->nsets - 1;

		while (lo < hi) {
			uint32_t mid = (lo + hi) / 2;

			if (cdf[mid] < u)
				lo = mid + 1;
			else
				hi = mid;
		}
		set[i] = lo;
	}
	free(cdf);
	return set;
}

/* Updates under construction: the header and attributes are written when
 * the first prefix arrives, lengths are fixed up when the message closes. */
struct upd {
	size_t start;		/* offset of the message in out */
	size_t attr_len_at;	/* offset of the total path attribute length */
	size_t mp_len_at;	/* offset of MP_REACH/UNREACH length, or 0 */
	int open;
};

static void
upd_close(struct bytes *o, struct upd *u, struct stream_stats *st)
{
	size_t end = o->len;

	if (!u->open)
		return;
	put16(o->b + u->start + 16, (unsigned)(end - u->start));
	if (u->mp_len_at) {
		put16(o->b + u->mp_len_at, (unsigned)(end - u->mp_len_at - 2));
		put16(o->b + u->attr_len_at, (unsigned)(end - u->attr_len_at - 2));
	}
	u->open = 0;
	st->updates++;
}

static void
upd_header(struct bytes *o, struct upd *u)
{
	u->start = o->len;
	memset(o->b + o->len, 0xff, 16);
	o->b[o->len + 18] = BGP_UPDATE;
	o->len += BGP_HDR;
	u->mp_len_at = 0;
	u->open = 1;
}

static void
put_nlri(struct bytes *o, const struct pfx *p)
{
	size_t n = (size_t)(p->len + 7) / 8;

	o->b[o->len++] = p->len;
	memcpy(o->b + o->len, p->addr, n);
	o->len += n;
}

/* Opens an UPDATE carrying attribute set a for family afi. */
static void
upd_open_announce(struct bytes *o, struct upd *u, const struct aset *a,
    int afi, const struct stream_cfg *c)
{
	uint8_t *p;

	upd_header(o, u);
	p = o->b + o->len;
	put16(p, 0);				/* no withdrawn routes */
	u->attr_len_at = o->len + 2;
	p += 4;
	memcpy(p, a->b, a->pre);
	p += a->pre;
	if (afi == 1) {
		*p++ = 0x40; *p++ = 3; *p++ = 4;
		memcpy(p, c->nh4, 4);
		p += 4;
		memcpy(p, a->b + a->pre, (size_t)(a->len - a->pre));
		p += a->len - a->pre;
		put16(o->b + u->attr_len_at,
		    (unsigned)(p - o->b - (ptrdiff_t)u->attr_len_at - 2));
		o->len = (size_t)(p - o->b);
		return;
	}
	memcpy(p, a->b + a->pre, (size_t)(a->mid - a->pre));
	p += a->mid - a->pre;
	/* LARGE_COMMUNITY (type 32) would sort after MP_REACH (14); putting it
	 * first keeps MP_REACH last so its NLRI can grow in place. */
	memcpy(p, a->b + a->mid, (size_t)(a->len - a->mid));
	p += a->len - a->mid;
	*p++ = 0x90; *p++ = 14;
	u->mp_len_at = (size_t)(p - o->b);
	p += 2;
	put16(p, 2); p += 2;
	*p++ = 1;
	*p++ = 16;
	memcpy(p, c->nh6, 16);
	p += 16;
	*p++ = 0;				/* reserved */
	o->len = (size_t)(p - o->b);
}

int
stream_announce(struct bytes *out, const struct load *l,
    const struct stream_cfg *c, struct stream_stats *st)
{
	struct aset *sets = calloc(c->nsets, sizeof(*sets));
	uint32_t *set = assign_sets(l, c), *order = NULL, *first = NULL;
	uint64_t rs = c->seed ^ 0xa77a77a77ULL;
	uint32_t i, s;
	int fam;

	memset(st, 0, sizeof(*st));
	if (sets == NULL || set == NULL)
		goto fail;
	for (i = 0; i < c->nsets; i++)
		make_set(&sets[i], c->as, &rs);
	/* Counting sort of prefix indices by set, families kept apart. */
	order = malloc((size_t)l->n * sizeof(*order));
	first = calloc((size_t)c->nsets + 1, sizeof(*first));
	if (order == NULL || first == NULL)
		goto fail;
	for (fam = 1; fam <= 2; fam++) {
		uint32_t lo = fam == 1 ? 0 : l->n4, hi = fam == 1 ? l->n4 : l->n;
		struct upd u = {0};

		memset(first, 0, ((size_t)c->nsets + 1) * sizeof(*first));
		for (i = lo; i < hi; i++)
			first[set[i] + 1]++;
		for (s = 0; s < c->nsets; s++)
			first[s + 1] += first[s];
		for (i = lo; i < hi; i++)
			order[lo + first[set[i]]++] = i;
		/* first[s] now ends set s; walk sets in rank order. */
		for (s = 0, i = lo; s < c->nsets; s++) {
			uint32_t end = lo + first[s];

			if (i < end && fam == 1)
				st->sets_used++;
			for (; i < end; i++) {
				const struct pfx *p = &l->p[order[i]];

				if (grow(out, BGP_MAXMSG) < 0)
					goto fail;
				if (u.open && out->len - u.start + 1 +
				    (size_t)(p->len + 7) / 8 > BGP_MAXMSG)
					upd_close(out, &u, st);
				if (!u.open)
					upd_open_announce(out, &u, &sets[s],
					    fam, c);
				put_nlri(out, p);
			}
			upd_close(out, &u, st);
		}
	}
	/* End-of-RIB (RFC 4724): empty UPDATE for IPv4, empty MP_UNREACH for
	 * IPv6. */
	if (grow(out, 64) < 0)
		goto fail;
	{
		static const uint8_t eor4[] = {0, 0, 0, 0};
		static const uint8_t eor6[] = {0, 0, 0, 6, 0x80, 15, 3, 0, 2, 1};
		struct upd u;

		upd_header(out, &u);
		memcpy(out->b + out->len, eor4, sizeof(eor4));
		out->len += sizeof(eor4);
		upd_close(out, &u, st);
		upd_header(out, &u);
		memcpy(out->b + out->len, eor6, sizeof(eor6));
		out->len += sizeof(eor6);
		upd_close(out, &u, st);
	}
	free(sets);
	free(set);
	free(order);
	free(first);
	return 0;
fail:
	free(sets);
	free(set);
	free(order);
	free(first);
	return -1;
}

int
stream_withdraw(struct bytes *out, const struct load *l,
    struct stream_stats *st)
{
	struct upd u = {0};
	size_t wlen_at = 0;
	uint32_t i;

	memset(st, 0, sizeof(*st));
	/* IPv4: the withdrawn routes field of plain UPDATEs. */
	for (i = 0; i < l->n4; i++) {
		if (grow(out, BGP_MAXMSG) < 0)
			return -1;
		if (u.open && out->len - u.start + 1 + 4 + 2 > BGP_MAXMSG) {
			put16(out->b + wlen_at, (unsigned)(out->len - wlen_at - 2));
			put16(out->b + out->len, 0);	/* no attributes */
			out->len += 2;
			upd_close(out, &u, st);
		}
		if (!u.open) {
			upd_header(out, &u);
			wlen_at = out->len;
			out->len += 2;
		}
		put_nlri(out, &l->p[i]);
	}
	if (u.open) {
		put16(out->b + wlen_at, (unsigned)(out->len - wlen_at - 2));
		put16(out->b + out->len, 0);
		out->len += 2;
		upd_close(out, &u, st);
	}
	/* IPv6: an UPDATE holding only MP_UNREACH_NLRI. */
	for (; i < l->n; i++) {
		if (grow(out, BGP_MAXMSG) < 0)
			return -1;
		if (u.open && out->len - u.start + 1 + 16 > BGP_MAXMSG)
			upd_close(out, &u, st);
		if (!u.open) {
			uint8_t *p;

			upd_header(out, &u);
			p = out->b + out->len;
			put16(p, 0);
			u.attr_len_at = out->len + 2;
			p += 4;
			*p++ = 0x90; *p++ = 15;
			u.mp_len_at = (size_t)(p - out->b);
			p += 2;
			put16(p, 2); p += 2;
			*p++ = 1;
			out->len = (size_t)(p - out->b);
		}
		put_nlri(out, &l->p[i]);
	}
	upd_close(out, &u, st);
	return 0;
}
