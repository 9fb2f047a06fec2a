/*
 * prom.c: the Prometheus text exposition format, version 0.0.4.
 *
 * A family is its HELP and TYPE lines followed by its samples, all
 * contiguous. Label values escape backslash, double quote and newline;
 * HELP text escapes backslash and newline. Values print as integers when
 * they are whole (counters up to 2^53 stay exact), else in the shortest
 * form that reads back exactly; NaN and infinities by their exposition names.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "metrics/internal.h"

static void
prom_escape(FILE *f, const char *s, int quote)
{
	for (; *s != '\0'; s++) {
		if (*s == '\\')
			fputs("\\\\", f);
		else if (*s == '\n')
			fputs("\\n", f);
		else if (*s == '"' && quote)
			fputs("\\\"", f);
		else
			fputc(*s, f);
	}
}

void
prom_escape_label(FILE *f, const char *s)
{
	prom_escape(f, s, 1);
}

void
prom_escape_help(FILE *f, const char *s)
{
	prom_escape(f, s, 0);
}

void
prom_family(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s ", name);
	prom_escape_help(f, help);
	fprintf(f, "\n# TYPE %s %s\n", name, type);
}

/* The shortest %g form that reads back as the same double. */
static void
prom_shortest(FILE *f, double v)
{
	char buf[32];
	int prec;

	for (prec = 15; prec < 17; prec++) {
		snprintf(buf, sizeof(buf), "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			break;
	}
	if (prec == 17)
		snprintf(buf, sizeof(buf), "%.17g", v);
	fputs(buf, f);
}

void
prom_value(FILE *f, double v)
{
	if (isnan(v))
		fputs("NaN", f);
	else if (isinf(v))
		fputs(v > 0 ? "+Inf" : "-Inf", f);
	else if (v == floor(v) && fabs(v) < 9007199254740992.0)
		fprintf(f, "%.0f", v);
	else
		prom_shortest(f, v);
}

void
prom_sample(FILE *f, const char *name, const struct prom_label *l, size_t n,
    double v)
{
	size_t i;

	fputs(name, f);
	if (n > 0) {
		fputc('{', f);
		for (i = 0; i < n; i++) {
			fprintf(f, "%s%s=\"", i > 0 ? "," : "", l[i].name);
			prom_escape_label(f, l[i].value);
			fputc('"', f);
		}
		fputc('}', f);
	}
	fputc(' ', f);
	prom_value(f, v);
	fputc('\n', f);
}

void
prom_sample1(FILE *f, const char *name, const char *lname, const char *lvalue,
    double v)
{
	struct prom_label l = { lname, lvalue };

	prom_sample(f, name, &l, 1, v);
}
