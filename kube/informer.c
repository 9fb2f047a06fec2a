/*
 * informer.c: one kind's objects kept in step with the API server.
 *
 * List (paged with limit/continue), then watch from the list's
 * resourceVersion with bookmarks; when a watch ends, watch again from the
 * last resourceVersion seen. When that version is too old (410 Gone, as an
 * HTTP status or as an ERROR event) list again and diff the new list
 * against the cache, so objects deleted meanwhile are reported deleted.
 * Failures back off exponentially with jitter. Objects are cached by name;
 * every change goes to the owner's callback, and the end of each complete
 * list too. A query (a label or field selector) narrows both the list and
 * the watch; the cache then holds what matches, and an object that stops
 * matching arrives as DELETED. A 400 to a list with a query (a selector
 * the server does not support) is no reason to retry: the informer stops
 * and tells the owner, who chooses another way.
 */
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "bgp/log.h"
#include "kube/kube_int.h"

#ifndef INF_PAGE
#define INF_PAGE		500	/* objects per list page */
#endif
#define INF_WATCH_SECONDS	300
#define INF_BACKOFF_BASE_MS	500
#define INF_BACKOFF_CAP_MS	30000

enum inf_phase { INF_IDLE, INF_LISTING, INF_WATCHING };

struct informer {
	struct event_base	*base;
	struct kube_http	*http;
	char			*path;
	char			*query;		/* "&fieldSelector=...", or "" */
	informer_cb		 cb;
	informer_refused_cb	 refused;
	void			*arg;
	json_t			*cache;		/* name -> object */
	json_t			*pending;	/* the list being read */
	char			*rv;		/* last resourceVersion seen */
	char			*cont;		/* list continue token */
	int			 synced;
	int			 relist;	/* the watch asked for a relist */
	int			 stopped;	/* the server refused the query */
	enum inf_phase		 phase;
	struct kube_req		*req;
	struct backoff		 bo;
	struct event		*retry;
};

static void informer_list(struct informer *);
static void informer_watch(struct informer *);

static const char *
informer_name(const json_t *o)
{
	return json_string_value(json_object_get(json_object_get(o,
	    "metadata"), "name"));
}

static const char *
informer_obj_rv(const json_t *o)
{
	return json_string_value(json_object_get(json_object_get(o,
	    "metadata"), "resourceVersion"));
}

static void
informer_set_rv(struct informer *in, const char *rv)
{
	if (rv == NULL)
		return;
	free(in->rv);
	in->rv = kube_strdup(rv);
}

static void
informer_retry_cb(evutil_socket_t fd, short what, void *arg)
{
	struct informer *in = arg;

	(void)fd;
	(void)what;
	if (in->rv == NULL || in->relist || !in->synced)
		informer_list(in);
	else
		informer_watch(in);
}

static void
informer_later(struct informer *in, const char *why, long status,
    const char *err)
{
	unsigned ms = backoff_next(&in->bo, (uint32_t)random());
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };
	char q[300];

	log_warn("API server request failed; retrying", "path=%s status=%ld "
	    "what=%s error=%s retry_ms=%u", in->path, status, why,
	    log_q(err ? err : "-", q, sizeof(q)), ms);
	in->phase = INF_IDLE;
	evtimer_add(in->retry, &tv);
}

/* A complete list in pending: report what changed against the cache. */
static void
informer_diff(struct informer *in)
{
	const char *name;
	json_t *o, *old;
	void *tmp;

	json_object_foreach_safe(in->cache, tmp, name, old)
		if (json_object_get(in->pending, name) == NULL) {
			json_incref(old);
			json_object_del(in->cache, name);
			in->cb(in->arg, INFORMER_DELETE, old);
			json_decref(old);
		}
	json_object_foreach(in->pending, name, o) {
		old = json_object_get(in->cache, name);
		if (old != NULL && json_equal(old, o))
			continue;
		json_object_set(in->cache, name, o);
		in->cb(in->arg, INFORMER_UPSERT, o);
	}
	json_decref(in->pending);
	in->pending = NULL;
	in->synced = 1;
	in->relist = 0;
	in->cb(in->arg, INFORMER_SYNCED, NULL);
}

static void
informer_list_done(struct informer *in)
{
	informer_diff(in);
	backoff_reset(&in->bo);
	informer_watch(in);
}

/*
 * The server does not serve this kind (its CRD is not installed): the
 * kind is empty rather than a reason to apply nothing; ask again later.
 */
static void
informer_not_served(struct informer *in)
{
	unsigned ms = backoff_next(&in->bo, (uint32_t)random());
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

	if (!in->synced || json_object_size(in->cache) > 0)
		log_warn("resource type not served by the API server; taken "
		    "as empty", "path=%s", in->path);
	json_object_clear(in->pending);
	informer_diff(in);
	in->phase = INF_IDLE;
	free(in->rv);
	in->rv = NULL;
	evtimer_add(in->retry, &tv);
}

/* The owner may free the informer from its refused callback. */
static void
informer_stop(struct informer *in, const char *body, size_t len)
{
	json_t *st = json_loadb(body, len, 0, NULL);
	const char *msg = json_string_value(json_object_get(st, "message"));
	char *m = kube_strdup(msg ? msg : "400 Bad Request");

	json_decref(st);
	in->phase = INF_IDLE;
	in->stopped = 1;
	json_decref(in->pending);
	in->pending = NULL;
	in->refused(in->arg, m);
	free(m);
}

static void
informer_list_cb(void *arg, long status, const char *body, size_t len,
    const char *err)
{
	struct informer *in = arg;
	json_t *doc, *item, *md;
	const char *c;
	size_t i;

	in->req = NULL;
	if (status == 404 && in->cont == NULL) {
		informer_not_served(in);
		return;
	}
	if (status == 400 && *in->query != '\0' && in->refused != NULL) {
		informer_stop(in, body, len);
		return;
	}
	if (status != 200) {
		/* An expired continue token: start the list over. */
		free(in->cont);
		in->cont = NULL;
		informer_later(in, "list", status, err);
		return;
	}
	doc = json_loadb(body, len, 0, NULL);
	md = json_object_get(doc, "metadata");
	if (!json_is_array(json_object_get(doc, "items"))) {
		json_decref(doc);
		informer_later(in, "list", status, "not a list");
		return;
	}
	json_array_foreach(json_object_get(doc, "items"), i, item)
		if (informer_name(item) != NULL)
			json_object_set(in->pending, informer_name(item), item);
	free(in->cont);
	in->cont = NULL;
	c = json_string_value(json_object_get(md, "continue"));
	if (c != NULL && *c != '\0') {
		in->cont = kube_strdup(c);
		json_decref(doc);
		informer_list(in);
		return;
	}
	informer_set_rv(in, json_string_value(json_object_get(md,
	    "resourceVersion")));
	json_decref(doc);
	informer_list_done(in);
}

static void
informer_list(struct informer *in)
{
	char *path, *esc = NULL;

	if (in->cont == NULL) {
		json_decref(in->pending);
		in->pending = json_object();
	} else
		esc = kube_http_escape(in->cont);
	path = kube_asprintf("%s?limit=%d%s%s%s", in->path, INF_PAGE,
	    in->query, esc ? "&continue=" : "", esc ? esc : "");
	in->phase = INF_LISTING;
	in->req = kube_http_request(in->http, "GET", path, NULL, NULL,
	    informer_list_cb, in);
	free(path);
	free(esc);
}

/* 1 when the ERROR event says the resourceVersion is gone. */
static int
informer_gone(const json_t *status)
{
	json_int_t code = json_integer_value(json_object_get(status, "code"));
	const char *reason = json_string_value(json_object_get(status,
	    "reason"));

	return code == 410 || (reason && (strcmp(reason, "Expired") == 0 ||
	    strcmp(reason, "Gone") == 0));
}

static int
informer_line(void *arg, const char *line, size_t len)
{
	struct informer *in = arg;
	json_t *ev = json_loadb(line, len, 0, NULL), *o, *old;
	const char *type, *name;

	type = json_string_value(json_object_get(ev, "type"));
	o = json_object_get(ev, "object");
	if (type == NULL || !json_is_object(o)) {
		log_warn("watch event not understood; ignored", "path=%s",
		    in->path);
		json_decref(ev);
		return 0;
	}
	if (strcmp(type, "ERROR") == 0) {
		in->relist = informer_gone(o);
		if (!in->relist)
			log_warn("watch error", "path=%s message=%s", in->path,
			    json_string_value(json_object_get(o, "message")));
		json_decref(ev);
		return -1;
	}
	informer_set_rv(in, informer_obj_rv(o));
	name = informer_name(o);
	if (strcmp(type, "BOOKMARK") == 0 || name == NULL)
		;
	else if (strcmp(type, "DELETED") == 0) {
		if ((old = json_object_get(in->cache, name)) != NULL) {
			json_object_del(in->cache, name);
			in->cb(in->arg, INFORMER_DELETE, o);
		}
	} else if (strcmp(type, "ADDED") == 0 ||
	    strcmp(type, "MODIFIED") == 0) {
		json_object_set(in->cache, name, o);
		in->cb(in->arg, INFORMER_UPSERT, o);
	}
	json_decref(ev);
	return 0;
}

static void
informer_watch_cb(void *arg, long status, const char *body, size_t len,
    const char *err)
{
	struct informer *in = arg;

	(void)body;
	(void)len;
	in->req = NULL;
	in->phase = INF_IDLE;
	kstats_watch_ended(kube_http_stats(in->http), in->path,
	    status == 410 || in->relist);
	if (status == 410 || in->relist) {
		log_info("watch too old; listing again", "path=%s", in->path);
		in->relist = 1;
		informer_list(in);
	} else if (status == 200) {
		/* The server's timeout, or a proxy's: resume where we were. */
		backoff_reset(&in->bo);
		informer_watch(in);
	} else
		informer_later(in, "watch", status, err);
}

static void
informer_watch(struct informer *in)
{
	char *path, *rv = kube_http_escape(in->rv ? in->rv : "");

	path = kube_asprintf("%s?watch=1&allowWatchBookmarks=true&"
	    "resourceVersion=%s&timeoutSeconds=%ld%s", in->path, rv,
	    INF_WATCH_SECONDS + random() % 60, in->query);
	in->phase = INF_WATCHING;
	in->req = kube_http_stream(in->http, path, informer_line,
	    informer_watch_cb, in);
	free(path);
	free(rv);
}

struct informer *
informer_new(struct event_base *base, struct kube_http *http, const char *path,
    informer_cb cb, void *arg)
{
	return informer_new_query(base, http, path, NULL, NULL, cb, arg);
}

struct informer *
informer_new_query(struct event_base *base, struct kube_http *http,
    const char *path, const char *query, informer_refused_cb refused,
    informer_cb cb, void *arg)
{
	struct informer *in = kube_calloc(1, sizeof(*in));

	in->base = base;
	in->http = http;
	in->path = kube_strdup(path);
	in->query = query ? kube_asprintf("&%s", query) : kube_strdup("");
	in->refused = refused;
	in->cb = cb;
	in->arg = arg;
	in->cache = json_object();
	in->bo.base_ms = INF_BACKOFF_BASE_MS;
	in->bo.cap_ms = INF_BACKOFF_CAP_MS;
	if ((in->retry = evtimer_new(base, informer_retry_cb, in)) == NULL)
		fatal("%s: cannot create a timer", __func__);
	informer_list(in);
	return in;
}

void
informer_resync(struct informer *in)
{
	if (in->phase == INF_LISTING || in->stopped)
		return;
	kube_http_cancel(in->req);
	in->req = NULL;
	evtimer_del(in->retry);
	free(in->cont);
	in->cont = NULL;
	informer_list(in);
}

void
informer_free(struct informer *in)
{
	if (in == NULL)
		return;
	kube_http_cancel(in->req);
	event_free(in->retry);
	json_decref(in->cache);
	json_decref(in->pending);
	free(in->path);
	free(in->query);
	free(in->rv);
	free(in->cont);
	free(in);
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

json_t *
informer_objects(const struct informer *in)
{
	return in->cache;
}
