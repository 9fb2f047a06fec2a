/*
 * kind_session.c: BGPSession, a peering between two endpoints named by
 * resource name. holdTime >= 3 (default 90), keepaliveTime >= 1 (default
 * 30), both at most 65535 since they travel in 16 bits; routeReflector
 * needs a dotted-quad clusterID; ebgpConfig.multiHop.ttl and
 * ebgpConfig.ttlSecurity.ttl are 1..255 and mutually exclusive.
 */
#include <stdlib.h>
#include <string.h>

#include "kube/kube_int.h"

static void
kind_session_ttl(const json_t *ebgp, const char *key, uint8_t *out,
    struct kerrs *e)
{
	const json_t *o;
	char *p = field_path("spec.ebgpConfig", key);
	uint64_t v;

	if (field_obj(ebgp, key, "spec.ebgpConfig", &o, FIELD_OPTIONAL,
	    e) == 1 && field_uint(o, "ttl", p, 1, 255, 0, &v, FIELD_REQUIRED,
	    e) == 1)
		*out = (uint8_t)v;
	free(p);
}

static void
kind_session_rr(const json_t *spec, struct ksession *s, struct kerrs *e)
{
	const json_t *rr;
	const char *id;

	if (field_obj(spec, "routeReflector", "spec", &rr, FIELD_OPTIONAL,
	    e) != 1)
		return;
	s->rr = 1;
	if (field_str(rr, "clusterID", "spec.routeReflector", &id,
	    FIELD_REQUIRED, e) == 1 && (addr_parse_id(id, &s->cluster_id) ==
	    -1 || s->cluster_id == 0))
		kerr_add(e, 1, "spec.routeReflector.clusterID", "\"%s\" is not "
		    "a non-zero dotted-quad IPv4 address", id);
}

static void
kind_session_endpoint(const json_t *spec, const char *key, char **out,
    struct kerrs *e)
{
	const char *s;
	char *p;

	if (field_str(spec, key, "spec", &s, FIELD_REQUIRED, e) != 1)
		return;
	if (!kube_name_valid(s)) {
		p = field_path("spec", key);
		kerr_add(e, 1, p, "\"%s\" is not a valid object name", s);
		free(p);
		return;
	}
	*out = kube_strdup(s);
}

void
ksession_free(struct ksession *s)
{
	free(s->local);
	free(s->remote);
	memset(s, 0, sizeof(*s));
}

static void *
kind_session_parse(const json_t *spec, struct kerrs *e)
{
	struct ksession *s = kube_calloc(1, sizeof(*s));
	const json_t *ebgp;
	uint64_t v;

	if (spec == NULL) {
		kerr_add(e, 1, "spec", "required");
		free(s);
		return NULL;
	}
	kind_session_endpoint(spec, "localEndpoint", &s->local, e);
	kind_session_endpoint(spec, "remoteEndpoint", &s->remote, e);
	if (s->local && s->remote && strcmp(s->local, s->remote) == 0)
		kerr_add(e, 1, "spec.remoteEndpoint", "is the same endpoint "
		    "as spec.localEndpoint");
	if (field_uint(spec, "holdTime", "spec", 3, 65535, 90, &v,
	    FIELD_OPTIONAL, e) != -1)
		s->hold = (uint16_t)v;
	if (field_uint(spec, "keepaliveTime", "spec", 1, 65535, 30, &v,
	    FIELD_OPTIONAL, e) != -1)
		s->keepalive = (uint16_t)v;
	kind_session_rr(spec, s, e);
	if (field_obj(spec, "ebgpConfig", "spec", &ebgp, FIELD_OPTIONAL,
	    e) == 1) {
		kind_session_ttl(ebgp, "multiHop", &s->multihop_ttl, e);
		kind_session_ttl(ebgp, "ttlSecurity", &s->gtsm_ttl, e);
		if (json_object_get(ebgp, "multiHop") &&
		    json_object_get(ebgp, "ttlSecurity"))
			kerr_add(e, 1, "spec.ebgpConfig", "multiHop and "
			    "ttlSecurity are mutually exclusive");
	}
	if (kerr_nfatal(e)) {
		ksession_free(s);
		free(s);
		return NULL;
	}
	return s;
}

static int
kind_session_equal(const void *a, const void *b)
{
	const struct ksession *x = a, *y = b;

	return strcmp(x->local, y->local) == 0 &&
	    strcmp(x->remote, y->remote) == 0 && x->hold == y->hold &&
	    x->keepalive == y->keepalive && x->rr == y->rr &&
	    x->cluster_id == y->cluster_id &&
	    x->multihop_ttl == y->multihop_ttl && x->gtsm_ttl == y->gtsm_ttl;
}

static void
kind_session_free(void *p)
{
	if (p == NULL)
		return;
	ksession_free(p);
	free(p);
}

const struct kind_desc kind_session = {
	.idx = KIND_SESSION,
	.kind = "BGPSession",
	.short_name = "bgpsess",
	.plural = "bgpsessions",
	.parse = kind_session_parse,
	.equal = kind_session_equal,
	.free = kind_session_free,
};
