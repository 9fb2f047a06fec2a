/*
 * fib.h: fib/'s public interface: best paths into the Linux kernel.
 *
 * fib/ turns the speaker's best-path changes (bgp.h's route_change and
 * converged hooks) into kernel routes of one table and one rtm_protocol,
 * over netlink (libnl-3 / libnl-route-3), on the caller's event loop. It
 * owns every route of that protocol in that table: it adopts them at start,
 * puts them back when someone else deletes them, and removes them on flush.
 * It never touches a route of another protocol.
 */
#ifndef FIB_FIB_H
#define FIB_FIB_H

#include <stddef.h>
#include <stdint.h>

#include "bgp/addr.h"
#include "bgp/bgp.h"

struct event_base;
struct fib;

struct fib_opts {
	uint32_t	 table;		/* kernel table, 254 = main */
	uint8_t		 protocol;	/* rtm_protocol of our routes, 196 */
	unsigned	 stale_timeout;	/* s until adopted routes not confirmed
					   by the RIB are removed when
					   converged never comes; 0 = 60 */
};

/*
 * Dumps the kernel's links, addresses, neighbours and routes (blocking,
 * once), adopts the routes of our protocol in our table, and subscribes to
 * changes. NULL when netlink cannot be opened (logged).
 */
struct fib	*fib_new(struct event_base *, const struct fib_opts *);
/* The bgp route_change hook. */
void		 fib_route_change(struct fib *, const struct bgp_route_change *);
/* The bgp converged hook: adopted routes the RIB did not confirm go. */
void		 fib_converged(struct fib *);
/* flush = 1: remove every route of ours from the kernel first (blocking). */
void		 fib_free(struct fib *, int flush);

struct fib_stats {
	uint64_t	 installed;	/* routes of ours the kernel holds */
	uint64_t	 pending;	/* queued or awaiting the kernel's ack */
	uint64_t	 held;		/* wanted but not installable */
	uint64_t	 errors;	/* requests the kernel refused */
	uint64_t	 netlink_errors;/* socket errors, lost acks, overruns */
	uint64_t	 resyncs;	/* full dumps after a lost notification */
	uint64_t	 adopted;	/* routes found at start */
	uint64_t	 stale_removed;	/* adopted routes the RIB did not want */
};
void		 fib_query_stats(struct fib *, struct fib_stats *);

/* Why a prefix is not installed ("" when installed or unknown). */
const char	*fib_route_status(struct fib *, const struct prefix *,
		    char *buf, size_t len);

#endif
