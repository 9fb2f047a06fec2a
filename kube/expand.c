/*
 * expand.c: BGPPeeringPolicy -> the BGPSessions it generates (API.md).
 * mesh: one session per unordered pair of selected endpoints, local = the
 * smaller name. route-reflector: the reflectorSelector must match exactly
 * one selected endpoint, else the policy is invalid and generates nothing;
 * one session per client with local = reflector and routeReflector set.
 * Names: "session-<a>-<b>" (a < b), or "session-" + 16 hex digits of
 * SHA-256("<a>-<b>") when that would exceed 253 characters. Each carries
 * the label bgp.miloapis.com/policy. Standalone mode uses them in memory;
 * the API-server source will write the same objects.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kube/kube_int.h"

#define EXPAND_POLICY_LABEL	"bgp.miloapis.com/policy"

char *
expand_session_name(const char *a, const char *b)
{
	uint8_t h[32];
	char *pair, hex[17];
	int i;

	if (strcmp(a, b) > 0) {
		const char *t = a;

		a = b;
		b = t;
	}
	if (strlen("session-") + strlen(a) + 1 + strlen(b) <= KUBE_NAME_MAX)
		return kube_asprintf("session-%s-%s", a, b);
	pair = kube_asprintf("%s-%s", a, b);
	sha256(pair, strlen(pair), h);
	free(pair);
	for (i = 0; i < 8; i++)
		snprintf(hex + 2 * i, 3, "%02x", h[i]);
	return kube_asprintf("session-%s", hex);
}

static void
expand_add(struct expansion *x, const struct kobj *policy,
    const struct kpeering *p, const char *local, const char *remote, int rr)
{
	struct gensession *g;

	if (x->n == x->cap) {
		x->cap = x->cap ? 2 * x->cap : 16;
		x->v = kube_reallocarray(x->v, x->cap, sizeof(*x->v));
	}
	g = &x->v[x->n++];
	memset(g, 0, sizeof(*g));
	g->name = expand_session_name(local, remote);
	g->policy = policy->name;
	g->s.local = kube_strdup(local);
	g->s.remote = kube_strdup(remote);
	g->s.hold = p->hold;
	g->s.keepalive = p->keepalive;
	g->s.rr = rr;
	g->s.cluster_id = rr && p->has_cluster_id ? p->cluster_id : 0;
	labels_set(&g->labels, EXPAND_POLICY_LABEL, policy->name);
}

void
expand_policy(const struct store *s, const struct kobj *policy,
    struct expansion *x, struct expand_result *res)
{
	const struct kpeering *p = policy->spec;
	const struct kobj **eps;
	size_t i, j, n = 0, nrefl = 0, refl = 0;

	memset(res, 0, sizeof(*res));
	if (p == NULL) {
		res->invalid = 1;
		snprintf(res->reason, sizeof(res->reason), "InvalidSpec");
		snprintf(res->msg, sizeof(res->msg), "the spec is invalid");
		return;
	}
	eps = kube_calloc(store_count(s, KIND_ENDPOINT) + 1, sizeof(*eps));
	for (i = 0; i < store_count(s, KIND_ENDPOINT); i++) {
		const struct kobj *ep = store_at(s, KIND_ENDPOINT, i);

		if (ep->spec && selector_match(&p->sel, &ep->labels))
			eps[n++] = ep;
	}
	res->matched = n;
	if (!p->rr_mode) {
		for (i = 0; i < n; i++)
			for (j = i + 1; j < n; j++)
				expand_add(x, policy, p, eps[i]->name,
				    eps[j]->name, 0);
		res->sessions = n * (n ? n - 1 : 0) / 2;
		free(eps);
		return;
	}
	for (i = 0; i < n; i++)
		if (selector_match(&p->reflector, &eps[i]->labels)) {
			nrefl++;
			refl = i;
		}
	if (nrefl != 1) {
		res->invalid = 1;
		snprintf(res->reason, sizeof(res->reason),
		    "ReflectorSelectorMismatch");
		snprintf(res->msg, sizeof(res->msg), "reflectorSelector "
		    "matches %zu of the %zu selected endpoints; exactly one "
		    "is required, so no session is generated", nrefl, n);
		free(eps);
		return;
	}
	for (i = 0; i < n; i++)
		if (i != refl)
			expand_add(x, policy, p, eps[refl]->name, eps[i]->name,
			    1);
	res->sessions = n - 1;
	free(eps);
}

static int
expand_cmp(const void *a, const void *b)
{
	const struct gensession *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	if (c != 0)
		return c;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void
expand_gen_free(struct gensession *g)
{
	free(g->name);
	ksession_free(&g->s);
	labels_free(&g->labels);
}

/*
 * Every policy in name order, sorted by session name; when two policies
 * generate the same pair, the first policy's session is kept.
 */
void
expand_all(const struct store *s, struct expansion *x,
    struct expand_result *results)
{
	struct expand_result res;
	size_t i, o;

	memset(x, 0, sizeof(*x));
	for (i = 0; i < store_count(s, KIND_PEERING); i++) {
		size_t first = x->n;

		expand_policy(s, store_at(s, KIND_PEERING, i), x, &res);
		for (o = first; o < x->n; o++)
			x->v[o].seq = o;
		if (results)
			results[i] = res;
	}
	if (x->n < 2)
		return;
	qsort(x->v, x->n, sizeof(*x->v), expand_cmp);
	for (i = 1, o = 1; i < x->n; i++) {
		if (strcmp(x->v[i].name, x->v[o - 1].name) == 0)
			expand_gen_free(&x->v[i]);
		else
			x->v[o++] = x->v[i];
	}
	x->n = o;
}

void
expansion_free(struct expansion *x)
{
	size_t i;

	for (i = 0; i < x->n; i++)
		expand_gen_free(&x->v[i]);
	free(x->v);
	memset(x, 0, sizeof(*x));
}
