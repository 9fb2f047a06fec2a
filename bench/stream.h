/*
 * stream.h: the feeder's pre-built UPDATE streams.
 *
 * Everything the feeder sends is encoded before the clock starts, so the
 * feeder does nothing on the timed path but large write()s.
 */
#ifndef BENCH_STREAM_H
#define BENCH_STREAM_H

#include <stddef.h>
#include <stdint.h>

#include "load.h"

struct bytes {
	uint8_t *b;
	size_t len, cap;
};

struct stream_cfg {
	uint32_t as;		/* feeder AS: first hop of every AS_PATH */
	uint8_t nh4[4];		/* NEXT_HOP for IPv4 */
	uint8_t nh6[16];	/* MP_REACH_NLRI next hop for IPv6 */
	uint32_t nsets;		/* distinct attribute sets */
	double zipf;		/* exponent of the set popularity law */
	uint64_t seed;
};

struct stream_stats {
	uint32_t updates, sets_used;
};

/* Announcements (packed per attribute set, then End-of-RIB for both
 * families) and withdrawals of every prefix of l. */
int stream_announce(struct bytes *out, const struct load *l,
    const struct stream_cfg *c, struct stream_stats *st);
int stream_withdraw(struct bytes *out, const struct load *l,
    struct stream_stats *st);

#endif
