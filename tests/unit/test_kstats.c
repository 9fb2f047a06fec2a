/*
 * test_kstats.c: what the API source counts (kube/kstats.c) and how
 * /metrics shows it (metrics/kubestat.c): the Kubernetes verb of a
 * request, when the server counts as unreachable, watch restarts by
 * resource, the reconcile histogram, and the rendered bgp_kube_* families.
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
#include "metrics/internal.h"

#define CRD	"/apis/bgp.miloapis.com/v1alpha1/"
#define LEASES	"/apis/coordination.k8s.io/v1/namespaces/bgp-system/leases"

static void
test_verbs(void **state)
{
	static const struct {
		const char	*method, *path;
		int		 stream;
		const char	*verb;
	} t[] = {
		{ "GET", CRD "bgpsessions?limit=500", 0, "list" },
		{ "GET", CRD "bgpsessions?limit=500&continue=x%3D", 0, "list" },
		{ "GET", CRD "bgpsessions?watch=1&resourceVersion=5", 1, "watch" },
		{ "GET", CRD "bgpsessions?watch=true", 0, "watch" },
		{ "GET", CRD "watch/bgpsessions", 0, "watch" },
		{ "GET", CRD "bgpsessions/a-b", 0, "get" },
		{ "GET", LEASES "/bgp-peering-policy", 0, "get" },
		{ "GET", LEASES, 0, "list" },
		{ "GET", "/api/v1/namespaces", 0, "list" },
		{ "GET", "/api/v1/namespaces/default", 0, "get" },
		{ "GET", "/apis", 0, "get" },
		{ "GET", "/version", 0, "get" },
		{ "POST", LEASES, 0, "create" },
		{ "POST", "/apis/events.k8s.io/v1/namespaces/default/events", 0,
		    "create" },
		{ "PUT", LEASES "/bgp-peering-policy", 0, "update" },
		{ "PATCH", CRD "bgpsessions/a-b/status", 0, "patch" },
		{ "DELETE", CRD "bgpsessions/a-b", 0, "delete" },
		{ "DELETE", CRD "bgpsessions?labelSelector=x", 0,
		    "deletecollection" },
		{ "OPTIONS", CRD "bgpsessions", 0, "other" },
		{ "GET", "", 0, "get" },
		{ "GET", "////", 0, "get" },
		{ "GET", "/apis/a/b/c/d/e/f/g/h/i/j/k", 0, "get" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		assert_string_equal(kstats_verb(t[i].method, t[i].path,
		    t[i].stream), t[i].verb);
}

static void
test_reachability(void **state)
{
	struct kstats *ks = kstats_new();
	char err[256];

	(void)state;
	assert_true(kstats_down(ks, 100, err, sizeof(err)) < 0);
	/* A 4xx is an answer: the server is there. */
	kstats_request(ks, "get", 404, NULL, 100);
	assert_true(kstats_down(ks, 101, err, sizeof(err)) < 0);
	/* Counted from the first failure, not from the last answer. */
	kstats_request(ks, "watch", 0, "Couldn't connect to server", 110);
	assert_true(kstats_down(ks, 112, err, sizeof(err)) == 2);
	assert_string_equal(err, "watch: Couldn't connect to server");
	kstats_request(ks, "list", 503, NULL, 115);
	kstats_request(ks, "update", 429, NULL, 118);
	assert_true(kstats_down(ks, 120, err, sizeof(err)) == 10);
	assert_string_equal(err, "update answered HTTP 429");
	/* Watch data (a bookmark) is an answer. */
	kstats_alive(ks);
	assert_true(kstats_down(ks, 121, err, sizeof(err)) < 0);
	kstats_request(ks, "get", 0, NULL, 130);
	assert_true(kstats_down(ks, 131, err, sizeof(err)) == 1);
	assert_string_equal(err, "get: no response");
	kstats_request(ks, "create", 201, NULL, 132);
	assert_true(kstats_down(ks, 140, err, sizeof(err)) < 0);
	/* NULL: nothing counted, never down. */
	kstats_request(NULL, "get", 0, "x", 1);
	kstats_alive(NULL);
	assert_true(kstats_down(NULL, 100, err, sizeof(err)) < 0);
	kstats_free(ks);
}

static uint64_t
count(const struct kube_stats *v, const char *verb, int code)
{
	size_t i;

	for (i = 0; i < v->nreq; i++)
		if (v->req[i].code == code && strcmp(v->req[i].verb, verb) == 0)
			return v->req[i].n;
	return 0;
}

static void
test_counts(void **state)
{
	struct kstats *ks = kstats_new();
	struct kube_stats v;

	(void)state;
	kstats_request(ks, "list", 200, NULL, 1);
	kstats_request(ks, "list", 200, NULL, 1);
	kstats_request(ks, "list", 410, NULL, 1);
	/* Outside the HTTP range: counted as no response. */
	kstats_request(ks, "get", 1000, NULL, 1);
	kstats_request(ks, "get", 0, "timeout", 1);
	kstats_watch_started(ks, CRD "bgpsessions?watch=1");
	kstats_watch_started(ks, CRD "bgproutepolicies?watch=1");
	kstats_watch_ended(ks, CRD "bgpsessions", 0);
	kstats_watch_ended(ks, CRD "bgpsessions", 1);
	kstats_watch_ended(ks, CRD "bgpendpoints?fieldSelector=x", 0);
	kstats_reconcile(ks, 0.0001);
	kstats_reconcile(ks, 0.003);
	kstats_reconcile(ks, 0.003);
	kstats_reconcile(ks, 99);
	kstats_view(ks, &v);
	assert_int_equal(count(&v, "list", 200), 2);
	assert_int_equal(count(&v, "list", 410), 1);
	assert_int_equal(count(&v, "get", 0), 2);
	assert_int_equal(v.nreq, 3);
	assert_int_equal(v.nwatch, 3);
	assert_string_equal(v.watch[0].resource, "bgpsessions");
	assert_int_equal(v.watch[0].restarts, 2);
	assert_int_equal(v.watch[0].relists, 1);
	/* Started, never ended: there, at 0. */
	assert_string_equal(v.watch[1].resource, "bgproutepolicies");
	assert_int_equal(v.watch[1].restarts, 0);
	assert_string_equal(v.watch[2].resource, "bgpendpoints");
	assert_int_equal(v.watch[2].restarts, 1);
	/* Cumulative: le=0.0005 holds 1, le=0.005 holds 3, 99 s only +Inf. */
	assert_int_equal(v.reconcile_le[0], 1);
	assert_int_equal(v.reconcile_le[2], 1);
	assert_int_equal(v.reconcile_le[3], 3);
	assert_int_equal(v.reconcile_le[KUBE_RECONCILE_NBUCKETS - 1], 3);
	assert_int_equal(v.reconcile_count, 4);
	assert_true(v.reconcile_sum > 99 && v.reconcile_sum < 99.01);
	kstats_free(ks);
	kstats_view(NULL, &v);
	assert_int_equal(v.nreq, 0);
}

static void
test_render(void **state)
{
	static const char *const want[] = {
		"# HELP bgp_kube_requests_total ",
		"# TYPE bgp_kube_requests_total counter\n",
		"bgp_kube_requests_total{verb=\"watch\",code=\"200\"} 7\n",
		"bgp_kube_requests_total{verb=\"get\",code=\"error\"} 2\n",
		"# TYPE bgp_kube_watch_restarts_total counter\n",
		"bgp_kube_watch_restarts_total{resource=\"a\\\"b\"} 3\n",
		"# TYPE bgp_kube_relists_total counter\n",
		"bgp_kube_relists_total{resource=\"a\\\"b\"} 1\n",
		"# TYPE bgp_kube_reconcile_duration_seconds histogram\n",
		"bgp_kube_reconcile_duration_seconds_bucket{le=\"0.0005\"} 1\n",
		"bgp_kube_reconcile_duration_seconds_bucket{le=\"2.5\"} 4\n",
		"bgp_kube_reconcile_duration_seconds_bucket{le=\"+Inf\"} 5\n",
		"bgp_kube_reconcile_duration_seconds_sum 3.5\n",
		"bgp_kube_reconcile_duration_seconds_count 5\n",
		"# TYPE bgp_kube_lease_holder gauge\nbgp_kube_lease_holder 1\n",
	};
	struct kube_req_count req[2] = {
		{ "watch", 200, 7 }, { "get", 0, 2 }
	};
	struct kube_watch_count w = { "a\"b", 3, 1 };
	struct kube_stats st;
	char *s = NULL;
	size_t len = 0, i;
	FILE *f;

	(void)state;
	memset(&st, 0, sizeof(st));
	st.req = req;
	st.nreq = 2;
	st.watch = &w;
	st.nwatch = 1;
	for (i = 0; i < KUBE_RECONCILE_NBUCKETS; i++)
		st.reconcile_le[i] = i == 0 ? 1 : 4;
	st.reconcile_count = 5;
	st.reconcile_sum = 3.5;
	st.lease_held = 1;
	assert_non_null(f = open_memstream(&s, &len));
	kubestat_collect(f, &st);
	fclose(f);
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		if (strstr(s, want[i]) == NULL)
			fail_msg("missing %s in:\n%s", want[i], s);
	/* Standalone: no API source, no families. */
	free(s);
	s = NULL;
	assert_non_null(f = open_memstream(&s, &len));
	kubestat_metrics(f, NULL);
	fclose(f);
	assert_int_equal(len, 0);
	free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_verbs),
		cmocka_unit_test(test_reachability),
		cmocka_unit_test(test_counts),
		cmocka_unit_test(test_render),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
