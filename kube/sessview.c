/*
 * sessview.c: the BGPSession objects that name this speaker.
 *
 * Two list+watch streams (informer.c) let the server select them:
 * fieldSelector=spec.localEndpoint=<us> and spec.remoteEndpoint=<us>,
 * the CRD's selectableFields (Kubernetes 1.31 and later), so a speaker of
 * a large mesh neither receives nor keeps the sessions of other nodes.
 * Each stream has its own resourceVersion, relist and back-off; the view
 * is their union by name. An object leaves the view only when no stream
 * holds it any more, so a DELETED on one stream (also the one the server
 * sends when the object stops matching) does not drop what the other
 * stream still shows.
 *
 * When the server refuses the selector (400: an older server, or a CRD
 * without selectableFields), one full list+watch replaces both streams
 * for the life of the view, and the view keeps the sessions naming us.
 */
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "bgp/log.h"
#include "kube/kube_int.h"

#define SV_FIELDS	2

struct sv_stream {
	struct sessview	*v;
	struct informer	*in;
};

struct sessview {
	struct event_base	*base;
	struct kube_http	*http;
	char			*local;
	informer_cb		 cb;
	void			*arg;
	struct sv_stream	 st[SV_FIELDS];
	size_t			 nst;
	int			 fallback;	/* one full stream, filtered */
	int			 reconcile;	/* view predates the full stream */
	json_t			*view;		/* name -> object */
	struct event		*ev_fallback;
};

static void	sv_refused(void *, const char *);

static const char *const sv_fields[SV_FIELDS] = {
	"spec.localEndpoint", "spec.remoteEndpoint"
};

static const char *
sv_name(const json_t *o)
{
	return json_string_value(json_object_get(json_object_get(o,
	    "metadata"), "name"));
}

int
sessview_names(const json_t *obj, const char *endpoint)
{
	const json_t *spec = json_object_get(obj, "spec");
	const char *l = json_string_value(json_object_get(spec,
	    "localEndpoint"));
	const char *r = json_string_value(json_object_get(spec,
	    "remoteEndpoint"));

	return (l && strcmp(l, endpoint) == 0) ||
	    (r && strcmp(r, endpoint) == 0);
}

/* resourceVersions are opaque, but the server's are counters in practice. */
static int
sv_newer(const json_t *a, const json_t *b)
{
	const char *ra = json_string_value(json_object_get(json_object_get(a,
	    "metadata"), "resourceVersion"));
	const char *rb = json_string_value(json_object_get(json_object_get(b,
	    "metadata"), "resourceVersion"));

	if (ra == NULL || rb == NULL || strlen(ra) != strlen(rb))
		return ra != NULL && rb != NULL && strlen(ra) > strlen(rb);
	return strcmp(ra, rb) > 0;
}

/* What a stream other than skip still holds of name (that names us). */
static json_t *
sv_held_elsewhere(const struct sessview *v, size_t skip, const char *name)
{
	json_t *best = NULL, *o;
	size_t i;

	for (i = 0; i < v->nst; i++) {
		if (i == skip || v->st[i].in == NULL ||
		    (o = informer_get(v->st[i].in, name)) == NULL ||
		    !sessview_names(o, v->local))
			continue;
		if (best == NULL || sv_newer(o, best))
			best = o;
	}
	return best;
}

static void
sv_set(struct sessview *v, const char *name, json_t *o)
{
	json_t *cur = json_object_get(v->view, name);

	if (cur != NULL && (cur == o || json_equal(cur, o)))
		return;
	json_object_set(v->view, name, o);
	v->cb(v->arg, INFORMER_UPSERT, o);
}

static void
sv_drop(struct sessview *v, const char *name, json_t *last)
{
	json_t *cur = json_object_get(v->view, name);

	if (cur == NULL)
		return;
	json_incref(cur);
	json_object_del(v->view, name);
	v->cb(v->arg, INFORMER_DELETE, last ? last : cur);
	json_decref(cur);
}

/* After the full stream's first list: what it does not hold is gone. */
static void
sv_reconcile(struct sessview *v)
{
	const char *name;
	json_t *o;
	void *tmp;

	json_object_foreach_safe(v->view, tmp, name, o)
		if (sv_held_elsewhere(v, SV_FIELDS, name) == NULL)
			sv_drop(v, name, NULL);
	v->reconcile = 0;
}

static void
sv_event(void *arg, enum informer_ev ev, json_t *obj)
{
	struct sv_stream *s = arg;
	struct sessview *v = s->v;
	size_t i = (size_t)(s - v->st);
	const char *name = sv_name(obj);
	json_t *other;

	if (ev == INFORMER_SYNCED) {
		if (v->reconcile)
			sv_reconcile(v);
		if (sessview_synced(v))
			v->cb(v->arg, INFORMER_SYNCED, NULL);
		return;
	}
	if (name == NULL)
		return;
	other = sv_held_elsewhere(v, i, name);
	if (ev == INFORMER_UPSERT && sessview_names(obj, v->local))
		sv_set(v, name, other && sv_newer(other, obj) ? other : obj);
	else if (other != NULL)
		sv_set(v, name, other);
	else
		sv_drop(v, name, obj);
}

static void
sv_start(struct sessview *v, size_t i, const char *query)
{
	v->st[i].v = v;
	v->st[i].in = informer_new_query(v->base, v->http, KUBE_API_PREFIX
	    "bgpsessions", query, query ? sv_refused : NULL, sv_event,
	    &v->st[i]);
}

/* Out of the refusing informer's callback: free the streams, start one. */
static void
sv_fallback_cb(evutil_socket_t fd, short what, void *arg)
{
	struct sessview *v = arg;
	size_t i;

	(void)fd;
	(void)what;
	for (i = 0; i < v->nst; i++) {
		informer_free(v->st[i].in);
		v->st[i].in = NULL;
	}
	v->nst = 1;
	v->reconcile = json_object_size(v->view) > 0;
	sv_start(v, 0, NULL);
}

static void
sv_refused(void *arg, const char *msg)
{
	struct sv_stream *s = arg;
	struct sessview *v = s->v;
	struct timeval tv = { 0, 0 };
	char q[300];

	if (v->fallback)
		return;
	v->fallback = 1;
	log_warn("API server refuses BGPSession field selectors; watching "
	    "every session and keeping ours", "reason=%s", log_q(msg, q,
	    sizeof(q)));
	evtimer_add(v->ev_fallback, &tv);
}

struct sessview *
sessview_new(struct event_base *base, struct kube_http *http,
    const char *local, informer_cb cb, void *arg)
{
	struct sessview *v = kube_calloc(1, sizeof(*v));
	size_t i;

	v->base = base;
	v->http = http;
	v->local = kube_strdup(local);
	v->cb = cb;
	v->arg = arg;
	v->view = json_object();
	if ((v->ev_fallback = evtimer_new(base, sv_fallback_cb, v)) == NULL)
		fatal("%s: cannot create a timer", __func__);
	v->nst = SV_FIELDS;
	for (i = 0; i < SV_FIELDS; i++) {
		char *sel = kube_asprintf("%s=%s", sv_fields[i], local);
		char *esc = kube_http_escape(sel);
		char *q = kube_asprintf("fieldSelector=%s", esc);

		sv_start(v, i, q);
		free(q);
		free(esc);
		free(sel);
	}
	return v;
}

void
sessview_free(struct sessview *v)
{
	size_t i;

	if (v == NULL)
		return;
	for (i = 0; i < SV_FIELDS; i++)
		informer_free(v->st[i].in);
	event_free(v->ev_fallback);
	json_decref(v->view);
	free(v->local);
	free(v);
}

int
sessview_synced(const struct sessview *v)
{
	size_t i;

	if (v->reconcile || evtimer_pending(v->ev_fallback, NULL))
		return 0;
	for (i = 0; i < v->nst; i++)
		if (v->st[i].in == NULL || !informer_synced(v->st[i].in))
			return 0;
	return 1;
}

int
sessview_fallback(const struct sessview *v)
{
	return v->fallback;
}

json_t *
sessview_get(const struct sessview *v, const char *name)
{
	return json_object_get(v->view, name);
}

json_t *
sessview_objects(const struct sessview *v)
{
	return v->view;
}

void
sessview_resync(struct sessview *v)
{
	size_t i;

	for (i = 0; i < v->nst; i++)
		if (v->st[i].in != NULL)
			informer_resync(v->st[i].in);
}
