/*
 * kube_int.h: kube/'s internal interfaces, one section per file.
 *
 * Shared by both sources (the manifest directory and, later, the API
 * server): YAML documents become objects through per-kind descriptors,
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

#endif
