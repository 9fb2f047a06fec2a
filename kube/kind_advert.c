/*
 * kind_advert.c: BGPAdvertisement, prefixes to originate. An invalid prefix
 * does not refuse the object: it is dropped and named in the Advertised
 * condition while the valid ones are still advertised (API.md). Everything
 * else (communities, localPref, selectors) refuses the version.
 * Extensions: IPv4 prefixes, well-known and large communities,
 * spec.endpointSelector.
 */
#include <stdlib.h>
#include <string.h>

#include "kube/kube_int.h"

static void
kind_advert_free(void *v)
{
	struct kadvert *a = v;
	size_t i;

	if (a == NULL)
		return;
	free(a->pfx);
	for (i = 0; i < a->nbad; i++)
		free(a->bad[i]);
	free(a->bad);
	free(a->comm);
	free(a->large);
	selector_free(&a->peer_sel);
	selector_free(&a->ep_sel);
	free(a);
}

static void
kind_advert_prefix(struct kadvert *a, const json_t *v, const char *path,
    struct kerrs *e)
{
	struct prefix p, loose;
	char buf[PREFIX_STRLEN];
	const char *s = json_string_value(v);
	size_t i;

	if (s == NULL) {
		kerr_add(e, 0, path, "must be a string; dropped");
		a->bad = kube_reallocarray(a->bad, a->nbad + 1, sizeof(*a->bad));
		a->bad[a->nbad++] = kube_strdup("(not a string)");
		return;
	}
	if (prefix_parse(s, &p) == -1) {
		if (prefix_parse_loose(s, &loose) == 0)
			kerr_add(e, 0, path, "\"%s\" has host bits set (%s?); "
			    "dropped", s, prefix_fmt(&loose, buf, sizeof(buf)));
		else
			kerr_add(e, 0, path, "\"%s\" is not an IPv4 or IPv6 "
			    "CIDR; dropped", s);
		a->bad = kube_reallocarray(a->bad, a->nbad + 1, sizeof(*a->bad));
		a->bad[a->nbad++] = kube_strdup(s);
		return;
	}
	for (i = 0; i < a->npfx; i++)
		if (prefix_cmp(&a->pfx[i], &p) == 0)
			return;
	a->pfx = kube_reallocarray(a->pfx, a->npfx + 1, sizeof(*a->pfx));
	a->pfx[a->npfx++] = p;
}

static void
kind_advert_community(struct kadvert *a, const json_t *v, const char *path,
    struct kerrs *e)
{
	struct model_large l;
	uint32_t c;
	int r;

	if (!json_is_string(v)) {
		kerr_add(e, 1, path, "must be a string");
		return;
	}
	r = model_parse_community(json_string_value(v), &c, &l);
	if (r == 0) {
		a->comm = kube_reallocarray(a->comm, a->ncomm + 1,
		    sizeof(*a->comm));
		a->comm[a->ncomm++] = c;
	} else if (r == 1) {
		a->large = kube_reallocarray(a->large, a->nlarge + 1,
		    sizeof(*a->large));
		a->large[a->nlarge++] = l;
	} else
		kerr_add(e, 1, path, "\"%s\" is not a community (\"A:B\" with "
		    "A, B 0..65535, a well-known name, or large \"A:B:C\")",
		    json_string_value(v));
}

/* Each element of a list through fn, with its indexed path. */
static void
kind_advert_each(struct kadvert *a, const json_t *list, const char *path,
    void (*fn)(struct kadvert *, const json_t *, const char *,
    struct kerrs *), struct kerrs *e)
{
	size_t i;

	for (i = 0; list && i < json_array_size(list); i++) {
		char *p = field_path_idx(path, i);

		fn(a, json_array_get(list, i), p, e);
		free(p);
	}
}

static void
kind_advert_selector(const json_t *spec, const char *key, int *has,
    struct selector *sel, struct kerrs *e)
{
	const json_t *o;
	char *p;

	if (field_obj(spec, key, "spec", &o, FIELD_OPTIONAL, e) != 1)
		return;
	p = field_path("spec", key);
	if (selector_parse(o, p, sel, e) == 0)
		*has = 1;
	free(p);
}

static void *
kind_advert_parse(const json_t *spec, struct kerrs *e)
{
	struct kadvert *a = kube_calloc(1, sizeof(*a));
	const json_t *list;
	uint64_t v;

	if (spec == NULL) {
		kerr_add(e, 1, "spec", "required");
		free(a);
		return NULL;
	}
	if (field_arr(spec, "prefixes", "spec", &list, FIELD_REQUIRED,
	    e) == 1) {
		if (json_array_size(list) == 0)
			kerr_add(e, 1, "spec.prefixes", "needs at least one "
			    "prefix");
		kind_advert_each(a, list, "spec.prefixes", kind_advert_prefix,
		    e);
	}
	if (field_arr(spec, "communities", "spec", &list, FIELD_OPTIONAL,
	    e) == 1)
		kind_advert_each(a, list, "spec.communities",
		    kind_advert_community, e);
	if (field_uint(spec, "localPref", "spec", 0, UINT32_MAX, 0, &v,
	    FIELD_OPTIONAL, e) == 1) {
		a->has_local_pref = 1;
		a->local_pref = (uint32_t)v;
	}
	kind_advert_selector(spec, "peerSelector", &a->has_peer_sel,
	    &a->peer_sel, e);
	kind_advert_selector(spec, "endpointSelector", &a->has_ep_sel,
	    &a->ep_sel, e);
	if (kerr_nfatal(e)) {
		kind_advert_free(a);
		return NULL;
	}
	return a;
}

static int
kind_advert_equal(const void *va, const void *vb)
{
	const struct kadvert *a = va, *b = vb;
	size_t i;

	if (a->npfx != b->npfx || a->nbad != b->nbad ||
	    a->ncomm != b->ncomm || a->nlarge != b->nlarge ||
	    a->has_local_pref != b->has_local_pref ||
	    a->local_pref != b->local_pref ||
	    a->has_peer_sel != b->has_peer_sel ||
	    a->has_ep_sel != b->has_ep_sel)
		return 0;
	for (i = 0; i < a->nbad; i++)
		if (strcmp(a->bad[i], b->bad[i]) != 0)
			return 0;
	if ((a->npfx && memcmp(a->pfx, b->pfx, a->npfx * sizeof(*a->pfx))) ||
	    (a->ncomm && memcmp(a->comm, b->comm, a->ncomm *
	    sizeof(*a->comm))) || (a->nlarge && memcmp(a->large, b->large,
	    a->nlarge * sizeof(*a->large))))
		return 0;
	return selector_equal(&a->peer_sel, &b->peer_sel) &&
	    selector_equal(&a->ep_sel, &b->ep_sel);
}

const struct kind_desc kind_advert = {
	.idx = KIND_ADVERT,
	.kind = "BGPAdvertisement",
	.short_name = "bgpadvert",
	.plural = "bgpadvertisements",
	.parse = kind_advert_parse,
	.equal = kind_advert_equal,
	.free = kind_advert_free,
};
