/*
 * test_build.c: store -> model for one speaker: identity, session
 * orientation, mesh and route-reflector expansion, advertisement and
 * policy targeting, conditions, the last valid version of an object, and
 * the directory source (`bgpd check` output, reloads, inotify).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <event2/event.h>

#include "bgp/log.h"
#include "kube/kube.h"
#include "kube/kube_int.h"

#define API	"apiVersion: bgp.miloapis.com/v1alpha1\n"
#define CONFIG(extra) API "kind: BGPConfiguration\nmetadata: {name: default}\n" \
	"spec:\n  asNumber: 65001\n  listenPort: 1790\n" \
	"  addressFamilies: [{afi: IPv4}, {afi: IPv6}]\n" extra "---\n"
#define ENDPOINT(name, labels, addr, as, extra) API "kind: BGPEndpoint\n" \
	"metadata:\n  name: " name "\n  labels: {" labels "}\nspec:\n" \
	"  address: '" addr "'\n  asNumber: " #as "\n" extra "---\n"
#define SESSION(name, labels, l, r, extra) API "kind: BGPSession\n" \
	"metadata:\n  name: " name "\n  labels: {" labels "}\nspec:\n" \
	"  localEndpoint: " l "\n  remoteEndpoint: " r "\n" extra "---\n"

/* Feed one YAML text into a store as the file "t.yaml". */
static void
feed(struct store *s, const char *yaml, struct kerrs *e)
{
	struct load_set set;
	struct load_file lf;
	char err[256];

	memset(&lf, 0, sizeof(lf));
	lf.name = (char *)(uintptr_t)"t.yaml";
	lf.path = lf.name;
	if (yaml_docs_parse(yaml, strlen(yaml), &lf.docs, err,
	    sizeof(err)) != 0)
		fail_msg("fixture: %s", err);
	set.v = &lf;
	set.n = 1;
	load_store(&set, s, e, NULL);
	yaml_docs_free(&lf.docs);
}

struct fx {
	struct store		*s;
	struct build_out	 out;
	struct kerrs		 e;
};

static void
fx_build(struct fx *f, const char *yaml, const char *local)
{
	memset(f, 0, sizeof(*f));
	f->s = store_new();
	feed(f->s, yaml, &f->e);
	build_model(f->s, local, &f->out);
}

static void
fx_rebuild(struct fx *f, const char *yaml, const char *local)
{
	kerr_clear(&f->e);
	build_out_clear(&f->out);
	feed(f->s, yaml, &f->e);
	build_model(f->s, local, &f->out);
}

static void
fx_free(struct fx *f)
{
	build_out_clear(&f->out);
	kerr_clear(&f->e);
	store_free(f->s);
}

/* The condition of an object, or fail. */
static json_t *
cond(struct fx *f, enum kind_idx k, const char *name, const char *type)
{
	json_t *e, *c;
	size_t i, j;

	json_array_foreach(f->out.status[k], i, e) {
		if (strcmp(json_string_value(json_object_get(e, "name")),
		    name) != 0)
			continue;
		json_array_foreach(json_object_get(e, "conditions"), j, c)
			if (strcmp(json_string_value(json_object_get(c,
			    "type")), type) == 0)
				return c;
	}
	fail_msg("no condition %s on %s", type, name);
	return NULL;
}

static void
assert_cond(struct fx *f, enum kind_idx k, const char *name,
    const char *type, const char *status, const char *reason,
    const char *msg)
{
	json_t *c = cond(f, k, name, type);
	const char *m = json_string_value(json_object_get(c, "message"));

	if (strcmp(json_string_value(json_object_get(c, "status")), status) ||
	    strcmp(json_string_value(json_object_get(c, "reason")), reason) ||
	    (msg && strstr(m, msg) == NULL))
		fail_msg("%s %s: %s %s \"%s\"", name, type,
		    json_string_value(json_object_get(c, "status")),
		    json_string_value(json_object_get(c, "reason")), m);
}

static const struct model_peer *
peer(const struct model *m, const char *name)
{
	const struct model_peer *p = model_find_peer(m, name);

	if (p == NULL)
		fail_msg("no peer %s", name);
	return p;
}

static const char *mesh3 =
    CONFIG("")
    ENDPOINT("n1", "role: node", "10.0.0.1", 65001, "")
    ENDPOINT("n2", "role: node", "10.0.0.2", 65001, "")
    ENDPOINT("n3", "role: node", "10.0.0.3", 65001, "")
    ENDPOINT("ext", "role: border", "10.0.0.9", 64512, "")
    API "kind: BGPPeeringPolicy\nmetadata: {name: mesh}\nspec:\n"
    "  selector: {matchLabels: {role: node}}\n"
    "  sessionTemplate: {holdTime: 9, keepaliveTime: 3}\n";

static void
test_mesh(void **state)
{
	struct fx f;
	const struct model_peer *p;

	(void)state;
	fx_build(&f, mesh3, "n2");
	assert_non_null(f.out.model);
	assert_int_equal(f.out.model->npeers, 2);
	p = peer(f.out.model, "session-n1-n2");
	assert_string_equal(p->remote_endpoint, "n1");
	assert_int_equal(p->hold_time, 9);
	assert_int_equal(p->keepalive, 3);
	assert_false(p->rr_client);
	p = peer(f.out.model, "session-n2-n3");
	assert_string_equal(p->remote_endpoint, "n3");
	assert_int_equal(p->remote_as, 65001);
	assert_cond(&f, KIND_PEERING, "mesh", "InvalidConfig", "False",
	    "Valid", "3 endpoints selected, 3 sessions");
	assert_cond(&f, KIND_SESSION, "session-n1-n2", "Configured", "True",
	    "Configured", NULL);
	fx_free(&f);
	/* An endpoint outside the selection gets nothing. */
	fx_build(&f, mesh3, "ext");
	assert_non_null(f.out.model);
	assert_int_equal(f.out.model->npeers, 0);
	fx_free(&f);
}

/* Two policies want the same pair: the first by name wins. */
static void
test_mesh_overlap(void **state)
{
	struct fx f;
	char *y;

	(void)state;
	y = kube_asprintf("%s---\n%s", mesh3, API "kind: BGPPeeringPolicy\n"
	    "metadata: {name: a-first}\nspec:\n  selector: {matchExpressions: "
	    "[{key: role, operator: In, values: [node, border]}]}\n"
	    "  sessionTemplate: {holdTime: 60, keepaliveTime: 20}\n");
	fx_build(&f, y, "n2");
	free(y);
	assert_int_equal(f.out.model->npeers, 3);
	assert_int_equal(peer(f.out.model, "session-n1-n2")->hold_time, 60);
	assert_int_equal(peer(f.out.model, "session-ext-n2")->remote_as,
	    64512);
	assert_cond(&f, KIND_PEERING, "mesh", "InvalidConfig", "False",
	    "Valid", "3 sessions");
	assert_cond(&f, KIND_PEERING, "a-first", "InvalidConfig", "False",
	    "Valid", "4 endpoints selected, 6 sessions");
	fx_free(&f);
}

/* A large mesh: every speaker sees N-1 peers. */
static void
test_mesh_large(void **state)
{
	const int n = 300;
	char *y = kube_strdup(CONFIG("") API "kind: BGPPeeringPolicy\n"
	    "metadata: {name: all}\nspec: {selector: {}}\n"), *t;
	struct fx f;
	int i;

	(void)state;
	for (i = 0; i < n; i++) {
		t = kube_asprintf("%s---\n" API "kind: BGPEndpoint\nmetadata: "
		    "{name: n%03d}\nspec: {address: 10.0.%d.%d, asNumber: "
		    "65001}\n", y, i, i / 200, i % 200 + 1);
		free(y);
		y = t;
	}
	fx_build(&f, y, "n150");
	free(y);
	assert_int_equal(f.out.model->npeers, n - 1);
	assert_cond(&f, KIND_PEERING, "all", "InvalidConfig", "False",
	    "Valid", "300 endpoints selected, 44850 sessions");
	fx_free(&f);
}

static const char *rr =
    CONFIG("")
    ENDPOINT("rr", "c: a, role: reflector", "2001:db8::10", 65001, "")
    ENDPOINT("c1", "c: a", "2001:db8::1", 65001, "")
    ENDPOINT("c2", "c: a", "2001:db8::2", 65001, "")
    API "kind: BGPPeeringPolicy\nmetadata: {name: rrp}\nspec:\n"
    "  selector: {matchLabels: {c: a}}\n  mode: route-reflector\n"
    "  routeReflectorConfig:\n    reflectorSelector:\n"
    "      matchExpressions: [{key: role, operator: In, "
    "values: [reflector]}]\n    clusterID: 1.0.0.1\n";

static void
test_route_reflector(void **state)
{
	struct fx f;
	const struct model_peer *p;
	char *two;

	(void)state;
	fx_build(&f, rr, "rr");
	assert_int_equal(f.out.model->npeers, 2);
	p = peer(f.out.model, "session-c1-rr");
	assert_true(p->rr_client);
	assert_int_equal(p->cluster_id, 0x01000001);
	assert_string_equal(p->remote_endpoint, "c1");
	/* Router ID from an IPv6 endpoint: its last 4 bytes. */
	assert_int_equal(f.out.model->router_id, 0x00000010);
	fx_free(&f);
	fx_build(&f, rr, "c1");
	assert_int_equal(f.out.model->npeers, 1);
	p = peer(f.out.model, "session-c1-rr");
	assert_false(p->rr_client);
	assert_int_equal(p->cluster_id, 0);
	assert_string_equal(p->remote_endpoint, "rr");
	assert_cond(&f, KIND_PEERING, "rrp", "InvalidConfig", "False",
	    "Valid", "3 endpoints selected, 2 sessions");
	fx_free(&f);
	/* Two reflectors: invalid, and no session at all. */
	two = kube_asprintf("%s---\n%s", rr, ENDPOINT("rr2",
	    "c: a, role: reflector", "2001:db8::11", 65001, ""));
	fx_build(&f, two, "c1");
	assert_int_equal(f.out.model->npeers, 0);
	assert_cond(&f, KIND_PEERING, "rrp", "InvalidConfig", "True",
	    "ReflectorSelectorMismatch", "matches 2 of the 4");
	fx_free(&f);
	free(two);
}

static const char *pair =
    CONFIG("")
    ENDPOINT("a", "", "10.0.0.1", 65001, "")
    ENDPOINT("b", "side: far", "10.0.0.2", 65002, "  port: 179\n")
    SESSION("ab", "tier: core", "a", "b", "  holdTime: 30\n"
    "  keepaliveTime: 10\n  routeReflector: {clusterID: 9.9.9.9}\n"
    "  ebgpConfig: {ttlSecurity: {ttl: 254}}\n");

static void
test_orientation(void **state)
{
	struct fx f;
	const struct model_peer *p;

	(void)state;
	fx_build(&f, pair, "a");
	p = peer(f.out.model, "ab");
	assert_string_equal(p->remote_endpoint, "b");
	assert_int_equal(p->remote_as, 65002);
	assert_int_equal(p->remote_port, 179);
	assert_int_equal(p->local_addr.a[3], 1);
	assert_int_equal(p->remote_addr.a[3], 2);
	assert_int_equal(p->hold_time, 30);
	assert_int_equal(p->keepalive, 10);
	assert_true(p->rr_client);
	assert_int_equal(p->cluster_id, 0x09090909);
	assert_int_equal(p->gtsm_ttl, 254);
	assert_true(p->v4 && p->v6);
	assert_int_equal(f.out.model->listen_port, 1790);
	assert_int_equal(f.out.model->local_as, 65001);
	fx_free(&f);
	/* Seen from the remote end: the RR role stays on the local side. */
	fx_build(&f, pair, "b");
	p = peer(f.out.model, "ab");
	assert_string_equal(p->remote_endpoint, "a");
	assert_int_equal(p->remote_port, 1790);
	assert_int_equal(p->remote_as, 65001);
	assert_int_equal(p->remote_addr.a[3], 1);
	assert_false(p->rr_client);
	assert_int_equal(p->gtsm_ttl, 254);
	assert_int_equal(f.out.model->listen_port, 179);
	assert_int_equal(f.out.model->local_as, 65002);
	assert_int_equal(f.out.model->router_id, 0x0a000002);
	assert_cond(&f, KIND_CONFIG, "default", "SpeakerReady", "True",
	    "Ready", "differs from BGPConfiguration AS 65001");
	fx_free(&f);
}

static void
test_identity(void **state)
{
	struct fx f;

	(void)state;
	fx_build(&f, API "kind: BGPConfiguration\nmetadata: {name: default}\n"
	    "spec:\n  asNumber: 65001\n  routerIDSource: Manual\n"
	    "  routerID: 192.0.2.7\n  addressFamilies: [{afi: IPv4, safi: "
	    "Multicast}, {afi: IPv6}]\n---\n"
	    ENDPOINT("a", "", "10.0.0.1", 65001, "")
	    API "kind: BGPAdvertisement\nmetadata: {name: v4}\nspec:\n"
	    "  prefixes: [10.7.0.0/16, '2001:db8:7::/48']\n", "a");
	assert_non_null(f.out.model);
	assert_int_equal(f.out.model->router_id, 0xc0000207);
	assert_false(f.out.model->v4);
	assert_true(f.out.model->v6);
	assert_int_equal(f.out.model->listen_port, 1790);
	assert_int_equal(f.out.model->max_paths, 1);
	assert_cond(&f, KIND_CONFIG, "default", "SpeakerReady", "True",
	    "Ready", "unsupported, ignored: IPv4 Multicast");
	assert_cond(&f, KIND_ENDPOINT, "a", "SpeakerReady", "True", "Ready",
	    NULL);
	assert_cond(&f, KIND_ADVERT, "v4", "Advertised", "True", "Advertised",
	    "2 prefixes to all peers (1 of an address family the "
	    "BGPConfiguration does not enable)");
	fx_free(&f);
	fx_build(&f, CONFIG("") ENDPOINT("a", "", "10.0.0.1", 65001, ""),
	    "missing");
	assert_null(f.out.model);
	assert_non_null(strstr(f.out.why, "local endpoint missing"));
	assert_cond(&f, KIND_CONFIG, "default", "SpeakerReady", "False",
	    "LocalEndpointMissing", "no BGPEndpoint of that name");
	fx_free(&f);
	fx_build(&f, CONFIG("") ENDPOINT("a", "", "2001:db8:1::", 65001, ""),
	    "a");
	assert_null(f.out.model);
	assert_cond(&f, KIND_CONFIG, "default", "SpeakerReady", "False",
	    "InvalidRouterID", "0.0.0.0");
	fx_free(&f);
	fx_build(&f, ENDPOINT("a", "", "10.0.0.1", 65001, ""), "a");
	assert_null(f.out.model);
	assert_non_null(strstr(f.out.why, "BGPConfiguration"));
	fx_free(&f);
	/* The ECMP width goes into the model as given. */
	fx_build(&f, CONFIG("  maxPaths: 4\n")
	    ENDPOINT("a", "", "10.0.0.1", 65001, ""), "a");
	assert_non_null(f.out.model);
	assert_int_equal(f.out.model->max_paths, 4);
	fx_free(&f);
}

static void
test_session_problems(void **state)
{
	struct fx f;

	(void)state;
	fx_build(&f, CONFIG("")
	    ENDPOINT("a", "", "10.0.0.1", 65001, "")
	    ENDPOINT("b", "", "2001:db8::2", 65001, "")
	    ENDPOINT("c", "", "10.0.0.3", 65001, "")
	    ENDPOINT("d", "", "10.0.0.3", 65001, "")
	    ENDPOINT("e", "", "10.0.0.5", 65001,
	    "  addressFamilies: [{afi: IPv6}]\n")
	    SESSION("s-ghost", "", "a", "ghost", "")
	    SESSION("s-mixed", "", "b", "a", "")
	    SESSION("s-c", "", "a", "c", "")
	    SESSION("s-d", "", "d", "a", "")
	    SESSION("s-e", "", "a", "e", "")
	    SESSION("s-other", "", "b", "c", ""), "a");
	assert_int_equal(f.out.model->npeers, 2);
	assert_cond(&f, KIND_SESSION, "s-ghost", "Configured", "False",
	    "EndpointNotFound", "BGPEndpoint ghost does not exist");
	assert_cond(&f, KIND_SESSION, "s-mixed", "Configured", "False",
	    "AddressFamilyMismatch", "different address families");
	assert_cond(&f, KIND_SESSION, "s-c", "Configured", "True",
	    "Configured", NULL);
	assert_cond(&f, KIND_SESSION, "s-d", "Configured", "False",
	    "DuplicatePeer", "session s-c already peers with 10.0.0.3");
	/* e speaks IPv6 only: the session carries only IPv6 routes. */
	assert_false(peer(f.out.model, "s-e")->v4);
	assert_true(peer(f.out.model, "s-e")->v6);
	fx_free(&f);
}

static const char *targets =
    CONFIG("")
    ENDPOINT("me", "zone: z1", "10.0.0.1", 65001, "")
    ENDPOINT("b1", "role: border", "10.0.0.2", 64512, "")
    ENDPOINT("n2", "role: node", "10.0.0.3", 65001, "")
    SESSION("s-b1", "", "me", "b1", "")
    SESSION("s-n2", "kind: ibgp", "n2", "me", "")
    API "kind: BGPAdvertisement\nmetadata: {name: all}\nspec:\n"
    "  prefixes: [10.1.0.0/16, '2001:db8:1::/48']\n"
    "  communities: ['65001:100', no-export, '65001:1:2']\n"
    "  localPref: 200\n---\n"
    API "kind: BGPAdvertisement\nmetadata: {name: border}\nspec:\n"
    "  prefixes: [10.2.0.0/16]\n"
    "  peerSelector: {matchLabels: {role: border}}\n---\n"
    API "kind: BGPAdvertisement\nmetadata: {name: by-session}\nspec:\n"
    "  prefixes: [10.3.0.0/16, 10.3.0.1/16, x/1]\n"
    "  peerSelector: {matchLabels: {kind: ibgp}}\n---\n"
    API "kind: BGPAdvertisement\nmetadata: {name: empty-sel}\nspec:\n"
    "  prefixes: [10.5.0.0/16]\n  peerSelector: {}\n---\n"
    API "kind: BGPAdvertisement\nmetadata: {name: other-zone}\nspec:\n"
    "  prefixes: [10.4.0.0/16]\n"
    "  endpointSelector: {matchLabels: {zone: z2}}\n---\n"
    API "kind: BGPRoutePolicy\nmetadata: {name: b-import}\nspec:\n"
    "  type: Import\n  peerSelector: {matchLabels: {role: border}}\n"
    "  statements: [{action: Accept}]\n---\n"
    API "kind: BGPRoutePolicy\nmetadata: {name: a-export}\nspec:\n"
    "  type: Export\n  statements: [{action: Reject, prefixSet: "
    "[{cidr: 10.0.0.0/8, maskLengthMin: 24}]}, {action: Accept}]\n---\n"
    API "kind: BGPRoutePolicy\nmetadata: {name: c-export}\nspec:\n"
    "  type: Export\n  statements: [{action: Accept}]\n";

static const struct model_advert *
advert(const struct model *m, const char *name)
{
	size_t i;

	for (i = 0; i < m->nadverts; i++)
		if (strcmp(m->adverts[i].name, name) == 0)
			return &m->adverts[i];
	return NULL;
}

static void
test_targets(void **state)
{
	struct fx f;
	const struct model_advert *a;
	const struct model_peer *p;

	(void)state;
	fx_build(&f, targets, "me");
	assert_int_equal(f.out.model->nadverts, 4);
	assert_true(advert(f.out.model, "empty-sel")->all_peers);
	a = advert(f.out.model, "all");
	assert_true(a->all_peers);
	assert_int_equal(a->nprefixes, 2);
	assert_int_equal(a->ncommunities, 2);
	assert_int_equal(a->nlarge, 1);
	assert_true(a->has_local_pref);
	assert_int_equal(a->local_pref, 200);
	a = advert(f.out.model, "border");
	assert_false(a->all_peers);
	assert_int_equal(a->npeers, 1);
	assert_string_equal(a->peers[0], "s-b1");
	a = advert(f.out.model, "by-session");
	assert_int_equal(a->npeers, 1);
	assert_string_equal(a->peers[0], "s-n2");
	assert_int_equal(a->nprefixes, 1);
	assert_cond(&f, KIND_ADVERT, "by-session", "Advertised", "False",
	    "InvalidPrefixes", "\"10.3.0.1/16\", \"x/1\"");
	assert_null(advert(f.out.model, "other-zone"));
	assert_cond(&f, KIND_ADVERT, "other-zone", "Advertised", "False",
	    "EndpointNotSelected", NULL);
	assert_cond(&f, KIND_ADVERT, "all", "Advertised", "True",
	    "Advertised", "2 prefixes to all peers");
	/* Policies: sorted, attached by selector, evaluation in name order. */
	assert_int_equal(f.out.model->npolicies, 3);
	assert_string_equal(f.out.model->policies[0].name, "a-export");
	assert_int_equal(f.out.model->policies[0].st[0].set[0].min, 24);
	assert_int_equal(f.out.model->policies[0].st[0].set[0].max, 32);
	p = peer(f.out.model, "s-b1");
	assert_int_equal(p->nimport, 1);
	assert_string_equal(p->import[0], "b-import");
	assert_int_equal(p->nexport, 2);
	assert_string_equal(p->export[0], "a-export");
	assert_string_equal(p->export[1], "c-export");
	p = peer(f.out.model, "s-n2");
	assert_int_equal(p->nimport, 0);
	assert_int_equal(p->nexport, 2);
	fx_free(&f);
}

static void
test_last_good(void **state)
{
	struct fx f;
	char *y;
	const char *base = CONFIG("")
	    ENDPOINT("a", "", "10.0.0.1", 65001, "")
	    ENDPOINT("b", "", "10.0.0.2", 65002, "");

	(void)state;
	y = kube_asprintf("%s%s%s", base, SESSION("ab", "", "a", "b",
	    "  holdTime: 30\n"), API "kind: BGPRoutePolicy\nmetadata: "
	    "{name: p}\nspec:\n  type: Import\n  statements: "
	    "[{action: Reject}]\n");
	fx_build(&f, y, "a");
	free(y);
	assert_int_equal(peer(f.out.model, "ab")->hold_time, 30);
	assert_false(f.out.model->policies[0].st[0].accept);
	/* New versions, both invalid: the old ones stay in force. */
	y = kube_asprintf("%s%s%s", base, SESSION("ab", "", "a", "b",
	    "  holdTime: 1\n"), API "kind: BGPRoutePolicy\nmetadata: "
	    "{name: p}\nspec:\n  type: Import\n  statements: "
	    "[{action: Accept, prefixSet: [{cidr: 10.0.0.0/8, maskLengthMin: "
	    "40}]}]\n");
	fx_rebuild(&f, y, "a");
	free(y);
	assert_int_equal(peer(f.out.model, "ab")->hold_time, 30);
	assert_int_equal(f.out.model->npolicies, 1);
	assert_false(f.out.model->policies[0].st[0].accept);
	assert_cond(&f, KIND_SESSION, "ab", "Configured", "False",
	    "InvalidSpec", "spec.holdTime: 1 is out of range 3..65535; the "
	    "last valid version stays in force");
	assert_cond(&f, KIND_POLICY, "p", "Accepted", "False", "InvalidSpec",
	    "maskLengthMin: 40 is out of range 0..32; the last valid version");
	/* Fixed: the new version applies. */
	y = kube_asprintf("%s%s", base, SESSION("ab", "", "a", "b",
	    "  holdTime: 60\n"));
	fx_rebuild(&f, y, "a");
	free(y);
	assert_int_equal(peer(f.out.model, "ab")->hold_time, 60);
	assert_cond(&f, KIND_SESSION, "ab", "Configured", "True",
	    "Configured", NULL);
	/* Removed from the source: gone, with its last version. */
	assert_int_equal(f.out.model->npolicies, 0);
	assert_null(store_get(f.s, KIND_POLICY, "p"));
	fx_free(&f);
}

/* ---- the directory source ---- */

static const char *check_expected[] = {
	"00-identity.yaml: document 4: BGPEndpoint/n3: spec.address: "
	    "\"10.0.0.300\" is not an IPv4 or IPv6 address",
	"10-sessions.yaml: document 3: BGPSession/timers: spec.holdTime: 2 is "
	    "out of range 3..65535",
	"10-sessions.yaml: document 3: BGPSession/timers: spec.keepaliveTime: "
	    "0 is out of range 1..65535",
	"20-policies.json: document 1: BGPRoutePolicy/ranges: "
	    "spec.statements[0].prefixSet[0].maskLengthMin: maskLengthMin 24 "
	    "is greater than maskLengthMax 16",
	"20-policies.json: document 1: BGPAdvertisement/prefixes: "
	    "spec.prefixes[1]: \"192.0.2.1/24\" has host bits set "
	    "(192.0.2.0/24?); dropped",
	"20-policies.json: document 1: BGPAdvertisement/prefixes: "
	    "spec.prefixes[2]: \"nonsense\" is not an IPv4 or IPv6 CIDR; "
	    "dropped",
	"30-broken.yml: line 5: did not find expected key",
	"40-again.yaml: document 1: BGPEndpoint/n1: defined again (first in "
	    "DIR/00-identity.yaml document 2); this definition is ignored",
	"10-sessions.yaml: document 2: BGPSession/mixed: spec: endpoints n1 "
	    "and n2 are of different address families",
	"10-sessions.yaml: document 1: BGPSession/to-ghost: "
	    "spec.remoteEndpoint: BGPEndpoint ghost does not exist",
	"20-policies.json: document 1: BGPPeeringPolicy/rr: "
	    "spec.routeReflectorConfig.reflectorSelector: reflectorSelector "
	    "matches 0 of the 2 selected endpoints",
};

static char *
fixture_dir(const char *name)
{
	const char *slash = strrchr(__FILE__, '/');
	int n = slash ? (int)(slash - __FILE__) : 1;

	return kube_asprintf("%.*s/data/manifests/%s", n, slash ? __FILE__ :
	    ".", name);
}

static void
test_check_output(void **state)
{
	char *dir = fixture_dir("check"), *buf = NULL, *line, *save = NULL;
	size_t len = 0, i = 0;
	FILE *out = open_memstream(&buf, &len);
	int n;

	(void)state;
	n = kube_check(dir, out);
	fclose(out);
	assert_int_equal(n, 11);
	for (line = strtok_r(buf, "\n", &save); line;
	    line = strtok_r(NULL, "\n", &save), i++) {
		char *want, *p;

		if (i >= sizeof(check_expected) / sizeof(check_expected[0]))
			fail_msg("extra line: %s", line);
		want = kube_asprintf("%s/%s", dir, check_expected[i]);
		while ((p = strstr(want, "DIR")) != NULL) {
			char *w = kube_asprintf("%.*s%s%s", (int)(p - want),
			    want, dir, p + 3);

			free(want);
			want = w;
		}
		if (strncmp(line, want, strlen(want)) != 0)
			fail_msg("line %zu:\n got: %s\nwant: %s", i + 1, line,
			    want);
		free(want);
	}
	assert_int_equal(i, n);
	free(buf);
	assert_int_equal(kube_check("/nonexistent/dir", stderr), -1);
	free(dir);
}

static void
good_cb(void *arg, const struct model *m)
{
	int *n = arg;

	assert_int_equal(m->npeers, 1);
	assert_string_equal(m->peers[0].name, "node-a-border");
	assert_int_equal(m->peers[0].multihop_ttl, 2);
	assert_int_equal(m->listen_port, 179);
	assert_int_equal(m->nadverts, 1);
	assert_int_equal(m->npolicies, 2);
	(*n)++;
}

static void
test_good_fixture(void **state)
{
	char *dir = fixture_dir("good");
	int applied = 0;
	struct kube_dir *d;
	json_t *st;

	(void)state;
	assert_int_equal(kube_check(dir, stderr), 0);
	d = kube_dir_new(NULL, dir, "border", good_cb, &applied);
	assert_non_null(d);
	assert_int_equal(applied, 1);
	st = kube_dir_status(d, "BGPSession");
	/* Generated sessions of other speakers are not listed here. */
	assert_int_equal(json_array_size(st), 1);
	json_decref(st);
	st = kube_dir_status(d, "BGPAdvertisement");
	assert_string_equal(json_string_value(json_object_get(json_array_get(
	    json_object_get(json_array_get(st, 1), "conditions"), 0),
	    "reason")), "EndpointNotSelected");
	json_decref(st);
	kube_dir_free(d);
	free(dir);
}

struct applied {
	int		 n;
	struct model	*last;
};

static void
applied_cb(void *arg, const struct model *m)
{
	struct applied *a = arg;

	a->n++;
	model_free(a->last);
	a->last = model_dup(m);
}

static void
write_file(const char *dir, const char *name, const char *text)
{
	char *path = kube_asprintf("%s/%s", dir, name), *tmp;
	FILE *f;

	/* Write then rename, as editors and kubectl-style tools do. */
	tmp = kube_asprintf("%s/.%s.tmp", dir, name);
	if ((f = fopen(tmp, "w")) == NULL)
		fail_msg("cannot write %s", tmp);
	fputs(text, f);
	fclose(f);
	if (rename(tmp, path) == -1)
		fail_msg("cannot rename %s", tmp);
	free(tmp);
	free(path);
}

static void
rm_dir(const char *dir)
{
	char *cmd = kube_asprintf("rm -rf '%s'", dir);

	if (system(cmd) != 0)
		fail_msg("cannot remove %s", dir);
	free(cmd);
}

static void
test_dir_reload(void **state)
{
	char tmpl[] = "/tmp/bgpd-test-dir-XXXXXX", why[256];
	struct applied a = { 0, NULL };
	struct kube_dir *d;
	json_t *st;

	(void)state;
	if (mkdtemp(tmpl) == NULL)
		fail_msg("mkdtemp");
	d = kube_dir_new(NULL, tmpl, "a", applied_cb, &a);
	assert_non_null(d);
	assert_int_equal(a.n, 0);
	assert_false(kube_dir_loaded(d, why, sizeof(why)));
	assert_non_null(strstr(why, "BGPConfiguration"));
	write_file(tmpl, "a.yaml", CONFIG("")
	    ENDPOINT("a", "", "10.0.0.1", 65001, "")
	    ENDPOINT("b", "", "10.0.0.2", 65002, "")
	    SESSION("ab", "", "a", "b", ""));
	kube_dir_reload(d);
	assert_int_equal(a.n, 1);
	assert_true(kube_dir_loaded(d, why, sizeof(why)));
	assert_int_equal(a.last->npeers, 1);
	/* Nothing changed: no apply. */
	kube_dir_reload(d);
	assert_int_equal(a.n, 1);
	/* A JSON file adds an advertisement. */
	write_file(tmpl, "b.json", "{\"apiVersion\": \"bgp.miloapis.com/"
	    "v1alpha1\", \"kind\": \"BGPAdvertisement\", \"metadata\": "
	    "{\"name\": \"adv\"}, \"spec\": {\"prefixes\": [\"10.9.0.0/16\"]}}"
	    "\n");
	kube_dir_reload(d);
	assert_int_equal(a.n, 2);
	assert_int_equal(a.last->nadverts, 1);
	/* The JSON file breaks: its objects keep their last good version. */
	write_file(tmpl, "b.json", "{\"apiVersion\": ");
	kube_dir_reload(d);
	assert_int_equal(a.n, 2);
	st = kube_dir_status(d, "BGPAdvertisement");
	assert_int_equal(json_array_size(st), 1);
	assert_string_equal(json_string_value(json_array_get(json_object_get(
	    json_array_get(st, 0), "prefixes"), 0)), "10.9.0.0/16");
	json_decref(st);
	st = kube_dir_status(d, "NoSuchKind");
	assert_int_equal(json_array_size(st), 0);
	json_decref(st);
	/* Deleted: the advertisement goes. */
	write_file(tmpl, ".ignored.yaml", "junk: [");
	{
		char *p = kube_asprintf("%s/b.json", tmpl);

		unlink(p);
		free(p);
	}
	kube_dir_reload(d);
	assert_int_equal(a.n, 3);
	assert_int_equal(a.last->nadverts, 0);
	kube_dir_free(d);
	model_free(a.last);
	rm_dir(tmpl);
	assert_null(kube_dir_new(NULL, "/nonexistent/dir", "a", applied_cb,
	    &a));
}

struct watch {
	struct event_base	*base;
	struct applied		 a;
	int			 want;
};

static void
watch_cb(void *arg, const struct model *m)
{
	struct watch *w = arg;

	applied_cb(&w->a, m);
	if (w->a.n >= w->want)
		event_base_loopbreak(w->base);
}

static void
test_dir_inotify(void **state)
{
	char tmpl[] = "/tmp/bgpd-test-watch-XXXXXX";
	struct watch w;
	struct kube_dir *d;
	struct timeval deadline = { 10, 0 };

	(void)state;
	if (mkdtemp(tmpl) == NULL)
		fail_msg("mkdtemp");
	memset(&w, 0, sizeof(w));
	w.base = event_base_new();
	w.want = 1;
	d = kube_dir_new(w.base, tmpl, "a", watch_cb, &w);
	write_file(tmpl, "x.yaml", CONFIG("")
	    ENDPOINT("a", "", "10.0.0.1", 65001, ""));
	event_base_loopexit(w.base, &deadline);
	event_base_dispatch(w.base);
	assert_int_equal(w.a.n, 1);
	/* Several writes in a row apply once. */
	w.want = 2;
	write_file(tmpl, "y.yaml", ENDPOINT("b", "", "10.0.0.2", 65002, ""));
	write_file(tmpl, "z.yaml", SESSION("ab", "", "a", "b", ""));
	event_base_loopexit(w.base, &deadline);
	event_base_dispatch(w.base);
	assert_int_equal(w.a.n, 2);
	assert_int_equal(w.a.last->npeers, 1);
	kube_dir_free(d);
	event_base_free(w.base);
	model_free(w.a.last);
	rm_dir(tmpl);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mesh),
		cmocka_unit_test(test_mesh_overlap),
		cmocka_unit_test(test_mesh_large),
		cmocka_unit_test(test_route_reflector),
		cmocka_unit_test(test_orientation),
		cmocka_unit_test(test_identity),
		cmocka_unit_test(test_session_problems),
		cmocka_unit_test(test_targets),
		cmocka_unit_test(test_last_good),
		cmocka_unit_test(test_check_output),
		cmocka_unit_test(test_good_fixture),
		cmocka_unit_test(test_dir_reload),
		cmocka_unit_test(test_dir_inotify),
	};

	log_init(LOG_ERROR, 0);
	return cmocka_run_group_tests_name("build", tests, NULL, NULL);
}
