/*
 * kind_peeringpolicy.c: BGPPeeringPolicy, sessions generated from label
 * selectors. mode mesh (default) or route-reflector; route-reflector needs
 * routeReflectorConfig.reflectorSelector (clusterID optional: the
 * reflector's router ID is used without it, as RFC 4456 suggests).
 * sessionTemplate timers follow BGPSession's rules and defaults.
 */
#include <stdlib.h>
#include <string.h>

#include "kube/kube_int.h"

static void
kind_peering_rr(const json_t *spec, struct kpeering *p, struct kerrs *e)
{
	const json_t *rr, *sel;
	const char *id;
	int r;

	r = field_obj(spec, "routeReflectorConfig", "spec", &rr,
	    p->rr_mode ? FIELD_REQUIRED : FIELD_OPTIONAL, e);
	if (r != 1 || !p->rr_mode)
		return;
	if (field_obj(rr, "reflectorSelector", "spec.routeReflectorConfig",
	    &sel, FIELD_REQUIRED, e) == 1)
		selector_parse(sel,
		    "spec.routeReflectorConfig.reflectorSelector",
		    &p->reflector, e);
	if (field_str(rr, "clusterID", "spec.routeReflectorConfig", &id,
	    FIELD_OPTIONAL, e) != 1)
		return;
	p->has_cluster_id = 1;
	if (addr_parse_id(id, &p->cluster_id) == -1 || p->cluster_id == 0)
		kerr_add(e, 1, "spec.routeReflectorConfig.clusterID", "\"%s\" "
		    "is not a non-zero dotted-quad IPv4 address", id);
}

static void
kind_peering_free(void *v)
{
	struct kpeering *p = v;

	if (p == NULL)
		return;
	selector_free(&p->sel);
	selector_free(&p->reflector);
	free(p);
}

static void *
kind_peering_parse(const json_t *spec, struct kerrs *e)
{
	static const char *const modes[] = { "mesh", "route-reflector", NULL };
	struct kpeering *p = kube_calloc(1, sizeof(*p));
	const json_t *sel, *tmpl;
	uint64_t v;

	if (spec == NULL) {
		kerr_add(e, 1, "spec", "required");
		free(p);
		return NULL;
	}
	if (field_obj(spec, "selector", "spec", &sel, FIELD_REQUIRED, e) == 1)
		selector_parse(sel, "spec.selector", &p->sel, e);
	field_enum(spec, "mode", "spec", modes, 0, &p->rr_mode,
	    FIELD_OPTIONAL, e);
	kind_peering_rr(spec, p, e);
	p->hold = 90;
	p->keepalive = 30;
	if (field_obj(spec, "sessionTemplate", "spec", &tmpl, FIELD_OPTIONAL,
	    e) == 1) {
		if (field_uint(tmpl, "holdTime", "spec.sessionTemplate", 3,
		    65535, 90, &v, FIELD_OPTIONAL, e) != -1)
			p->hold = (uint16_t)v;
		if (field_uint(tmpl, "keepaliveTime", "spec.sessionTemplate",
		    1, 65535, 30, &v, FIELD_OPTIONAL, e) != -1)
			p->keepalive = (uint16_t)v;
	}
	if (kerr_nfatal(e)) {
		kind_peering_free(p);
		return NULL;
	}
	return p;
}

static int
kind_peering_equal(const void *a, const void *b)
{
	const struct kpeering *x = a, *y = b;

	return selector_equal(&x->sel, &y->sel) && x->rr_mode == y->rr_mode &&
	    selector_equal(&x->reflector, &y->reflector) &&
	    x->has_cluster_id == y->has_cluster_id &&
	    x->cluster_id == y->cluster_id && x->hold == y->hold &&
	    x->keepalive == y->keepalive;
}

const struct kind_desc kind_peering = {
	.idx = KIND_PEERING,
	.kind = "BGPPeeringPolicy",
	.short_name = "bgppp",
	.plural = "bgppeeringpolicies",
	.parse = kind_peering_parse,
	.equal = kind_peering_equal,
	.free = kind_peering_free,
};
