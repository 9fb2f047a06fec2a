/*
 * opts.c: command-line parsing shared by the feeder and the collector, so
 * both agree on what the load is (--v4, --v6, --seed) without further ado.
 */
#include "opts.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void
usage(const char *prog)
{
	fprintf(stderr,
	    "usage: %s (--connect ADDR | --listen ADDR) [--port N] --as N\n"
	    "       --router-id A.B.C.D [--hold S] [--timeout S]\n"
	    "       [--v4 N] [--v6 N] [--seed N] [--sets N] [--zipf X]\n"
	    "       [--nh4 ADDR] [--nh6 ADDR]\n"
	    "Reads commands on stdin and prints timestamped events on stdout.\n",
	    prog);
}

int
opts_parse(struct opts *o, int argc, char **argv, const char *prog)
{
	static const struct option lo[] = {
		{"connect", 1, NULL, 'c'}, {"listen", 1, NULL, 'l'},
		{"port", 1, NULL, 'p'}, {"as", 1, NULL, 'a'},
		{"router-id", 1, NULL, 'r'}, {"hold", 1, NULL, 'H'},
		{"timeout", 1, NULL, 't'}, {"v4", 1, NULL, '4'},
		{"v6", 1, NULL, '6'}, {"seed", 1, NULL, 's'},
		{"sets", 1, NULL, 'S'}, {"zipf", 1, NULL, 'z'},
		{"nh4", 1, NULL, 'n'}, {"nh6", 1, NULL, 'N'},
		{NULL, 0, NULL, 0},
	};
	int ch;

	memset(o, 0, sizeof(*o));
	o->sess.port = 179;
	o->sess.hold = 180;
	o->sess.timeout = 120;
	o->v4 = 1000000;
	o->v6 = 200000;
	o->sets = 30000;
	o->seed = 1;
	o->zipf = 1.0;
	while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (ch) {
		case 'c': o->sess.connect = optarg; break;
		case 'l': o->sess.listen = optarg; break;
		case 'p': o->sess.port = atoi(optarg); break;
		case 'a': o->sess.as = (uint32_t)strtoul(optarg, NULL, 10); break;
		case 'r': o->sess.router_id = sess_parse_id(optarg); break;
		case 'H': o->sess.hold = atoi(optarg); break;
		case 't': o->sess.timeout = atoi(optarg); break;
		case '4': o->v4 = (uint32_t)strtoul(optarg, NULL, 10); break;
		case '6': o->v6 = (uint32_t)strtoul(optarg, NULL, 10); break;
		case 's': o->seed = strtoull(optarg, NULL, 10); break;
		case 'S': o->sets = (uint32_t)strtoul(optarg, NULL, 10); break;
		case 'z': o->zipf = atof(optarg); break;
		case 'n': o->nh4 = optarg; break;
		case 'N': o->nh6 = optarg; break;
		default: usage(prog); return -1;
		}
	}
	if ((o->sess.connect == NULL) == (o->sess.listen == NULL) ||
	    o->sess.as == 0 || o->sess.router_id == 0 || o->sets == 0 ||
	    o->sess.hold < 3) {
		usage(prog);
		return -1;
	}
	return 0;
}
