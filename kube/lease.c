/*
 * lease.c: who writes generated BGPSessions: the holder of the
 * coordination.k8s.io/v1 Lease "bgp-peering-policy".
 *
 * The usual leader-election rules: the holder renews every few seconds;
 * another candidate takes the Lease only when it is free or its record
 * has not changed for leaseDurationSeconds as measured by the candidate's
 * own clock (clocks of different machines are never compared). Every write
 * carries the resourceVersion it read, so two candidates cannot both win.
 * A holder that cannot renew within the renew deadline stops acting as
 * holder before the Lease can expire for the others. Releasing (shutdown)
 * empties holderIdentity so another speaker takes over at once.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "bgp/log.h"
#include "kube/kube_int.h"

#define LEASE_NAME		"bgp-peering-policy"
#define LEASE_DURATION		15
#define LEASE_RENEW_SEC		5
#define LEASE_RETRY_SEC		2
#define LEASE_RENEW_DEADLINE	10	/* < LEASE_DURATION */

struct lease {
	struct event_base	*base;
	struct kube_http	*http;
	char			*ns, *id, *path;
	void			(*changed)(void *, int held);
	void			*arg;
	int			 held;
	long long		 renewed;	/* monotonic ms of our last renew */
	char			*seen;		/* the record last observed */
	long long		 seen_at;	/* when it last changed, ms */
	struct kube_req		*req;
	struct event		*timer;
	int			 released;
};

static long long
lease_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
lease_micro_time(char *buf, size_t len)
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
lease_set_held(struct lease *l, int held)
{
	if (l->held == held)
		return;
	l->held = held;
	if (held)
		log_info("peering-policy Lease acquired; writing generated "
		    "sessions", "namespace=%s holder=%s", l->ns, l->id);
	else
		log_warn("peering-policy Lease lost; no longer writing "
		    "generated sessions", "namespace=%s holder=%s", l->ns,
		    l->id);
	l->changed(l->arg, held);
}

static void
lease_schedule(struct lease *l, int sec)
{
	struct timeval tv = { sec, (random() % 200) * 1000 };

	evtimer_add(l->timer, &tv);
}

/* Still ours when the last renew is recent enough, by our own clock. */
static void
lease_check_deadline(struct lease *l)
{
	if (l->held && lease_now_ms() - l->renewed > LEASE_RENEW_DEADLINE *
	    1000)
		lease_set_held(l, 0);
}

static void
lease_write_done(void *arg, long status, const char *body, size_t len,
    const char *err)
{
	struct lease *l = arg;
	char q[300];

	(void)body;
	(void)len;
	l->req = NULL;
	if (status == 200 || status == 201) {
		l->renewed = lease_now_ms();
		lease_set_held(l, 1);
		lease_schedule(l, LEASE_RENEW_SEC);
		return;
	}
	if (status != 409)
		log_warn("cannot write the peering-policy Lease", "namespace=%s "
		    "status=%ld error=%s", l->ns, status,
		    log_q(err ? err : "-", q, sizeof(q)));
	lease_check_deadline(l);
	lease_schedule(l, LEASE_RETRY_SEC);
}

static json_t *
lease_spec(struct lease *l, const json_t *old)
{
	const json_t *os = json_object_get(old, "spec");
	const char *holder = json_string_value(json_object_get(os,
	    "holderIdentity"));
	json_int_t trans = json_integer_value(json_object_get(os,
	    "leaseTransitions"));
	char now[48];
	json_t *s;

	lease_micro_time(now, sizeof(now));
	s = json_pack("{s:s, s:i, s:s, s:I}", "holderIdentity", l->id,
	    "leaseDurationSeconds", LEASE_DURATION, "renewTime", now,
	    "leaseTransitions", trans);
	if (holder == NULL || strcmp(holder, l->id) != 0) {
		json_object_set_new(s, "acquireTime", json_string(now));
		if (old != NULL)
			json_object_set_new(s, "leaseTransitions",
			    json_integer(trans + 1));
	} else if (json_object_get(os, "acquireTime") != NULL)
		json_object_set(s, "acquireTime", json_object_get(os,
		    "acquireTime"));
	return s;
}

static void
lease_send(struct lease *l, const char *method, const char *path, json_t *obj)
{
	char *body = json_dumps(obj, JSON_COMPACT);

	l->req = kube_http_request(l->http, method, path, body,
	    "application/json", lease_write_done, l);
	free(body);
	json_decref(obj);
}

static void
lease_create(struct lease *l)
{
	char *path = kube_asprintf("/apis/coordination.k8s.io/v1/namespaces/"
	    "%s/leases", l->ns);

	lease_send(l, "POST", path, json_pack("{s:s, s:s, s:{s:s, s:s}, s:o}",
	    "apiVersion", "coordination.k8s.io/v1", "kind", "Lease",
	    "metadata", "name", LEASE_NAME, "namespace", l->ns, "spec",
	    lease_spec(l, NULL)));
	free(path);
}

/* 1 when the record is free or has not changed for a lease duration. */
static int
lease_takeable(struct lease *l, const json_t *obj)
{
	const json_t *spec = json_object_get(obj, "spec");
	const char *holder = json_string_value(json_object_get(spec,
	    "holderIdentity"));
	json_int_t dur = json_integer_value(json_object_get(spec,
	    "leaseDurationSeconds"));
	char *rec = json_dumps(spec, JSON_COMPACT | JSON_SORT_KEYS);

	if (l->seen == NULL || strcmp(l->seen, rec) != 0) {
		free(l->seen);
		l->seen = rec;
		l->seen_at = lease_now_ms();
	} else
		free(rec);
	if (holder == NULL || *holder == '\0' || strcmp(holder, l->id) == 0)
		return 1;
	if (dur <= 0)
		dur = LEASE_DURATION;
	return lease_now_ms() - l->seen_at > dur * 1000;
}

static void
lease_get_done(void *arg, long status, const char *body, size_t len,
    const char *err)
{
	struct lease *l = arg;
	json_t *obj;
	char q[300];

	l->req = NULL;
	if (status == 404) {
		lease_create(l);
		return;
	}
	obj = status == 200 ? json_loadb(body, len, 0, NULL) : NULL;
	if (obj == NULL) {
		log_warn("cannot read the peering-policy Lease", "namespace=%s "
		    "status=%ld error=%s", l->ns, status,
		    log_q(err ? err : "-", q, sizeof(q)));
		lease_check_deadline(l);
		lease_schedule(l, LEASE_RETRY_SEC);
		return;
	}
	if (!lease_takeable(l, obj)) {
		lease_set_held(l, 0);
		json_decref(obj);
		lease_schedule(l, LEASE_RETRY_SEC);
		return;
	}
	/* A PUT of the object as read: its resourceVersion guards the race. */
	json_object_set_new(obj, "spec", lease_spec(l, obj));
	lease_send(l, "PUT", l->path, obj);
}

static void
lease_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct lease *l = arg;

	(void)fd;
	(void)what;
	if (l->req != NULL || l->released)
		return;
	lease_check_deadline(l);
	l->req = kube_http_request(l->http, "GET", l->path, NULL, NULL,
	    lease_get_done, l);
}

struct lease *
lease_new(struct event_base *base, struct kube_http *http, const char *ns,
    const char *id, void (*changed)(void *, int), void *arg)
{
	struct lease *l = kube_calloc(1, sizeof(*l));

	l->base = base;
	l->http = http;
	l->ns = kube_strdup(ns);
	l->id = kube_strdup(id);
	l->path = kube_asprintf("/apis/coordination.k8s.io/v1/namespaces/%s/"
	    "leases/" LEASE_NAME, ns);
	l->changed = changed;
	l->arg = arg;
	if ((l->timer = evtimer_new(base, lease_timer_cb, l)) == NULL)
		fatal("%s: cannot create a timer", __func__);
	lease_schedule(l, 0);
	return l;
}

/* Also false past the renew deadline while a renew is still pending. */
int
lease_held(const struct lease *l)
{
	return l != NULL && l->held && lease_now_ms() - l->renewed <=
	    LEASE_RENEW_DEADLINE * 1000;
}

static void
lease_release_done(void *arg, long status, const char *body, size_t len,
    const char *err)
{
	struct lease *l = arg;
	char q[300];

	(void)body;
	(void)len;
	l->req = NULL;
	l->released = 2;
	if (status == 200)
		log_info("peering-policy Lease released", "namespace=%s",
		    l->ns);
	else
		log_warn("cannot release the peering-policy Lease; it expires "
		    "by itself", "status=%ld error=%s", status,
		    log_q(err ? err : "-", q, sizeof(q)));
}

static void
lease_release_get(void *arg, long status, const char *body, size_t len,
    const char *err)
{
	struct lease *l = arg;
	json_t *obj = status == 200 ? json_loadb(body, len, 0, NULL) : NULL;
	const char *holder = json_string_value(json_object_get(json_object_get(
	    obj, "spec"), "holderIdentity"));
	char now[48], *s;

	l->req = NULL;
	if (holder == NULL || strcmp(holder, l->id) != 0) {
		json_decref(obj);
		lease_release_done(l, status == 200 ? 0 : status, "", 0, err ?
		    err : "not the holder any more");
		return;
	}
	lease_micro_time(now, sizeof(now));
	json_object_set_new(json_object_get(obj, "spec"), "holderIdentity",
	    json_string(""));
	json_object_set_new(json_object_get(obj, "spec"), "renewTime",
	    json_string(now));
	json_object_set_new(json_object_get(obj, "spec"),
	    "leaseDurationSeconds", json_integer(1));
	s = json_dumps(obj, JSON_COMPACT);
	json_decref(obj);
	l->req = kube_http_request(l->http, "PUT", l->path, s,
	    "application/json", lease_release_done, l);
	free(s);
}

/*
 * Give the Lease up, waiting on the loop at most about two seconds:
 * shutdown must not hang on an unreachable server.
 */
void
lease_release(struct lease *l)
{
	long long until = lease_now_ms() + 2000;
	struct timeval tick = { 0, 50000 };

	if (l == NULL || !l->held)
		return;
	evtimer_del(l->timer);
	kube_http_cancel(l->req);
	l->released = 1;
	l->held = 0;
	l->req = kube_http_request(l->http, "GET", l->path, NULL, NULL,
	    lease_release_get, l);
	while (l->released != 2 && lease_now_ms() < until) {
		event_base_loopexit(l->base, &tick);
		event_base_loop(l->base, EVLOOP_ONCE);
	}
}

void
lease_free(struct lease *l)
{
	if (l == NULL)
		return;
	kube_http_cancel(l->req);
	event_free(l->timer);
	free(l->seen);
	free(l->ns);
	free(l->id);
	free(l->path);
	free(l);
}
