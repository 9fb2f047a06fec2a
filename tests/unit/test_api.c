/*
 * test_api.c: the JSON API's documents built from plain query values
 * (member names, order, null for absent attributes, community names), the
 * merge of resource status with the speaker's advertisement counts, and
 * the tables `bgpd show` prints from those documents.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "metrics/internal.h"

/* Compact text of a document, which is then released. */
static char *
dump(json_t *doc)
{
	char *s;

	assert_non_null(doc);
	s = json_dumps(doc, JSON_COMPACT);
	json_decref(doc);
	assert_non_null(s);
	return s;
}

/* The text ribdoc_path writes for p at time now; the caller frees it. */
static char *
path_text(const struct bgp_path_info *p, time_t now)
{
	char *s = NULL;
	size_t len;
	FILE *f = open_memstream(&s, &len);

	assert_non_null(f);
	ribdoc_path(f, p, now);
	fclose(f);
	return s;
}

static json_t *
path_doc(const struct bgp_path_info *p, time_t now)
{
	char *s = path_text(p, now);
	json_error_t err;
	json_t *doc = json_loads(s, 0, &err);

	if (doc == NULL)
		fail_msg("not JSON: %s: %s", err.text, s);
	free(s);
	return doc;
}

static void
test_summary(void **state)
{
	struct bgp_summary s;
	char *got;

	(void)state;
	memset(&s, 0, sizeof(s));
	strcpy(s.local_endpoint, "node-a");
	s.local_as = 65001;
	s.router_id = 0x0a000001;
	s.listen_port = 179;
	s.npeers = 2;
	s.nestablished = 1;
	s.routes[0] = 3;
	s.routes[1] = 1;
	s.paths[0] = 4;
	s.paths[1] = 1;
	s.attr_sets = 3;
	got = dump(apidoc_summary(&s, 1));
	assert_string_equal(got, "{\"local_endpoint\":\"node-a\","
	    "\"local_as\":65001,\"router_id\":\"10.0.0.1\",\"listen_port\":179,"
	    "\"ready\":true,\"peers\":2,\"established\":1,"
	    "\"routes\":{\"ipv4\":3,\"ipv6\":1},\"paths\":{\"ipv4\":4,"
	    "\"ipv6\":1},\"attr_sets\":3,\"listen_error\":\"\"}");
	free(got);
}

static void
fill_peer(struct bgp_peer_info *p)
{
	memset(p, 0, sizeof(*p));
	strcpy(p->name, "a-bird1");
	strcpy(p->remote_endpoint, "bird1");
	assert_int_equal(addr_parse("10.0.0.2", &p->remote_addr), 0);
	assert_int_equal(addr_parse("10.0.0.1", &p->local_addr), 0);
	p->remote_port = 179;
	p->remote_as = 65002;
	p->ebgp = 1;
	p->state = BGP_ESTABLISHED;
	p->state_since = 88;
	p->remote_router_id = 0x0a000002;
	p->hold_time = 9;
	p->keepalive = 3;
	p->prefixes_rcvd[0] = 1;
	p->prefixes_accepted[0] = 1;
	p->prefixes_sent[0] = 1;
	p->prefixes_sent[1] = 1;
	p->msgs_sent[BGP_MSG_OPEN] = 1;
	p->msgs_sent[BGP_MSG_UPDATE] = 2;
	p->msgs_sent[BGP_MSG_KEEPALIVE] = 5;
	p->msgs_rcvd[BGP_MSG_OPEN] = 1;
	p->msgs_rcvd[BGP_MSG_UPDATE] = 1;
	p->msgs_rcvd[BGP_MSG_KEEPALIVE] = 4;
	p->updates_sent = 2;
	p->updates_rcvd = 1;
}

static void
test_neighbor(void **state)
{
	struct bgp_peer_info p;
	char *got;

	(void)state;
	fill_peer(&p);
	got = dump(apidoc_neighbor(&p, 100));
	assert_string_equal(got, "{\"name\":\"a-bird1\","
	    "\"remote_endpoint\":\"bird1\",\"remote_address\":\"10.0.0.2\","
	    "\"remote_port\":179,\"remote_as\":65002,"
	    "\"local_address\":\"10.0.0.1\",\"type\":\"ebgp\","
	    "\"rr_client\":false,\"state\":\"Established\","
	    "\"uptime_seconds\":12,\"remote_router_id\":\"10.0.0.2\","
	    "\"hold_time\":9,\"keepalive_time\":3,\"flaps\":0,"
	    "\"last_error\":\"\",\"prefixes_received\":{\"ipv4\":1,"
	    "\"ipv6\":0},\"prefixes_accepted\":{\"ipv4\":1,\"ipv6\":0},"
	    "\"prefixes_sent\":{\"ipv4\":1,\"ipv6\":1},\"messages_sent\":"
	    "{\"open\":1,\"update\":2,\"notification\":0,\"keepalive\":5,"
	    "\"route_refresh\":0},\"messages_received\":{\"open\":1,"
	    "\"update\":1,\"notification\":0,\"keepalive\":4,"
	    "\"route_refresh\":0},\"updates_sent\":2,\"updates_received\":1}");
	free(got);
}

static void
test_neighbor_down(void **state)
{
	struct bgp_peer_info p;
	json_t *doc;

	(void)state;
	fill_peer(&p);
	p.state = BGP_ACTIVE;
	p.remote_router_id = 0;
	p.ebgp = 0;
	p.rr_client = 1;
	memset(&p.local_addr, 0, sizeof(p.local_addr));
	strcpy(p.last_error, "hold timer expired");
	doc = apidoc_neighbor(&p, 100);
	assert_string_equal(json_string_value(json_object_get(doc, "state")),
	    "Active");
	assert_int_equal(json_integer_value(json_object_get(doc,
	    "uptime_seconds")), 0);
	assert_string_equal(json_string_value(json_object_get(doc,
	    "remote_router_id")), "");
	assert_string_equal(json_string_value(json_object_get(doc,
	    "local_address")), "");
	assert_string_equal(json_string_value(json_object_get(doc, "type")),
	    "ibgp");
	assert_true(json_is_true(json_object_get(doc, "rr_client")));
	assert_string_equal(json_string_value(json_object_get(doc,
	    "last_error")), "hold timer expired");
	json_decref(doc);
}

static void
test_path(void **state)
{
	static const uint32_t as[] = { 65002 };
	static const uint32_t comm[] = { (65002u << 16) | 7 };
	static const uint32_t large[] = { 65002, 1, 2 };
	static const uint8_t ext[] = { 0x00, 0x02, 0xfd, 0xe8, 0, 0, 0, 1 };
	struct bgp_path_info p;
	char *got;

	(void)state;
	memset(&p, 0, sizeof(p));
	assert_int_equal(prefix_parse("10.2.0.0/24", &p.prefix), 0);
	p.best = 1;
	strcpy(p.peer, "a-bird1");
	assert_int_equal(addr_parse("10.0.0.2", &p.nexthop), 0);
	p.aspath = as;
	p.naspath = 1;
	p.communities = comm;
	p.ncommunities = 1;
	p.large = large;
	p.nlarge = 1;
	p.ext = ext;
	p.next = 1;
	p.since = 97;
	got = path_text(&p, 100);
	assert_string_equal(got, "{\"best\":true,\"source\":\"peer\","
	    "\"peer\":\"a-bird1\",\"next_hop\":\"10.0.0.2\","
	    "\"next_hop_ll\":null,\"as_path\":[65002],\"origin\":\"igp\","
	    "\"med\":null,\"local_pref\":null,\"communities\":[\"65002:7\"],"
	    "\"large_communities\":[\"65002:1:2\"],"
	    "\"ext_communities\":[\"0002fde800000001\"],"
	    "\"originator_id\":null,\"cluster_list\":[],\"filtered\":false,"
	    "\"age_seconds\":3}");
	free(got);
}

static void
test_path_local_and_reflected(void **state)
{
	static const uint32_t clusters[] = { 0x01020304, 0x05060708 };
	struct bgp_path_info p;
	json_t *doc, *cl;

	(void)state;
	memset(&p, 0, sizeof(p));
	assert_int_equal(prefix_parse("2001:db8::/32", &p.prefix), 0);
	p.local = 1;
	p.origin = 2;
	p.has_med = 1;
	p.med = 0;
	p.has_local_pref = 1;
	p.local_pref = 200;
	p.has_originator = 1;
	p.originator_id = 0x0a000009;
	p.clusters = clusters;
	p.nclusters = 2;
	p.filtered = 1;
	assert_int_equal(addr_parse("fe80::1", &p.nexthop_ll), 0);
	p.since = 500;
	doc = path_doc(&p, 100);	/* a clock step back: age 0, not < 0 */
	assert_string_equal(json_string_value(json_object_get(doc, "source")),
	    "local");
	assert_true(json_is_null(json_object_get(doc, "peer")));
	assert_true(json_is_null(json_object_get(doc, "next_hop")));
	assert_string_equal(json_string_value(json_object_get(doc,
	    "next_hop_ll")), "fe80::1");
	assert_string_equal(json_string_value(json_object_get(doc, "origin")),
	    "incomplete");
	/* MED 0 is a value, not an absence. */
	assert_true(json_is_integer(json_object_get(doc, "med")));
	assert_int_equal(json_integer_value(json_object_get(doc,
	    "local_pref")), 200);
	assert_string_equal(json_string_value(json_object_get(doc,
	    "originator_id")), "10.0.0.9");
	cl = json_object_get(doc, "cluster_list");
	assert_int_equal(json_array_size(cl), 2);
	assert_string_equal(json_string_value(json_array_get(cl, 1)),
	    "5.6.7.8");
	assert_true(json_is_true(json_object_get(doc, "filtered")));
	assert_int_equal(json_integer_value(json_object_get(doc,
	    "age_seconds")), 0);
	json_decref(doc);
}

static void
str_text(FILE *f, const char *s)
{
	ribdoc_str(f, s);
}

/* The hand-written string escaping agrees with jansson's. */
static void
test_path_strings(void **state)
{
	static const char *const t[] = {
		"a-bird1", "", "q\"uote", "back\\slash", "nl\ncr\rtab\t",
		"\b\f\x01\x1f", "del\x7f", "utf8 \xc3\xa9", "/slash",
	};
	static const uint32_t as[] = { 1, 4200000000u };
	struct bgp_path_info p;
	char *got, *want, *s;
	size_t i, len;
	json_t *doc;
	FILE *f;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		f = open_memstream(&got, &len);
		assert_non_null(f);
		str_text(f, t[i]);
		fclose(f);
		doc = json_string(t[i]);
		assert_non_null(doc);
		want = json_dumps(doc, JSON_ENCODE_ANY);
		assert_non_null(want);
		if (strcmp(got, want) != 0)
			fail_msg("case %zu: %s, want %s", i, got, want);
		json_decref(doc);
		free(got);
		free(want);
	}
	/* A whole path with an awkward peer name still parses back. */
	memset(&p, 0, sizeof(p));
	strcpy(p.peer, "we\"ird\n");
	p.aspath = as;
	p.naspath = 2;
	doc = path_doc(&p, 0);
	assert_string_equal(json_string_value(json_object_get(doc, "peer")),
	    "we\"ird\n");
	s = json_dumps(json_object_get(doc, "as_path"), 0);
	assert_string_equal(s, "[1, 4200000000]");
	free(s);
	json_decref(doc);
}

static void
test_community_names(void **state)
{
	static const struct {
		const char	*what;
		uint32_t	 c;
		const char	*want;
	} t[] = {
		{ "plain", (65001u << 16) | 100, "65001:100" },
		{ "zero", 0, "0:0" },
		{ "no-export", 0xFFFFFF01, "no-export" },
		{ "no-advertise", 0xFFFFFF02, "no-advertise" },
		{ "no-export-subconfed", 0xFFFFFF03, "no-export-subconfed" },
		{ "blackhole", 0xFFFF029A, "blackhole" },
		{ "reserved, unnamed", 0xFFFFFF04, "65535:65284" },
	};
	char buf[32];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (strcmp(apidoc_community(t[i].c, buf, sizeof(buf)),
		    t[i].want) != 0)
			fail_msg("%s: %s, want %s", t[i].what, buf, t[i].want);
	assert_string_equal(apidoc_origin(0), "igp");
	assert_string_equal(apidoc_origin(1), "egp");
	assert_string_equal(apidoc_origin(2), "incomplete");
}

static void
test_adverts_merge(void **state)
{
	struct bgp_advert_info a[3];
	json_t *k;
	char *got;

	(void)state;
	memset(a, 0, sizeof(a));
	strcpy(a[0].name, "zeta");
	a[0].nprefixes = 5;
	strcpy(a[1].name, "svc");
	a[1].nprefixes = 1;
	strcpy(a[2].name, "alpha");
	a[2].nprefixes = 2;
	k = json_loads("[{\"name\":\"svc\",\"prefixes\":[\"192.0.2.0/24\"],"
	    "\"conditions\":[{\"type\":\"Advertised\",\"status\":\"True\"}]},"
	    "{\"name\":\"pending\",\"prefixes\":[\"2001:db8::/48\"],"
	    "\"conditions\":[]},{\"conditions\":[]}]", 0, NULL);
	assert_non_null(k);
	/* Resource order first, then what only the speaker knows, by name. */
	got = dump(apidoc_adverts(k, a, 3));
	assert_string_equal(got, "[{\"name\":\"svc\",\"prefixes\":"
	    "[\"192.0.2.0/24\"],\"advertised_prefix_count\":1,\"conditions\":"
	    "[{\"type\":\"Advertised\",\"status\":\"True\"}]},"
	    "{\"name\":\"pending\",\"prefixes\":[\"2001:db8::/48\"],"
	    "\"advertised_prefix_count\":0,\"conditions\":[]},"
	    "{\"name\":\"alpha\",\"prefixes\":[],\"advertised_prefix_count\":2,"
	    "\"conditions\":[]},{\"name\":\"zeta\",\"prefixes\":[],"
	    "\"advertised_prefix_count\":5,\"conditions\":[]}]");
	free(got);
	/* No resource source: only the speaker's view. */
	got = dump(apidoc_adverts(NULL, a, 1));
	assert_string_equal(got, "[{\"name\":\"zeta\",\"prefixes\":[],"
	    "\"advertised_prefix_count\":5,\"conditions\":[]}]");
	free(got);
	got = dump(apidoc_adverts(k, NULL, 0));
	assert_non_null(strstr(got, "\"name\":\"pending\""));
	free(got);
	json_decref(k);
}

static void
test_policies(void **state)
{
	json_t *k;
	char *got;

	(void)state;
	k = json_loads("[{\"name\":\"out\",\"type\":\"Export\",\"extra\":1,"
	    "\"conditions\":[{\"type\":\"Accepted\",\"status\":\"True\"}]},"
	    "{\"name\":\"bad\",\"conditions\":[{\"type\":\"Accepted\","
	    "\"status\":\"False\"}]}]", 0, NULL);
	assert_non_null(k);
	got = dump(apidoc_policies(k));
	assert_string_equal(got, "[{\"name\":\"out\",\"type\":\"Export\","
	    "\"conditions\":[{\"type\":\"Accepted\",\"status\":\"True\"}]},"
	    "{\"name\":\"bad\",\"type\":\"\",\"conditions\":[{\"type\":"
	    "\"Accepted\",\"status\":\"False\"}]}]");
	free(got);
	assert_int_equal(apidoc_condition(json_array_get(k, 0), "Accepted",
	    "True"), 1);
	assert_int_equal(apidoc_condition(json_array_get(k, 1), "Accepted",
	    "True"), 0);
	assert_int_equal(apidoc_condition(json_array_get(k, 0), "Ready",
	    "True"), 0);
	json_decref(k);
}

/* Print doc with fn into a string the caller frees. */
static char *
table(void (*fn)(FILE *, json_t *), const char *doc)
{
	json_t *j = json_loads(doc, 0, NULL);
	char *s = NULL;
	size_t len;
	FILE *f;

	assert_non_null(j);
	f = open_memstream(&s, &len);
	assert_non_null(f);
	fn(f, j);
	fclose(f);
	json_decref(j);
	return s;
}

static void
test_show_tables(void **state)
{
	struct bgp_peer_info p;
	json_t *n;
	char *doc, *s, up[32];

	(void)state;
	fill_peer(&p);
	n = json_pack("{s:[o]}", "neighbors", apidoc_neighbor(&p, 100));
	doc = dump(n);
	s = table(showfmt_neighbors, doc);
	assert_non_null(strstr(s, "NAME"));
	assert_non_null(strstr(s, "a-bird1  10.0.0.2        65002  "
	    "Established  00:00:12  1     1         2\n"));
	free(s);
	free(doc);
	s = table(showfmt_rib, "{\"afi\":\"ipv4\",\"routes\":[{\"prefix\":"
	    "\"10.2.0.0/24\",\"paths\":[{\"best\":true,\"next_hop\":\"10.0.0.2\","
	    "\"as_path\":[65002,65010],\"origin\":\"igp\",\"med\":null,"
	    "\"local_pref\":100,\"communities\":[\"no-export\"],"
	    "\"large_communities\":[\"1:2:3\"],\"filtered\":false},"
	    "{\"best\":false,\"next_hop\":null,\"as_path\":[],\"origin\":\"igp\","
	    "\"filtered\":true}]}]}");
	assert_non_null(strstr(s, "*>  10.2.0.0/24  10.0.0.2  65002 65010  igp"
	    "     100          no-export 1:2:3\n"));
	assert_non_null(strstr(s, "\nf                -"));
	free(s);
	s = table(showfmt_policies, "{\"policies\":[{\"name\":\"bad\","
	    "\"type\":\"Import\",\"conditions\":[{\"type\":\"Accepted\","
	    "\"status\":\"False\",\"reason\":\"InvalidSpec\",\"message\":"
	    "\"min > max\"}]}]}");
	assert_non_null(strstr(s, "bad   Import  Accepted=False\n"));
	assert_non_null(strstr(s, "bad: Accepted=False InvalidSpec: "
	    "min > max\n"));
	free(s);
	assert_string_equal(showfmt_uptime(0, up, sizeof(up)), "-");
	assert_string_equal(showfmt_uptime(3725, up, sizeof(up)), "01:02:05");
	assert_string_equal(showfmt_uptime(90061, up, sizeof(up)), "1d01h01m");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_summary),
		cmocka_unit_test(test_neighbor),
		cmocka_unit_test(test_neighbor_down),
		cmocka_unit_test(test_path),
		cmocka_unit_test(test_path_local_and_reflected),
		cmocka_unit_test(test_path_strings),
		cmocka_unit_test(test_community_names),
		cmocka_unit_test(test_adverts_merge),
		cmocka_unit_test(test_policies),
		cmocka_unit_test(test_show_tables),
	};

	return cmocka_run_group_tests_name("api", tests, NULL, NULL);
}
