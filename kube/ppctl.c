/*
 * ppctl.c: the peering-policy controller, run by the Lease holder only.
 *
 * Expands every BGPPeeringPolicy (expand.c, as standalone mode does in
 * memory) and makes the BGPSession objects match: creates the missing
 * ones, patches drifted spec or labels, deletes sessions labelled with a
 * policy that no longer wants them (also once the policy is gone). A
 * policy that is invalid (e.g. route-reflector mode without exactly one
 * reflector) changes nothing. Generated sessions carry the policy label
 * and a controller ownerReference; deletion never relies on garbage
 * collection, which a bare API server does not have.
 *
 * A speaker's own view holds only the sessions naming it, so the Lease
 * holder also watches every session carrying the policy label (between
 * other nodes too), from gaining the Lease to losing it, and acts only
 * once that watch has listed: an incomplete view would recreate sessions
 * that exist or miss ones to delete. That watch is not the stream that
 * brings the speaker's other changes, so a write's result may show on it
 * only after builds the speaker's own events caused: a create or delete
 * sent is not sent again until the watch shows it, or PPCTL_WAIT_MS
 * passed (the write failed, or its result never matched).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "bgp/log.h"
#include "kube/kube_int.h"

#define PPCTL_LABEL	"bgp.miloapis.com/policy"
#define PPCTL_WAIT_MS	5000

static void
ppctl_wait_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	api_dirty(arg);
}

/* 1 while a write of key is waiting to show on the watch. */
static int
ppctl_pending(struct kube_api *a, const char *key)
{
	json_int_t left = json_integer_value(json_object_get(a->pp_sent,
	    key));
	struct timeval tv;

	if (left == 0)
		return 0;
	left += PPCTL_WAIT_MS - kube_now_ms();
	if (left <= 0) {
		json_object_del(a->pp_sent, key);
		return 0;
	}
	tv.tv_sec = (time_t)(left / 1000);
	tv.tv_usec = (suseconds_t)(left % 1000) * 1000;
	if (!evtimer_pending(a->ev_pp, NULL))
		evtimer_add(a->ev_pp, &tv);
	return 1;
}

static void
ppctl_sent(struct kube_api *a, const char *key)
{
	json_object_set_new(a->pp_sent, key, json_integer(kube_now_ms()));
}

static void
ppctl_event(void *arg, enum informer_ev ev, json_t *obj)
{
	(void)ev;
	(void)obj;
	api_dirty(arg);
}

void
ppctl_stop(struct kube_api *a)
{
	informer_free(a->generated);
	a->generated = NULL;
	json_decref(a->pp_sent);
	a->pp_sent = NULL;
	if (a->ev_pp != NULL)
		event_free(a->ev_pp);
	a->ev_pp = NULL;
}

void
ppctl_watch(struct kube_api *a)
{
	char *esc, *q;

	if (lease_held(a->lease) == (a->generated != NULL))
		return;
	if (a->generated != NULL) {
		log_info("not the Lease holder: no longer watching generated "
		    "sessions", "label=%s", PPCTL_LABEL);
		ppctl_stop(a);
		return;
	}
	a->pp_sent = json_object();
	if ((a->ev_pp = evtimer_new(a->base, ppctl_wait_cb, a)) == NULL)
		fatal("%s: cannot create a timer", __func__);
	esc = kube_http_escape(PPCTL_LABEL);
	q = kube_asprintf("labelSelector=%s", esc);
	a->generated = informer_new_query(a->base, a->http, KUBE_API_PREFIX
	    "bgpsessions", q, NULL, ppctl_event, a);
	free(q);
	free(esc);
}

/* A session of that name, generated or not (a hand-written one naming us). */
static json_t *
ppctl_session(const struct kube_api *a, const char *name)
{
	json_t *o = informer_get(a->generated, name);

	return o != NULL ? o : api_obj(a, KIND_SESSION, name);
}

static json_t *
ppctl_spec(const struct gensession *g)
{
	char id[16];
	json_t *s = json_pack("{s:s, s:s, s:i, s:i}", "localEndpoint",
	    g->s.local, "remoteEndpoint", g->s.remote, "holdTime",
	    (int)g->s.hold, "keepaliveTime", (int)g->s.keepalive);

	if (g->s.rr) {
		addr_id_fmt(g->s.cluster_id, id, sizeof(id));
		json_object_set_new(s, "routeReflector", g->s.cluster_id ?
		    json_pack("{s:s}", "clusterID", id) : json_object());
	}
	return s;
}

static json_t *
ppctl_labels(const struct gensession *g)
{
	json_t *l = json_object();
	size_t i;

	for (i = 0; i < g->labels.n; i++)
		json_object_set_new(l, g->labels.k[i],
		    json_string(g->labels.v[i]));
	return l;
}

static void
ppctl_create(struct kube_api *a, const struct gensession *g)
{
	const json_t *pol = api_obj(a, KIND_PEERING, g->policy);
	const char *uid = json_string_value(json_object_get(json_object_get(
	    pol, "metadata"), "uid"));
	json_t *md = json_pack("{s:s, s:o}", "name", g->name, "labels",
	    ppctl_labels(g));
	char *key = kube_asprintf("BGPSession/%s/create", g->name);

	if (ppctl_pending(a, key)) {
		json_decref(md);
		free(key);
		return;
	}
	if (uid != NULL)
		json_object_set_new(md, "ownerReferences", json_pack("[{s:s, "
		    "s:s, s:s, s:s, s:b, s:b}]", "apiVersion",
		    KUBE_GROUP_VERSION, "kind", "BGPPeeringPolicy", "name",
		    g->policy, "uid", uid, "controller", 1,
		    "blockOwnerDeletion", 1));
	log_info("creating a generated session", "session=%s policy=%s",
	    g->name, g->policy);
	if (writer_send(a->writer, key, "POST", KUBE_API_PREFIX "bgpsessions",
	    json_pack("{s:s, s:s, s:o, s:o}", "apiVersion", KUBE_GROUP_VERSION,
	    "kind", "BGPSession", "metadata", md, "spec", ppctl_spec(g)),
	    "application/json", NULL))
		ppctl_sent(a, key);
	free(key);
}

/*
 * The merge patch bringing obj to g, or NULL when it matches. Only the
 * fields a policy sets are compared, so defaults the server fills in are
 * not fought over.
 */
static json_t *
ppctl_drift(const json_t *obj, const struct gensession *g)
{
	static const char *const managed[] = { "localEndpoint",
	    "remoteEndpoint", "holdTime", "keepaliveTime", "routeReflector",
	    NULL };
	json_t *want = ppctl_spec(g), *cur = json_object_get(obj, "spec");
	json_t *labels = ppctl_labels(g), *p = json_object(), *ps;
	json_t *cl = json_object_get(json_object_get(obj, "metadata"),
	    "labels"), *v;
	const char *k;
	size_t i;

	ps = json_object();
	for (i = 0; managed[i] != NULL; i++) {
		json_t *w = json_object_get(want, managed[i]);
		json_t *c = json_object_get(cur, managed[i]);

		if (w == NULL && c != NULL)
			json_object_set_new(ps, managed[i], json_null());
		else if (w != NULL && (c == NULL || !json_equal(w, c)))
			json_object_set(ps, managed[i], w);
	}
	if (json_object_size(ps) > 0)
		json_object_set(p, "spec", ps);
	json_decref(ps);
	json_object_foreach(labels, k, v)
		if (!json_equal(json_object_get(cl, k), v)) {
			json_object_set_new(p, "metadata", json_pack("{s:O}",
			    "labels", labels));
			break;
		}
	json_decref(want);
	json_decref(labels);
	if (json_object_size(p) == 0) {
		json_decref(p);
		return NULL;
	}
	return p;
}

static void
ppctl_delete(struct kube_api *a, const char *name, const char *policy)
{
	char *key = kube_asprintf("BGPSession/%s/delete", name);
	char *esc, *path;

	if (ppctl_pending(a, key)) {
		free(key);
		return;
	}
	esc = kube_http_escape(name);
	path = kube_asprintf(KUBE_API_PREFIX "bgpsessions/%s", esc);
	log_info("deleting a generated session no longer wanted",
	    "session=%s policy=%s", name, policy);
	if (writer_send(a->writer, key, "DELETE", path, NULL, NULL, NULL))
		ppctl_sent(a, key);
	free(key);
	free(esc);
	free(path);
}

/* 1 when the policy exists now and is invalid: leave its sessions be. */
static int
ppctl_frozen(const struct kube_api *a, const char *policy,
    const struct expand_result *res)
{
	size_t i;

	for (i = 0; i < store_count(a->store, KIND_PEERING); i++)
		if (strcmp(store_at(a->store, KIND_PEERING, i)->name,
		    policy) == 0)
			return res[i].invalid;
	return 0;
}

static void
ppctl_sweep(struct kube_api *a, const struct expansion *x,
    const struct expand_result *res)
{
	json_t *objs = informer_objects(a->generated), *o;
	const char *name;
	size_t i;

	json_object_foreach(objs, name, o) {
		const char *pol = json_string_value(json_object_get(
		    json_object_get(json_object_get(o, "metadata"), "labels"),
		    PPCTL_LABEL));
		int wanted = 0;

		if (pol == NULL || json_object_get(json_object_get(o,
		    "metadata"), "deletionTimestamp") != NULL ||
		    ppctl_frozen(a, pol, res))
			continue;
		for (i = 0; i < x->n && !wanted; i++)
			wanted = strcmp(x->v[i].name, name) == 0;
		if (!wanted)
			ppctl_delete(a, name, pol);
	}
}

void
ppctl_run(struct kube_api *a)
{
	struct expansion x;
	struct expand_result *res;
	size_t i, np = store_count(a->store, KIND_PEERING);

	if (a->generated == NULL || !informer_synced(a->generated))
		return;
	memset(&x, 0, sizeof(x));
	res = kube_calloc(np + 1, sizeof(*res));
	expand_all(a->store, &x, res);
	for (i = 0; i < x.n; i++) {
		const struct gensession *g = &x.v[i];
		json_t *o = ppctl_session(a, g->name), *p;
		char *key, *path, *esc;

		if (o == NULL) {
			ppctl_create(a, g);
			continue;
		}
		key = kube_asprintf("BGPSession/%s/create", g->name);
		json_object_del(a->pp_sent, key);	/* shown: done */
		free(key);
		/* A hand-written session of that name wins; leave it be. */
		if (json_object_get(json_object_get(json_object_get(o,
		    "metadata"), "labels"), PPCTL_LABEL) == NULL ||
		    (p = ppctl_drift(o, g)) == NULL)
			continue;
		key = kube_asprintf("BGPSession/%s/spec", g->name);
		esc = kube_http_escape(g->name);
		path = kube_asprintf(KUBE_API_PREFIX "bgpsessions/%s", esc);
		writer_patch(a->writer, key, path, p, json_string_value(
		    json_object_get(json_object_get(o, "metadata"),
		    "resourceVersion")));
		free(key);
		free(esc);
		free(path);
	}
	ppctl_sweep(a, &x, res);
	expansion_free(&x);
	free(res);
}
