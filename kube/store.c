/*
 * store.c: the objects of every kind, by name. Each object keeps its last
 * valid spec: a new version that fails validation records its errors but
 * leaves the previous spec (and labels and generation) in force, so one
 * bad edit never tears down what worked. Both sources feed it.
 */
#include <stdlib.h>
#include <string.h>

#include "bgp/log.h"
#include "kube/kube_int.h"

struct store {
	struct kobj	**v[KIND_N];	/* sorted by name */
	size_t		  n[KIND_N];
};

struct store *
store_new(void)
{
	return kube_calloc(1, sizeof(struct store));
}

static void
store_obj_free(struct kobj *o)
{
	free(o->name);
	labels_free(&o->labels);
	if (o->spec)
		o->kind->free(o->spec);
	kerr_clear(&o->errs);
	free(o->origin);
	free(o);
}

void
store_free(struct store *s)
{
	size_t k, i;

	if (s == NULL)
		return;
	for (k = 0; k < KIND_N; k++) {
		for (i = 0; i < s->n[k]; i++)
			store_obj_free(s->v[k][i]);
		free(s->v[k]);
	}
	free(s);
}

static size_t
store_pos(const struct store *s, enum kind_idx k, const char *name,
    int *found)
{
	size_t lo = 0, hi = s->n[k];
	int c;

	*found = 0;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if ((c = strcmp(s->v[k][mid]->name, name)) == 0) {
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

struct kobj *
store_get(const struct store *s, enum kind_idx k, const char *name)
{
	int found;
	size_t i;

	if ((unsigned)k >= KIND_N || name == NULL)
		return NULL;
	i = store_pos(s, k, name, &found);
	return found ? s->v[k][i] : NULL;
}

size_t
store_count(const struct store *s, enum kind_idx k)
{
	return (unsigned)k < KIND_N ? s->n[k] : 0;
}

struct kobj *
store_at(const struct store *s, enum kind_idx k, size_t i)
{
	if ((unsigned)k >= KIND_N || i >= s->n[k])
		fatal("%s: index %zu out of range", __func__, i);
	return s->v[k][i];
}

struct kobj *
store_put(struct store *s, struct kobj_version *v, const struct kerrs *errs,
    const char *origin, int doc)
{
	enum kind_idx k;
	struct kobj *o;
	size_t i;
	int found;

	if (v->kind == NULL || v->name == NULL)
		fatal("%s: object without kind or name", __func__);
	k = v->kind->idx;
	i = store_pos(s, k, v->name, &found);
	if (!found) {
		o = kube_calloc(1, sizeof(*o));
		o->kind = v->kind;
		o->name = kube_strdup(v->name);
		s->v[k] = kube_reallocarray(s->v[k], s->n[k] + 1,
		    sizeof(*s->v[k]));
		memmove(s->v[k] + i + 1, s->v[k] + i,
		    (s->n[k] - i) * sizeof(*s->v[k]));
		s->v[k][i] = o;
		s->n[k]++;
	} else
		o = s->v[k][i];
	o->seen = 1;
	o->latest_refused = v->spec == NULL;
	o->latest_generation = v->generation;
	kerr_clear(&o->errs);
	if (errs)
		kerr_append(&o->errs, errs);
	free(o->origin);
	o->origin = kube_strdup(origin);
	o->doc = doc;
	if (v->spec != NULL) {
		if (o->spec)
			o->kind->free(o->spec);
		o->spec = v->spec;
		v->spec = NULL;
		labels_free(&o->labels);
		o->labels = v->labels;
		memset(&v->labels, 0, sizeof(v->labels));
		o->generation = v->generation;
	}
	object_version_clear(v);
	return o;
}

void
store_del(struct store *s, enum kind_idx k, const char *name)
{
	int found;
	size_t i;

	if ((unsigned)k >= KIND_N)
		return;
	i = store_pos(s, k, name, &found);
	if (!found)
		return;
	store_obj_free(s->v[k][i]);
	memmove(s->v[k] + i, s->v[k] + i + 1,
	    (s->n[k] - i - 1) * sizeof(*s->v[k]));
	s->n[k]--;
}

void
store_unmark(struct store *s)
{
	size_t k, i;

	for (k = 0; k < KIND_N; k++)
		for (i = 0; i < s->n[k]; i++)
			s->v[k][i]->seen = 0;
}

size_t
store_sweep(struct store *s)
{
	size_t k, i, o, gone = 0;

	for (k = 0; k < KIND_N; k++) {
		for (i = o = 0; i < s->n[k]; i++) {
			if (s->v[k][i]->seen)
				s->v[k][o++] = s->v[k][i];
			else {
				store_obj_free(s->v[k][i]);
				gone++;
			}
		}
		s->n[k] = o;
	}
	return gone;
}
