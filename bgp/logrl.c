/*
 * logrl.c: the repeat limiter's fixed table (logrl.h says what "the same
 * line" is and how windows end). The table is this file's only state.
 */
#include <stdio.h>
#include <string.h>

#include "bgp/logkv.h"
#include "bgp/logrl.h"

struct logrl_ent {
	uint64_t	 id;		/* 0: free slot */
	uint64_t	 start;		/* the window's start, ms */
	unsigned	 printed;
	unsigned	 suppressed;
	int		 muted;		/* the last window ended suppressing */
	int		 level;
	char		 msg[160];
	char		 kv[LOGRL_KV_MAX];	/* the last repeat's, for the summary */
};

static struct logrl_ent	logrl_tab[LOGRL_SLOTS];

static uint64_t
fnv(uint64_t h, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

static int
logrl_volatile(const struct logkv *kv)
{
	return kv->kn >= 3 && memcmp(kv->k + kv->kn - 3, "_ms", 3) == 0;
}

static uint64_t
logrl_id(int level, const char *msg, const char *tail)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	struct logkv kv;
	char lv = (char)('0' + level);

	h = fnv(h, &lv, 1);
	h = fnv(h, msg, strlen(msg) + 1);
	while (logkv_next(&tail, &kv)) {
		/* Separators keep "a=b c" and "a=\"b c\"" apart. */
		h = fnv(h, kv.k, kv.kn);
		h = fnv(h, kv.has_v ? "=" : " ", 1);
		if (!logrl_volatile(&kv))
			h = fnv(h, kv.v, kv.vn);
		h = fnv(h, "\n", 1);
	}
	return h ? h : 1;
}

static void
logrl_close(struct logrl_ent *e, uint64_t now, logrl_emit_fn *emit)
{
	if (e->suppressed == 0) {
		e->id = 0;
		return;
	}
	emit(e->level, e->msg, e->kv, e->suppressed);
	e->suppressed = 0;
	e->printed = 0;
	e->muted = 1;
	e->start = now;
}

void
logrl_expire(uint64_t now, logrl_emit_fn *emit)
{
	unsigned i;

	for (i = 0; i < LOGRL_SLOTS; i++) {
		struct logrl_ent *e = &logrl_tab[i];

		if (e->id != 0 && now - e->start >= LOGRL_WINDOW_MS)
			logrl_close(e, now, emit);
	}
}

void
logrl_flush(logrl_emit_fn *emit)
{
	unsigned i;

	for (i = 0; i < LOGRL_SLOTS; i++) {
		struct logrl_ent *e = &logrl_tab[i];

		if (e->id != 0 && e->suppressed != 0)
			emit(e->level, e->msg, e->kv, e->suppressed);
		e->id = 0;
	}
}

/* A free slot, or the one whose window started first, forgotten. */
static struct logrl_ent *
logrl_slot(logrl_emit_fn *emit)
{
	struct logrl_ent *old = &logrl_tab[0];
	unsigned i;

	for (i = 0; i < LOGRL_SLOTS; i++) {
		if (logrl_tab[i].id == 0)
			return &logrl_tab[i];
		if (logrl_tab[i].start < old->start)
			old = &logrl_tab[i];
	}
	if (old->suppressed != 0)
		emit(old->level, old->msg, old->kv, old->suppressed);
	old->id = 0;
	return old;
}

static struct logrl_ent *
logrl_find(uint64_t id, int level)
{
	unsigned i;

	for (i = 0; i < LOGRL_SLOTS; i++)
		if (logrl_tab[i].id == id && logrl_tab[i].level == level)
			return &logrl_tab[i];
	return NULL;
}

int
logrl_admit(int level, const char *msg, const char *kv, uint64_t now,
    logrl_emit_fn *emit)
{
	uint64_t id = logrl_id(level, msg, kv);
	struct logrl_ent *e;

	logrl_expire(now, emit);
	if ((e = logrl_find(id, level)) != NULL) {
		if (!e->muted && e->printed < LOGRL_BURST) {
			e->printed++;
			return 1;
		}
		e->suppressed++;
		snprintf(e->kv, sizeof(e->kv), "%s", kv);
		return 0;
	}
	e = logrl_slot(emit);
	memset(e, 0, sizeof(*e));
	e->id = id;
	e->level = level;
	e->start = now;
	e->printed = 1;
	snprintf(e->msg, sizeof(e->msg), "%s", msg);
	return 1;
}
