/*
 * kind_endpoint.c: BGPEndpoint, "a BGP speaker exists at this address with
 * this AS". Extensions (API.md): IPv4 addresses, spec.port.
 */
#include <stdlib.h>
#include <string.h>

#include "kube/kube_int.h"

static void *
kind_endpoint_parse(const json_t *spec, struct kerrs *e)
{
	struct kendpoint *ep = kube_calloc(1, sizeof(*ep));
	const char *a;
	uint64_t v;

	if (spec == NULL) {
		kerr_add(e, 1, "spec", "required");
		free(ep);
		return NULL;
	}
	if (field_str(spec, "address", "spec", &a, FIELD_REQUIRED, e) == 1 &&
	    addr_parse(a, &ep->addr) == -1)
		kerr_add(e, 1, "spec.address", "\"%s\" is not an IPv4 or IPv6 "
		    "address", a);
	else if (addr_is_set(&ep->addr) && addr_is_v6_linklocal(&ep->addr))
		kerr_add(e, 1, "spec.address", "link-local address \"%s\" "
		    "needs an interface; use a global address", a);
	if (field_uint(spec, "asNumber", "spec", 1, UINT32_MAX, 0, &v,
	    FIELD_REQUIRED, e) == 1)
		ep->as = (uint32_t)v;
	if (field_uint(spec, "port", "spec", 1, 65535, 0, &v, FIELD_OPTIONAL,
	    e) == 1)
		ep->port = (uint16_t)v;
	kind_families_parse(spec, "spec", &ep->fam, e);
	if (kerr_nfatal(e)) {
		free(ep);
		return NULL;
	}
	return ep;
}

static int
kind_endpoint_equal(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(struct kendpoint)) == 0;
}

static void
kind_endpoint_free(void *p)
{
	free(p);
}

const struct kind_desc kind_endpoint = {
	.idx = KIND_ENDPOINT,
	.kind = "BGPEndpoint",
	.short_name = "bgpep",
	.plural = "bgpendpoints",
	.parse = kind_endpoint_parse,
	.equal = kind_endpoint_equal,
	.free = kind_endpoint_free,
};
