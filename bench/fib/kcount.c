/*
 * kcount.c: prints how many IPv4 and IPv6 routes of one protocol the
 * namespace's kernel holds ("N4 N6"), by a netlink dump (count.h). The
 * daemon benchmark (daemons.py) polls it to see a daemon's routes land.
 *
 * Usage: kcount PROTO
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>

#include "bench/fib/count.h"

int
main(int argc, char **argv)
{
	int proto;

	if (argc != 2 || (proto = atoi(argv[1])) <= 0 || proto > 255) {
		fprintf(stderr, "usage: kcount PROTO\n");
		return 2;
	}
	printf("%ld %ld\n", count_routes(AF_INET, proto),
	    count_routes(AF_INET6, proto));
	return 0;
}
