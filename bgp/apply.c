/*
 * apply.c: bgp_apply(), the one way in: diff a new desired state against
 * the running one and change only what differs.
 *
 * - router ID or local AS changed: every session is reset;
 * - peers gone: Cease/Peer De-configured (RFC 4486 3) with an RFC 9003
 *   message, paths flushed, freed on a later loop turn;
 * - peers whose session settings changed (model_peer_needs_reset):
 *   Cease/Administrative Reset and restart;
 * - policy changes: recompile only changed policies; re-run import for the
 *   peers whose import chain changed (rib_refilter_src) and re-walk the
 *   export of those whose export chain changed, without a reset;
 * - advertisements: originate or withdraw only changed prefixes (origin.c);
 * - listen port: rebind.
 */
#include <stdlib.h>
#include <string.h>

#include "bgp/log.h"
#include "bgp/speaker.h"

static void
apply_policies(struct bgp *b, const struct model *old)
{
	const struct model *nm = b->model;
	const struct model_policy *op;
	struct policy **np;
	size_t i, k;

	if ((np = calloc(nm->npolicies + 1, sizeof(*np))) == NULL)
		fatal("%s: out of memory", __func__);
	for (i = 0; i < nm->npolicies; i++) {
		op = old != NULL ? model_find_policy(old, nm->policies[i].name) :
		    NULL;
		k = op != NULL ? (size_t)(op - old->policies) : b->npol;
		if (k < b->npol && b->pol[k] != NULL &&
		    model_policy_equal(op, &nm->policies[i])) {
			np[i] = b->pol[k];
			b->pol[k] = NULL;	/* taken over */
			continue;
		}
		if ((np[i] = policy_compile(&nm->policies[i])) != NULL)
			continue;
		/* Not half-applied: the previous version stays in force. */
		if (k < b->npol && b->pol[k] != NULL) {
			log_warn("policy does not compile: previous version kept",
			    "policy=%s", nm->policies[i].name);
			np[i] = b->pol[k];
			b->pol[k] = NULL;
		} else
			log_warn("policy does not compile: not applied",
			    "policy=%s", nm->policies[i].name);
	}
	/* The old array stays until the peers' chains are rebuilt. */
	b->oldpol = b->pol;
	b->noldpol = b->npol;
	b->pol = np;
	b->npol = nm->npolicies;
}

void
apply_free_policies(struct bgp *b)
{
	size_t i;

	for (i = 0; i < b->noldpol; i++)
		if (b->oldpol[i] != NULL)
			policy_free(b->oldpol[i]);
	free(b->oldpol);
	b->oldpol = NULL;
	b->noldpol = 0;
}

/* Compile names into a chain of the speaker's compiled policies. */
static struct policy **
apply_chain(struct bgp *b, char *const *names, size_t n, size_t *out)
{
	const struct model_policy *mp;
	struct policy **c;
	size_t i, k = 0;

	if ((c = calloc(n + 1, sizeof(*c))) == NULL)
		fatal("%s: out of memory", __func__);
	for (i = 0; i < n; i++) {
		if ((mp = model_find_policy(b->model, names[i])) == NULL) {
			log_warn("peer names an unknown policy", "policy=%s",
			    names[i]);
			continue;
		}
		if (b->pol[mp - b->model->policies] != NULL)
			c[k++] = b->pol[mp - b->model->policies];
	}
	*out = k;
	return c;
}

static int
apply_chain_equal(struct policy **a, size_t na, struct policy **c, size_t nc)
{
	return na == nc && (na == 0 || memcmp(a, c, na * sizeof(*a)) == 0);
}

/* Install p's chains from mp; sets *imp / *exp when they changed. */
static void
apply_peer_chains(struct peer *p, const struct model_peer *mp, int *imp,
    int *exp)
{
	struct bgp *b = p->bgp;
	struct policy **ci, **ce;
	size_t ni, ne;

	ci = apply_chain(b, mp->import, mp->nimport, &ni);
	ce = apply_chain(b, mp->export, mp->nexport, &ne);
	*imp = !apply_chain_equal(p->imp, p->nimp, ci, ni);
	*exp = !apply_chain_equal(p->exp, p->nexp, ce, ne);
	free(p->imp);
	free(p->exp);
	p->imp = ci;
	p->nimp = ni;
	p->exp = ce;
	p->nexp = ne;
}

static void
apply_clusters(struct bgp *b)
{
	const struct model *m = b->model;
	size_t i, j, n = 0;
	uint32_t id;

	free(b->clusters);
	if ((b->clusters = calloc(m->npeers + 1, sizeof(uint32_t))) == NULL)
		fatal("%s: out of memory", __func__);
	for (i = 0; i < m->npeers; i++) {
		if (!m->peers[i].rr_client || m->peers[i].cluster_id == 0)
			continue;
		id = m->peers[i].cluster_id;
		for (j = 0; j < n && b->clusters[j] != id; j++)
			;
		if (j == n)
			b->clusters[n++] = id;
	}
	if (n == 0)
		b->clusters[n++] = m->router_id;
	b->nclusters = n;
}

static void
apply_peers(struct bgp *b, const struct model *old, int reset_all)
{
	const struct model *nm = b->model;
	const struct model_peer *nmp, *omp;
	struct peer *p, *tmp;
	int imp, exp;
	size_t i;

	for (p = TAILQ_FIRST(&b->peers); p != NULL; p = tmp) {
		tmp = TAILQ_NEXT(p, entry);
		if ((nmp = model_find_peer(nm, p->name)) == NULL) {
			peer_remove(p, ERR_CEASE_PEER_UNCONF,
			    "session removed from the configuration");
			continue;
		}
		omp = old != NULL ? model_find_peer(old, p->name) : NULL;
		peer_set_conf(p, nmp);
		apply_peer_chains(p, nmp, &imp, &exp);
		if (reset_all || omp == NULL || model_peer_needs_reset(omp, nmp)) {
			peer_cease(p, ERR_CEASE_ADMIN_RESET,
			    "session configuration changed", 1);
			continue;
		}
		if (p->state != BGP_ESTABLISHED)
			continue;
		if (imp)
			import_refilter(p);
		if (exp)
			adjout_redump(p, 3, 0);
	}
	for (i = 0; i < nm->npeers; i++) {
		TAILQ_FOREACH(p, &b->peers, entry)
			if (strcmp(p->name, nm->peers[i].name) == 0)
				break;
		if (p != NULL)
			continue;
		p = peer_new(b, &nm->peers[i]);
		apply_peer_chains(p, &nm->peers[i], &imp, &exp);
		peer_start(p);
	}
}

int
bgp_apply(struct bgp *b, const struct model *m)
{
	struct model *old = b->model;
	char rid[20];
	int reset_all, r = 0;

	update_memo_flush();
	b->model = model_dup(m);
	reset_all = old != NULL && (old->local_as != m->local_as ||
	    old->router_id != m->router_id);
	b->dctx.local_as = m->local_as;
	b->dctx.router_id = m->router_id;
	b->dctx.max_paths = m->max_paths ? m->max_paths : 1;
	rib_set_ctx(b->rib, &b->dctx);
	apply_policies(b, old);
	apply_clusters(b);
	apply_peers(b, old, reset_all);
	origin_apply(b, old);
	apply_free_policies(b);
	if (b->lfd == -1 || b->lport != m->listen_port) {
		conn_unlisten(b);
		b->lport = m->listen_port;
		r = conn_listen(b);
	}
	model_free(old);
	log_info("configuration applied", "endpoint=%s as=%u router_id=%s "
	    "peers=%zu advertisements=%zu policies=%zu",
	    m->local_endpoint ? m->local_endpoint : "",
	    m->local_as, addr_id_fmt(m->router_id, rid, sizeof(rid)),
	    m->npeers, m->nadverts, m->npolicies);
	bgp_check_converged(b);
	return r;
}
