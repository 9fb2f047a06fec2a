/*
 * kind_config.c: BGPConfiguration, the speaker identity shared by the
 * cluster (one object, named "default"). API.md: asNumber required,
 * listenPort default 1790, routerIDSource NodeIP (default) or Manual with
 * routerID, addressFamilies default IPv6 unicast. Extension: maxPaths
 * 1..64 (default 1), the ECMP width of the kernel routes.
 */
#include <stdlib.h>
#include <string.h>

#include "kube/kube_int.h"

static void *
kind_config_parse(const json_t *spec, struct kerrs *e)
{
	static const char *const sources[] = { "NodeIP", "Manual", NULL };
	struct kconfig *c = kube_calloc(1, sizeof(*c));
	const char *rid;
	uint64_t v;
	int src, r;

	if (spec == NULL) {
		kerr_add(e, 1, "spec", "required");
		free(c);
		return NULL;
	}
	if (field_uint(spec, "asNumber", "spec", 1, UINT32_MAX, 0, &v,
	    FIELD_REQUIRED, e) == 1)
		c->as = (uint32_t)v;
	if (field_uint(spec, "listenPort", "spec", 1, 65535, 1790, &v,
	    FIELD_OPTIONAL, e) != -1)
		c->listen_port = (uint16_t)v;
	field_enum(spec, "routerIDSource", "spec", sources, 0, &src,
	    FIELD_OPTIONAL, e);
	c->manual_id = src == 1;
	r = field_str(spec, "routerID", "spec", &rid, FIELD_OPTIONAL, e);
	if (r == 1 && (addr_parse_id(rid, &c->router_id) == -1 ||
	    c->router_id == 0))
		kerr_add(e, 1, "spec.routerID", "\"%s\" is not a non-zero "
		    "dotted-quad IPv4 address", rid);
	else if (r == 0 && c->manual_id)
		kerr_add(e, 1, "spec.routerID", "required when "
		    "routerIDSource is Manual");
	if (field_uint(spec, "maxPaths", "spec", 1, 64, 1, &v,
	    FIELD_OPTIONAL, e) != -1)
		c->max_paths = (uint32_t)v;
	kind_families_parse(spec, "spec", &c->fam, e);
	if (kerr_nfatal(e)) {
		free(c);
		return NULL;
	}
	return c;
}

static int
kind_config_equal(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(struct kconfig)) == 0;
}

static void
kind_config_free(void *p)
{
	free(p);
}

const struct kind_desc kind_config = {
	.idx = KIND_CONFIG,
	.kind = "BGPConfiguration",
	.short_name = "bgpconfig",
	.plural = "bgpconfigurations",
	.only_name = "default",
	.parse = kind_config_parse,
	.equal = kind_config_equal,
	.free = kind_config_free,
};
