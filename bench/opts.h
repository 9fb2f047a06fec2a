/*
 * opts.h: the command-line options both benchmark tools accept.
 */
#ifndef BENCH_OPTS_H
#define BENCH_OPTS_H

#include <stdint.h>

#include "sess.h"

struct opts {
	struct sess_cfg sess;
	uint32_t v4, v6, sets;
	uint64_t seed;
	double zipf;
	const char *nh4, *nh6;
};

/* Fills o from argv; prints usage and returns -1 on a bad option. */
int opts_parse(struct opts *o, int argc, char **argv, const char *prog);

#endif
