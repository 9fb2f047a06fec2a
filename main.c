/*
 * main.c: options, the event base, construction and shutdown order.
 *
 * It wires the modules and holds no protocol or API logic: kube/ turns
 * resources into a model, bgp/ runs it, metrics/ serves what bgp/ knows.
 * Construction order: log, bgp, fib, kube, metrics. Shutdown: Cease to
 * every peer, flush the kernel routes, stop HTTP, stop the source (the API
 * source releases its Lease), free the speaker. Exactly one source runs:
 * a directory of manifests, or an API server.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "bgp/bgp.h"
#include "bgp/log.h"
#include "fib/fib.h"
#include "kube/kube.h"
#include "metrics/metrics.h"
#include "metrics/notify.h"

struct opts {
	const char	*kubeconfig;
	int		 kubeconfig_given;	/* on the command line */
	const char	*config_dir;
	const char	*local_endpoint;
	const char	*metrics_addr;
	const char	*health_addr;
	const char	*lease_ns;
	const char	*user;		/* --user: drop root to it */
	unsigned long	 fib_table;
	unsigned long	 fib_protocol;
	unsigned long	 api_unreachable;	/* seconds, for /readyz */
	int		 no_fib;
	enum log_level	 log_level;
	int		 log_json;
	char		 hostname[256];
};

struct daemon {
	struct event_base	*base;
	struct bgp		*bgp;
	struct fib		*fib;
	struct kube_dir		*dir;
	struct kube_api		*api;
	struct metrics		*metrics;
	struct event		*ev_term, *ev_int, *ev_hup;
	struct event		*ev_ready;	/* polls until READY=1 is sent */
	struct event		*ev_log;	/* repeat summaries, when due */
	struct notify		*watchdog;
	int			 exit_code;
};

static void
usage(FILE *out)
{
	fprintf(out,
	    "usage: bgpd [options]                run the speaker\n"
	    "       bgpd show summary|neighbors|rib [ipv4|ipv6]|advertisements|policies\n"
	    "                 [--server HOST:PORT] [--json]\n"
	    "       bgpd check --config-dir DIR   validate manifests\n"
	    "       bgpd version\n"
	    "\n"
	    "options:\n"
	    "  --config-dir DIR         standalone: resources as manifests in DIR\n"
	    "  --kubeconfig PATH        watch a Kubernetes API server ($KUBECONFIG)\n"
	    "  --local-endpoint NAME    this speaker's BGPEndpoint ($LOCAL_ENDPOINT,\n"
	    "                           $NODE_NAME, else the host name)\n"
	    "  --metrics-addr ADDR      /metrics and JSON API (default :8082)\n"
	    "  --health-addr ADDR       /healthz and /readyz (default :8083)\n"
	    "  --fib-table N            kernel table for learned routes (254)\n"
	    "  --fib-protocol N         rtm_protocol of installed routes (196)\n"
	    "  --no-fib                 never touch the kernel routing table\n"
	    "  --lease-namespace NS     namespace of the peering-policy Lease\n"
	    "  --api-unreachable-after SEC\n"
	    "                           /readyz turns 503 once the API server has\n"
	    "                           not answered for SEC seconds (30)\n"
	    "  --log-level L            error|warn|info|debug (info)\n"
	    "  --log-format F           text|json (text)\n"
	    "  --user NAME              started as root: become NAME, keeping\n"
	    "                           CAP_NET_ADMIN and CAP_NET_BIND_SERVICE\n"
	    "  -h, --help               this text\n");
}

static int
opts_number(const char *name, const char *s, unsigned long max,
    unsigned long *out)
{
	char *end;

	errno = 0;
	*out = strtoul(s, &end, 10);
	if (errno || *s == '\0' || *end != '\0' || *out > max) {
		fprintf(stderr, "bgpd: %s: bad value '%s'\n", name, s);
		return -1;
	}
	return 0;
}

static void
opts_defaults(struct opts *o)
{
	memset(o, 0, sizeof(*o));
	o->kubeconfig = getenv("KUBECONFIG");
	if (o->kubeconfig != NULL && *o->kubeconfig == '\0')
		o->kubeconfig = NULL;
	o->local_endpoint = getenv("LOCAL_ENDPOINT");
	if (o->local_endpoint == NULL || *o->local_endpoint == '\0')
		o->local_endpoint = getenv("NODE_NAME");
	if (o->local_endpoint == NULL || *o->local_endpoint == '\0') {
		if (gethostname(o->hostname, sizeof(o->hostname) - 1) == 0)
			o->local_endpoint = o->hostname;
	}
	o->metrics_addr = ":8082";
	o->health_addr = ":8083";
	o->lease_ns = getenv("POD_NAMESPACE");
	if (o->lease_ns == NULL || *o->lease_ns == '\0')
		o->lease_ns = "bgp-system";
	o->fib_table = 254;
	o->fib_protocol = 196;
	o->api_unreachable = KUBE_UNREACHABLE_AFTER;
	o->log_level = LOG_INFO;
}

enum { O_KUBECONFIG = 256, O_CONFIG_DIR, O_LOCAL, O_METRICS, O_HEALTH,
    O_FIB_TABLE, O_FIB_PROTO, O_NO_FIB, O_LEASE_NS, O_LOG_LEVEL, O_LOG_FMT, O_USER,
    O_API_UNREACHABLE };

static const struct option long_opts[] = {
	{ "kubeconfig",		required_argument, NULL, O_KUBECONFIG },
	{ "config-dir",		required_argument, NULL, O_CONFIG_DIR },
	{ "local-endpoint",	required_argument, NULL, O_LOCAL },
	{ "metrics-addr",	required_argument, NULL, O_METRICS },
	{ "health-addr",	required_argument, NULL, O_HEALTH },
	{ "fib-table",		required_argument, NULL, O_FIB_TABLE },
	{ "fib-protocol",	required_argument, NULL, O_FIB_PROTO },
	{ "no-fib",		no_argument,	   NULL, O_NO_FIB },
	{ "lease-namespace",	required_argument, NULL, O_LEASE_NS },
	{ "log-level",		required_argument, NULL, O_LOG_LEVEL },
	{ "log-format",		required_argument, NULL, O_LOG_FMT },
	{ "user",		required_argument, NULL, O_USER },
	{ "api-unreachable-after", required_argument, NULL, O_API_UNREACHABLE },
	{ "help",		no_argument,	   NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

/* One option; returns 0, 1 for --help, -1 on a bad value. */
static int
opts_one(struct opts *o, int c, const char *arg)
{
	switch (c) {
	case O_KUBECONFIG:
		o->kubeconfig = arg;
		o->kubeconfig_given = 1;
		return 0;
	case O_CONFIG_DIR:	o->config_dir = arg; return 0;
	case O_LOCAL:		o->local_endpoint = arg; return 0;
	case O_METRICS:		o->metrics_addr = arg; return 0;
	case O_HEALTH:		o->health_addr = arg; return 0;
	case O_NO_FIB:		o->no_fib = 1; return 0;
	case O_LEASE_NS:	o->lease_ns = arg; return 0;
	case O_USER:		o->user = arg; return 0;
	case O_FIB_TABLE:
		return opts_number("--fib-table", arg, 0xffffffffUL,
		    &o->fib_table);
	case O_FIB_PROTO:
		return opts_number("--fib-protocol", arg, 255,
		    &o->fib_protocol);
	case O_API_UNREACHABLE:
		if (opts_number("--api-unreachable-after", arg, 86400,
		    &o->api_unreachable) == -1)
			return -1;
		if (o->api_unreachable == 0) {
			fprintf(stderr, "bgpd: --api-unreachable-after: at "
			    "least 1 second\n");
			return -1;
		}
		return 0;
	case O_LOG_LEVEL:
		if (log_level_parse(arg, &o->log_level) == -1) {
			fprintf(stderr, "bgpd: --log-level: '%s' is not one "
			    "of error, warn, info, debug\n", arg);
			return -1;
		}
		return 0;
	case O_LOG_FMT:
		if (strcmp(arg, "text") != 0 && strcmp(arg, "json") != 0) {
			fprintf(stderr, "bgpd: --log-format: '%s' is not "
			    "text or json\n", arg);
			return -1;
		}
		o->log_json = strcmp(arg, "json") == 0;
		return 0;
	case 'h':
		return 1;
	default:
		return -1;
	}
}

static int
opts_parse(struct opts *o, int argc, char **argv)
{
	int c, r;

	opts_defaults(o);
	while ((c = getopt_long(argc, argv, "h", long_opts, NULL)) != -1) {
		if ((r = opts_one(o, c, optarg)) != 0)
			return r;
	}
	if (optind < argc) {
		fprintf(stderr, "bgpd: unexpected argument '%s'\n",
		    argv[optind]);
		return -1;
	}
	return 0;
}

/* Exactly one source of desired state; returns 0 or an exit code. */
static int
opts_check_source(const struct opts *o)
{
	if (o->config_dir == NULL && o->kubeconfig == NULL &&
	    getenv("KUBERNETES_SERVICE_HOST") == NULL) {
		fprintf(stderr, "bgpd: no source of configuration: give "
		    "--config-dir DIR (standalone) or --kubeconfig PATH "
		    "(API server)\n");
		return 2;
	}
	if (o->config_dir != NULL && o->kubeconfig_given) {
		fprintf(stderr, "bgpd: give either --config-dir DIR or "
		    "--kubeconfig PATH, not both\n");
		return 2;
	}
	if (o->local_endpoint == NULL || *o->local_endpoint == '\0') {
		fprintf(stderr, "bgpd: no local endpoint: give "
		    "--local-endpoint NAME\n");
		return 2;
	}
	return 0;
}

static void
daemon_apply_cb(void *arg, const struct model *m)
{
	struct daemon *d = arg;

	bgp_apply(d->bgp, m);
}

static void
daemon_peer_state_cb(void *arg, const char *peer, enum bgp_state from,
    enum bgp_state to, const char *reason)
{
	struct daemon *d = arg;

	(void)from;
	if (d->api)
		kube_api_peer_state(d->api, peer, to, reason);
}

static size_t
daemon_originated_cb(void *arg, const struct prefix *pfx, size_t n)
{
	struct daemon *d = arg;

	return bgp_query_originated(d->bgp, pfx, n);
}

static json_t *
daemon_status_cb(void *arg, const char *kind)
{
	struct daemon *d = arg;

	if (d->api)
		return kube_api_status(d->api, kind);
	return d->dir ? kube_dir_status(d->dir, kind) : NULL;
}

static void
daemon_route_change_cb(void *arg, const struct bgp_route_change *c)
{
	struct daemon *d = arg;

	if (d->fib)
		fib_route_change(d->fib, c);
}

static void
daemon_converged_cb(void *arg)
{
	struct daemon *d = arg;

	if (d->fib)
		fib_converged(d->fib);
}

static int
daemon_ready_cb(void *arg, char *why, size_t len)
{
	struct daemon *d = arg;
	struct bgp_summary s;

	/* Unreachable first: it explains a first list that never came. */
	if (d->api != NULL && (!kube_api_reachable(d->api, why, len) ||
	    !kube_api_loaded(d->api, why, len)))
		return 0;
	if (d->api == NULL && (d->dir == NULL ||
	    !kube_dir_loaded(d->dir, why, len)))
		return 0;
	bgp_query_summary(d->bgp, &s);
	if (!s.configured) {
		snprintf(why, len, "no configuration applied yet");
		return 0;
	}
	if (!s.listening) {
		snprintf(why, len, "listener not bound: %s", s.listen_error);
		return 0;
	}
	return 1;
}

/*
 * The service manager hears READY=1 once /readyz would say 200: the first
 * configuration applied and the listener bound. Polled, as readiness has
 * several sources and none of them calls back.
 */
static void
daemon_ready_poll_cb(evutil_socket_t fd, short what, void *arg)
{
	struct daemon *d = arg;
	char why[256];

	(void)fd;
	(void)what;
	if (!daemon_ready_cb(d, why, sizeof(why)))
		return;
	notify_send("READY=1");
	event_del(d->ev_ready);
}

static void
daemon_signal_cb(evutil_socket_t sig, short what, void *arg)
{
	struct daemon *d = arg;

	(void)what;
	if (sig == SIGHUP) {
		log_info("SIGHUP: re-reading configuration", "%s", "");
		notify_send("RELOADING=1");
		if (d->dir)
			kube_dir_reload(d->dir);
		if (d->api)
			kube_api_resync(d->api);
		notify_send("READY=1");
		return;
	}
	log_info("stopping", "signal=%d", (int)sig);
	notify_send("STOPPING=1");
	event_base_loopbreak(d->base);
}

/* A repeat's summary is due when its window ends, not at the next line. */
static void
daemon_log_tick_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	log_tick();
}

static int
daemon_log_timer(struct daemon *d)
{
	struct timeval tv = { 1, 0 };

	d->ev_log = event_new(d->base, -1, EV_PERSIST, daemon_log_tick_cb, d);
	if (d->ev_log == NULL)
		return -1;
	event_add(d->ev_log, &tv);
	return 0;
}

static int
daemon_signals(struct daemon *d)
{
	signal(SIGPIPE, SIG_IGN);
	d->ev_term = evsignal_new(d->base, SIGTERM, daemon_signal_cb, d);
	d->ev_int = evsignal_new(d->base, SIGINT, daemon_signal_cb, d);
	d->ev_hup = evsignal_new(d->base, SIGHUP, daemon_signal_cb, d);
	if (d->ev_term == NULL || d->ev_int == NULL || d->ev_hup == NULL)
		return -1;
	evsignal_add(d->ev_term, NULL);
	evsignal_add(d->ev_int, NULL);
	evsignal_add(d->ev_hup, NULL);
	return 0;
}

static int
daemon_source(struct daemon *d, const struct opts *o)
{
	struct kube_api_opts ko;

	if (o->config_dir != NULL) {
		d->dir = kube_dir_new(d->base, o->config_dir,
		    o->local_endpoint, daemon_apply_cb, d);
		if (d->dir == NULL)
			log_error("cannot read the configuration directory",
			    "dir=%s", o->config_dir);
		return d->dir == NULL ? -1 : 0;
	}
	memset(&ko, 0, sizeof(ko));
	ko.kubeconfig = o->kubeconfig;
	ko.local_endpoint = o->local_endpoint;
	ko.lease_ns = o->lease_ns;
	ko.unreachable_after = (unsigned)o->api_unreachable;
	ko.originated = daemon_originated_cb;
	d->api = kube_api_new(d->base, &ko, daemon_apply_cb, d);
	return d->api == NULL ? -1 : 0;
}

static int
daemon_notify_start(struct daemon *d)
{
	struct timeval tv = { 0, 100000 };

	d->ev_ready = event_new(d->base, -1, EV_PERSIST, daemon_ready_poll_cb,
	    d);
	if (d->ev_ready == NULL)
		return 1;
	event_add(d->ev_ready, &tv);
	d->watchdog = notify_watchdog_new(d->base);
	return 0;
}

static int
daemon_start(struct daemon *d, const struct opts *o)
{
	struct bgp_hooks hooks;
	struct metrics_src src;

	memset(&hooks, 0, sizeof(hooks));
	hooks.arg = d;
	hooks.route_change = daemon_route_change_cb;
	hooks.peer_state = daemon_peer_state_cb;
	hooks.converged = daemon_converged_cb;
	if ((d->bgp = bgp_new(d->base, &hooks)) == NULL)
		return 1;
	if (!o->no_fib) {
		struct fib_opts fo;

		memset(&fo, 0, sizeof(fo));
		fo.table = (uint32_t)o->fib_table;
		fo.protocol = (uint8_t)o->fib_protocol;
		if ((d->fib = fib_new(d->base, &fo)) == NULL)
			return 1;
	}
	if (daemon_source(d, o) != 0)
		return 2;
	memset(&src, 0, sizeof(src));
	src.bgp = d->bgp;
	src.status = daemon_status_cb;
	src.fib = d->fib;
	src.kube = d->api;
	src.ready = daemon_ready_cb;
	src.arg = d;
	d->metrics = metrics_new(d->base, o->metrics_addr, o->health_addr,
	    &src);
	if (d->metrics == NULL)
		return 1;
	return daemon_notify_start(d);
}

/* Cease to peers first, so they withdraw our routes at once. */
static void
daemon_stop(struct daemon *d)
{
	if (d->bgp)
		bgp_shutdown(d->bgp, "bgpd is shutting down");
	if (d->fib)
		fib_free(d->fib, 1);
	d->fib = NULL;
	if (d->metrics)
		metrics_free(d->metrics);
	if (d->dir)
		kube_dir_free(d->dir);
	/*
	 * After HTTP stops: releasing the Lease turns the loop a little more,
	 * and the metrics server still points at the FIB freed above.
	 */
	if (d->api)
		kube_api_free(d->api);
	if (d->bgp)
		bgp_free(d->bgp);
	if (d->ev_term)
		event_free(d->ev_term);
	if (d->ev_int)
		event_free(d->ev_int);
	if (d->ev_hup)
		event_free(d->ev_hup);
	if (d->ev_ready)
		event_free(d->ev_ready);
	if (d->ev_log)
		event_free(d->ev_log);
	notify_watchdog_free(d->watchdog);
	event_base_free(d->base);
}

/* Before anything opens a file or a socket: all of it runs as the user. */
static int
daemon_user(const char *name)
{
	char err[256];

	if (user_drop(name, err, sizeof(err)) == -1) {
		log_error("cannot drop privileges", "user=%s error=\"%s\"",
		    name, err);
		return 1;
	}
	log_info("running as user", "user=%s", name);
	return 0;
}

static int
daemon_main(int argc, char **argv)
{
	struct opts o;
	struct daemon d;
	int r;

	if ((r = opts_parse(&o, argc, argv)) != 0) {
		usage(r == 1 ? stdout : stderr);
		return r == 1 ? 0 : 2;
	}
	if ((r = opts_check_source(&o)) != 0)
		return r;
	log_init(o.log_level, o.log_json);
	if (o.user != NULL && daemon_user(o.user) != 0)
		return 1;
	memset(&d, 0, sizeof(d));
	if ((d.base = event_base_new()) == NULL || daemon_signals(&d) == -1 ||
	    daemon_log_timer(&d) == -1) {
		log_error("cannot create the event loop", "%s", "");
		return 1;
	}
	log_info("starting", "version=%s local_endpoint=%s source=%s",
	    BGPD_VERSION, o.local_endpoint, o.config_dir ? o.config_dir :
	    o.kubeconfig ? o.kubeconfig : "in-cluster");
	if ((r = daemon_start(&d, &o)) == 0 &&
	    event_base_dispatch(d.base) == -1)
		r = 1;
	daemon_stop(&d);
	log_flush();
	log_info("stopped", "exit_code=%d", r);
	return r;
}

static int
check_main(int argc, char **argv)
{
	const char *dir = NULL;
	int i, n;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--config-dir") == 0 && i + 1 < argc)
			dir = argv[++i];
		else if (strncmp(argv[i], "--config-dir=", 13) == 0)
			dir = argv[i] + 13;
		else {
			fprintf(stderr, "usage: bgpd check --config-dir DIR\n");
			return 2;
		}
	}
	if (dir == NULL) {
		fprintf(stderr, "usage: bgpd check --config-dir DIR\n");
		return 2;
	}
	log_init(LOG_ERROR, 0);
	n = kube_check(dir, stdout);
	if (n < 0) {
		fprintf(stderr, "bgpd check: cannot read %s\n", dir);
		return 2;
	}
	if (n == 0)
		printf("%s: ok\n", dir);
	return n == 0 ? 0 : 1;
}

int
main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "show") == 0)
		return show_main(argc - 1, argv + 1);
	if (argc > 1 && strcmp(argv[1], "check") == 0)
		return check_main(argc - 1, argv + 1);
	if (argc > 1 && strcmp(argv[1], "version") == 0) {
		printf("bgpd %s\n", BGPD_VERSION);
		return 0;
	}
	return daemon_main(argc, argv);
}
