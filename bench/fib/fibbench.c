/*
 * fibbench.c: a full table into the kernel through fib/, timed.
 *
 * Feeds N4 IPv4 and N6 IPv6 best paths to fib_route_change in chunks of
 * CHUNK per loop turn (the speaker hands over one UPDATE's prefixes at a
 * time, and a full-table burst is many per turn), then measures until fib/
 * reports every route acknowledged by the kernel, counts the kernel's
 * routes of protocol 196 by a dump, then withdraws them all the same way.
 * Run inside a namespace whose a0 has 10.0.0.1/24 and 2001:db8::1/64.
 *
 * Usage: fibbench [N4 [N6 [CHUNK]]]   (1000000 200000 10000)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/resource.h>
#include <event2/event.h>

#include "bgp/addr.h"
#include "bgp/bgp.h"
#include "bgp/log.h"
#include "fib/fib.h"
#include "bench/fib/pfx.h"
#include "bench/fib/count.h"

struct fb {
	struct event_base	*base;
	struct fib		*fib;
	struct event		*ev;
	uint32_t		 n4, n6, chunk, next;
	int			 withdraw;
	double			 t0;
	double			 last, maxgap;	/* between two ticks */
};

static double
fb_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* User-space CPU seconds: fib/'s own cost, without the kernel's work. */
static double
fb_cpu(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6;
}

static void
fb_change(struct fb *b, uint32_t i)
{
	struct bgp_route_change c;

	memset(&c, 0, sizeof(c));
	c.withdrawn = b->withdraw;
	c.peer = "bench";
	if (i < b->n4) {
		c.prefix.af = AF_INET;
		pfx_v4(i, c.prefix.a, &c.prefix.len);
		addr_parse("10.0.0.2", &c.nexthops[0].addr);
	} else {
		c.prefix.af = AF_INET6;
		pfx_v6(i - b->n4, c.prefix.a, &c.prefix.len);
		addr_parse("2001:db8::2", &c.nexthops[0].addr);
	}
	c.nnexthops = c.withdrawn ? 0 : 1;
	fib_route_change(b->fib, &c);
}

/* One loop turn: a chunk of changes, or a look at whether we are done. */
static void
fb_tick_cb(evutil_socket_t fd, short what, void *arg)
{
	struct fb *b = arg;
	struct timeval zero = { 0, 0 };
	struct fib_stats st;
	uint32_t i;

	(void)fd;
	(void)what;
	/* A tick waits for one loop turn: the gap is how long a turn took. */
	if (b->last > 0 && fb_now() - b->last > b->maxgap)
		b->maxgap = fb_now() - b->last;
	b->last = fb_now();
	for (i = 0; i < b->chunk && b->next < b->n4 + b->n6; i++)
		fb_change(b, b->next++);
	fib_query_stats(b->fib, &st);
	if (b->next == b->n4 + b->n6 && st.pending == 0 &&
	    st.installed == (b->withdraw ? 0 : (uint64_t)b->n4 + b->n6)) {
		event_base_loopbreak(b->base);
		return;
	}
	evtimer_add(b->ev, &zero);
}

static double
fb_phase(struct fb *b, int withdraw)
{
	struct timeval zero = { 0, 0 };

	b->withdraw = withdraw;
	b->next = 0;
	b->last = b->maxgap = 0;
	b->t0 = fb_now();
	evtimer_add(b->ev, &zero);
	event_base_dispatch(b->base);
	return fb_now() - b->t0;
}

int
main(int argc, char **argv)
{
	struct fib_opts o;
	struct fib_stats st;
	struct fb b;
	double t_add, t_del, c0, c1, c2;
	long k4, k6;

	memset(&b, 0, sizeof(b));
	b.n4 = argc > 1 ? (uint32_t)strtoul(argv[1], NULL, 10) : 1000000;
	b.n6 = argc > 2 ? (uint32_t)strtoul(argv[2], NULL, 10) : 200000;
	b.chunk = argc > 3 ? (uint32_t)strtoul(argv[3], NULL, 10) : 10000;
	log_init(LOG_WARN, 0);
	memset(&o, 0, sizeof(o));
	b.base = event_base_new();
	if ((b.fib = fib_new(b.base, &o)) == NULL)
		return 1;
	b.ev = evtimer_new(b.base, fb_tick_cb, &b);
	c0 = fb_cpu();
	t_add = fb_phase(&b, 0);
	c1 = fb_cpu();
	k4 = count_routes(AF_INET, 196);
	k6 = count_routes(AF_INET6, 196);
	fib_query_stats(b.fib, &st);
	printf("fib install: %u+%u routes in %.3f s (%.0f routes/s), "
	    "user cpu %.3f s, longest loop turn %.1f ms, kernel holds "
	    "%ld+%ld, errors %llu\n", b.n4, b.n6, t_add,
	    (b.n4 + b.n6) / t_add, c1 - c0, b.maxgap * 1e3, k4, k6,
	    (unsigned long long)st.errors);
	t_del = fb_phase(&b, 1);
	c2 = fb_cpu();
	k4 = count_routes(AF_INET, 196);
	k6 = count_routes(AF_INET6, 196);
	printf("fib remove:  %u+%u routes in %.3f s (%.0f routes/s), "
	    "user cpu %.3f s, longest loop turn %.1f ms, kernel holds "
	    "%ld+%ld\n", b.n4, b.n6, t_del, (b.n4 + b.n6) / t_del, c2 - c1,
	    b.maxgap * 1e3, k4, k6);
	printf("RESULT fib add=%.3f del=%.3f\n", t_add, t_del);
	fib_free(b.fib, 1);
	event_free(b.ev);
	event_base_free(b.base);
	return 0;
}
