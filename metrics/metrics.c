/*
 * metrics.c: the two HTTP servers of bgpd and what each serves.
 *
 * The metrics address carries /metrics and the JSON API; the health
 * address only /healthz and /readyz, so a kubelet probe never waits behind
 * a large scrape and the API can be firewalled apart from the probes.
 */
#include <stdlib.h>

#include "bgp/log.h"
#include "metrics/internal.h"

struct metrics {
	struct metrics_src	 src;
	struct httpd		*metrics, *health;
};

static const char *const metrics_no_args[] = { NULL };
static const char *const metrics_rib_args[] = { "afi", "prefix", NULL };

static const struct httpd_route metrics_routes[] = {
	{ "/metrics", scrape_metrics, metrics_no_args },
	{ "/api/v1/summary", api_summary, metrics_no_args },
	{ "/api/v1/neighbors", api_neighbors, metrics_no_args },
	{ "/api/v1/rib", api_rib, metrics_rib_args },
	{ "/api/v1/advertisements", api_advertisements, metrics_no_args },
	{ "/api/v1/policies", api_policies, metrics_no_args },
	{ "/api/v1/sessions", api_sessions, metrics_no_args },
	{ "/api/v1/config", api_config, metrics_no_args },
	{ "/api/v1/endpoints", api_endpoints, metrics_no_args },
	{ "/api/v1/peeringpolicies", api_peeringpolicies, metrics_no_args },
	{ NULL, NULL, NULL }
};

static const struct httpd_route metrics_health_routes[] = {
	{ "/healthz", health_healthz, metrics_no_args },
	{ "/readyz", health_readyz, metrics_no_args },
	{ NULL, NULL, NULL }
};

struct metrics *
metrics_new(struct event_base *base, const char *metrics_addr,
    const char *health_addr, const struct metrics_src *src)
{
	struct metrics *m;

	if ((m = calloc(1, sizeof(*m))) == NULL) {
		log_error("cannot start the HTTP servers", "error=%s",
		    "\"out of memory\"");
		return NULL;
	}
	m->src = *src;
	m->metrics = httpd_new(base, metrics_addr, "metrics", metrics_routes,
	    &m->src);
	if (m->metrics != NULL)
		m->health = httpd_new(base, health_addr, "health",
		    metrics_health_routes, &m->src);
	if (m->metrics == NULL || m->health == NULL) {
		metrics_free(m);
		return NULL;
	}
	return m;
}

uint16_t
metrics_port(const struct metrics *m, int health)
{
	return httpd_port(health ? m->health : m->metrics);
}

void
metrics_free(struct metrics *m)
{
	if (m == NULL)
		return;
	httpd_free(m->metrics);
	httpd_free(m->health);
	free(m);
}
