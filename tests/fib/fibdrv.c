/*
 * fibdrv.c: drives fib/ the way the speaker does, from commands on stdin,
 * so tests can check the kernel table of a namespace from outside.
 *
 *   route PREFIX NH[,NH...]   best path from a peer; NH is ADDR, LL or
 *                             ADDR+LL (a global next hop and its link-local)
 *   local PREFIX              best path is locally originated
 *   withdraw PREFIX           no best path any more
 *   converged                 every peer sent End-of-RIB
 *   status PREFIX             prints "status PREFIX: REASON"
 *   stats                     prints "stats installed=N pending=N ..."
 *   wait                      prints "idle" once nothing is pending
 *   quit | flush              fib_free(fib, 0 | 1) and exit
 *
 * Options: --table N --protocol N --stale SECONDS.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <event2/event.h>

#include "bgp/addr.h"
#include "bgp/bgp.h"
#include "bgp/log.h"
#include "fib/fib.h"

struct drv {
	struct event_base	*base;
	struct fib		*fib;
	struct event		*ev_in, *ev_wait;
	char			 buf[65536];
	size_t			 len;
	int			 flush;
};

static int
drv_nexthops(char *s, struct bgp_route_change *c)
{
	char *tok, *save = NULL, *plus;

	for (tok = strtok_r(s, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save)) {
		struct bgp_nexthop *nh = &c->nexthops[c->nnexthops];

		if (c->nnexthops == 16)
			return -1;
		memset(nh, 0, sizeof(*nh));
		if ((plus = strchr(tok, '+')) != NULL) {
			*plus++ = '\0';
			if (addr_parse(plus, &nh->ll) < 0)
				return -1;
		}
		if (addr_parse(tok, &nh->addr) < 0)
			return -1;
		c->nnexthops++;
	}
	return c->nnexthops > 0 ? 0 : -1;
}

static void
drv_stats(struct drv *d)
{
	struct fib_stats st;

	fib_query_stats(d->fib, &st);
	printf("stats installed=%llu pending=%llu held=%llu errors=%llu "
	    "netlink_errors=%llu resyncs=%llu adopted=%llu "
	    "stale_removed=%llu\n", (unsigned long long)st.installed,
	    (unsigned long long)st.pending, (unsigned long long)st.held,
	    (unsigned long long)st.errors,
	    (unsigned long long)st.netlink_errors,
	    (unsigned long long)st.resyncs, (unsigned long long)st.adopted,
	    (unsigned long long)st.stale_removed);
}

static void
drv_wait_cb(evutil_socket_t fd, short what, void *arg)
{
	struct drv *d = arg;
	struct fib_stats st;
	struct timeval tv = { 0, 10000 };

	(void)fd;
	(void)what;
	fib_query_stats(d->fib, &st);
	if (st.pending == 0)
		printf("idle\n");
	else
		evtimer_add(d->ev_wait, &tv);
}

static void
drv_line(struct drv *d, char *line)
{
	struct bgp_route_change c;
	char *cmd, *arg1, *arg2, *save = NULL, reason[256];
	struct timeval tv = { 0, 0 };

	memset(&c, 0, sizeof(c));
	if ((cmd = strtok_r(line, " \t", &save)) == NULL)
		return;
	arg1 = strtok_r(NULL, " \t", &save);
	arg2 = strtok_r(NULL, " \t", &save);
	if (strcmp(cmd, "quit") == 0 || strcmp(cmd, "flush") == 0) {
		d->flush = strcmp(cmd, "flush") == 0;
		event_base_loopbreak(d->base);
	} else if (strcmp(cmd, "converged") == 0) {
		fib_converged(d->fib);
		printf("ok\n");
	} else if (strcmp(cmd, "stats") == 0) {
		drv_stats(d);
	} else if (strcmp(cmd, "wait") == 0) {
		evtimer_add(d->ev_wait, &tv);
	} else if (arg1 == NULL || prefix_parse(arg1, &c.prefix) < 0) {
		printf("error bad prefix\n");
	} else if (strcmp(cmd, "status") == 0) {
		printf("status %s: %s\n", arg1,
		    fib_route_status(d->fib, &c.prefix, reason,
		    sizeof(reason)));
	} else if (strcmp(cmd, "route") == 0) {
		if (arg2 == NULL || drv_nexthops(arg2, &c) < 0) {
			printf("error bad next hops\n");
			return;
		}
		c.peer = "test";
		fib_route_change(d->fib, &c);
		printf("ok\n");
	} else if (strcmp(cmd, "withdraw") == 0 || strcmp(cmd, "local") == 0) {
		c.withdrawn = strcmp(cmd, "withdraw") == 0;
		c.local = !c.withdrawn;
		fib_route_change(d->fib, &c);
		printf("ok\n");
	} else
		printf("error unknown command\n");
}

static void
drv_in_cb(evutil_socket_t fd, short what, void *arg)
{
	struct drv *d = arg;
	char *nl, *p;
	ssize_t n;

	(void)what;
	n = read(fd, d->buf + d->len, sizeof(d->buf) - 1 - d->len);
	if (n <= 0) {
		event_base_loopbreak(d->base);
		return;
	}
	d->len += (size_t)n;
	d->buf[d->len] = '\0';
	p = d->buf;
	while ((nl = strchr(p, '\n')) != NULL) {
		*nl = '\0';
		drv_line(d, p);
		p = nl + 1;
	}
	d->len -= (size_t)(p - d->buf);
	memmove(d->buf, p, d->len);
}

int
main(int argc, char **argv)
{
	struct fib_opts o;
	struct drv d;
	int i;

	memset(&o, 0, sizeof(o));
	memset(&d, 0, sizeof(d));
	for (i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--table") == 0)
			o.table = (uint32_t)strtoul(argv[i + 1], NULL, 10);
		else if (strcmp(argv[i], "--protocol") == 0)
			o.protocol = (uint8_t)strtoul(argv[i + 1], NULL, 10);
		else if (strcmp(argv[i], "--stale") == 0)
			o.stale_timeout = (unsigned)strtoul(argv[i + 1],
			    NULL, 10);
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	log_init(getenv("FIBDRV_DEBUG") ? LOG_DEBUG : LOG_INFO, 0);
	if ((d.base = event_base_new()) == NULL)
		return 1;
	if ((d.fib = fib_new(d.base, &o)) == NULL)
		return 1;
	d.ev_in = event_new(d.base, 0, EV_READ | EV_PERSIST, drv_in_cb, &d);
	d.ev_wait = evtimer_new(d.base, drv_wait_cb, &d);
	event_add(d.ev_in, NULL);
	printf("ready\n");
	event_base_dispatch(d.base);
	fib_free(d.fib, d.flush);
	printf("bye\n");
	event_free(d.ev_in);
	event_free(d.ev_wait);
	event_base_free(d.base);
	return 0;
}
