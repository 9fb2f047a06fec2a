/*
 * test_manifest.c: YAML documents -> JSON (scalars, multi-document streams,
 * errors with lines), and every validation rule of the six kinds: each
 * case names the field that must be reported.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "kube/kube_int.h"

/* ---- YAML ---- */

static void
test_yaml_multidoc(void **state)
{
	const char *y =
	    "# leading comment\n"
	    "---\n"
	    "a: 1\n"
	    "---\n"
	    "# only a comment\n"
	    "---\n"
	    "b: [x, z]\n"
	    "c: {d: e}\n";
	struct yaml_docs d;
	char err[256];

	(void)state;
	assert_int_equal(yaml_docs_parse(y, strlen(y), &d, err, sizeof(err)),
	    0);
	assert_int_equal(d.n, 3);
	assert_int_equal(d.v[0].line, 2);
	assert_int_equal(json_integer_value(json_object_get(d.v[0].root, "a")),
	    1);
	assert_true(json_is_null(d.v[1].root));
	assert_int_equal(d.v[2].line, 6);
	assert_string_equal(json_string_value(json_array_get(
	    json_object_get(d.v[2].root, "b"), 1)), "z");
	assert_string_equal(json_string_value(json_object_get(
	    json_object_get(d.v[2].root, "c"), "d")), "e");
	yaml_docs_free(&d);
}

enum jt { J_INT, J_STR, J_TRUE, J_FALSE, J_NULL, J_REAL };

static const struct {
	const char	*what;
	const char	*value;		/* the text after "v: " */
	enum jt		 type;
	long long	 i;
	const char	*s;
} scalar_cases[] = {
	{ "decimal", "90", J_INT, 90, NULL },
	{ "negative", "-5", J_INT, -5, NULL },
	{ "hex", "0x1F", J_INT, 31, NULL },
	{ "octal 0o", "0o17", J_INT, 15, NULL },
	{ "legacy octal", "017", J_INT, 15, NULL },
	{ "binary", "0b101", J_INT, 5, NULL },
	{ "separators", "4_294_967_295", J_INT, 4294967295LL, NULL },
	{ "zero", "0", J_INT, 0, NULL },
	{ "bad octal stays a string", "089", J_STR, 0, "089" },
	{ "single-quoted number", "'90'", J_STR, 0, "90" },
	{ "double-quoted number", "\"1790\"", J_STR, 0, "1790" },
	{ "str tag", "!!str 65001", J_STR, 0, "65001" },
	{ "true", "true", J_TRUE, 0, NULL },
	{ "yes", "yes", J_TRUE, 0, NULL },
	{ "On", "On", J_TRUE, 0, NULL },
	{ "false", "False", J_FALSE, 0, NULL },
	{ "no", "no", J_FALSE, 0, NULL },
	{ "off", "OFF", J_FALSE, 0, NULL },
	{ "y is YAML 1.1 true", "y", J_TRUE, 0, NULL },
	{ "quoted no", "'no'", J_STR, 0, "no" },
	{ "tilde", "~", J_NULL, 0, NULL },
	{ "null", "null", J_NULL, 0, NULL },
	{ "empty", "", J_NULL, 0, NULL },
	{ "float", "1.5", J_REAL, 0, NULL },
	{ "exponent", "1e3", J_REAL, 0, NULL },
	{ "community", "65001:100", J_STR, 0, "65001:100" },
	{ "address", "2001:db8::1", J_STR, 0, "2001:db8::1" },
	{ "dotted", "1.2.3.4", J_STR, 0, "1.2.3.4" },
	{ "cidr", "10.0.0.0/8", J_STR, 0, "10.0.0.0/8" },
	{ "word", "Unicast", J_STR, 0, "Unicast" },
};

static void
test_yaml_scalars(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(scalar_cases) / sizeof(scalar_cases[0]); i++) {
		char buf[128], err[256];
		struct yaml_docs d;
		json_t *v;
		int ok;

		snprintf(buf, sizeof(buf), "v: %s\n", scalar_cases[i].value);
		if (yaml_docs_parse(buf, strlen(buf), &d, err,
		    sizeof(err)) != 0)
			fail_msg("%s: %s", scalar_cases[i].what, err);
		v = json_object_get(d.v[0].root, "v");
		switch (scalar_cases[i].type) {
		case J_INT:
			ok = json_is_integer(v) && json_integer_value(v) ==
			    scalar_cases[i].i;
			break;
		case J_STR:
			ok = json_is_string(v) && strcmp(json_string_value(v),
			    scalar_cases[i].s) == 0;
			break;
		case J_TRUE: ok = json_is_true(v); break;
		case J_FALSE: ok = json_is_false(v); break;
		case J_NULL: ok = json_is_null(v); break;
		default: ok = json_is_real(v); break;
		}
		if (!ok)
			fail_msg("%s: wrong value", scalar_cases[i].what);
		yaml_docs_free(&d);
	}
}

static const struct {
	const char	*what;
	const char	*yaml;
	const char	*err;	/* prefix of the message */
} yaml_bad[] = {
	{ "bad indentation", "a: 1\n b: 2\n", "line 2" },
	{ "unclosed flow", "a: [1, 2\n", "line 2" },
	{ "duplicate key", "a: 1\nb: 2\na: 3\n", "line 3: duplicate key" },
	{ "unknown alias", "a: *nope\n", "line 1" },
	{ "complex key", "? [a, b]\n: 1\n", "line 1: mapping keys" },
	{ "tab indentation", "a:\n\tb: 1\n", "line 2" },
	{ "merge of a scalar", "a: &x 1\nb:\n  <<: *x\n", "line 3: a merge" },
};

static void
test_yaml_errors(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(yaml_bad) / sizeof(yaml_bad[0]); i++) {
		struct yaml_docs d;
		char err[256];

		if (yaml_docs_parse(yaml_bad[i].yaml, strlen(yaml_bad[i].yaml),
		    &d, err, sizeof(err)) != -1)
			fail_msg("%s: parsed", yaml_bad[i].what);
		if (strncmp(err, yaml_bad[i].err, strlen(yaml_bad[i].err)))
			fail_msg("%s: error \"%s\"", yaml_bad[i].what, err);
		assert_int_equal(d.n, 0);
	}
}

static void
test_yaml_anchor_and_depth(void **state)
{
	const char *y = "base: &b {k: v}\ncopy: *b\n";
	struct yaml_docs d;
	char err[256], *deep;
	size_t i, n = 1000;

	(void)state;
	assert_int_equal(yaml_docs_parse(y, strlen(y), &d, err, sizeof(err)),
	    0);
	assert_string_equal(json_string_value(json_object_get(
	    json_object_get(d.v[0].root, "copy"), "k")), "v");
	yaml_docs_free(&d);
	y = "base: &b {k: v, t: 1}\nmore: &m {z: 9}\n"
	    "one: {<<: *b, t: 2}\nlist: {t: 3, <<: [*b, *m]}\n";
	assert_int_equal(yaml_docs_parse(y, strlen(y), &d, err, sizeof(err)),
	    0);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(
	    d.v[0].root, "one"), "t")), 2);
	assert_string_equal(json_string_value(json_object_get(json_object_get(
	    d.v[0].root, "one"), "k")), "v");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(
	    d.v[0].root, "list"), "t")), 3);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(
	    d.v[0].root, "list"), "z")), 9);
	assert_null(json_object_get(json_object_get(d.v[0].root, "list"),
	    "<<"));
	yaml_docs_free(&d);
	deep = calloc(1, 2 * n + 1);
	for (i = 0; i < n; i++) {
		deep[i] = '[';
		deep[2 * n - 1 - i] = ']';
	}
	assert_int_equal(yaml_docs_parse(deep, strlen(deep), &d, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "nested too deep"));
	free(deep);
}

/* ---- objects ---- */

static int
parse_one(const char *yaml, struct kobj_version *v, struct kerrs *e)
{
	struct yaml_docs d;
	char err[256], why[128];
	int r;

	memset(e, 0, sizeof(*e));
	if (yaml_docs_parse(yaml, strlen(yaml), &d, err, sizeof(err)) != 0)
		fail_msg("fixture does not parse: %s", err);
	r = object_parse(d.v[0].root, v, e, why, sizeof(why));
	yaml_docs_free(&d);
	return r;
}

#define HDR(kind, name) "apiVersion: bgp.miloapis.com/v1alpha1\nkind: " \
	kind "\nmetadata:\n  name: " name "\n"
#define CFG	HDR("BGPConfiguration", "default") "spec:\n"
#define EP	HDR("BGPEndpoint", "n1") "spec:\n"
#define SESS	HDR("BGPSession", "s1") "spec:\n  localEndpoint: a\n" \
	"  remoteEndpoint: b\n"
#define PP	HDR("BGPPeeringPolicy", "p1") "spec:\n"
#define ADV	HDR("BGPAdvertisement", "a1") "spec:\n"
#define POL	HDR("BGPRoutePolicy", "r1") "spec:\n  type: Import\n"

static const struct {
	const char	*what;
	const char	*yaml;
	const char	*field;		/* NULL: no field */
	const char	*msg;		/* substring of the message */
	int		 fatal;
} invalid[] = {
	{ "config: asNumber required", CFG "  listenPort: 179\n",
	    "spec.asNumber", "required", 1 },
	{ "config: asNumber 0", CFG "  asNumber: 0\n", "spec.asNumber",
	    "out of range 1..4294967295", 1 },
	{ "config: asNumber too big", CFG "  asNumber: 4294967296\n",
	    "spec.asNumber", "out of range", 1 },
	{ "config: asNumber string", CFG "  asNumber: '65001'\n",
	    "spec.asNumber", "must be an integer", 1 },
	{ "config: listenPort 0", CFG "  asNumber: 1\n  listenPort: 0\n",
	    "spec.listenPort", "out of range 1..65535", 1 },
	{ "config: listenPort 65536", CFG "  asNumber: 1\n"
	    "  listenPort: 65536\n", "spec.listenPort", "out of range", 1 },
	{ "config: maxPaths 0", CFG "  asNumber: 1\n  maxPaths: 0\n",
	    "spec.maxPaths", "out of range 1..64", 1 },
	{ "config: maxPaths 65", CFG "  asNumber: 1\n  maxPaths: 65\n",
	    "spec.maxPaths", "out of range 1..64", 1 },
	{ "config: routerIDSource enum", CFG "  asNumber: 1\n"
	    "  routerIDSource: Auto\n", "spec.routerIDSource",
	    "not one of NodeIP, Manual", 1 },
	{ "config: Manual needs routerID", CFG "  asNumber: 1\n"
	    "  routerIDSource: Manual\n", "spec.routerID",
	    "required when routerIDSource is Manual", 1 },
	{ "config: routerID syntax", CFG "  asNumber: 1\n"
	    "  routerIDSource: Manual\n  routerID: 1.2.3\n", "spec.routerID",
	    "dotted-quad", 1 },
	{ "config: routerID zero", CFG "  asNumber: 1\n"
	    "  routerID: 0.0.0.0\n", "spec.routerID", "non-zero", 1 },
	{ "config: afi enum", CFG "  asNumber: 1\n  addressFamilies:\n"
	    "  - afi: IPv5\n", "spec.addressFamilies[0].afi", "IPv4, IPv6", 1 },
	{ "config: afi required", CFG "  asNumber: 1\n  addressFamilies:\n"
	    "  - safi: Unicast\n", "spec.addressFamilies[0].afi", "required",
	    1 },
	{ "config: safi enum", CFG "  asNumber: 1\n  addressFamilies:\n"
	    "  - afi: IPv4\n  - afi: IPv6\n    safi: Anycast\n",
	    "spec.addressFamilies[1].safi", "Unicast, Multicast", 1 },
	{ "config: one name only", HDR("BGPConfiguration", "other")
	    "spec:\n  asNumber: 1\n", "metadata.name", "must be \"default\"",
	    1 },
	{ "config: spec required", HDR("BGPConfiguration", "default"),
	    "spec", "required", 1 },
	{ "endpoint: address syntax", EP "  address: 2001:db8::zz\n"
	    "  asNumber: 1\n", "spec.address", "not an IPv4 or IPv6", 1 },
	{ "endpoint: address required", EP "  asNumber: 1\n", "spec.address",
	    "required", 1 },
	{ "endpoint: link-local", EP "  address: fe80::1\n  asNumber: 1\n",
	    "spec.address", "link-local", 1 },
	{ "endpoint: asNumber required", EP "  address: 10.0.0.1\n",
	    "spec.asNumber", "required", 1 },
	{ "endpoint: port 0", EP "  address: 10.0.0.1\n  asNumber: 1\n"
	    "  port: 0\n", "spec.port", "out of range 1..65535", 1 },
	{ "endpoint: port 65536", EP "  address: 10.0.0.1\n  asNumber: 1\n"
	    "  port: 65536\n", "spec.port", "out of range", 1 },
	{ "session: localEndpoint required", HDR("BGPSession", "s1")
	    "spec:\n  remoteEndpoint: b\n", "spec.localEndpoint", "required",
	    1 },
	{ "session: remoteEndpoint required", HDR("BGPSession", "s1")
	    "spec:\n  localEndpoint: a\n", "spec.remoteEndpoint", "required",
	    1 },
	{ "session: endpoint name syntax", HDR("BGPSession", "s1")
	    "spec:\n  localEndpoint: Bad_Name\n  remoteEndpoint: b\n",
	    "spec.localEndpoint", "not a valid object name", 1 },
	{ "session: same endpoint twice", HDR("BGPSession", "s1")
	    "spec:\n  localEndpoint: a\n  remoteEndpoint: a\n",
	    "spec.remoteEndpoint", "same endpoint", 1 },
	{ "session: holdTime 2", SESS "  holdTime: 2\n", "spec.holdTime",
	    "out of range 3..65535", 1 },
	{ "session: holdTime 65536", SESS "  holdTime: 65536\n",
	    "spec.holdTime", "out of range", 1 },
	{ "session: keepaliveTime 0", SESS "  keepaliveTime: 0\n",
	    "spec.keepaliveTime", "out of range 1..65535", 1 },
	{ "session: multiHop ttl 0", SESS "  ebgpConfig:\n    multiHop:\n"
	    "      ttl: 0\n", "spec.ebgpConfig.multiHop.ttl",
	    "out of range 1..255", 1 },
	{ "session: multiHop ttl 256", SESS "  ebgpConfig:\n    multiHop:\n"
	    "      ttl: 256\n", "spec.ebgpConfig.multiHop.ttl", "out of range",
	    1 },
	{ "session: multiHop ttl required", SESS "  ebgpConfig:\n"
	    "    multiHop: {}\n", "spec.ebgpConfig.multiHop.ttl", "required",
	    1 },
	{ "session: ttlSecurity ttl 300", SESS "  ebgpConfig:\n"
	    "    ttlSecurity:\n      ttl: 300\n",
	    "spec.ebgpConfig.ttlSecurity.ttl", "out of range", 1 },
	{ "session: multiHop xor ttlSecurity", SESS "  ebgpConfig:\n"
	    "    multiHop:\n      ttl: 2\n    ttlSecurity:\n      ttl: 255\n",
	    "spec.ebgpConfig", "mutually exclusive", 1 },
	{ "session: clusterID syntax", SESS "  routeReflector:\n"
	    "    clusterID: x\n", "spec.routeReflector.clusterID",
	    "dotted-quad", 1 },
	{ "session: clusterID required", SESS "  routeReflector: {}\n",
	    "spec.routeReflector.clusterID", "required", 1 },
	{ "peering: selector required", PP "  mode: mesh\n", "spec.selector",
	    "required", 1 },
	{ "peering: mode enum", PP "  selector: {}\n  mode: star\n",
	    "spec.mode", "mesh, route-reflector", 1 },
	{ "peering: route-reflector needs config", PP "  selector: {}\n"
	    "  mode: route-reflector\n", "spec.routeReflectorConfig",
	    "required", 1 },
	{ "peering: reflectorSelector required", PP "  selector: {}\n"
	    "  mode: route-reflector\n  routeReflectorConfig:\n"
	    "    clusterID: 1.0.0.1\n",
	    "spec.routeReflectorConfig.reflectorSelector", "required", 1 },
	{ "peering: clusterID syntax", PP "  selector: {}\n"
	    "  mode: route-reflector\n  routeReflectorConfig:\n"
	    "    reflectorSelector: {}\n    clusterID: 1.0.0\n",
	    "spec.routeReflectorConfig.clusterID", "dotted-quad", 1 },
	{ "peering: operator enum", PP "  selector:\n    matchExpressions:\n"
	    "    - key: a\n      operator: Like\n      values: [x]\n",
	    "spec.selector.matchExpressions[0].operator", "In, NotIn", 1 },
	{ "peering: In needs values", PP "  selector:\n    matchExpressions:\n"
	    "    - key: a\n      operator: In\n",
	    "spec.selector.matchExpressions[0].values", "non-empty", 1 },
	{ "peering: Exists takes no values", PP "  selector:\n"
	    "    matchExpressions:\n    - key: a\n      operator: Exists\n"
	    "      values: [x]\n", "spec.selector.matchExpressions[0].values",
	    "must be empty", 1 },
	{ "peering: key required", PP "  selector:\n    matchExpressions:\n"
	    "    - operator: Exists\n",
	    "spec.selector.matchExpressions[0].key", "required", 1 },
	{ "peering: matchLabels strings", PP "  selector:\n"
	    "    matchLabels:\n      a: [1]\n", "spec.selector.matchLabels.a",
	    "strings", 1 },
	{ "peering: template holdTime", PP "  selector: {}\n"
	    "  sessionTemplate:\n    holdTime: 1\n",
	    "spec.sessionTemplate.holdTime", "out of range 3..65535", 1 },
	{ "peering: template keepalive", PP "  selector: {}\n"
	    "  sessionTemplate:\n    keepaliveTime: 0\n",
	    "spec.sessionTemplate.keepaliveTime", "out of range", 1 },
	{ "advert: prefixes required", ADV "  localPref: 1\n",
	    "spec.prefixes", "required", 1 },
	{ "advert: prefixes not empty", ADV "  prefixes: []\n",
	    "spec.prefixes", "at least one", 1 },
	{ "advert: bad prefix dropped", ADV "  prefixes: [10.0.0.0/8, "
	    "10.0.0.0/33]\n", "spec.prefixes[1]", "\"10.0.0.0/33\" is not", 0 },
	{ "advert: host bits dropped", ADV "  prefixes: [10.0.0.1/24]\n",
	    "spec.prefixes[0]", "host bits set (10.0.0.0/24?)", 0 },
	{ "advert: community syntax", ADV "  prefixes: [10.0.0.0/8]\n"
	    "  communities: ['65001:1', '65536:1']\n", "spec.communities[1]",
	    "not a community", 1 },
	{ "advert: localPref negative", ADV "  prefixes: [10.0.0.0/8]\n"
	    "  localPref: -1\n", "spec.localPref", "out of range", 1 },
	{ "advert: peerSelector object", ADV "  prefixes: [10.0.0.0/8]\n"
	    "  peerSelector: [x]\n", "spec.peerSelector", "must be an object",
	    1 },
	{ "advert: endpointSelector", ADV "  prefixes: [10.0.0.0/8]\n"
	    "  endpointSelector:\n    matchExpressions:\n    - key: k\n"
	    "      operator: NotIn\n", "spec.endpointSelector.matchExpressions"
	    "[0].values", "non-empty", 1 },
	{ "policy: type required", HDR("BGPRoutePolicy", "r1") "spec:\n"
	    "  statements:\n  - action: Accept\n", "spec.type", "required", 1 },
	{ "policy: type enum", HDR("BGPRoutePolicy", "r1") "spec:\n"
	    "  type: Both\n  statements:\n  - action: Accept\n", "spec.type",
	    "Import, Export", 1 },
	{ "policy: statements required", POL, "spec.statements", "required",
	    1 },
	{ "policy: statements not empty", POL "  statements: []\n",
	    "spec.statements", "at least one", 1 },
	{ "policy: action required", POL "  statements:\n  - prefixSet: []\n",
	    "spec.statements[0].action", "required", 1 },
	{ "policy: action enum", POL "  statements:\n  - action: Drop\n",
	    "spec.statements[0].action", "Accept, Reject", 1 },
	{ "policy: cidr required", POL "  statements:\n  - action: Accept\n"
	    "    prefixSet:\n    - maskLengthMin: 8\n",
	    "spec.statements[0].prefixSet[0].cidr", "required", 1 },
	{ "policy: cidr syntax", POL "  statements:\n  - action: Accept\n"
	    "    prefixSet:\n    - cidr: 10.0.0/8\n",
	    "spec.statements[0].prefixSet[0].cidr", "not an IPv4 or IPv6", 1 },
	{ "policy: cidr host bits", POL "  statements:\n  - action: Accept\n"
	    "    prefixSet:\n    - cidr: 10.0.0.1/8\n",
	    "spec.statements[0].prefixSet[0].cidr", "host bits", 1 },
	{ "policy: min beyond v4", POL "  statements:\n  - action: Accept\n"
	    "    prefixSet:\n    - cidr: 10.0.0.0/8\n      maskLengthMin: 33\n",
	    "spec.statements[0].prefixSet[0].maskLengthMin",
	    "out of range 0..32", 1 },
	{ "policy: max beyond v6", POL "  statements:\n  - action: Accept\n"
	    "    prefixSet:\n    - cidr: '2001:db8::/32'\n"
	    "      maskLengthMax: 129\n",
	    "spec.statements[0].prefixSet[0].maskLengthMax",
	    "out of range 0..128", 1 },
	{ "policy: min > max", POL "  statements:\n  - action: Accept\n"
	    "    prefixSet:\n    - cidr: 10.0.0.0/8\n      maskLengthMin: 24\n"
	    "      maskLengthMax: 16\n",
	    "spec.statements[0].prefixSet[0].maskLengthMin",
	    "greater than maskLengthMax", 1 },
	{ "policy: min < cidr length", POL "  statements:\n"
	    "  - action: Accept\n    prefixSet:\n    - cidr: 10.0.0.0/8\n"
	    "      maskLengthMin: 4\n",
	    "spec.statements[0].prefixSet[0].maskLengthMin",
	    "shorter than the cidr length 8", 1 },
	{ "policy: max < cidr length", POL "  statements:\n"
	    "  - action: Accept\n    prefixSet:\n    - cidr: 10.0.0.0/16\n"
	    "      maskLengthMax: 8\n",
	    "spec.statements[0].prefixSet[0].maskLengthMax",
	    "shorter than the cidr length 16", 1 },
	{ "any: version not served", "apiVersion: bgp.miloapis.com/v1beta1\n"
	    "kind: BGPEndpoint\nmetadata: {name: x}\nspec: {}\n",
	    "apiVersion", "not served", 1 },
	{ "any: name required", "apiVersion: bgp.miloapis.com/v1alpha1\n"
	    "kind: BGPEndpoint\nmetadata: {}\nspec: {}\n", "metadata.name",
	    "required", 1 },
	{ "any: name syntax", HDR("BGPEndpoint", "Node_1") "spec: {}\n",
	    "metadata.name", "RFC 1123", 1 },
	{ "any: label values strings", "apiVersion: bgp.miloapis.com/v1alpha1"
	    "\nkind: BGPEndpoint\nmetadata:\n  name: x\n  labels:\n    a: 1\n"
	    "spec:\n  address: 10.0.0.1\n  asNumber: 1\n", "metadata.labels.a",
	    "strings", 1 },
};

static int
has_error(const struct kerrs *e, const char *field, const char *msg,
    int fatal)
{
	size_t i;

	for (i = 0; i < e->n; i++)
		if (((field == NULL && e->v[i].field == NULL) ||
		    (field && e->v[i].field &&
		    strcmp(e->v[i].field, field) == 0)) &&
		    strstr(e->v[i].msg, msg) && e->v[i].fatal == fatal)
			return 1;
	return 0;
}

static void
dump_errors(const struct kerrs *e)
{
	size_t i;

	for (i = 0; i < e->n; i++)
		kerr_print(&e->v[i], stderr);
}

static void
test_invalid(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++) {
		struct kobj_version v;
		struct kerrs e;
		int r = parse_one(invalid[i].yaml, &v, &e);

		if (r == 0)
			fail_msg("%s: ignored", invalid[i].what);
		if (!has_error(&e, invalid[i].field, invalid[i].msg,
		    invalid[i].fatal)) {
			dump_errors(&e);
			fail_msg("%s: no error %s: %s", invalid[i].what,
			    invalid[i].field, invalid[i].msg);
		}
		if (invalid[i].fatal && v.spec != NULL)
			fail_msg("%s: refused version has a spec",
			    invalid[i].what);
		if (!invalid[i].fatal && v.spec == NULL)
			fail_msg("%s: a dropped value refused the object",
			    invalid[i].what);
		object_version_clear(&v);
		kerr_clear(&e);
	}
}

static void
test_every_error_collected(void **state)
{
	struct kobj_version v;
	struct kerrs e;

	(void)state;
	parse_one(SESS "  holdTime: 1\n  keepaliveTime: 0\n  ebgpConfig:\n"
	    "    multiHop:\n      ttl: 0\n", &v, &e);
	assert_int_equal(e.n, 3);
	assert_null(v.spec);
	assert_string_equal(v.name, "s1");
	object_version_clear(&v);
	kerr_clear(&e);
}

static void
test_defaults(void **state)
{
	struct kobj_version v;
	struct kerrs e;
	const struct kconfig *c;
	const struct ksession *s;
	const struct kpeering *p;
	const struct kendpoint *ep;

	(void)state;
	assert_int_equal(parse_one(CFG "  asNumber: 4294967295\n", &v, &e), 1);
	assert_int_equal(e.n, 0);
	c = v.spec;
	assert_int_equal(c->as, 4294967295u);
	assert_int_equal(c->listen_port, 1790);
	assert_int_equal(c->max_paths, 1);
	assert_false(c->manual_id);
	assert_true(c->fam.v6 && !c->fam.v4 && !c->fam.given);
	object_version_clear(&v);

	parse_one(CFG "  asNumber: 1\n  routerIDSource: Manual\n"
	    "  routerID: 192.0.2.1\n  addressFamilies:\n  - afi: IPv4\n"
	    "  - afi: IPv6\n    safi: Multicast\n", &v, &e);
	c = v.spec;
	assert_true(c->manual_id);
	assert_int_equal(c->router_id, 0xc0000201);
	assert_true(c->fam.v4 && !c->fam.v6 && c->fam.v6_multicast);
	object_version_clear(&v);

	parse_one(SESS, &v, &e);
	s = v.spec;
	assert_int_equal(s->hold, 90);
	assert_int_equal(s->keepalive, 30);
	assert_false(s->rr);
	object_version_clear(&v);

	parse_one(PP "  selector: {}\n", &v, &e);
	p = v.spec;
	assert_false(p->rr_mode);
	assert_int_equal(p->hold, 90);
	assert_int_equal(p->keepalive, 30);
	object_version_clear(&v);

	parse_one(EP "  address: 10.0.0.1\n  asNumber: 65001\n", &v, &e);
	ep = v.spec;
	assert_int_equal(ep->port, 0);
	assert_int_equal(ep->addr.af, AF_INET);
	object_version_clear(&v);
}

static const struct {
	const char	*what;
	const char	*entry;
	uint8_t		 min, max;
} ranges[] = {
	{ "neither: exact length", "cidr: 10.0.0.0/8", 8, 8 },
	{ "only min: up to address length", "cidr: 10.0.0.0/8\n"
	    "      maskLengthMin: 16", 16, 32 },
	{ "only max: from cidr length", "cidr: 10.0.0.0/8\n"
	    "      maskLengthMax: 24", 8, 24 },
	{ "both", "cidr: 10.0.0.0/8\n      maskLengthMin: 9\n"
	    "      maskLengthMax: 12", 9, 12 },
	{ "IPv6 only min", "cidr: '2001:db8::/32'\n      maskLengthMin: 48",
	    48, 128 },
	{ "IPv6 default route", "cidr: '::/0'\n      maskLengthMin: 49\n"
	    "      maskLengthMax: 128", 49, 128 },
};

static void
test_policy_ranges(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++) {
		char y[512];
		struct kobj_version v;
		struct kerrs e;
		const struct kpolicy *p;

		snprintf(y, sizeof(y), POL "  statements:\n"
		    "  - action: Reject\n    prefixSet:\n    - %s\n"
		    "  - action: Accept\n", ranges[i].entry);
		parse_one(y, &v, &e);
		if ((p = v.spec) == NULL) {
			dump_errors(&e);
			fail_msg("%s: refused", ranges[i].what);
		}
		assert_int_equal(p->nst, 2);
		assert_false(p->st[0].accept);
		assert_false(p->st[0].any);
		assert_true(p->st[1].accept && p->st[1].any);
		if (p->st[0].set[0].min != ranges[i].min ||
		    p->st[0].set[0].max != ranges[i].max)
			fail_msg("%s: [%u, %u]", ranges[i].what,
			    p->st[0].set[0].min, p->st[0].set[0].max);
		object_version_clear(&v);
		kerr_clear(&e);
	}
}

static void
test_advert_values(void **state)
{
	struct kobj_version v;
	struct kerrs e;
	const struct kadvert *a;

	(void)state;
	parse_one(ADV "  prefixes: ['2001:db8::/32', 10.0.0.0/8, bogus, "
	    "10.0.0.0/8]\n  communities: ['65001:100', no-export, "
	    "'4200000000:1:2', blackhole]\n  localPref: 4294967295\n", &v, &e);
	a = v.spec;
	assert_non_null(a);
	assert_int_equal(a->npfx, 2);
	assert_int_equal(a->nbad, 1);
	assert_string_equal(a->bad[0], "bogus");
	assert_int_equal(a->ncomm, 3);
	assert_int_equal(a->comm[1], 0xffffff01);
	assert_int_equal(a->nlarge, 1);
	assert_int_equal(a->large[0].global, 4200000000u);
	assert_true(a->has_local_pref);
	assert_int_equal(a->local_pref, 4294967295u);
	assert_int_equal(e.n, 1);
	object_version_clear(&v);
	kerr_clear(&e);
}

static const struct {
	const char	*what;
	const char	*yaml;
} ignored[] = {
	{ "other group", "apiVersion: apps/v1\nkind: Deployment\n"
	    "metadata: {name: x}\n" },
	{ "core group", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n" },
	{ "unknown kind", "apiVersion: bgp.miloapis.com/v1alpha1\n"
	    "kind: BGPPeer\nmetadata: {name: x}\n" },
	{ "similar group", "apiVersion: bgp.miloapis.com.evil/v1alpha1\n"
	    "kind: BGPEndpoint\nmetadata: {name: x}\n" },
	{ "no kind", "apiVersion: bgp.miloapis.com/v1alpha1\n" },
	{ "a list", "- a\n- b\n" },
};

static void
test_ignored(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ignored) / sizeof(ignored[0]); i++) {
		struct kobj_version v;
		struct kerrs e;

		if (parse_one(ignored[i].yaml, &v, &e) != 0 || e.n != 0)
			fail_msg("%s: not ignored", ignored[i].what);
		object_version_clear(&v);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_yaml_multidoc),
		cmocka_unit_test(test_yaml_scalars),
		cmocka_unit_test(test_yaml_errors),
		cmocka_unit_test(test_yaml_anchor_and_depth),
		cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_every_error_collected),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_policy_ranges),
		cmocka_unit_test(test_advert_values),
		cmocka_unit_test(test_ignored),
	};

	return cmocka_run_group_tests_name("manifest", tests, NULL, NULL);
}
