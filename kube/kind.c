/*
 * kind.c: the table of resource kinds (each kind's descriptor lives in its
 * own kind_*.c) and the pieces several kinds share.
 */
#include <stdlib.h>
#include <string.h>

#include "kube/kube_int.h"

static const struct kind_desc *const kind_table[KIND_N] = {
	[KIND_CONFIG] = &kind_config,
	[KIND_ENDPOINT] = &kind_endpoint,
	[KIND_SESSION] = &kind_session,
	[KIND_PEERING] = &kind_peering,
	[KIND_ADVERT] = &kind_advert,
	[KIND_POLICY] = &kind_policy,
};

const struct kind_desc *
kind_find(const char *kind)
{
	size_t i;

	for (i = 0; kind != NULL && i < KIND_N; i++)
		if (strcmp(kind_table[i]->kind, kind) == 0)
			return kind_table[i];
	return NULL;
}

const struct kind_desc *
kind_at(enum kind_idx i)
{
	return (unsigned)i < KIND_N ? kind_table[i] : NULL;
}

/*
 * addressFamilies: [{afi: IPv4|IPv6, safi: Unicast|Multicast}], default
 * [{afi: IPv6, safi: Unicast}] when absent or empty.
 */
int
kind_families_parse(const json_t *spec, const char *path, struct families *f,
    struct kerrs *e)
{
	static const char *const afis[] = { "IPv4", "IPv6", NULL };
	static const char *const safis[] = { "Unicast", "Multicast", NULL };
	const json_t *list;
	char *lp;
	size_t i;
	int bad = 0;

	memset(f, 0, sizeof(*f));
	if (field_arr(spec, "addressFamilies", path, &list, FIELD_OPTIONAL,
	    e) == -1)
		return -1;
	if (list == NULL || json_array_size(list) == 0) {
		f->v6 = 1;
		return 0;
	}
	f->given = 1;
	lp = field_path(path, "addressFamilies");
	for (i = 0; i < json_array_size(list); i++) {
		const json_t *it = json_array_get(list, i);
		char *p = field_path_idx(lp, i);
		int afi, safi;

		if (!json_is_object(it)) {
			kerr_add(e, 1, p, "must be an object");
			bad = 1;
		} else if (field_enum(it, "afi", p, afis, 0, &afi,
		    FIELD_REQUIRED, e) != 1 ||
		    field_enum(it, "safi", p, safis, 0, &safi,
		    FIELD_OPTIONAL, e) == -1)
			bad = 1;
		else if (safi == 0)
			*(afi == 0 ? &f->v4 : &f->v6) = 1;
		else
			*(afi == 0 ? &f->v4_multicast : &f->v6_multicast) = 1;
		free(p);
	}
	free(lp);
	return bad ? -1 : 0;
}
