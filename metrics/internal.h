/*
 * internal.h: what the files of metrics/ share, sectioned by file.
 *
 * The pure parts (address parsing, the Prometheus text writer, the
 * state -> metrics and state -> JSON builders, the table printer of
 * `bgpd show`) take plain values so unit tests can feed them without a
 * running speaker; the handlers around them do the queries.
 */
#ifndef METRICS_INTERNAL_H
#define METRICS_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>
#include <sys/socket.h>

#include <jansson.h>

#include "bgp/bgp.h"
#include "metrics/metrics.h"

/* hostport.c */
#define HOSTPORT_HOSTLEN	256
/*
 * "HOST:PORT", ":PORT" (host "": every address) or "[v6]:PORT". Port is
 * decimal 0..65535 (0: any free port). Returns 0, or -1 on bad syntax.
 */
int	 hostport_split(const char *, char *host, size_t hostlen,
	    uint16_t *port);
/*
 * Split and resolve to one socket address; host "" gives the IPv6
 * wildcard with *dual set (listen on both families). Returns 0 or -1,
 * with a one-line reason in err.
 */
int	 hostport_resolve(const char *, struct sockaddr_storage *,
	    socklen_t *, int *dual, char *err, size_t errlen);

/* httpd.c */
struct httpd;
struct httpd_req;

struct httpd_reply {
	unsigned	 status;
	const char	*ctype;
	char		*body;		/* malloc'd, freed by httpd */
	size_t		 len;
	int		 fd;		/* >= 0: serve this file instead */
	size_t		 fdlen;
	int		 spool_mem;	/* the spool is body, not a file */
};

typedef void	(*httpd_fn)(const struct metrics_src *, struct httpd_req *,
		    struct httpd_reply *);

struct httpd_route {
	const char	*path;
	httpd_fn	 fn;
	const char	*const *args;	/* allowed query keys, NULL-ended */
};

struct httpd	*httpd_new(struct event_base *, const char *addr,
		    const char *what, const struct httpd_route *,
		    const struct metrics_src *);
void		 httpd_free(struct httpd *);
uint16_t	 httpd_port(const struct httpd *);
const char	*httpd_arg(struct httpd_req *, const char *key);
void		 httpd_text(struct httpd_reply *, unsigned status,
		    const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void		 httpd_json(struct httpd_reply *, json_t *);	/* steals */
/*
 * A large body is written to a spool (an unlinked temporary file, or
 * memory when there is no temporary directory) and served from there.
 */
FILE		*httpd_spool(struct httpd_reply *);
void		 httpd_spool_end(struct httpd_reply *, FILE *,
		    const char *ctype);

/* prom.c */
struct prom_label {
	const char	*name;
	const char	*value;
};
/* The HELP and TYPE lines of a family (type: counter, gauge, ...). */
void	 prom_family(FILE *, const char *name, const char *type,
	    const char *help);
void	 prom_sample(FILE *, const char *name, const struct prom_label *,
	    size_t nlabels, double value);
void	 prom_sample1(FILE *, const char *name, const char *lname,
	    const char *lvalue, double value);
/* A label value: \ " and newline escaped. */
void	 prom_escape_label(FILE *, const char *);
/* A HELP text: \ and newline escaped. */
void	 prom_escape_help(FILE *, const char *);
void	 prom_value(FILE *, double);

/* proc.c */
struct proc_stats {
	double		 cpu_seconds;
	double		 start_time;	/* Unix seconds */
	uint64_t	 rss_bytes, vsize_bytes;
	uint64_t	 open_fds, max_fds;
};
int	 proc_read(struct proc_stats *);

/* collect.c */
void	 collect_summary(FILE *, const struct bgp_summary *);
void	 collect_peers(FILE *, const struct bgp_peer_info *, size_t n,
	    time_t now);
void	 collect_adverts(FILE *, json_t *kstatus,
	    const struct bgp_advert_info *, size_t n);
void	 collect_policies(FILE *, json_t *kstatus);
void	 collect_process(FILE *, const struct proc_stats *);
void	 collect_build(FILE *);

/* fibstat.c */
struct fib;
struct fib_stats;
/* The bgp_fib_* families from plain values. */
void	 fibstat_collect(FILE *, const struct fib_stats *);
/* The same from a running fib/; nothing when fib is NULL (--no-fib). */
void	 fibstat_metrics(FILE *, struct fib *);
/*
 * A route's "fib" member: "installed", "pending", "held: <reason>", or
 * "n/a" when there is no FIB or the route is not for it (wanted = 0: no
 * best path, or the best path is locally originated).
 */
const char	*fibstat_route(struct fib *, const struct prefix *, int wanted,
		    char *buf, size_t len);

/* kubestat.c */
struct kube_api;
struct kube_stats;
/* The bgp_kube_* families from plain values. */
void	 kubestat_collect(FILE *, const struct kube_stats *);
/* The same from the running API source; nothing when a is NULL. */
void	 kubestat_metrics(FILE *, const struct kube_api *);

/* scrape.c */
void	 scrape_metrics(const struct metrics_src *, struct httpd_req *,
	    struct httpd_reply *);

/* apidoc.c */
const char	*apidoc_community(uint32_t, char *, size_t);
const char	*apidoc_origin(uint8_t);
json_t		*apidoc_summary(const struct bgp_summary *, int ready);
json_t		*apidoc_neighbor(const struct bgp_peer_info *, time_t now);
json_t		*apidoc_adverts(json_t *kstatus,
		    const struct bgp_advert_info *, size_t n);
json_t		*apidoc_policies(json_t *kstatus);
/* 1 when the object has condition type=status (e.g. Accepted=True). */
int		 apidoc_condition(json_t *obj, const char *type,
		    const char *status);

/* ribdoc.c */
/* One path of /api/v1/rib as compact JSON text (no prefix: the route has it). */
void	 ribdoc_path(FILE *, const struct bgp_path_info *, time_t now);
/* A JSON string literal, escaped as jansson escapes it. */
void	 ribdoc_str(FILE *, const char *);

/* api.c */
void	 api_summary(const struct metrics_src *, struct httpd_req *,
	    struct httpd_reply *);
void	 api_neighbors(const struct metrics_src *, struct httpd_req *,
	    struct httpd_reply *);
void	 api_rib(const struct metrics_src *, struct httpd_req *,
	    struct httpd_reply *);
void	 api_advertisements(const struct metrics_src *, struct httpd_req *,
	    struct httpd_reply *);
void	 api_policies(const struct metrics_src *, struct httpd_req *,
	    struct httpd_reply *);
void	 api_sessions(const struct metrics_src *, struct httpd_req *,
	    struct httpd_reply *);
void	 api_config(const struct metrics_src *, struct httpd_req *,
	    struct httpd_reply *);
void	 api_endpoints(const struct metrics_src *, struct httpd_req *,
	    struct httpd_reply *);
void	 api_peeringpolicies(const struct metrics_src *,
	    struct httpd_req *, struct httpd_reply *);

/* health.c */
int	 health_ready(const struct metrics_src *, char *why, size_t len);
void	 health_healthz(const struct metrics_src *, struct httpd_req *,
	    struct httpd_reply *);
void	 health_readyz(const struct metrics_src *, struct httpd_req *,
	    struct httpd_reply *);

/* showfmt.c: the tables of `bgpd show`, from the API's documents. */
void	 showfmt_summary(FILE *, json_t *);
void	 showfmt_neighbors(FILE *, json_t *);
void	 showfmt_rib(FILE *, json_t *);
void	 showfmt_advertisements(FILE *, json_t *);
void	 showfmt_policies(FILE *, json_t *);
/* "3d04h", "01:02:03" */
const char	*showfmt_uptime(long long, char *, size_t);

#endif
