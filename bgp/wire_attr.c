/*
 * wire_attr.c: path attributes on the wire, one descriptor per type code.
 *
 * RFC 4271 4.3, 5 and 6.3 (the attributes and their checks), RFC 7606
 * (revised error handling: each descriptor names the outcome of a
 * malformed attribute), RFC 4760 (MP_REACH_NLRI / MP_UNREACH_NLRI),
 * RFC 6793 (AS4_PATH, AS4_AGGREGATOR and their merge), RFC 1997, 4360,
 * 8092 (communities), RFC 4456 (ORIGINATOR_ID, CLUSTER_LIST).
 *
 * Decoded variable parts go to the caller's arena, aligned for uint32_t;
 * nothing is allocated. Where we deviate: confederation segments from an
 * external peer are malformed (we run no confederation, RFC 5065 5);
 * LARGE_COMMUNITIES are sorted and de-duplicated like COMMUNITIES so equal
 * sets intern once (their order carries no meaning, RFC 8092).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bgp/log.h"
#include "bgp/wire.h"

#define F_WK		ATTR_FLAG_TRANSITIVE
#define F_OPT		ATTR_FLAG_OPTIONAL
#define F_OT		(ATTR_FLAG_OPTIONAL | ATTR_FLAG_TRANSITIVE)

struct attr_unknown {
	uint8_t		 flags, type;
	struct cur	 v;
};

/* The state of decoding one UPDATE's attributes. */
struct attr_dec {
	const struct wire_peer_ctx *ctx;
	struct arena	*ar;
	struct update_msg *u;
	int		 oom;
	uint8_t		 seen[32];		/* type bitmap */
	struct cur	 as4path;
	int		 has_as4path;
	uint32_t	 as4aggr_as, as4aggr_id;
	int		 has_as4aggr;
	struct addr	 mp_nh, mp_nh_ll;
	const char	*detail;		/* why a decoder said no */
	struct attr_unknown unk[256];
	size_t		 nunk;
};

struct attr_enc {
	int		 af, as4;
	size_t		 mp_off, tail_off;
};

enum attr_len_rule { LEN_ANY, LEN_FIXED, LEN_MULT };

struct attr_desc {
	const char	*name;
	uint8_t		 flags;		/* expected Optional/Transitive */
	enum attr_len_rule len_rule;
	uint8_t		 len;		/* exact, or a non-zero multiple of */
	enum upd_action	 on_error;	/* RFC 7606 outcome when malformed */
	uint8_t		 subcode;	/* for a session reset */
	int		 ebgp_discard;	/* meaningless from outside the AS */
	int		(*dec)(struct attr_dec *, struct cur *);
	int		(*enc)(struct wbuf *, const struct attrs *,
			    struct attr_enc *);
};

/* Room for n bytes in the arena, 4-byte aligned; NULL when full. */
static void *
attr_alloc(struct attr_dec *d, size_t n)
{
	struct arena *ar = d->ar;
	size_t pad = (size_t)(-(uintptr_t)(ar->p + ar->len) & 3u);
	void *p;

	if (ar->cap - ar->len < pad + n) {
		d->oom = 1;
		return NULL;
	}
	p = ar->p + ar->len + pad;
	ar->len += pad + n;
	return p;
}

/*
 * One AS_PATH segment of ASNs of asz octets: 1 with the type, count and
 * ASNs taken, 0 at the end, -1 when malformed (type, empty, overrun).
 */
static int
attr_seg_next(struct cur *c, size_t asz, uint8_t *type, uint8_t *cnt,
    struct cur *asns)
{
	if (cur_left(c) == 0)
		return 0;
	if (cur_u8(c, type) == -1 || cur_u8(c, cnt) == -1)
		return -1;
	if (*type < AS_SET || *type > AS_CONFED_SET || *cnt == 0)
		return -1;
	return cur_sub(c, (size_t)*cnt * asz, asns) == -1 ? -1 : 1;
}

static uint32_t
attr_asn(struct cur *asns, size_t asz)
{
	uint16_t a16;
	uint32_t a32;

	if (asz == 2)
		return cur_u16(asns, &a16) == -1 ? 0 : a16;
	return cur_u32(asns, &a32) == -1 ? 0 : a32;
}

static int
attr_is_confed(uint8_t type)
{
	return type == AS_CONFED_SEQUENCE || type == AS_CONFED_SET;
}

/* RFC 4271 9.1.2.2 a) counting, which RFC 6793 4.2.3 uses to merge. */
static size_t
attr_path_count(const uint8_t *p, size_t len)
{
	struct cur c, asns;
	uint8_t type, cnt;
	size_t n = 0;

	cur_init(&c, p, len);
	while (attr_seg_next(&c, 4, &type, &cnt, &asns) == 1)
		n += type == AS_SET ? 1 : attr_is_confed(type) ? 0 : cnt;
	return n;
}

static void
attr_put_u32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* ---- decoders: 0 ok, -1 malformed (the descriptor says what then) ---- */

static int
attr_dec_origin(struct attr_dec *d, struct cur *v)
{
	uint8_t o;

	if (cur_u8(v, &o) == -1 || o > ORIGIN_INCOMPLETE)
		return -1;
	d->u->attrs.origin = o;
	return 0;
}

/* Validate a path of asz-octet ASNs and write it with 4-octet ASNs. */
static int
attr_path_expand(struct attr_dec *d, struct cur *v, size_t asz,
    int no_confed, uint8_t **out, size_t *outlen)
{
	struct cur c = *v, asns;
	uint8_t type, cnt, *p;
	size_t len = 0, i;
	int r;

	while ((r = attr_seg_next(&c, asz, &type, &cnt, &asns)) == 1) {
		if (no_confed && attr_is_confed(type))
			return -1;
		len += 2 + (size_t)cnt * 4;
	}
	if (r == -1 || len > UINT16_MAX)
		return -1;
	if ((p = attr_alloc(d, len ? len : 1)) == NULL)
		return -1;
	*out = p;
	*outlen = len;
	c = *v;
	while (attr_seg_next(&c, asz, &type, &cnt, &asns) == 1) {
		*p++ = type;
		*p++ = cnt;
		for (i = 0; i < cnt; i++, p += 4)
			attr_put_u32(p, attr_asn(&asns, asz));
	}
	return 0;
}

static int
attr_dec_aspath(struct attr_dec *d, struct cur *v)
{
	uint8_t *p;
	size_t len;

	if (attr_path_expand(d, v, d->ctx->as4 ? 4 : 2, d->ctx->ebgp,
	    &p, &len) == -1)
		return -1;
	d->u->attrs.aspath = p;
	d->u->attrs.aspath_len = (uint16_t)len;
	return 0;
}

static int
attr_dec_nexthop(struct attr_dec *d, struct cur *v)
{
	struct addr nh = { .af = AF_INET };

	if (cur_bytes(v, nh.a, 4) == -1)
		return -1;
	/* RFC 4271 6.3: 0.0.0.0 and multicast/class E are semantic errors. */
	if ((nh.a[0] | nh.a[1] | nh.a[2] | nh.a[3]) == 0 || nh.a[0] >= 224) {
		d->detail = "is not a unicast address";
		return -1;
	}
	d->u->nexthop4 = nh;
	d->u->attrs.nexthop = nh;
	return 0;
}

static int
attr_dec_med(struct attr_dec *d, struct cur *v)
{
	return cur_u32(v, &d->u->attrs.med);
}

static int
attr_dec_localpref(struct attr_dec *d, struct cur *v)
{
	return cur_u32(v, &d->u->attrs.local_pref);
}

static int
attr_dec_atomic(struct attr_dec *d, struct cur *v)
{
	(void)d;
	(void)v;
	return 0;
}

static int
attr_dec_aggregator(struct attr_dec *d, struct cur *v)
{
	struct attrs *a = &d->u->attrs;
	uint16_t as16;

	/* RFC 7606 7.7: 6 octets from a 2-octet peer, 8 from a 4-octet one. */
	if (cur_left(v) != (d->ctx->as4 ? 8u : 6u)) {
		d->detail = "length does not match the AS size";
		return -1;
	}
	if (d->ctx->as4) {
		if (cur_u32(v, &a->aggr_as) == -1)
			return -1;
	} else {
		if (cur_u16(v, &as16) == -1)
			return -1;
		a->aggr_as = as16;
	}
	return cur_u32(v, &a->aggr_id);
}

/*
 * Read words of w u32s each into the arena, sorted and unique.
 * Returns the number of words kept, or -1.
 */
static int
attr_read_sorted(struct attr_dec *d, struct cur *v, size_t w,
    const uint32_t **out)
{
	size_t n = cur_left(v) / (4 * w), i;
	uint32_t *p;

	if ((p = attr_alloc(d, n * 4 * w)) == NULL)
		return -1;
	for (i = 0; i < n * w; i++)
		if (cur_u32(v, &p[i]) == -1)
			return -1;
	*out = p;
	return (int)community_canon(p, n, w);
}

static int
attr_dec_communities(struct attr_dec *d, struct cur *v)
{
	int n = attr_read_sorted(d, v, 1, &d->u->attrs.communities);

	if (n == -1)
		return -1;
	d->u->attrs.ncommunities = (uint16_t)n;
	return 0;
}

static int
attr_dec_large(struct attr_dec *d, struct cur *v)
{
	int n = attr_read_sorted(d, v, 3, &d->u->attrs.large);

	if (n == -1)
		return -1;
	d->u->attrs.nlarge = (uint16_t)n;
	return 0;
}

static int
attr_dec_originator(struct attr_dec *d, struct cur *v)
{
	return cur_u32(v, &d->u->attrs.originator_id);
}

static int
attr_dec_clusters(struct attr_dec *d, struct cur *v)
{
	size_t n = cur_left(v) / 4, i;
	uint32_t *p;

	if ((p = attr_alloc(d, n * 4)) == NULL)
		return -1;
	for (i = 0; i < n; i++)
		if (cur_u32(v, &p[i]) == -1)
			return -1;
	d->u->attrs.clusters = p;
	d->u->attrs.nclusters = (uint16_t)n;
	return 0;
}

static int
attr_dec_ext(struct attr_dec *d, struct cur *v)
{
	size_t n = cur_left(v);
	uint8_t *p;

	if ((p = attr_alloc(d, n)) == NULL || cur_bytes(v, p, n) == -1)
		return -1;
	d->u->attrs.ext = p;
	d->u->attrs.next = (uint16_t)(n / 8);
	return 0;
}

/* Every prefix of an NLRI field parses. */
static int
attr_nlri_valid(struct cur c, int af)
{
	struct prefix p;
	int r;

	while ((r = wire_nlri_next(&c, af, &p)) == 1)
		;
	return r;
}

/* AFI and SAFI; *af is 0 for a family we do not carry. */
static int
attr_mp_family(struct cur *v, int *af)
{
	uint16_t afi;
	uint8_t safi;

	if (cur_u16(v, &afi) == -1 || cur_u8(v, &safi) == -1)
		return -1;
	*af = safi == SAFI_UNICAST ? wire_afi_to_af(afi) : 0;
	return 0;
}

static int
attr_mp_nexthop(struct attr_dec *d, int af, struct cur *nh)
{
	static const uint8_t zero[16];
	size_t n = cur_left(nh);

	/* RFC 4760 3 with RFC 2545 3 for IPv6 (global, then link-local). */
	if ((af == AF_INET && n != 4) ||
	    (af == AF_INET6 && n != 16 && n != 32)) {
		d->detail = "next hop length does not match the family";
		return -1;
	}
	d->mp_nh.af = (uint8_t)af;
	if (cur_bytes(nh, d->mp_nh.a, addr_bytes(af)) == -1)
		return -1;
	if (n == 32) {
		if (cur_bytes(nh, d->mp_nh_ll.a, 16) == -1)
			return -1;
		if (memcmp(d->mp_nh_ll.a, zero, 16) != 0)
			d->mp_nh_ll.af = AF_INET6;
	}
	return 0;
}

static int
attr_dec_mp_reach(struct attr_dec *d, struct cur *v)
{
	struct cur nh;
	uint8_t nhlen, reserved;
	int af;

	if (attr_mp_family(v, &af) == -1 || cur_u8(v, &nhlen) == -1 ||
	    cur_sub(v, nhlen, &nh) == -1 || cur_u8(v, &reserved) == -1)
		return -1;
	if (af == 0)
		return 0;	/* not ours: skip its NLRI, no error */
	if (attr_mp_nexthop(d, af, &nh) == -1)
		return -1;
	if (attr_nlri_valid(*v, af) == -1) {
		d->detail = "has a malformed prefix";
		return -1;
	}
	d->u->mp_reach_af = af;
	d->u->mp_reach = *v;
	return 0;
}

static int
attr_dec_mp_unreach(struct attr_dec *d, struct cur *v)
{
	int af;

	if (attr_mp_family(v, &af) == -1)
		return -1;
	if (af == 0)
		return 0;
	if (attr_nlri_valid(*v, af) == -1) {
		d->detail = "has a malformed prefix";
		return -1;
	}
	d->u->mp_unreach_af = af;
	d->u->mp_unreach = *v;
	return 0;
}

static int
attr_dec_as4path(struct attr_dec *d, struct cur *v)
{
	struct cur c = *v, asns;
	uint8_t type, cnt;
	int r;

	/* RFC 6793 4.1: a 4-octet peer has no business sending it. */
	if (d->ctx->as4) {
		d->detail = "from a 4-octet AS peer";
		return -1;
	}
	/* RFC 6793 6: confederation segments make it malformed. */
	while ((r = attr_seg_next(&c, 4, &type, &cnt, &asns)) == 1)
		if (attr_is_confed(type))
			return -1;
	if (r == -1)
		return -1;
	d->as4path = *v;
	d->has_as4path = 1;
	return 0;
}

static int
attr_dec_as4aggr(struct attr_dec *d, struct cur *v)
{
	if (d->ctx->as4) {
		d->detail = "from a 4-octet AS peer";
		return -1;
	}
	if (cur_u32(v, &d->as4aggr_as) == -1 ||
	    cur_u32(v, &d->as4aggr_id) == -1)
		return -1;
	d->has_as4aggr = 1;
	return 0;
}

/* ---- encoders: 0 ok (also when there is nothing to write), -1 error ---- */

static void
attr_hdr(struct wbuf *w, uint8_t flags, uint8_t type, size_t len)
{
	if (len > UINT16_MAX) {
		w->err = 1;
		return;
	}
	if (len > 255) {
		wbuf_u8(w, flags | ATTR_FLAG_EXTLEN);
		wbuf_u8(w, type);
		wbuf_u16(w, (uint16_t)len);
	} else {
		wbuf_u8(w, flags & (uint8_t)~ATTR_FLAG_EXTLEN);
		wbuf_u8(w, type);
		wbuf_u8(w, (uint8_t)len);
	}
}

static int
attr_enc_origin(struct wbuf *w, const struct attrs *a, struct attr_enc *e)
{
	(void)e;
	/* Well-known mandatory: an announcement always carries it. */
	attr_hdr(w, F_WK, ATTR_ORIGIN, 1);
	return wbuf_u8(w, a->origin);
}

/*
 * Length of a's path written with asz-octet ASNs; with skip_confed, of
 * its non-confederation segments (AS4_PATH). *big: an ASN needs 4 octets
 * in a segment that is kept. -1 when the path is malformed.
 */
static long
attr_path_len(const struct attrs *a, size_t asz, int skip_confed, int *big)
{
	struct cur c, asns;
	uint8_t type, cnt;
	long len = 0;
	int r, i;

	*big = 0;
	cur_init(&c, a->aspath, a->aspath_len);
	while ((r = attr_seg_next(&c, 4, &type, &cnt, &asns)) == 1) {
		if (skip_confed && attr_is_confed(type))
			continue;
		len += 2 + (long)cnt * (long)asz;
		for (i = 0; i < cnt; i++)
			if (attr_asn(&asns, 4) > 0xffff)
				*big = 1;
	}
	return r == -1 ? -1 : len;
}

/* a's path with asz-octet ASNs; AS_TRANS stands in for big ones. */
static void
attr_path_write(struct wbuf *w, const struct attrs *a, size_t asz,
    int skip_confed)
{
	struct cur c, asns;
	uint8_t type, cnt;
	uint32_t as;
	int i;

	cur_init(&c, a->aspath, a->aspath_len);
	while (attr_seg_next(&c, 4, &type, &cnt, &asns) == 1) {
		if (skip_confed && attr_is_confed(type))
			continue;
		wbuf_u8(w, type);
		wbuf_u8(w, cnt);
		for (i = 0; i < cnt; i++) {
			as = attr_asn(&asns, 4);
			if (asz == 4)
				wbuf_u32(w, as);
			else
				wbuf_u16(w, as > 0xffff ? AS_TRANS :
				    (uint16_t)as);
		}
	}
}

static int
attr_enc_aspath(struct wbuf *w, const struct attrs *a, struct attr_enc *e)
{
	size_t asz = e->as4 ? 4 : 2;
	long len;
	int big;

	if ((len = attr_path_len(a, asz, 0, &big)) == -1)
		return -1;
	attr_hdr(w, F_WK, ATTR_AS_PATH, (size_t)len);
	attr_path_write(w, a, asz, 0);
	return 0;
}

static int
attr_enc_as4path(struct wbuf *w, const struct attrs *a, struct attr_enc *e)
{
	long len;
	int big;

	/* RFC 6793 4.2.2: only to a 2-octet peer, only when it matters. */
	if (e->as4)
		return 0;
	if ((len = attr_path_len(a, 4, 1, &big)) == -1)
		return -1;
	if (!big)
		return 0;
	attr_hdr(w, F_OT, ATTR_AS4_PATH, (size_t)len);
	attr_path_write(w, a, 4, 1);
	return 0;
}

static int
attr_enc_nexthop(struct wbuf *w, const struct attrs *a, struct attr_enc *e)
{
	if (e->af != AF_INET)
		return 0;
	if (a->nexthop.af != AF_INET)
		return -1;
	attr_hdr(w, F_WK, ATTR_NEXT_HOP, 4);
	return wbuf_bytes(w, a->nexthop.a, 4);
}

static int
attr_enc_med(struct wbuf *w, const struct attrs *a, struct attr_enc *e)
{
	(void)e;
	if (!(a->present & ATTR_P(ATTR_MED)))
		return 0;
	attr_hdr(w, F_OPT, ATTR_MED, 4);
	return wbuf_u32(w, a->med);
}

static int
attr_enc_localpref(struct wbuf *w, const struct attrs *a,
    struct attr_enc *e)
{
	(void)e;
	if (!(a->present & ATTR_P(ATTR_LOCAL_PREF)))
		return 0;
	attr_hdr(w, F_WK, ATTR_LOCAL_PREF, 4);
	return wbuf_u32(w, a->local_pref);
}

static int
attr_enc_atomic(struct wbuf *w, const struct attrs *a, struct attr_enc *e)
{
	(void)e;
	if (a->present & ATTR_P(ATTR_ATOMIC_AGGREGATE))
		attr_hdr(w, F_WK, ATTR_ATOMIC_AGGREGATE, 0);
	return 0;
}

static int
attr_enc_aggregator(struct wbuf *w, const struct attrs *a,
    struct attr_enc *e)
{
	if (!(a->present & ATTR_P(ATTR_AGGREGATOR)))
		return 0;
	if (e->as4) {
		attr_hdr(w, F_OT, ATTR_AGGREGATOR, 8);
		wbuf_u32(w, a->aggr_as);
	} else {
		attr_hdr(w, F_OT, ATTR_AGGREGATOR, 6);
		wbuf_u16(w, a->aggr_as > 0xffff ? AS_TRANS :
		    (uint16_t)a->aggr_as);
	}
	return wbuf_u32(w, a->aggr_id);
}

static int
attr_enc_as4aggr(struct wbuf *w, const struct attrs *a, struct attr_enc *e)
{
	if (e->as4 || !(a->present & ATTR_P(ATTR_AGGREGATOR)) ||
	    a->aggr_as <= 0xffff)
		return 0;
	attr_hdr(w, F_OT, ATTR_AS4_AGGREGATOR, 8);
	wbuf_u32(w, a->aggr_as);
	return wbuf_u32(w, a->aggr_id);
}

static void
attr_put_words(struct wbuf *w, uint8_t flags, uint8_t type,
    const uint32_t *v, size_t n)
{
	size_t i;

	attr_hdr(w, flags, type, n * 4);
	for (i = 0; i < n; i++)
		wbuf_u32(w, v[i]);
}

static int
attr_enc_communities(struct wbuf *w, const struct attrs *a,
    struct attr_enc *e)
{
	(void)e;
	if ((a->present & ATTR_P(ATTR_COMMUNITIES)) && a->ncommunities)
		attr_put_words(w, F_OT, ATTR_COMMUNITIES, a->communities,
		    a->ncommunities);
	return 0;
}

static int
attr_enc_originator(struct wbuf *w, const struct attrs *a,
    struct attr_enc *e)
{
	(void)e;
	if (!(a->present & ATTR_P(ATTR_ORIGINATOR_ID)))
		return 0;
	attr_hdr(w, F_OPT, ATTR_ORIGINATOR_ID, 4);
	return wbuf_u32(w, a->originator_id);
}

static int
attr_enc_clusters(struct wbuf *w, const struct attrs *a,
    struct attr_enc *e)
{
	(void)e;
	if ((a->present & ATTR_P(ATTR_CLUSTER_LIST)) && a->nclusters)
		attr_put_words(w, F_OPT, ATTR_CLUSTER_LIST, a->clusters,
		    a->nclusters);
	return 0;
}

/*
 * The MP_REACH_NLRI header for IPv6 with an extended length left at zero:
 * the packing builder appends the NLRI and patches it.
 */
static int
attr_enc_mp_reach(struct wbuf *w, const struct attrs *a,
    struct attr_enc *e)
{
	int ll = a->nexthop_ll.af == AF_INET6;

	if (e->af != AF_INET6)
		return 0;
	if (a->nexthop.af != AF_INET6)
		return -1;
	e->mp_off = w->len;
	wbuf_u8(w, F_OPT | ATTR_FLAG_EXTLEN);
	wbuf_u8(w, ATTR_MP_REACH_NLRI);
	wbuf_u16(w, 0);
	wbuf_u16(w, AFI_IPV6);
	wbuf_u8(w, SAFI_UNICAST);
	wbuf_u8(w, ll ? 32 : 16);
	wbuf_bytes(w, a->nexthop.a, 16);
	if (ll)
		wbuf_bytes(w, a->nexthop_ll.a, 16);
	wbuf_u8(w, 0);
	e->tail_off = w->len;
	return 0;
}

static int
attr_enc_ext(struct wbuf *w, const struct attrs *a, struct attr_enc *e)
{
	(void)e;
	if (!(a->present & ATTR_P(ATTR_EXT_COMMUNITIES)) || a->next == 0)
		return 0;
	attr_hdr(w, F_OT, ATTR_EXT_COMMUNITIES, (size_t)a->next * 8);
	return wbuf_bytes(w, a->ext, (size_t)a->next * 8);
}

static int
attr_enc_large(struct wbuf *w, const struct attrs *a, struct attr_enc *e)
{
	(void)e;
	if ((a->present & ATTR_P_LARGE) && a->nlarge)
		attr_put_words(w, F_OT, ATTR_LARGE_COMMUNITIES, a->large,
		    (size_t)a->nlarge * 3);
	return 0;
}

/* ---- the descriptor table ---- */

#define TAW		UPD_TREAT_AS_WITHDRAW
#define DISCARD		UPD_ATTR_DISCARD
#define RESET		UPD_SESSION_RESET

static const struct attr_desc attr_table[] = {
	[ATTR_ORIGIN] = { "ORIGIN", F_WK, LEN_FIXED, 1, TAW,
	    ERR_UPD_ORIGIN, 0, attr_dec_origin, attr_enc_origin },
	[ATTR_AS_PATH] = { "AS_PATH", F_WK, LEN_ANY, 0, TAW,
	    ERR_UPD_ASPATH, 0, attr_dec_aspath, attr_enc_aspath },
	[ATTR_NEXT_HOP] = { "NEXT_HOP", F_WK, LEN_FIXED, 4, TAW,
	    ERR_UPD_NEXTHOP, 0, attr_dec_nexthop, attr_enc_nexthop },
	[ATTR_MED] = { "MULTI_EXIT_DISC", F_OPT, LEN_FIXED, 4, TAW,
	    ERR_UPD_OPTATTR, 0, attr_dec_med, attr_enc_med },
	[ATTR_LOCAL_PREF] = { "LOCAL_PREF", F_WK, LEN_FIXED, 4, TAW,
	    ERR_UPD_LENGTH, 1, attr_dec_localpref, attr_enc_localpref },
	[ATTR_ATOMIC_AGGREGATE] = { "ATOMIC_AGGREGATE", F_WK, LEN_FIXED, 0,
	    DISCARD, ERR_UPD_LENGTH, 0, attr_dec_atomic, attr_enc_atomic },
	[ATTR_AGGREGATOR] = { "AGGREGATOR", F_OT, LEN_ANY, 0, DISCARD,
	    ERR_UPD_OPTATTR, 0, attr_dec_aggregator, attr_enc_aggregator },
	[ATTR_COMMUNITIES] = { "COMMUNITIES", F_OT, LEN_MULT, 4, TAW,
	    ERR_UPD_OPTATTR, 0, attr_dec_communities, attr_enc_communities },
	[ATTR_ORIGINATOR_ID] = { "ORIGINATOR_ID", F_OPT, LEN_FIXED, 4, TAW,
	    ERR_UPD_OPTATTR, 1, attr_dec_originator, attr_enc_originator },
	[ATTR_CLUSTER_LIST] = { "CLUSTER_LIST", F_OPT, LEN_MULT, 4, TAW,
	    ERR_UPD_OPTATTR, 1, attr_dec_clusters, attr_enc_clusters },
	/* RFC 7606 7.3: MP errors lose NLRI we cannot find: reset. */
	[ATTR_MP_REACH_NLRI] = { "MP_REACH_NLRI", F_OPT, LEN_ANY, 0, RESET,
	    ERR_UPD_OPTATTR, 0, attr_dec_mp_reach, attr_enc_mp_reach },
	[ATTR_MP_UNREACH_NLRI] = { "MP_UNREACH_NLRI", F_OPT, LEN_ANY, 0,
	    RESET, ERR_UPD_OPTATTR, 0, attr_dec_mp_unreach, NULL },
	[ATTR_EXT_COMMUNITIES] = { "EXTENDED_COMMUNITIES", F_OT, LEN_MULT, 8,
	    TAW, ERR_UPD_OPTATTR, 0, attr_dec_ext, attr_enc_ext },
	[ATTR_AS4_PATH] = { "AS4_PATH", F_OT, LEN_ANY, 0, DISCARD,
	    ERR_UPD_OPTATTR, 0, attr_dec_as4path, attr_enc_as4path },
	[ATTR_AS4_AGGREGATOR] = { "AS4_AGGREGATOR", F_OT, LEN_FIXED, 8,
	    DISCARD, ERR_UPD_OPTATTR, 0, attr_dec_as4aggr, attr_enc_as4aggr },
	[ATTR_LARGE_COMMUNITIES] = { "LARGE_COMMUNITIES", F_OT, LEN_MULT, 12,
	    TAW, ERR_UPD_OPTATTR, 0, attr_dec_large, attr_enc_large },
};

#define NDESC	(sizeof(attr_table) / sizeof(attr_table[0]))

static const struct attr_desc *
attr_desc(uint8_t type)
{
	if (type >= NDESC || attr_table[type].name == NULL)
		return NULL;
	return &attr_table[type];
}

/* The bit of attrs.present an attribute sets; 0 for those held elsewhere. */
static uint32_t
attr_pbit(uint8_t type)
{
	switch (type) {
	case ATTR_MP_REACH_NLRI:
	case ATTR_MP_UNREACH_NLRI:
	case ATTR_AS4_PATH:
	case ATTR_AS4_AGGREGATOR:
		return 0;
	case ATTR_LARGE_COMMUNITIES:
		return ATTR_P_LARGE;
	}
	return ATTR_P(type);
}

static int
attr_len_ok(const struct attr_desc *ad, size_t len)
{
	switch (ad->len_rule) {
	case LEN_ANY:
		return 1;
	case LEN_FIXED:
		return len == ad->len;
	case LEN_MULT:
		return len > 0 && len % ad->len == 0;
	}
	return 0;
}

/* ---- decoding ---- */

static void
attr_bad(struct attr_dec *d, const struct attr_desc *ad, uint8_t subcode,
    const struct cur *raw, const char *what)
{
	char why[128];

	snprintf(why, sizeof(why), "%s %s", ad->name, what);
	wire_upd_fail(d->u, ad->on_error, ERR_UPDATE, subcode, raw->p,
	    raw->len, why);
}

static void
attr_known(struct attr_dec *d, const struct attr_desc *ad, uint8_t flags,
    uint8_t type, struct cur *v, const struct cur *raw)
{
	char what[48], why[96];

	if (ad->ebgp_discard && d->ctx->ebgp) {
		snprintf(why, sizeof(why), "%s from an external peer", ad->name);
		wire_upd_fail(d->u, DISCARD, ERR_UPDATE, 0, NULL, 0, why);
		return;
	}
	/* RFC 7606 3.c: Optional/Transitive in conflict: malformed. */
	if ((flags & F_OT) != ad->flags) {
		snprintf(what, sizeof(what), "flags 0x%02x", flags);
		attr_bad(d, ad, ERR_UPD_FLAGS, raw, what);
		return;
	}
	if (!attr_len_ok(ad, cur_left(v))) {
		snprintf(what, sizeof(what), "length %zu", cur_left(v));
		attr_bad(d, ad, ERR_UPD_LENGTH, raw, what);
		return;
	}
	d->detail = NULL;
	if (ad->dec(d, v) == -1) {
		if (d->oom)
			wire_upd_fail(d->u, RESET, ERR_CEASE,
			    ERR_CEASE_RESOURCES, NULL, 0,
			    "decoding arena too small");
		else
			attr_bad(d, ad, ad->subcode, raw, d->detail ?
			    d->detail : "malformed");
		return;
	}
	d->u->attrs.present |= attr_pbit(type);
}

/* 0 to go on, -1 to stop (a session reset). */
static int
attr_unknown(struct attr_dec *d, uint8_t flags, uint8_t type,
    struct cur *v, const struct cur *raw)
{
	char why[64];

	if (!(flags & ATTR_FLAG_OPTIONAL)) {
		snprintf(why, sizeof(why), "unrecognized well-known type %u",
		    type);
		wire_upd_fail(d->u, RESET, ERR_UPDATE, ERR_UPD_UNKWN_WK,
		    raw->p, raw->len, why);
		return -1;
	}
	if (!(flags & ATTR_FLAG_TRANSITIVE))
		return 0;	/* RFC 4271 5: quietly ignored */
	/* At most one per type reaches here (duplicates are dropped). */
	d->unk[d->nunk].flags = flags;
	d->unk[d->nunk].type = type;
	d->unk[d->nunk].v = *v;
	d->nunk++;
	return 0;
}

static int
attr_is_mp(uint8_t type)
{
	return type == ATTR_MP_REACH_NLRI || type == ATTR_MP_UNREACH_NLRI;
}

/* One attribute off the field: 0 to go on, -1 to stop. */
static int
attr_one(struct attr_dec *d, struct cur *field)
{
	const struct attr_desc *ad;
	struct cur start = *field, raw, v;
	uint8_t flags, type, len8;
	uint16_t len;
	char why[64];

	if (cur_u8(field, &flags) == -1 || cur_u8(field, &type) == -1 ||
	    ((flags & ATTR_FLAG_EXTLEN) ? cur_u16(field, &len) :
	    (cur_u8(field, &len8) == -1 ? -1 : (len = len8, 0))) == -1) {
		/* RFC 7606 4: too short for an attribute header. */
		wire_upd_fail(d->u, TAW, ERR_UPDATE, ERR_UPD_ATTRLIST, NULL,
		    0, "attribute header truncated");
		return -1;
	}
	if (cur_sub(field, len, &v) == -1) {
		snprintf(why, sizeof(why), "attribute type %u length %u "
		    "overruns the field", type, len);
		/* NLRI hidden in a cut MP attribute cannot be withdrawn. */
		wire_upd_fail(d->u, attr_is_mp(type) ? RESET : TAW,
		    ERR_UPDATE, ERR_UPD_ATTRLIST, NULL, 0, why);
		return -1;
	}
	cur_init(&raw, start.p, cur_left(&start) - cur_left(field));
	if (d->seen[type / 8] & (1u << (type % 8))) {
		snprintf(why, sizeof(why), "duplicate attribute type %u",
		    type);
		/* RFC 7606 3.g */
		wire_upd_fail(d->u, attr_is_mp(type) ? RESET : DISCARD,
		    ERR_UPDATE, ERR_UPD_ATTRLIST, NULL, 0, why);
		return attr_is_mp(type) ? -1 : 0;
	}
	d->seen[type / 8] |= (uint8_t)(1u << (type % 8));
	if ((ad = attr_desc(type)) == NULL)
		return attr_unknown(d, flags, type, &v, &raw);
	attr_known(d, ad, flags, type, &v, &raw);
	return d->u->action == RESET ? -1 : 0;
}

/* Copy whole segments, or the head of a sequence, until need ASNs. */
static uint8_t *
attr_merge_head(const struct attrs *a, size_t need, uint8_t *p,
    uint8_t **last_seq)
{
	struct cur c, asns;
	uint8_t type, cnt, k;

	cur_init(&c, a->aspath, a->aspath_len);
	while (need > 0 && attr_seg_next(&c, 4, &type, &cnt, &asns) == 1) {
		k = cnt;
		if (type == AS_SEQUENCE && k > need)
			k = (uint8_t)need;
		*last_seq = type == AS_SEQUENCE ? p : NULL;
		*p++ = type;
		*p++ = k;
		if (cur_bytes(&asns, p, (size_t)k * 4) == -1)
			fatal("%s: segment shorter than it was", __func__);
		p += (size_t)k * 4;
		if (type == AS_SEQUENCE)
			need -= k;
		else if (type == AS_SET)
			need--;
	}
	return p;
}

/*
 * RFC 6793 4.2.3: take as many leading ASNs of AS_PATH as AS4_PATH lacks,
 * then AS4_PATH. A sequence on both sides of the seam becomes one, as a
 * 4-octet speaker would have sent it.
 */
static void
attr_merge_path(struct attr_dec *d)
{
	struct attrs *a = &d->u->attrs;
	struct cur q = d->as4path, peek;
	size_t n2, n4, room;
	uint8_t *out, *p, *last_seq = NULL, type, cnt;

	n2 = attr_path_count(a->aspath, a->aspath_len);
	n4 = attr_path_count(q.p, cur_left(&q));
	if (n2 < n4)
		return;		/* AS4_PATH ignored */
	room = (size_t)a->aspath_len + cur_left(&q);
	if ((out = attr_alloc(d, room ? room : 1)) == NULL)
		return;
	p = attr_merge_head(a, n2 - n4, out, &last_seq);
	peek = q;
	if (last_seq != NULL && cur_u8(&peek, &type) == 0 &&
	    cur_u8(&peek, &cnt) == 0 && type == AS_SEQUENCE &&
	    last_seq[1] + cnt <= 255) {
		last_seq[1] = (uint8_t)(last_seq[1] + cnt);
		q = peek;
	}
	room = cur_left(&q);
	if (cur_bytes(&q, p, room) == -1)
		fatal("%s: AS4_PATH shorter than it was", __func__);
	p += room;
	if ((size_t)(p - out) > UINT16_MAX)
		return;		/* keep the unmerged path */
	a->aspath = out;
	a->aspath_len = (uint16_t)(p - out);
}

static void
attr_merge_as4(struct attr_dec *d)
{
	struct attrs *a = &d->u->attrs;
	int has_aggr = (a->present & ATTR_P(ATTR_AGGREGATOR)) != 0;

	if (d->ctx->as4)
		return;
	/* A 4-octet speaker aggregated after the 2-octet one: trust neither. */
	if (has_aggr && a->aggr_as != AS_TRANS)
		return;
	if (has_aggr && d->has_as4aggr) {
		a->aggr_as = d->as4aggr_as;
		a->aggr_id = d->as4aggr_id;
	}
	if (d->has_as4path && (a->present & ATTR_P(ATTR_AS_PATH)))
		attr_merge_path(d);
}

/* Unknown optional transitive attributes, type order, Partial set. */
static void
attr_put_unknown(struct attr_dec *d)
{
	struct attr_unknown t;
	size_t i, j, len = 0, vlen;
	uint8_t *p, *q;

	for (i = 1; i < d->nunk; i++)
		for (j = i; j > 0 && d->unk[j - 1].type > d->unk[j].type; j--) {
			t = d->unk[j];
			d->unk[j] = d->unk[j - 1];
			d->unk[j - 1] = t;
		}
	for (i = 0; i < d->nunk; i++)
		len += (d->unk[i].v.len > 255 ? 4 : 3) + d->unk[i].v.len;
	if (len == 0 || len > UINT16_MAX || (p = attr_alloc(d, len)) == NULL)
		return;
	for (q = p, i = 0; i < d->nunk; i++) {
		*q++ = (uint8_t)((d->unk[i].flags | ATTR_FLAG_PARTIAL) &
		    ~ATTR_FLAG_EXTLEN) |
		    (d->unk[i].v.len > 255 ? ATTR_FLAG_EXTLEN : 0);
		*q++ = d->unk[i].type;
		if (d->unk[i].v.len > 255)
			*q++ = (uint8_t)(d->unk[i].v.len >> 8);
		*q++ = (uint8_t)d->unk[i].v.len;
		vlen = d->unk[i].v.len;
		if (cur_bytes(&d->unk[i].v, q, vlen) == -1)
			fatal("%s: attribute shorter than it was", __func__);
		q += vlen;
	}
	d->u->attrs.unknown = p;
	d->u->attrs.unknown_len = (uint16_t)len;
}

void
wire_attrs_decode(struct cur *field, const struct wire_peer_ctx *ctx,
    struct arena *ar, struct update_msg *u)
{
	struct attr_dec d;

	/* The unknown table is left as is: only its first nunk are read. */
	memset(&d, 0, offsetof(struct attr_dec, unk));
	d.ctx = ctx;
	d.ar = ar;
	d.u = u;
	d.nunk = 0;
	while (cur_left(field) > 0)
		if (attr_one(&d, field) == -1)
			break;
	if (u->action == RESET)
		return;
	attr_merge_as4(&d);
	if (u->mp_reach_af) {
		u->attrs.nexthop = d.mp_nh;
		u->attrs.nexthop_ll = d.mp_nh_ll;
	}
	attr_put_unknown(&d);
	if (d.oom)
		wire_upd_fail(u, RESET, ERR_CEASE, ERR_CEASE_RESOURCES, NULL,
		    0, "decoding arena too small");
}

/* ---- encoding ---- */

int
wire_attrs_encode(struct wbuf *w, const struct attrs *a, int af, int as4,
    size_t *mp_off, size_t *tail_off)
{
	struct attr_enc e = { .af = af, .as4 = as4 };
	size_t t;

	if (af != AF_INET && af != AF_INET6)
		return -1;
	for (t = 0; t < NDESC; t++)
		if (attr_table[t].enc != NULL &&
		    attr_table[t].enc(w, a, &e) == -1)
			return -1;
	if (a->unknown_len)
		wbuf_bytes(w, a->unknown, a->unknown_len);
	*mp_off = e.mp_off;
	*tail_off = e.tail_off;
	return w->err ? -1 : 0;
}
