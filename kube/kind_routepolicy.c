/*
 * kind_routepolicy.c: BGPRoutePolicy, compiled here into the statements
 * bgp/ evaluates. A prefixSet entry {cidr, maskLengthMin, maskLengthMax}:
 * neither length given -> both are the cidr length; only min -> max is the
 * address length; only max -> min is the cidr length. cidr length <= min
 * <= max <= address length. An absent (or empty) prefixSet matches every
 * prefix. Any error refuses the whole version: a policy is never
 * half-applied.
 */
#include <stdlib.h>
#include <string.h>

#include "kube/kube_int.h"

static void
kind_policy_free(void *v)
{
	struct kpolicy *p = v;
	size_t i;

	if (p == NULL)
		return;
	selector_free(&p->peer_sel);
	for (i = 0; i < p->nst; i++)
		free(p->st[i].set);
	free(p->st);
	free(p);
}

static int
kind_policy_range(const json_t *it, const char *path, struct model_range *r,
    struct kerrs *e)
{
	const char *cidr;
	uint64_t min, max;
	unsigned bits;
	int hmin, n = (int)e->n;

	if (!json_is_object(it)) {
		kerr_add(e, 1, path, "must be an object");
		return -1;
	}
	if (field_str(it, "cidr", path, &cidr, FIELD_REQUIRED, e) != 1)
		return -1;
	if (prefix_parse(cidr, &r->pfx) == -1) {
		char *p = field_path(path, "cidr");

		kerr_add(e, 1, p, prefix_parse_loose(cidr, &r->pfx) == 0 ?
		    "\"%s\" has host bits set" : "\"%s\" is not an IPv4 or "
		    "IPv6 CIDR", cidr);
		free(p);
		return -1;
	}
	bits = addr_bits(r->pfx.af);
	hmin = field_uint(it, "maskLengthMin", path, 0, bits, r->pfx.len, &min,
	    FIELD_OPTIONAL, e);
	field_uint(it, "maskLengthMax", path, 0, bits,
	    hmin == 1 ? bits : r->pfx.len, &max, FIELD_OPTIONAL, e);
	if ((int)e->n != n)
		return -1;
	if (min < r->pfx.len || max < r->pfx.len) {
		const char *k = min < r->pfx.len ? "maskLengthMin" :
		    "maskLengthMax";
		char *p = field_path(path, k);

		kerr_add(e, 1, p, "%s %llu is shorter than the cidr length %u",
		    k, (unsigned long long)(min < r->pfx.len ? min : max),
		    r->pfx.len);
		free(p);
		return -1;
	}
	if (min > max) {
		char *p = field_path(path, "maskLengthMin");

		kerr_add(e, 1, p, "maskLengthMin %llu is greater than "
		    "maskLengthMax %llu", (unsigned long long)min,
		    (unsigned long long)max);
		free(p);
		return -1;
	}
	r->min = (uint8_t)min;
	r->max = (uint8_t)max;
	return 0;
}

static void
kind_policy_statement(const json_t *it, const char *path,
    struct model_statement *st, struct kerrs *e)
{
	static const char *const actions[] = { "Accept", "Reject", NULL };
	const json_t *set;
	char *sp;
	size_t i;
	int act;

	memset(st, 0, sizeof(*st));
	if (!json_is_object(it)) {
		kerr_add(e, 1, path, "must be an object");
		return;
	}
	if (field_enum(it, "action", path, actions, 0, &act, FIELD_REQUIRED,
	    e) == 1)
		st->accept = act == 0;
	if (field_arr(it, "prefixSet", path, &set, FIELD_OPTIONAL, e) == -1)
		return;
	st->any = set == NULL || json_array_size(set) == 0;
	sp = field_path(path, "prefixSet");
	for (i = 0; set && i < json_array_size(set); i++) {
		struct model_range r;
		char *p = field_path_idx(sp, i);

		memset(&r, 0, sizeof(r));
		if (kind_policy_range(json_array_get(set, i), p, &r, e) == 0) {
			st->set = kube_reallocarray(st->set, st->nset + 1,
			    sizeof(*st->set));
			st->set[st->nset++] = r;
		}
		free(p);
	}
	free(sp);
}

static void *
kind_policy_parse(const json_t *spec, struct kerrs *e)
{
	static const char *const types[] = { "Import", "Export", NULL };
	struct kpolicy *p = kube_calloc(1, sizeof(*p));
	const json_t *list, *sel;
	size_t i;

	if (spec == NULL) {
		kerr_add(e, 1, "spec", "required");
		free(p);
		return NULL;
	}
	field_enum(spec, "type", "spec", types, 0, &p->export, FIELD_REQUIRED,
	    e);
	if (field_obj(spec, "peerSelector", "spec", &sel, FIELD_OPTIONAL,
	    e) == 1 && selector_parse(sel, "spec.peerSelector", &p->peer_sel,
	    e) == 0)
		p->has_peer_sel = 1;
	if (field_arr(spec, "statements", "spec", &list, FIELD_REQUIRED,
	    e) == 1 && json_array_size(list) == 0)
		kerr_add(e, 1, "spec.statements", "needs at least one "
		    "statement");
	for (i = 0; list && i < json_array_size(list); i++) {
		char *path = field_path_idx("spec.statements", i);

		p->st = kube_reallocarray(p->st, p->nst + 1, sizeof(*p->st));
		kind_policy_statement(json_array_get(list, i), path,
		    &p->st[p->nst++], e);
		free(path);
	}
	if (kerr_nfatal(e)) {
		kind_policy_free(p);
		return NULL;
	}
	return p;
}

static int
kind_policy_equal(const void *va, const void *vb)
{
	const struct kpolicy *a = va, *b = vb;
	struct model_policy x, y;

	memset(&x, 0, sizeof(x));
	memset(&y, 0, sizeof(y));
	x.st = a->st;
	x.nst = a->nst;
	y.st = b->st;
	y.nst = b->nst;
	return a->export == b->export && a->has_peer_sel == b->has_peer_sel &&
	    selector_equal(&a->peer_sel, &b->peer_sel) &&
	    model_policy_equal(&x, &y);
}

const struct kind_desc kind_policy = {
	.idx = KIND_POLICY,
	.kind = "BGPRoutePolicy",
	.short_name = "bgprp",
	.plural = "bgproutepolicies",
	.parse = kind_policy_parse,
	.equal = kind_policy_equal,
	.free = kind_policy_free,
};
