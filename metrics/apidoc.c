/*
 * apidoc.c: the documents of the read-only JSON API, built from plain
 * query values (no queries here, so tests can feed them directly).
 *
 * Member names and order are the contract `bgpd show` and outside tools
 * read. Absent optional attributes are JSON null, never a made-up 0.
 * Well-known communities (RFC 1997, RFC 7999) print by name, as the
 * manifests spell them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bgp/log.h"
#include "metrics/internal.h"

static const struct {
	uint32_t	 value;
	const char	*name;
} apidoc_wellknown[] = {
	{ 0xFFFFFF01, "no-export" },
	{ 0xFFFFFF02, "no-advertise" },
	{ 0xFFFFFF03, "no-export-subconfed" },
	{ 0xFFFF029A, "blackhole" },
};

static const char *const apidoc_msg_names[BGP_NMSG] = {
	"open", "update", "notification", "keepalive", "route_refresh"
};

const char *
apidoc_community(uint32_t c, char *buf, size_t len)
{
	size_t i;

	for (i = 0; i < sizeof(apidoc_wellknown) / sizeof(apidoc_wellknown[0]);
	    i++)
		if (apidoc_wellknown[i].value == c) {
			snprintf(buf, len, "%s", apidoc_wellknown[i].name);
			return buf;
		}
	snprintf(buf, len, "%u:%u", c >> 16, c & 0xffff);
	return buf;
}

const char *
apidoc_origin(uint8_t o)
{
	switch (o) {
	case 0:
		return "igp";
	case 1:
		return "egp";
	default:
		return "incomplete";
	}
}

static json_t *
apidoc_addr(const struct addr *a, int null_when_unset)
{
	char buf[ADDR_STRLEN];

	if (!addr_is_set(a))
		return null_when_unset ? json_null() : json_string("");
	return json_string(addr_fmt(a, buf, sizeof(buf)));
}

static json_t *
apidoc_id(uint32_t id)
{
	char buf[16];

	return json_string(addr_id_fmt(id, buf, sizeof(buf)));
}

static json_t *
apidoc_afi_pair(const uint64_t v[2])
{
	return json_pack("{s:I,s:I}", "ipv4", (json_int_t)v[0], "ipv6",
	    (json_int_t)v[1]);
}

static json_t *
apidoc_msgs(const uint64_t v[BGP_NMSG])
{
	json_t *o = json_object();
	int t;

	for (t = 0; t < BGP_NMSG; t++)
		json_object_set_new(o, apidoc_msg_names[t],
		    json_integer((json_int_t)v[t]));
	return o;
}

json_t *
apidoc_summary(const struct bgp_summary *s, int ready)
{
	const uint64_t routes[2] = { s->routes[0], s->routes[1] };
	const uint64_t paths[2] = { s->paths[0], s->paths[1] };
	json_t *o = json_object();

	json_object_set_new(o, "local_endpoint",
	    json_string(s->local_endpoint));
	json_object_set_new(o, "local_as", json_integer(s->local_as));
	json_object_set_new(o, "router_id", apidoc_id(s->router_id));
	json_object_set_new(o, "listen_port", json_integer(s->listen_port));
	json_object_set_new(o, "ready", json_boolean(ready));
	json_object_set_new(o, "peers", json_integer((json_int_t)s->npeers));
	json_object_set_new(o, "established",
	    json_integer((json_int_t)s->nestablished));
	json_object_set_new(o, "routes", apidoc_afi_pair(routes));
	json_object_set_new(o, "paths", apidoc_afi_pair(paths));
	json_object_set_new(o, "attr_sets",
	    json_integer((json_int_t)s->attr_sets));
	json_object_set_new(o, "listen_error", json_string(s->listen_error));
	return o;
}

static void
apidoc_neighbor_counters(json_t *o, const struct bgp_peer_info *p)
{
	json_object_set_new(o, "prefixes_received",
	    apidoc_afi_pair(p->prefixes_rcvd));
	json_object_set_new(o, "prefixes_accepted",
	    apidoc_afi_pair(p->prefixes_accepted));
	json_object_set_new(o, "prefixes_sent",
	    apidoc_afi_pair(p->prefixes_sent));
	json_object_set_new(o, "messages_sent", apidoc_msgs(p->msgs_sent));
	json_object_set_new(o, "messages_received", apidoc_msgs(p->msgs_rcvd));
	json_object_set_new(o, "updates_sent",
	    json_integer((json_int_t)p->updates_sent));
	json_object_set_new(o, "updates_received",
	    json_integer((json_int_t)p->updates_rcvd));
}

json_t *
apidoc_neighbor(const struct bgp_peer_info *p, time_t now)
{
	json_t *o = json_object();
	time_t up = 0;

	if (p->state == BGP_ESTABLISHED && now > p->state_since)
		up = now - p->state_since;
	json_object_set_new(o, "name", json_string(p->name));
	json_object_set_new(o, "remote_endpoint",
	    json_string(p->remote_endpoint));
	json_object_set_new(o, "remote_address", apidoc_addr(&p->remote_addr, 0));
	json_object_set_new(o, "remote_port", json_integer(p->remote_port));
	json_object_set_new(o, "remote_as", json_integer(p->remote_as));
	json_object_set_new(o, "local_address", apidoc_addr(&p->local_addr, 0));
	json_object_set_new(o, "type", json_string(p->ebgp ? "ebgp" : "ibgp"));
	json_object_set_new(o, "rr_client", json_boolean(p->rr_client));
	json_object_set_new(o, "state", json_string(bgp_state_name(p->state)));
	json_object_set_new(o, "uptime_seconds", json_integer(up));
	json_object_set_new(o, "remote_router_id", p->remote_router_id != 0 ?
	    apidoc_id(p->remote_router_id) : json_string(""));
	json_object_set_new(o, "hold_time", json_integer(p->hold_time));
	json_object_set_new(o, "keepalive_time", json_integer(p->keepalive));
	json_object_set_new(o, "flaps", json_integer((json_int_t)p->flaps));
	json_object_set_new(o, "last_error", json_string(p->last_error));
	apidoc_neighbor_counters(o, p);
	return o;
}

int
apidoc_condition(json_t *obj, const char *type, const char *status)
{
	json_t *c;
	size_t i;

	json_array_foreach(json_object_get(obj, "conditions"), i, c) {
		const char *t = json_string_value(json_object_get(c, "type"));
		const char *s = json_string_value(json_object_get(c, "status"));

		if (t != NULL && s != NULL && strcmp(t, type) == 0)
			return strcmp(s, status) == 0;
	}
	return 0;
}

/* A member of a status object as a new reference, or a default. */
static json_t *
apidoc_member(json_t *obj, const char *key, json_t *dflt)
{
	json_t *v = json_object_get(obj, key);

	if (v == NULL)
		return dflt;
	json_decref(dflt);
	return json_deep_copy(v);
}

static json_t *
apidoc_advert(const char *name, json_t *kobj, size_t count)
{
	json_t *o = json_object();

	json_object_set_new(o, "name", json_string(name));
	json_object_set_new(o, "prefixes", apidoc_member(kobj, "prefixes",
	    json_array()));
	json_object_set_new(o, "advertised_prefix_count",
	    json_integer((json_int_t)count));
	json_object_set_new(o, "conditions", apidoc_member(kobj, "conditions",
	    json_array()));
	return o;
}

static int
apidoc_advert_cmp(const void *x, const void *y)
{
	return strcmp(((const struct bgp_advert_info *)x)->name,
	    ((const struct bgp_advert_info *)y)->name);
}

/*
 * The advertisements the resources name (their order), each with the
 * count the speaker holds, then those only the speaker knows (by name).
 * A sorted copy keeps the merge n log n.
 */
json_t *
apidoc_adverts(json_t *kstatus, const struct bgp_advert_info *a, size_t n)
{
	struct bgp_advert_info *sorted, *hit, key;
	unsigned char *used;
	json_t *out = json_array(), *obj;
	const char *name;
	size_t i;

	sorted = calloc(n + 1, sizeof(*sorted));
	used = calloc(n + 1, 1);
	if (sorted == NULL || used == NULL)
		fatal("%s: out of memory", __func__);
	if (n > 0)
		memcpy(sorted, a, n * sizeof(*sorted));
	qsort(sorted, n, sizeof(*sorted), apidoc_advert_cmp);
	json_array_foreach(kstatus, i, obj) {
		if ((name = json_string_value(json_object_get(obj, "name"))) ==
		    NULL)
			continue;
		snprintf(key.name, sizeof(key.name), "%s", name);
		hit = bsearch(&key, sorted, n, sizeof(*sorted),
		    apidoc_advert_cmp);
		if (hit != NULL)
			used[hit - sorted] = 1;
		json_array_append_new(out, apidoc_advert(name, obj,
		    hit != NULL ? hit->nprefixes : 0));
	}
	for (i = 0; i < n; i++)
		if (!used[i])
			json_array_append_new(out, apidoc_advert(sorted[i].name,
			    NULL, sorted[i].nprefixes));
	free(sorted);
	free(used);
	return out;
}

json_t *
apidoc_policies(json_t *kstatus)
{
	json_t *out = json_array(), *obj, *o;
	size_t i;

	json_array_foreach(kstatus, i, obj) {
		if (!json_is_string(json_object_get(obj, "name")))
			continue;
		o = json_object();
		json_object_set(o, "name", json_object_get(obj, "name"));
		json_object_set_new(o, "type", apidoc_member(obj, "type",
		    json_string("")));
		json_object_set_new(o, "conditions", apidoc_member(obj,
		    "conditions", json_array()));
		json_array_append_new(out, o);
	}
	return out;
}
