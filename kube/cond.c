/*
 * cond.c: status entries as JSON, the form kube_dir_status() returns and
 * the API-server source will patch: {"name", "conditions": [{"type",
 * "status", "reason", "message", "observedGeneration"}], "errors": [...]}.
 * One condition per type; setting a type again replaces it.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kube/kube_int.h"

json_t *
cond_entry(struct cond_list *l, const struct kobj *o, const char *name)
{
	json_t *e, *errs;
	size_t i;

	if ((e = json_object_get(l->index, name)) != NULL)
		return e;
	e = json_pack("{s:s, s:[]}", "name", name, "conditions");
	json_object_set(l->index, name, e);
	if (o != NULL && o->errs.n > 0) {
		errs = json_array();
		for (i = 0; i < o->errs.n; i++) {
			const struct kerr *k = &o->errs.v[i];

			json_array_append_new(errs, k->field ?
			    json_sprintf("%s: %s", k->field, k->msg) :
			    json_string(k->msg));
		}
		json_object_set_new(e, "errors", errs);
	}
	json_array_append_new(l->array, e);
	return e;
}

void
cond_set(json_t *entry, const char *type, int status, const char *reason,
    int64_t generation, const char *fmt, ...)
{
	json_t *conds = json_object_get(entry, "conditions"), *c;
	va_list ap;
	char *msg;
	size_t i;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	json_array_foreach(conds, i, c)
		if (strcmp(json_string_value(json_object_get(c, "type")),
		    type) == 0) {
			json_array_remove(conds, i);
			break;
		}
	c = json_pack("{s:s, s:s, s:s, s:s, s:I}", "type", type, "status",
	    status > 0 ? "True" : status == 0 ? "False" : "Unknown", "reason",
	    reason, "message", msg ? msg : "", "observedGeneration",
	    (json_int_t)generation);
	json_array_append_new(conds, c);
	free(msg);
}

void
cond_errors(json_t *entry, const struct kerrs *e)
{
	json_t *errs = json_array();
	size_t i;

	for (i = 0; i < e->n; i++)
		json_array_append_new(errs, e->v[i].field ?
		    json_sprintf("%s: %s", e->v[i].field, e->v[i].msg) :
		    json_string(e->v[i].msg));
	json_object_set_new(entry, "errors", errs);
}
