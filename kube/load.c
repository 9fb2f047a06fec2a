/*
 * load.c: a directory of manifests -> documents -> the store.
 *
 * Files: *.yaml, *.yml and *.json (JSON read by jansson, so any valid JSON
 * reads, tabs included), sorted by name; dotfiles (editor swap and lock
 * files) and everything else are skipped; symlinks are followed, as in a
 * mounted ConfigMap. A "kind: List" document contributes its items.
 * The same object defined twice is an error on the second definition: the
 * first one, in file name order, is used.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bgp/log.h"
#include "kube/kube_int.h"

#define LOAD_MAX_FILE	(16 * 1024 * 1024)

static int
load_suffix(const char *name, const char *suf)
{
	size_t n = strlen(name), m = strlen(suf);

	return n > m && strcmp(name + n - m, suf) == 0;
}

int
load_is_manifest(const char *name)
{
	if (name[0] == '.')
		return 0;
	return load_suffix(name, ".yaml") || load_suffix(name, ".yml") ||
	    load_suffix(name, ".json");
}

static int
load_name_cmp(const void *a, const void *b)
{
	const struct load_file *x = a, *y = b;

	return strcmp(x->name, y->name);
}

/* JSON: one value, or several one after another. */
static int
load_json(const char *buf, size_t len, struct yaml_docs *d, char *err,
    size_t errlen)
{
	json_error_t je;
	size_t off = 0;
	int line = 1;

	memset(d, 0, sizeof(*d));
	while (off < len) {
		json_t *v;

		while (off < len && strchr(" \t\r\n", buf[off])) {
			if (buf[off] == '\n')
				line++;
			off++;
		}
		if (off == len)
			break;
		v = json_loadb(buf + off, len - off, JSON_DISABLE_EOF_CHECK |
		    JSON_DECODE_ANY, &je);
		if (v == NULL) {
			snprintf(err, errlen, "line %d: %s", line + je.line - 1,
			    je.text);
			yaml_docs_free(d);
			return -1;
		}
		d->v = kube_reallocarray(d->v, d->n + 1, sizeof(*d->v));
		d->v[d->n].root = v;
		d->v[d->n++].line = line;
		line += je.line - 1;
		off += je.position;
	}
	return 0;
}

static char *
load_read(const char *path, size_t *len, char *err, size_t errlen)
{
	FILE *f;
	char *buf;
	struct stat st;
	size_t n;

	if ((f = fopen(path, "r")) == NULL || fstat(fileno(f), &st) == -1) {
		snprintf(err, errlen, "cannot read: %s", strerror(errno));
		if (f)
			fclose(f);
		return NULL;
	}
	if (st.st_size > LOAD_MAX_FILE) {
		snprintf(err, errlen, "larger than %d bytes", LOAD_MAX_FILE);
		fclose(f);
		return NULL;
	}
	buf = kube_calloc(1, (size_t)st.st_size + 1);
	n = fread(buf, 1, (size_t)st.st_size, f);
	if (ferror(f)) {
		snprintf(err, errlen, "cannot read: %s", strerror(errno));
		free(buf);
		fclose(f);
		return NULL;
	}
	fclose(f);
	*len = n;
	return buf;
}

static void
load_file_read(struct load_file *lf)
{
	size_t len;
	char *buf;

	if ((buf = load_read(lf->path, &len, lf->err, sizeof(lf->err))) ==
	    NULL) {
		lf->failed = 1;
		return;
	}
	if (load_suffix(lf->name, ".json"))
		lf->failed = load_json(buf, len, &lf->docs, lf->err,
		    sizeof(lf->err)) == -1;
	else
		lf->failed = yaml_docs_parse(buf, len, &lf->docs, lf->err,
		    sizeof(lf->err)) == -1;
	free(buf);
}

int
load_dir(const char *dir, struct load_set *set)
{
	DIR *d;
	struct dirent *de;
	struct stat st;
	size_t i;

	memset(set, 0, sizeof(*set));
	if ((d = opendir(dir)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		struct load_file *lf;
		char *path;

		if (!load_is_manifest(de->d_name))
			continue;
		path = kube_asprintf("%s/%s", dir, de->d_name);
		if (stat(path, &st) == -1 || !S_ISREG(st.st_mode)) {
			free(path);
			continue;
		}
		set->v = kube_reallocarray(set->v, set->n + 1, sizeof(*set->v));
		lf = &set->v[set->n++];
		memset(lf, 0, sizeof(*lf));
		lf->name = kube_strdup(de->d_name);
		lf->path = path;
	}
	closedir(d);
	if (set->n > 1)
		qsort(set->v, set->n, sizeof(*set->v), load_name_cmp);
	for (i = 0; i < set->n; i++)
		load_file_read(&set->v[i]);
	return 0;
}

void
load_set_free(struct load_set *set)
{
	size_t i;

	for (i = 0; i < set->n; i++) {
		free(set->v[i].name);
		free(set->v[i].path);
		yaml_docs_free(&set->v[i].docs);
	}
	free(set->v);
	memset(set, 0, sizeof(*set));
}

static void
load_object(const json_t *doc, const struct load_file *lf, int idx, int line,
    struct store *s, struct kerrs *errs, struct kerrs *ignored)
{
	struct kobj_version v;
	struct kerrs oe;
	struct kobj *prev;
	char why[160], q[200];
	int r;

	memset(&oe, 0, sizeof(oe));
	oe.file = lf->path;
	oe.doc = idx;
	oe.line = line;
	r = object_parse(doc, &v, &oe, why, sizeof(why));
	if (r == 0 && ignored != NULL) {
		ignored->file = lf->path;
		ignored->doc = idx;
		kerr_add(ignored, 0, NULL, "%s", why);
		ignored->file = NULL;
	} else if (r == 0)
		log_info("manifest document ignored", "file=%s document=%d "
		    "reason=%s", lf->path, idx, log_q(why, q, sizeof(q)));
	else if (r == 1 && (prev = store_get(s, v.kind->idx, v.name)) &&
	    prev->seen)
		kerr_add(&oe, 1, NULL, "defined again (first in %s document "
		    "%d); this definition is ignored", prev->origin, prev->doc);
	else if (r == 1) {
		oe.name = NULL;
		oe.kind = NULL;
		store_put(s, &v, &oe, lf->path, idx);
	}
	object_version_clear(&v);
	oe.name = NULL;
	oe.kind = NULL;
	kerr_append(errs, &oe);
	kerr_clear(&oe);
}

void
load_store(const struct load_set *set, struct store *s, struct kerrs *errs,
    struct kerrs *ignored)
{
	size_t i, j, k;

	store_unmark(s);
	for (i = 0; i < set->n; i++) {
		const struct load_file *lf = &set->v[i];

		if (lf->failed) {
			errs->file = lf->path;
			errs->doc = 0;
			kerr_add(errs, 1, NULL, "%s", lf->err);
			errs->file = NULL;
		}
		for (j = 0; j < lf->docs.n; j++) {
			const json_t *doc = lf->docs.v[j].root;
			const json_t *items = json_object_get(doc, "items");
			const char *kind = json_string_value(
			    json_object_get(doc, "kind"));
			int line = lf->docs.v[j].line;

			if (doc == NULL || json_is_null(doc))
				continue;
			if (kind && strcmp(kind, "List") == 0 &&
			    json_is_array(items)) {
				for (k = 0; k < json_array_size(items); k++)
					load_object(json_array_get(items, k),
					    lf, (int)j + 1, line, s, errs,
					    ignored);
				continue;
			}
			load_object(doc, lf, (int)j + 1, line, s, errs,
					    ignored);
		}
	}
	store_sweep(s);
}
