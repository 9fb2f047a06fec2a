/*
 * policy.c: compiled BGPRoutePolicy programs (API.md, BGPRoutePolicy).
 *
 * A policy is its statements in order, each a compiled prefix set (or
 * "any") and an action. The first statement that matches decides; a policy
 * with no matching statement has no opinion, and a chain of policies (a
 * peer's, in name order) passes the prefix on to the next one. When nobody
 * has an opinion the prefix is accepted, as the original did.
 */
#include <stdlib.h>
#include <string.h>

#include "bgp/log.h"
#include "bgp/rib.h"

struct policy_st {
	struct prefixset	*set;	/* NULL when any */
	int			 accept;
};

struct policy {
	char			*name;
	struct policy_st	*st;
	size_t			 nst;
};

struct policy *
policy_compile(const struct model_policy *mp)
{
	struct policy *p;
	const char *name = mp->name != NULL ? mp->name : "";
	size_t i;

	if ((p = calloc(1, sizeof(*p))) == NULL ||
	    (p->name = strdup(name)) == NULL ||
	    (p->st = calloc(mp->nst + 1, sizeof(*p->st))) == NULL)
		fatal("%s: out of memory", __func__);
	for (i = 0; i < mp->nst; i++, p->nst++) {
		p->st[i].accept = mp->st[i].accept != 0;
		if (mp->st[i].any)
			continue;
		p->st[i].set = prefixset_new(name, mp->st[i].set,
		    mp->st[i].nset);
		if (p->st[i].set == NULL) {
			policy_free(p);
			return NULL;
		}
	}
	return p;
}

void
policy_free(struct policy *p)
{
	size_t i;

	if (p == NULL)
		return;
	for (i = 0; i < p->nst; i++)
		prefixset_free(p->st[i].set);
	free(p->st);
	free(p->name);
	free(p);
}

const char *
policy_name(const struct policy *p)
{
	return p->name;
}

enum policy_verdict
policy_eval(const struct policy *p, const struct prefix *pfx)
{
	size_t i;

	for (i = 0; i < p->nst; i++)
		if (p->st[i].set == NULL || prefixset_match(p->st[i].set, pfx))
			return p->st[i].accept ? POLICY_ACCEPT : POLICY_REJECT;
	return POLICY_NOMATCH;
}

int
policy_chain_accepts(struct policy *const *chain, size_t n,
    const struct prefix *pfx)
{
	enum policy_verdict v;
	size_t i;

	for (i = 0; i < n; i++) {
		if (chain[i] == NULL)
			continue;
		if ((v = policy_eval(chain[i], pfx)) != POLICY_NOMATCH)
			return v == POLICY_ACCEPT;
	}
	return 1;
}
