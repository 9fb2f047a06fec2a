/*
 * api.c: the API-server source. One informer per kind (for BGPSession,
 * the view of the sessions naming this speaker, sessview.c) feeds the same
 * parse, validation and store as the directory source; after any change
 * (coalesced by a short timer) the model is built by build.c and applied
 * when it differs from the last one. What goes back to the server
 * (finalizers, status) is apisync.c's job, run after each build.
 *
 * Differences from the directory source: nothing is applied until every
 * kind has been listed once (a half-read cluster would tear down peers);
 * a BGPSession that names this speaker is configured only once it carries
 * our finalizer, and leaves the model as soon as it is being deleted (or
 * edited so that it no longer names us: depart.c then takes our finalizer
 * off); sessions of other nodes are not even received;
 * peering policies are not expanded in memory (the Lease holder writes
 * their sessions as objects, see ppctl.c).
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "bgp/log.h"
#include "kube/kube.h"
#include "kube/kube_int.h"

/*
 * Watch events that arrive together (a list, a kubectl apply of several
 * objects) make one build; short, as every change waits this long.
 */
#define API_DEBOUNCE_USEC	10000
/*
 * The periodic resync replays the cache (client-go's resync): every cached
 * object is parsed and reconciled again, and only what differs from the
 * cached objects is written. It does not ask the server: the watches keep
 * the cache current, and a watch that cannot resume (410 Gone) relists.
 * Overridable at build time, to run the tests with a replay every second.
 */
#ifndef API_RESYNC_SEC
#define API_RESYNC_SEC		300
#endif

static const char *
api_meta_str(const json_t *obj, const char *key)
{
	return json_string_value(json_object_get(json_object_get(obj,
	    "metadata"), key));
}

int
api_names_us(const struct kube_api *a, const json_t *obj)
{
	return sessview_names(obj, a->local);
}

json_t *
api_obj(const struct kube_api *a, enum kind_idx k, const char *name)
{
	if (k == KIND_SESSION)
		return sessview_get(a->sess, name);
	return informer_get(a->inf[k], name);
}

json_t *
api_objs(const struct kube_api *a, enum kind_idx k)
{
	if (k == KIND_SESSION)
		return sessview_objects(a->sess);
	return informer_objects(a->inf[k]);
}

static int
api_synced(const struct kube_api *a, enum kind_idx k)
{
	if (k == KIND_SESSION)
		return sessview_synced(a->sess);
	return informer_synced(a->inf[k]);
}

/* A session of ours is configured only under our finalizer. */
static int
api_session_usable(const struct kube_api *a, const json_t *obj)
{
	if (!api_names_us(a, obj))
		return 1;
	if (api_meta_str(obj, "deletionTimestamp") != NULL)
		return 0;
	return patch_has_finalizer(obj, a->fin);
}

static void
api_log_errors(const struct kerrs *errs, const char *kind, const char *name)
{
	char msg[1024], q[1100];

	if (kerr_nfatal(errs) == 0 && errs->n == 0)
		return;
	kerr_join(errs, msg, sizeof(msg));
	log_warn(kerr_nfatal(errs) ? "resource refused; the last valid version "
	    "stays in force" : "resource value dropped", "kind=%s name=%s "
	    "error=%s", kind, name ? name : "-", log_q(msg, q, sizeof(q)));
}

static const char *
api_first_error(const struct kerrs *e)
{
	size_t i;

	for (i = 0; i < e->n; i++)
		if (e->v[i].fatal)
			return e->v[i].msg;
	return "";
}

/* quiet: a replay of an object already seen, refused and reported once. */
static void
api_put(struct kube_api *a, enum kind_idx k, const json_t *obj, int quiet)
{
	struct kobj_version v;
	struct kerrs errs;
	const char *name = api_meta_str(obj, "name");
	char why[200];
	int r;

	memset(&errs, 0, sizeof(errs));
	memset(&v, 0, sizeof(v));
	r = object_parse(obj, &v, &errs, why, sizeof(why));
	if (r != 1 || v.kind == NULL || v.kind->idx != k) {
		if (!quiet)
			api_log_errors(&errs, kind_at(k)->kind, name);
		object_version_clear(&v);
		kerr_clear(&errs);
		return;
	}
	if (kerr_nfatal(&errs) > 0 && !quiet)
		events_post(a->events, kind_at(k)->kind, obj, 1,
		    "InvalidConfig", "Validate", "refused; the last valid version "
		    "stays in force: %s", api_first_error(&errs));
	if (k == KIND_SESSION && !api_session_usable(a, obj))
		store_del(a->store, k, v.name);
	else {
		if (!quiet)
			api_log_errors(&errs, kind_at(k)->kind, v.name);
		store_put(a->store, &v, &errs, NULL, 0);
	}
	object_version_clear(&v);
	kerr_clear(&errs);
}

void
api_dirty(struct kube_api *a)
{
	struct timeval tv = { 0, API_DEBOUNCE_USEC };

	if (a->stopping)
		return;
	if (!evtimer_pending(a->ev_build, NULL))
		evtimer_add(a->ev_build, &tv);
}

/* Runs inside curl's callbacks: only record and schedule, never send. */
static void
api_event(void *arg, enum informer_ev ev, json_t *obj)
{
	struct api_inf *ia = arg;
	const char *name = api_meta_str(obj, "name");

	if (ev == INFORMER_SYNCED)
		api_dirty(ia->a);
	if (name == NULL)
		return;
	if (ev == INFORMER_DELETE)
		store_del(ia->a->store, ia->k, name);
	else
		api_put(ia->a, ia->k, obj, 0);
	/* Still carrying our finalizer: the session lives on elsewhere. */
	if (ia->k == KIND_SESSION && ev == INFORMER_DELETE &&
	    patch_has_finalizer(obj, ia->a->fin))
		depart_add(ia->a->depart, name);
	else if (ia->k == KIND_SESSION)
		depart_forget(ia->a->depart, name);
	api_dirty(ia->a);
}

static void
api_apply(struct kube_api *a)
{
	struct model *m = a->out.model;
	char q[300];

	if (m == NULL) {
		if (strcmp(a->why, a->out.why) != 0)
			log_warn("no configuration to apply", "reason=%s",
			    log_q(a->out.why, q, sizeof(q)));
		snprintf(a->why, sizeof(a->why), "%s", a->out.why);
		return;
	}
	a->why[0] = '\0';
	if (a->applied != NULL && model_equal(a->applied, m))
		return;
	log_info("desired state changed", "source=api peers=%zu "
	    "advertisements=%zu policies=%zu", m->npeers, m->nadverts,
	    m->npolicies);
	model_free(a->applied);
	a->applied = model_dup(m);
	a->cb(a->arg, a->applied);
}

static void
api_build_cb(evutil_socket_t fd, short what, void *arg)
{
	struct kube_api *a = arg;
	double t0 = kstats_clock();
	size_t k;

	(void)fd;
	(void)what;
	ppctl_watch(a);
	for (k = 0; k < KIND_N; k++)
		if (!api_synced(a, (enum kind_idx)k)) {
			snprintf(a->why, sizeof(a->why), "waiting for the first "
			    "list of %s", kind_at((enum kind_idx)k)->plural);
			return;
		}
	build_out_clear(&a->out);
	build_model_opt(a->store, a->local, 0, &a->out);
	api_apply(a);
	apisync_run(a);
	kstats_reconcile(a->stats, kstats_clock() - t0);
}

/* Every cached object through the store again, then one build. */
static void
api_replay(struct kube_api *a)
{
	const char *name;
	json_t *o;
	size_t k;

	for (k = 0; k < KIND_N; k++) {
		if (!api_synced(a, (enum kind_idx)k))
			continue;
		json_object_foreach(api_objs(a, (enum kind_idx)k), name, o)
			api_put(a, (enum kind_idx)k, o, 1);
	}
	api_dirty(a);
}

static void
api_resync_cb(evutil_socket_t fd, short what, void *arg)
{
	struct kube_api *a = arg;

	(void)fd;
	(void)what;
	api_replay(a);
}

void
kube_api_resync(struct kube_api *a)
{
	size_t k;

	for (k = 0; k < KIND_N; k++)
		if (a->inf[k] != NULL)
			informer_resync(a->inf[k]);
	sessview_resync(a->sess);
	if (a->generated != NULL)
		informer_resync(a->generated);
}

/*
 * The writer asks for a recomputation. After a failed write, also forget
 * the views and wishes we believe written, so status that did not get
 * through is recomputed against what the server holds.
 */
static void
api_again(void *arg, int failed)
{
	struct kube_api *a = arg;

	if (failed) {
		json_object_clear(a->views);
		json_object_clear(a->sent);
	}
	api_dirty(a);
}

static int
api_credentials(struct kube_api *a, const struct kube_api_opts *o)
{
	char err[512], q[600];
	int r;

	if (o->kubeconfig != NULL)
		r = kubeconfig_load(o->kubeconfig, &a->kc, err, sizeof(err));
	else
		r = kubeconfig_in_cluster(
		    "/var/run/secrets/kubernetes.io/serviceaccount", &a->kc,
		    err, sizeof(err));
	if (r == -1) {
		log_error("cannot use the API server credentials",
		    "kubeconfig=%s error=%s", o->kubeconfig ? o->kubeconfig :
		    "in-cluster", log_q(err, q, sizeof(q)));
		return -1;
	}
	log_info("API server", "server=%s tls_verify=%s client_cert=%s "
	    "token=%s", a->kc.server, a->kc.insecure ? "no" : "yes",
	    a->kc.cert ? "yes" : "no", a->kc.token || a->kc.token_file ?
	    "yes" : "no");
	return 0;
}

static void
api_lease_changed(void *arg, int held)
{
	(void)held;
	api_dirty(arg);
}

static void
api_start(struct kube_api *a)
{
	struct timeval tv = { API_RESYNC_SEC, 0 };
	char *id;
	size_t k;

	a->stats = kstats_new();
	a->http = kube_http_new(a->base, &a->kc, a->stats);
	a->writer = writer_new(a->base, a->http, api_again, a);
	id = kube_asprintf("%s-%ld", a->local, (long)getpid());
	a->lease = lease_new(a->base, a->http, a->lease_ns, id,
	    api_lease_changed, a);
	a->events = events_new(a->base, a->http, a->local);
	free(id);
	a->ev_build = evtimer_new(a->base, api_build_cb, a);
	a->ev_resync = event_new(a->base, -1, EV_PERSIST, api_resync_cb, a);
	if (a->ev_build == NULL || a->ev_resync == NULL)
		fatal("%s: cannot create a timer", __func__);
	evtimer_add(a->ev_resync, &tv);
	a->depart = depart_new(a->base, a->http, a->local, a->fin, api_again,
	    a);
	for (k = 0; k < KIND_N; k++) {
		char *path = kube_asprintf(KUBE_API_PREFIX "%s",
		    kind_at((enum kind_idx)k)->plural);

		a->ia[k].a = a;
		a->ia[k].k = (enum kind_idx)k;
		if (k == KIND_SESSION)
			a->sess = sessview_new(a->base, a->http, a->local,
			    api_event, &a->ia[k]);
		else
			a->inf[k] = informer_new(a->base, a->http, path,
			    api_event, &a->ia[k]);
		free(path);
	}
}

struct kube_api *
kube_api_new(struct event_base *base, const struct kube_api_opts *o,
    kube_apply_cb cb, void *arg)
{
	struct kube_api *a = kube_calloc(1, sizeof(*a));

	if (api_credentials(a, o) == -1) {
		free(a);
		return NULL;
	}
	srandom((unsigned)time(NULL) ^ (unsigned)getpid());
	a->base = base;
	a->local = kube_strdup(o->local_endpoint);
	a->lease_ns = kube_strdup(o->lease_ns ? o->lease_ns : "default");
	a->unreachable_after = o->unreachable_after ? o->unreachable_after :
	    KUBE_UNREACHABLE_AFTER;
	a->fin = patch_finalizer(o->local_endpoint);
	a->cb = cb;
	a->arg = arg;
	a->originated = o->originated;
	a->store = store_new();
	a->peers = json_object();
	a->views = json_object();
	a->sent = json_object();
	snprintf(a->why, sizeof(a->why), "API server not listed yet");
	api_start(a);
	return a;
}

void
kube_api_free(struct kube_api *a)
{
	long long until;
	size_t k;

	if (a == NULL)
		return;
	/*
	 * The speaker is shut down: the loop turns on only for the endpoint's
	 * last status and the Lease, both in flight at once.
	 */
	a->stopping = 1;
	evtimer_del(a->ev_build);
	until = stop_deadline();
	stop_begin(a);
	lease_release(a->lease);
	stop_wait(a, until);
	lease_free(a->lease);
	for (k = 0; k < KIND_N; k++)
		informer_free(a->inf[k]);
	sessview_free(a->sess);
	ppctl_stop(a);
	depart_free(a->depart);
	writer_free(a->writer);
	events_free(a->events);
	kube_http_free(a->http);
	kstats_free(a->stats);
	if (a->ev_build)
		event_free(a->ev_build);
	if (a->ev_resync)
		event_free(a->ev_resync);
	build_out_clear(&a->out);
	model_free(a->applied);
	store_free(a->store);
	json_decref(a->peers);
	json_decref(a->views);
	json_decref(a->sent);
	kubeconfig_free(&a->kc);
	free(a->local);
	free(a->lease_ns);
	free(a->fin);
	free(a);
}

int
kube_api_loaded(const struct kube_api *a, char *why, size_t len)
{
	if (a->applied != NULL)
		return 1;
	snprintf(why, len, "%s", a->why);
	return 0;
}

json_t *
kube_api_status(struct kube_api *a, const char *kind)
{
	const struct kind_desc *k = kind_find(kind);

	if (k == NULL || a->out.status[k->idx] == NULL)
		return json_array();
	return json_deep_copy(a->out.status[k->idx]);
}

static void
api_peer_event(struct kube_api *a, const char *session, enum bgp_state to,
    const char *reason)
{
	const char *prev = json_string_value(json_object_get(json_object_get(
	    a->peers, session), "state"));
	int was_up = prev != NULL && strcmp(prev, "Established") == 0;
	const json_t *o = sessview_get(a->sess, session);

	if (o == NULL || was_up == (to == BGP_ESTABLISHED))
		return;
	if (to == BGP_ESTABLISHED)
		events_post(a->events, "BGPSession", o, 0, "SessionEstablished",
		    "Connect", "session established (speaker %s)", a->local);
	else
		events_post(a->events, "BGPSession", o, 1, "SessionLost",
		    "Disconnect", "session lost (speaker %s): %s", a->local,
		    reason && *reason ? reason : bgp_state_name(to));
}

void
kube_api_peer_state(struct kube_api *a, const char *session,
    enum bgp_state to, const char *reason)
{
	api_peer_event(a, session, to, reason);
	json_object_set_new(a->peers, session, json_pack("{s:s, s:s}",
	    "state", bgp_state_name(to), "reason", reason ? reason : ""));
	api_dirty(a);
}
