/*
 * lease.c: who writes generated BGPSessions: the holder of the
 * coordination.k8s.io/v1 Lease "bgp-peering-policy".
 *
 * client-go's leader-election rules, learnt by watch rather than by
 * polling: a list + watch of that one Lease (field selector on its name)
 * keeps the record last observed and the local monotonic time it last
 * changed. A candidate writes only when the record is free (empty
 * holderIdentity) or has not changed for leaseDurationSeconds by its own
 * clock (clocks of different machines are never compared); a timer set to
 * that instant, or a watch event, decides when to look again. Every write
 * carries the resourceVersion observed, so two candidates cannot both win;
 * the loser of such a race (409) waits for the watch to show the winner
 * instead of retrying. The holder renews every retry period and stops
 * acting as holder once the renew deadline passes without a successful
 * renew, before the Lease can expire for the others. Releasing (shutdown)
 * empties holderIdentity so a candidate takes over on the watch event.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "bgp/log.h"
#include "kube/kube_int.h"

#define LEASE_NAME		"bgp-peering-policy"
#define LEASE_DURATION		15	/* s, written into the Lease */
#define LEASE_RENEW_DEADLINE	10	/* s, < LEASE_DURATION */
#define LEASE_RETRY		2	/* s: renew period, retry after failure */
#define LEASE_BACKOFF_CAP_MS	30000
#define LEASE_JITTER_MS		200

struct lease {
	struct event_base	*base;
	struct kube_http	*http;
	struct informer		*inf;
	char			*ns, *id, *path;
	void			(*changed)(void *, int held);
	void			*arg;
	int			 held;
	long long		 renewed;	/* monotonic ms of our last write */
	json_t			*obj;		/* the Lease last observed */
	char			*rec;		/* its spec, to notice changes */
	long long		 rec_at;	/* when rec last changed, ms */
	char			*sent_rv;	/* version our write was based on */
	char			*conflict_rv;	/* a 409 at this version ("": create) */
	long			 failed;	/* status of the last failure logged */
	struct backoff		 bo;
	struct kube_req		*req;
	struct event		*timer;
	int			 released;	/* 1 releasing, 2 done */
	int			 release_tries;
};

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

static const char *
lease_obj_holder(const json_t *obj)
{
	const char *h = json_string_value(json_object_get(json_object_get(obj,
	    "spec"), "holderIdentity"));

	return h != NULL ? h : "";
}

static const char *
lease_obj_rv(const json_t *obj)
{
	const char *rv = json_string_value(json_object_get(json_object_get(obj,
	    "metadata"), "resourceVersion"));

	return rv != NULL ? rv : "";
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

/* Wake lease_step at a monotonic instant (now when it is past). */
static void
lease_arm_at(struct lease *l, long long at_ms)
{
	long long d = at_ms - kube_now_ms();
	struct timeval tv;

	if (d < 0)
		d = 0;
	tv.tv_sec = d / 1000;
	tv.tv_usec = (d % 1000) * 1000;
	evtimer_add(l->timer, &tv);
}

/* Still ours while the last renew is recent enough, by our own clock. */
static void
lease_check_deadline(struct lease *l, long long now)
{
	if (l->held && now - l->renewed > LEASE_RENEW_DEADLINE * 1000)
		lease_set_held(l, 0);
}

/*
 * A new observation (obj NULL: there is no Lease). The record's age
 * counts from the moment this speaker saw it change.
 */
static void
lease_observe(struct lease *l, json_t *obj)
{
	char *rec = obj ? json_dumps(json_object_get(obj, "spec"),
	    JSON_COMPACT | JSON_SORT_KEYS) : NULL;

	if (rec == NULL || l->rec == NULL || strcmp(rec, l->rec) != 0)
		l->rec_at = kube_now_ms();
	free(l->rec);
	l->rec = rec;
	json_decref(l->obj);
	l->obj = json_incref(obj);
	if (l->held && obj != NULL && strcmp(lease_obj_holder(obj), l->id) != 0)
		lease_set_held(l, 0);
}

static void
lease_failed(struct lease *l, const char *what, long status, const char *err)
{
	unsigned ms = backoff_next(&l->bo, (uint32_t)random());
	char q[300];

	if (status != l->failed)
		log_warn("cannot write the peering-policy Lease", "namespace=%s "
		    "what=%s status=%ld error=%s", l->ns, what, status,
		    log_q(err ? err : "-", q, sizeof(q)));
	l->failed = status;
	/* The holder keeps the renew period: its deadline is near. */
	lease_arm_at(l, kube_now_ms() + (l->held ? LEASE_RETRY * 1000 : ms));
}

static void
lease_write_done(void *arg, long status, const char *body, size_t len,
    const char *err)
{
	struct lease *l = arg;
	json_t *obj;

	l->req = NULL;
	if (status == 200 || status == 201) {
		if ((obj = json_loadb(body, len, 0, NULL)) != NULL)
			lease_observe(l, obj);
		json_decref(obj);
		l->renewed = kube_now_ms();
		l->failed = 0;
		backoff_reset(&l->bo);
		free(l->conflict_rv);
		l->conflict_rv = NULL;
		lease_set_held(l, 1);
		lease_arm_at(l, l->renewed);
		return;
	}
	if (status == 409) {
		/* Someone wrote first: the watch will show what. */
		log_debug("peering-policy Lease written by another first; "
		    "waiting for the watch", "namespace=%s resource_version=%s",
		    l->ns, *l->sent_rv ? l->sent_rv : "-");
		free(l->conflict_rv);
		l->conflict_rv = kube_strdup(l->sent_rv);
		lease_arm_at(l, kube_now_ms());
		return;
	}
	lease_failed(l, l->obj ? "update" : "create", status, err);
}

static json_t *
lease_spec(struct lease *l, const json_t *old)
{
	const json_t *os = json_object_get(old, "spec");
	const char *holder = lease_obj_holder(old);
	json_int_t trans = json_integer_value(json_object_get(os,
	    "leaseTransitions"));
	char now[48];
	json_t *s;

	lease_micro_time(now, sizeof(now));
	s = json_pack("{s:s, s:i, s:s, s:I}", "holderIdentity", l->id,
	    "leaseDurationSeconds", LEASE_DURATION, "renewTime", now,
	    "leaseTransitions", trans);
	if (strcmp(holder, l->id) != 0) {
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
lease_send(struct lease *l, const char *method, const char *path, json_t *obj,
    kube_http_done_cb done)
{
	char *body = json_dumps(obj, JSON_COMPACT);

	free(l->sent_rv);
	l->sent_rv = kube_strdup(lease_obj_rv(obj));
	l->req = kube_http_request(l->http, method, path, body,
	    "application/json", done, l);
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
	    lease_spec(l, NULL)), lease_write_done);
	free(path);
}

/* Acquire or renew: a PUT of the object as observed, its version the guard. */
static void
lease_update(struct lease *l)
{
	json_t *obj = json_deep_copy(l->obj);

	json_object_set_new(obj, "spec", lease_spec(l, l->obj));
	lease_send(l, "PUT", l->path, obj, lease_write_done);
}

/* When a write is due, or 0 now; the holder also wakes at its deadline. */
static long long
lease_due(struct lease *l)
{
	json_int_t dur = json_integer_value(json_object_get(json_object_get(
	    l->obj, "spec"), "leaseDurationSeconds"));
	const char *holder = lease_obj_holder(l->obj);

	if (l->conflict_rv != NULL && strcmp(l->conflict_rv,
	    lease_obj_rv(l->obj)) == 0)
		return -1;	/* nothing new since we lost a race */
	if (l->obj == NULL || *holder == '\0')
		return 0;
	if (strcmp(holder, l->id) == 0)
		return l->held ? l->renewed + LEASE_RETRY * 1000 : 0;
	if (dur <= 0)
		dur = LEASE_DURATION;
	return l->rec_at + dur * 1000 + random() % LEASE_JITTER_MS;
}

static void
lease_step(struct lease *l)
{
	long long now = kube_now_ms(), at;

	if (l->released)
		return;
	lease_check_deadline(l, now);
	if (l->req != NULL || !informer_synced(l->inf)) {
		if (l->held)
			lease_arm_at(l, l->renewed + LEASE_RENEW_DEADLINE *
			    1000 + 1);
		return;
	}
	at = lease_due(l);
	if (at >= 0 && at <= now) {
		if (l->obj == NULL)
			lease_create(l);
		else
			lease_update(l);
		if (l->held)
			lease_arm_at(l, l->renewed + LEASE_RENEW_DEADLINE *
			    1000 + 1);
		return;
	}
	if (l->held && (at < 0 || at > l->renewed + LEASE_RENEW_DEADLINE *
	    1000))
		at = l->renewed + LEASE_RENEW_DEADLINE * 1000 + 1;
	if (at >= 0)
		lease_arm_at(l, at);
}

static void
lease_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	lease_step(arg);
}

/* Runs inside curl's callbacks: only record and schedule, never send. */
static void
lease_watch_cb(void *arg, enum informer_ev ev, json_t *obj)
{
	struct lease *l = arg;
	const char *name = json_string_value(json_object_get(json_object_get(
	    obj, "metadata"), "name"));

	if (ev != INFORMER_SYNCED && (name == NULL || strcmp(name,
	    LEASE_NAME) != 0))
		return;
	if (ev == INFORMER_DELETE)
		lease_observe(l, NULL);
	else if (ev == INFORMER_UPSERT)
		lease_observe(l, obj);
	if (!l->released)
		lease_arm_at(l, 0);
}

struct lease *
lease_new(struct event_base *base, struct kube_http *http, const char *ns,
    const char *id, void (*changed)(void *, int), void *arg)
{
	struct lease *l = kube_calloc(1, sizeof(*l));
	char *coll;

	l->base = base;
	l->http = http;
	l->ns = kube_strdup(ns);
	l->id = kube_strdup(id);
	l->path = kube_asprintf("/apis/coordination.k8s.io/v1/namespaces/%s/"
	    "leases/" LEASE_NAME, ns);
	l->changed = changed;
	l->arg = arg;
	l->bo.base_ms = LEASE_RETRY * 1000;
	l->bo.cap_ms = LEASE_BACKOFF_CAP_MS;
	if ((l->timer = evtimer_new(base, lease_timer_cb, l)) == NULL)
		fatal("%s: cannot create a timer", __func__);
	coll = kube_asprintf("/apis/coordination.k8s.io/v1/namespaces/%s/"
	    "leases", ns);
	l->inf = informer_new_query(base, http, coll, "fieldSelector="
	    "metadata.name%3D" LEASE_NAME, NULL, lease_watch_cb, l);
	free(coll);
	return l;
}

/* Also false past the renew deadline while a renew is still pending. */
int
lease_held(const struct lease *l)
{
	return l != NULL && l->held && kube_now_ms() - l->renewed <=
	    LEASE_RENEW_DEADLINE * 1000;
}

const char *
lease_holder(const struct lease *l)
{
	return l != NULL ? lease_obj_holder(l->obj) : "";
}

static void lease_release_done(void *, long, const char *, size_t,
    const char *);

/* Empty holderIdentity, a 1 s duration: the record a candidate takes. */
static void
lease_release_put(struct lease *l, const json_t *cur)
{
	json_t *obj = json_deep_copy(cur), *spec = json_object_get(obj, "spec");
	char now[48];

	lease_micro_time(now, sizeof(now));
	json_object_set_new(spec, "holderIdentity", json_string(""));
	json_object_set_new(spec, "renewTime", json_string(now));
	json_object_set_new(spec, "leaseDurationSeconds", json_integer(1));
	lease_send(l, "PUT", l->path, obj, lease_release_done);
}

static void
lease_release_get(void *arg, long status, const char *body, size_t len,
    const char *err)
{
	struct lease *l = arg;
	json_t *obj = status == 200 ? json_loadb(body, len, 0, NULL) : NULL;

	l->req = NULL;
	if (obj == NULL || strcmp(lease_obj_holder(obj), l->id) != 0)
		lease_release_done(l, status == 200 ? 0 : status, "", 0, err ?
		    err : "not the holder any more");
	else
		lease_release_put(l, obj);
	json_decref(obj);
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
	/* Our copy was older than the server's (a renew cut short): read. */
	if (status == 409 && l->release_tries++ == 0) {
		l->req = kube_http_request(l->http, "GET", l->path, NULL, NULL,
		    lease_release_get, l);
		return;
	}
	l->released = 2;
	if (status == 200)
		log_info("peering-policy Lease released", "namespace=%s",
		    l->ns);
	else
		log_warn("cannot release the peering-policy Lease; it expires "
		    "by itself", "status=%ld error=%s", status,
		    log_q(err ? err : "-", q, sizeof(q)));
}

/*
 * Give the Lease up, waiting on the loop at most about two seconds:
 * shutdown must not hang on an unreachable server.
 */
void
lease_release(struct lease *l)
{
	long long until = kube_now_ms() + 2000;
	struct timeval tick = { 0, 50000 };

	if (l == NULL || !l->held || l->obj == NULL)
		return;
	evtimer_del(l->timer);
	kube_http_cancel(l->req);
	l->req = NULL;
	l->released = 1;
	l->held = 0;
	lease_release_put(l, l->obj);
	while (l->released != 2 && kube_now_ms() < until) {
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
	informer_free(l->inf);
	event_free(l->timer);
	json_decref(l->obj);
	free(l->rec);
	free(l->conflict_rv);
	free(l->sent_rv);
	free(l->ns);
	free(l->id);
	free(l->path);
	free(l);
}
