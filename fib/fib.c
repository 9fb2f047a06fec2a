/*
 * fib.c: fib/'s public functions, its scheduling and its accounting.
 *
 * Route changes only update the shadow table and queue prefixes; the
 * kernel is written from one zero-delay timer, once per loop turn and at
 * most FIB_BUDGET requests a turn, so a full table interleaves with the
 * sessions instead of stalling them. Routes found at start are adopted as
 * they are and removed only if the RIB has not claimed them by the time it
 * converges (or the stale timeout passes), so a restart does not blink
 * traffic.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <event2/event.h>

#include "bgp/log.h"
#include "fib/fib_int.h"

#define FIB_BUDGET		8192	/* requests per loop turn */
#define FIB_RETRY_MIN		2	/* s before a refused route is retried */
#define FIB_RETRY_MAX		60
#define FIB_ERRLOG_WINDOW	10	/* s */
#define FIB_ERRLOG_MAX		50	/* error lines per window */

static void
fib_flush_cb(evutil_socket_t fd, short what, void *arg)
{
	struct fib *fib = arg;

	(void)fd;
	(void)what;
	if (fib->resyncing)
		return;		/* the end of the dump kicks again */
	if (fib->kdirty)
		resolve_all(fib);
	if (req_flush(fib, FIB_BUDGET))
		fib_kick(fib);
	if (fib->nfailed == 0)
		fib->retry_delay = FIB_RETRY_MIN;
}

void
fib_kick(struct fib *fib)
{
	struct timeval zero = { 0, 0 };

	if (fib->ev_flush != NULL && !evtimer_pending(fib->ev_flush, NULL))
		evtimer_add(fib->ev_flush, &zero);
}

static void
fib_retry_cb_one(void *arg, struct fib_hnode *x)
{
	struct fib_ent *e = (struct fib_ent *)x;

	if (e->flags & ENT_FAILED)
		ent_changed(arg, e);
}

static void
fib_retry_cb(evutil_socket_t fd, short what, void *arg)
{
	struct fib *fib = arg;

	(void)fd;
	(void)what;
	if (fib->nfailed > 0)
		log_info("fib: retrying refused routes", "routes=%zu",
		    fib->nfailed);
	htab_walk(&fib->ents, fib_retry_cb_one, fib);
	fib->retry_delay *= 2;
	if (fib->retry_delay > FIB_RETRY_MAX)
		fib->retry_delay = FIB_RETRY_MAX;
}

void
fib_retry_later(struct fib *fib)
{
	struct timeval tv = { fib->retry_delay, 0 };

	if (fib->ev_retry != NULL && !fib->closing &&
	    !evtimer_pending(fib->ev_retry, NULL))
		evtimer_add(fib->ev_retry, &tv);
}

/* One line per refused route, at most FIB_ERRLOG_MAX per window. */
void
fib_error(struct fib *fib, const struct prefix *p, const char *what, int err,
    const char *detail)
{
	struct timespec ts;
	char pb[PREFIX_STRLEN], q[256];
	uint64_t window;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	window = (uint64_t)ts.tv_sec / FIB_ERRLOG_WINDOW;
	if (window != fib->errlog_window) {
		if (fib->errlog_count > FIB_ERRLOG_MAX)
			log_warn("fib: more route errors not logged", "count=%u",
			    fib->errlog_count - FIB_ERRLOG_MAX);
		fib->errlog_window = window;
		fib->errlog_count = 0;
	}
	if (++fib->errlog_count > FIB_ERRLOG_MAX)
		return;
	log_warn("fib: the kernel refused a route", "prefix=%s op=%s "
	    "error=%s detail=%s", prefix_fmt(p, pb, sizeof(pb)), what,
	    log_q(strerror(err), q, sizeof(q) / 2),
	    log_q(detail ? detail : "", q + sizeof(q) / 2, sizeof(q) / 2));
}

static void
fib_stale_cb(evutil_socket_t fd, short what, void *arg)
{
	struct fib *fib = arg;

	(void)fd;
	(void)what;
	log_warn("fib: the RIB did not converge in time, removing adopted "
	    "routes it did not claim", "timeout=%u", fib->opts.stale_timeout);
	fib_converged(fib);
}

static void
fib_events_free(struct fib *fib)
{
	if (fib->ev_flush)
		event_free(fib->ev_flush);
	if (fib->ev_stale)
		event_free(fib->ev_stale);
	if (fib->ev_retry)
		event_free(fib->ev_retry);
	fib->ev_flush = fib->ev_stale = fib->ev_retry = NULL;
}

struct fib *
fib_new(struct event_base *base, const struct fib_opts *o)
{
	struct fib *fib;
	struct timeval tv;

	if ((fib = calloc(1, sizeof(*fib))) == NULL)
		fatal("%s: out of memory", __func__);
	fib->base = base;
	fib->opts = *o;
	if (fib->opts.table == 0)
		fib->opts.table = 254;
	if (fib->opts.protocol == 0)
		fib->opts.protocol = 196;
	if (fib->opts.stale_timeout == 0)
		fib->opts.stale_timeout = 60;
	fib->retry_delay = FIB_RETRY_MIN;
	htab_init(&fib->ents);
	htab_init(&fib->nhss);
	htab_init(&fib->ress);
	kern_init(fib);
	fib->ev_flush = evtimer_new(base, fib_flush_cb, fib);
	fib->ev_stale = evtimer_new(base, fib_stale_cb, fib);
	fib->ev_retry = evtimer_new(base, fib_retry_cb, fib);
	if (fib->ev_flush == NULL || fib->ev_stale == NULL ||
	    fib->ev_retry == NULL)
		fatal("%s: out of memory", __func__);
	if (req_open(fib) < 0 || mon_open(fib) < 0 || mon_dump_sync(fib) < 0) {
		fib_free(fib, 0);
		return NULL;
	}
	log_info("fib: started", "table=%u protocol=%u adopted=%llu links=%zu "
	    "kernel_routes=%zu", fib->opts.table, fib->opts.protocol,
	    (unsigned long long)fib->st.adopted, fib->links.n, fib->krs.n);
	if (fib->st.adopted > 0) {
		tv.tv_sec = fib->opts.stale_timeout;
		tv.tv_usec = 0;
		evtimer_add(fib->ev_stale, &tv);
	}
	return fib;
}

void
fib_route_change(struct fib *fib, const struct bgp_route_change *c)
{
	struct prefix p = c->prefix;
	struct fib_nhs *s;
	struct fib_ent *e;

	if (p.af != AF_INET && p.af != AF_INET6)
		return;
	prefix_mask(&p);
	if (c->withdrawn || c->local || c->nnexthops == 0) {
		/* Locally originated prefixes are the kernel's already. */
		if ((e = ent_find(fib, &p)) == NULL)
			return;
		if (e->flags & ENT_WANT)
			nhs_unlink(fib, e);
		e->flags &= ~(ENT_WANT | ENT_ADOPTED);
		ent_changed(fib, e);
		return;
	}
	s = nhs_get(fib, p.af, c->nexthops, c->nnexthops);
	e = ent_get(fib, &p);
	if (e->nhs != s) {
		nhs_unlink(fib, e);
		nhs_link(fib, s, e);
	}
	e->flags |= ENT_WANT;
	e->flags &= ~ENT_ADOPTED;
	ent_changed(fib, e);
}

static void
fib_converged_cb(void *arg, struct fib_hnode *x)
{
	struct fib_ent *e = (struct fib_ent *)x;

	if ((e->flags & ENT_ADOPTED) && !(e->flags & ENT_WANT))
		ent_check(arg, e);
}

void
fib_converged(struct fib *fib)
{
	if (fib->converged)
		return;
	fib->converged = 1;
	evtimer_del(fib->ev_stale);
	htab_walk(&fib->ents, fib_converged_cb, fib);
	log_info("fib: converged, removing stale adopted routes", "queued=%zu",
	    fib->nqueued);
}

static void
fib_flush_one(void *arg, struct fib_hnode *x)
{
	ent_changed(arg, (struct fib_ent *)x);
}

void
fib_free(struct fib *fib, int flush)
{
	size_t n;

	if (fib == NULL)
		return;
	mon_close(fib);
	fib->closing = 1;
	if (flush && fib->req != NULL) {
		n = fib->ninstalled;
		htab_walk(&fib->ents, fib_flush_one, fib);
		req_drain(fib);
		log_info("fib: flushed our routes", "removed=%zu left=%zu",
		    n - fib->ninstalled, fib->ninstalled);
	}
	fib_events_free(fib);
	req_close(fib);
	ent_free_all(fib);
	htab_free(&fib->nhss);
	htab_free(&fib->ress);
	kern_free(fib);
	free(fib);
}

static void
fib_held_cb(void *arg, struct fib_hnode *x)
{
	struct fib_nhs *s = (struct fib_nhs *)x;

	if (s->res == NULL)
		*(uint64_t *)arg += s->nents;
}

void
fib_query_stats(struct fib *fib, struct fib_stats *st)
{
	*st = fib->st;
	st->installed = fib->ninstalled;
	st->pending = fib->nqueued + fib->ninflight;
	st->held = fib->noverridden;
	htab_walk(&fib->nhss, fib_held_cb, &st->held);
}

const char *
fib_route_status(struct fib *fib, const struct prefix *pfx, char *buf,
    size_t len)
{
	struct prefix p = *pfx;
	struct fib_ent *e;

	prefix_mask(&p);
	buf[0] = '\0';
	if ((e = ent_find(fib, &p)) == NULL || !(e->flags & ENT_WANT))
		return buf;
	if (e->flags & ENT_OVERRIDDEN)
		snprintf(buf, len, "overridden: a route of another protocol "
		    "holds this prefix in table %u", fib->opts.table);
	else if (e->nhs->res == NULL)
		snprintf(buf, len, "%s", e->nhs->why);
	else if (e->flags & ENT_FAILED)
		snprintf(buf, len, "kernel refused it: %s", strerror(e->err));
	else if (e->kern != e->nhs->res)
		snprintf(buf, len, "pending");
	return buf;
}
