/*
 * kstats.c: what the API-server source counts about its own traffic, for
 * /metrics and /readyz: requests by Kubernetes verb and HTTP status, watch
 * restarts and relists by resource, the duration of each reconcile (build,
 * apply, write-back), and whether the server has been answering.
 *
 * The server is unreachable from the first failed request (no response, a
 * 5xx or a 429) after its last answer until the next answer. Any other
 * response is an answer, a 4xx included (the server spoke), and so is
 * every line a watch stream delivers, bookmarks included. Timing from the
 * first failure rather than from the last answer keeps a quiet but healthy
 * period out of the count.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kube/kube_int.h"

const double kube_reconcile_bounds[KUBE_RECONCILE_NBUCKETS] = {
	0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
	1, 2.5
};

struct kstats {
	struct kube_req_count	*req;
	size_t			 nreq;
	struct kube_watch_count	*watch;
	size_t			 nwatch;
	uint64_t		 bucket[KUBE_RECONCILE_NBUCKETS];
	uint64_t		 count;
	double			 sum;
	int			 down;		/* failing since down_since */
	double			 down_since;
	char			 err[256];
};

struct kstats *
kstats_new(void)
{
	return kube_calloc(1, sizeof(struct kstats));
}

void
kstats_free(struct kstats *ks)
{
	if (ks == NULL)
		return;
	free(ks->req);
	free(ks->watch);
	free(ks);
}

double
kstats_clock(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * Split an API path (query ignored) the way the server routes it:
 * /apis/GROUP/VERSION or /api/VERSION, an optional watch/ (the old watch
 * paths), an optional namespaces/NS, then RESOURCE[/NAME[/SUBRESOURCE]].
 * Returns the resource's length (0: no resource, e.g. discovery) with its
 * start in *res; *named says whether a name follows it.
 */
static size_t
kstats_parse(const char *path, const char **res, int *named, int *watch)
{
	const char *seg[8];
	size_t len[8], n = 0, skip, end = strcspn(path, "?");
	const char *p = path, *stop = path + end;

	*named = *watch = 0;
	while (p < stop && n < 8) {
		while (p < stop && *p == '/')
			p++;
		if (p == stop)
			break;
		seg[n] = p;
		len[n] = strcspn(p, "/?");
		p += len[n++];
	}
	if (n > 0 && len[0] == 4 && strncmp(seg[0], "apis", 4) == 0)
		skip = 3;
	else if (n > 0 && len[0] == 3 && strncmp(seg[0], "api", 3) == 0)
		skip = 2;
	else
		return 0;
	if (n > skip && len[skip] == 5 && strncmp(seg[skip], "watch", 5) == 0) {
		*watch = 1;
		skip++;
	}
	if (n >= skip + 3 && len[skip] == 10 &&
	    strncmp(seg[skip], "namespaces", 10) == 0)
		skip += 2;
	if (n <= skip)
		return 0;
	*res = seg[skip];
	*named = n > skip + 1;
	return len[skip];
}

static int
kstats_query_watch(const char *path)
{
	const char *q = strchr(path, '?');

	return q != NULL && (strstr(q, "watch=1") != NULL ||
	    strstr(q, "watch=true") != NULL);
}

const char *
kstats_verb(const char *method, const char *path, int stream)
{
	const char *res;
	int named, watch;
	size_t n = kstats_parse(path, &res, &named, &watch);

	if (strcmp(method, "GET") == 0) {
		if (stream || watch || kstats_query_watch(path))
			return "watch";
		return n > 0 && !named ? "list" : "get";
	}
	if (strcmp(method, "POST") == 0)
		return "create";
	if (strcmp(method, "PUT") == 0)
		return "update";
	if (strcmp(method, "PATCH") == 0)
		return "patch";
	if (strcmp(method, "DELETE") == 0)
		return n > 0 && !named ? "deletecollection" : "delete";
	return "other";
}

static struct kube_req_count *
kstats_req_slot(struct kstats *ks, const char *verb, int code)
{
	size_t i;

	for (i = 0; i < ks->nreq; i++)
		if (ks->req[i].code == code &&
		    strcmp(ks->req[i].verb, verb) == 0)
			return &ks->req[i];
	ks->req = kube_reallocarray(ks->req, ks->nreq + 1, sizeof(*ks->req));
	ks->req[ks->nreq] = (struct kube_req_count){ verb, code, 0 };
	return &ks->req[ks->nreq++];
}

void
kstats_request(struct kstats *ks, const char *verb, long status,
    const char *err, double now)
{
	/* Anything outside the HTTP range is a failure to get an answer. */
	int code = status >= 100 && status <= 599 ? (int)status : 0;

	if (ks == NULL)
		return;
	kstats_req_slot(ks, verb, code)->n++;
	if (code != 0 && code != 429 && code < 500) {
		ks->down = 0;
		return;
	}
	if (!ks->down) {
		ks->down = 1;
		ks->down_since = now;
	}
	if (code != 0)
		snprintf(ks->err, sizeof(ks->err), "%s answered HTTP %d",
		    verb, code);
	else
		snprintf(ks->err, sizeof(ks->err), "%s: %s", verb,
		    err != NULL && *err != '\0' ? err : "no response");
}

void
kstats_alive(struct kstats *ks)
{
	if (ks != NULL)
		ks->down = 0;
}

static struct kube_watch_count *
kstats_watch_slot(struct kstats *ks, const char *path)
{
	const char *res = "";
	int named, watch;
	size_t n = kstats_parse(path, &res, &named, &watch), i;
	char name[sizeof(ks->watch->resource)];

	snprintf(name, sizeof(name), "%.*s", (int)n, res);
	for (i = 0; i < ks->nwatch; i++)
		if (strcmp(ks->watch[i].resource, name) == 0)
			return &ks->watch[i];
	ks->watch = kube_reallocarray(ks->watch, ks->nwatch + 1,
	    sizeof(*ks->watch));
	memset(&ks->watch[ks->nwatch], 0, sizeof(*ks->watch));
	memcpy(ks->watch[ks->nwatch].resource, name, sizeof(name));
	return &ks->watch[ks->nwatch++];
}

void
kstats_watch_started(struct kstats *ks, const char *path)
{
	if (ks != NULL)
		(void)kstats_watch_slot(ks, path);
}

void
kstats_watch_ended(struct kstats *ks, const char *path, int relist)
{
	struct kube_watch_count *w;

	if (ks == NULL)
		return;
	w = kstats_watch_slot(ks, path);
	w->restarts++;
	if (relist)
		w->relists++;
}

void
kstats_reconcile(struct kstats *ks, double seconds)
{
	size_t i;

	if (ks == NULL)
		return;
	for (i = 0; i < KUBE_RECONCILE_NBUCKETS; i++)
		if (seconds <= kube_reconcile_bounds[i]) {
			ks->bucket[i]++;
			break;
		}
	ks->count++;
	ks->sum += seconds;
}

double
kstats_down(const struct kstats *ks, double now, char *err, size_t len)
{
	if (ks == NULL || !ks->down)
		return -1;
	snprintf(err, len, "%s", ks->err);
	return now > ks->down_since ? now - ks->down_since : 0;
}

void
kstats_view(const struct kstats *ks, struct kube_stats *v)
{
	size_t i;

	memset(v, 0, sizeof(*v));
	if (ks == NULL)
		return;
	v->req = ks->req;
	v->nreq = ks->nreq;
	v->watch = ks->watch;
	v->nwatch = ks->nwatch;
	/* Stored per bucket; Prometheus buckets count everything below. */
	for (i = 0; i < KUBE_RECONCILE_NBUCKETS; i++)
		v->reconcile_le[i] = ks->bucket[i] +
		    (i > 0 ? v->reconcile_le[i - 1] : 0);
	v->reconcile_count = ks->count;
	v->reconcile_sum = ks->sum;
}

void
kube_api_stats(const struct kube_api *a, struct kube_stats *v)
{
	kstats_view(a->stats, v);
	v->lease_held = a->lease != NULL && lease_held(a->lease);
}

int
kube_api_reachable(const struct kube_api *a, char *why, size_t len)
{
	char err[256];
	double down = kstats_down(a->stats, kstats_clock(), err, sizeof(err));

	if (down <= (double)a->unreachable_after)
		return 1;
	snprintf(why, len, "kubernetes API server unreachable for %.0f s: %s",
	    down, err);
	return 0;
}
