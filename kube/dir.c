/*
 * dir.c: the standalone source: a directory of manifests, re-read on
 * change (inotify on the loop) and on SIGHUP (kube_dir_reload).
 *
 * Editors save in several steps (write a temporary file, rename, chmod),
 * so changes are debounced: each event restarts a short timer and the
 * directory is read once it expires. A file that no longer parses keeps
 * the objects of its last good read; an object that fails validation keeps
 * its last valid version (the store does that). The apply callback runs
 * only when the built model differs from the one applied last.
 */
#include <sys/inotify.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "bgp/log.h"
#include "kube/kube.h"
#include "kube/kube_int.h"

#define DIR_DEBOUNCE_USEC	150000

struct kube_dir {
	struct event_base	*base;
	char			*dir;
	char			*local;
	kube_apply_cb		 cb;
	void			*arg;
	struct store		*store;
	struct load_set		 files;		/* last good documents */
	struct model		*applied;
	struct build_out	 out;
	struct kerrs		 errs;		/* problems of the last read */
	struct kerrs		 ignored;	/* documents not ours, ditto */
	int			 read_once;
	char			 why[256];
	int			 ifd;
	struct event		*ev_inotify;
	struct event		*ev_debounce;
};

/* A file that does not parse now keeps the documents it last had. */
static void
dir_keep_last_good(struct kube_dir *d, struct load_set *set)
{
	size_t i, j;

	for (i = 0; i < set->n; i++) {
		struct load_file *lf = &set->v[i];

		if (!lf->failed)
			continue;
		for (j = 0; j < d->files.n; j++)
			if (strcmp(d->files.v[j].name, lf->name) == 0) {
				lf->docs = d->files.v[j].docs;
				memset(&d->files.v[j].docs, 0,
				    sizeof(lf->docs));
				break;
			}
	}
}

static int
dir_err_known(const struct kerrs *old, const struct kerr *k)
{
	size_t i;

	for (i = 0; i < old->n; i++) {
		const struct kerr *o = &old->v[i];

		if (o->doc == k->doc && strcmp(o->msg, k->msg) == 0 &&
		    !!o->file == !!k->file && (!o->file ||
		    strcmp(o->file, k->file) == 0) && !!o->name == !!k->name &&
		    (!o->name || strcmp(o->name, k->name) == 0) &&
		    !!o->field == !!k->field && (!o->field ||
		    strcmp(o->field, k->field) == 0))
			return 1;
	}
	return 0;
}

/* Log what is not ours once, when it appears, not on every re-read. */
static void
dir_log_ignored(struct kube_dir *d, struct kerrs *now)
{
	char q[300];
	size_t i;

	for (i = 0; i < now->n; i++)
		if (!dir_err_known(&d->ignored, &now->v[i]))
			log_info("manifest document ignored", "file=%s "
			    "document=%d reason=%s", now->v[i].file,
			    now->v[i].doc, log_q(now->v[i].msg, q, sizeof(q)));
	kerr_clear(&d->ignored);
	d->ignored = *now;
	memset(now, 0, sizeof(*now));
}

/* Log problems once, when they appear, not on every re-read. */
static void
dir_log_errors(struct kube_dir *d, struct kerrs *now)
{
	char q1[300], q2[600];
	size_t i;

	for (i = 0; i < now->n; i++) {
		const struct kerr *k = &now->v[i];

		if (dir_err_known(&d->errs, k))
			continue;
		log_warn(k->fatal ? "manifest refused; the last valid version "
		    "stays in force" : "manifest value dropped",
		    "file=%s document=%d line=%d kind=%s name=%s field=%s "
		    "error=%s", k->file ? k->file : "-", k->doc, k->line,
		    k->kind ? k->kind : "-",
		    k->name ? k->name : "-", log_q(k->field ? k->field : "-",
		    q1, sizeof(q1)), log_q(k->msg, q2, sizeof(q2)));
	}
	kerr_clear(&d->errs);
	d->errs = *now;
	memset(now, 0, sizeof(*now));
}

static void
dir_apply(struct kube_dir *d)
{
	struct model *m = d->out.model;
	char q[300];

	if (m == NULL) {
		if (strcmp(d->why, d->out.why) != 0)
			log_warn("no configuration to apply",
			    "dir=%s reason=%s", d->dir, log_q(d->out.why, q,
			    sizeof(q)));
		snprintf(d->why, sizeof(d->why), "%s", d->out.why);
		return;
	}
	d->why[0] = '\0';
	if (d->applied != NULL && model_equal(d->applied, m))
		return;
	log_info("desired state changed", "dir=%s peers=%zu "
	    "advertisements=%zu policies=%zu", d->dir, m->npeers,
	    m->nadverts, m->npolicies);
	model_free(d->applied);
	d->applied = model_dup(m);
	d->cb(d->arg, d->applied);
}

void
kube_dir_reload(struct kube_dir *d)
{
	struct load_set set;
	struct kerrs errs, ignored;
	struct build_out out;

	if (load_dir(d->dir, &set) == -1) {
		log_error("cannot read the configuration directory; keeping "
		    "the current configuration", "dir=%s error=\"%s\"", d->dir,
		    strerror(errno));
		return;
	}
	dir_keep_last_good(d, &set);
	memset(&errs, 0, sizeof(errs));
	memset(&ignored, 0, sizeof(ignored));
	load_store(&set, d->store, &errs, &ignored);
	check_store(d->store, &errs);
	dir_log_errors(d, &errs);
	dir_log_ignored(d, &ignored);
	load_set_free(&d->files);
	d->files = set;
	build_model(d->store, d->local, &out);
	build_out_clear(&d->out);
	d->out = out;
	d->read_once = 1;
	dir_apply(d);
}

static void
dir_debounce_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	kube_dir_reload(arg);
}

/* Only changes that can matter: manifests, and ConfigMap "..data" swaps. */
static int
dir_event_matters(const struct inotify_event *ev)
{
	if (ev->mask & (IN_DELETE_SELF | IN_MOVE_SELF | IN_Q_OVERFLOW))
		return 1;
	if (ev->len == 0)
		return 1;
	return load_is_manifest(ev->name) || strncmp(ev->name, "..", 2) == 0;
}

static void
dir_inotify_cb(evutil_socket_t fd, short what, void *arg)
{
	struct kube_dir *d = arg;
	char buf[8192] __attribute__((aligned(__alignof__(struct
	    inotify_event))));
	struct timeval tv = { 0, DIR_DEBOUNCE_USEC };
	ssize_t n;
	size_t off;
	int changed = 0;

	(void)what;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		for (off = 0; off + sizeof(struct inotify_event) <= (size_t)n;) {
			const struct inotify_event *ev =
			    (const struct inotify_event *)(buf + off);

			changed |= dir_event_matters(ev);
			if (ev->mask & (IN_DELETE_SELF | IN_MOVE_SELF))
				log_warn("configuration directory removed or "
				    "moved; keeping the current configuration",
				    "dir=%s", d->dir);
			off += sizeof(*ev) + ev->len;
		}
	if (changed)
		evtimer_add(d->ev_debounce, &tv);
}

static void
dir_watch(struct kube_dir *d)
{
	const uint32_t mask = IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM |
	    IN_CREATE | IN_DELETE | IN_MODIFY | IN_ATTRIB | IN_DELETE_SELF |
	    IN_MOVE_SELF;

	d->ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (d->ifd == -1 || inotify_add_watch(d->ifd, d->dir, mask) == -1) {
		log_warn("cannot watch the configuration directory; re-read "
		    "it with SIGHUP", "dir=%s error=\"%s\"", d->dir,
		    strerror(errno));
		if (d->ifd != -1)
			close(d->ifd);
		d->ifd = -1;
		return;
	}
	d->ev_inotify = event_new(d->base, d->ifd, EV_READ | EV_PERSIST,
	    dir_inotify_cb, d);
	if (d->ev_inotify == NULL || event_add(d->ev_inotify, NULL) == -1)
		fatal("%s: cannot add the inotify event", __func__);
}

struct kube_dir *
kube_dir_new(struct event_base *base, const char *dir, const char *local,
    kube_apply_cb cb, void *arg)
{
	struct kube_dir *d;
	struct load_set probe;

	if (load_dir(dir, &probe) == -1)
		return NULL;
	load_set_free(&probe);
	d = kube_calloc(1, sizeof(*d));
	d->base = base;
	d->dir = kube_strdup(dir);
	d->local = kube_strdup(local);
	d->cb = cb;
	d->arg = arg;
	d->store = store_new();
	d->ifd = -1;
	if (base != NULL) {
		d->ev_debounce = evtimer_new(base, dir_debounce_cb, d);
		if (d->ev_debounce == NULL)
			fatal("%s: cannot create a timer", __func__);
		dir_watch(d);
	}
	kube_dir_reload(d);
	return d;
}

void
kube_dir_free(struct kube_dir *d)
{
	if (d == NULL)
		return;
	if (d->ev_inotify)
		event_free(d->ev_inotify);
	if (d->ev_debounce)
		event_free(d->ev_debounce);
	if (d->ifd != -1)
		close(d->ifd);
	build_out_clear(&d->out);
	model_free(d->applied);
	kerr_clear(&d->errs);
	kerr_clear(&d->ignored);
	load_set_free(&d->files);
	store_free(d->store);
	free(d->dir);
	free(d->local);
	free(d);
}

int
kube_dir_loaded(const struct kube_dir *d, char *why, size_t len)
{
	if (d->applied != NULL)
		return 1;
	snprintf(why, len, "%s", !d->read_once ? "configuration directory "
	    "not read yet" : d->why);
	return 0;
}

json_t *
kube_dir_status(struct kube_dir *d, const char *kind)
{
	const struct kind_desc *k = kind_find(kind);

	if (k == NULL || d->out.status[k->idx] == NULL)
		return json_array();
	return json_deep_copy(d->out.status[k->idx]);
}
