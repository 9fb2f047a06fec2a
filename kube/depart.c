/*
 * depart.c: our finalizer off sessions that stopped naming this speaker.
 *
 * A session edited so that neither endpoint is ours any more leaves the
 * speaker's view (sessview.c) as a DELETED event, yet the object lives on
 * with our finalizer, which would block its deletion forever. Once the
 * peer is no longer configured, each such session is read again (the
 * event may carry the content from before the edit) and our finalizer is
 * removed under the version read; a conflict reads again. A session that
 * names us again, is gone, or no longer carries our finalizer needs
 * nothing. Failures back off per session.
 */
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "bgp/log.h"
#include "kube/kube_int.h"

#define DEPART_BACKOFF_BASE_MS	500
#define DEPART_BACKOFF_CAP_MS	30000

struct dep {
	struct depart	*d;
	char		*name;
	struct kube_req	*req;
	struct backoff	 bo;
	struct event	*retry;
	struct dep	*prev, *next;
};

struct depart {
	struct event_base	*base;
	struct kube_http	*http;
	char			*local, *fin;
	void			(*again)(void *, int);
	void			*arg;
	struct dep		*deps;
};

static void	depart_get(struct dep *);

static struct dep *
depart_find(const struct depart *d, const char *name)
{
	struct dep *p;

	for (p = d->deps; p != NULL; p = p->next)
		if (strcmp(p->name, name) == 0)
			return p;
	return NULL;
}

static void
depart_done(struct dep *p)
{
	struct depart *d = p->d;

	if (p->prev)
		p->prev->next = p->next;
	else
		d->deps = p->next;
	if (p->next)
		p->next->prev = p->prev;
	kube_http_cancel(p->req);
	event_free(p->retry);
	free(p->name);
	free(p);
}

static void
depart_retry_cb(evutil_socket_t fd, short what, void *arg)
{
	struct dep *p = arg;

	(void)fd;
	(void)what;
	p->d->again(p->d->arg, 0);
}

static void
depart_later(struct dep *p, const char *what, long status, const char *err)
{
	unsigned ms = backoff_next(&p->bo, (uint32_t)random());
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };
	char q[300];

	log_warn("API server request failed; retrying", "object=BGPSession/%s "
	    "what=%s status=%ld error=%s retry_ms=%u", p->name, what, status,
	    log_q(err ? err : "-", q, sizeof(q)), ms);
	evtimer_add(p->retry, &tv);
}

static char *
depart_path(const char *name)
{
	char *esc = kube_http_escape(name);
	char *path = kube_asprintf(KUBE_API_PREFIX "bgpsessions/%s", esc);

	free(esc);
	return path;
}

static void
depart_patch_cb(void *arg, long status, const char *body, size_t len,
    const char *err)
{
	struct dep *p = arg;

	(void)body;
	(void)len;
	p->req = NULL;
	if ((status >= 200 && status < 300) || status == 404)
		depart_done(p);
	else if (status == 409)
		depart_get(p);		/* changed meanwhile: read again */
	else
		depart_later(p, "finalizer", status, err);
}

static void
depart_get_cb(void *arg, long status, const char *body, size_t len,
    const char *err)
{
	struct dep *p = arg;
	struct depart *d = p->d;
	json_t *o, *fp;
	char *path, *patch;

	p->req = NULL;
	if (status == 404) {
		depart_done(p);
		return;
	}
	o = status == 200 ? json_loadb(body, len, 0, NULL) : NULL;
	if (!json_is_object(o)) {
		json_decref(o);
		depart_later(p, "get", status, err ? err : "not an object");
		return;
	}
	if (sessview_names(o, d->local) || !patch_has_finalizer(o, d->fin)) {
		json_decref(o);
		depart_done(p);
		return;
	}
	log_info("removing our finalizer from a session that no longer names "
	    "this speaker", "session=%s", p->name);
	path = depart_path(p->name);
	fp = patch_finalizers(o, d->fin, 0);
	patch = json_dumps(fp, JSON_COMPACT);
	json_decref(fp);
	p->req = kube_http_request(d->http, "PATCH", path, patch,
	    "application/merge-patch+json", depart_patch_cb, p);
	free(patch);
	free(path);
	json_decref(o);
}

static void
depart_get(struct dep *p)
{
	char *path = depart_path(p->name);

	p->req = kube_http_request(p->d->http, "GET", path, NULL, NULL,
	    depart_get_cb, p);
	free(path);
}

struct depart *
depart_new(struct event_base *base, struct kube_http *http, const char *local,
    const char *fin, void (*again)(void *, int), void *arg)
{
	struct depart *d = kube_calloc(1, sizeof(*d));

	d->base = base;
	d->http = http;
	d->local = kube_strdup(local);
	d->fin = kube_strdup(fin);
	d->again = again;
	d->arg = arg;
	return d;
}

void
depart_add(struct depart *d, const char *name)
{
	struct dep *p;

	if (depart_find(d, name) != NULL)
		return;
	p = kube_calloc(1, sizeof(*p));
	p->d = d;
	p->name = kube_strdup(name);
	p->bo.base_ms = DEPART_BACKOFF_BASE_MS;
	p->bo.cap_ms = DEPART_BACKOFF_CAP_MS;
	if ((p->retry = evtimer_new(d->base, depart_retry_cb, p)) == NULL)
		fatal("%s: cannot create a timer", __func__);
	p->next = d->deps;
	if (d->deps)
		d->deps->prev = p;
	d->deps = p;
}

void
depart_forget(struct depart *d, const char *name)
{
	struct dep *p = depart_find(d, name);

	if (p != NULL)
		depart_done(p);
}

void
depart_run(struct depart *d, const struct model *applied)
{
	struct dep *p;

	for (p = d->deps; p != NULL; p = p->next)
		if (p->req == NULL && !evtimer_pending(p->retry, NULL) &&
		    (applied == NULL || model_find_peer(applied,
		    p->name) == NULL))
			depart_get(p);
}

void
depart_free(struct depart *d)
{
	if (d == NULL)
		return;
	while (d->deps != NULL)
		depart_done(d->deps);
	free(d->local);
	free(d->fin);
	free(d);
}
