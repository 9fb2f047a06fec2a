/*
 * origin.c: local origination of BGPAdvertisement prefixes (RFC 4271 9.4).
 *
 * Each prefix becomes a path of the speaker's own path_src ("local") with
 * ORIGIN IGP, an empty AS_PATH, the advertisement's communities (sorted,
 * unique) and large communities, and LOCAL_PREF when set. The next hop is
 * filled per peer at export time (update.c). When two advertisements name
 * the same prefix, the first by name owns it: deterministic, and the other
 * is not silently merged into it. The owner's target peers are consulted
 * at export time.
 */
#include <stdlib.h>
#include <string.h>

#include "bgp/log.h"
#include "bgp/speaker.h"

static struct attrs *
origin_attrs(const struct model_advert *adv)
{
	struct attrs a, *r;
	uint32_t *comm, *large;
	size_t i, nc, nl;

	comm = calloc(adv->ncommunities + 1, sizeof(uint32_t));
	large = calloc(adv->nlarge * 3 + 1, sizeof(uint32_t));
	if (comm == NULL || large == NULL)
		fatal("%s: out of memory", __func__);
	if (adv->ncommunities > 0)
		memcpy(comm, adv->communities,
		    adv->ncommunities * sizeof(uint32_t));
	for (i = 0; i < adv->nlarge; i++) {
		large[i * 3] = adv->large[i].global;
		large[i * 3 + 1] = adv->large[i].local1;
		large[i * 3 + 2] = adv->large[i].local2;
	}
	nc = community_canon(comm, adv->ncommunities, 1);
	nl = community_canon(large, adv->nlarge, 3);
	memset(&a, 0, sizeof(a));
	a.present = ATTR_P(ATTR_ORIGIN) | ATTR_P(ATTR_AS_PATH);
	a.origin = ORIGIN_IGP;
	if (nc > 0) {
		a.present |= ATTR_P(ATTR_COMMUNITIES);
		a.communities = comm;
		a.ncommunities = (uint16_t)nc;
	}
	if (nl > 0) {
		a.present |= ATTR_P_LARGE;
		a.large = large;
		a.nlarge = (uint16_t)nl;
	}
	if (adv->has_local_pref) {
		a.present |= ATTR_P(ATTR_LOCAL_PREF);
		a.local_pref = adv->local_pref;
	}
	r = attr_intern(&a);
	free(comm);
	free(large);
	return r;
}

static int
origin_cmp(const void *x, const void *y)
{
	const struct origin *a = x, *b = y;
	int c;

	if ((c = prefix_cmp(&a->pfx, &b->pfx)) != 0)
		return c;
	return strcmp(a->adv->name, b->adv->name);
}

/* The owner table of m: one entry per prefix, sorted by prefix. */
static struct origin *
origin_table(const struct model *m, size_t *n)
{
	struct origin *t;
	size_t i, j, k = 0, total = 0;

	for (i = 0; i < m->nadverts; i++)
		total += m->adverts[i].nprefixes;
	if ((t = calloc(total + 1, sizeof(*t))) == NULL)
		fatal("%s: out of memory", __func__);
	for (i = 0; i < m->nadverts; i++)
		for (j = 0; j < m->adverts[i].nprefixes; j++) {
			t[k].pfx = m->adverts[i].prefixes[j];
			t[k].adv = &m->adverts[i];
			k++;
		}
	qsort(t, k, sizeof(*t), origin_cmp);
	for (i = j = 0; i < k; i++)
		if (j == 0 || prefix_cmp(&t[i].pfx, &t[j - 1].pfx) != 0)
			t[j++] = t[i];
	*n = j;
	return t;
}

static int
origin_same_attrs(const struct model_advert *a, const struct model_advert *b)
{
	return a->ncommunities == b->ncommunities &&
	    a->nlarge == b->nlarge && a->has_local_pref == b->has_local_pref &&
	    (!a->has_local_pref || a->local_pref == b->local_pref) &&
	    (a->ncommunities == 0 || memcmp(a->communities, b->communities,
	    a->ncommunities * sizeof(uint32_t)) == 0) &&
	    (a->nlarge == 0 || memcmp(a->large, b->large,
	    a->nlarge * sizeof(struct model_large)) == 0);
}

static void
origin_requeue(struct bgp *b, const struct prefix *pfx)
{
	struct peer *p;

	TAILQ_FOREACH(p, &b->peers, entry)
		if (p->state == BGP_ESTABLISHED && p->out != NULL &&
		    p->af_ok[spk_afi(pfx->af)])
			adjout_mark(p, pfx, rib_lookup(b->rib, pfx));
}

void
origin_apply(struct bgp *b, const struct model *old)
{
	struct origin *nt, *ot = b->orig;
	size_t nn, on = b->norig, i = 0, j = 0;
	int c;

	(void)old;
	nt = origin_table(b->model, &nn);
	/* Exports computed during the changes below look at the new owners. */
	b->orig = nt;
	b->norig = nn;
	while (i < on || j < nn) {
		if (i == on)
			c = 1;
		else if (j == nn)
			c = -1;
		else
			c = prefix_cmp(&ot[i].pfx, &nt[j].pfx);
		if (c < 0) {
			rib_withdraw(b->rib, &ot[i].pfx, &b->local_src);
			i++;
			continue;
		}
		if (c > 0 || !origin_same_attrs(ot[i].adv, nt[j].adv))
			rib_update(b->rib, &nt[j].pfx, &b->local_src,
			    origin_attrs(nt[j].adv), PATH_OK);
		/* The target peers may have changed: look again. */
		if (c == 0 && (strcmp(ot[i].adv->name, nt[j].adv->name) != 0 ||
		    !model_advert_equal(ot[i].adv, nt[j].adv)))
			origin_requeue(b, &nt[j].pfx);
		if (c == 0)
			i++;
		j++;
	}
	free(ot);
}

static const struct origin *
origin_find(struct bgp *b, const struct prefix *pfx)
{
	size_t lo = 0, hi = b->norig, mid;
	int c;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		if ((c = prefix_cmp(pfx, &b->orig[mid].pfx)) == 0)
			return &b->orig[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

int
origin_targets(struct bgp *b, const struct prefix *pfx, const char *name)
{
	const struct origin *o = origin_find(b, pfx);
	size_t i;

	if (o == NULL)
		return 0;
	if (o->adv->all_peers)
		return 1;
	for (i = 0; i < o->adv->npeers; i++)
		if (strcmp(o->adv->peers[i], name) == 0)
			return 1;
	return 0;
}

void
origin_clear(struct bgp *b)
{
	size_t i;

	for (i = 0; i < b->norig; i++)
		rib_withdraw(b->rib, &b->orig[i].pfx, &b->local_src);
	free(b->orig);
	b->orig = NULL;
	b->norig = 0;
}
