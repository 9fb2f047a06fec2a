/*
 * patch.c: the JSON merge patches (RFC 7386) the API source sends, and
 * the name of this speaker's finalizer. Pure functions: what changes is
 * decided here, when and how often it is sent is decided by api.c.
 *
 * A merge patch replaces arrays whole, so the conditions are always sent
 * as the complete list; a condition whose status did not change keeps its
 * lastTransitionTime.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kube/kube_int.h"

#define PATCH_SEGMENT_MAX	63	/* the part after the '/' */

char *
patch_finalizer(const char *ep)
{
	uint8_t h[32];
	char hex[17];
	int i;

	if (strlen("speaker-") + strlen(ep) <= PATCH_SEGMENT_MAX)
		return kube_asprintf(KUBE_GROUP "/speaker-%s", ep);
	sha256(ep, strlen(ep), h);
	for (i = 0; i < 8; i++)
		snprintf(hex + 2 * i, 3, "%02x", h[i]);
	return kube_asprintf(KUBE_GROUP "/speaker-%s", hex);
}

static const json_t *
patch_cond_find(const json_t *conds, const char *type)
{
	const json_t *c;
	size_t i;

	json_array_foreach(conds, i, c) {
		const char *t = json_string_value(json_object_get(c, "type"));

		if (t != NULL && strcmp(t, type) == 0)
			return c;
	}
	return NULL;
}

static int
patch_cond_same(const json_t *a, const json_t *b)
{
	static const char *const keys[] = { "status", "reason", "message",
	    "observedGeneration", NULL };
	size_t i;

	for (i = 0; keys[i] != NULL; i++) {
		const json_t *x = json_object_get(a, keys[i]);
		const json_t *y = json_object_get(b, keys[i]);

		if (!(x == NULL && y == NULL) && (x == NULL || y == NULL ||
		    !json_equal(x, y)))
			return 0;
	}
	return 1;
}

/* The conditions to send, or NULL when every one is already there. */
static json_t *
patch_conds(const json_t *cur, const json_t *want, const char *now)
{
	const json_t *w, *c;
	json_t *out = json_array();
	size_t i;
	int changed = json_array_size(cur) != json_array_size(want);

	json_array_foreach(want, i, w) {
		json_t *n = json_deep_copy(w);
		const char *ltt = now;

		c = patch_cond_find(cur, json_string_value(json_object_get(w,
		    "type")));
		if (c == NULL || !patch_cond_same(c, w))
			changed = 1;
		if (c != NULL && json_equal(json_object_get(c, "status"),
		    json_object_get(w, "status")) &&
		    json_is_string(json_object_get(c, "lastTransitionTime")))
			ltt = json_string_value(json_object_get(c,
			    "lastTransitionTime"));
		json_object_set_new(n, "lastTransitionTime", json_string(ltt));
		json_array_append_new(out, n);
	}
	if (!changed) {
		json_decref(out);
		return NULL;
	}
	return out;
}

json_t *
patch_status(const json_t *cur, const json_t *want, const char *now)
{
	json_t *st = json_object(), *conds;
	const char *k;
	const json_t *v;

	json_object_foreach((json_t *)(uintptr_t)want, k, v) {
		if (strcmp(k, "conditions") == 0) {
			conds = patch_conds(json_object_get(cur, k), v, now);
			if (conds != NULL)
				json_object_set_new(st, k, conds);
		} else if (!json_equal(json_object_get(cur, k), v))
			json_object_set(st, k, (json_t *)(uintptr_t)v);
	}
	if (json_object_size(st) == 0) {
		json_decref(st);
		return NULL;
	}
	return json_pack("{s:o}", "status", st);
}

int
patch_has_finalizer(const json_t *obj, const char *fin)
{
	const json_t *f, *md = json_object_get(obj, "metadata");
	size_t i;

	json_array_foreach(json_object_get(md, "finalizers"), i, f)
		if (json_is_string(f) && strcmp(json_string_value(f), fin) == 0)
			return 1;
	return 0;
}

json_t *
patch_finalizers(const json_t *obj, const char *fin, int add)
{
	const json_t *f, *md = json_object_get(obj, "metadata");
	json_t *l = json_array(), *rv = json_object_get(md, "resourceVersion");
	size_t i;

	json_array_foreach(json_object_get(md, "finalizers"), i, f)
		if (!json_is_string(f) || strcmp(json_string_value(f), fin) != 0)
			json_array_append(l, (json_t *)(uintptr_t)f);
	if (add)
		json_array_append_new(l, json_string(fin));
	return json_pack("{s:{s:o, s:O?}}", "metadata", "finalizers", l,
	    "resourceVersion", rv);
}
