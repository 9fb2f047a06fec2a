/*
 * log.h: one line per event to stderr, logfmt or JSON.
 *
 * A leaf of bgp/. Callers pass a message and a logfmt tail of key=value
 * pairs: log_info("session established", "session=%s as=%u", n, as).
 * Values with spaces must be quoted by the caller with %s inside "...";
 * log_q() helps. In JSON mode the tail is re-read into JSON members.
 *
 * Repeats of one line (error, warn, info) are rate-limited as logrl.h
 * describes: a few are printed, the rest counted into a summary line
 * with suppressed=N. Nothing is delayed; debug lines are never limited.
 */
#ifndef BGP_LOG_H
#define BGP_LOG_H

#include <stdint.h>
#include <stdio.h>

enum log_level { LOG_ERROR, LOG_WARN, LOG_INFO, LOG_DEBUG };

void	 log_init(enum log_level, int json);
int	 log_level_parse(const char *, enum log_level *);
int	 log_enabled(enum log_level);

/* Where lines go (stderr by default) and the limiter's clock (ms, by
 * default CLOCK_MONOTONIC); NULL restores the default. For tests. */
void	 log_set_stream(FILE *);
void	 log_set_clock(uint64_t (*now_ms)(void));
/* Emit the summaries of windows that ended; the loop calls it often. */
void	 log_tick(void);
/* Emit every summary owed, at exit. */
void	 log_flush(void);

void	 log_msg(enum log_level, const char *msg, const char *kvfmt, ...)
	    __attribute__((format(printf, 3, 4)));

#define log_error(m, ...)	log_msg(LOG_ERROR, m, __VA_ARGS__)
#define log_warn(m, ...)	log_msg(LOG_WARN, m, __VA_ARGS__)
#define log_info(m, ...)	log_msg(LOG_INFO, m, __VA_ARGS__)
#define log_debug(m, ...)	\
	do { if (log_enabled(LOG_DEBUG)) log_msg(LOG_DEBUG, m, __VA_ARGS__); } while (0)

/* Quote a value for logfmt into buf ("..." with \" and \\ escaped). */
const char	*log_q(const char *, char *buf, unsigned len);

/* A broken invariant: log and abort(). Never for bad outside input. */
void	 fatal(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2), noreturn));

#endif
