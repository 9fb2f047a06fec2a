/*
 * log.c: the logger: level, format, where lines go and the clock of the
 * repeat limiter (logrl.c) are this file's only state.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/time.h>

#include "bgp/log.h"
#include "bgp/logkv.h"
#include "bgp/logrl.h"

static enum log_level	log_max = LOG_INFO;
static int		log_json;
static FILE		*log_out;	/* NULL: stderr */
static uint64_t		(*log_clock)(void);

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
	struct logkv kv;

	while (logkv_next(&p, &kv)) {
		fputs(",\"", out);
		log_json_str(out, kv.k, kv.kn);
		fputs("\":\"", out);
		log_json_str(out, kv.v, kv.vn);
		fputc('"', out);
	}
}

static void
log_line(int lvl, const char *msg, const char *kv)
{
	FILE *out = log_out ? log_out : stderr;
	char ts[40];

	log_ts(ts, sizeof(ts));
	if (log_json) {
		fprintf(out, "{\"ts\":\"%s\",\"level\":\"%s\",\"msg\":\"",
		    ts, log_names[lvl]);
		log_json_str(out, msg, strlen(msg));
		fputc('"', out);
		log_json_kv(out, kv);
		fputs("}\n", out);
	} else {
		char q[512];

		fprintf(out, "ts=%s level=%s msg=%s%s%s\n", ts,
		    log_names[lvl], log_q(msg, q, sizeof(q)), kv[0] ? " " : "",
		    kv);
	}
	fflush(out);
}

/* The limiter's summary: the last suppressed line, with its count. */
static void
log_summary(int lvl, const char *msg, const char *kv, unsigned n)
{
	char tail[LOGRL_KV_MAX + 32];

	snprintf(tail, sizeof(tail), "%s%ssuppressed=%u", kv, kv[0] ? " " : "",
	    n);
	log_line(lvl, msg, tail);
}

static uint64_t
log_monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static uint64_t
log_now(void)
{
	return log_clock ? log_clock() : log_monotonic_ms();
}

void
log_set_stream(FILE *f)
{
	log_out = f;
}

void
log_set_clock(uint64_t (*now_ms)(void))
{
	log_clock = now_ms;
}

void
log_tick(void)
{
	logrl_expire(log_now(), log_summary);
}

void
log_flush(void)
{
	logrl_flush(log_summary);
}

void
log_msg(enum log_level lvl, const char *msg, const char *kvfmt, ...)
{
	char kv[LOGRL_KV_MAX];
	va_list ap;

	if (!log_enabled(lvl))
		return;
	kv[0] = '\0';
	if (kvfmt != NULL && *kvfmt) {
		va_start(ap, kvfmt);
		vsnprintf(kv, sizeof(kv), kvfmt, ap);
		va_end(ap);
	}
	/* Debug is asked for to see everything, and would crowd the table. */
	if (lvl != LOG_DEBUG &&
	    !logrl_admit((int)lvl, msg, kv, log_now(), log_summary))
		return;
	log_line((int)lvl, msg, kv);
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
