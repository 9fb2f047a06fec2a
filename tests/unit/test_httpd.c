/*
 * test_httpd.c: the HTTP servers on a real event loop in front of a real
 * (empty) speaker: routing, status codes for bad requests, HEAD, health
 * and readiness, bind errors; and `bgpd show` against a server running in
 * a child process (exit codes, --json prints the body as served).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <cmocka.h>

#include <event2/event.h>

#include "bgp/bgp.h"
#include "metrics/metrics.h"

struct fixture {
	struct event_base	*base;
	struct bgp		*bgp;
	struct metrics		*m;
	int			 ready;
};

static int
fixture_ready(void *arg, char *why, size_t len)
{
	struct fixture *fx = arg;

	if (!fx->ready)
		snprintf(why, len, "waiting for\nthe config");
	return fx->ready;
}

static int
setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	struct metrics_src src;

	assert_non_null(fx);
	fx->base = event_base_new();
	assert_non_null(fx->base);
	fx->bgp = bgp_new(fx->base, NULL);
	assert_non_null(fx->bgp);
	memset(&src, 0, sizeof(src));
	src.bgp = fx->bgp;
	src.ready = fixture_ready;
	src.arg = fx;
	fx->m = metrics_new(fx->base, "127.0.0.1:0", "127.0.0.1:0", &src);
	assert_non_null(fx->m);
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *fx = *state;

	metrics_free(fx->m);
	bgp_free(fx->bgp);
	event_base_free(fx->base);
	free(fx);
	return 0;
}

static int
connect_to(uint16_t port)
{
	struct sockaddr_in sin;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(connect(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	return fd;
}

/*
 * Send a raw request and turn the loop until the server closes; returns
 * the whole response (the caller frees it). The request must ask for
 * Connection: close.
 */
static char *
exchange(struct event_base *base, uint16_t port, const char *req)
{
	struct pollfd pfd;
	char *resp = NULL, buf[4096];
	size_t len = 0;
	time_t deadline = time(NULL) + 10;
	ssize_t n;

	pfd.fd = connect_to(port);
	pfd.events = POLLIN;
	assert_int_equal(send(pfd.fd, req, strlen(req), 0), (ssize_t)strlen(req));
	for (;;) {
		assert_true(time(NULL) < deadline);
		event_base_loop(base, EVLOOP_NONBLOCK);
		if (poll(&pfd, 1, 10) <= 0)
			continue;
		if ((n = recv(pfd.fd, buf, sizeof(buf), 0)) <= 0)
			break;
		resp = realloc(resp, len + (size_t)n + 1);
		assert_non_null(resp);
		memcpy(resp + len, buf, (size_t)n);
		len += (size_t)n;
		resp[len] = '\0';
	}
	close(pfd.fd);
	assert_non_null(resp);
	return resp;
}

static void
test_routes_and_errors(void **state)
{
	static const struct {
		const char	*what;
		int		 health;
		const char	*req;
		const char	*status;
		const char	*body;	/* a substring of the response */
	} t[] = {
		{ "healthz", 1, "GET /healthz", "200", "\r\n\r\nok\n" },
		{ "metrics", 0, "GET /metrics", "200",
		    "# TYPE bgp_session_state gauge\n" },
		{ "metrics: process", 0, "GET /metrics", "200",
		    "\nprocess_open_fds " },
		{ "metrics: content type", 0, "GET /metrics", "200",
		    "text/plain; version=0.0.4" },
		{ "summary", 0, "GET /api/v1/summary", "200",
		    "\"peers\":0,\"established\":0," },
		{ "summary: not ready", 0, "GET /api/v1/summary", "200",
		    "\"ready\":false" },
		{ "neighbors", 0, "GET /api/v1/neighbors", "200",
		    "{\"neighbors\":[]}" },
		{ "rib default", 0, "GET /api/v1/rib", "200",
		    "{\"afi\":\"ipv4\",\"routes\":[]}" },
		{ "rib v6", 0, "GET /api/v1/rib?afi=ipv6", "200",
		    "{\"afi\":\"ipv6\",\"routes\":[]}" },
		{ "rib by prefix", 0, "GET /api/v1/rib?prefix=2001:db8::/32",
		    "200", "{\"afi\":\"ipv6\",\"routes\":[]}" },
		{ "advertisements", 0, "GET /api/v1/advertisements", "200",
		    "{\"advertisements\":[]}" },
		{ "policies without a source", 0, "GET /api/v1/policies",
		    "200", "{\"policies\":[]}" },
		{ "bad afi", 0, "GET /api/v1/rib?afi=ipv5", "400", "bad query" },
		{ "afi without value", 0, "GET /api/v1/rib?afi", "400",
		    "bad query" },
		{ "bad prefix", 0, "GET /api/v1/rib?prefix=10.0.0.0/33", "400",
		    "bad query" },
		{ "family mismatch", 0,
		    "GET /api/v1/rib?afi=ipv4&prefix=2001:db8::/32", "400",
		    "bad query" },
		{ "unknown key", 0, "GET /api/v1/summary?x=1", "400",
		    "unknown query parameter" },
		{ "unknown path", 0, "GET /api/v2/summary", "404", "not found" },
		{ "trailing slash", 0, "GET /metrics/", "404", "not found" },
		{ "health path on metrics", 0, "GET /healthz", "404",
		    "not found" },
		{ "metrics path on health", 1, "GET /metrics", "404",
		    "not found" },
		{ "post", 0, "POST /metrics", "405", "Allow: GET, HEAD" },
		{ "delete", 1, "DELETE /healthz", "405", "not allowed" },
	};
	struct fixture *fx = *state;
	char req[256], *resp, want[32];
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		snprintf(req, sizeof(req), "%s HTTP/1.1\r\nHost: t\r\n"
		    "Connection: close\r\nContent-Length: 0\r\n\r\n", t[i].req);
		resp = exchange(fx->base, metrics_port(fx->m, t[i].health),
		    req);
		snprintf(want, sizeof(want), "HTTP/1.1 %s ", t[i].status);
		if (strncmp(resp, want, strlen(want)) != 0 ||
		    strstr(resp, t[i].body) == NULL)
			fail_msg("%s: got\n%s", t[i].what, resp);
		free(resp);
	}
}

static void
test_head_and_body_dropped(void **state)
{
	struct fixture *fx = *state;
	char *resp;

	resp = exchange(fx->base, metrics_port(fx->m, 0),
	    "HEAD /api/v1/summary HTTP/1.1\r\nHost: t\r\n"
	    "Connection: close\r\n\r\n");
	assert_true(strncmp(resp, "HTTP/1.1 200 ", 13) == 0);
	assert_non_null(strstr(resp, "application/json"));
	/* Headers only. */
	assert_string_equal(strstr(resp, "\r\n\r\n"), "\r\n\r\n");
	free(resp);
	resp = exchange(fx->base, metrics_port(fx->m, 0),
	    "POST /api/v1/summary HTTP/1.1\r\nHost: t\r\nConnection: close\r\n"
	    "Content-Length: 11\r\n\r\nhello world");
	assert_true(strncmp(resp, "HTTP/1.1 405 ", 13) == 0);
	free(resp);
}

static void
test_ready(void **state)
{
	struct fixture *fx = *state;
	char *resp;

	fx->ready = 0;
	resp = exchange(fx->base, metrics_port(fx->m, 1),
	    "GET /readyz HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
	assert_true(strncmp(resp, "HTTP/1.1 503 ", 13) == 0);
	/* The reason, on one line. */
	assert_non_null(strstr(resp, "\r\n\r\nnot ready: waiting for the "
	    "config\n"));
	free(resp);
	fx->ready = 1;
	resp = exchange(fx->base, metrics_port(fx->m, 1),
	    "GET /readyz HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
	assert_true(strncmp(resp, "HTTP/1.1 200 ", 13) == 0);
	assert_non_null(strstr(resp, "\r\n\r\nready\n"));
	free(resp);
	resp = exchange(fx->base, metrics_port(fx->m, 0),
	    "GET /api/v1/summary HTTP/1.1\r\nHost: t\r\nConnection: close\r\n"
	    "\r\n");
	assert_non_null(strstr(resp, "\"ready\":true"));
	free(resp);
}

/* No readiness test from the daemon: the speaker's own state decides. */
static void
test_ready_fallback(void **state)
{
	struct fixture *fx = *state;
	struct metrics_src src;
	struct metrics *m;
	char *resp;

	memset(&src, 0, sizeof(src));
	src.bgp = fx->bgp;
	m = metrics_new(fx->base, "127.0.0.1:0", "[::1]:0", &src);
	if (m == NULL)		/* a host without IPv6 loopback */
		m = metrics_new(fx->base, "127.0.0.1:0", "127.0.0.1:0", &src);
	assert_non_null(m);
	resp = exchange(fx->base, metrics_port(m, 0),
	    "GET /api/v1/summary HTTP/1.1\r\nHost: t\r\nConnection: close\r\n"
	    "\r\n");
	assert_non_null(strstr(resp, "\"ready\":false"));
	free(resp);
	metrics_free(m);
}

static void
test_bind_errors(void **state)
{
	struct fixture *fx = *state;
	struct metrics_src src;
	char taken[32];

	memset(&src, 0, sizeof(src));
	src.bgp = fx->bgp;
	snprintf(taken, sizeof(taken), "127.0.0.1:%u", metrics_port(fx->m, 0));
	assert_null(metrics_new(fx->base, taken, "127.0.0.1:0", &src));
	assert_null(metrics_new(fx->base, "127.0.0.1:0", taken, &src));
	assert_null(metrics_new(fx->base, "127.0.0.1", "127.0.0.1:0", &src));
	assert_null(metrics_new(fx->base, "::1:80", "127.0.0.1:0", &src));
	assert_null(metrics_new(fx->base, "127.0.0.1:0", ":70000", &src));
}

/* Run show_main with stdout in a file; returns the exit code. */
static int
run_show(char **out, ...)
{
	char *argv[8];
	int argc = 0, saved, rc;
	FILE *f = tmpfile();
	va_list ap;
	long len;

	assert_non_null(f);
	va_start(ap, out);
	while (argc < 7 && (argv[argc] = va_arg(ap, char *)) != NULL)
		argc++;
	va_end(ap);
	argv[argc] = NULL;
	fflush(stdout);
	saved = dup(STDOUT_FILENO);
	dup2(fileno(f), STDOUT_FILENO);
	rc = show_main(argc, argv);
	fflush(stdout);
	dup2(saved, STDOUT_FILENO);
	close(saved);
	len = lseek(fileno(f), 0, SEEK_END);
	assert_true(len >= 0);
	*out = calloc(1, (size_t)len + 1);
	assert_non_null(*out);
	assert_int_equal(pread(fileno(f), *out, (size_t)len, 0), len);
	fclose(f);
	return rc;
}

static void
test_show_client(void **state)
{
	struct fixture *fx = *state;
	char server[32], *out, *resp, *body;
	pid_t child;
	int status;

	snprintf(server, sizeof(server), "127.0.0.1:%u", metrics_port(fx->m, 0));
	resp = exchange(fx->base, metrics_port(fx->m, 0),
	    "GET /api/v1/rib?afi=ipv6 HTTP/1.1\r\nHost: t\r\n"
	    "Connection: close\r\n\r\n");
	body = strstr(resp, "\r\n\r\n");
	assert_non_null(body);
	/* The server lives in a child; show's blocking GET runs here. */
	if ((child = fork()) == 0) {
		event_reinit(fx->base);
		event_base_dispatch(fx->base);
		_exit(0);
	}
	assert_true(child > 0);
	assert_int_equal(run_show(&out, "show", "rib", "ipv6", "--server",
	    server, "--json", NULL), 0);
	assert_string_equal(out, body + 4);
	free(out);
	assert_int_equal(run_show(&out, "show", "summary", "--server", server,
	    NULL), 0);
	assert_non_null(strstr(out, "Ready:           no\n"));
	free(out);
	assert_int_equal(run_show(&out, "show", "neighbors", "--server",
	    server, NULL), 0);
	assert_non_null(strstr(out, "NAME"));
	free(out);
	assert_int_equal(run_show(&out, "show", "rib", "2001:db8::/32",
	    "ipv6", "--server", server, "--json", NULL), 0);
	assert_string_equal(out, body + 4);
	free(out);
	assert_int_equal(run_show(&out, "show", "rib", "ipv4", "2001:db8::/32",
	    "--server", server, NULL), 2);
	free(out);
	assert_int_equal(run_show(&out, "show", "rib", "10.0.0.0/33", NULL), 2);
	free(out);
	assert_int_equal(run_show(&out, "show", "nonsense", NULL), 2);
	free(out);
	assert_int_equal(run_show(&out, "show", "summary", "ipv4", NULL), 2);
	free(out);
	assert_int_equal(run_show(&out, "show", "summary", "--server",
	    "nowhere", NULL), 2);
	free(out);
	/* Port 1 on loopback: nothing listens there. */
	assert_int_equal(run_show(&out, "show", "summary", "--server",
	    "127.0.0.1:1", NULL), 1);
	free(out);
	kill(child, SIGKILL);
	waitpid(child, &status, 0);
	free(resp);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_routes_and_errors, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_head_and_body_dropped,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_ready, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ready_fallback, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_bind_errors, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_show_client, setup,
		    teardown),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests_name("httpd", tests, NULL, NULL);
}
