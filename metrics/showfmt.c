/*
 * showfmt.c: the readable tables of `bgpd show`, printed from the JSON
 * API's documents (so the CLI shows exactly what the API says).
 *
 * Columns are as wide as their widest cell. The RIB marks the best path
 * "*>" and other usable paths "*" as BIRD, FRR and OpenBGPD do; a path an
 * import policy or loop check filtered is marked "f". Conditions that are
 * not True are spelled out under the table with their reason and message.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bgp/log.h"
#include "metrics/internal.h"

#define SHOWFMT_MAXCOLS	10

struct showfmt_table {
	size_t	 ncols;
	size_t	 nrows, cap;
	char	**cells;		/* nrows * ncols, row-major */
};

/* A copy fit for one table line: control characters become spaces. */
static char *
showfmt_cell(const char *s)
{
	char *c, *p;

	if ((c = strdup(s != NULL ? s : "")) == NULL)
		fatal("%s: out of memory", __func__);
	for (p = c; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
	return c;
}

static void
showfmt_add(struct showfmt_table *t, const char *first, ...)
{
	const char *s = first;
	va_list ap;
	size_t i;

	if (t->nrows == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 64;
		t->cells = reallocarray(t->cells, t->cap * t->ncols,
		    sizeof(char *));
		if (t->cells == NULL)
			fatal("%s: out of memory", __func__);
	}
	va_start(ap, first);
	for (i = 0; i < t->ncols; i++) {
		t->cells[t->nrows * t->ncols + i] = showfmt_cell(s);
		s = va_arg(ap, const char *);
	}
	va_end(ap);
	t->nrows++;
}

static void
showfmt_print(FILE *f, struct showfmt_table *t)
{
	size_t w[SHOWFMT_MAXCOLS] = { 0 }, r, c, n, last;
	char *cell;

	for (r = 0; r < t->nrows; r++)
		for (c = 0; c < t->ncols; c++)
			if ((n = strlen(t->cells[r * t->ncols + c])) > w[c])
				w[c] = n;
	for (r = 0; r < t->nrows; r++) {
		/* Pad up to the last non-empty cell only: no trailing blanks. */
		for (last = t->ncols; last > 1; last--)
			if (t->cells[r * t->ncols + last - 1][0] != '\0')
				break;
		for (c = 0; c < t->ncols; c++) {
			cell = t->cells[r * t->ncols + c];
			if (c + 1 >= last)
				fprintf(f, "%s", c + 1 == last ? cell : "");
			else
				fprintf(f, "%-*s  ", (int)w[c], cell);
			free(cell);
		}
		fputc('\n', f);
	}
	free(t->cells);
	t->cells = NULL;
	t->nrows = t->cap = 0;
}

static const char *
showfmt_str(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s != NULL ? s : "";
}

static const char *
showfmt_int(json_t *o, const char *key, char *buf, size_t len)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_integer(v))
		return "";
	snprintf(buf, len, "%lld", (long long)json_integer_value(v));
	return buf;
}

/* ipv4 + ipv6 of an {"ipv4":n,"ipv6":n} member. */
static long long
showfmt_both(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_integer_value(json_object_get(v, "ipv4")) +
	    json_integer_value(json_object_get(v, "ipv6"));
}

const char *
showfmt_uptime(long long s, char *buf, size_t len)
{
	if (s <= 0)
		snprintf(buf, len, "-");
	else if (s < 86400)
		snprintf(buf, len, "%02lld:%02lld:%02lld", s / 3600,
		    s / 60 % 60, s % 60);
	else
		snprintf(buf, len, "%lldd%02lldh%02lldm", s / 86400,
		    s / 3600 % 24, s / 60 % 60);
	return buf;
}

void
showfmt_summary(FILE *f, json_t *doc)
{
	json_t *r = json_object_get(doc, "routes");
	json_t *p = json_object_get(doc, "paths");
	char b[32];

	fprintf(f, "Local endpoint:  %s\n", showfmt_str(doc, "local_endpoint"));
	fprintf(f, "Local AS:        %s\n", showfmt_int(doc, "local_as", b,
	    sizeof(b)));
	fprintf(f, "Router ID:       %s\n", showfmt_str(doc, "router_id"));
	fprintf(f, "Listen port:     %s\n", showfmt_int(doc, "listen_port", b,
	    sizeof(b)));
	fprintf(f, "Ready:           %s\n", json_is_true(json_object_get(doc,
	    "ready")) ? "yes" : "no");
	if (showfmt_str(doc, "listen_error")[0] != '\0')
		fprintf(f, "Listen error:    %s\n",
		    showfmt_str(doc, "listen_error"));
	fprintf(f, "Peers:           %lld (%lld established)\n",
	    json_integer_value(json_object_get(doc, "peers")),
	    json_integer_value(json_object_get(doc, "established")));
	fprintf(f, "Routes:          ipv4 %lld, ipv6 %lld\n",
	    json_integer_value(json_object_get(r, "ipv4")),
	    json_integer_value(json_object_get(r, "ipv6")));
	fprintf(f, "Paths:           ipv4 %lld, ipv6 %lld\n",
	    json_integer_value(json_object_get(p, "ipv4")),
	    json_integer_value(json_object_get(p, "ipv6")));
	fprintf(f, "Attribute sets:  %s\n", showfmt_int(doc, "attr_sets", b,
	    sizeof(b)));
}

void
showfmt_neighbors(FILE *f, json_t *doc)
{
	struct showfmt_table t = { 8, 0, 0, NULL };
	char as[16], up[32], rc[24], ac[24], sn[24];
	json_t *n;
	size_t i;

	showfmt_add(&t, "NAME", "REMOTE ADDRESS", "AS", "STATE", "UPTIME",
	    "RCVD", "ACCEPTED", "SENT");
	json_array_foreach(json_object_get(doc, "neighbors"), i, n) {
		snprintf(rc, sizeof(rc), "%lld", showfmt_both(n,
		    "prefixes_received"));
		snprintf(ac, sizeof(ac), "%lld", showfmt_both(n,
		    "prefixes_accepted"));
		snprintf(sn, sizeof(sn), "%lld", showfmt_both(n,
		    "prefixes_sent"));
		showfmt_add(&t, showfmt_str(n, "name"),
		    showfmt_str(n, "remote_address"),
		    showfmt_int(n, "remote_as", as, sizeof(as)),
		    showfmt_str(n, "state"),
		    showfmt_uptime(json_integer_value(json_object_get(n,
		    "uptime_seconds")), up, sizeof(up)), rc, ac, sn);
	}
	showfmt_print(f, &t);
}

/* Space-separated values of a JSON array of strings or integers. */
static void
showfmt_join(FILE *m, json_t *arr)
{
	json_t *v;
	size_t i;

	json_array_foreach(arr, i, v) {
		if (i > 0)
			fputc(' ', m);
		if (json_is_integer(v))
			fprintf(m, "%lld", (long long)json_integer_value(v));
		else if (json_is_string(v))
			fputs(json_string_value(v), m);
	}
}

static void
showfmt_rib_path(struct showfmt_table *t, const char *pfx, json_t *p)
{
	char *aspath = NULL, *comms = NULL, lp[16], med[16];
	size_t len;
	const char *mark = json_is_true(json_object_get(p, "filtered")) ? "f" :
	    json_is_true(json_object_get(p, "best")) ? "*>" : "*";
	const char *nh = json_is_string(json_object_get(p, "next_hop")) ?
	    showfmt_str(p, "next_hop") : "-";
	FILE *m;

	if ((m = open_memstream(&aspath, &len)) == NULL)
		fatal("%s: out of memory", __func__);
	showfmt_join(m, json_object_get(p, "as_path"));
	fclose(m);
	if ((m = open_memstream(&comms, &len)) == NULL)
		fatal("%s: out of memory", __func__);
	showfmt_join(m, json_object_get(p, "communities"));
	if (json_array_size(json_object_get(p, "communities")) > 0 &&
	    json_array_size(json_object_get(p, "large_communities")) > 0)
		fputc(' ', m);
	showfmt_join(m, json_object_get(p, "large_communities"));
	fclose(m);
	showfmt_add(t, mark, pfx, nh, aspath, showfmt_str(p, "origin"),
	    showfmt_int(p, "local_pref", lp, sizeof(lp)),
	    showfmt_int(p, "med", med, sizeof(med)), comms);
	free(aspath);
	free(comms);
}

void
showfmt_rib(FILE *f, json_t *doc)
{
	struct showfmt_table t = { 8, 0, 0, NULL };
	json_t *r, *p;
	size_t i, j;

	showfmt_add(&t, "", "PREFIX", "NEXT HOP", "AS PATH", "ORIGIN",
	    "LOCPRF", "MED", "COMMUNITIES");
	json_array_foreach(json_object_get(doc, "routes"), i, r)
		json_array_foreach(json_object_get(r, "paths"), j, p)
			showfmt_rib_path(&t, j == 0 ?
			    showfmt_str(r, "prefix") : "", p);
	fprintf(f, "Status: *> best, * usable, f filtered\n");
	showfmt_print(f, &t);
	/* Best paths the kernel does not hold, and why. */
	json_array_foreach(json_object_get(doc, "routes"), i, r) {
		const char *fib = showfmt_str(r, "fib");

		if (strncmp(fib, "held", 4) == 0 ||
		    strcmp(fib, "pending") == 0)
			fprintf(f, "%s not in the kernel: %s\n",
			    showfmt_str(r, "prefix"), fib);
	}
}

/* "Type=Status,..." for the table; the not-True ones go to the notes. */
static char *
showfmt_conditions(json_t *obj, FILE *notes)
{
	json_t *conds = json_object_get(obj, "conditions"), *c;
	char *s = NULL;
	size_t i, len;
	FILE *m;

	if ((m = open_memstream(&s, &len)) == NULL)
		fatal("%s: out of memory", __func__);
	json_array_foreach(conds, i, c) {
		fprintf(m, "%s%s=%s", i > 0 ? "," : "", showfmt_str(c, "type"),
		    showfmt_str(c, "status"));
		if (strcmp(showfmt_str(c, "status"), "True") != 0)
			fprintf(notes, "%s: %s=%s %s: %s\n",
			    showfmt_str(obj, "name"), showfmt_str(c, "type"),
			    showfmt_str(c, "status"), showfmt_str(c, "reason"),
			    showfmt_str(c, "message"));
	}
	fclose(m);
	return s;
}

static void
showfmt_with_notes(FILE *f, struct showfmt_table *t, char *notes)
{
	showfmt_print(f, t);
	if (notes != NULL && notes[0] != '\0')
		fprintf(f, "\n%s", notes);
	free(notes);
}

void
showfmt_advertisements(FILE *f, json_t *doc)
{
	struct showfmt_table t = { 4, 0, 0, NULL };
	char *notes = NULL, *pfx, *conds, cnt[24];
	size_t i, len, plen;
	json_t *a;
	FILE *nf, *m;

	if ((nf = open_memstream(&notes, &len)) == NULL)
		fatal("%s: out of memory", __func__);
	showfmt_add(&t, "NAME", "ADVERTISED", "CONDITIONS", "PREFIXES");
	json_array_foreach(json_object_get(doc, "advertisements"), i, a) {
		pfx = NULL;
		if ((m = open_memstream(&pfx, &plen)) == NULL)
			fatal("%s: out of memory", __func__);
		showfmt_join(m, json_object_get(a, "prefixes"));
		fclose(m);
		conds = showfmt_conditions(a, nf);
		showfmt_add(&t, showfmt_str(a, "name"), showfmt_int(a,
		    "advertised_prefix_count", cnt, sizeof(cnt)), conds, pfx);
		free(conds);
		free(pfx);
	}
	fclose(nf);
	showfmt_with_notes(f, &t, notes);
}

void
showfmt_policies(FILE *f, json_t *doc)
{
	struct showfmt_table t = { 3, 0, 0, NULL };
	char *notes = NULL, *conds;
	size_t i, len;
	json_t *p;
	FILE *nf;

	if ((nf = open_memstream(&notes, &len)) == NULL)
		fatal("%s: out of memory", __func__);
	showfmt_add(&t, "NAME", "TYPE", "CONDITIONS");
	json_array_foreach(json_object_get(doc, "policies"), i, p) {
		conds = showfmt_conditions(p, nf);
		showfmt_add(&t, showfmt_str(p, "name"), showfmt_str(p, "type"),
		    conds);
		free(conds);
	}
	fclose(nf);
	showfmt_with_notes(f, &t, notes);
}
