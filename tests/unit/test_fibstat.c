/*
 * test_fibstat.c: the bgp_fib_* metric families from plain values, and the
 * "fib" member of a route when there is no FIB or the route is not for it.
 * (A route's status against a running fib/ is checked in the namespace
 * tests, tests/integration/test_fib_*.py.)
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "fib/fib.h"
#include "metrics/internal.h"

static char *
render(const struct fib_stats *st)
{
	char *s = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&s, &len);

	assert_non_null(f);
	fibstat_collect(f, st);
	fclose(f);
	return s;
}

static void
test_families(void **state)
{
	static const struct {
		const char	*what, *line;
	} want[] = {
		{ "installed", "# TYPE bgp_fib_routes_installed gauge\n"
		    "bgp_fib_routes_installed 7\n" },
		{ "pending", "# TYPE bgp_fib_routes_pending gauge\n"
		    "bgp_fib_routes_pending 2\n" },
		{ "held", "# TYPE bgp_fib_routes_held gauge\n"
		    "bgp_fib_routes_held 3\n" },
		{ "errors", "# TYPE bgp_fib_errors_total counter\n"
		    "bgp_fib_errors_total 4\n" },
		{ "netlink", "# TYPE bgp_fib_netlink_errors_total counter\n"
		    "bgp_fib_netlink_errors_total 5\n" },
		{ "resyncs", "# TYPE bgp_fib_resyncs_total counter\n"
		    "bgp_fib_resyncs_total 6\n" },
		{ "help", "# HELP bgp_fib_routes_installed " },
	};
	struct fib_stats st;
	size_t i;
	char *s, *t;

	(void)state;
	memset(&st, 0, sizeof(st));
	st.installed = 7;
	st.pending = 2;
	st.held = 3;
	st.errors = 4;
	st.netlink_errors = 5;
	st.resyncs = 6;
	st.adopted = 99;
	s = render(&st);
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		if (strstr(s, want[i].line) == NULL)
			fail_msg("%s: no \"%s\" in:\n%s", want[i].what,
			    want[i].line, s);
	/* Six families, nothing else (adopted is not one). */
	for (i = 0, t = s; (t = strstr(t, "# TYPE ")) != NULL; t++)
		i++;
	assert_int_equal(i, 6);
	assert_null(strstr(s, "99"));
	free(s);
}

static void
test_no_fib(void **state)
{
	struct prefix p;
	char *s = NULL, buf[64];
	size_t len = 0;
	FILE *f = open_memstream(&s, &len);

	(void)state;
	fibstat_metrics(f, NULL);
	fclose(f);
	assert_int_equal(len, 0);
	free(s);
	assert_int_equal(prefix_parse("10.0.0.0/8", &p), 0);
	assert_string_equal(fibstat_route(NULL, &p, 1, buf, sizeof(buf)),
	    "n/a");
	assert_string_equal(fibstat_route(NULL, &p, 0, buf, sizeof(buf)),
	    "n/a");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_families),
		cmocka_unit_test(test_no_fib),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
