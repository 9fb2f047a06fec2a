/*
 * kubestat.c: the bgp_kube_* families, what the API-server source counts
 * about its traffic (kube_api_stats), rendered on each scrape.
 *
 * Left out entirely in standalone mode (--config-dir), as the bgp_fib_*
 * families are with --no-fib: zeros would claim an API server that is not
 * there. The code label is the HTTP status, or "error" when no response
 * came (connection refused, timeout, TLS failure), so the label set stays
 * bounded.
 */
#include <stdio.h>

#include "kube/kube.h"
#include "metrics/internal.h"

static void
kubestat_requests(FILE *f, const struct kube_stats *st)
{
	static const char name[] = "bgp_kube_requests_total";
	struct prom_label l[2];
	char code[16];
	size_t i;

	prom_family(f, name, "counter", "Requests to the Kubernetes API "
	    "server that ended (a watch when its stream ended), by verb and "
	    "HTTP status code; code \"error\" when no response came.");
	for (i = 0; i < st->nreq; i++) {
		if (st->req[i].code == 0)
			snprintf(code, sizeof(code), "error");
		else
			snprintf(code, sizeof(code), "%d", st->req[i].code);
		l[0] = (struct prom_label){ "verb", st->req[i].verb };
		l[1] = (struct prom_label){ "code", code };
		prom_sample(f, name, l, 2, (double)st->req[i].n);
	}
}

static void
kubestat_watches(FILE *f, const struct kube_stats *st)
{
	size_t i;

	prom_family(f, "bgp_kube_watch_restarts_total", "counter",
	    "Watch streams that ended (server timeout, error, cut connection) "
	    "and were started again, by resource.");
	for (i = 0; i < st->nwatch; i++)
		prom_sample1(f, "bgp_kube_watch_restarts_total", "resource",
		    st->watch[i].resource, (double)st->watch[i].restarts);
	prom_family(f, "bgp_kube_relists_total", "counter",
	    "Full lists after a watch's resourceVersion was gone (410), by "
	    "resource.");
	for (i = 0; i < st->nwatch; i++)
		prom_sample1(f, "bgp_kube_relists_total", "resource",
		    st->watch[i].resource, (double)st->watch[i].relists);
}

static void
kubestat_reconcile(FILE *f, const struct kube_stats *st)
{
	static const char base[] = "bgp_kube_reconcile_duration_seconds";
	char le[32];
	size_t i;

	prom_family(f, base, "histogram", "Time to build the desired state "
	    "from the resources, apply it to the speaker and queue the "
	    "status writes.");
	for (i = 0; i < KUBE_RECONCILE_NBUCKETS; i++) {
		snprintf(le, sizeof(le), "%g", kube_reconcile_bounds[i]);
		prom_sample1(f, "bgp_kube_reconcile_duration_seconds_bucket",
		    "le", le, (double)st->reconcile_le[i]);
	}
	prom_sample1(f, "bgp_kube_reconcile_duration_seconds_bucket", "le",
	    "+Inf", (double)st->reconcile_count);
	prom_sample(f, "bgp_kube_reconcile_duration_seconds_sum", NULL, 0,
	    st->reconcile_sum);
	prom_sample(f, "bgp_kube_reconcile_duration_seconds_count", NULL, 0,
	    (double)st->reconcile_count);
}

void
kubestat_collect(FILE *f, const struct kube_stats *st)
{
	kubestat_requests(f, st);
	kubestat_watches(f, st);
	kubestat_reconcile(f, st);
	prom_family(f, "bgp_kube_lease_holder", "gauge",
	    "1 while this speaker holds the peering-policy Lease, else 0.");
	prom_sample(f, "bgp_kube_lease_holder", NULL, 0, st->lease_held);
}

void
kubestat_metrics(FILE *f, const struct kube_api *a)
{
	struct kube_stats st;

	if (a == NULL)
		return;
	kube_api_stats(a, &st);
	kubestat_collect(f, &st);
}
