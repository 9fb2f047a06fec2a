/*
 * kerr.c: problems found in manifests. Each carries where it was found
 * (file, document, object, field) so that `bgpd check`, the log and the
 * object's conditions all say the same thing.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kube/kube_int.h"

void
kerr_addv(struct kerrs *e, int fatal, const char *field, const char *fmt,
    va_list ap)
{
	struct kerr *k;
	char *msg;

	if (vasprintf(&msg, fmt, ap) < 0)
		msg = kube_strdup("(message lost)");
	e->v = kube_reallocarray(e->v, e->n + 1, sizeof(*e->v));
	k = &e->v[e->n++];
	memset(k, 0, sizeof(*k));
	k->file = kube_strdup(e->file);
	k->doc = e->doc;
	k->line = e->line;
	k->kind = kube_strdup(e->kind);
	k->name = kube_strdup(e->name);
	k->field = kube_strdup(field);
	k->msg = msg;
	k->fatal = fatal;
}

void
kerr_add(struct kerrs *e, int fatal, const char *field, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	kerr_addv(e, fatal, field, fmt, ap);
	va_end(ap);
}

void
kerr_append(struct kerrs *dst, const struct kerrs *src)
{
	size_t i;

	for (i = 0; i < src->n; i++) {
		const struct kerr *s = &src->v[i];
		struct kerr *d;

		dst->v = kube_reallocarray(dst->v, dst->n + 1, sizeof(*dst->v));
		d = &dst->v[dst->n++];
		*d = *s;
		d->file = kube_strdup(s->file);
		d->kind = kube_strdup(s->kind);
		d->name = kube_strdup(s->name);
		d->field = kube_strdup(s->field);
		d->msg = kube_strdup(s->msg);
	}
}

size_t
kerr_nfatal(const struct kerrs *e)
{
	size_t i, n = 0;

	for (i = 0; i < e->n; i++)
		n += e->v[i].fatal != 0;
	return n;
}

void
kerr_clear(struct kerrs *e)
{
	size_t i;

	for (i = 0; i < e->n; i++) {
		free(e->v[i].file);
		free(e->v[i].kind);
		free(e->v[i].name);
		free(e->v[i].field);
		free(e->v[i].msg);
	}
	free(e->v);
	e->v = NULL;
	e->n = 0;
}

void
kerr_print(const struct kerr *k, FILE *out)
{
	if (k->file)
		fprintf(out, "%s: ", k->file);
	if (k->doc)
		fprintf(out, "document %d: ", k->doc);
	if (k->kind)
		fprintf(out, "%s/%s: ", k->kind, k->name ? k->name : "?");
	else if (k->line)
		fprintf(out, "line %d: ", k->line);
	if (k->field)
		fprintf(out, "%s: ", k->field);
	fprintf(out, "%s\n", k->msg);
}

void
kerr_join(const struct kerrs *e, char *buf, size_t len)
{
	size_t i, o = 0;
	int r;

	if (len == 0)
		return;
	buf[0] = '\0';
	for (i = 0; i < e->n && o < len; i++) {
		r = snprintf(buf + o, len - o, "%s%s%s%s", i ? "; " : "",
		    e->v[i].field ? e->v[i].field : "",
		    e->v[i].field ? ": " : "", e->v[i].msg);
		if (r < 0)
			break;
		o += (size_t)r;
	}
}
