/*
 * import.c: an UPDATE in (RFC 4271 9, 9.1.1): decode into the speaker's
 * scratch arena, act on the RFC 7606 outcome, intern the attributes once
 * per message, run loop detection (RFC 4271 9.1.2 AS loop, RFC 4456 8
 * ORIGINATOR_ID and CLUSTER_LIST) and the peer's import policy chain, and
 * hand each NLRI to the RIB. Paths import policy rejects are kept,
 * flagged, so a policy change re-evaluates them without asking the peer
 * again; looped paths are dropped (RFC 4271 9.1.2: excluded), since only
 * a session reset could make them usable.
 */
#include <string.h>

#include "bgp/log.h"
#include "bgp/speaker.h"

enum path_filter
import_filter(struct peer *p, const struct prefix *pfx, const struct attrs *a)
{
	struct bgp *b = p->bgp;
	size_t i, j;

	if ((a->present & ATTR_P(ATTR_AS_PATH)) &&
	    aspath_contains(a->aspath, a->aspath_len, b->model->local_as))
		return PATH_LOOP_AS;
	if (!p->ebgp) {
		if ((a->present & ATTR_P(ATTR_ORIGINATOR_ID)) &&
		    a->originator_id == b->model->router_id)
			return PATH_LOOP_ORIGINATOR;
		for (i = 0; i < a->nclusters; i++)
			for (j = 0; j < b->nclusters; j++)
				if (a->clusters[i] == b->clusters[j])
					return PATH_LOOP_CLUSTER;
	}
	if (!policy_chain_accepts(p->imp, p->nimp, pfx))
		return PATH_REJECTED;
	return PATH_OK;
}

static enum path_filter
import_refilter_cb(void *arg, const struct prefix *pfx, const struct attrs *a)
{
	return import_filter(arg, pfx, a);
}

void
import_refilter(struct peer *p)
{
	rib_refilter_src(p->bgp->rib, &p->src, import_refilter_cb, p);
}

/* 1 when prefixes of af may be taken from p; logs the first refusal. */
static int
import_af_ok(struct peer *p, int af)
{
	int i = spk_afi(af);

	if (af != AF_INET && af != AF_INET6)
		return 0;
	if (p->af_ok[i])
		return 1;
	if (!p->warned_af[i]) {
		p->warned_af[i] = 1;
		log_warn("UPDATE for a family not negotiated ignored",
		    "session=%s family=%s", p->name,
		    af == AF_INET ? "ipv4" : "ipv6");
	}
	return 0;
}

/*
 * NLRI are taken IMPORT_BATCH at a time: the RIB warms its cache for the
 * whole batch first, so the trie's cache misses overlap instead of coming
 * one after the other. Returns how many were decoded into pfx.
 */
#define IMPORT_BATCH	64
static size_t
import_batch(struct peer *p, struct cur *c, int af, struct prefix *pfx)
{
	size_t n = 0;

	while (n < IMPORT_BATCH && wire_nlri_next(c, af, &pfx[n]) == 1)
		n++;
	rib_prefetch(p->bgp->rib, pfx, n);
	return n;
}

static void
import_withdraw_field(struct peer *p, struct cur c, int af)
{
	struct prefix pfx[IMPORT_BATCH];
	size_t i, n;

	if (!import_af_ok(p, af))
		return;
	do {
		n = import_batch(p, &c, af, pfx);
		for (i = 0; i < n; i++)
			rib_withdraw(p->bgp->rib, &pfx[i], &p->src);
	} while (n == IMPORT_BATCH);
}

static void
import_announce_field(struct peer *p, struct cur c, int af, struct attrs *a)
{
	struct prefix pfx[IMPORT_BATCH];
	enum path_filter f;
	size_t i, n;

	if (!import_af_ok(p, af))
		return;
	do {
		n = import_batch(p, &c, af, pfx);
		for (i = 0; i < n; i++) {
			f = import_filter(p, &pfx[i], a);
			/*
			 * A looped path cannot become usable without a
			 * session reset (only our AS or IDs make it a
			 * loop): it is not kept, and an earlier version of
			 * it goes.
			 */
			if (f == PATH_LOOP_AS || f == PATH_LOOP_ORIGINATOR ||
			    f == PATH_LOOP_CLUSTER)
				rib_withdraw(p->bgp->rib, &pfx[i], &p->src);
			else
				rib_update(p->bgp->rib, &pfx[i], &p->src,
				    attr_ref(a), f);
		}
	} while (n == IMPORT_BATCH);
}

static void
import_eor(struct peer *p, int af)
{
	if (af != AF_INET && af != AF_INET6)
		return;
	log_info("End-of-RIB received", "session=%s family=%s", p->name,
	    af == AF_INET ? "ipv4" : "ipv6");
	p->eor_rcvd[spk_afi(af)] = 1;
	bgp_check_converged(p->bgp);
}

int
import_update(struct peer *p, struct cur *body, struct notif *err)
{
	struct bgp *b = p->bgp;
	struct wire_peer_ctx ctx;
	struct update_msg u;
	struct attrs *a;
	char q[200];

	ctx.as4 = p->as4;
	ctx.ebgp = p->ebgp;
	ctx.local_as = b->model->local_as;
	b->arena.len = 0;
	memset(&u, 0, sizeof(u));
	if (wire_update_decode(body, &ctx, &b->arena, &u) == -1 ||
	    u.action == UPD_SESSION_RESET) {
		*err = u.err;
		if (err->code == 0) {
			err->code = ERR_UPDATE;
			err->subcode = ERR_UPD_ATTRLIST;
		}
		log_warn("bad UPDATE", "session=%s action=%s why=%s", p->name,
		    wire_upd_action_name(UPD_SESSION_RESET),
		    log_q(u.why, q, sizeof(q)));
		return -1;
	}
	if (u.eor_af) {
		import_eor(p, u.eor_af);
		return 0;
	}
	if (u.action == UPD_TREAT_AS_WITHDRAW) {
		log_warn("bad UPDATE", "session=%s action=%s why=%s", p->name,
		    wire_upd_action_name(u.action), log_q(u.why, q, sizeof(q)));
		import_withdraw_field(p, u.withdrawn, AF_INET);
		import_withdraw_field(p, u.nlri, AF_INET);
		if (u.mp_unreach_af)
			import_withdraw_field(p, u.mp_unreach, u.mp_unreach_af);
		if (u.mp_reach_af)
			import_withdraw_field(p, u.mp_reach, u.mp_reach_af);
		return 0;
	}
	if (u.action == UPD_ATTR_DISCARD)
		log_debug("UPDATE attribute discarded", "session=%s action=%s "
		    "why=%s", p->name, wire_upd_action_name(u.action),
		    log_q(u.why, q, sizeof(q)));
	import_withdraw_field(p, u.withdrawn, AF_INET);
	if (u.mp_unreach_af)
		import_withdraw_field(p, u.mp_unreach, u.mp_unreach_af);
	if (cur_left(&u.nlri) == 0 && u.mp_reach_af == 0)
		return 0;
	/* LOCAL_PREF is not taken from another AS (RFC 4271 5.1.5). */
	if (p->ebgp) {
		u.attrs.present &= ~ATTR_P(ATTR_LOCAL_PREF);
		u.attrs.local_pref = 0;
	}
	a = attr_intern(&u.attrs);
	import_announce_field(p, u.nlri, AF_INET, a);
	if (u.mp_reach_af)
		import_announce_field(p, u.mp_reach, u.mp_reach_af, a);
	attr_unref(a);
	return 0;
}
