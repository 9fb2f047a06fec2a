#!/bin/sh
# Builds the fib/ test driver from fib/ and the bgp/ leaves it needs.
# Usage: tests/fib/build.sh [OUT] (default build/tests/fib/fibdrv).
# CC and SAN may name another compiler and sanitizer flags.
set -e
cd "$(dirname "$0")/../.."
out=${1:-build/tests/fib/fibdrv}
mkdir -p "$(dirname "$out")"
${CC:-cc} -O2 -g $SAN -Wall -Wextra -Werror -Wstrict-prototypes \
	-Wmissing-prototypes -Wshadow -Wpointer-arith -Wcast-qual \
	-Wsign-compare -std=gnu11 -D_GNU_SOURCE -I. \
	$(pkg-config --cflags libevent libnl-3.0 libnl-route-3.0) \
	-o "$out" tests/fib/fibdrv.c fib/*.c bgp/addr.c bgp/log.c bgp/logkv.c bgp/logrl.c \
	$(pkg-config --libs libevent libnl-3.0 libnl-route-3.0)
