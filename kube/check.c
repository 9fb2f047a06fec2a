/*
 * check.c: checks across objects, which no single manifest shows wrong:
 * sessions naming missing endpoints or endpoints of different address
 * families, endpoints sharing an address, route-reflector policies whose
 * reflectorSelector does not match exactly one endpoint. And kube_check(),
 * `bgpd check`: load a directory the way the daemon does and print every
 * problem, one per line.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kube/kube.h"
#include "kube/kube_int.h"

static void
check_at(struct kerrs *e, const struct kobj *o)
{
	e->file = o->origin;
	e->doc = o->doc;
	e->line = 0;
	e->kind = o->kind->kind;
	e->name = o->name;
}

static const struct kendpoint *
check_endpoint(const struct store *s, struct kerrs *e, const char *field,
    const char *name)
{
	const struct kobj *o = store_get(s, KIND_ENDPOINT, name);

	if (o == NULL)
		kerr_add(e, 1, field, "BGPEndpoint %s does not exist", name);
	else if (o->spec == NULL)
		kerr_add(e, 1, field, "BGPEndpoint %s has no valid spec",
		    name);
	return o ? o->spec : NULL;
}

static void
check_pair(struct kerrs *e, const char *field, const char *a,
    const struct kendpoint *x, const char *b, const struct kendpoint *y)
{
	if (x == NULL || y == NULL || x->addr.af == y->addr.af)
		return;
	kerr_add(e, 1, field, "endpoints %s and %s are of different address "
	    "families", a, b);
}

static void
check_sessions(const struct store *s, struct kerrs *e)
{
	size_t i;

	for (i = 0; i < store_count(s, KIND_SESSION); i++) {
		const struct kobj *o = store_at(s, KIND_SESSION, i);
		const struct ksession *k = o->spec;
		const struct kendpoint *l, *r;

		if (k == NULL || o->latest_refused)
			continue;
		check_at(e, o);
		l = check_endpoint(s, e, "spec.localEndpoint", k->local);
		r = check_endpoint(s, e, "spec.remoteEndpoint", k->remote);
		check_pair(e, "spec", k->local, l, k->remote, r);
	}
}

static void
check_endpoints(const struct store *s, struct kerrs *e)
{
	size_t i, j, n = store_count(s, KIND_ENDPOINT);

	for (i = 0; i < n; i++) {
		const struct kobj *o = store_at(s, KIND_ENDPOINT, i);
		const struct kendpoint *a = o->spec;

		for (j = 0; a && !o->latest_refused && j < i; j++) {
			const struct kobj *p = store_at(s, KIND_ENDPOINT, j);
			const struct kendpoint *b = p->spec;
			char buf[ADDR_STRLEN];

			if (b == NULL || addr_cmp(&a->addr, &b->addr) != 0)
				continue;
			check_at(e, o);
			kerr_add(e, 1, "spec.address", "%s is also the address "
			    "of BGPEndpoint %s", addr_fmt(&a->addr, buf,
			    sizeof(buf)), p->name);
		}
	}
}

static void
check_peering(const struct store *s, struct kerrs *e)
{
	struct expansion x;
	struct expand_result r;
	size_t i, j;

	for (i = 0; i < store_count(s, KIND_PEERING); i++) {
		const struct kobj *o = store_at(s, KIND_PEERING, i);

		if (o->spec == NULL || o->latest_refused)
			continue;
		memset(&x, 0, sizeof(x));
		expand_policy(s, o, &x, &r);
		check_at(e, o);
		if (r.invalid)
			kerr_add(e, 1, "spec.routeReflectorConfig."
			    "reflectorSelector", "%s", r.msg);
		for (j = 0; j < x.n; j++) {
			const struct kobj *a = store_get(s, KIND_ENDPOINT,
			    x.v[j].s.local);
			const struct kobj *b = store_get(s, KIND_ENDPOINT,
			    x.v[j].s.remote);

			check_pair(e, "spec.selector", a->name, a->spec,
			    b->name, b->spec);
		}
		expansion_free(&x);
	}
}

void
check_store(const struct store *s, struct kerrs *e)
{
	check_sessions(s, e);
	check_endpoints(s, e);
	check_peering(s, e);
	e->file = NULL;
	e->doc = 0;
	e->kind = e->name = NULL;
}

int
kube_check(const char *dir, FILE *out)
{
	struct load_set set;
	struct store *s;
	struct kerrs e;
	size_t i;
	int n;

	if (load_dir(dir, &set) == -1)
		return -1;
	memset(&e, 0, sizeof(e));
	s = store_new();
	load_store(&set, s, &e, NULL);
	check_store(s, &e);
	for (i = 0; i < e.n; i++)
		kerr_print(&e.v[i], out);
	n = (int)e.n;
	kerr_clear(&e);
	store_free(s);
	load_set_free(&set);
	return n;
}
