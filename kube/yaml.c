/*
 * yaml.c: a multi-document YAML stream (or JSON text) -> one jansson value
 * per document, the way Kubernetes reads manifests (YAML 1.1 scalars):
 * quoted scalars stay strings; plain ones resolve to null, booleans
 * (true/false/yes/no/on/off/y/n), integers (decimal, 0x, 0o, 0b, legacy
 * leading-0 octal, '_' separators) and floats; "!!str" forces a string.
 * Anchors and aliases are honoured (an alias shares the anchored value),
 * and so are merge keys ("<<: *base", or a list of them): merged members
 * never replace the mapping's own keys. Mapping keys must be scalars and
 * unique. Nesting is bounded so hostile input cannot exhaust the stack.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "bgp/log.h"
#include "kube/kube_int.h"

#define YAML_DOCS_MAX_DEPTH	128

struct yaml_frame {
	json_t	*node;
	char	*key;		/* pending key of a mapping */
	char	*anchor;	/* anchor of this collection */
	json_t	*merged;	/* keys a merge added: the mapping may override */
};

struct yaml_state {
	yaml_parser_t		 parser;
	struct yaml_frame	 stack[YAML_DOCS_MAX_DEPTH];
	int			 depth;
	json_t			*root;
	json_t			*anchors;
	char			*err;
	size_t			 errlen;
};

static int
yaml_docs_fail(struct yaml_state *st, const yaml_mark_t *m, const char *msg)
{
	snprintf(st->err, st->errlen, "line %zu: %s", m->line + 1, msg);
	return -1;
}

static int
yaml_docs_match(const char *s, const char *const *set)
{
	for (; *set; set++)
		if (strcmp(s, *set) == 0)
			return 1;
	return 0;
}

/* Digits of a base, with '_' separators allowed between them. */
static int
yaml_docs_int(const char *s, json_int_t *out)
{
	char buf[80];
	size_t i, n = 0;
	int neg = 0, base = 10;
	char *end;
	long long v;

	if (*s == '-' || *s == '+')
		neg = *s++ == '-';
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		base = 16, s += 2;
	else if (s[0] == '0' && (s[1] == 'o' || s[1] == 'O'))
		base = 8, s += 2;
	else if (s[0] == '0' && (s[1] == 'b' || s[1] == 'B'))
		base = 2, s += 2;
	else if (s[0] == '0' && s[1] != '\0')
		base = 8, s += 1;
	if (*s == '\0' || *s == '_')
		return -1;
	for (i = 0; s[i]; i++) {
		if (s[i] == '_')
			continue;
		if (n + 1 >= sizeof(buf))
			return -1;
		buf[n++] = s[i];
	}
	buf[n] = '\0';
	for (i = 0; i < n; i++) {
		int d = buf[i] >= '0' && buf[i] <= '9' ? buf[i] - '0' :
		    buf[i] >= 'a' && buf[i] <= 'f' ? buf[i] - 'a' + 10 :
		    buf[i] >= 'A' && buf[i] <= 'F' ? buf[i] - 'A' + 10 : 99;

		if (d >= base)
			return -1;
	}
	errno = 0;
	v = strtoll(buf, &end, base);
	if (errno != 0 || *end != '\0')
		return -1;
	*out = neg ? -v : v;
	return 0;
}

static int
yaml_docs_float(const char *s, double *out)
{
	char *end;
	size_t i;
	int digits = 0;

	for (i = 0; s[i]; i++) {
		if (s[i] >= '0' && s[i] <= '9')
			digits = 1;
		else if (!strchr("+-.eE", s[i]))
			return -1;
	}
	if (!digits || !strchr(s, '.'))
		if (!strpbrk(s, "eE"))
			return -1;
	errno = 0;
	*out = strtod(s, &end);
	return errno == 0 && *end == '\0' ? 0 : -1;
}

static json_t *
yaml_docs_scalar(const yaml_event_t *ev)
{
	static const char *const nulls[] = { "", "~", "null", "Null", "NULL",
	    NULL };
	static const char *const trues[] = { "true", "True", "TRUE", "yes",
	    "Yes", "YES", "on", "On", "ON", "y", "Y", NULL };
	static const char *const falses[] = { "false", "False", "FALSE", "no",
	    "No", "NO", "off", "Off", "OFF", "n", "N", NULL };
	const char *s = (const char *)ev->data.scalar.value;
	const char *tag = (const char *)ev->data.scalar.tag;
	json_int_t i;
	double d;

	if (ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE ||
	    (tag && (strcmp(tag, YAML_STR_TAG) == 0 || strcmp(tag, "!") == 0)))
		return json_stringn(s, ev->data.scalar.length);
	if (yaml_docs_match(s, nulls))
		return json_null();
	if (yaml_docs_match(s, trues))
		return json_true();
	if (yaml_docs_match(s, falses))
		return json_false();
	if (yaml_docs_int(s, &i) == 0)
		return json_integer(i);
	if (yaml_docs_float(s, &d) == 0)
		return json_real(d);
	return json_stringn(s, ev->data.scalar.length);
}

/* "<<": copy the members of one mapping that the frame does not have. */
static int
yaml_docs_merge_one(struct yaml_frame *f, json_t *src)
{
	const char *k;
	json_t *v;

	if (!json_is_object(src))
		return -1;
	if (f->merged == NULL)
		f->merged = json_object();
	json_object_foreach(src, k, v)
		if (json_object_get(f->node, k) == NULL) {
			json_object_set(f->node, k, v);
			json_object_set_new(f->merged, k, json_true());
		}
	return 0;
}

static int
yaml_docs_merge(struct yaml_state *st, struct yaml_frame *f, json_t *v,
    const yaml_mark_t *m)
{
	size_t i;
	int bad = 0;

	if (json_is_array(v)) {
		for (i = 0; i < json_array_size(v); i++)
			bad |= yaml_docs_merge_one(f, json_array_get(v, i));
	} else
		bad = yaml_docs_merge_one(f, v);
	json_decref(v);
	free(f->key);
	f->key = NULL;
	return bad ? yaml_docs_fail(st, m, "a merge key (<<) needs a mapping "
	    "or a list of mappings") : 0;
}

/* Attach v (a new reference, taken over) to the current container. */
static int
yaml_docs_attach(struct yaml_state *st, json_t *v, const yaml_mark_t *m)
{
	struct yaml_frame *f;

	if (v == NULL)
		return yaml_docs_fail(st, m, "invalid scalar (not UTF-8?)");
	if (st->depth == 0) {
		st->root = v;
		return 0;
	}
	f = &st->stack[st->depth - 1];
	if (json_is_array(f->node))
		return json_array_append_new(f->node, v) == 0 ? 0 :
		    yaml_docs_fail(st, m, "cannot append");
	if (f->key == NULL) {
		/* A key: only scalars are keys in a manifest. */
		if (!json_is_string(v) && !json_is_integer(v) &&
		    !json_is_true(v) && !json_is_false(v) && !json_is_null(v)) {
			json_decref(v);
			return yaml_docs_fail(st, m, "mapping keys must be "
			    "scalars");
		}
		f->key = json_is_string(v) ? kube_strdup(json_string_value(v)) :
		    json_is_integer(v) ? kube_asprintf("%lld",
		    (long long)json_integer_value(v)) :
		    kube_strdup(json_is_null(v) ? "null" :
		    json_is_true(v) ? "true" : "false");
		json_decref(v);
		if (f->merged && json_object_get(f->merged, f->key)) {
			/* The mapping's own value wins over a merged one. */
			json_object_del(f->merged, f->key);
			json_object_del(f->node, f->key);
		}
		if (json_object_get(f->node, f->key) != NULL) {
			char msg[128];

			snprintf(msg, sizeof(msg), "duplicate key \"%.80s\"",
			    f->key);
			return yaml_docs_fail(st, m, msg);
		}
		return 0;
	}
	if (strcmp(f->key, "<<") == 0)
		return yaml_docs_merge(st, f, v, m);
	if (json_object_set_new(f->node, f->key, v) != 0)
		return yaml_docs_fail(st, m, "invalid key (not UTF-8?)");
	free(f->key);
	f->key = NULL;
	return 0;
}

static void
yaml_docs_anchor(struct yaml_state *st, const yaml_char_t *anchor, json_t *v)
{
	if (anchor != NULL)
		json_object_set(st->anchors, (const char *)anchor, v);
}

static int
yaml_docs_open(struct yaml_state *st, const yaml_event_t *ev, json_t *node,
    const yaml_char_t *anchor)
{
	struct yaml_frame *f;

	if (st->depth == YAML_DOCS_MAX_DEPTH) {
		json_decref(node);
		return yaml_docs_fail(st, &ev->start_mark, "nested too deep");
	}
	f = &st->stack[st->depth++];
	f->node = node;
	f->key = NULL;
	f->merged = NULL;
	f->anchor = anchor ? kube_strdup((const char *)anchor) : NULL;
	return 0;
}

static int
yaml_docs_close(struct yaml_state *st, const yaml_event_t *ev)
{
	struct yaml_frame *f = &st->stack[--st->depth];
	json_t *node = f->node;

	free(f->key);
	json_decref(f->merged);
	if (f->anchor) {
		json_object_set(st->anchors, f->anchor, node);
		free(f->anchor);
	}
	return yaml_docs_attach(st, node, &ev->start_mark);
}

static int
yaml_docs_alias(struct yaml_state *st, const yaml_event_t *ev)
{
	json_t *v = json_object_get(st->anchors,
	    (const char *)ev->data.alias.anchor);

	if (v == NULL)
		return yaml_docs_fail(st, &ev->start_mark, "unknown alias");
	return yaml_docs_attach(st, json_incref(v), &ev->start_mark);
}

/* One event; 1 at the end of a document, 2 at the end of the stream. */
static int
yaml_docs_event(struct yaml_state *st, const yaml_event_t *ev)
{
	json_t *v;

	switch (ev->type) {
	case YAML_SCALAR_EVENT:
		v = yaml_docs_scalar(ev);
		yaml_docs_anchor(st, ev->data.scalar.anchor, v);
		return yaml_docs_attach(st, v, &ev->start_mark);
	case YAML_ALIAS_EVENT:
		return yaml_docs_alias(st, ev);
	case YAML_SEQUENCE_START_EVENT:
		return yaml_docs_open(st, ev, json_array(),
		    ev->data.sequence_start.anchor);
	case YAML_MAPPING_START_EVENT:
		return yaml_docs_open(st, ev, json_object(),
		    ev->data.mapping_start.anchor);
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT:
		return yaml_docs_close(st, ev);
	case YAML_DOCUMENT_END_EVENT:
		return 1;
	case YAML_STREAM_END_EVENT:
		return 2;
	default:
		return 0;
	}
}

static void
yaml_docs_push(struct yaml_docs *d, json_t *root, int line)
{
	d->v = kube_reallocarray(d->v, d->n + 1, sizeof(*d->v));
	d->v[d->n].root = root;
	d->v[d->n].line = line;
	d->n++;
}

static void
yaml_docs_unwind(struct yaml_state *st)
{
	while (st->depth > 0) {
		struct yaml_frame *f = &st->stack[--st->depth];

		json_decref(f->node);
		json_decref(f->merged);
		free(f->key);
		free(f->anchor);
	}
	json_decref(st->root);
	st->root = NULL;
}

int
yaml_docs_parse(const char *buf, size_t len, struct yaml_docs *out,
    char *err, size_t errlen)
{
	struct yaml_state st;
	yaml_event_t ev;
	int r = 0, line = 1;

	memset(out, 0, sizeof(*out));
	memset(&st, 0, sizeof(st));
	st.err = err;
	st.errlen = errlen;
	if (!yaml_parser_initialize(&st.parser))
		fatal("%s: out of memory", __func__);
	yaml_parser_set_input_string(&st.parser, (const unsigned char *)buf,
	    len);
	st.anchors = json_object();
	while (r != 2) {
		if (!yaml_parser_parse(&st.parser, &ev)) {
			snprintf(err, errlen, "line %zu: %s%s%s",
			    st.parser.problem_mark.line + 1,
			    st.parser.problem ? st.parser.problem : "error",
			    st.parser.context ? " " : "",
			    st.parser.context ? st.parser.context : "");
			r = -1;
			break;
		}
		if (ev.type == YAML_DOCUMENT_START_EVENT) {
			line = (int)ev.start_mark.line + 1;
			json_object_clear(st.anchors);
		}
		r = yaml_docs_event(&st, &ev);
		yaml_event_delete(&ev);
		if (r == -1)
			break;
		if (r == 1) {
			yaml_docs_push(out, st.root, line);
			st.root = NULL;
		}
	}
	yaml_docs_unwind(&st);
	json_decref(st.anchors);
	yaml_parser_delete(&st.parser);
	if (r == -1) {
		yaml_docs_free(out);
		return -1;
	}
	return 0;
}

void
yaml_docs_free(struct yaml_docs *d)
{
	size_t i;

	for (i = 0; i < d->n; i++)
		json_decref(d->v[i].root);
	free(d->v);
	memset(d, 0, sizeof(*d));
}
