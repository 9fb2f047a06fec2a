/*
 * kube_int.h: kube/'s internal interfaces, one section per file.
 *
 * Shared by both sources (the manifest directory and the API server):
 * YAML documents become objects through per-kind descriptors,
 * objects live in a store keyed by kind and name (the last valid version of
 * each stays in force), and a pure build turns the store into the model of
 * one speaker plus the conditions of every object.
 */
#ifndef KUBE_KUBE_INT_H
#define KUBE_KUBE_INT_H

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "bgp/addr.h"
#include "bgp/model.h"
#include "kube/kube.h"

#define KUBE_GROUP_VERSION	"bgp.miloapis.com/v1alpha1"
#define KUBE_GROUP		"bgp.miloapis.com"
#define KUBE_NAME_MAX		253

/* kerr.c: problems found in manifests, with where they were found. */
struct kerr {
	char	*file;		/* NULL when not from a file */
	int	 doc;		/* 1-based document index, 0: none */
	int	 line;		/* 1-based, 0: unknown */
	char	*kind;
	char	*name;
	char	*field;		/* "spec.holdTime", or NULL */
	char	*msg;
	int	 fatal;		/* the object version is refused */
};
struct kerrs {
	struct kerr	*v;
	size_t		 n;
	/* Context stamped on each new entry. */
	const char	*file;
	int		 doc, line;
	const char	*kind, *name;
};
void	 kerr_add(struct kerrs *, int fatal, const char *field,
	    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void	 kerr_addv(struct kerrs *, int fatal, const char *field,
	    const char *fmt, va_list);
void	 kerr_append(struct kerrs *, const struct kerrs *);
size_t	 kerr_nfatal(const struct kerrs *);
void	 kerr_clear(struct kerrs *);
/* "FILE: document N: KIND/NAME: FIELD: message" */
void	 kerr_print(const struct kerr *, FILE *);
/* "FIELD: message; FIELD: message" (at most len bytes). */
void	 kerr_join(const struct kerrs *, char *, size_t);

/* util.c: allocation that cannot fail, small string helpers. */
void	*kube_calloc(size_t, size_t);
void	*kube_reallocarray(void *, size_t, size_t);
char	*kube_strdup(const char *);
char	*kube_asprintf(const char *, ...) __attribute__((format(printf, 1, 2)));
int	 kube_name_valid(const char *);	/* RFC 1123 subdomain */
/* Milliseconds on the monotonic clock: deadlines and pacing, never dates. */
long long kube_now_ms(void);

/* field.c: typed reads of JSON members, recording errors by path. */
#define FIELD_OPTIONAL	0
#define FIELD_REQUIRED	1
/* 1 present and valid, 0 absent (out = def), -1 wrong (error recorded). */
int	 field_uint(const json_t *, const char *key, const char *path,
	    uint64_t min, uint64_t max, uint64_t def, uint64_t *out,
	    int required, struct kerrs *);
int	 field_str(const json_t *, const char *key, const char *path,
	    const char **out, int required, struct kerrs *);
int	 field_obj(const json_t *, const char *key, const char *path,
	    const json_t **out, int required, struct kerrs *);
int	 field_arr(const json_t *, const char *key, const char *path,
	    const json_t **out, int required, struct kerrs *);
/* Index of s in a NULL-terminated list, else -1 with an error. */
int	 field_enum(const json_t *, const char *key, const char *path,
	    const char *const *values, int def, int *out, int required,
	    struct kerrs *);
char	*field_path(const char *path, const char *key);
char	*field_path_idx(const char *path, size_t i);

/* labels.c: a string map, sorted by key. */
struct labels {
	char	**k, **v;
	size_t	  n;
};
int	 labels_parse(const json_t *, const char *path, struct labels *,
	    struct kerrs *);
const char *labels_get(const struct labels *, const char *);
void	 labels_set(struct labels *, const char *, const char *);
int	 labels_equal(const struct labels *, const struct labels *);
void	 labels_copy(struct labels *, const struct labels *);
void	 labels_free(struct labels *);

/* selector.c: Kubernetes label selectors. */
enum selector_op { SEL_IN, SEL_NOTIN, SEL_EXISTS, SEL_NOTEXISTS };
struct selector_req {
	char		 *key;
	enum selector_op  op;
	char		**values;
	size_t		  nvalues;
};
struct selector {
	struct labels		 match;
	struct selector_req	*req;
	size_t			 nreq;
};
/* 0 ok, -1 errors recorded (the selector is then empty). */
int	 selector_parse(const json_t *, const char *path, struct selector *,
	    struct kerrs *);
/* An empty selector matches everything. */
int	 selector_match(const struct selector *, const struct labels *);
int	 selector_equal(const struct selector *, const struct selector *);
void	 selector_free(struct selector *);

/* sha256.c: FIPS 180-4, for names derived from long names. */
void	 sha256(const void *, size_t, uint8_t out[32]);

/* kind_*.c: one descriptor per kind, found through kind.c's table. */
enum kind_idx {
	KIND_CONFIG, KIND_ENDPOINT, KIND_SESSION, KIND_PEERING, KIND_ADVERT,
	KIND_POLICY, KIND_N
};
struct kind_desc {
	enum kind_idx	 idx;
	const char	*kind;		/* "BGPSession" */
	const char	*short_name;	/* "bgpsess" */
	const char	*plural;	/* "bgpsessions", for API paths */
	const char	*only_name;	/* the one allowed name, or NULL */
	/* spec may be NULL (absent). NULL when any fatal error was added. */
	void		*(*parse)(const json_t *spec, struct kerrs *);
	int		 (*equal)(const void *, const void *);
	void		 (*free)(void *);
};
extern const struct kind_desc kind_config, kind_endpoint, kind_session,
    kind_peering, kind_advert, kind_policy;
const struct kind_desc	*kind_find(const char *kind);
const struct kind_desc	*kind_at(enum kind_idx);

struct families {			/* addressFamilies */
	int	 given;			/* the list was present */
	int	 v4, v6;		/* unicast */
	int	 v4_multicast, v6_multicast;
};
int	 kind_families_parse(const json_t *spec, const char *path,
	    struct families *, struct kerrs *);

struct kconfig {
	uint32_t	 as;
	uint16_t	 listen_port;
	int		 manual_id;
	uint32_t	 router_id;	/* when manual_id */
	uint32_t	 max_paths;	/* ECMP width, 1 = best path only */
	struct families	 fam;
};
struct kendpoint {
	struct addr	 addr;
	uint32_t	 as;
	uint16_t	 port;		/* 0: the configuration's listenPort */
	struct families	 fam;
};
struct ksession {
	char		*local, *remote;
	uint16_t	 hold, keepalive;
	int		 rr;
	uint32_t	 cluster_id;
	uint8_t		 multihop_ttl, gtsm_ttl;
};
struct kpeering {
	struct selector	 sel;
	int		 rr_mode;
	struct selector	 reflector;
	int		 has_cluster_id;
	uint32_t	 cluster_id;
	uint16_t	 hold, keepalive;
};
struct kadvert {
	struct prefix		*pfx;
	size_t			 npfx;
	char			**bad;		/* invalid prefix strings */
	size_t			 nbad;
	uint32_t		*comm;
	size_t			 ncomm;
	struct model_large	*large;
	size_t			 nlarge;
	int			 has_local_pref;
	uint32_t		 local_pref;
	int			 has_peer_sel, has_ep_sel;
	struct selector		 peer_sel, ep_sel;
};
struct kpolicy {
	int			 export;
	int			 has_peer_sel;
	struct selector		 peer_sel;
	struct model_statement	*st;
	size_t			 nst;
};
void	 ksession_free(struct ksession *);

/* object.c: one manifest document -> identity + typed spec. */
struct kobj_version {
	const struct kind_desc	*kind;	/* NULL: not one of ours */
	char			*name;
	struct labels		 labels;
	int64_t			 generation;
	void			*spec;	/* NULL when refused */
};
/*
 * Returns 1 for one of our kinds (v filled, errors in errs), 0 for a
 * document to ignore (*why says which), -1 for an object of our group
 * that cannot even be identified (errors in errs).
 */
int	 object_parse(const json_t *doc, struct kobj_version *,
	    struct kerrs *, char *why, size_t);
void	 object_version_clear(struct kobj_version *);

/* store.c: objects by kind and name. */
struct kobj {
	const struct kind_desc	*kind;
	char			*name;
	struct labels		 labels;
	int64_t			 generation;
	void			*spec;	/* last valid version, or NULL */
	struct kerrs		 errs;	/* problems of the latest version */
	int			 latest_refused;
	int64_t			 latest_generation;	/* of the newest version, even refused */
	char			*origin;	/* file of the latest version */
	int			 doc;
	int			 seen;	/* mark for store_sweep */
};
struct store;
struct store	*store_new(void);
void		 store_free(struct store *);
struct kobj	*store_get(const struct store *, enum kind_idx, const char *);
size_t		 store_count(const struct store *, enum kind_idx);
struct kobj	*store_at(const struct store *, enum kind_idx, size_t);
/*
 * Record a new version (taken over: v is emptied). When v->spec is NULL
 * the previous valid spec, labels and generation stay. errs are copied.
 */
struct kobj	*store_put(struct store *, struct kobj_version *,
		    const struct kerrs *, const char *origin, int doc);
void		 store_del(struct store *, enum kind_idx, const char *);
void		 store_unmark(struct store *);
/* Delete every object not put since store_unmark(); returns how many. */
size_t		 store_sweep(struct store *);

/* expand.c: BGPPeeringPolicy -> the sessions it generates. */
struct gensession {
	char		*name;
	size_t		 seq;		/* generation order, first wins */
	const char	*policy;	/* points into the store */
	struct ksession	 s;
	struct labels	 labels;
};
struct expansion {
	struct gensession	*v;
	size_t			 n, cap;
};
/* Per policy: matched endpoints, sessions, and why it is invalid. */
struct expand_result {
	size_t	 matched, sessions;
	int	 invalid;
	char	 reason[40];
	char	 msg[256];
};
void	 expand_policy(const struct store *, const struct kobj *policy,
	    struct expansion *, struct expand_result *);
/* All policies in name order; res (may be NULL) has one per policy. */
void	 expand_all(const struct store *, struct expansion *,
	    struct expand_result *res);
void	 expansion_free(struct expansion *);
char	*expand_session_name(const char *a, const char *b);

/* build.c: store + local endpoint name -> model + status of each object. */
struct build_out {
	struct model	*model;		/* NULL when the identity is unknown */
	char		 why[256];	/* when model is NULL */
	json_t		*status[KIND_N];	/* arrays, see kube_dir_status */
};
void	 build_model(const struct store *, const char *local,
	    struct build_out *);
/*
 * expand 0: peering policies get their status but add no sessions (the
 * API source, where the lease holder writes them as BGPSession objects).
 */
void	 build_model_opt(const struct store *, const char *local, int expand,
	    struct build_out *);
void	 build_out_clear(struct build_out *);

/* cond.c: status entries and conditions as JSON. */
struct cond_list {
	json_t	*array;		/* the entries, in creation order */
	json_t	*index;		/* name -> entry (borrowed), for lookups */
};
/* The entry of name, created (with o's errors, o may be NULL) if new. */
json_t	*cond_entry(struct cond_list *, const struct kobj *, const char *name);
void	 cond_set(json_t *entry, const char *type, int status,
	    const char *reason, int64_t generation, const char *fmt, ...)
	    __attribute__((format(printf, 6, 7)));
void	 cond_errors(json_t *entry, const struct kerrs *);

/* yaml.c: a YAML (or JSON) stream -> one JSON value per document. */
struct yaml_doc {
	json_t	*root;		/* NULL for an empty document */
	int	 line;		/* 1-based line of the document start */
};
struct yaml_docs {
	struct yaml_doc	*v;
	size_t		 n;
};
/* 0 ok, -1 with "line N: problem" in err (no documents kept). */
int	 yaml_docs_parse(const char *, size_t, struct yaml_docs *,
	    char *err, size_t errlen);
void	 yaml_docs_free(struct yaml_docs *);

/* load.c: a directory of manifests -> documents, sorted by file name. */
struct load_file {
	char			*name;		/* base name */
	char			*path;
	struct yaml_docs	 docs;
	int			 failed;	/* parse error in err */
	char			 err[256];
};
struct load_set {
	struct load_file	*v;
	size_t			 n;
};
int	 load_is_manifest(const char *name);
/* -1 when dir cannot be read; failed files are kept with failed set. */
int	 load_dir(const char *dir, struct load_set *);
void	 load_set_free(struct load_set *);
/*
 * Feed the documents of a set into a store (marking, then sweeping what
 * is gone). Problems go to errs with file/document context; documents that
 * are not ours go to ignored (msg: why), or are logged when it is NULL.
 */
void	 load_store(const struct load_set *, struct store *, struct kerrs *,
	    struct kerrs *ignored);

/* check.c: cross-object checks (also used by kube_check). */
void	 check_store(const struct store *, struct kerrs *);

/* kubeconfig.c: where the API server is and how to prove who we are. */
struct kubeconfig {
	char	*server;		/* "https://host:port", no trailing / */
	char	*ca, *cert, *key;	/* PEM blobs, or NULL */
	size_t	 ca_len, cert_len, key_len;
	int	 insecure;		/* insecure-skip-tls-verify */
	char	*token;			/* never logged */
	char	*token_file;		/* re-read now and then, when set */
	long long token_read;		/* monotonic seconds of the last read */
};
/* 0 ok, -1 with the problem in err. Relative paths: from the file's dir. */
int	 kubeconfig_load(const char *path, struct kubeconfig *,
	    char *err, size_t errlen);
/* 0 ok, -1: parse a kubeconfig document already in memory. */
int	 kubeconfig_parse(const char *text, size_t len, const char *basedir,
	    struct kubeconfig *, char *err, size_t errlen);
/* In a pod: $KUBERNETES_SERVICE_HOST/PORT and dir's token and ca.crt. */
int	 kubeconfig_in_cluster(const char *dir, struct kubeconfig *,
	    char *err, size_t errlen);
/* The token to send now (re-reading token_file once a minute), or NULL. */
const char *kubeconfig_token(struct kubeconfig *, long long now_sec);
void	 kubeconfig_free(struct kubeconfig *);
/* RFC 4648 base64, whitespace ignored; NULL when s is not base64. */
char	*kubeconfig_b64(const char *s, size_t *outlen);

/* kstats.c: counters of the API source and the server's reachability. */
struct kstats;
struct kstats	*kstats_new(void);
void		 kstats_free(struct kstats *);
double		 kstats_clock(void);		/* monotonic seconds */
/* The Kubernetes verb of a request ("get", "list", "watch", ...). */
const char	*kstats_verb(const char *method, const char *path, int stream);
/*
 * A request ended (verb from kstats_verb): status 0 when there was no
 * response, err saying why. Every kstats_* function accepts NULL.
 */
void		 kstats_request(struct kstats *, const char *verb,
		    long status, const char *err, double now);
/* A line arrived on a watch stream: the server answers. */
void		 kstats_alive(struct kstats *);
/*
 * A watch of path started: its resource's counters exist from now on, at
 * 0, so that rate() sees the first restart.
 */
void		 kstats_watch_started(struct kstats *, const char *path);
/* The watch of path ended; relist: because its version was gone. */
void		 kstats_watch_ended(struct kstats *, const char *path,
		    int relist);
void		 kstats_reconcile(struct kstats *, double seconds);
/* Seconds since the server stopped answering (last error in err), or -1. */
double		 kstats_down(const struct kstats *, double now, char *err,
		    size_t);
/* lease_held is left 0 (the Lease is not ours to know). */
void		 kstats_view(const struct kstats *, struct kube_stats *);

/* http.c: HTTP/1.1 to the API server, libcurl's multi interface. */
struct event_base;
struct kube_http;
struct kube_req;
/* Whole response: status 0 when the request failed (err says why). */
typedef void (*kube_http_done_cb)(void *arg, long status, const char *body,
	    size_t len, const char *err);
/* One line of a streamed response; returning -1 ends the stream. */
typedef int (*kube_http_line_cb)(void *arg, const char *line, size_t len);
/* Requests are counted into stats (may be NULL). */
struct kube_http *kube_http_new(struct event_base *, struct kubeconfig *,
	    struct kstats *);
struct kstats	*kube_http_stats(const struct kube_http *);
void	 kube_http_free(struct kube_http *);
/* body may be NULL; ctype is its Content-Type. */
struct kube_req *kube_http_request(struct kube_http *, const char *method,
	    const char *path, const char *body, const char *ctype,
	    kube_http_done_cb, void *arg);
/* A streamed GET: lines go to line_cb (the body is not kept for done). */
struct kube_req *kube_http_stream(struct kube_http *, const char *path,
	    kube_http_line_cb, kube_http_done_cb, void *arg);
/*
 * Abort without calling back; never from the request's own callbacks.
 * kube_http_free aborts whatever is still running the same way.
 */
void	 kube_http_cancel(struct kube_req *);
/* URL-encode a query value into a new string. */
char	*kube_http_escape(const char *);

/* linebuf.c: reassemble lines split across reads of a stream. */
struct linebuf {
	char	*buf;
	size_t	 len, cap, max;		/* max: longest line kept */
	int	 overflow;		/* dropping an over-long line */
};
/* Calls cb on each complete line (without "\n"); -1 when cb said stop. */
int	 linebuf_feed(struct linebuf *, const char *, size_t,
	    int (*cb)(void *, const char *, size_t), void *arg);
void	 linebuf_free(struct linebuf *);

/* backoff.c: exponential back-off with jitter, capped. */
struct backoff {
	unsigned	 base_ms, cap_ms, cur_ms;
};
/* The next delay: in [cur/2, cur], cur doubling up to cap; rnd: random. */
unsigned backoff_next(struct backoff *, uint32_t rnd);
void	 backoff_reset(struct backoff *);

/* pace.c: a token bucket per object: a burst at once, then one a gap. */
struct pace {
	long long	 burst, gap_ms;
};
struct pace_state {
	int		 started;
	long long	 tokens, at;	/* at: ms of the last refill */
};
/* 0: a token taken, write now; else the ms to wait for the next one. */
long long pace_take(const struct pace *, struct pace_state *, long long now);

/* informer.c: list + watch of one kind, cached by name. */
struct informer;
/* SYNCED: a complete list was read and reported (obj NULL). */
enum informer_ev { INFORMER_UPSERT, INFORMER_DELETE, INFORMER_SYNCED };
/* obj is borrowed; for a delete, the last version seen. */
typedef void (*informer_cb)(void *arg, enum informer_ev, json_t *obj);
/* The server answered 400 to the list (msg: its reason); stopped for good. */
typedef void (*informer_refused_cb)(void *arg, const char *msg);
/* path: "/apis/GROUP/VERSION/PLURAL" (cluster-scoped list). */
struct informer	*informer_new(struct event_base *, struct kube_http *,
		    const char *path, informer_cb, void *arg);
/*
 * Only what query selects ("fieldSelector=..." or "labelSelector=...",
 * URL-encoded). With refused set, a 400 to the list stops the informer
 * and calls refused (which may free it); without, it is retried as any
 * other failure.
 */
struct informer	*informer_new_query(struct event_base *, struct kube_http *,
		    const char *path, const char *query, informer_refused_cb,
		    informer_cb, void *arg);
void		 informer_free(struct informer *);
int		 informer_synced(const struct informer *);
json_t		*informer_get(const struct informer *, const char *name);
/* name -> object, borrowed: every object as the server last showed it. */
json_t		*informer_objects(const struct informer *);
/* Relist now (SIGHUP); changes are diffed against the cache. */
void		 informer_resync(struct informer *);

/* writer.c: merge patches sent one at a time per object, retried. */
struct writer;
/*
 * again(arg, failed): recompute and hand over what is wanted now; failed
 * when a write failed and its back-off is over.
 */
struct writer	*writer_new(struct event_base *, struct kube_http *,
		    void (*again)(void *, int failed), void *arg);
void		 writer_free(struct writer *);
/*
 * Send patch (taken over) to path as a merge patch, unless a write of key
 * is in flight, backing off, or this very patch was sent already while the
 * object was at version rv (the watch has not shown our write yet).
 * 1: sent or already sent; 0: held back, the caller will be asked again.
 */
int		 writer_patch(struct writer *, const char *key,
		    const char *path, json_t *patch, const char *rv);
/* Any method; body (taken over) may be NULL. */
int		 writer_send(struct writer *, const char *key,
		    const char *method, const char *path, json_t *body,
		    const char *ctype, const char *rv);
/* Writes in flight (shutdown waits for none). */
size_t		 writer_inflight(const struct writer *);

/* lease.c: the coordination.k8s.io/v1 Lease of the peering controller. */
struct lease;
/* changed(arg, held) runs when this speaker gains or loses the Lease. */
struct lease	*lease_new(struct event_base *, struct kube_http *,
		    const char *ns, const char *id, void (*changed)(void *, int),
		    void *arg);
int		 lease_held(const struct lease *);
/* holderIdentity as last observed ("" when free or unknown). */
const char	*lease_holder(const struct lease *);
/* Give it up so another speaker takes over at once (bounded wait). */
void		 lease_release(struct lease *);
void		 lease_free(struct lease *);

/* event.c: events.k8s.io/v1 Events, queued and rate-limited. */
struct events;
struct events	*events_new(struct event_base *, struct kube_http *,
		    const char *instance);
void		 events_free(struct events *);
/* About obj (its metadata), of kind; safe inside watch callbacks. */
void		 events_post(struct events *, const char *kind,
		    const json_t *obj, int warning, const char *reason,
		    const char *action, const char *fmt, ...)
		    __attribute__((format(printf, 7, 8)));

/* sessview.c: the BGPSession objects naming this speaker, by name. */
struct sessview;
/*
 * Same events as an informer's (SYNCED once every stream has listed);
 * a DELETE's object may be the content from before the change that
 * made the session stop naming local.
 */
struct sessview	*sessview_new(struct event_base *, struct kube_http *,
		    const char *local, informer_cb, void *arg);
void		 sessview_free(struct sessview *);
int		 sessview_synced(const struct sessview *);
/* 1 once the server refused the field selectors (full watch, filtered). */
int		 sessview_fallback(const struct sessview *);
json_t		*sessview_get(const struct sessview *, const char *name);
json_t		*sessview_objects(const struct sessview *);
void		 sessview_resync(struct sessview *);
/* 1 when the session object names endpoint at either end. */
int		 sessview_names(const json_t *obj, const char *endpoint);

/* depart.c: our finalizer off sessions that stopped naming us. */
struct depart;
/* again(arg, 0) asks for depart_run after a back-off. */
struct depart	*depart_new(struct event_base *, struct kube_http *,
		    const char *local, const char *fin,
		    void (*again)(void *, int), void *arg);
void		 depart_free(struct depart *);
/* name left the view carrying our finalizer; forget: it came back. */
void		 depart_add(struct depart *, const char *name);
void		 depart_forget(struct depart *, const char *name);
/* Start the work of every session whose peer applied no longer has. */
void		 depart_run(struct depart *, const struct model *applied);

/* ppctl.c: the Lease holder writes the sessions policies generate. */
struct kube_api;
/* Watch the generated sessions while, and only while, holding the Lease. */
void	 ppctl_watch(struct kube_api *);
void	 ppctl_stop(struct kube_api *);
/* Nothing happens until that watch has listed once. */
void	 ppctl_run(struct kube_api *);

/* api.c: the API source; apisync.c writes back what it decided. */
struct event;
#define KUBE_API_PREFIX	"/apis/" KUBE_GROUP_VERSION "/"
struct api_inf {
	struct kube_api		*a;
	enum kind_idx		 k;
};
struct kube_api {
	struct event_base	*base;
	char			*local;
	char			*lease_ns;
	char			*fin;		/* our finalizer */
	kube_apply_cb		 cb;
	void			*arg;
	size_t			(*originated)(void *, const struct prefix *,
				    size_t);
	struct kubeconfig	 kc;
	struct kube_http	*http;
	struct kstats		*stats;
	unsigned		 unreachable_after;	/* seconds */
	struct writer		*writer;
	struct lease		*lease;
	struct events		*events;
	struct informer		*inf[KIND_N];	/* NULL for KIND_SESSION */
	struct api_inf		 ia[KIND_N];
	struct sessview		*sess;		/* the sessions naming us */
	struct depart		*depart;
	/* Lease holder only: every session a policy generated, and when
	 * each create or delete ppctl.c sent went out (key -> ms). */
	struct informer		*generated;
	json_t			*pp_sent;
	struct event		*ev_pp;
	struct store		*store;
	struct build_out	 out;
	struct model		*applied;
	json_t			*peers;		/* session -> FSM state */
	json_t			*views;		/* key -> status we last wrote */
	/* key -> {rv, want}: a status written from that version and not yet
	 * seen back through the watch. */
	json_t			*sent;
	struct event		*ev_build, *ev_resync;
	int			 stopping;	/* no more builds or applies */
	struct kube_req		*stop_req;	/* stop.c's write, in flight */
	char			 why[256];
};
/* 1 when this speaker serves the session object (names our endpoint). */
int	 api_names_us(const struct kube_api *, const json_t *obj);
/* The object of kind k as the server last showed it, or NULL. */
json_t	*api_obj(const struct kube_api *, enum kind_idx, const char *name);
/* name -> object, borrowed (BGPSession: only those naming us). */
json_t	*api_objs(const struct kube_api *, enum kind_idx);
/* Schedule a build (coalesced); safe inside watch callbacks. */
void	 api_dirty(struct kube_api *);
/* Finalizers and status, from the last build; called after each one. */
void	 apisync_run(struct kube_api *);

/* stop.c: SpeakerReady=False on our BGPEndpoint at a clean stop. */
#define STOP_WAIT_MS	1500
/* Send the write (nothing when there is nothing to take back). */
void	 stop_begin(struct kube_api *);
/* Turn the loop until it is done or until_ms (monotonic) has passed. */
void	 stop_wait(struct kube_api *, long long until_ms);
/* Now + STOP_WAIT_MS, on stop_wait's clock. */
long long stop_deadline(void);

/* patch.c: merge patches and finalizer names. */
/* "bgp.miloapis.com/speaker-<endpoint>", hashing a name that is too long. */
char	*patch_finalizer(const char *endpoint);
/*
 * The status merge patch turning cur (the object's status, may be NULL)
 * into want (our conditions and fields); NULL when nothing changed.
 * lastTransitionTime is kept while a condition's status stays, else now.
 */
json_t	*patch_status(const json_t *cur, const json_t *want, const char *now);
/* {"metadata":{"finalizers":[...],"resourceVersion":rv}}; add or remove. */
json_t	*patch_finalizers(const json_t *obj, const char *fin, int add);
/* 1 when the object's metadata.finalizers holds fin. */
int	 patch_has_finalizer(const json_t *obj, const char *fin);

#endif
