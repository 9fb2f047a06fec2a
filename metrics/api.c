/*
 * api.c: the /api/v1 handlers: query the speaker and the resource status,
 * hand the values to apidoc.c, answer with the document.
 *
 * The RIB can hold a full table (~1M prefixes), so /api/v1/rib is written
 * path by path as text (ribdoc.c) to a spool while the speaker walks its
 * tree: no JSON tree is built, and the time is linear in the table. The walk
 * gives the paths of one prefix as consecutive callbacks, which is what
 * lets a route object be opened and closed without buffering.
 * ?prefix=P keeps the routes that lie inside P (P itself included).
 * Each route ends with "fib": what the kernel holds for it (fibstat.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics/internal.h"

static json_t *
api_kube(const struct metrics_src *src, const char *kind)
{
	json_t *j = NULL;

	if (src->status != NULL)
		j = src->status(src->arg, kind);
	return j != NULL ? j : json_array();
}

void
api_summary(const struct metrics_src *src, struct httpd_req *req,
    struct httpd_reply *r)
{
	struct bgp_summary s;
	char why[160];

	(void)req;
	bgp_query_summary(src->bgp, &s);
	httpd_json(r, apidoc_summary(&s, health_ready(src, why, sizeof(why))));
}

void
api_neighbors(const struct metrics_src *src, struct httpd_req *req,
    struct httpd_reply *r)
{
	struct bgp_peer_info *p;
	json_t *arr = json_array();
	time_t now = bgp_now();
	size_t i, n = 0;

	(void)req;
	p = bgp_query_peers(src->bgp, &n);
	for (i = 0; i < n; i++)
		json_array_append_new(arr, apidoc_neighbor(&p[i], now));
	free(p);
	httpd_json(r, json_pack("{s:o}", "neighbors", arr));
}

struct api_walk {
	FILE		*f;
	struct prefix	 cur;
	int		 open;		/* a route object is open */
	int		 wanted;	/* its best path is a peer's: for the FIB */
	int		 filter;
	struct prefix	 want;
	time_t		 now;
	struct fib	*fib;
};

/* The route's "fib" member goes last: only then is its best path known. */
static void
api_rib_close(struct api_walk *w)
{
	char buf[192];

	fputs("],\"fib\":", w->f);
	ribdoc_str(w->f, fibstat_route(w->fib, &w->cur, w->wanted, buf,
	    sizeof(buf)));
	fputc('}', w->f);
}

static void
api_rib_cb(void *arg, const struct bgp_path_info *p)
{
	struct api_walk *w = arg;
	char buf[PREFIX_STRLEN];

	if (w->filter && !prefix_contains(&w->want, &p->prefix))
		return;
	if (!w->open || prefix_cmp(&w->cur, &p->prefix) != 0) {
		if (w->open) {
			api_rib_close(w);
			fputc(',', w->f);
		}
		fprintf(w->f, "{\"prefix\":\"%s\",\"paths\":[",
		    prefix_fmt(&p->prefix, buf, sizeof(buf)));
		w->cur = p->prefix;
		w->open = 1;
		w->wanted = 0;
	} else
		fputc(',', w->f);
	if (p->best && !p->local)
		w->wanted = 1;
	ribdoc_path(w->f, p, w->now);
}

/* afi and prefix: each given one decides the family; they must agree. */
static int
api_rib_args(struct httpd_req *req, struct api_walk *w, int *af)
{
	const char *afi = httpd_arg(req, "afi");
	const char *pfx = httpd_arg(req, "prefix");

	*af = 0;
	if (afi != NULL) {
		if (strcmp(afi, "ipv4") == 0)
			*af = AF_INET;
		else if (strcmp(afi, "ipv6") == 0)
			*af = AF_INET6;
		else
			return -1;
	}
	if (pfx != NULL) {
		if (prefix_parse_loose(pfx, &w->want) == -1 ||
		    (*af != 0 && *af != w->want.af))
			return -1;
		*af = w->want.af;
		w->filter = 1;
	}
	if (*af == 0)
		*af = AF_INET;
	return 0;
}

void
api_rib(const struct metrics_src *src, struct httpd_req *req,
    struct httpd_reply *r)
{
	struct api_walk w;
	int af;

	memset(&w, 0, sizeof(w));
	if (api_rib_args(req, &w, &af) == -1) {
		httpd_text(r, 400, "bad query: afi=ipv4|ipv6, prefix=CIDR of "
		    "that family\n");
		return;
	}
	if ((w.f = httpd_spool(r)) == NULL) {
		httpd_text(r, 500, "cannot write the response\n");
		return;
	}
	w.now = bgp_now();
	w.fib = src->fib;
	fprintf(w.f, "{\"afi\":\"%s\",\"routes\":[", af == AF_INET ? "ipv4" :
	    "ipv6");
	bgp_query_rib(src->bgp, af, api_rib_cb, &w);
	if (w.open)
		api_rib_close(&w);
	fputs("]}\n", w.f);
	httpd_spool_end(r, w.f, "application/json");
}

void
api_advertisements(const struct metrics_src *src, struct httpd_req *req,
    struct httpd_reply *r)
{
	struct bgp_advert_info *a;
	json_t *k = api_kube(src, "BGPAdvertisement");
	size_t n = 0;

	(void)req;
	a = bgp_query_adverts(src->bgp, &n);
	httpd_json(r, json_pack("{s:o}", "advertisements",
	    apidoc_adverts(k, a, n)));
	free(a);
	json_decref(k);
}

void
api_policies(const struct metrics_src *src, struct httpd_req *req,
    struct httpd_reply *r)
{
	json_t *k = api_kube(src, "BGPRoutePolicy");

	(void)req;
	httpd_json(r, json_pack("{s:o}", "policies", apidoc_policies(k)));
	json_decref(k);
}

/* The status of one kind as the resource source reports it. */
static void
api_status(const struct metrics_src *src, const char *kind,
    const char *member, struct httpd_reply *r)
{
	httpd_json(r, json_pack("{s:o}", member, api_kube(src, kind)));
}

void
api_sessions(const struct metrics_src *src, struct httpd_req *req,
    struct httpd_reply *r)
{
	(void)req;
	api_status(src, "BGPSession", "sessions", r);
}

void
api_config(const struct metrics_src *src, struct httpd_req *req,
    struct httpd_reply *r)
{
	(void)req;
	api_status(src, "BGPConfiguration", "configurations", r);
}

void
api_endpoints(const struct metrics_src *src, struct httpd_req *req,
    struct httpd_reply *r)
{
	(void)req;
	api_status(src, "BGPEndpoint", "endpoints", r);
}

void
api_peeringpolicies(const struct metrics_src *src, struct httpd_req *req,
    struct httpd_reply *r)
{
	(void)req;
	api_status(src, "BGPPeeringPolicy", "peering_policies", r);
}
