/*
 * object.c: one manifest document -> which object it is (kind, name,
 * labels, generation) and its typed spec, through the kind's descriptor.
 * Documents of other API groups and unknown kinds are not ours: the caller
 * logs and skips them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kube/kube_int.h"

void
object_version_clear(struct kobj_version *v)
{
	free(v->name);
	labels_free(&v->labels);
	if (v->spec && v->kind)
		v->kind->free(v->spec);
	memset(v, 0, sizeof(*v));
}

static int
object_meta(const json_t *doc, struct kobj_version *v, struct kerrs *e)
{
	const json_t *md, *lab;
	const char *name;
	uint64_t gen;
	int bad = 0;

	if (field_obj(doc, "metadata", "", &md, FIELD_REQUIRED, e) != 1)
		return -1;
	if (field_str(md, "name", "metadata", &name, FIELD_REQUIRED, e) != 1)
		return -1;
	if (!kube_name_valid(name)) {
		kerr_add(e, 1, "metadata.name", "\"%s\" is not a valid name "
		    "(lower-case RFC 1123 subdomain, at most 253 characters)",
		    name);
		return -1;
	}
	v->name = kube_strdup(name);
	e->name = v->name;
	if (v->kind->only_name && strcmp(name, v->kind->only_name) != 0) {
		kerr_add(e, 1, "metadata.name", "must be \"%s\": there is one "
		    "%s per cluster", v->kind->only_name, v->kind->kind);
		bad = 1;
	}
	if (field_obj(md, "labels", "metadata", &lab, FIELD_OPTIONAL,
	    e) == -1 || labels_parse(lab, "metadata.labels", &v->labels,
	    e) == -1)
		bad = 1;
	if (field_uint(md, "generation", "metadata", 0, INT64_MAX, 0, &gen,
	    FIELD_OPTIONAL, e) == 1)
		v->generation = (int64_t)gen;
	return bad ? -1 : 0;
}

int
object_parse(const json_t *doc, struct kobj_version *v, struct kerrs *e,
    char *why, size_t len)
{
	const char *api, *kind, *slash;
	const json_t *spec;

	memset(v, 0, sizeof(*v));
	if (!json_is_object(doc)) {
		snprintf(why, len, "not an object");
		return 0;
	}
	api = json_string_value(json_object_get(doc, "apiVersion"));
	kind = json_string_value(json_object_get(doc, "kind"));
	if (api == NULL || kind == NULL) {
		snprintf(why, len, "no apiVersion or kind");
		return 0;
	}
	slash = strchr(api, '/');
	if (slash == NULL || (size_t)(slash - api) != strlen(KUBE_GROUP) ||
	    strncmp(api, KUBE_GROUP, strlen(KUBE_GROUP)) != 0) {
		snprintf(why, len, "apiVersion %s is not %s", api,
		    KUBE_GROUP_VERSION);
		return 0;
	}
	if ((v->kind = kind_find(kind)) == NULL) {
		snprintf(why, len, "unknown kind %s", kind);
		return 0;
	}
	e->kind = v->kind->kind;
	e->name = NULL;
	if (strcmp(api, KUBE_GROUP_VERSION) != 0) {
		kerr_add(e, 1, "apiVersion", "version %s is not served; use %s",
		    api, KUBE_GROUP_VERSION);
		return -1;
	}
	if (object_meta(doc, v, e) == -1 && v->name == NULL)
		return -1;
	if (field_obj(doc, "spec", "", &spec, FIELD_REQUIRED, e) == -1)
		return 1;
	v->spec = v->kind->parse(spec, e);
	if (kerr_nfatal(e) && v->spec) {
		v->kind->free(v->spec);
		v->spec = NULL;
	}
	return 1;
}
