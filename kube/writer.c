/*
 * writer.c: writes to the API server, at most one in flight per object.
 *
 * The caller recomputes what it wants after every change and hands the
 * patch over; the writer decides whether to send it now. A patch equal to
 * the last one sent for the same object version is not sent again (the
 * watch has not shown the write yet). A failed write backs off per object
 * and asks the caller to recompute when the back-off is over, so what is
 * finally sent is always the newest wish, never a stale queued one. A wish
 * that arrived while a write of the same object was in flight is not
 * queued either: the caller is asked to recompute once the write is done.
 * Writes of one object are paced by pace.c: the first few at once, then
 * one every WRITER_MIN_GAP_MS, so a flapping session costs the server one
 * write a second, not one a flap, while a new object's status is not held
 * back.
 *
 * A 409 Conflict on a write that carries a resourceVersion (a finalizer
 * list) is the normal race of two speakers editing the same object, not a
 * failure: it is retried as soon as the caller recomputes from a newer
 * version (the watch shows it within milliseconds), without back-off. The
 * same stale version is not sent again for WRITER_STALE_MS, in case the
 * watch is slow to show the newer one. Likewise a create or delete that
 * went through is not repeated for WRITER_STALE_MS, while the watch may
 * not show it yet.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "bgp/log.h"
#include "kube/kube_int.h"

#define WRITER_BACKOFF_BASE_MS	500
#define WRITER_BACKOFF_CAP_MS	30000
#define WRITER_MIN_GAP_MS	1000	/* between writes of one object */
/*
 * Writes of one object let through at once: a new session passes through
 * up to six FSM states on its way up, each a status write.
 */
#define WRITER_BURST		8
#define WRITER_STALE_MS		1000	/* a version that got 409, not resent */

struct writer {
	struct event_base	*base;
	struct kube_http	*http;
	void			(*again)(void *, int failed);
	void			*arg;
	/* key -> {"inflight", "rv", "patch", "due", "bo"} */
	json_t			*keys;
	size_t			 inflight;
	struct writer_req	*reqs;
	struct event		*timer;		/* back-off over */
	struct event		*pace;		/* a token or a stale hold is due */
	json_int_t		 pace_due;	/* when pace fires (ms), if pending */
};

struct writer_req {
	struct writer		*w;
	char			*key;
	struct kube_req		*req;
	struct writer_req	*prev, *next;
};

static void
writer_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct writer *w = arg;

	(void)fd;
	(void)what;
	w->again(w->arg, 1);
}

static void
writer_pace_cb(evutil_socket_t fd, short what, void *arg)
{
	struct writer *w = arg;

	(void)fd;
	(void)what;
	w->again(w->arg, 0);
}

/* Ask the caller again in ms (one timer for every key: the earliest). */
static void
writer_wake(struct writer *w, json_int_t ms)
{
	json_int_t due = kube_now_ms() + ms;
	struct timeval tv;

	if (evtimer_pending(w->pace, NULL) && w->pace_due <= due)
		return;
	tv.tv_sec = (time_t)(ms / 1000);
	tv.tv_usec = (suseconds_t)(ms % 1000) * 1000;
	w->pace_due = due;
	evtimer_add(w->pace, &tv);
}

/* 1 when key has no write token left; the pace timer asks again. */
static int
writer_paced(struct writer *w, json_t *k)
{
	static const struct pace p = { WRITER_BURST, WRITER_MIN_GAP_MS };
	struct pace_state st;
	long long wait;

	st.started = json_object_get(k, "tokens") != NULL;
	st.tokens = json_integer_value(json_object_get(k, "tokens"));
	st.at = json_integer_value(json_object_get(k, "tok_at"));
	wait = pace_take(&p, &st, kube_now_ms());
	json_object_set_new(k, "tokens", json_integer(st.tokens));
	json_object_set_new(k, "tok_at", json_integer(st.at));
	if (wait == 0)
		return 0;
	writer_wake(w, wait);
	return 1;
}

/*
 * A create or delete that went through is not sent again while the watch
 * may not show it yet (a build in between would repeat it); after that the
 * key is forgotten, so the same request can be made again. 1: forgotten.
 */
static int
writer_forget(struct writer *w, json_t *k)
{
	json_t *until = json_object_get(k, "done_until");
	json_int_t left;

	if (until == NULL)
		return 0;
	left = json_integer_value(until) - kube_now_ms();
	if (left <= 0)
		return 1;
	writer_wake(w, left);
	return 0;
}

/* 1 while rv is the version that just got 409: the watch brings a newer. */
static int
writer_stale(struct writer *w, json_t *k, const json_t *rv)
{
	json_int_t left = json_integer_value(json_object_get(k, "stale_until")) -
	    kube_now_ms();

	if (!json_is_string(rv) || left <= 0 ||
	    !json_equal(json_object_get(k, "stale_rv"), rv))
		return 0;
	writer_wake(w, left);
	return 1;
}

static void
writer_failed(struct writer *w, json_t *k, const char *key, long status,
    const char *err)
{
	struct backoff bo = { WRITER_BACKOFF_BASE_MS, WRITER_BACKOFF_CAP_MS,
	    (unsigned)json_integer_value(json_object_get(k, "bo")) };
	unsigned ms = backoff_next(&bo, (uint32_t)random());
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };
	char q[300];

	log_warn("API server write failed; retrying", "object=%s status=%ld "
	    "error=%s retry_ms=%u", key, status,
	    log_q(err ? err : "-", q, sizeof(q)), ms);
	json_object_set_new(k, "bo", json_integer(bo.cur_ms));
	json_object_set_new(k, "due", json_integer(kube_now_ms() + ms));
	json_object_del(k, "patch");
	evtimer_add(w->timer, &tv);
}

static void
writer_unlink(struct writer *w, struct writer_req *r)
{
	if (r->prev)
		r->prev->next = r->next;
	else
		w->reqs = r->next;
	if (r->next)
		r->next->prev = r->prev;
	w->inflight--;
}

static void
writer_done(void *arg, long status, const char *body, size_t len,
    const char *err)
{
	struct writer_req *r = arg;
	struct writer *w = r->w;
	json_t *k = json_object_get(w->keys, r->key);

	int dropped = json_is_true(json_object_get(k, "dropped"));

	(void)body;
	(void)len;
	writer_unlink(w, r);
	json_object_del(k, "inflight");
	json_object_del(k, "dropped");
	if (status >= 200 && status < 300 && json_is_null(json_object_get(k,
	    "rv"))) {
		/* No version to wait for (create, delete): forgotten once the
		 * watch has had time to show it. */
		json_object_set_new(k, "done_until", json_integer(
		    kube_now_ms() + WRITER_STALE_MS));
	} else if (status >= 200 && status < 300) {
		json_object_del(k, "bo");
		json_object_del(k, "due");
	} else if (status == 404) {
		json_object_del(w->keys, r->key);	/* gone: nothing to do */
	} else if (status == 409 && strstr(r->key, "/create") != NULL) {
		/* Exists: the watch shows it. */
		json_object_set_new(k, "done_until", json_integer(
		    kube_now_ms() + WRITER_STALE_MS));
	} else if (status == 409) {
		/* Stale resourceVersion: retry from the version the watch
		 * brings, at once. */
		json_object_set(k, "stale_rv", json_object_get(k, "rv"));
		json_object_set_new(k, "stale_until", json_integer(
		    kube_now_ms() + WRITER_STALE_MS));
		json_object_del(k, "patch");
		log_debug("API server write conflict; retrying from the newer "
		    "version", "object=%s", r->key);
		dropped = 1;
	} else {
		writer_failed(w, k, r->key, status, err);
		dropped = 0;	/* the back-off timer asks again */
	}
	/* A newer wish came while this write was in flight. */
	if (dropped)
		w->again(w->arg, 0);
	free(r->key);
	free(r);
}

int
writer_patch(struct writer *w, const char *key, const char *path,
    json_t *patch, const char *rv)
{
	return writer_send(w, key, "PATCH", path, patch,
	    "application/merge-patch+json", rv);
}

/*
 * 1: the wish is sent, or equals the one sent. 0: held back (in flight,
 * back-off, pace); the caller is asked to recompute later and must not
 * take it as written.
 */
int
writer_send(struct writer *w, const char *key, const char *method,
    const char *path, json_t *patch, const char *ctype, const char *rv)
{
	json_t *k = json_object_get(w->keys, key), *jrv;
	struct writer_req *r;
	char *body;
	int same;

	if (k != NULL && writer_forget(w, k)) {
		json_object_del(w->keys, key);
		k = NULL;
	}
	if (k == NULL) {
		k = json_object();
		json_object_set_new(w->keys, key, k);
	}
	jrv = rv ? json_string(rv) : json_null();
	same = json_equal(json_object_get(k, "patch"), patch) &&
	    json_equal(json_object_get(k, "rv"), jrv);
	if (!same && json_is_true(json_object_get(k, "inflight")))
		json_object_set_new(k, "dropped", json_true());
	if (same || json_is_true(json_object_get(k, "inflight")) ||
	    json_integer_value(json_object_get(k, "due")) > kube_now_ms() ||
	    writer_stale(w, k, jrv) || writer_paced(w, k)) {
		json_decref(jrv);
		json_decref(patch);
		return same;
	}
	body = patch ? json_dumps(patch, JSON_COMPACT) : NULL;
	log_debug("API server write", "object=%s method=%s rv=%s", key, method,
	    rv ? rv : "-");
	json_object_set_new(k, "patch", patch ? patch : json_null());
	json_object_set_new(k, "rv", jrv);
	json_object_set_new(k, "inflight", json_true());
	r = kube_calloc(1, sizeof(*r));
	r->w = w;
	r->key = kube_strdup(key);
	w->inflight++;
	r->next = w->reqs;
	if (w->reqs)
		w->reqs->prev = r;
	w->reqs = r;
	r->req = kube_http_request(w->http, method, path, body, ctype,
	    writer_done, r);
	free(body);
	return 1;
}

struct writer *
writer_new(struct event_base *base, struct kube_http *http,
    void (*again)(void *, int), void *arg)
{
	struct writer *w = kube_calloc(1, sizeof(*w));

	w->base = base;
	w->http = http;
	w->again = again;
	w->arg = arg;
	w->keys = json_object();
	w->timer = evtimer_new(base, writer_timer_cb, w);
	w->pace = evtimer_new(base, writer_pace_cb, w);
	if (w->timer == NULL || w->pace == NULL)
		fatal("%s: cannot create a timer", __func__);
	return w;
}

size_t
writer_inflight(const struct writer *w)
{
	return w->inflight;
}

void
writer_free(struct writer *w)
{
	if (w == NULL)
		return;
	while (w->reqs != NULL) {
		struct writer_req *r = w->reqs;

		writer_unlink(w, r);
		kube_http_cancel(r->req);
		free(r->key);
		free(r);
	}
	event_free(w->timer);
	event_free(w->pace);
	json_decref(w->keys);
	free(w);
}
