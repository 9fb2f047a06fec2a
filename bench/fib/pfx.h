/*
 * pfx.h: the benchmark's route set, the same for fib/ and the bare loop:
 * IPv4 /24s from 11.0.0.0 up, IPv6 /48s inside 3fff::/20.
 */
#ifndef BENCH_FIB_PFX_H
#define BENCH_FIB_PFX_H

#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

static inline void
pfx_v4(uint32_t i, uint8_t a[16], uint8_t *len)
{
	uint32_t net = (11u << 24) + (i << 8);

	memset(a, 0, 16);
	a[0] = (uint8_t)(net >> 24);
	a[1] = (uint8_t)(net >> 16);
	a[2] = (uint8_t)(net >> 8);
	*len = 24;
}

static inline void
pfx_v6(uint32_t i, uint8_t a[16], uint8_t *len)
{
	memset(a, 0, 16);
	a[0] = 0x3f;
	a[1] = 0xff;
	a[2] = (uint8_t)((i >> 24) & 0x0f);
	a[3] = (uint8_t)(i >> 16);
	a[4] = (uint8_t)(i >> 8);
	a[5] = (uint8_t)i;
	*len = 48;
}

#endif
