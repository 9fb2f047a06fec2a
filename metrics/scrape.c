/*
 * scrape.c: one /metrics scrape: query the speaker, the resource status
 * and /proc, then write every family (collect.c) into the response.
 * Rendered from live state each time; nothing is cached between scrapes.
 */
#include <stdio.h>
#include <stdlib.h>

#include "metrics/internal.h"

static json_t *
scrape_kube(const struct metrics_src *src, const char *kind)
{
	json_t *j = NULL;

	if (src->status != NULL)
		j = src->status(src->arg, kind);
	return j != NULL ? j : json_array();
}

void
scrape_metrics(const struct metrics_src *src, struct httpd_req *req,
    struct httpd_reply *r)
{
	struct bgp_summary s;
	struct bgp_peer_info *peers;
	struct bgp_advert_info *adv;
	struct proc_stats ps;
	json_t *kadv, *kpol;
	size_t npeers = 0, nadv = 0;
	FILE *f;

	(void)req;
	if ((f = open_memstream(&r->body, &r->len)) == NULL) {
		httpd_text(r, 500, "out of memory\n");
		return;
	}
	bgp_query_summary(src->bgp, &s);
	peers = bgp_query_peers(src->bgp, &npeers);
	adv = bgp_query_adverts(src->bgp, &nadv);
	kadv = scrape_kube(src, "BGPAdvertisement");
	kpol = scrape_kube(src, "BGPRoutePolicy");
	collect_peers(f, peers, npeers, bgp_now());
	collect_adverts(f, kadv, adv, nadv);
	collect_policies(f, kpol);
	collect_summary(f, &s);
	fibstat_metrics(f, src->fib);
	kubestat_metrics(f, src->kube);
	collect_build(f);
	if (proc_read(&ps) == 0)
		collect_process(f, &ps);
	json_decref(kadv);
	json_decref(kpol);
	free(peers);
	free(adv);
	fclose(f);
	r->status = 200;
	r->ctype = "text/plain; version=0.0.4; charset=utf-8";
}
