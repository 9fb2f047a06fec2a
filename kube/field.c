/*
 * field.c: typed reads of JSON members. Each reader records an error with
 * the member's path ("spec.holdTime") when the member has the wrong type or
 * is out of range, so a manifest shows every mistake at once.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kube/kube_int.h"

char *
field_path(const char *path, const char *key)
{
	if (path == NULL || *path == '\0')
		return kube_strdup(key);
	return kube_asprintf("%s.%s", path, key);
}

char *
field_path_idx(const char *path, size_t i)
{
	return kube_asprintf("%s[%zu]", path, i);
}

/* The member, or NULL when absent; JSON null counts as absent. */
static const json_t *
field_get(const json_t *o, const char *key)
{
	const json_t *v;

	if (o == NULL || !json_is_object(o))
		return NULL;
	v = json_object_get(o, key);
	return json_is_null(v) ? NULL : v;
}

static int
field_missing(const char *path, const char *key, int required,
    struct kerrs *e)
{
	char *p;

	if (!required)
		return 0;
	p = field_path(path, key);
	kerr_add(e, 1, p, "required");
	free(p);
	return -1;
}

static void
field_bad(struct kerrs *e, const char *path, const char *key,
    const char *msg)
{
	char *p = field_path(path, key);

	kerr_add(e, 1, p, "%s", msg);
	free(p);
}

int
field_uint(const json_t *o, const char *key, const char *path, uint64_t min,
    uint64_t max, uint64_t def, uint64_t *out, int required, struct kerrs *e)
{
	const json_t *v = field_get(o, key);
	json_int_t i;
	char *p;

	*out = def;
	if (v == NULL)
		return field_missing(path, key, required, e);
	if (json_is_real(v) && json_real_value(v) == floor(json_real_value(v))
	    && fabs(json_real_value(v)) < 9e15)
		i = (json_int_t)json_real_value(v);
	else if (json_is_integer(v))
		i = json_integer_value(v);
	else {
		field_bad(e, path, key, "must be an integer");
		return -1;
	}
	if (i < 0 || (uint64_t)i < min || (uint64_t)i > max) {
		p = field_path(path, key);
		kerr_add(e, 1, p, "%lld is out of range %llu..%llu",
		    (long long)i, (unsigned long long)min,
		    (unsigned long long)max);
		free(p);
		return -1;
	}
	*out = (uint64_t)i;
	return 1;
}

int
field_str(const json_t *o, const char *key, const char *path,
    const char **out, int required, struct kerrs *e)
{
	const json_t *v = field_get(o, key);

	*out = NULL;
	if (v == NULL)
		return field_missing(path, key, required, e);
	if (!json_is_string(v)) {
		field_bad(e, path, key, "must be a string");
		return -1;
	}
	*out = json_string_value(v);
	return 1;
}

int
field_obj(const json_t *o, const char *key, const char *path,
    const json_t **out, int required, struct kerrs *e)
{
	const json_t *v = field_get(o, key);

	*out = NULL;
	if (v == NULL)
		return field_missing(path, key, required, e);
	if (!json_is_object(v)) {
		field_bad(e, path, key, "must be an object");
		return -1;
	}
	*out = v;
	return 1;
}

int
field_arr(const json_t *o, const char *key, const char *path,
    const json_t **out, int required, struct kerrs *e)
{
	const json_t *v = field_get(o, key);

	*out = NULL;
	if (v == NULL)
		return field_missing(path, key, required, e);
	if (!json_is_array(v)) {
		field_bad(e, path, key, "must be a list");
		return -1;
	}
	*out = v;
	return 1;
}

int
field_enum(const json_t *o, const char *key, const char *path,
    const char *const *values, int def, int *out, int required,
    struct kerrs *e)
{
	const char *s;
	char *p, list[256];
	size_t i, n = 0;
	int r;

	*out = def;
	if ((r = field_str(o, key, path, &s, required, e)) != 1)
		return r;
	for (i = 0; values[i] != NULL; i++)
		if (strcmp(s, values[i]) == 0) {
			*out = (int)i;
			return 1;
		}
	list[0] = '\0';
	for (i = 0; values[i] != NULL && n < sizeof(list); i++)
		n += (size_t)snprintf(list + n, sizeof(list) - n, "%s%s",
		    i ? ", " : "", values[i]);
	p = field_path(path, key);
	kerr_add(e, 1, p, "\"%s\" is not one of %s", s, list);
	free(p);
	return -1;
}
