/*
 * speaker.h: the speaker runtime's internal header (bgp/ only), sectioned
 * by file. It holds the speaker (struct bgp), the configured peers and
 * their connections, and the glue between the codec (wire.h), the RIB and
 * policy (rib.h) and the public interface (bgp.h).
 *
 * Files: bgp.c (speaker life cycle, hooks, reaping, convergence), peer.c
 * (peer objects, timers), fsm.c (RFC 4271 section 8), conn.c (sockets,
 * listener, connection collision, RFC 4271 6.8), session_io.c (framing,
 * dispatch, output buffers), import.c (UPDATE in), adjout.c (Adj-RIB-Out),
 * update.c (UPDATE out), origin.c (local origination), apply.c (model
 * diff), query.c (read-only queries).
 */
#ifndef BGP_SPEAKER_H
#define BGP_SPEAKER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/queue.h>
#include <time.h>

#include "bgp/addr.h"
#include "bgp/attr.h"
#include "bgp/bgp.h"
#include "bgp/model.h"
#include "bgp/rib.h"
#include "bgp/wire.h"

struct event;
struct evbuffer;

#define SPK_READ_LIMIT		100		/* messages per peer per wakeup */
#define SPK_READ_CHUNK		(256 * 1024)	/* bytes read per wakeup */
#define SPK_OUT_HIWAT		(256 * 1024)	/* stop generating above this */
#define SPK_CONNECT_RETRY	5		/* seconds, jittered */
#define SPK_OPEN_HOLD		240		/* hold while waiting for OPEN */
#define SPK_IDLEHOLD_MIN	1
#define SPK_IDLEHOLD_MAX	120
#define SPK_STABLE_SECS		60		/* up this long resets back-off */
#define SPK_CONVERGE_SECS	60
#define SPK_ARENA_SIZE		(256 * 1024)
#define SPK_BATCH		2048		/* prefixes examined per batch */
#define SPK_PENDING_MAX		(256 * 1024)	/* then re-walk the RIB instead */
#define SPK_LISTEN_RETRY	5

/* ---- conn.c ---- */
struct conn {
	TAILQ_ENTRY(conn)	 entry;		/* on the speaker's reap list */
	struct peer		*peer;
	int			 fd;
	int			 outgoing;	/* we initiated it */
	int			 connecting;	/* non-blocking connect pending */
	int			 open_sent;
	int			 closed;	/* waiting to be reaped */
	struct event		*ev_read, *ev_write;
	struct evbuffer		*in, *out;
	struct addr		 local, remote;
	uint16_t		 lport, rport;
};

int	 conn_listen(struct bgp *);
void	 conn_unlisten(struct bgp *);
/* Start a non-blocking connect for p; NULL (logged) when it cannot start. */
struct conn *conn_connect(struct peer *);
/* Close now (fd, events); the memory is freed on a later loop turn. */
void	 conn_close(struct conn *);
void	 conn_free(struct conn *);
void	 conn_set_sockopts(struct peer *, int fd, int af);
int	 conn_iface_addr(const struct addr *local, int af, struct addr *);

/* ---- session_io.c ---- */
void	 session_start(struct conn *);	/* connected: start reading */
/* Queue a whole message on c and ask for a write. */
void	 session_send(struct conn *, const void *, size_t, int type);
void	 session_send_open(struct peer *, struct conn *);
void	 session_send_keepalive(struct peer *);
/* Send a NOTIFICATION on c and push it out now (best effort). */
void	 session_send_notif(struct conn *, const struct notif *);
void	 session_want_write(struct conn *);
size_t	 session_outlen(const struct conn *);
void	 session_flush(struct conn *);

/* ---- fsm.c ---- */
enum fsm_event {
	FSM_START,		/* configured, or restart after IdleHold */
	FSM_STOP,		/* arg: struct notif * to send, or NULL */
	FSM_CONNRETRY_TIMER,
	FSM_HOLD_TIMER,
	FSM_KEEPALIVE_TIMER,
	FSM_CONN_OPEN,		/* TCP up: connect done or accepted */
	FSM_CONN_FAIL,		/* arg: reason string */
	FSM_RCVD_OPEN,		/* arg: struct open_msg * */
	FSM_RCVD_KEEPALIVE,
	FSM_RCVD_UPDATE,	/* arg: struct cur * over the body */
	FSM_RCVD_NOTIF,		/* arg: struct notif * */
	FSM_RCVD_REFRESH,	/* arg: struct cur * over the body */
	FSM_MSG_ERR		/* arg: struct notif * to send */
};

void	 fsm_event(struct peer *, enum fsm_event, const void *arg);
/* The one place where state changes and teardown happen. */
void	 fsm_change_state(struct peer *, enum bgp_state, const char *reason);
const char *fsm_event_name(enum fsm_event);

/* ---- peer.c ---- */
struct peer {
	TAILQ_ENTRY(peer)	 entry;
	struct bgp		*bgp;
	char			*name;
	struct model_peer	 conf;	/* scalars; name/remote_endpoint ours */
	int			 ebgp;
	struct path_src		 src;
	struct policy		**imp, **exp;	/* compiled chains */
	size_t			 nimp, nexp;

	enum bgp_state		 state;
	time_t			 state_since;
	int			 stopped;	/* no automatic restart */
	int			 dead;		/* removed, waiting to be reaped */
	struct conn		*conn;		/* the session's connection */
	struct conn		*coll;		/* a second one (RFC 4271 6.8) */
	struct event		*ev_connretry, *ev_hold, *ev_keepalive;
	struct event		*ev_idlehold;
	unsigned		 idlehold;	/* next back-off, seconds */
	time_t			 up_since;

	/* negotiated in OPEN */
	uint16_t		 hold, keepalive;
	int			 as4, ext_msg, refresh;
	int			 af_ok[2];	/* by enum bgp_afi_idx */
	uint32_t		 remote_id;

	int			 eor_rcvd[2];
	int			 warned_af[2];	/* "family not negotiated" logged */
	int			 warned_nh[2];	/* "no next hop" logged */
	struct addr		 nh_self[2];	/* next-hop self, af 0: none */

	char			 last_error[160];
	uint64_t		 flaps;
	uint64_t		 msgs_sent[BGP_NMSG], msgs_rcvd[BGP_NMSG];
	uint64_t		 updates_sent, updates_rcvd;

	struct adjout		*out;	/* Adj-RIB-Out while Established */
};

static inline int
spk_afi(int af)
{
	return af == AF_INET6 ? BGP_AFI_V6 : BGP_AFI_V4;
}

/*
 * Single-hop eBGP talks from the address of the interface facing the peer,
 * whichever the endpoint address is: the source is the kernel's choice.
 */
static inline int
peer_binds_source(const struct peer *p)
{
	return addr_is_set(&p->conf.local_addr) && !(p->ebgp &&
	    p->conf.multihop_ttl <= 1 && p->conf.gtsm_ttl <= 1);
}

struct peer *peer_new(struct bgp *, const struct model_peer *);
void	 peer_set_conf(struct peer *, const struct model_peer *);
void	 peer_start(struct peer *);
/* Send Cease/subcode with msg (when connected) and stop or restart. */
void	 peer_cease(struct peer *, uint8_t subcode, const char *msg,
	    int restart);
/* Tear down and queue for freeing on a later loop turn. */
void	 peer_remove(struct peer *, uint8_t subcode, const char *msg);
void	 peer_free(struct peer *);
struct peer *peer_find_addr(struct bgp *, const struct addr *remote,
	    const struct addr *local);
void	 peer_timer_add(struct event *, unsigned secs);
void	 peer_timer_add_jitter(struct event *, unsigned secs);
/* A new TCP connection for p arrived (accepted) or finished connecting. */
void	 peer_conn_up(struct peer *, struct conn *);
void	 peer_conn_down(struct peer *, struct conn *, const char *why);
/* The OPEN on the second connection arrived: resolve the collision. */
void	 peer_collision(struct peer *, const struct open_msg *);

/* ---- import.c ---- */
/* 0, or -1 with *err to send (the session must go down). */
int	 import_update(struct peer *, struct cur *body, struct notif *err);
enum path_filter import_filter(struct peer *, const struct prefix *,
	    const struct attrs *);
void	 import_refilter(struct peer *);

/* ---- adjout.c ---- */
struct adjout *adjout_new(void);
void	 adjout_free(struct adjout *);
/*
 * A pending change: the export computed when the best path changed (a
 * reference, NULL: nothing to send), compared with the Adj-RIB-Out when
 * the socket is writable. The last one queued for a prefix wins.
 */
struct adj_pend {
	struct prefix	 pfx;
	uint32_t	 gen;	/* adjout_gen() when x was computed */
	struct attrs	*x;
};
/* Queue the export of e (or of pfx, gone from the RIB, when e is NULL). */
void	 adjout_mark(struct peer *, const struct prefix *,
	    const struct rib_entry *);
/* Take up to max pending changes, oldest first (repeats possible). */
size_t	 adjout_take(struct adjout *, struct adj_pend *, size_t max);
size_t	 adjout_npending(const struct adjout *);
/*
 * Bumped by adjout_redump(): a pending change of an older generation was
 * computed under the export policy before the change and must be computed
 * again before it is sent.
 */
uint32_t adjout_gen(const struct adjout *);
/*
 * Warm the cache for a lookup of p: a batch of lookups in a table far
 * bigger than the cache then overlaps its misses.
 */
void	 adjout_prefetch(struct adjout *, const struct prefix *);
/* What was last sent for p, or NULL. */
struct attrs *adjout_sent(struct adjout *, const struct prefix *);
/* Record what was sent (a reference is taken over; NULL: withdrawn). */
void	 adjout_set(struct adjout *, const struct prefix *, struct attrs *);
size_t	 adjout_count(const struct adjout *, int afi);
size_t	 adjout_bytes(const struct adjout *);
/* Dump state: a walk over the RIB that resumes after a marker. */
struct adjout_dump {
	int		 active[2];
	int		 started[2];	/* marker valid */
	struct prefix	 marker[2];
	int		 eor_due;	/* send End-of-RIB when the walk ends */
	int		 again[2];	/* walk once more when this one ends */
};
struct adjout_dump *adjout_dump_state(struct adjout *);
/* Restart the walk of every family (policy change, refresh, overflow). */
void	 adjout_redump(struct peer *, int afi_mask, int eor);

/* ---- update.c ---- */
/* What p should hold for e now: a new reference, or NULL. */
struct attrs *update_export(struct peer *, const struct rib_entry *);
/*
 * Forget memoized exports: they key on attribute and source pointers,
 * which may be reused once the RIB or the peers change.
 */
void	 update_memo_flush(void);
/* Fill p's output up to the high-water mark; 1 when work remains. */
int	 update_fill(struct peer *);
int	 update_has_work(struct peer *);
/* Start Adj-RIB-Out for a newly Established peer (initial dump). */
void	 update_peer_up(struct peer *);
void	 update_peer_down(struct peer *);

/* ---- origin.c ---- */
struct origin {
	struct prefix			 pfx;
	const struct model_advert	*adv;	/* in bgp->model */
};
/* Diff the origination of old (may be NULL) against bgp->model. */
void	 origin_apply(struct bgp *, const struct model *old);
/* 1 when the local path of pfx may go to peer name. */
int	 origin_targets(struct bgp *, const struct prefix *, const char *name);
void	 origin_clear(struct bgp *);

/* ---- apply.c ---- */
void	 apply_free_policies(struct bgp *);

/* ---- bgp.c ---- */
struct bgp {
	struct event_base	*base;
	struct bgp_hooks	 hooks;
	struct model		*model;		/* the running desired state */
	struct rib		*rib;
	struct decide_ctx	 dctx;
	TAILQ_HEAD(, peer)	 peers;
	TAILQ_HEAD(, peer)	 dead;
	TAILQ_HEAD(, conn)	 dead_conns;
	struct event		*ev_reap;
	uint32_t		 next_src_id;

	int			 lfd;
	struct event		*ev_listen, *ev_listen_retry;
	uint16_t		 lport;
	char			 listen_error[128];

	struct policy		**pol;		/* parallel to model->policies */
	size_t			 npol;
	struct policy		**oldpol;	/* during bgp_apply() */
	size_t			 noldpol;
	uint32_t		*clusters;	/* our cluster IDs (loops) */
	size_t			 nclusters;

	struct path_src		 local_src;
	struct origin		*orig;		/* sorted by prefix */
	size_t			 norig;

	struct arena		 arena;		/* UPDATE decode scratch */
	struct upd_pack		*pack;
	struct update_item	*items;		/* SPK_BATCH export results */
	struct adj_pend		*pendbuf;	/* SPK_BATCH pending changes */

	struct event		*ev_converge, *ev_converge_check;
	int			 converge_armed, converged;
	int			 shutting_down;
};

struct update_item {
	struct prefix	 pfx;
	uint32_t	 seq;		/* update.c: scratch while coalescing */
	struct attrs	*x;		/* export result, NULL: withdraw */
};

void	 bgp_reap_later(struct bgp *);
void	 bgp_check_converged(struct bgp *);
void	 bgp_peer_state_hook(struct bgp *, struct peer *, enum bgp_state,
	    enum bgp_state, const char *);

#endif
