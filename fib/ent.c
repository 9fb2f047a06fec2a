/*
 * ent.c: the shadow table, one fib_ent per prefix we want in the kernel or
 * hold there, and the queue of prefixes whose kernel state is behind.
 *
 * Entries come from a slab (a full table is over a million of them). An
 * entry is queued at most once however often it changes before req.c sends
 * it, and req.c sends its state at that moment: that is how flaps coalesce.
 */
#include <stdlib.h>
#include <string.h>

#include "bgp/log.h"
#include "fib/fib_int.h"

#define ENT_CHUNK	4096

static struct fib_ent *
ent_alloc(struct fib *fib)
{
	struct fib_ent *e;
	char *c;
	size_t i, sz;

	if (fib->slab.free == NULL) {
		/* First pointer of a chunk links the chunks for ent_free_all. */
		sz = sizeof(struct fib_ent);
		if ((c = malloc(sz * (ENT_CHUNK + 1))) == NULL)
			fatal("%s: out of memory", __func__);
		*(void **)c = fib->slab.chunks;
		fib->slab.chunks = c;
		for (i = 1; i <= ENT_CHUNK; i++) {
			e = (struct fib_ent *)(c + i * sz);
			e->qnext = fib->slab.free;
			fib->slab.free = e;
		}
	}
	e = fib->slab.free;
	fib->slab.free = e->qnext;
	memset(e, 0, sizeof(*e));
	return e;
}

static uint32_t
ent_hash(const struct prefix *p)
{
	return htab_hash(p, sizeof(*p), 0);
}

struct fib_ent *
ent_find(struct fib *fib, const struct prefix *p)
{
	struct fib_hnode *x;
	uint32_t hash = ent_hash(p);

	for (x = htab_bucket(&fib->ents, hash); x != NULL; x = x->hnext) {
		struct fib_ent *e = (struct fib_ent *)x;

		if (x->hash == hash && memcmp(&e->pfx, p, sizeof(*p)) == 0)
			return e;
	}
	return NULL;
}

struct fib_ent *
ent_get(struct fib *fib, const struct prefix *p)
{
	struct fib_ent *e;

	if ((e = ent_find(fib, p)) != NULL)
		return e;
	e = ent_alloc(fib);
	e->pfx = *p;
	if (kern_overrides(fib, p)) {
		e->flags |= ENT_OVERRIDDEN;
		fib->noverridden++;
	}
	htab_add(&fib->ents, &e->h, ent_hash(p));
	return e;
}

void
ent_set_kern(struct fib *fib, struct fib_ent *e, struct fib_res *r)
{
	if (e->kern == NULL && r != NULL)
		fib->ninstalled++;
	else if (e->kern != NULL && r == NULL)
		fib->ninstalled--;
	res_set(fib, &e->kern, r);
}

struct fib_res *
ent_want(const struct fib *fib, const struct fib_ent *e)
{
	if (fib->closing)
		return NULL;
	if (e->flags & ENT_OVERRIDDEN)
		return NULL;
	if (e->flags & ENT_WANT)
		return e->nhs->res;
	/* Until the RIB has spoken, an adopted route stays as it is. */
	if ((e->flags & ENT_ADOPTED) && !fib->converged)
		return e->kern;
	return NULL;
}

static void
ent_release(struct fib *fib, struct fib_ent *e)
{
	if (e->flags & ENT_OVERRIDDEN)
		fib->noverridden--;
	if (e->flags & ENT_FAILED)
		fib->nfailed--;
	htab_del(&fib->ents, &e->h);
	nhs_unlink(fib, e);
	ent_set_kern(fib, e, NULL);
	e->qnext = fib->slab.free;
	fib->slab.free = e;
}

void
ent_check(struct fib *fib, struct fib_ent *e)
{
	if (e->flags & (ENT_QUEUED | ENT_INFLIGHT))
		return;
	if (ent_want(fib, e) != e->kern) {
		if (e->flags & ENT_FAILED)
			return;		/* the retry timer brings it back */
		e->flags |= ENT_QUEUED;
		e->qnext = NULL;
		if (fib->qtail != NULL)
			fib->qtail->qnext = e;
		else
			fib->qhead = e;
		fib->qtail = e;
		fib->nqueued++;
		fib_kick(fib);
		return;
	}
	if (e->kern == NULL && !(e->flags & (ENT_WANT | ENT_ADOPTED)))
		ent_release(fib, e);
}

/* What the kernel should hold changed: a past refusal no longer applies. */
void
ent_changed(struct fib *fib, struct fib_ent *e)
{
	if (e->flags & ENT_FAILED) {
		e->flags &= ~ENT_FAILED;
		fib->nfailed--;
	}
	ent_check(fib, e);
}

struct fib_ent *
ent_pop(struct fib *fib)
{
	struct fib_ent *e = fib->qhead;

	if (e == NULL)
		return NULL;
	fib->qhead = e->qnext;
	if (fib->qhead == NULL)
		fib->qtail = NULL;
	e->qnext = NULL;
	e->flags &= ~ENT_QUEUED;
	fib->nqueued--;
	return e;
}

void
ent_set_overridden(struct fib *fib, const struct prefix *p, int on)
{
	struct fib_ent *e;

	if ((e = ent_find(fib, p)) == NULL)
		return;
	if (on && !(e->flags & ENT_OVERRIDDEN)) {
		char b[PREFIX_STRLEN];

		e->flags |= ENT_OVERRIDDEN;
		fib->noverridden++;
		log_warn("fib: route overridden by another protocol, not "
		    "installing it", "prefix=%s table=%u",
		    prefix_fmt(p, b, sizeof(b)), fib->opts.table);
		/* The other route replaced ours: the kernel holds none now. */
		ent_set_kern(fib, e, NULL);
	} else if (!on && (e->flags & ENT_OVERRIDDEN)) {
		e->flags &= ~ENT_OVERRIDDEN;
		fib->noverridden--;
	} else
		return;
	ent_changed(fib, e);
}

static void
ent_free_cb(void *arg, struct fib_hnode *x)
{
	struct fib *fib = arg;
	struct fib_ent *e = (struct fib_ent *)x;

	nhs_unlink(fib, e);
	res_unref(fib, e->kern);
	res_unref(fib, e->sent);
}

void
ent_free_all(struct fib *fib)
{
	void *c, *next;

	htab_walk(&fib->ents, ent_free_cb, fib);
	for (c = fib->slab.chunks; c != NULL; c = next) {
		next = *(void **)c;
		free(c);
	}
	fib->slab.chunks = NULL;
	fib->slab.free = NULL;
	htab_free(&fib->ents);
}
