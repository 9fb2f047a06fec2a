/*
 * httpd.c: one libmicrohttpd daemon driven by the libevent loop.
 *
 * MHD runs without a thread of its own in epoll mode: its epoll fd is a
 * persistent read event on our loop, and after every MHD_run() a timer is
 * re-armed from MHD_get_timeout() (0 when MHD still has work buffered), so
 * nothing here ever blocks or polls. We bind the listen socket ourselves to
 * get dual-stack wildcards, port 0 and readable errors.
 *
 * Requests: only GET and HEAD (405), a fixed table of paths (404), each
 * with the query keys it accepts (400 for any other). Errors are one line
 * of text.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <event2/event.h>
#include <microhttpd.h>

#include "bgp/log.h"
#include "metrics/internal.h"

#define HTTPD_MAX_CONN		64
#define HTTPD_IDLE_SECONDS	30

struct httpd {
	struct MHD_Daemon		*mhd;
	struct event			*io;
	struct event			*timer;
	const struct httpd_route	*routes;
	const struct metrics_src	*src;
	char				 what[16];
	uint16_t			 port;
};

struct httpd_req {
	struct MHD_Connection	*conn;
	const struct httpd_route *route;
	const char		*badkey;
};

static void
httpd_mhd_log(void *arg, const char *fmt, va_list ap)
{
	struct httpd *h = arg;
	char line[256], q[300];
	size_t n;

	vsnprintf(line, sizeof(line), fmt, ap);
	n = strlen(line);
	while (n > 0 && line[n - 1] == '\n')
		line[--n] = '\0';
	log_warn("http server", "server=%s error=%s", h->what,
	    log_q(line, q, sizeof(q)));
}

static int
httpd_bind(int af, const struct sockaddr *sa, socklen_t len, int dual)
{
	int fd, one = 1, zero = 0;

	fd = socket(af, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1)
		return -1;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == -1 ||
	    (dual && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero,
	    sizeof(zero)) == -1) ||
	    bind(fd, sa, len) == -1 || listen(fd, 64) == -1) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

/* Bind and listen; the wildcard falls back to IPv4 on a host without v6. */
static int
httpd_listen(const char *addr, const char *what, uint16_t *port)
{
	struct sockaddr_storage ss;
	struct sockaddr_in sin;
	struct addr bound;
	socklen_t len;
	char err[160], q[200], qa[HOSTPORT_HOSTLEN + 16];
	int fd, dual;

	if (hostport_resolve(addr, &ss, &len, &dual, err, sizeof(err)) == -1) {
		log_error("http server cannot start", "server=%s error=%s", what,
		    log_q(err, q, sizeof(q)));
		return -1;
	}
	fd = httpd_bind(ss.ss_family, (struct sockaddr *)&ss, len, dual);
	if (fd == -1 && dual && errno == EAFNOSUPPORT) {
		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		sin.sin_port = ((struct sockaddr_in6 *)&ss)->sin6_port;
		fd = httpd_bind(AF_INET, (struct sockaddr *)&sin, sizeof(sin), 0);
	}
	if (fd == -1) {
		log_error("http server cannot start", "server=%s addr=%s "
		    "error=%s", what, log_q(addr, qa, sizeof(qa)),
		    log_q(strerror(errno), q, sizeof(q)));
		return -1;
	}
	len = sizeof(ss);
	if (getsockname(fd, (struct sockaddr *)&ss, &len) == 0)
		addr_from_sockaddr((struct sockaddr *)&ss, &bound, port);
	return fd;
}

/* "?key" without "=value" reads as "", so a handler can refuse it. */
const char *
httpd_arg(struct httpd_req *req, const char *key)
{
	const char *v = NULL;
	size_t len = 0;

	if (MHD_lookup_connection_value_n(req->conn, MHD_GET_ARGUMENT_KIND,
	    key, strlen(key), &v, &len) != MHD_YES)
		return NULL;
	return v != NULL ? v : "";
}

void
httpd_text(struct httpd_reply *r, unsigned status, const char *fmt, ...)
{
	va_list ap;
	int n;

	free(r->body);
	r->body = NULL;
	r->len = 0;
	r->status = status;
	r->ctype = "text/plain; charset=utf-8";
	va_start(ap, fmt);
	n = vasprintf(&r->body, fmt, ap);
	va_end(ap);
	if (n < 0) {
		r->body = NULL;
		r->status = 500;
		return;
	}
	r->len = (size_t)n;
}

void
httpd_json(struct httpd_reply *r, json_t *doc)
{
	char *s;

	if (doc == NULL) {
		httpd_text(r, 500, "out of memory\n");
		return;
	}
	s = json_dumps(doc, JSON_COMPACT);
	json_decref(doc);
	if (s == NULL) {
		httpd_text(r, 500, "out of memory\n");
		return;
	}
	free(r->body);
	r->status = 200;
	r->ctype = "application/json";
	r->len = strlen(s);
	/* End with a newline so the document prints well from curl. */
	if ((r->body = realloc(s, r->len + 2)) == NULL) {
		r->body = s;
		return;
	}
	r->body[r->len++] = '\n';
	r->body[r->len] = '\0';
}

FILE *
httpd_spool(struct httpd_reply *r)
{
	FILE *f;

	if ((f = tmpfile()) == NULL) {
		r->spool_mem = 1;
		f = open_memstream(&r->body, &r->len);
	}
	/* One thread: skip stdio's per-call locking on millions of writes. */
	if (f != NULL)
		__fsetlocking(f, FSETLOCKING_BYCALLER);
	return f;
}

void
httpd_spool_end(struct httpd_reply *r, FILE *f, const char *ctype)
{
	long size;
	int fd, bad;

	if (r->spool_mem) {
		bad = ferror(f);
		if (fclose(f) != 0 || bad || r->body == NULL)
			httpd_text(r, 500, "cannot write the response\n");
		else {
			r->status = 200;
			r->ctype = ctype;
		}
		return;
	}
	if (fflush(f) != 0 || ferror(f) || (size = ftell(f)) < 0 ||
	    (fd = dup(fileno(f))) == -1) {
		fclose(f);
		httpd_text(r, 500, "cannot write the response\n");
		return;
	}
	fclose(f);
	r->status = 200;
	r->ctype = ctype;
	r->fd = fd;
	r->fdlen = (size_t)size;
}

static enum MHD_Result
httpd_key_cb(void *arg, enum MHD_ValueKind kind, const char *key,
    const char *value)
{
	struct httpd_req *req = arg;
	const char *const *a;

	(void)kind;
	(void)value;
	for (a = req->route->args; a != NULL && *a != NULL; a++)
		if (strcmp(*a, key) == 0)
			return MHD_YES;
	req->badkey = key;
	return MHD_NO;
}

static void
httpd_dispatch(struct httpd *h, struct MHD_Connection *conn, const char *url,
    const char *method, struct httpd_reply *r)
{
	struct httpd_req req = { conn, NULL, NULL };

	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
		httpd_text(r, 405, "method %s not allowed: GET or HEAD only\n",
		    method);
		return;
	}
	for (req.route = h->routes; req.route->path != NULL; req.route++)
		if (strcmp(req.route->path, url) == 0)
			break;
	if (req.route->path == NULL) {
		httpd_text(r, 404, "not found\n");
		return;
	}
	MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, httpd_key_cb,
	    &req);
	if (req.badkey != NULL) {
		httpd_text(r, 400, "unknown query parameter\n");
		return;
	}
	req.route->fn(h->src, &req, r);
	if (r->status == 0)
		httpd_text(r, 500, "no response\n");
}

static struct MHD_Response *
httpd_response(struct httpd_reply *r)
{
	struct MHD_Response *resp;

	if (r->fd >= 0) {
		resp = MHD_create_response_from_fd(r->fdlen, r->fd);
		if (resp == NULL)
			close(r->fd);
		r->fd = -1;
	} else {
		resp = MHD_create_response_from_buffer(r->len, r->body,
		    MHD_RESPMEM_MUST_FREE);
		if (resp == NULL)
			free(r->body);
		r->body = NULL;
	}
	if (resp == NULL)
		return NULL;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, r->ctype);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL,
	    "no-store");
	if (r->status == 405)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW,
		    "GET, HEAD");
	return resp;
}

/*
 * MHD calls this first when the headers are in, then once per chunk of
 * body, then with no data when the request is complete. Answering only on
 * that last call keeps the connection alive (MHD closes a connection that
 * was answered before its request was fully read); a body is dropped.
 */
static enum MHD_Result
httpd_access_cb(void *arg, struct MHD_Connection *conn, const char *url,
    const char *method, const char *version, const char *upload,
    size_t *upload_size, void **state)
{
	struct httpd *h = arg;
	struct httpd_reply r = { 0, NULL, NULL, 0, -1, 0, 0 };
	struct MHD_Response *resp;
	enum MHD_Result rc;

	(void)version;
	(void)upload;
	if (*state == NULL) {
		*state = h;	/* any non-NULL mark: headers seen */
		return MHD_YES;
	}
	if (*upload_size != 0) {
		*upload_size = 0;
		return MHD_YES;
	}
	httpd_dispatch(h, conn, url, method, &r);
	if ((resp = httpd_response(&r)) == NULL)
		return MHD_NO;
	rc = MHD_queue_response(conn, r.status, resp);
	MHD_destroy_response(resp);
	return rc;
}

static void
httpd_run(struct httpd *h)
{
	MHD_UNSIGNED_LONG_LONG ms;
	struct timeval tv;

	MHD_run(h->mhd);
	evtimer_del(h->timer);
	if (MHD_get_timeout(h->mhd, &ms) == MHD_YES) {
		tv.tv_sec = (time_t)(ms / 1000);
		tv.tv_usec = (suseconds_t)(ms % 1000) * 1000;
		evtimer_add(h->timer, &tv);
	}
}

static void
httpd_io_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	httpd_run(arg);
}

static void
httpd_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	httpd_run(arg);
}

static int
httpd_start(struct httpd *h, struct event_base *base, int fd)
{
	const union MHD_DaemonInfo *info;

	h->mhd = MHD_start_daemon(MHD_USE_EPOLL | MHD_USE_ERROR_LOG, 0,
	    NULL, NULL, httpd_access_cb, h,
	    MHD_OPTION_EXTERNAL_LOGGER, httpd_mhd_log, h,
	    MHD_OPTION_LISTEN_SOCKET, (MHD_socket)fd,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)HTTPD_MAX_CONN,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)HTTPD_IDLE_SECONDS,
	    MHD_OPTION_END);
	if (h->mhd == NULL) {
		close(fd);
		return -1;
	}
	info = MHD_get_daemon_info(h->mhd, MHD_DAEMON_INFO_EPOLL_FD);
	if (info == NULL)
		return -1;
	h->io = event_new(base, info->epoll_fd, EV_READ | EV_PERSIST,
	    httpd_io_cb, h);
	h->timer = evtimer_new(base, httpd_timer_cb, h);
	if (h->io == NULL || h->timer == NULL || event_add(h->io, NULL) == -1)
		return -1;
	return 0;
}

struct httpd *
httpd_new(struct event_base *base, const char *addr, const char *what,
    const struct httpd_route *routes, const struct metrics_src *src)
{
	struct httpd *h;
	int fd;

	if ((h = calloc(1, sizeof(*h))) == NULL)
		return NULL;
	h->routes = routes;
	h->src = src;
	snprintf(h->what, sizeof(h->what), "%s", what);
	if ((fd = httpd_listen(addr, what, &h->port)) == -1) {
		free(h);
		return NULL;
	}
	if (httpd_start(h, base, fd) == -1) {
		log_error("http server cannot start", "server=%s port=%u "
		    "error=\"libmicrohttpd refused to start\"", what, h->port);
		httpd_free(h);
		return NULL;
	}
	log_info("http server listening", "server=%s port=%u", what, h->port);
	return h;
}

uint16_t
httpd_port(const struct httpd *h)
{
	return h->port;
}

void
httpd_free(struct httpd *h)
{
	if (h == NULL)
		return;
	if (h->io != NULL)
		event_free(h->io);
	if (h->timer != NULL)
		event_free(h->timer);
	if (h->mhd != NULL)
		MHD_stop_daemon(h->mhd);
	free(h);
}
