/*
 * bgp.c: the speaker's life cycle (bgp_new, bgp_shutdown, bgp_free), the
 * RIB's best-path hook fanned out to the FIB hook and to every peer's
 * Adj-RIB-Out, deferred freeing of peers and connections (never free what
 * a callback may be using), and convergence: the converged hook fires
 * once every configured peer is Established and has sent End-of-RIB for
 * each negotiated family (RFC 4724 2), or after SPK_CONVERGE_SECS.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "bgp/log.h"
#include "bgp/speaker.h"

static unsigned bgp_instances;	/* the attribute table is process-wide */

static void bgp_reap_cb(evutil_socket_t, short, void *);
static void bgp_converge_cb(evutil_socket_t, short, void *);
static void bgp_converge_check_cb(evutil_socket_t, short, void *);

time_t
bgp_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

const char *
bgp_state_name(enum bgp_state s)
{
	static const char *const names[BGP_NSTATES] = {
		"Idle", "Connect", "Active", "OpenSent", "OpenConfirm",
		"Established"
	};

	if ((unsigned)s >= BGP_NSTATES)
		return "Unknown";
	return names[s];
}

/* The FIB's view of e: the best path and its ECMP companions. */
static void
bgp_route_change(struct bgp *b, const struct rib_entry *e)
{
	struct bgp_route_change rc;
	const struct path *pa, *best = rib_best(e);

	memset(&rc, 0, sizeof(rc));
	rc.prefix = rib_prefix(e);
	if (best == NULL) {
		rc.withdrawn = 1;
		b->hooks.route_change(b->hooks.arg, &rc);
		return;
	}
	rc.local = best->src->local;
	rc.peer = rc.local ? NULL : best->src->name;
	rc.nexthops[0].addr = path_attrs(best)->nexthop;
	rc.nexthops[0].ll = path_attrs(best)->nexthop_ll;
	rc.nnexthops = 1;
	for (pa = e->paths; pa != NULL && rc.nnexthops < 16; pa = pa->next) {
		if (pa == best || !pa->best || pa->filter != PATH_OK)
			continue;
		rc.nexthops[rc.nnexthops].addr = path_attrs(pa)->nexthop;
		rc.nexthops[rc.nnexthops].ll = path_attrs(pa)->nexthop_ll;
		rc.nnexthops++;
	}
	b->hooks.route_change(b->hooks.arg, &rc);
}

static void
bgp_best_change(void *arg, const struct rib_entry *e,
    const struct path *old_best, const struct attrs *old_attrs)
{
	struct bgp *b = arg;
	struct peer *p;
	struct prefix pfx = rib_prefix(e);
	int afi = spk_afi(pfx.af);

	(void)old_attrs;
	if (b->hooks.route_change != NULL &&
	    (rib_best(e) != NULL || old_best != NULL))
		bgp_route_change(b, e);
	TAILQ_FOREACH(p, &b->peers, entry)
		if (p->state == BGP_ESTABLISHED && p->out != NULL &&
		    p->af_ok[afi])
			adjout_mark(p, &pfx, e);
}

struct bgp *
bgp_new(struct event_base *base, const struct bgp_hooks *hooks)
{
	struct rib_hooks rh;
	struct bgp *b;

	if ((b = calloc(1, sizeof(*b))) == NULL)
		return NULL;
	b->base = base;
	if (hooks != NULL)
		b->hooks = *hooks;
	TAILQ_INIT(&b->peers);
	TAILQ_INIT(&b->dead);
	TAILQ_INIT(&b->dead_conns);
	b->lfd = -1;
	attr_init();
	bgp_instances++;
	b->dctx.max_paths = 1;
	rh.arg = b;
	rh.best_change = bgp_best_change;
	b->rib = rib_new(&rh, &b->dctx);
	b->local_src.id = ++b->next_src_id;
	b->local_src.name = "local";
	b->local_src.local = 1;
	b->arena.cap = SPK_ARENA_SIZE;
	b->arena.p = malloc(SPK_ARENA_SIZE);
	b->pack = malloc(sizeof(*b->pack));
	b->items = calloc(SPK_BATCH, sizeof(*b->items));
	b->pendbuf = calloc(SPK_BATCH, sizeof(*b->pendbuf));
	b->ev_reap = event_new(base, -1, 0, bgp_reap_cb, b);
	b->ev_converge = evtimer_new(base, bgp_converge_cb, b);
	b->ev_converge_check = event_new(base, -1, 0, bgp_converge_check_cb,
	    b);
	if (b->rib == NULL || b->arena.p == NULL || b->pack == NULL ||
	    b->items == NULL || b->pendbuf == NULL || b->ev_reap == NULL ||
	    b->ev_converge == NULL || b->ev_converge_check == NULL)
		fatal("%s: out of memory", __func__);
	srandom((unsigned)time(NULL) ^ (unsigned)getpid());
	return b;
}

void
bgp_reap_later(struct bgp *b)
{
	if (!event_pending(b->ev_reap, EV_TIMEOUT, NULL))
		event_active(b->ev_reap, EV_TIMEOUT, 0);
}

static void
bgp_reap(struct bgp *b)
{
	struct peer *p;
	struct conn *c;

	update_memo_flush();
	while ((c = TAILQ_FIRST(&b->dead_conns)) != NULL) {
		TAILQ_REMOVE(&b->dead_conns, c, entry);
		conn_free(c);
	}
	while ((p = TAILQ_FIRST(&b->dead)) != NULL) {
		TAILQ_REMOVE(&b->dead, p, entry);
		peer_free(p);
	}
}

static void
bgp_reap_cb(evutil_socket_t fd, short ev, void *arg)
{
	(void)fd;
	(void)ev;
	bgp_reap(arg);
}

void
bgp_peer_state_hook(struct bgp *b, struct peer *p, enum bgp_state from,
    enum bgp_state to, const char *reason)
{
	if (b->hooks.peer_state != NULL)
		b->hooks.peer_state(b->hooks.arg, p->name, from, to, reason);
	bgp_check_converged(b);
}

static void
bgp_converged(struct bgp *b, const char *why)
{
	if (b->converged)
		return;
	b->converged = 1;
	evtimer_del(b->ev_converge);
	log_info("converged", "reason=%s", why);
	if (b->hooks.converged != NULL)
		b->hooks.converged(b->hooks.arg);
}

/* Checked on a later loop turn: the callers are deep in other work. */
void
bgp_check_converged(struct bgp *b)
{
	if (b->converged || b->model == NULL)
		return;
	if (!b->converge_armed) {
		b->converge_armed = 1;
		peer_timer_add(b->ev_converge, SPK_CONVERGE_SECS);
	}
	if (!event_pending(b->ev_converge_check, EV_TIMEOUT, NULL))
		event_active(b->ev_converge_check, EV_TIMEOUT, 0);
}

static void
bgp_converge_check_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct bgp *b = arg;
	struct peer *p;
	int i;

	(void)fd;
	(void)ev;
	TAILQ_FOREACH(p, &b->peers, entry) {
		if (p->state != BGP_ESTABLISHED)
			return;
		for (i = 0; i < 2; i++)
			if (p->af_ok[i] && !p->eor_rcvd[i])
				return;
	}
	bgp_converged(b, "\"End-of-RIB from every peer\"");
}

static void
bgp_converge_cb(evutil_socket_t fd, short ev, void *arg)
{
	(void)fd;
	(void)ev;
	bgp_converged(arg, "timeout");
}

void
bgp_shutdown(struct bgp *b, const char *reason)
{
	struct peer *p;

	b->shutting_down = 1;
	conn_unlisten(b);
	TAILQ_FOREACH(p, &b->peers, entry)
		peer_cease(p, ERR_CEASE_ADMIN_DOWN, reason ? reason :
		    "shutting down", 0);
}

void
bgp_free(struct bgp *b)
{
	struct peer *p;
	size_t i;

	if (b == NULL)
		return;
	/* The modules behind the hooks may be gone already. */
	memset(&b->hooks, 0, sizeof(b->hooks));
	b->shutting_down = 1;
	conn_unlisten(b);
	while ((p = TAILQ_FIRST(&b->peers)) != NULL) {
		p->stopped = 1;
		fsm_change_state(p, BGP_IDLE, "speaker stopped");
		rib_flush_src(b->rib, &p->src);
		TAILQ_REMOVE(&b->peers, p, entry);
		TAILQ_INSERT_TAIL(&b->dead, p, entry);
	}
	bgp_reap(b);
	origin_clear(b);
	rib_free(b->rib);
	for (i = 0; i < b->npol; i++)
		if (b->pol[i] != NULL)
			policy_free(b->pol[i]);
	free(b->pol);
	free(b->clusters);
	model_free(b->model);
	event_free(b->ev_reap);
	event_free(b->ev_converge);
	event_free(b->ev_converge_check);
	if (b->ev_listen_retry != NULL)
		event_free(b->ev_listen_retry);
	free(b->arena.p);
	free(b->pack);
	free(b->items);
	free(b->pendbuf);
	free(b);
	if (--bgp_instances == 0)
		attr_shutdown();
}
