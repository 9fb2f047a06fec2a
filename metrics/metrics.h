/*
 * metrics.h: the HTTP side of bgpd (public interface of metrics/).
 *
 * libmicrohttpd driven by the libevent loop serves /metrics, the read-only
 * JSON API (/api/v1/...) and, on a second address, /healthz and /readyz.
 * Everything is rendered from live state on each request through bgp/'s
 * query functions and kube/'s status. `bgpd show` is the client of the
 * JSON API.
 */
#ifndef METRICS_METRICS_H
#define METRICS_METRICS_H

#include <stddef.h>
#include <stdint.h>

struct event_base;
struct bgp;
struct fib;
struct kube_api;
struct metrics;
typedef struct json_t json_t;

struct metrics_src {
	struct bgp	*bgp;
	/*
	 * Status of one resource kind as a new JSON array (the form of
	 * kube_dir_status), from whichever source runs; may be NULL.
	 */
	json_t		*(*status)(void *arg, const char *kind);
	struct fib	*fib;		/* NULL with --no-fib */
	struct kube_api	*kube;		/* NULL unless the API source runs */
	/* 1 when ready; otherwise fills why with a one-line reason. */
	int		(*ready)(void *arg, char *why, size_t len);
	void		*arg;
};

/*
 * Bind both addresses ("HOST:PORT", ":PORT", "[v6]:PORT"). Returns NULL
 * (logged) when an address is bad or cannot be bound.
 */
struct metrics	*metrics_new(struct event_base *, const char *metrics_addr,
		    const char *health_addr, const struct metrics_src *);
void		 metrics_free(struct metrics *);
/* The bound port (useful with port 0); health: 1 for the health server. */
uint16_t	 metrics_port(const struct metrics *, int health);

/* `bgpd show ...`: argv[0] is "show". Returns the exit code. */
int		 show_main(int argc, char **argv);

#endif
