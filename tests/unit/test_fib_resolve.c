/*
 * test_fib_resolve.c: fib/'s next-hop resolution and interning against a
 * kernel mirror filled by hand, no netlink: connected, recursive, longest
 * match, held reasons, link state, link-local interfaces, ECMP sets.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <net/if.h>
#include <linux/rtnetlink.h>
#include <cmocka.h>

#include "bgp/addr.h"
#include "bgp/log.h"
#include "fib/fib_int.h"

static struct fib *
t_fib(void)
{
	struct fib *fib = calloc(1, sizeof(*fib));

	assert_non_null(fib);
	fib->opts.table = 254;
	fib->opts.protocol = 196;
	htab_init(&fib->ents);
	htab_init(&fib->nhss);
	htab_init(&fib->ress);
	kern_init(fib);
	kern_link(fib, 2, IFF_UP | IFF_RUNNING, "a0", 1);
	kern_link(fib, 3, IFF_UP | IFF_RUNNING, "b0", 1);
	return fib;
}

static void
t_free(struct fib *fib)
{
	ent_free_all(fib);
	htab_free(&fib->nhss);
	assert_int_equal(fib->ress.n, 0);	/* every reference dropped */
	htab_free(&fib->ress);
	kern_free(fib);
	free(fib);
}

/* A route of another protocol: "P dev IF" or "P via GW dev IF". */
static void
t_route(struct fib *fib, const char *p, const char *gw, uint32_t ifindex,
    uint8_t type, int add)
{
	struct fib_route r;
	struct addr a;

	memset(&r, 0, sizeof(r));
	assert_int_equal(prefix_parse(p, &r.pfx), 0);
	r.table = 254;
	r.type = type;
	r.proto = RTPROT_STATIC;
	if (type == RTN_UNICAST) {
		r.n = 1;
		r.gw[0].ifindex = ifindex;
		if (gw != NULL) {
			assert_int_equal(addr_parse(gw, &a), 0);
			r.gw[0].af = a.af;
			memcpy(r.gw[0].a, a.a, 16);
		}
	}
	kern_route(fib, &r, add);
}

static void
t_connected(struct fib *fib)
{
	t_route(fib, "10.0.0.0/24", NULL, 2, RTN_UNICAST, 1);
	t_route(fib, "10.0.1.0/24", NULL, 3, RTN_UNICAST, 1);
	t_route(fib, "2001:db8::/64", NULL, 2, RTN_UNICAST, 1);
}

/* Resolves a comma-separated next-hop list; returns the set. */
static struct fib_nhs *
t_nhs(struct fib *fib, int af, const char *list)
{
	struct bgp_nexthop nh[FIB_MAXNH];
	char buf[256], *tok, *save = NULL, *plus;
	size_t n = 0;

	memset(nh, 0, sizeof(nh));
	snprintf(buf, sizeof(buf), "%s", list);
	for (tok = strtok_r(buf, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save), n++) {
		if ((plus = strchr(tok, '+')) != NULL) {
			*plus++ = '\0';
			assert_int_equal(addr_parse(plus, &nh[n].ll), 0);
		}
		assert_int_equal(addr_parse(tok, &nh[n].addr), 0);
	}
	return nhs_get(fib, af, nh, n);
}

/* The set's resolution as text, or "held: REASON". */
static const char *
t_res(struct fib *fib, int af, const char *list, char *buf, size_t len)
{
	struct fib_nhs *s = t_nhs(fib, af, list);

	resolve_nhs(fib, s);
	if (s->res == NULL)
		snprintf(buf, len, "held: %s", s->why);
	else
		res_fmt(s->res, buf, len);
	/* Unused sets are only freed by unlinking an entry; do it here. */
	htab_del(&fib->nhss, &s->h);
	res_unref(fib, s->res);
	free(s);
	return buf;
}

static const struct {
	const char	*what;
	int		 af;
	const char	*nexthops;
	const char	*want;
} t_cases[] = {
	{ "connected IPv4", AF_INET, "10.0.0.2", "10.0.0.2@2" },
	{ "connected on the other link", AF_INET, "10.0.1.7", "10.0.1.7@3" },
	{ "ECMP over two links, sorted", AF_INET, "10.0.1.2,10.0.0.2",
	    "10.0.0.2@2,10.0.1.2@3" },
	{ "duplicates collapse", AF_INET, "10.0.0.2,10.0.0.2", "10.0.0.2@2" },
	{ "recursive through a static route", AF_INET, "192.0.2.7",
	    "10.0.0.9@2" },
	{ "longest match wins", AF_INET, "192.0.2.200", "10.0.1.8@3" },
	{ "no route", AF_INET, "203.0.113.1",
	    "held: no route to next hop 203.0.113.1" },
	{ "blackhole", AF_INET, "198.51.100.1",
	    "held: next hop 198.51.100.1 resolves to blackhole route "
	    "198.51.100.0/24" },
	{ "one of two unreachable", AF_INET, "203.0.113.1,10.0.0.2",
	    "10.0.0.2@2" },
	{ "IPv6 connected", AF_INET6, "2001:db8::2", "2001:db8::2@2" },
	{ "IPv6 global not connected, link-local given", AF_INET6,
	    "2001:db8:99::1+fe80::2", "fe80::2@3" },
	{ "IPv6 link-local by neighbour", AF_INET6, "fe80::2", "fe80::2@3" },
	{ "IPv6 link-local, nothing known", AF_INET6, "fe80::99",
	    "held: link-local next hop fe80::99: no interface (no neighbour "
	    "entry, no single link-local link)" },
	{ "family mismatch", AF_INET, "2001:db8::2",
	    "held: next hop 2001:db8::2 is of another address family" },
};

static void
test_resolve_table(void **state)
{
	struct fib *fib = t_fib();
	struct addr ll;
	char buf[256];
	size_t i;

	(void)state;
	t_connected(fib);
	t_route(fib, "192.0.2.0/24", "10.0.0.9", 2, RTN_UNICAST, 1);
	t_route(fib, "192.0.2.128/25", "10.0.1.8", 3, RTN_UNICAST, 1);
	t_route(fib, "198.51.100.0/24", NULL, 0, RTN_BLACKHOLE, 1);
	assert_int_equal(addr_parse("fe80::2", &ll), 0);
	kern_neigh(fib, ll.a, 3, 1);
	for (i = 0; i < sizeof(t_cases) / sizeof(t_cases[0]); i++) {
		t_res(fib, t_cases[i].af, t_cases[i].nexthops, buf,
		    sizeof(buf));
		if (strcmp(buf, t_cases[i].want) != 0)
			fail_msg("%s: got \"%s\", want \"%s\"", t_cases[i].what,
			    buf, t_cases[i].want);
	}
	t_free(fib);
}

static void
test_resolve_link_state(void **state)
{
	struct fib *fib = t_fib();
	char buf[256];

	(void)state;
	t_connected(fib);
	t_route(fib, "192.0.2.0/24", "10.0.1.9", 3, RTN_UNICAST, 1);
	t_route(fib, "192.0.0.0/16", "10.0.0.9", 2, RTN_UNICAST, 1);
	assert_string_equal(t_res(fib, AF_INET, "192.0.2.7", buf,
	    sizeof(buf)), "10.0.1.9@3");
	/* b0 down: the /24 through it is unusable, the /16 takes over. */
	kern_link(fib, 3, IFF_UP, "b0", 1);
	assert_string_equal(t_res(fib, AF_INET, "192.0.2.7", buf,
	    sizeof(buf)), "10.0.0.9@2");
	assert_string_equal(t_res(fib, AF_INET, "10.0.1.2", buf, sizeof(buf)),
	    "held: no route to next hop 10.0.1.2");
	kern_link(fib, 3, IFF_UP | IFF_RUNNING, "b0", 1);
	assert_string_equal(t_res(fib, AF_INET, "192.0.2.7", buf,
	    sizeof(buf)), "10.0.1.9@3");
	/* The route goes away: the next shorter one is used. */
	t_route(fib, "192.0.2.0/24", "10.0.1.9", 3, RTN_UNICAST, 0);
	assert_string_equal(t_res(fib, AF_INET, "192.0.2.7", buf,
	    sizeof(buf)), "10.0.0.9@2");
	t_free(fib);
}

static void
test_resolve_single_linklocal_link(void **state)
{
	struct fib *fib = t_fib();
	struct addr mine, other;
	char buf[256];

	(void)state;
	assert_int_equal(addr_parse("fe80::1", &mine), 0);
	assert_int_equal(addr_parse("fe80::5", &other), 0);
	kern_addr6_ll(fib, mine.a, 2, 1);
	assert_string_equal(t_res(fib, AF_INET6, "fe80::7", buf, sizeof(buf)),
	    "fe80::7@2");
	kern_addr6_ll(fib, other.a, 3, 1);	/* now ambiguous */
	assert_non_null(strstr(t_res(fib, AF_INET6, "fe80::7", buf,
	    sizeof(buf)), "held: "));
	kern_link(fib, 3, 0, "b0", 1);		/* b0 down: a0 again */
	assert_string_equal(t_res(fib, AF_INET6, "fe80::7", buf, sizeof(buf)),
	    "fe80::7@2");
	t_free(fib);
}

static void
test_res_interning(void **state)
{
	struct fib *fib = t_fib();
	struct fib_gw a[2], b[2];
	struct fib_res *x, *y, *z;

	(void)state;
	/* Garbage in the padding must not matter. */
	memset(a, 0xa5, sizeof(a));
	memset(b, 0x5a, sizeof(b));
	a[0].ifindex = 2; a[0].af = AF_INET; memset(a[0].a, 0, 16);
	a[0].a[0] = 10; a[0].a[3] = 2;
	a[1].ifindex = 3; a[1].af = AF_INET; memset(a[1].a, 0, 16);
	a[1].a[0] = 10; a[1].a[3] = 3;
	b[0] = a[1];
	b[1] = a[0];
	x = res_intern(fib, a, 2);
	y = res_intern(fib, b, 2);
	assert_ptr_equal(x, y);
	assert_int_equal(x->refs, 2);
	z = res_intern(fib, a, 1);
	assert_ptr_not_equal(z, x);
	assert_int_equal(fib->ress.n, 2);
	res_unref(fib, x);
	res_unref(fib, y);
	res_unref(fib, z);
	t_free(fib);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_resolve_table),
		cmocka_unit_test(test_resolve_link_state),
		cmocka_unit_test(test_resolve_single_linklocal_link),
		cmocka_unit_test(test_res_interning),
	};

	log_init(LOG_ERROR, 0);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
