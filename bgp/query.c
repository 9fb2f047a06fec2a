/*
 * query.c: read-only views of the speaker for metrics/ and `bgpd show`.
 * Results are plain values copied out; nothing returned points into the
 * speaker after the call (the path callback's arrays live only during it).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bgp/log.h"
#include "bgp/speaker.h"

static void
query_copy(char *dst, size_t len, const char *src)
{
	snprintf(dst, len, "%s", src ? src : "");
}

void
bgp_query_summary(struct bgp *b, struct bgp_summary *s)
{
	struct peer *p;
	int afi;

	memset(s, 0, sizeof(*s));
	if (b->model != NULL) {
		query_copy(s->local_endpoint, sizeof(s->local_endpoint),
		    b->model->local_endpoint);
		s->local_as = b->model->local_as;
		s->router_id = b->model->router_id;
		s->configured = 1;
	}
	s->listen_port = b->lport;
	s->listening = b->lfd != -1;
	query_copy(s->listen_error, sizeof(s->listen_error), b->listen_error);
	TAILQ_FOREACH(p, &b->peers, entry) {
		s->npeers++;
		if (p->state == BGP_ESTABLISHED)
			s->nestablished++;
		if (p->out != NULL)
			s->mem_bytes += adjout_bytes(p->out);
	}
	for (afi = 0; afi < 2; afi++) {
		s->routes[afi] = rib_count(b->rib, afi == BGP_AFI_V4 ?
		    AF_INET : AF_INET6);
		s->paths[afi] = rib_paths(b->rib, afi == BGP_AFI_V4 ?
		    AF_INET : AF_INET6);
	}
	s->attr_sets = attr_count();
	s->mem_bytes += rib_bytes(b->rib) + attr_bytes();
}

static void
query_peer(const struct peer *p, struct bgp_peer_info *i)
{
	int afi;

	memset(i, 0, sizeof(*i));
	query_copy(i->name, sizeof(i->name), p->name);
	query_copy(i->remote_endpoint, sizeof(i->remote_endpoint),
	    p->conf.remote_endpoint);
	i->remote_addr = p->conf.remote_addr;
	i->local_addr = p->conn != NULL && addr_is_set(&p->conn->local) ?
	    p->conn->local : p->conf.local_addr;
	i->remote_port = p->conf.remote_port;
	i->remote_as = p->conf.remote_as;
	i->ebgp = p->ebgp;
	i->rr_client = p->conf.rr_client;
	i->state = p->state;
	i->state_since = p->state_since;
	i->remote_router_id = p->remote_id;
	if (p->state == BGP_ESTABLISHED) {
		i->hold_time = p->hold;
		i->keepalive = p->keepalive;
	} else {
		i->hold_time = p->conf.hold_time;
		i->keepalive = p->conf.keepalive;
	}
	i->flaps = p->flaps;
	query_copy(i->last_error, sizeof(i->last_error), p->last_error);
	memcpy(i->msgs_sent, p->msgs_sent, sizeof(i->msgs_sent));
	memcpy(i->msgs_rcvd, p->msgs_rcvd, sizeof(i->msgs_rcvd));
	i->updates_sent = p->updates_sent;
	i->updates_rcvd = p->updates_rcvd;
	for (afi = 0; afi < 2; afi++) {
		i->prefixes_rcvd[afi] = p->src.npaths[afi];
		i->prefixes_accepted[afi] = p->src.naccepted[afi];
		i->prefixes_sent[afi] = p->out != NULL ?
		    adjout_count(p->out, afi) : 0;
	}
}

struct bgp_peer_info *
bgp_query_peers(struct bgp *b, size_t *n)
{
	struct bgp_peer_info *v;
	struct peer *p;
	size_t k = 0;

	TAILQ_FOREACH(p, &b->peers, entry)
		k++;
	if ((v = calloc(k + 1, sizeof(*v))) == NULL)
		fatal("%s: out of memory", __func__);
	k = 0;
	TAILQ_FOREACH(p, &b->peers, entry)
		query_peer(p, &v[k++]);
	*n = k;
	return v;
}

struct query_rib {
	void	(*cb)(void *, const struct bgp_path_info *);
	void	*arg;
};

#define QUERY_MAX_ASNS	4096

static int
query_rib_cb(void *arg, const struct rib_entry *e)
{
	struct query_rib *q = arg;
	struct bgp_path_info pi;
	const struct path *pa;
	const struct attrs *a;
	uint32_t asns[QUERY_MAX_ASNS];

	for (pa = e->paths; pa != NULL; pa = pa->next) {
		a = path_attrs(pa);
		memset(&pi, 0, sizeof(pi));
		pi.prefix = rib_prefix(e);
		pi.best = pa->best;
		pi.local = pa->src->local;
		pi.filtered = pa->filter != PATH_OK;
		if (!pi.local)
			query_copy(pi.peer, sizeof(pi.peer), pa->src->name);
		pi.nexthop = a->nexthop;
		pi.nexthop_ll = a->nexthop_ll;
		pi.origin = a->origin;
		pi.has_med = (a->present & ATTR_P(ATTR_MED)) != 0;
		pi.med = a->med;
		pi.has_local_pref = (a->present & ATTR_P(ATTR_LOCAL_PREF)) != 0;
		pi.local_pref = a->local_pref;
		pi.naspath = aspath_flatten(a->aspath, a->aspath_len, asns,
		    QUERY_MAX_ASNS);
		if (pi.naspath > QUERY_MAX_ASNS)
			pi.naspath = QUERY_MAX_ASNS;
		pi.aspath = asns;
		pi.communities = a->communities;
		pi.ncommunities = a->ncommunities;
		pi.large = a->large;
		pi.nlarge = a->nlarge;
		pi.ext = a->ext;
		pi.next = a->next;
		pi.has_originator =
		    (a->present & ATTR_P(ATTR_ORIGINATOR_ID)) != 0;
		pi.originator_id = a->originator_id;
		pi.clusters = a->clusters;
		pi.nclusters = a->nclusters;
		pi.since = pa->since;
		q->cb(q->arg, &pi);
	}
	return 0;
}

void
bgp_query_rib(struct bgp *b, int af,
    void (*cb)(void *, const struct bgp_path_info *), void *arg)
{
	struct query_rib q = { cb, arg };

	rib_walk(b->rib, af, query_rib_cb, &q);
}

struct bgp_advert_info *
bgp_query_adverts(struct bgp *b, size_t *n)
{
	struct bgp_advert_info *v;
	size_t i, k = b->model != NULL ? b->model->nadverts : 0;

	if ((v = calloc(k + 1, sizeof(*v))) == NULL)
		fatal("%s: out of memory", __func__);
	for (i = 0; i < k; i++) {
		query_copy(v[i].name, sizeof(v[i].name),
		    b->model->adverts[i].name);
		v[i].nprefixes = bgp_query_originated(b,
		    b->model->adverts[i].prefixes,
		    b->model->adverts[i].nprefixes);
	}
	*n = k;
	return v;
}

size_t
bgp_query_originated(struct bgp *b, const struct prefix *pfx, size_t n)
{
	const struct rib_entry *e;
	const struct path *pa;
	size_t i, k = 0;

	for (i = 0; i < n; i++) {
		if ((e = rib_lookup(b->rib, &pfx[i])) == NULL)
			continue;
		for (pa = e->paths; pa != NULL; pa = pa->next)
			if (pa->src == &b->local_src) {
				k++;
				break;
			}
	}
	return k;
}
