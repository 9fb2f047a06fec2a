/*
 * test_sessview.c: the union of the two field-selected session streams
 * and the fallback to one full stream, driven through stand-in informers
 * (this file's informer_* replace informer.c at link time), so every
 * interleaving of the streams' events is exact and needs no server.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <event2/event.h>

#include "kube/kube_int.h"

/* A stream the test feeds by hand. */
struct informer {
	char			*query;		/* NULL: full */
	informer_refused_cb	 refused;
	informer_cb		 cb;
	void			*arg;
	json_t			*cache;
	int			 synced, freed;
};

#define MAX_INF	8
static struct informer	*infs[MAX_INF];
static size_t		 ninfs;

struct informer *
informer_new_query(struct event_base *base, struct kube_http *http,
    const char *path, const char *query, informer_refused_cb refused,
    informer_cb cb, void *arg)
{
	struct informer *in = calloc(1, sizeof(*in));

	(void)base;
	(void)http;
	assert_string_equal(path, KUBE_API_PREFIX "bgpsessions");
	assert_true(ninfs < MAX_INF);
	in->query = query ? strdup(query) : NULL;
	in->refused = refused;
	in->cb = cb;
	in->arg = arg;
	in->cache = json_object();
	infs[ninfs++] = in;
	return in;
}

/* Freed streams stay in infs (marked) so a test can tell. */
void
informer_free(struct informer *in)
{
	if (in != NULL)
		in->freed = 1;
}

int
informer_synced(const struct informer *in)
{
	return in->synced;
}

json_t *
informer_get(const struct informer *in, const char *name)
{
	return json_object_get(in->cache, name);
}

void
informer_resync(struct informer *in)
{
	(void)in;
}

static void
infs_clear(void)
{
	size_t i;

	for (i = 0; i < ninfs; i++) {
		free(infs[i]->query);
		json_decref(infs[i]->cache);
		free(infs[i]);
	}
	ninfs = 0;
}

static json_t *
sess(const char *name, const char *local, const char *remote, int rv)
{
	char buf[16];

	snprintf(buf, sizeof(buf), "%d", rv);
	return json_pack("{s:{s:s, s:s}, s:{s:s, s:s}}", "metadata", "name",
	    name, "resourceVersion", buf, "spec", "localEndpoint", local,
	    "remoteEndpoint", remote);
}

static void
put(struct informer *in, json_t *o)
{
	const char *name = json_string_value(json_object_get(json_object_get(
	    o, "metadata"), "name"));

	json_object_set(in->cache, name, o);
	in->cb(in->arg, INFORMER_UPSERT, o);
	json_decref(o);
}

static void
del(struct informer *in, json_t *o)
{
	const char *name = json_string_value(json_object_get(json_object_get(
	    o, "metadata"), "name"));

	json_object_del(in->cache, name);
	in->cb(in->arg, INFORMER_DELETE, o);
	json_decref(o);
}

static void
sync_(struct informer *in)
{
	in->synced = 1;
	in->cb(in->arg, INFORMER_SYNCED, NULL);
}

/* What the owner was told, as "U:name", "D:name", "S". */
struct seen {
	char	 ev[32][24];
	size_t	 n;
};

static void
owner(void *arg, enum informer_ev ev, json_t *obj)
{
	struct seen *s = arg;
	const char *name = json_string_value(json_object_get(json_object_get(
	    obj, "metadata"), "name"));

	assert_true(s->n < 32);
	snprintf(s->ev[s->n++], sizeof(s->ev[0]), "%s%s%s", ev ==
	    INFORMER_UPSERT ? "U" : ev == INFORMER_DELETE ? "D" : "S",
	    name ? ":" : "", name ? name : "");
}

static void
seen_is(struct seen *s, const char *want)
{
	char got[512] = "";
	size_t i;

	for (i = 0; i < s->n; i++) {
		strcat(got, i ? " " : "");
		strcat(got, s->ev[i]);
	}
	assert_string_equal(got, want);
	s->n = 0;
}

static void
test_two_streams_union(void **state)
{
	struct event_base *base = event_base_new();
	struct seen s = { .n = 0 };
	struct sessview *v = sessview_new(base, NULL, "n0", owner, &s);
	struct informer *l, *r;

	(void)state;
	assert_int_equal(ninfs, 2);
	l = infs[0];
	r = infs[1];
	assert_string_equal(l->query,
	    "fieldSelector=spec.localEndpoint%3Dn0");
	assert_string_equal(r->query,
	    "fieldSelector=spec.remoteEndpoint%3Dn0");
	assert_non_null(l->refused);
	/* Ready only once both streams listed. */
	put(l, sess("x", "n0", "n1", 10));
	sync_(l);
	assert_false(sessview_synced(v));
	sync_(r);
	assert_true(sessview_synced(v));
	seen_is(&s, "U:x S");
	/* The ends swap: the remote stream adds it before the local one
	 * drops it; the view keeps it, at the newer version. */
	put(r, sess("x", "n1", "n0", 11));
	del(l, sess("x", "n0", "n1", 11));
	seen_is(&s, "U:x");
	assert_string_equal(json_string_value(json_object_get(json_object_get(
	    sessview_get(v, "x"), "spec"), "localEndpoint")), "n1");
	/* Dropped the other way round: gone only when no stream holds it. */
	put(l, sess("x", "n0", "n0", 12));
	json_object_set_new(r->cache, "x", sess("x", "n0", "n0", 12));
	seen_is(&s, "U:x");
	del(r, sess("x", "n0", "n0", 13));
	seen_is(&s, "");
	assert_non_null(sessview_get(v, "x"));
	del(l, sess("x", "n0", "n0", 13));
	seen_is(&s, "D:x");
	assert_null(sessview_get(v, "x"));
	assert_false(sessview_fallback(v));
	sessview_free(v);
	assert_true(l->freed && r->freed);
	infs_clear();
	event_base_free(base);
}

static void
test_fallback_on_refusal(void **state)
{
	struct event_base *base = event_base_new();
	struct seen s = { .n = 0 };
	struct sessview *v = sessview_new(base, NULL, "n0", owner, &s);
	struct informer *l = infs[0], *r = infs[1], *full;

	(void)state;
	put(l, sess("old", "n0", "n1", 5));
	put(l, sess("kept", "n0", "n2", 6));
	sync_(l);
	seen_is(&s, "U:old U:kept");
	/* The remote stream's list is refused: both make way for one full
	 * stream, once out of the refusing informer's callback. */
	r->refused(r->arg, "field label not supported: spec.remoteEndpoint");
	assert_true(sessview_fallback(v));
	assert_false(sessview_synced(v));
	assert_int_equal(ninfs, 2);
	event_base_loop(base, EVLOOP_NONBLOCK);
	assert_int_equal(ninfs, 3);
	assert_true(l->freed && r->freed);
	full = infs[2];
	assert_null(full->query);
	assert_null(full->refused);
	/* Sessions of other nodes stay out of the view; what the full list
	 * does not hold leaves it once that list is complete. */
	put(full, sess("kept", "n0", "n2", 6));
	put(full, sess("foreign", "n3", "n4", 7));
	put(full, sess("new", "n5", "n0", 8));
	assert_false(sessview_synced(v));
	sync_(full);
	assert_true(sessview_synced(v));
	seen_is(&s, "U:new D:old S");
	assert_null(sessview_get(v, "foreign"));
	assert_int_equal(json_object_size(sessview_objects(v)), 2);
	/* Edited away from us: the view drops it (the new content). */
	put(full, sess("new", "n5", "n6", 9));
	seen_is(&s, "D:new");
	assert_null(sessview_get(v, "new"));
	sessview_free(v);
	assert_true(full->freed);
	infs_clear();
	event_base_free(base);
}

static void
test_names(void **state)
{
	json_t *o = sess("x", "a", "b", 1);

	(void)state;
	assert_true(sessview_names(o, "a"));
	assert_true(sessview_names(o, "b"));
	assert_false(sessview_names(o, "c"));
	json_object_del(json_object_get(o, "spec"), "localEndpoint");
	assert_false(sessview_names(o, "a"));
	assert_false(sessview_names(json_null(), "a"));
	json_decref(o);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_two_streams_union),
		cmocka_unit_test(test_fallback_on_refusal),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
