/*
 * test_prom.c: the Prometheus text writer (escaping, number forms, sample
 * lines), the metric families built from plain query values, and the
 * listen-address parser of the HTTP server.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <cmocka.h>

#include "metrics/internal.h"

/* Run fn(f, arg) into a string the caller frees. */
static char *
capture(void (*fn)(FILE *, const void *), const void *arg)
{
	char *s = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&s, &len);

	assert_non_null(f);
	fn(f, arg);
	fclose(f);
	return s;
}

static void
write_label(FILE *f, const void *arg)
{
	prom_escape_label(f, arg);
}

static void
write_help(FILE *f, const void *arg)
{
	prom_escape_help(f, arg);
}

static void
test_escape(void **state)
{
	static const struct {
		const char	*what, *in, *label, *help;
	} t[] = {
		{ "plain", "a-b1", "a-b1", "a-b1" },
		{ "backslash", "a\\b", "a\\\\b", "a\\\\b" },
		{ "quote", "say \"hi\"", "say \\\"hi\\\"", "say \"hi\"" },
		{ "newline", "one\ntwo", "one\\ntwo", "one\\ntwo" },
		{ "all", "\\\"\n", "\\\\\\\"\\n", "\\\\\"\\n" },
		{ "empty", "", "", "" },
	};
	size_t i;
	char *s;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		s = capture(write_label, t[i].in);
		if (strcmp(s, t[i].label) != 0)
			fail_msg("%s: label %s, want %s", t[i].what, s,
			    t[i].label);
		free(s);
		s = capture(write_help, t[i].in);
		if (strcmp(s, t[i].help) != 0)
			fail_msg("%s: help %s, want %s", t[i].what, s,
			    t[i].help);
		free(s);
	}
}

static void
write_value(FILE *f, const void *arg)
{
	prom_value(f, *(const double *)arg);
}

static void
test_value(void **state)
{
	static const struct {
		const char	*what;
		double		 v;
		const char	*want;
	} t[] = {
		{ "zero", 0, "0" },
		{ "integer", 42, "42" },
		{ "negative", -3, "-3" },
		{ "big counter", 1e15, "1000000000000000" },
		{ "2^53 and up: shortest form", 9007199254740992.0,
		    "9007199254740992" },
		{ "beyond 2^53", 1e300, "1e+300" },
		{ "fraction", 0.5, "0.5" },
		{ "shortest", 0.1, "0.1" },
		{ "cpu seconds", 12.34, "12.34" },
		{ "start time", 1795688525.84, "1795688525.84" },
		{ "tiny", 1e-9, "1e-09" },
		{ "NaN", NAN, "NaN" },
		{ "+Inf", INFINITY, "+Inf" },
		{ "-Inf", -INFINITY, "-Inf" },
	};
	size_t i;
	char *s;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		s = capture(write_value, &t[i].v);
		/* Whatever the form, it must read back as the same value. */
		if (!isnan(t[i].v) && strtod(s, NULL) != t[i].v)
			fail_msg("%s: %s does not read back", t[i].what, s);
		if (strcmp(s, t[i].want) != 0)
			fail_msg("%s: %s, want %s", t[i].what, s, t[i].want);
		free(s);
	}
}

static void
write_samples(FILE *f, const void *arg)
{
	struct prom_label l[2] = { { "session", "a\"b" }, { "afi", "ipv4" } };

	(void)arg;
	prom_family(f, "x_bytes", "gauge", "Bytes.\nMore.");
	prom_sample(f, "x_bytes", NULL, 0, 7);
	prom_sample(f, "x_bytes", l, 2, 1.5);
	prom_sample1(f, "x_bytes", "k", "v", 0);
}

static void
test_sample_lines(void **state)
{
	char *s = capture(write_samples, NULL);

	(void)state;
	assert_string_equal(s,
	    "# HELP x_bytes Bytes.\\nMore.\n"
	    "# TYPE x_bytes gauge\n"
	    "x_bytes 7\n"
	    "x_bytes{session=\"a\\\"b\",afi=\"ipv4\"} 1.5\n"
	    "x_bytes{k=\"v\"} 0\n");
	free(s);
}

/* Number of lines of s that start with prefix. */
static int
count_lines(const char *s, const char *prefix)
{
	const char *p = s;
	int n = 0;

	while (*p != '\0') {
		if (strncmp(p, prefix, strlen(prefix)) == 0)
			n++;
		p = strchr(p, '\n');
		if (p == NULL)
			break;
		p++;
	}
	return n;
}

static int
has_line(const char *s, const char *line)
{
	size_t n = strlen(line);
	const char *p = s;

	while ((p = strstr(p, line)) != NULL) {
		if ((p == s || p[-1] == '\n') && p[n] == '\n')
			return 1;
		p += n;
	}
	return 0;
}

static void
fill_peers(struct bgp_peer_info p[2])
{
	memset(p, 0, 2 * sizeof(p[0]));
	strcpy(p[0].name, "a-bird1");
	p[0].state = BGP_ESTABLISHED;
	p[0].state_since = 1000;
	p[0].flaps = 2;
	p[0].msgs_sent[BGP_MSG_KEEPALIVE] = 5;
	p[0].msgs_rcvd[BGP_MSG_UPDATE] = 3;
	p[0].updates_sent = 4;
	p[0].prefixes_rcvd[0] = 10;
	p[0].prefixes_rcvd[1] = 2;
	p[0].prefixes_sent[1] = 6;
	strcpy(p[1].name, "we\"ird\n");
	p[1].state = BGP_ACTIVE;
	p[1].state_since = 1000;
}

static void
write_peers(FILE *f, const void *arg)
{
	collect_peers(f, arg, 2, 1012);
}

static void
test_peer_families(void **state)
{
	struct bgp_peer_info p[2];
	char *s;

	(void)state;
	fill_peers(p);
	s = capture(write_peers, p);
	/* Six states per session, exactly one of them 1. */
	assert_int_equal(count_lines(s, "bgp_session_state{"), 12);
	assert_true(has_line(s, "bgp_session_state{session=\"a-bird1\","
	    "state=\"Established\"} 1"));
	assert_true(has_line(s, "bgp_session_state{session=\"a-bird1\","
	    "state=\"Idle\"} 0"));
	assert_true(has_line(s, "bgp_session_state{session=\"we\\\"ird\\n\","
	    "state=\"Active\"} 1"));
	assert_true(has_line(s, "bgp_received_prefixes_total{session="
	    "\"a-bird1\"} 12"));
	assert_true(has_line(s, "bgp_received_prefixes{session=\"a-bird1\"} 12"));
	assert_true(has_line(s, "# TYPE bgp_received_prefixes_total gauge"));
	assert_true(has_line(s, "# TYPE bgp_session_flaps_total counter"));
	assert_true(has_line(s, "bgp_session_flaps_total{session=\"a-bird1\"} 2"));
	assert_true(has_line(s, "bgp_messages_sent_total{session=\"a-bird1\","
	    "type=\"keepalive\"} 5"));
	assert_true(has_line(s, "bgp_messages_received_total{session="
	    "\"a-bird1\",type=\"update\"} 3"));
	assert_int_equal(count_lines(s, "bgp_messages_sent_total{"), 10);
	assert_true(has_line(s, "bgp_updates_sent_total{session=\"a-bird1\"} 4"));
	assert_true(has_line(s, "bgp_prefixes_sent{session=\"a-bird1\","
	    "afi=\"ipv6\"} 6"));
	assert_true(has_line(s, "bgp_session_uptime_seconds{session="
	    "\"a-bird1\"} 12"));
	/* Not Established: no uptime, whatever state_since says. */
	assert_true(has_line(s, "bgp_session_uptime_seconds{session="
	    "\"we\\\"ird\\n\"} 0"));
	free(s);
}

static void
write_no_peers(FILE *f, const void *arg)
{
	(void)arg;
	collect_peers(f, NULL, 0, 0);
}

static void
test_families_without_peers(void **state)
{
	char *s = capture(write_no_peers, NULL);

	(void)state;
	/* Every family is announced even before the first peer. */
	assert_true(has_line(s, "# TYPE bgp_session_state gauge"));
	assert_true(has_line(s, "# TYPE bgp_messages_sent_total counter"));
	assert_int_equal(count_lines(s, "# HELP "), count_lines(s, "# TYPE "));
	assert_int_equal(count_lines(s, "bgp_"), 0);
	free(s);
}

struct adv_case {
	json_t				*k;
	const struct bgp_advert_info	*a;
	size_t				 n;
};

static void
write_adverts(FILE *f, const void *arg)
{
	const struct adv_case *c = arg;

	collect_adverts(f, c->k, c->a, c->n);
	collect_policies(f, c->k);
}

static void
test_advert_and_policy_families(void **state)
{
	struct bgp_advert_info a[2];
	struct adv_case c;
	char *s;

	(void)state;
	memset(a, 0, sizeof(a));
	strcpy(a[0].name, "svc");
	a[0].nprefixes = 3;
	strcpy(a[1].name, "bgp-only");
	a[1].nprefixes = 1;
	c.k = json_loads("[{\"name\":\"svc\",\"conditions\":[{\"type\":"
	    "\"Accepted\",\"status\":\"True\"}]},{\"name\":\"idle\","
	    "\"conditions\":[{\"type\":\"Accepted\",\"status\":\"False\"}]}]",
	    0, NULL);
	assert_non_null(c.k);
	c.a = a;
	c.n = 2;
	s = capture(write_adverts, &c);
	assert_true(has_line(s, "bgp_advertised_prefixes_total{advertisement="
	    "\"svc\"} 3"));
	assert_true(has_line(s, "bgp_advertised_prefixes{advertisement="
	    "\"svc\"} 3"));
	assert_true(has_line(s, "bgp_advertised_prefixes{advertisement="
	    "\"idle\"} 0"));
	assert_true(has_line(s, "bgp_advertised_prefixes{advertisement="
	    "\"bgp-only\"} 1"));
	assert_true(has_line(s, "bgp_route_policies_applied{policy=\"svc\"} 1"));
	assert_true(has_line(s, "bgp_route_policies_applied{policy=\"idle\"} 0"));
	json_decref(c.k);
	free(s);
}

static void
write_rest(FILE *f, const void *arg)
{
	const struct bgp_summary *sum = arg;
	struct proc_stats ps;

	collect_summary(f, sum);
	collect_build(f);
	assert_int_equal(proc_read(&ps), 0);
	collect_process(f, &ps);
}

static void
test_summary_and_process(void **state)
{
	struct bgp_summary sum;
	struct proc_stats ps;
	char *s;

	(void)state;
	memset(&sum, 0, sizeof(sum));
	sum.routes[0] = 3;
	sum.routes[1] = 1;
	sum.paths[0] = 4;
	sum.attr_sets = 2;
	sum.mem_bytes = 4096;
	s = capture(write_rest, &sum);
	assert_true(has_line(s, "bgp_rib_routes{afi=\"ipv4\"} 3"));
	assert_true(has_line(s, "bgp_rib_routes{afi=\"ipv6\"} 1"));
	assert_true(has_line(s, "bgp_rib_paths{afi=\"ipv4\"} 4"));
	assert_true(has_line(s, "bgp_rib_attribute_sets 2"));
	assert_true(has_line(s, "bgp_rib_memory_bytes 4096"));
	assert_int_equal(count_lines(s, "bgpd_build_info{version=\""), 1);
	assert_int_equal(count_lines(s, "process_resident_memory_bytes "), 1);
	assert_int_equal(count_lines(s, "process_open_fds "), 1);
	free(s);
	assert_int_equal(proc_read(&ps), 0);
	assert_true(ps.rss_bytes > 0);
	assert_true(ps.vsize_bytes >= ps.rss_bytes);
	assert_true(ps.open_fds >= 3);	/* stdin, stdout, stderr */
	assert_true(ps.max_fds >= ps.open_fds);
	assert_true(ps.start_time > 1.5e9);
}

static void
test_hostport(void **state)
{
	static const struct {
		const char	*what, *in;
		int		 rc;
		const char	*host;
		uint16_t	 port;
	} t[] = {
		{ "v4", "127.0.0.1:8082", 0, "127.0.0.1", 8082 },
		{ "wildcard", ":8083", 0, "", 8083 },
		{ "v6", "[::1]:9000", 0, "::1", 9000 },
		{ "v6 full", "[fd00::1:2]:1", 0, "fd00::1:2", 1 },
		{ "name", "localhost:80", 0, "localhost", 80 },
		{ "port 0", "127.0.0.1:0", 0, "127.0.0.1", 0 },
		{ "max port", ":65535", 0, "", 65535 },
		{ "port too big", ":65536", -1, NULL, 0 },
		{ "long port", ":000080", -1, NULL, 0 },
		{ "no port", "127.0.0.1:", -1, NULL, 0 },
		{ "no colon", "127.0.0.1", -1, NULL, 0 },
		{ "bare v6", "::1:8082", -1, NULL, 0 },
		{ "v6 no port", "[::1]", -1, NULL, 0 },
		{ "v6 no colon", "[::1]8082", -1, NULL, 0 },
		{ "empty brackets", "[]:80", -1, NULL, 0 },
		{ "brackets not v6", "[host]:80", -1, NULL, 0 },
		{ "sign", ":-1", -1, NULL, 0 },
		{ "letters", ":80a", -1, NULL, 0 },
		{ "empty", "", -1, NULL, 0 },
	};
	char host[HOSTPORT_HOSTLEN];
	uint16_t port;
	size_t i;
	int rc;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		port = 1234;
		rc = hostport_split(t[i].in, host, sizeof(host), &port);
		if (rc != t[i].rc)
			fail_msg("%s: rc %d, want %d", t[i].what, rc, t[i].rc);
		if (rc == 0 && (strcmp(host, t[i].host) != 0 ||
		    port != t[i].port))
			fail_msg("%s: %s %u, want %s %u", t[i].what, host, port,
			    t[i].host, t[i].port);
	}
	assert_int_equal(hostport_split(NULL, host, sizeof(host), &port), -1);
}

static void
test_hostport_resolve(void **state)
{
	struct sockaddr_storage ss;
	socklen_t len;
	char err[160];
	int dual;

	(void)state;
	assert_int_equal(hostport_resolve(":8082", &ss, &len, &dual, err,
	    sizeof(err)), 0);
	assert_int_equal(ss.ss_family, AF_INET6);
	assert_int_equal(dual, 1);
	assert_int_equal(ntohs(((struct sockaddr_in6 *)&ss)->sin6_port), 8082);
	assert_int_equal(hostport_resolve("127.0.0.1:80", &ss, &len, &dual,
	    err, sizeof(err)), 0);
	assert_int_equal(ss.ss_family, AF_INET);
	assert_int_equal(dual, 0);
	assert_int_equal(hostport_resolve("[::1]:80", &ss, &len, &dual, err,
	    sizeof(err)), 0);
	assert_int_equal(ss.ss_family, AF_INET6);
	assert_int_equal(hostport_resolve("x:y", &ss, &len, &dual, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "x:y"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_value),
		cmocka_unit_test(test_sample_lines),
		cmocka_unit_test(test_peer_families),
		cmocka_unit_test(test_families_without_peers),
		cmocka_unit_test(test_advert_and_policy_families),
		cmocka_unit_test(test_summary_and_process),
		cmocka_unit_test(test_hostport),
		cmocka_unit_test(test_hostport_resolve),
	};

	return cmocka_run_group_tests_name("prom", tests, NULL, NULL);
}
