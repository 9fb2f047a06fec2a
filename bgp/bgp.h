/*
 * bgp.h: the speaker's public interface, the only bgp/ header (with the
 * leaves addr.h, log.h, buf.h and model.h) that other modules include.
 *
 * One way in: bgp_apply() a desired-state model; the speaker diffs it
 * against what runs. Read-only queries and change hooks out. Query results
 * are plain values copied out; no pointer into the speaker survives a call.
 */
#ifndef BGP_BGP_H
#define BGP_BGP_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "bgp/addr.h"
#include "bgp/model.h"

struct event_base;
struct bgp;

enum bgp_state {
	BGP_IDLE, BGP_CONNECT, BGP_ACTIVE, BGP_OPENSENT, BGP_OPENCONFIRM,
	BGP_ESTABLISHED
};
#define BGP_NSTATES	6
const char	*bgp_state_name(enum bgp_state);	/* "Idle", ... */

enum bgp_msg_type {			/* index of message counters */
	BGP_MSG_OPEN, BGP_MSG_UPDATE, BGP_MSG_NOTIFICATION,
	BGP_MSG_KEEPALIVE, BGP_MSG_ROUTE_REFRESH
};
#define BGP_NMSG	5

enum bgp_afi_idx { BGP_AFI_V4, BGP_AFI_V6 };	/* index of per-family counters */

/* A best-path change of one prefix, for the FIB. */
struct bgp_nexthop {
	struct addr	 addr;
	struct addr	 ll;		/* IPv6 link-local, af 0 when none */
};
struct bgp_route_change {
	struct prefix		 prefix;
	int			 withdrawn;	/* no best path any more */
	int			 local;		/* best is locally originated */
	size_t			 nnexthops;	/* ECMP set, >= 1 unless withdrawn */
	struct bgp_nexthop	 nexthops[16];
	const char		*peer;		/* best path's session, or NULL */
};

struct bgp_hooks {
	void	*arg;
	/* Called after each best-path change (not for paths that are filtered). */
	void	(*route_change)(void *arg, const struct bgp_route_change *);
	/* Called on every FSM state change of a configured peer. */
	void	(*peer_state)(void *arg, const char *peer, enum bgp_state from,
		    enum bgp_state to, const char *reason);
	/* Called once each peer that was up has sent End-of-RIB (or timed out). */
	void	(*converged)(void *arg);
};

struct bgp	*bgp_new(struct event_base *, const struct bgp_hooks *);
/*
 * Apply a desired state. Copies what it keeps. Returns 0, or -1 when the
 * listener cannot be bound (the reason is logged and in the summary; the
 * speaker keeps retrying).
 */
int		 bgp_apply(struct bgp *, const struct model *);
/* Send Cease/Administrative Shutdown to every peer and close sessions. */
void		 bgp_shutdown(struct bgp *, const char *reason);
void		 bgp_free(struct bgp *);

/* ---- queries ---- */
struct bgp_summary {
	char		 local_endpoint[254];
	uint32_t	 local_as;
	uint32_t	 router_id;
	uint16_t	 listen_port;
	int		 configured;	/* a model was applied */
	int		 listening;	/* the listener is bound */
	char		 listen_error[128];
	size_t		 npeers, nestablished;
	size_t		 routes[2], paths[2];	/* by enum bgp_afi_idx */
	size_t		 attr_sets;		/* distinct interned attribute sets */
	size_t		 mem_bytes;		/* bytes held by RIB structures */
};

struct bgp_peer_info {
	char		 name[254];
	char		 remote_endpoint[254];
	struct addr	 remote_addr, local_addr;
	uint16_t	 remote_port;
	uint32_t	 remote_as;
	int		 ebgp;
	int		 rr_client;
	enum bgp_state	 state;
	time_t		 state_since;	/* monotonic seconds, see bgp_now() */
	uint32_t	 remote_router_id;
	uint16_t	 hold_time, keepalive;	/* negotiated when up, else configured */
	uint64_t	 flaps;			/* times it left Established */
	char		 last_error[160];
	uint64_t	 msgs_sent[BGP_NMSG], msgs_rcvd[BGP_NMSG];
	uint64_t	 updates_sent, updates_rcvd;
	uint64_t	 prefixes_rcvd[2];	/* paths held from this peer */
	uint64_t	 prefixes_accepted[2];	/* of those, not filtered */
	uint64_t	 prefixes_sent[2];	/* in Adj-RIB-Out */
};

struct bgp_path_info {
	struct prefix	 prefix;
	int		 best;
	int		 local;			/* locally originated */
	int		 filtered;		/* import policy / loop: not used */
	char		 peer[254];		/* "" when local */
	struct addr	 nexthop, nexthop_ll;
	uint8_t		 origin;		/* 0 igp, 1 egp, 2 incomplete */
	int		 has_med, has_local_pref;
	uint32_t	 med, local_pref;
	const uint32_t	*aspath;		/* flattened ASNs, valid in the callback */
	size_t		 naspath;
	const uint32_t	*communities;
	size_t		 ncommunities;
	const uint32_t	*large;			/* triples */
	size_t		 nlarge;
	const uint8_t	*ext;			/* 8 bytes each */
	size_t		 next;
	int		 has_originator;
	uint32_t	 originator_id;
	const uint32_t	*clusters;
	size_t		 nclusters;
	time_t		 since;
};

struct bgp_advert_info {
	char		 name[254];
	/* Its prefixes with a local path in the RIB, whichever owns them. */
	size_t		 nprefixes;
};

time_t	 bgp_now(void);			/* monotonic seconds */
void	 bgp_query_summary(struct bgp *, struct bgp_summary *);
/* Returns a malloc'd array of *n entries; the caller frees it. */
struct bgp_peer_info	*bgp_query_peers(struct bgp *, size_t *n);
/* Calls cb for every path of family af (AF_INET/AF_INET6), prefix order. */
void	 bgp_query_rib(struct bgp *, int af,
	    void (*cb)(void *, const struct bgp_path_info *), void *arg);
struct bgp_advert_info	*bgp_query_adverts(struct bgp *, size_t *n);
/*
 * How many of the n prefixes have a locally originated path in the RIB,
 * whichever advertisement owns it.
 */
size_t	 bgp_query_originated(struct bgp *, const struct prefix *, size_t n);

#endif
