/*
 * ribdoc.c: the paths of /api/v1/rib written straight as JSON text.
 *
 * A full table is ~1M paths; building and dumping a jansson tree per path
 * costs several times more than the walk itself, so this writes the same
 * compact text (member order and escaping as jansson would produce, which
 * the unit test checks by parsing it back). Absent attributes are null.
 */
#include <stdio.h>

#include "metrics/internal.h"

void
ribdoc_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		switch (c) {
		case '"':	fputs("\\\"", f); break;
		case '\\':	fputs("\\\\", f); break;
		case '\b':	fputs("\\b", f); break;
		case '\f':	fputs("\\f", f); break;
		case '\n':	fputs("\\n", f); break;
		case '\r':	fputs("\\r", f); break;
		case '\t':	fputs("\\t", f); break;
		default:
			if (c < 0x20)
				fprintf(f, "\\u%04X", c);
			else
				fputc(c, f);
		}
	}
	fputc('"', f);
}

static void
ribdoc_addr(FILE *f, const char *key, const struct addr *a)
{
	char buf[ADDR_STRLEN];

	fprintf(f, ",\"%s\":", key);
	if (addr_is_set(a))
		fprintf(f, "\"%s\"", addr_fmt(a, buf, sizeof(buf)));
	else
		fputs("null", f);
}

static void
ribdoc_id(FILE *f, uint32_t id)
{
	fprintf(f, "\"%u.%u.%u.%u\"", id >> 24, (id >> 16) & 0xff,
	    (id >> 8) & 0xff, id & 0xff);
}

static void
ribdoc_opt(FILE *f, const char *key, int has, uint32_t v)
{
	if (has)
		fprintf(f, ",\"%s\":%u", key, v);
	else
		fprintf(f, ",\"%s\":null", key);
}

static void
ribdoc_communities(FILE *f, const struct bgp_path_info *p)
{
	char buf[32];
	size_t i;

	fputs(",\"communities\":[", f);
	for (i = 0; i < p->ncommunities; i++)
		fprintf(f, "%s\"%s\"", i > 0 ? "," : "",
		    apidoc_community(p->communities[i], buf, sizeof(buf)));
	fputs("],\"large_communities\":[", f);
	for (i = 0; i < p->nlarge; i++)
		fprintf(f, "%s\"%u:%u:%u\"", i > 0 ? "," : "", p->large[3 * i],
		    p->large[3 * i + 1], p->large[3 * i + 2]);
	fputs("],\"ext_communities\":[", f);
	for (i = 0; i < p->next; i++) {
		const uint8_t *x = p->ext + 8 * i;

		fprintf(f, "%s\"%02x%02x%02x%02x%02x%02x%02x%02x\"",
		    i > 0 ? "," : "", x[0], x[1], x[2], x[3], x[4], x[5], x[6],
		    x[7]);
	}
	fputc(']', f);
}

void
ribdoc_path(FILE *f, const struct bgp_path_info *p, time_t now)
{
	size_t i;

	fprintf(f, "{\"best\":%s,\"source\":\"%s\",\"peer\":",
	    p->best ? "true" : "false", p->local ? "local" : "peer");
	if (p->local)
		fputs("null", f);
	else
		ribdoc_str(f, p->peer);
	ribdoc_addr(f, "next_hop", &p->nexthop);
	ribdoc_addr(f, "next_hop_ll", &p->nexthop_ll);
	fputs(",\"as_path\":[", f);
	for (i = 0; i < p->naspath; i++)
		fprintf(f, "%s%u", i > 0 ? "," : "", p->aspath[i]);
	fprintf(f, "],\"origin\":\"%s\"", apidoc_origin(p->origin));
	ribdoc_opt(f, "med", p->has_med, p->med);
	ribdoc_opt(f, "local_pref", p->has_local_pref, p->local_pref);
	ribdoc_communities(f, p);
	fputs(",\"originator_id\":", f);
	if (p->has_originator)
		ribdoc_id(f, p->originator_id);
	else
		fputs("null", f);
	fputs(",\"cluster_list\":[", f);
	for (i = 0; i < p->nclusters; i++) {
		if (i > 0)
			fputc(',', f);
		ribdoc_id(f, p->clusters[i]);
	}
	fprintf(f, "],\"filtered\":%s,\"age_seconds\":%lld}",
	    p->filtered ? "true" : "false",
	    (long long)(now > p->since ? now - p->since : 0));
}
