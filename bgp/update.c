/*
 * update.c: UPDATE generation (RFC 4271 9.1.3, 9.2), late and coalesced.
 *
 * Runs from a peer's write callback while its output buffer is below the
 * high-water mark. For each prefix to re-examine (the pending FIFO, then a
 * resumable walk of the RIB for a newly Established peer, a policy change
 * or a route refresh) it computes the export toward this peer, compares it
 * with the Adj-RIB-Out and keeps only differences. A batch of differences
 * is grouped by resulting attribute set and packed many prefixes per
 * UPDATE. After the initial walk, End-of-RIB (RFC 4724 2) per family.
 *
 * Export rules: not back to the source peer; iBGP split horizon with route
 * reflection (RFC 4456 6, 8: from a client to everybody, from a
 * non-client to clients only, ORIGINATOR_ID and CLUSTER_LIST set);
 * well-known communities (RFC 1997); export policy; the target peers of a
 * local advertisement. eBGP: own AS prepended, next hop self, no
 * LOCAL_PREF, MED only for our own routes, no RR attributes. iBGP:
 * LOCAL_PREF always present, next hop self for our own routes only.
 */
#include <stdlib.h>
#include <string.h>

#include "bgp/log.h"
#include "bgp/speaker.h"

/*
 * The export of one best path toward one peer depends only on its
 * attributes and source, not on the prefix: a small memo avoids
 * re-interning per prefix. An entry holds a reference on its input and
 * output sets, so neither address can be reused while it is there; it is
 * emptied whenever sources, peers or policies may change (apply, reap,
 * session up or down) and after every fill.
 */
#define UPD_MEMO	64
struct update_memo {
	const struct peer	*to;
	struct attrs		*in;
	const struct path_src	*src;
	int			 af;
	struct attrs		*out;	/* NULL: not exportable */
	int			 used;
};
static struct update_memo	update_memo[UPD_MEMO];
static uint8_t			update_asbuf[65536];
static uint32_t			update_clbuf[65536];

void
update_memo_flush(void)
{
	size_t i;

	for (i = 0; i < UPD_MEMO; i++) {
		if (!update_memo[i].used)
			continue;
		if (update_memo[i].out != NULL)
			attr_unref(update_memo[i].out);
		attr_unref(update_memo[i].in);
		update_memo[i].used = 0;
	}
}

/*
 * Our addresses for next-hop self over this session, chosen when it comes
 * up: the session's own local address for its family; for the other
 * family the speaker's endpoint address, else an address of that family on
 * the same interface.
 */
static void
update_choose_nexthops(struct peer *p)
{
	const struct addr *ep = &p->bgp->model->local_addr;
	int af, afi;

	for (afi = 0; afi < 2; afi++) {
		af = afi == BGP_AFI_V4 ? AF_INET : AF_INET6;
		memset(&p->nh_self[afi], 0, sizeof(p->nh_self[afi]));
		if (p->conn != NULL && p->conn->local.af == af &&
		    !addr_is_v6_linklocal(&p->conn->local))
			p->nh_self[afi] = p->conn->local;
		else if (ep->af == af)
			p->nh_self[afi] = *ep;
		else if (p->conf.local_addr.af == af)
			p->nh_self[afi] = p->conf.local_addr;
		else if (p->conn != NULL)
			conn_iface_addr(&p->conn->local, af, &p->nh_self[afi]);
	}
}

static int
update_nexthop_self(struct peer *p, int af, struct addr *nh)
{
	int afi = spk_afi(af);

	if (p->nh_self[afi].af == af) {
		*nh = p->nh_self[afi];
		return 0;
	}
	if (!p->warned_nh[afi]) {
		p->warned_nh[afi] = 1;
		log_warn("no local address of the family for next hop: "
		    "not announced", "session=%s family=%s", p->name,
		    af == AF_INET ? "ipv4" : "ipv6");
	}
	return -1;
}

/* The cluster ID used when reflecting from src to p. */
static uint32_t
update_cluster_id(struct peer *p, const struct path_src *src)
{
	const struct peer *from;

	if (p->conf.rr_client && p->conf.cluster_id)
		return p->conf.cluster_id;
	if (!src->local && src->rr_client) {
		from = (const struct peer *)(const void *)
		    ((const char *)src - offsetof(struct peer, src));
		if (from->conf.cluster_id)
			return from->conf.cluster_id;
	}
	return p->bgp->model->router_id;
}

/* Build and intern the attributes sent to p; NULL when none can be. */
static struct attrs *
update_transform(struct peer *p, const struct path *best, int af)
{
	const struct path_src *src = best->src;
	struct attrs a = *path_attrs(best);
	int n;

	a.hnext = NULL;
	a.hash = a.refcnt = 0;
	if (p->ebgp) {
		static const uint8_t empty[1];

		/* An empty path may have no pointer; never hand on NULL. */
		n = aspath_prepend(a.aspath ? a.aspath : empty, a.aspath_len,
		    p->bgp->model->local_as, update_asbuf,
		    sizeof(update_asbuf));
		if (n < 0)
			return NULL;
		a.aspath = update_asbuf;
		a.aspath_len = (uint16_t)n;
		a.present |= ATTR_P(ATTR_AS_PATH);
		if (update_nexthop_self(p, af, &a.nexthop) == -1)
			return NULL;
		memset(&a.nexthop_ll, 0, sizeof(a.nexthop_ll));
		a.present &= ~(ATTR_P(ATTR_LOCAL_PREF) |
		    ATTR_P(ATTR_ORIGINATOR_ID) | ATTR_P(ATTR_CLUSTER_LIST));
		a.local_pref = 0;
		a.originator_id = 0;
		a.clusters = NULL;
		a.nclusters = 0;
		if (!src->local) {
			a.present &= ~ATTR_P(ATTR_MED);
			a.med = 0;
		}
	} else {
		if (!(a.present & ATTR_P(ATTR_LOCAL_PREF))) {
			a.present |= ATTR_P(ATTR_LOCAL_PREF);
			a.local_pref = 100;
		}
		if (src->local) {
			if (update_nexthop_self(p, af, &a.nexthop) == -1)
				return NULL;
			memset(&a.nexthop_ll, 0, sizeof(a.nexthop_ll));
		} else if (!src->ebgp) {
			/* Reflected (RFC 4456 8). */
			if (!(a.present & ATTR_P(ATTR_ORIGINATOR_ID))) {
				a.present |= ATTR_P(ATTR_ORIGINATOR_ID);
				a.originator_id = src->router_id;
			}
			if ((size_t)a.nclusters + 1 > 0xffff / 4)
				return NULL;
			update_clbuf[0] = update_cluster_id(p, src);
			if (a.nclusters)
				memcpy(update_clbuf + 1, a.clusters,
				    a.nclusters * sizeof(uint32_t));
			a.clusters = update_clbuf;
			a.nclusters++;
			a.present |= ATTR_P(ATTR_CLUSTER_LIST);
		}
		if (a.nexthop.af != af)
			return NULL;
	}
	return attr_intern(&a);
}

/* RFC 4271 9.1.3 and friends: may e's best path go to p at all? */
static const struct path *
update_exportable(struct peer *p, const struct rib_entry *e)
{
	const struct path *best;
	const struct path_src *src;
	struct prefix pfx;

	if (e == NULL || (best = rib_best(e)) == NULL)
		return NULL;
	src = best->src;
	if (src == &p->src)
		return NULL;
	if (!src->local && !src->ebgp && !p->ebgp && !src->rr_client &&
	    !p->conf.rr_client)
		return NULL;
	if (community_has(path_attrs(best), COMM_NO_ADVERTISE))
		return NULL;
	if (p->ebgp && (community_has(path_attrs(best), COMM_NO_EXPORT) ||
	    community_has(path_attrs(best), COMM_NO_EXPORT_SUBCONFED)))
		return NULL;
	pfx = rib_prefix(e);
	if (src->local && !origin_targets(p->bgp, &pfx, p->name))
		return NULL;
	if (!policy_chain_accepts(p->exp, p->nexp, &pfx))
		return NULL;
	return best;
}

struct attrs *
update_export(struct peer *p, const struct rib_entry *e)
{
	const struct path *best = update_exportable(p, e);
	struct update_memo *m;
	uintptr_t h;
	int af;

	if (best == NULL)
		return NULL;
	af = rib_af(e);
	h = ((uintptr_t)path_attrs(best) >> 4) ^ ((uintptr_t)best->src >> 6) ^
	    ((uintptr_t)p >> 6) ^ (uintptr_t)af;
	m = &update_memo[h % UPD_MEMO];
	if (!m->used || m->to != p || m->in != path_attrs(best) ||
	    m->src != best->src || m->af != af) {
		if (m->used) {
			if (m->out != NULL)
				attr_unref(m->out);
			attr_unref(m->in);
		}
		m->to = p;
		m->in = attr_ref(path_attrs(best));
		m->src = best->src;
		m->af = af;
		m->out = update_transform(p, best, af);
		m->used = 1;
	}
	return m->out != NULL ? attr_ref(m->out) : NULL;
}

static inline int
update_pfx_eq(const struct prefix *a, const struct prefix *b)
{
	return a->af == b->af && a->len == b->len &&
	    memcmp(a->a, b->a, sizeof(a->a)) == 0;
}

static inline unsigned
update_pfx_hash(const struct prefix *p)
{
	uint64_t w[2];

	memcpy(w, p->a, sizeof(w));
	w[0] = (w[0] ^ (w[1] * 0x9e3779b97f4a7c15ull) ^ p->len) *
	    0xff51afd7ed558ccdull;
	return (unsigned)(w[0] >> 40);
}

/*
 * Keep only the last change of each prefix in it[0..n): walk backwards,
 * remembering seen prefixes in a small hash set. Returns the new count;
 * dropped changes lose their reference.
 */
#define UPD_SEEN	(SPK_BATCH * 2)
static size_t
update_coalesce(struct update_item *it, size_t n)
{
	static uint16_t seen[UPD_SEEN];	/* index + 1, 0: empty */
	size_t i, k, h;

	memset(seen, 0, sizeof(seen));
	for (i = n; i-- > 0;) {
		it[i].seq = 1;
		for (h = update_pfx_hash(&it[i].pfx) % UPD_SEEN; seen[h];
		    h = (h + 1) % UPD_SEEN)
			if (update_pfx_eq(&it[seen[h] - 1].pfx, &it[i].pfx)) {
				it[i].seq = 0;	/* an older change */
				break;
			}
		if (it[i].seq)
			seen[h] = (uint16_t)(i + 1);
	}
	for (i = k = 0; i < n; i++) {
		if (it[i].seq)
			it[k++] = it[i];
		else if (it[i].x != NULL)
			attr_unref(it[i].x);
	}
	return k;
}

static int
update_item_cmp(const void *x, const void *y)
{
	const struct update_item *a = x, *b = y;

	if (a->pfx.af != b->pfx.af)
		return a->pfx.af < b->pfx.af ? -1 : 1;
	if (a->x != b->x)
		return (uintptr_t)a->x < (uintptr_t)b->x ? -1 : 1;
	return 0;	/* order within one attribute set does not matter */
}

static void
update_out(struct peer *p)
{
	struct upd_pack *u = p->bgp->pack;
	size_t len = updpack_finish(u);

	if (len == 0)
		return;
	session_send(p->conn, updpack_data(u), len, BGP_T_UPDATE);
	p->updates_sent++;
}

static int
update_begin(struct peer *p, struct attrs *x, int af)
{
	struct upd_pack *u = p->bgp->pack;
	size_t maxlen = p->ext_msg ? BGP_EXT_MAX_LEN : BGP_MAX_LEN;

	if (x == NULL)
		return updpack_withdraw(u, af, maxlen);
	return updpack_announce(u, x, af, p->as4, maxlen);
}

/* Pack one group of prefixes sharing af and x. 0, or -1 when x is too big. */
static int
update_group(struct peer *p, struct update_item *it, size_t n)
{
	struct upd_pack *u = p->bgp->pack;
	size_t i;

	if (update_begin(p, it[0].x, it[0].pfx.af) == -1)
		return -1;
	for (i = 0; i < n; i++)
		if (updpack_add(u, &it[i].pfx) == 1) {
			update_out(p);
			if (update_begin(p, it[0].x, it[0].pfx.af) == -1 ||
			    updpack_add(u, &it[i].pfx) != 0)
				fatal("%s: one prefix does not fit", __func__);
		}
	update_out(p);
	return 0;
}

/* Send the differences in it[0..n) and record them in the Adj-RIB-Out. */
static void
update_emit(struct peer *p, struct update_item *it, size_t n)
{
	size_t i, j, k;
	char q[64];

	if (n == 0)
		return;
	qsort(it, n, sizeof(*it), update_item_cmp);
	for (i = 0; i < n; i = j) {
		for (j = i + 1; j < n && it[j].x == it[i].x &&
		    it[j].pfx.af == it[i].pfx.af; j++)
			;
		if (update_group(p, it + i, j - i) == 0)
			continue;
		log_warn("attributes too large for an UPDATE: withdrawn",
		    "session=%s prefix=%s", p->name,
		    prefix_fmt(&it[i].pfx, q, sizeof(q)));
		for (k = i; k < j; k++) {
			attr_unref(it[k].x);
			it[k].x = NULL;
		}
		update_group(p, it + i, j - i);
	}
	for (i = 0; i < n; i++)
		adjout_set(p->out, &it[i].pfx, it[i].x);
}

/* Compare e (or its absence) with what p holds; queue a difference. */
static int
update_diff(struct peer *p, const struct prefix *pfx,
    const struct rib_entry *e, const struct attrs *sent,
    struct update_item *it)
{
	struct attrs *x = update_export(p, e);

	if (x == sent) {
		if (x != NULL)
			attr_unref(x);
		return 0;
	}
	it->pfx = *pfx;
	it->x = x;
	return 1;
}

static void
update_pending(struct peer *p)
{
	struct bgp *b = p->bgp;
	struct update_item *it = b->items;
	struct adj_pend *pb = b->pendbuf;
	struct attrs *sent;
	size_t n, i, k;

	while (session_outlen(p->conn) < SPK_OUT_HIWAT) {
		if ((n = adjout_take(p->out, pb, SPK_BATCH)) == 0)
			break;
		for (i = 0; i < n; i++) {
			it[i].pfx = pb[i].pfx;
			it[i].x = pb[i].x;
			/*
			 * Computed before the export policy changed: what
			 * goes out after the change follows the new policy.
			 */
			if (pb[i].gen != adjout_gen(p->out)) {
				if (it[i].x != NULL)
					attr_unref(it[i].x);
				it[i].x = update_export(p,
				    rib_lookup(b->rib, &it[i].pfx));
			}
		}
		n = update_coalesce(it, n);
		for (i = 0; i < n; i++)
			adjout_prefetch(p->out, &it[i].pfx);
		for (i = k = 0; i < n; i++) {
			if (!p->af_ok[spk_afi(it[i].pfx.af)] ||
			    it[i].x == (sent = adjout_sent(p->out,
			    &it[i].pfx))) {
				if (it[i].x != NULL)
					attr_unref(it[i].x);
				continue;
			}
			/* Its reference goes when the change is recorded. */
			if (sent != NULL)
				__builtin_prefetch(sent, 1);
			it[k++] = it[i];
		}
		update_emit(p, it, k);
	}
}

struct update_walk {
	struct peer		*p;
	struct adjout_dump	*d;
	int			 afi;
	size_t			 k;
	int			 stopped;
};

static int
update_walk_cb(void *arg, const struct rib_entry *e)
{
	struct update_walk *w = arg;
	struct peer *p = w->p;
	struct adjout_dump *d = w->d;
	struct prefix pfx = rib_prefix(e);

	w->k += update_diff(p, &pfx, e, adjout_sent(p->out, &pfx),
	    &p->bgp->items[w->k]);
	d->marker[w->afi] = pfx;
	d->started[w->afi] = 1;
	if (w->k == SPK_BATCH) {
		update_emit(p, p->bgp->items, w->k);
		w->k = 0;
		if (session_outlen(p->conn) >= SPK_OUT_HIWAT) {
			w->stopped = 1;
			return 1;
		}
	}
	return 0;
}

static void
update_eor(struct peer *p)
{
	uint8_t buf[64];
	struct wbuf w;
	int afi;

	for (afi = 0; afi < 2; afi++) {
		if (!p->af_ok[afi])
			continue;
		wbuf_fixed(&w, buf, sizeof(buf));
		if (wire_eor_encode(&w, afi == BGP_AFI_V4 ? AF_INET :
		    AF_INET6) == -1 || w.err)
			fatal("%s: End-of-RIB does not encode", __func__);
		session_send(p->conn, buf, w.len, BGP_T_UPDATE);
		log_info("End-of-RIB sent", "session=%s family=%s", p->name,
		    afi == BGP_AFI_V4 ? "ipv4" : "ipv6");
	}
}

static void
update_walk(struct peer *p)
{
	struct adjout_dump *d = adjout_dump_state(p->out);
	struct update_walk w;
	int afi;

	for (afi = 0; afi < 2; afi++) {
		if (!d->active[afi])
			continue;
		memset(&w, 0, sizeof(w));
		w.p = p;
		w.d = d;
		w.afi = afi;
		/* Resume after the marker: the RIB walks in prefix order. */
		rib_walk_from(p->bgp->rib, afi == BGP_AFI_V4 ? AF_INET :
		    AF_INET6, d->started[afi] ? &d->marker[afi] : NULL,
		    update_walk_cb, &w);
		update_emit(p, p->bgp->items, w.k);
		if (w.stopped)
			return;
		d->started[afi] = 0;
		if (d->again[afi]) {
			d->again[afi] = 0;	/* the next call starts over */
			return;
		}
		d->active[afi] = 0;
		if (session_outlen(p->conn) >= SPK_OUT_HIWAT)
			return;
	}
	if (d->eor_due) {
		d->eor_due = 0;
		update_eor(p);
	}
}

int
update_has_work(struct peer *p)
{
	struct adjout_dump *d;

	if (p->out == NULL)
		return 0;
	d = adjout_dump_state(p->out);
	return adjout_npending(p->out) > 0 || d->active[0] || d->active[1] ||
	    d->eor_due;
}

int
update_fill(struct peer *p)
{
	if (p->out == NULL || p->conn == NULL || p->conn->closed)
		return 0;
	update_pending(p);
	if (session_outlen(p->conn) < SPK_OUT_HIWAT)
		update_walk(p);
	update_memo_flush();
	return update_has_work(p);
}

void
update_peer_up(struct peer *p)
{
	if (p->out != NULL)
		fatal("%s: %s already has an Adj-RIB-Out", __func__, p->name);
	update_memo_flush();
	p->out = adjout_new();
	update_choose_nexthops(p);
	adjout_redump(p, 3, 1);
	session_want_write(p->conn);
}

void
update_peer_down(struct peer *p)
{
	update_memo_flush();
	adjout_free(p->out);
	p->out = NULL;
}
