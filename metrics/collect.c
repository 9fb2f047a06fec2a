/*
 * collect.c: the metric families of /metrics, from plain query values
 * (scrape.c does the queries, so tests can feed these directly).
 *
 * Family names are a contract (INTERFACE.md). Two gauges keep the
 * original's names ending in _total for existing dashboards, each with a
 * correctly named twin. Families with no object to report still get their
 * HELP and TYPE lines, so a dashboard sees the name before the first peer.
 */
#include <stdio.h>
#include <stdlib.h>

#include "metrics/internal.h"

#ifndef BGPD_VERSION
#define BGPD_VERSION	"unknown"
#endif

static const char *const collect_msg_names[BGP_NMSG] = {
	"open", "update", "notification", "keepalive", "route_refresh"
};
static const char *const collect_afi_names[2] = { "ipv4", "ipv6" };

void
collect_summary(FILE *f, const struct bgp_summary *s)
{
	int i;

	prom_family(f, "bgp_rib_routes", "gauge",
	    "Prefixes in the RIB, by address family.");
	for (i = 0; i < 2; i++)
		prom_sample1(f, "bgp_rib_routes", "afi", collect_afi_names[i],
		    (double)s->routes[i]);
	prom_family(f, "bgp_rib_paths", "gauge",
	    "Paths in the RIB (all peers and local), by address family.");
	for (i = 0; i < 2; i++)
		prom_sample1(f, "bgp_rib_paths", "afi", collect_afi_names[i],
		    (double)s->paths[i]);
	prom_family(f, "bgp_rib_attribute_sets", "gauge",
	    "Distinct interned path attribute sets.");
	prom_sample(f, "bgp_rib_attribute_sets", NULL, 0,
	    (double)s->attr_sets);
	prom_family(f, "bgp_rib_memory_bytes", "gauge",
	    "Bytes held by RIB structures.");
	prom_sample(f, "bgp_rib_memory_bytes", NULL, 0, (double)s->mem_bytes);
}

static void
collect_state(FILE *f, const struct bgp_peer_info *p, size_t n)
{
	struct prom_label l[2];
	size_t i;
	int s;

	prom_family(f, "bgp_session_state", "gauge",
	    "1 for the current BGP FSM state of the session, 0 for the others.");
	for (i = 0; i < n; i++)
		for (s = 0; s < BGP_NSTATES; s++) {
			l[0] = (struct prom_label){ "session", p[i].name };
			l[1] = (struct prom_label){ "state",
			    bgp_state_name((enum bgp_state)s) };
			prom_sample(f, "bgp_session_state", l, 2,
			    (int)p[i].state == s ? 1 : 0);
		}
}

/* A family with one sample per session, read through an accessor. */
static void
collect_per_session(FILE *f, const char *name, const char *type,
    const char *help, const struct bgp_peer_info *p, size_t n,
    double (*get)(const struct bgp_peer_info *))
{
	size_t i;

	prom_family(f, name, type, help);
	for (i = 0; i < n; i++)
		prom_sample1(f, name, "session", p[i].name, get(&p[i]));
}

static double
collect_rcvd(const struct bgp_peer_info *p)
{
	return (double)(p->prefixes_rcvd[0] + p->prefixes_rcvd[1]);
}

static double
collect_flaps(const struct bgp_peer_info *p)
{
	return (double)p->flaps;
}

static double
collect_upd_sent(const struct bgp_peer_info *p)
{
	return (double)p->updates_sent;
}

static double
collect_upd_rcvd(const struct bgp_peer_info *p)
{
	return (double)p->updates_rcvd;
}

static void
collect_msgs(FILE *f, const char *name, const char *help,
    const struct bgp_peer_info *p, size_t n, int sent)
{
	struct prom_label l[2];
	size_t i;
	int t;

	prom_family(f, name, "counter", help);
	for (i = 0; i < n; i++)
		for (t = 0; t < BGP_NMSG; t++) {
			l[0] = (struct prom_label){ "session", p[i].name };
			l[1] = (struct prom_label){ "type", collect_msg_names[t] };
			prom_sample(f, name, l, 2, (double)(sent ?
			    p[i].msgs_sent[t] : p[i].msgs_rcvd[t]));
		}
}

static void
collect_afi(FILE *f, const char *name, const char *help,
    const struct bgp_peer_info *p, size_t n, size_t field)
{
	struct prom_label l[2];
	const uint64_t *v;
	size_t i;
	int a;

	prom_family(f, name, "gauge", help);
	for (i = 0; i < n; i++) {
		v = field == 0 ? p[i].prefixes_rcvd : field == 1 ?
		    p[i].prefixes_accepted : p[i].prefixes_sent;
		for (a = 0; a < 2; a++) {
			l[0] = (struct prom_label){ "session", p[i].name };
			l[1] = (struct prom_label){ "afi", collect_afi_names[a] };
			prom_sample(f, name, l, 2, (double)v[a]);
		}
	}
}

static void
collect_uptime(FILE *f, const struct bgp_peer_info *p, size_t n, time_t now)
{
	size_t i;
	time_t up;

	prom_family(f, "bgp_session_uptime_seconds", "gauge",
	    "Seconds since the session became Established, 0 when it is not.");
	for (i = 0; i < n; i++) {
		up = 0;
		if (p[i].state == BGP_ESTABLISHED && now > p[i].state_since)
			up = now - p[i].state_since;
		prom_sample1(f, "bgp_session_uptime_seconds", "session",
		    p[i].name, (double)up);
	}
}

void
collect_peers(FILE *f, const struct bgp_peer_info *p, size_t n, time_t now)
{
	collect_state(f, p, n);
	collect_per_session(f, "bgp_received_prefixes_total", "gauge",
	    "Prefixes received from the session (a gauge; name kept from the "
	    "original, see bgp_received_prefixes).", p, n, collect_rcvd);
	collect_per_session(f, "bgp_received_prefixes", "gauge",
	    "Prefixes received from the session.", p, n, collect_rcvd);
	collect_per_session(f, "bgp_session_flaps_total", "counter",
	    "Times the session left Established.", p, n, collect_flaps);
	collect_msgs(f, "bgp_messages_sent_total",
	    "BGP messages sent, by message type.", p, n, 1);
	collect_msgs(f, "bgp_messages_received_total",
	    "BGP messages received, by message type.", p, n, 0);
	collect_per_session(f, "bgp_updates_sent_total", "counter",
	    "UPDATE messages sent.", p, n, collect_upd_sent);
	collect_per_session(f, "bgp_updates_received_total", "counter",
	    "UPDATE messages received.", p, n, collect_upd_rcvd);
	collect_afi(f, "bgp_prefixes_received",
	    "Paths held from the session, by address family.", p, n, 0);
	collect_afi(f, "bgp_prefixes_accepted",
	    "Paths from the session that passed import policy, by address "
	    "family.", p, n, 1);
	collect_afi(f, "bgp_prefixes_sent",
	    "Prefixes in the session's Adj-RIB-Out, by address family.", p, n, 2);
	collect_uptime(f, p, n, now);
}

void
collect_adverts(FILE *f, json_t *kstatus, const struct bgp_advert_info *a,
    size_t n)
{
	static const char *const names[2] = {
		"bgp_advertised_prefixes_total", "bgp_advertised_prefixes"
	};
	static const char *const helps[2] = {
		"Prefixes this speaker holds in its RIB for the advertisement "
		"(a gauge; name kept from the original, see "
		"bgp_advertised_prefixes).",
		"Prefixes this speaker holds in its RIB for the advertisement."
	};
	json_t *doc, *obj;
	size_t i;
	int k;

	doc = apidoc_adverts(kstatus, a, n);
	for (k = 0; k < 2; k++) {
		prom_family(f, names[k], "gauge", helps[k]);
		json_array_foreach(doc, i, obj)
			prom_sample1(f, names[k], "advertisement",
			    json_string_value(json_object_get(obj, "name")),
			    (double)json_integer_value(json_object_get(obj,
			    "advertised_prefix_count")));
	}
	json_decref(doc);
}

void
collect_policies(FILE *f, json_t *kstatus)
{
	json_t *obj;
	size_t i;

	prom_family(f, "bgp_route_policies_applied", "gauge",
	    "1 when the route policy is accepted and in force, else 0.");
	json_array_foreach(kstatus, i, obj) {
		if (!json_is_string(json_object_get(obj, "name")))
			continue;
		prom_sample1(f, "bgp_route_policies_applied", "policy",
		    json_string_value(json_object_get(obj, "name")),
		    apidoc_condition(obj, "Accepted", "True"));
	}
}

void
collect_process(FILE *f, const struct proc_stats *ps)
{
	prom_family(f, "process_resident_memory_bytes", "gauge",
	    "Resident memory size in bytes.");
	prom_sample(f, "process_resident_memory_bytes", NULL, 0,
	    (double)ps->rss_bytes);
	prom_family(f, "process_virtual_memory_bytes", "gauge",
	    "Virtual memory size in bytes.");
	prom_sample(f, "process_virtual_memory_bytes", NULL, 0,
	    (double)ps->vsize_bytes);
	prom_family(f, "process_cpu_seconds_total", "counter",
	    "Total user and system CPU time spent in seconds.");
	prom_sample(f, "process_cpu_seconds_total", NULL, 0, ps->cpu_seconds);
	prom_family(f, "process_start_time_seconds", "gauge",
	    "Start time of the process since unix epoch in seconds.");
	prom_sample(f, "process_start_time_seconds", NULL, 0, ps->start_time);
	prom_family(f, "process_open_fds", "gauge",
	    "Number of open file descriptors.");
	prom_sample(f, "process_open_fds", NULL, 0, (double)ps->open_fds);
	prom_family(f, "process_max_fds", "gauge",
	    "Maximum number of open file descriptors.");
	prom_sample(f, "process_max_fds", NULL, 0, (double)ps->max_fds);
}

void
collect_build(FILE *f)
{
	prom_family(f, "bgpd_build_info", "gauge",
	    "Always 1; the version label says which bgpd runs.");
	prom_sample1(f, "bgpd_build_info", "version", BGPD_VERSION, 1);
}
