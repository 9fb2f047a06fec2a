/*
 * selector.c: Kubernetes label selectors (metav1.LabelSelector):
 * matchLabels and matchExpressions with In, NotIn, Exists, DoesNotExist,
 * all ANDed. In and NotIn need at least one value; Exists and DoesNotExist
 * take none, as the API server requires. An empty selector matches every
 * object (a missing one is the caller's business).
 */
#include <stdlib.h>
#include <string.h>

#include "kube/kube_int.h"

static const char *const selector_ops[] = {
	"In", "NotIn", "Exists", "DoesNotExist", NULL
};

static void
selector_req_free(struct selector_req *r)
{
	size_t i;

	free(r->key);
	for (i = 0; i < r->nvalues; i++)
		free(r->values[i]);
	free(r->values);
}

void
selector_free(struct selector *s)
{
	size_t i;

	labels_free(&s->match);
	for (i = 0; i < s->nreq; i++)
		selector_req_free(&s->req[i]);
	free(s->req);
	memset(s, 0, sizeof(*s));
}

static int
selector_values(const json_t *vals, const char *path, struct selector_req *r,
    struct kerrs *e)
{
	size_t i;
	int bad = 0;

	for (i = 0; vals && i < json_array_size(vals); i++) {
		const json_t *v = json_array_get(vals, i);

		if (!json_is_string(v)) {
			char *p = field_path_idx(path, i);

			kerr_add(e, 1, p, "must be a string");
			free(p);
			bad = 1;
			continue;
		}
		r->values = kube_reallocarray(r->values, r->nvalues + 1,
		    sizeof(*r->values));
		r->values[r->nvalues++] = kube_strdup(json_string_value(v));
	}
	return bad ? -1 : 0;
}

static int
selector_req_parse(const json_t *o, const char *path, struct selector_req *r,
    struct kerrs *e)
{
	const char *key;
	const json_t *vals;
	char *vp;
	int op, bad = 0;

	memset(r, 0, sizeof(*r));
	if (!json_is_object(o)) {
		kerr_add(e, 1, path, "must be an object");
		return -1;
	}
	if (field_str(o, "key", path, &key, FIELD_REQUIRED, e) != 1)
		bad = 1;
	else if (*key == '\0') {
		char *p = field_path(path, "key");

		kerr_add(e, 1, p, "must not be empty");
		free(p);
		bad = 1;
	}
	if (field_enum(o, "operator", path, selector_ops, 0, &op,
	    FIELD_REQUIRED, e) != 1)
		bad = 1;
	vp = field_path(path, "values");
	if (field_arr(o, "values", path, &vals, FIELD_OPTIONAL, e) == -1 ||
	    selector_values(vals, vp, r, e) == -1)
		bad = 1;
	r->key = kube_strdup(bad ? NULL : key);
	r->op = (enum selector_op)op;
	if (!bad && (r->op == SEL_IN || r->op == SEL_NOTIN) &&
	    r->nvalues == 0) {
		kerr_add(e, 1, vp, "must be non-empty for operator %s",
		    selector_ops[op]);
		bad = 1;
	}
	if (!bad && (r->op == SEL_EXISTS || r->op == SEL_NOTEXISTS) &&
	    r->nvalues != 0) {
		kerr_add(e, 1, vp, "must be empty for operator %s",
		    selector_ops[op]);
		bad = 1;
	}
	free(vp);
	return bad ? -1 : 0;
}

int
selector_parse(const json_t *o, const char *path, struct selector *s,
    struct kerrs *e)
{
	const json_t *ml, *mx;
	char *p;
	size_t i;
	int bad = 0;

	memset(s, 0, sizeof(*s));
	if (!json_is_object(o)) {
		kerr_add(e, 1, path, "must be a label selector object");
		return -1;
	}
	p = field_path(path, "matchLabels");
	if (field_obj(o, "matchLabels", path, &ml, FIELD_OPTIONAL, e) == -1 ||
	    labels_parse(ml, p, &s->match, e) == -1)
		bad = 1;
	free(p);
	if (field_arr(o, "matchExpressions", path, &mx, FIELD_OPTIONAL,
	    e) == -1)
		bad = 1;
	for (i = 0; mx && i < json_array_size(mx); i++) {
		struct selector_req r;
		char *mp = field_path(path, "matchExpressions");

		p = field_path_idx(mp, i);
		free(mp);
		if (selector_req_parse(json_array_get(mx, i), p, &r, e) == -1) {
			selector_req_free(&r);
			bad = 1;
		} else {
			s->req = kube_reallocarray(s->req, s->nreq + 1,
			    sizeof(*s->req));
			s->req[s->nreq++] = r;
		}
		free(p);
	}
	if (bad)
		selector_free(s);
	return bad ? -1 : 0;
}

static int
selector_in(const struct selector_req *r, const char *v)
{
	size_t i;

	for (i = 0; v != NULL && i < r->nvalues; i++)
		if (strcmp(r->values[i], v) == 0)
			return 1;
	return 0;
}

int
selector_match(const struct selector *s, const struct labels *l)
{
	size_t i;

	for (i = 0; i < s->match.n; i++) {
		const char *v = labels_get(l, s->match.k[i]);

		if (v == NULL || strcmp(v, s->match.v[i]) != 0)
			return 0;
	}
	for (i = 0; i < s->nreq; i++) {
		const struct selector_req *r = &s->req[i];
		const char *v = labels_get(l, r->key);

		switch (r->op) {
		case SEL_IN:
			if (!selector_in(r, v))
				return 0;
			break;
		case SEL_NOTIN:
			if (selector_in(r, v))
				return 0;
			break;
		case SEL_EXISTS:
			if (v == NULL)
				return 0;
			break;
		case SEL_NOTEXISTS:
			if (v != NULL)
				return 0;
			break;
		}
	}
	return 1;
}

int
selector_equal(const struct selector *a, const struct selector *b)
{
	size_t i, j;

	if (!labels_equal(&a->match, &b->match) || a->nreq != b->nreq)
		return 0;
	for (i = 0; i < a->nreq; i++) {
		const struct selector_req *x = &a->req[i], *y = &b->req[i];

		if (strcmp(x->key, y->key) != 0 || x->op != y->op ||
		    x->nvalues != y->nvalues)
			return 0;
		for (j = 0; j < x->nvalues; j++)
			if (strcmp(x->values[j], y->values[j]) != 0)
				return 0;
	}
	return 1;
}
