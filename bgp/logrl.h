/*
 * logrl.h: the logger's repeat limiter. A line is "the same" as an
 * earlier one when its level, message and key=value tail are equal,
 * leaving out the values of keys ending in "_ms" (retry delays and other
 * durations that differ between repeats of one event). Distinct objects
 * (session=a, session=b) are distinct lines.
 *
 * Each line may be printed LOGRL_BURST times per LOGRL_WINDOW_MS; more
 * are counted. When a window ends with repeats counted, one summary
 * (the line with suppressed=N) is emitted and the line stays muted for
 * another window; a window without repeats forgets the line, so its
 * next occurrence is printed as new. The table is fixed: when full, the
 * oldest line is forgotten (after its summary, if it owes one).
 */
#ifndef BGP_LOGRL_H
#define BGP_LOGRL_H

#include <stdint.h>

#define LOGRL_BURST	5
#define LOGRL_WINDOW_MS	60000
#define LOGRL_SLOTS	128
#define LOGRL_KV_MAX	2048	/* the longest tail kept, as the logger's */

typedef void	 logrl_emit_fn(int level, const char *msg, const char *kv,
		    unsigned suppressed);

/* 1: print the line now; 0: counted. Ended windows are summarised first. */
int	 logrl_admit(int level, const char *msg, const char *kv,
	    uint64_t now_ms, logrl_emit_fn *);
/* Summarise and close the windows that ended by now_ms. */
void	 logrl_expire(uint64_t now_ms, logrl_emit_fn *);
/* Summarise every line that owes one and forget all lines. */
void	 logrl_flush(logrl_emit_fn *);

#endif
