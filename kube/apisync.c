/*
 * apisync.c: what the API source writes back after each build.
 *
 * Finalizers: our finalizer goes onto every BGPSession naming our endpoint
 * before it is configured (api.c keeps it out of the store until then),
 * and comes off a deleted one once the peer has left the applied model.
 *
 * Status, one writer per field (the resource API's ownership rules):
 * BGPSession by the local endpoint's speaker, or by the remote one's when
 * the local endpoint shows no SpeakerReady (not run by a bgpd); our own
 * BGPEndpoint; BGPConfiguration, BGPAdvertisement and BGPRoutePolicy by
 * every speaker (an advertisement by the speakers that originate it, with
 * the count their RIB holds), each writing its own view only when that
 * view changes,
 * so speakers whose views differ in detail do not overwrite each other
 * in a loop. BGPPeeringPolicy status belongs to the Lease holder, which
 * also writes the sessions the policies generate (ppctl.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kube/kube_int.h"

static const char *
apisync_meta(const json_t *obj, const char *key)
{
	return json_string_value(json_object_get(json_object_get(obj,
	    "metadata"), key));
}

static char *
apisync_path(enum kind_idx k, const char *name, const char *sub)
{
	char *esc = kube_http_escape(name), *p;

	p = kube_asprintf(KUBE_API_PREFIX "%s/%s%s", kind_at(k)->plural, esc,
	    sub);
	free(esc);
	return p;
}

static void
apisync_finalizers(struct kube_api *a)
{
	json_t *objs = api_objs(a, KIND_SESSION), *o;
	const char *name;

	json_object_foreach(objs, name, o) {
		int has, want;
		char *key, *path;

		/* The view holds sessions naming us; depart.c handles the
		 * ones that stop naming us. */
		want = api_names_us(a, o) &&
		    apisync_meta(o, "deletionTimestamp") == NULL;
		has = patch_has_finalizer(o, a->fin);
		/* Off only once the peer is no longer configured. */
		if (has == want || (!want && a->applied != NULL &&
		    model_find_peer(a->applied, name) != NULL))
			continue;
		key = kube_asprintf("BGPSession/%s/finalizer", name);
		path = apisync_path(KIND_SESSION, name, "");
		writer_patch(a->writer, key, path, patch_finalizers(o, a->fin,
		    want), apisync_meta(o, "resourceVersion"));
		free(key);
		free(path);
	}
}

static int
apisync_has_cond(const json_t *obj, const char *type)
{
	const json_t *c;
	size_t i;

	json_array_foreach(json_object_get(json_object_get(obj, "status"),
	    "conditions"), i, c) {
		const char *t = json_string_value(json_object_get(c, "type"));

		if (t != NULL && strcmp(t, type) == 0)
			return 1;
	}
	return 0;
}

static int
apisync_session_ours(struct kube_api *a, const json_t *o)
{
	const json_t *spec = json_object_get(o, "spec");
	const char *l = json_string_value(json_object_get(spec,
	    "localEndpoint"));
	const char *r = json_string_value(json_object_get(spec,
	    "remoteEndpoint"));
	const json_t *lep;

	if (apisync_meta(o, "deletionTimestamp") != NULL ||
	    !patch_has_finalizer(o, a->fin))
		return 0;
	if (l != NULL && strcmp(l, a->local) == 0)
		return 1;
	if (r == NULL || strcmp(r, a->local) != 0)
		return 0;
	lep = l ? api_obj(a, KIND_ENDPOINT, l) : NULL;
	return lep == NULL || !apisync_has_cond(lep, "SpeakerReady");
}

static void
apisync_established(struct kube_api *a, json_t *want, const char *name,
    int64_t gen)
{
	json_t *p = json_object_get(a->peers, name), *c;
	const char *state = json_string_value(json_object_get(p, "state"));
	const char *reason = json_string_value(json_object_get(p, "reason"));
	int up;

	if (a->applied == NULL || model_find_peer(a->applied, name) == NULL) {
		state = "NotConfigured";
		reason = "the peer is not configured in the speaker";
	} else if (state == NULL)
		state = "Idle";
	up = strcmp(state, "Established") == 0;
	c = json_pack("{s:s, s:s, s:s, s:s, s:I}", "type",
	    "SessionEstablished", "status", up ? "True" : "False", "reason",
	    state, "message", reason && *reason ? reason : up ?
	    "the BGP session is established" : "the BGP session is not "
	    "established", "observedGeneration", (json_int_t)gen);
	json_array_append_new(json_object_get(want, "conditions"), c);
}

/*
 * advertisedPrefixCount: how many of the advertisement's prefixes this
 * speaker really originates, read back from its RIB after the apply (a
 * prefix counts whichever advertisement owns it there, so two
 * advertisements naming one prefix both see it). The status belongs to
 * the speakers that originate the advertisement (it is in their applied
 * model): once applied, each of them holds every valid prefix of it, so
 * they all write the same count and cannot undo each other. A speaker its
 * endpointSelector leaves out, or one without a configuration, originates
 * nothing and writes nothing (a 0 from it would hide the others' count
 * and messages). An advertisement with no valid version is in no model;
 * every speaker writes the same refusal with a count of 0.
 * Returns 0 and the count, or -1: not ours.
 */
static int
apisync_advert_count(struct kube_api *a, const char *name, size_t *count)
{
	const struct kobj *o = store_get(a->store, KIND_ADVERT, name);
	const struct model_advert *ma;

	*count = 0;
	if (o != NULL && o->spec == NULL)
		return 0;
	if (a->applied == NULL ||
	    (ma = model_find_advert(a->applied, name)) == NULL)
		return -1;
	if (a->originated != NULL)
		*count = a->originated(a->arg, ma->prefixes, ma->nprefixes);
	return 0;
}

/* The status this speaker wants on the object, or NULL: not ours. */
static json_t *
apisync_want(struct kube_api *a, enum kind_idx k, const json_t *entry,
    const json_t *o)
{
	const char *name = apisync_meta(o, "name");
	int64_t gen = json_integer_value(json_object_get(json_object_get(o,
	    "metadata"), "generation"));
	size_t count = 0;
	json_t *w;

	if ((k == KIND_PEERING && !lease_held(a->lease)) ||
	    (k == KIND_ENDPOINT &&
	    strcmp(name, a->local) != 0) || (k == KIND_SESSION &&
	    !apisync_session_ours(a, o)) || (k == KIND_ADVERT &&
	    apisync_advert_count(a, name, &count) == -1))
		return NULL;
	/*
	 * A copy: the build's entries are also what the JSON API shows. The
	 * generation goes in each condition only: the schemas have no
	 * status.observedGeneration, the server would drop it, and a field
	 * the object never shows would be sent again at every new version.
	 */
	w = json_pack("{s:o}", "conditions", json_deep_copy(
	    json_object_get(entry, "conditions")));
	if (k == KIND_SESSION)
		apisync_established(a, w, name, gen);
	if (k == KIND_CONFIG && json_object_get(entry, "observedASNumber")) {
		json_object_set(w, "observedASNumber", json_object_get(entry,
		    "observedASNumber"));
		json_object_set(w, "observedRouterID", json_object_get(entry,
		    "observedRouterID"));
	}
	if (k == KIND_PEERING) {
		json_object_set(w, "matchedEndpoints", json_object_get(entry,
		    "matchedEndpoints"));
		json_object_set(w, "activeSessions", json_object_get(entry,
		    "activeSessions"));
	}
	if (k == KIND_ADVERT)
		json_object_set_new(w, "advertisedPrefixCount",
		    json_integer((json_int_t)count));
	return w;
}

static void
apisync_now(char *buf, size_t len)
{
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int
apisync_shared(enum kind_idx k)
{
	return k == KIND_CONFIG || k == KIND_ADVERT || k == KIND_POLICY;
}

/*
 * Whether the view last written (views: {uid, want}) is want on this very
 * object. An object deleted and created again under the same name has
 * another uid and no status: the old view says nothing about it.
 */
static int
apisync_viewed(const json_t *view, const json_t *uid, const json_t *want)
{
	const json_t *vuid = json_object_get(view, "uid");

	if (view == NULL || !json_equal(json_object_get(view, "want"), want))
		return 0;
	return (vuid == NULL || json_is_null(vuid)) ? uid == NULL :
	    uid != NULL && json_equal(vuid, uid);
}

/*
 * Whether want was written from version rv and the watch has not shown
 * the object since. Computed again against that same version, the patch
 * would differ only in lastTransitionTime (the condition is not there
 * yet, so it is stamped now) and be sent again: under load, when the
 * watch lags seconds behind, one write a build, each changing the object
 * and each a watch event for every speaker.
 */
static int
apisync_pending(struct kube_api *a, const char *key, const char *rv,
    const json_t *want)
{
	const json_t *s = json_object_get(a->sent, key);
	const char *srv = json_string_value(json_object_get(s, "rv"));

	return s != NULL && rv != NULL && srv != NULL && strcmp(rv, srv) == 0 &&
	    json_equal(json_object_get(s, "want"), want);
}

static void
apisync_one(struct kube_api *a, enum kind_idx k, const json_t *entry,
    const char *now)
{
	const char *name = json_string_value(json_object_get(entry, "name"));
	json_t *o, *want, *patch, *uid;
	const char *rv;
	char *key, *path;
	int sent;

	if (name == NULL || (o = api_obj(a, k, name)) == NULL ||
	    (want = apisync_want(a, k, entry, o)) == NULL)
		return;
	key = kube_asprintf("%s/%s/status", kind_at(k)->kind, name);
	uid = json_object_get(json_object_get(o, "metadata"), "uid");
	if (apisync_shared(k) && apisync_viewed(json_object_get(a->views, key),
	    uid, want)) {
		json_decref(want);
		free(key);
		return;
	}
	rv = apisync_meta(o, "resourceVersion");
	if (apisync_pending(a, key, rv, want)) {
		json_decref(want);
		free(key);
		return;
	}
	patch = patch_status(json_object_get(o, "status"), want, now);
	sent = 1;
	if (patch == NULL)
		json_object_del(a->sent, key);
	else {
		path = apisync_path(k, name, "/status");
		sent = writer_patch(a->writer, key, path, patch, rv);
		free(path);
		if (sent)
			json_object_set_new(a->sent, key, json_pack("{s:s?, "
			    "s:O}", "rv", rv, "want", want));
	}
	/* A view held back by the writer (pace, back-off) is not written yet:
	 * the writer's call to recompute must find it different. */
	if (apisync_shared(k) && sent)
		json_object_set_new(a->views, key, json_pack("{s:O?, s:O}",
		    "uid", uid, "want", want));
	json_decref(want);
	free(key);
}

void
apisync_run(struct kube_api *a)
{
	char now[32];
	const json_t *e;
	size_t k, i;

	apisync_finalizers(a);
	depart_run(a->depart, a->applied);
	if (lease_held(a->lease))
		ppctl_run(a);
	apisync_now(now, sizeof(now));
	for (k = 0; k < KIND_N; k++)
		json_array_foreach(a->out.status[k], i, e)
			apisync_one(a, (enum kind_idx)k, e, now);
}
