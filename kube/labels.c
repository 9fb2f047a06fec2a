/*
 * labels.c: metadata.labels and selector matchLabels, a string map kept
 * sorted by key so that two maps compare in one pass.
 */
#include <stdlib.h>
#include <string.h>

#include "kube/kube_int.h"

static size_t
labels_pos(const struct labels *l, const char *k, int *found)
{
	size_t lo = 0, hi = l->n;
	int c;

	*found = 0;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if ((c = strcmp(l->k[mid], k)) == 0) {
			*found = 1;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

const char *
labels_get(const struct labels *l, const char *k)
{
	int found;
	size_t i = labels_pos(l, k, &found);

	return found ? l->v[i] : NULL;
}

void
labels_set(struct labels *l, const char *k, const char *v)
{
	int found;
	size_t i = labels_pos(l, k, &found);

	if (found) {
		free(l->v[i]);
		l->v[i] = kube_strdup(v);
		return;
	}
	l->k = kube_reallocarray(l->k, l->n + 1, sizeof(*l->k));
	l->v = kube_reallocarray(l->v, l->n + 1, sizeof(*l->v));
	memmove(l->k + i + 1, l->k + i, (l->n - i) * sizeof(*l->k));
	memmove(l->v + i + 1, l->v + i, (l->n - i) * sizeof(*l->v));
	l->k[i] = kube_strdup(k);
	l->v[i] = kube_strdup(v);
	l->n++;
}

int
labels_parse(const json_t *o, const char *path, struct labels *l,
    struct kerrs *e)
{
	const char *k;
	json_t *v;
	int bad = 0;

	memset(l, 0, sizeof(*l));
	if (o == NULL || json_is_null(o))
		return 0;
	if (!json_is_object(o)) {
		kerr_add(e, 1, path, "must be a map of strings");
		return -1;
	}
	json_object_foreach((json_t *)(uintptr_t)o, k, v) {
		if (!json_is_string(v)) {
			char *p = field_path(path, k);

			kerr_add(e, 1, p, "label values must be strings");
			free(p);
			bad = 1;
			continue;
		}
		if (*k == '\0') {
			kerr_add(e, 1, path, "empty label key");
			bad = 1;
			continue;
		}
		labels_set(l, k, json_string_value(v));
	}
	return bad ? -1 : 0;
}

int
labels_equal(const struct labels *a, const struct labels *b)
{
	size_t i;

	if (a->n != b->n)
		return 0;
	for (i = 0; i < a->n; i++)
		if (strcmp(a->k[i], b->k[i]) != 0 ||
		    strcmp(a->v[i], b->v[i]) != 0)
			return 0;
	return 1;
}

void
labels_copy(struct labels *d, const struct labels *s)
{
	size_t i;

	memset(d, 0, sizeof(*d));
	for (i = 0; i < s->n; i++)
		labels_set(d, s->k[i], s->v[i]);
}

void
labels_free(struct labels *l)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		free(l->k[i]);
		free(l->v[i]);
	}
	free(l->k);
	free(l->v);
	memset(l, 0, sizeof(*l));
}
