/*
 * event.c: events.k8s.io/v1 Events about our resources (a session came up
 * or went down, a resource was refused), for `kubectl describe` and
 * `kubectl get events`.
 *
 * Events are queued and sent from a timer, never from inside a watch
 * callback. They are rate-limited twice: the same object and reason at
 * most once per EVENT_REPEAT_SEC (a flapping session does not flood the
 * server), and at most EVENT_BURST sends per EVENT_REFILL_SEC overall.
 * An event that cannot be sent is dropped: events are best effort.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "bgp/log.h"
#include "kube/kube_int.h"

#define EVENT_NS		"default"	/* cluster-scoped objects */
#define EVENT_REPEAT_SEC	60
#define EVENT_BURST		10
#define EVENT_REFILL_SEC	6	/* one token back per this */
#define EVENT_QUEUE_MAX		100

struct events {
	struct event_base	*base;
	struct kube_http	*http;
	char			*instance;	/* our endpoint name */
	json_t			*queue;		/* events to send */
	json_t			*last;		/* "kind/name/reason" -> time */
	int			 tokens;
	time_t			 refilled;
	unsigned		 seq;
	size_t			 inflight;
	struct event		*timer;
};

static void
events_micro_time(char *buf, size_t len)
{
	struct timespec ts;
	struct tm tm;
	char s[24];

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(s, sizeof(s), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, len, "%.19s.%06dZ", s, (int)(ts.tv_nsec / 1000) %
	    1000000);
}

static void
events_done(void *arg, long status, const char *body, size_t len,
    const char *err)
{
	struct events *ev = arg;
	char q[300];

	(void)body;
	(void)len;
	ev->inflight--;
	if (status != 201 && status != 200)
		log_debug("event not recorded", "status=%ld error=%s", status,
		    log_q(err ? err : "-", q, sizeof(q)));
}

static void
events_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct events *ev = arg;
	time_t now = time(NULL);
	struct timeval tv = { EVENT_REFILL_SEC, 0 };
	char *body, *path;

	(void)fd;
	(void)what;
	while (ev->tokens < EVENT_BURST && now - ev->refilled >=
	    EVENT_REFILL_SEC) {
		ev->tokens++;
		ev->refilled += EVENT_REFILL_SEC;
	}
	if (ev->tokens >= EVENT_BURST)
		ev->refilled = now;
	path = kube_asprintf("/apis/events.k8s.io/v1/namespaces/%s/events",
	    EVENT_NS);
	while (json_array_size(ev->queue) > 0 && ev->tokens > 0) {
		body = json_dumps(json_array_get(ev->queue, 0), JSON_COMPACT);
		json_array_remove(ev->queue, 0);
		ev->tokens--;
		ev->inflight++;
		kube_http_request(ev->http, "POST", path, body,
		    "application/json", events_done, ev);
		free(body);
	}
	free(path);
	if (json_array_size(ev->queue) > 0)
		evtimer_add(ev->timer, &tv);
}

void
events_post(struct events *ev, const char *kind, const json_t *obj,
    int warning, const char *reason, const char *action, const char *fmt, ...)
{
	const json_t *md = json_object_get(obj, "metadata");
	const char *name = json_string_value(json_object_get(md, "name"));
	struct timeval tv = { 0, 0 };
	char now[48], *key, *note;
	va_list ap;
	json_t *e;

	if (ev == NULL || name == NULL || kind == NULL ||
	    json_array_size(ev->queue) >= EVENT_QUEUE_MAX)
		return;
	key = kube_asprintf("%s/%s/%s", kind, name, reason);
	if (time(NULL) - json_integer_value(json_object_get(ev->last, key)) <
	    EVENT_REPEAT_SEC) {
		free(key);
		return;
	}
	json_object_set_new(ev->last, key, json_integer(time(NULL)));
	free(key);
	va_start(ap, fmt);
	if (vasprintf(&note, fmt, ap) < 0)
		note = NULL;
	va_end(ap);
	events_micro_time(now, sizeof(now));
	e = json_pack("{s:s, s:s, s:{s:s, s:s}, s:s, s:s, s:s, s:s, s:s, "
	    "s:s, s:s, s:{s:s, s:s, s:s, s:O*}}",
	    "apiVersion", "events.k8s.io/v1", "kind", "Event",
	    "metadata", "name", "", "namespace", EVENT_NS,
	    "eventTime", now, "reportingController", "bgp.miloapis.com/bgpd",
	    "reportingInstance", ev->instance, "action", action,
	    "reason", reason, "type", warning ? "Warning" : "Normal",
	    "note", note ? note : "",
	    "regarding", "apiVersion", KUBE_GROUP_VERSION, "kind", kind,
	    "name", name, "uid", json_object_get(md, "uid"));
	free(note);
	/* Unique per speaker and process, as the server wants a name. */
	json_object_set_new(json_object_get(e, "metadata"), "name",
	    json_sprintf("%s.%s.%lx%x", name, ev->instance, (long)time(NULL),
	    ev->seq++));
	json_array_append_new(ev->queue, e);
	if (!evtimer_pending(ev->timer, NULL))
		evtimer_add(ev->timer, &tv);
}

struct events *
events_new(struct event_base *base, struct kube_http *http,
    const char *instance)
{
	struct events *ev = kube_calloc(1, sizeof(*ev));

	ev->base = base;
	ev->http = http;
	ev->instance = kube_strdup(instance);
	ev->queue = json_array();
	ev->last = json_object();
	ev->tokens = EVENT_BURST;
	ev->refilled = time(NULL);
	if ((ev->timer = evtimer_new(base, events_timer_cb, ev)) == NULL)
		fatal("%s: cannot create a timer", __func__);
	return ev;
}

void
events_free(struct events *ev)
{
	if (ev == NULL)
		return;
	event_free(ev->timer);
	json_decref(ev->queue);
	json_decref(ev->last);
	free(ev->instance);
	free(ev);
}
