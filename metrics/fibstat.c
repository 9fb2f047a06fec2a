/*
 * fibstat.c: what fib/ did with the best paths, for /metrics and for the
 * routes of /api/v1/rib.
 *
 * The families come from fib_query_stats() and are left out entirely when
 * bgpd runs with --no-fib: a zero would claim a FIB that does not exist.
 * A route's "fib" member reads fib_route_status(), which answers "" both
 * for an installed route and for a prefix fib/ was never asked to install;
 * the caller knows which (a best path from a peer is always handed to
 * fib/), so it says whether the prefix is wanted.
 */
#include <stdio.h>
#include <string.h>

#include "fib/fib.h"
#include "metrics/internal.h"

static void
fibstat_one(FILE *f, const char *name, const char *type, const char *help,
    uint64_t v)
{
	prom_family(f, name, type, help);
	prom_sample(f, name, NULL, 0, (double)v);
}

void
fibstat_collect(FILE *f, const struct fib_stats *st)
{
	fibstat_one(f, "bgp_fib_routes_installed", "gauge",
	    "Routes of ours the kernel holds.", st->installed);
	fibstat_one(f, "bgp_fib_routes_pending", "gauge",
	    "Route changes queued or awaiting the kernel's answer.",
	    st->pending);
	fibstat_one(f, "bgp_fib_routes_held", "gauge",
	    "Best routes not installed: next hop unresolvable, or a route "
	    "of another protocol holds the prefix.", st->held);
	fibstat_one(f, "bgp_fib_errors_total", "counter",
	    "Route requests the kernel refused.", st->errors);
	fibstat_one(f, "bgp_fib_netlink_errors_total", "counter",
	    "Netlink socket errors, lost acknowledgements and overruns.",
	    st->netlink_errors);
	fibstat_one(f, "bgp_fib_resyncs_total", "counter",
	    "Full dumps of the kernel's routes after a lost notification.",
	    st->resyncs);
}

void
fibstat_metrics(FILE *f, struct fib *fib)
{
	struct fib_stats st;

	if (fib == NULL)
		return;
	fib_query_stats(fib, &st);
	fibstat_collect(f, &st);
}

const char *
fibstat_route(struct fib *fib, const struct prefix *p, int wanted,
    char *buf, size_t len)
{
	char why[160];

	if (fib == NULL || !wanted)
		return "n/a";
	fib_route_status(fib, p, why, sizeof(why));
	if (why[0] == '\0')
		return "installed";
	if (strcmp(why, "pending") == 0)
		return "pending";
	snprintf(buf, len, "held: %s", why);
	return buf;
}
