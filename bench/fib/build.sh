#!/bin/sh
# Builds the fib/ benchmark and its bare-netlink reference into $1
# (default build/bench/fib).
set -e
cd "$(dirname "$0")/../.."
out=${1:-build/bench/fib}
mkdir -p "$out"
W="-Wall -Wextra -Werror -Wstrict-prototypes -Wmissing-prototypes -Wshadow \
-Wpointer-arith -Wcast-qual -Wsign-compare -std=gnu11 -D_GNU_SOURCE"
P="libevent libnl-3.0 libnl-route-3.0"
${CC:-cc} -O2 -g $W -Wno-unused-function -I. $(pkg-config --cflags $P) \
	-o "$out/fibbench" bench/fib/fibbench.c fib/*.c bgp/addr.c bgp/log.c \
	bgp/logkv.c bgp/logrl.c \
	$(pkg-config --libs $P)
${CC:-cc} -O2 -g $W -Wno-unused-function -I. $(pkg-config --cflags $P) \
	-o "$out/bare" bench/fib/bare.c $(pkg-config --libs $P)
${CC:-cc} -O2 -g $W -I. $(pkg-config --cflags $P) \
	-o "$out/kcount" bench/fib/kcount.c $(pkg-config --libs $P)
