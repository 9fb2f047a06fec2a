/*
 * log.c: the logger. Its level and format are this file's only state.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/time.h>

#include "bgp/log.h"

static enum log_level	log_max = LOG_INFO;
static int		log_json;

static const char *const log_names[] = { "error", "warn", "info", "debug" };

void
log_init(enum log_level lvl, int json)
{
	log_max = lvl;
	log_json = json;
}

int
log_level_parse(const char *s, enum log_level *out)
{
	unsigned i;

	for (i = 0; i < sizeof(log_names) / sizeof(log_names[0]); i++)
		if (strcmp(s, log_names[i]) == 0) {
			*out = (enum log_level)i;
			return 0;
		}
	return -1;
}

int
log_enabled(enum log_level lvl)
{
	return lvl <= log_max;
}

static void
log_ts(char *buf, size_t len)
{
	struct timeval tv;
	struct tm tm;
	size_t n;

	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, len - n, ".%03ldZ", (long)(tv.tv_usec / 1000));
}

/* Append s to out as a JSON string body (without quotes). */
static void
log_json_str(FILE *out, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c < 0x20)
			fprintf(out, "\\u%04x", c);
		else
			fputc(c, out);
	}
}

/* Re-read a logfmt tail (k=v k="v w") into JSON members. */
static void
log_json_kv(FILE *out, const char *p)
{
	while (*p) {
		const char *k, *v;
		size_t kn, vn = 0;

		while (*p == ' ')
			p++;
		if (*p == '\0')
			break;
		k = p;
		while (*p && *p != '=' && *p != ' ')
			p++;
		kn = (size_t)(p - k);
		fputs(",\"", out);
		log_json_str(out, k, kn);
		fputs("\":\"", out);
		if (*p == '=') {
			p++;
			if (*p == '"') {
				v = ++p;
				while (*p && *p != '"') {
					if (*p == '\\' && p[1])
						p++;
					p++;
				}
				vn = (size_t)(p - v);
				if (*p == '"')
					p++;
			} else {
				v = p;
				while (*p && *p != ' ')
					p++;
				vn = (size_t)(p - v);
			}
			log_json_str(out, v, vn);
		}
		fputc('"', out);
	}
}

void
log_msg(enum log_level lvl, const char *msg, const char *kvfmt, ...)
{
	char ts[40], kv[2048];
	va_list ap;

	if (!log_enabled(lvl))
		return;
	log_ts(ts, sizeof(ts));
	kv[0] = '\0';
	if (kvfmt != NULL && *kvfmt) {
		va_start(ap, kvfmt);
		vsnprintf(kv, sizeof(kv), kvfmt, ap);
		va_end(ap);
	}
	if (log_json) {
		fprintf(stderr, "{\"ts\":\"%s\",\"level\":\"%s\",\"msg\":\"",
		    ts, log_names[lvl]);
		log_json_str(stderr, msg, strlen(msg));
		fputc('"', stderr);
		log_json_kv(stderr, kv);
		fputs("}\n", stderr);
	} else {
		char q[512];

		fprintf(stderr, "ts=%s level=%s msg=%s%s%s\n", ts,
		    log_names[lvl], log_q(msg, q, sizeof(q)), kv[0] ? " " : "",
		    kv);
	}
	fflush(stderr);
}

const char *
log_q(const char *s, char *buf, unsigned len)
{
	unsigned o = 0;

	if (len < 3) {
		if (len)
			buf[0] = '\0';
		return buf;
	}
	buf[o++] = '"';
	for (; s && *s && o + 3 < len; s++) {
		if (*s == '"' || *s == '\\')
			buf[o++] = '\\';
		buf[o++] = (*s == '\n') ? ' ' : *s;
	}
	buf[o++] = '"';
	buf[o] = '\0';
	return buf;
}

void
fatal(const char *fmt, ...)
{
	char buf[1024], q[1100];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	fprintf(stderr, "level=fatal msg=%s\n", log_q(buf, q, sizeof(q)));
	abort();
}
