/*
 * kube.h: desired state from resources (public interface of kube/).
 *
 * A source watches the bgp.miloapis.com/v1alpha1 resources (a directory
 * of manifests, or a Kubernetes API server; both share this interface),
 * validates them, builds a struct model for this speaker, and calls the
 * apply callback whenever the model changed. The last good version of an
 * invalid object stays in force. Status (conditions) is kept per object and
 * can be read back as JSON for the read-only API.
 */
#ifndef KUBE_KUBE_H
#define KUBE_KUBE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "bgp/bgp.h"
#include "bgp/model.h"

struct event_base;
struct kube_dir;
struct kube_api;
typedef struct json_t json_t;

/* Called with a new model each time it changed; the callee copies it. */
typedef void (*kube_apply_cb)(void *arg, const struct model *);

/*
 * Standalone: read every .yaml, .yml and .json file in dir now (the first apply
 * happens before this returns when the directory reads), then re-read on
 * change (inotify on the loop). Returns NULL only when dir cannot be opened.
 */
struct kube_dir	*kube_dir_new(struct event_base *, const char *dir,
		    const char *local_endpoint, kube_apply_cb, void *arg);
void		 kube_dir_reload(struct kube_dir *);	/* SIGHUP */
void		 kube_dir_free(struct kube_dir *);
/*
 * 1 once the directory was read and a model applied from it; else 0 with
 * what is missing in why (e.g. the local endpoint has no BGPEndpoint).
 */
int		 kube_dir_loaded(const struct kube_dir *, char *why, size_t);

/*
 * Status of the objects of one kind ("BGPAdvertisement", "BGPRoutePolicy",
 * "BGPSession", "BGPConfiguration", "BGPEndpoint", "BGPPeeringPolicy") as a
 * new JSON array: [{"name":..., "conditions":[{"type","status","reason",
 * "message","observedGeneration"}], ...kind-specific members}], where a
 * BGPAdvertisement also has "prefixes":[...] (valid ones) and a
 * BGPRoutePolicy "type":"Import"|"Export". The caller owns the reference.
 */
json_t		*kube_dir_status(struct kube_dir *, const char *kind);

/*
 * The API-server source: the six kinds watched on a Kubernetes API server
 * (of BGPSessions, only those naming the local endpoint, selected by the
 * server when it can), the same validation and build as the directory
 * source, and status, finalizers and (for the Lease holder) generated
 * sessions written back.
 */
struct kube_api_opts {
	const char	*kubeconfig;	/* NULL: in-cluster service account */
	const char	*local_endpoint;
	const char	*lease_ns;	/* namespace of the peering Lease */
	/* Seconds without an answer before kube_api_reachable says 0. */
	unsigned	 unreachable_after;	/* 0: KUBE_UNREACHABLE_AFTER */
	/*
	 * How many of the n prefixes the speaker originates (holds a local
	 * path for in its RIB), for advertisedPrefixCount; called with the
	 * apply callback's arg. NULL: none.
	 */
	size_t		(*originated)(void *arg, const struct prefix *, size_t n);
};
#define KUBE_UNREACHABLE_AFTER	30
/* NULL (logged) when the kubeconfig or service account cannot be read. */
struct kube_api	*kube_api_new(struct event_base *, const struct kube_api_opts *,
		    kube_apply_cb, void *arg);
/*
 * Marks our BGPEndpoint SpeakerReady=False (SpeakerStopped) and releases
 * the Lease, best effort within about two seconds, then frees.
 */
void		 kube_api_free(struct kube_api *);
/* As kube_dir_loaded: every kind listed once and a model applied. */
int		 kube_api_loaded(const struct kube_api *, char *why, size_t);
json_t		*kube_api_status(struct kube_api *, const char *kind);
/* The speaker's peer_state hook: session status follows the FSM at once. */
void		 kube_api_peer_state(struct kube_api *, const char *session,
		    enum bgp_state to, const char *reason);
/* Relist everything now (SIGHUP); the periodic resync only replays the
 * cache. */
void		 kube_api_resync(struct kube_api *);
/*
 * 0 once the API server has been unreachable (no response, 5xx or 429,
 * and no answer since) for longer than opts.unreachable_after, with
 * "kubernetes API server unreachable for N s: <last error>" in why.
 */
int		 kube_api_reachable(const struct kube_api *, char *why, size_t);

/* What the API source counts about its traffic, for /metrics. */
#define KUBE_RECONCILE_NBUCKETS	12
/* Upper bounds (seconds) of the reconcile duration buckets, ascending. */
extern const double kube_reconcile_bounds[KUBE_RECONCILE_NBUCKETS];
struct kube_req_count {
	/* get list watch create update patch delete deletecollection other */
	const char	*verb;
	int		 code;		/* HTTP status; 0: no response */
	uint64_t	 n;
};
struct kube_watch_count {
	char		 resource[64];	/* plural, e.g. "bgpsessions" */
	uint64_t	 restarts;	/* watch streams that ended */
	uint64_t	 relists;	/* of those, ended by 410 Gone */
};
struct kube_stats {
	const struct kube_req_count	*req;
	size_t				 nreq;
	const struct kube_watch_count	*watch;
	size_t				 nwatch;
	/* Reconciles that took at most the bound (cumulative). */
	uint64_t	 reconcile_le[KUBE_RECONCILE_NBUCKETS];
	uint64_t	 reconcile_count;
	double		 reconcile_sum;		/* seconds */
	int		 lease_held;	/* the peering-policy Lease */
};
/* A read-only view; the arrays are borrowed until the loop turns. */
void		 kube_api_stats(const struct kube_api *, struct kube_stats *);

/*
 * `bgpd check --config-dir DIR`: validate every manifest and print each
 * error as "FILE: document N: KIND/NAME: FIELD: message" to out. Returns
 * the number of errors (0: clean), -1 when dir cannot be read.
 */
int		 kube_check(const char *dir, FILE *out);

#endif
