/*
 * stop.c: the speaker's last word at a clean stop. Its own BGPEndpoint's
 * SpeakerReady turns False (SpeakerStopped), so that the cluster sees the
 * node's speaker gone at once instead of a True that stays until it runs
 * again. Best effort within a short deadline: an unreachable API server
 * must never hold the shutdown up. A restarted speaker writes True again
 * from its first build, as it does after any change.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "bgp/log.h"
#include "kube/kube_int.h"

static void
stop_done(void *arg, long status, const char *body, size_t len,
    const char *err)
{
	struct kube_api *a = arg;

	(void)body;
	(void)len;
	a->stop_req = NULL;
	if (status >= 200 && status < 300)
		log_info("endpoint marked stopped", "endpoint=%s", a->local);
	else
		log_warn("cannot mark the endpoint stopped", "endpoint=%s "
		    "status=%ld error=%s", a->local, status, err ? err : "-");
}

/* The endpoint's conditions with SpeakerReady replaced by False. */
static json_t *
stop_want(const struct kube_api *a, const json_t *ep)
{
	const json_t *c, *md = json_object_get(ep, "metadata");
	json_t *conds = json_array();
	char *msg;
	size_t i;

	json_array_foreach(json_object_get(json_object_get(ep, "status"),
	    "conditions"), i, c) {
		const char *t = json_string_value(json_object_get(c, "type"));

		if (t != NULL && strcmp(t, "SpeakerReady") != 0)
			json_array_append(conds, (json_t *)(uintptr_t)c);
	}
	msg = kube_asprintf("bgpd for %s (pid %ld) stopped", a->local,
	    (long)getpid());
	json_array_append_new(conds, json_pack("{s:s, s:s, s:s, s:s, s:I}",
	    "type", "SpeakerReady", "status", "False", "reason",
	    "SpeakerStopped", "message", msg, "observedGeneration",
	    json_integer_value(json_object_get(md, "generation"))));
	free(msg);
	return json_pack("{s:o}", "conditions", conds);
}

void
stop_begin(struct kube_api *a)
{
	const json_t *ep = informer_get(a->inf[KIND_ENDPOINT], a->local);
	json_t *want, *patch;
	char now[32], *esc, *path, *body;
	struct tm tm;
	time_t t = time(NULL);

	if (ep == NULL || a->applied == NULL)
		return;		/* never served: nothing to take back */
	gmtime_r(&t, &tm);
	strftime(now, sizeof(now), "%Y-%m-%dT%H:%M:%SZ", &tm);
	want = stop_want(a, ep);
	patch = patch_status(json_object_get(ep, "status"), want, now);
	json_decref(want);
	if (patch == NULL)
		return;
	esc = kube_http_escape(a->local);
	path = kube_asprintf(KUBE_API_PREFIX "%s/%s/status",
	    kind_endpoint.plural, esc);
	body = json_dumps(patch, JSON_COMPACT);
	a->stop_req = kube_http_request(a->http, "PATCH", path, body,
	    "application/merge-patch+json", stop_done, a);
	free(body);
	free(path);
	free(esc);
	json_decref(patch);
}

void
stop_wait(struct kube_api *a, long long until_ms)
{
	struct timeval tick = { 0, 50000 };

	while (a->stop_req != NULL && kube_now_ms() < until_ms) {
		event_base_loopexit(a->base, &tick);
		event_base_loop(a->base, EVLOOP_ONCE);
	}
	if (a->stop_req != NULL)
		log_warn("cannot mark the endpoint stopped in time; going on",
		    "endpoint=%s", a->local);
}

long long
stop_deadline(void)
{
	return kube_now_ms() + STOP_WAIT_MS;
}
