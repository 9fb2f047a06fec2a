/*
 * test_kube_watch.c: the pieces of the API source that need no server:
 * watch-line reassembly across arbitrary read boundaries, back-off bounds,
 * the write pace,
 * finalizer names (short and hashed), and the merge patches for status and
 * finalizers.
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

struct lines {
	char	 got[8][64];
	size_t	 n;
	int	 stop_at;	/* return -1 on this line (1-based), 0: never */
};

static int
collect(void *arg, const char *line, size_t len)
{
	struct lines *l = arg;

	assert_true(l->n < 8 && len < 64);
	memcpy(l->got[l->n], line, len);
	l->got[l->n][len] = '\0';
	l->n++;
	return (int)l->n == l->stop_at ? -1 : 0;
}

static void
test_linebuf_every_split(void **state)
{
	static const char in[] = "{\"a\":1}\n{\"b\":2}\r\n\n{\"c\":3}\n{\"d\"";
	size_t cut1, cut2, len = strlen(in);

	(void)state;
	for (cut1 = 0; cut1 <= len; cut1++)
		for (cut2 = cut1; cut2 <= len; cut2++) {
			struct linebuf lb = { NULL, 0, 0, 0, 0 };
			struct lines l;

			memset(&l, 0, sizeof(l));
			assert_int_equal(linebuf_feed(&lb, in, cut1, collect,
			    &l), 0);
			assert_int_equal(linebuf_feed(&lb, in + cut1,
			    cut2 - cut1, collect, &l), 0);
			assert_int_equal(linebuf_feed(&lb, in + cut2,
			    len - cut2, collect, &l), 0);
			assert_int_equal(l.n, 3);
			assert_string_equal(l.got[0], "{\"a\":1}");
			assert_string_equal(l.got[1], "{\"b\":2}");
			assert_string_equal(l.got[2], "{\"c\":3}");
			/* The unfinished tail waits for its newline. */
			assert_int_equal(lb.len, 4);
			linebuf_feed(&lb, "}\n", 2, collect, &l);
			assert_string_equal(l.got[3], "{\"d\"}");
			linebuf_free(&lb);
		}
}

static void
test_linebuf_stop_and_cap(void **state)
{
	struct linebuf lb = { NULL, 0, 0, 8, 0 };
	struct lines l;

	(void)state;
	memset(&l, 0, sizeof(l));
	l.stop_at = 1;
	assert_int_equal(linebuf_feed(&lb, "a\nb\n", 4, collect, &l), -1);
	assert_int_equal(l.n, 1);
	/* Over the cap: the long line is dropped whole, the next one kept. */
	memset(&l, 0, sizeof(l));
	assert_int_equal(linebuf_feed(&lb, "0123456", 7, collect, &l), 0);
	assert_int_equal(linebuf_feed(&lb, "789abc", 6, collect, &l), 0);
	assert_int_equal(linebuf_feed(&lb, "def\nok\n", 7, collect, &l), 0);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.got[0], "ok");
	linebuf_free(&lb);
}

static void
test_backoff(void **state)
{
	struct backoff b = { 500, 30000, 0 };
	unsigned d, i, max = 0;

	(void)state;
	assert_in_range(backoff_next(&b, 0), 250, 500);
	assert_in_range(backoff_next(&b, 0xffffffffu), 500, 1000);
	for (i = 0; i < 40; i++) {
		d = backoff_next(&b, (uint32_t)random());
		assert_in_range(d, 0, 30000);
		if (d > max)
			max = d;
	}
	assert_int_equal(b.cur_ms, 30000);
	assert_true(max >= 15000);
	d = backoff_next(&b, 0);
	assert_int_equal(d, 15000);
	backoff_reset(&b);
	assert_in_range(backoff_next(&b, 12345), 250, 500);
}

static void
test_pace(void **state)
{
	static const struct pace p = { 3, 1000 };
	struct pace_state s = { 0, 0, 0 };

	(void)state;
	/* A burst goes out at once. */
	assert_int_equal(pace_take(&p, &s, 5000), 0);
	assert_int_equal(pace_take(&p, &s, 5001), 0);
	assert_int_equal(pace_take(&p, &s, 5002), 0);
	/* Then one per gap, counted from the last refill. */
	assert_int_equal(pace_take(&p, &s, 5100), 900);
	assert_int_equal(pace_take(&p, &s, 5999), 1);
	assert_int_equal(pace_take(&p, &s, 6000), 0);
	assert_int_equal(pace_take(&p, &s, 6500), 500);
	assert_int_equal(pace_take(&p, &s, 7000), 0);
	/* A long quiet time refills the burst, no more. */
	assert_int_equal(pace_take(&p, &s, 60000), 0);
	assert_int_equal(pace_take(&p, &s, 60000), 0);
	assert_int_equal(pace_take(&p, &s, 60000), 0);
	assert_int_equal(pace_take(&p, &s, 60000), 1000);
	/* A clock that does not move never refills. */
	assert_int_equal(pace_take(&p, &s, 59000), 2000);
}

static void
test_finalizer_names(void **state)
{
	char long_ep[80], *f;

	(void)state;
	f = patch_finalizer("node-a");
	assert_string_equal(f, "bgp.miloapis.com/speaker-node-a");
	free(f);
	memset(long_ep, 'x', 55);
	long_ep[55] = '\0';
	f = patch_finalizer(long_ep);
	assert_int_equal(strlen(strchr(f, '/') + 1), 63);
	free(f);
	long_ep[55] = 'y';
	long_ep[56] = '\0';
	f = patch_finalizer(long_ep);
	/* speaker- and 16 hex digits of SHA-256 of the name. */
	assert_int_equal(strlen(f), strlen("bgp.miloapis.com/speaker-") + 16);
	assert_string_not_equal(f + 25, "xxxxxxxxxxxxxxxx");
	free(f);
}

static json_t *
J(const char *s)
{
	json_t *j = json_loads(s, 0, NULL);

	assert_non_null(j);
	return j;
}

static void
test_patch_status(void **state)
{
	json_t *want = J("{\"conditions\":[{\"type\":\"Configured\","
	    "\"status\":\"True\",\"reason\":\"Configured\",\"message\":\"m\","
	    "\"observedGeneration\":2}],\"observedGeneration\":2}");
	json_t *cur, *p;
	char *s;

	(void)state;
	/* From nothing: everything, stamped now. */
	p = patch_status(NULL, want, "T1");
	s = json_dumps(p, JSON_SORT_KEYS | JSON_COMPACT);
	assert_string_equal(s, "{\"status\":{\"conditions\":[{"
	    "\"lastTransitionTime\":\"T1\",\"message\":\"m\","
	    "\"observedGeneration\":2,\"reason\":\"Configured\","
	    "\"status\":\"True\",\"type\":\"Configured\"}],"
	    "\"observedGeneration\":2}}");
	free(s);
	/* What we wrote is there: nothing to send. */
	cur = json_deep_copy(json_object_get(p, "status"));
	json_decref(p);
	assert_null(patch_status(cur, want, "T2"));
	/* A new message, same status: the transition time stays. */
	json_object_set_new(json_array_get(json_object_get(want, "conditions"),
	    0), "message", json_string("m2"));
	p = patch_status(cur, want, "T3");
	assert_string_equal(json_string_value(json_object_get(json_array_get(
	    json_object_get(json_object_get(p, "status"), "conditions"), 0),
	    "lastTransitionTime")), "T1");
	assert_null(json_object_get(json_object_get(p, "status"),
	    "observedGeneration"));
	json_decref(p);
	/* A new status: a new transition time. */
	json_object_set_new(json_array_get(json_object_get(want, "conditions"),
	    0), "status", json_string("False"));
	p = patch_status(cur, want, "T4");
	assert_string_equal(json_string_value(json_object_get(json_array_get(
	    json_object_get(json_object_get(p, "status"), "conditions"), 0),
	    "lastTransitionTime")), "T4");
	json_decref(p);
	json_decref(cur);
	json_decref(want);
}

static void
test_patch_finalizers(void **state)
{
	json_t *o = J("{\"metadata\":{\"name\":\"s\",\"resourceVersion\":\"7\","
	    "\"finalizers\":[\"other/x\"]}}"), *p;
	char *s;

	(void)state;
	assert_false(patch_has_finalizer(o, "bgp.miloapis.com/speaker-a"));
	p = patch_finalizers(o, "bgp.miloapis.com/speaker-a", 1);
	s = json_dumps(p, JSON_SORT_KEYS | JSON_COMPACT);
	assert_string_equal(s, "{\"metadata\":{\"finalizers\":[\"other/x\","
	    "\"bgp.miloapis.com/speaker-a\"],\"resourceVersion\":\"7\"}}");
	free(s);
	json_object_set(json_object_get(o, "metadata"), "finalizers",
	    json_object_get(json_object_get(p, "metadata"), "finalizers"));
	json_decref(p);
	assert_true(patch_has_finalizer(o, "bgp.miloapis.com/speaker-a"));
	p = patch_finalizers(o, "bgp.miloapis.com/speaker-a", 0);
	s = json_dumps(p, JSON_SORT_KEYS | JSON_COMPACT);
	assert_string_equal(s, "{\"metadata\":{\"finalizers\":[\"other/x\"],"
	    "\"resourceVersion\":\"7\"}}");
	free(s);
	json_decref(p);
	json_decref(o);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_linebuf_every_split),
		cmocka_unit_test(test_linebuf_stop_and_cap),
		cmocka_unit_test(test_backoff),
		cmocka_unit_test(test_pace),
		cmocka_unit_test(test_finalizer_names),
		cmocka_unit_test(test_patch_status),
		cmocka_unit_test(test_patch_finalizers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
