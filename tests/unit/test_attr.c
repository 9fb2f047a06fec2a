/*
 * test_attr.c: attribute interning (equal sets share one pointer, counts
 * and bytes return to zero, absent scalars do not split sets, the table
 * grows and shrinks) and the community helpers.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "bgp/attr.h"

static const uint8_t path_a[] = { AS_SEQUENCE, 2, 0, 0, 0xfd, 0xe8,
    0, 0, 0xfd, 0xe9 };			/* 65000 65001 */
static const uint8_t path_b[] = { AS_SEQUENCE, 2, 0, 0, 0xfd, 0xe8,
    0, 0, 0xfd, 0xea };			/* 65000 65002 */
static const uint32_t comms[] = { 0xfde80001, 0xfde80002, COMM_NO_EXPORT };
static const uint32_t large[] = { 65000, 1, 2, 65000, 3, 4 };
static const uint32_t clusters[] = { 0x01020304 };
static const uint8_t ext[] = { 0, 2, 0xfd, 0xe8, 0, 0, 0, 1 };
static const uint8_t unknown[] = { 0xe0, 99, 2, 0xab, 0xcd };

static struct attrs
base(void)
{
	struct attrs a;

	memset(&a, 0, sizeof(a));
	a.present = ATTR_P(ATTR_ORIGIN) | ATTR_P(ATTR_AS_PATH) |
	    ATTR_P(ATTR_NEXT_HOP);
	a.origin = ORIGIN_IGP;
	a.aspath = path_a;
	a.aspath_len = sizeof(path_a);
	a.nexthop.af = AF_INET;
	a.nexthop.a[0] = 192;
	a.nexthop.a[3] = 1;
	return a;
}

static struct attrs
full(void)
{
	struct attrs a = base();

	a.present |= ATTR_P(ATTR_MED) | ATTR_P(ATTR_LOCAL_PREF) |
	    ATTR_P(ATTR_COMMUNITIES) | ATTR_P(ATTR_CLUSTER_LIST) |
	    ATTR_P(ATTR_EXT_COMMUNITIES) | ATTR_P_LARGE |
	    ATTR_P(ATTR_ORIGINATOR_ID);
	a.med = 10;
	a.local_pref = 200;
	a.communities = comms;
	a.ncommunities = 3;
	a.large = large;
	a.nlarge = 2;
	a.clusters = clusters;
	a.nclusters = 1;
	a.ext = ext;
	a.next = 1;
	a.originator_id = 0x0a000001;
	a.unknown = unknown;
	a.unknown_len = sizeof(unknown);
	return a;
}

static void
test_share(void **state)
{
	struct attrs s = full(), t = full(), *x, *y;
	uint8_t copy[sizeof(path_a)];

	(void)state;
	attr_init();
	x = attr_intern(&s);
	/* Same contents from different memory: the same set. */
	memcpy(copy, path_a, sizeof(copy));
	t.aspath = copy;
	y = attr_intern(&t);
	assert_ptr_equal(x, y);
	assert_int_equal(x->refcnt, 2);
	assert_int_equal(attr_count(), 1);
	/* The interned set owns copies of every variable part. */
	assert_ptr_not_equal(x->aspath, path_a);
	assert_ptr_not_equal(x->communities, comms);
	assert_memory_equal(x->aspath, path_a, sizeof(path_a));
	assert_memory_equal(x->large, large, sizeof(large));
	assert_memory_equal(x->unknown, unknown, sizeof(unknown));
	assert_memory_equal(x->ext, ext, sizeof(ext));
	assert_int_equal(x->clusters[0], clusters[0]);
	assert_true(attr_equal(x, &s));
	assert_true(attr_bytes() > sizeof(struct attrs));
	attr_unref(y);
	assert_int_equal(attr_count(), 1);
	assert_ptr_equal(attr_ref(x), x);
	attr_unref(x);
	attr_unref(x);
	assert_int_equal(attr_count(), 0);
	attr_shutdown();
	assert_int_equal(attr_bytes(), 0);
}

/* Each row changes one field of full(): it must be a different set. */
enum change {
	CH_ORIGIN, CH_PATH, CH_PATH_SHORT, CH_NEXTHOP, CH_NEXTHOP_LL, CH_MED,
	CH_MED_ABSENT, CH_LOCAL_PREF, CH_ATOMIC, CH_AGGREGATOR, CH_FEWER_COMMS,
	CH_OTHER_COMMS, CH_NO_EXT, CH_FEWER_LARGE, CH_OTHER_LARGE,
	CH_ORIGINATOR, CH_NO_CLUSTERS, CH_NO_UNKNOWN
};

static const struct {
	const char	*what;
	enum change	 change;
} differ[] = {
	{ "origin", CH_ORIGIN },
	{ "as path", CH_PATH },
	{ "shorter as path", CH_PATH_SHORT },
	{ "next hop", CH_NEXTHOP },
	{ "link-local next hop", CH_NEXTHOP_LL },
	{ "med", CH_MED },
	{ "med absent", CH_MED_ABSENT },
	{ "local pref", CH_LOCAL_PREF },
	{ "atomic aggregate", CH_ATOMIC },
	{ "aggregator", CH_AGGREGATOR },
	{ "fewer communities", CH_FEWER_COMMS },
	{ "other communities", CH_OTHER_COMMS },
	{ "no ext communities", CH_NO_EXT },
	{ "fewer large communities", CH_FEWER_LARGE },
	{ "other large communities", CH_OTHER_LARGE },
	{ "originator", CH_ORIGINATOR },
	{ "no clusters", CH_NO_CLUSTERS },
	{ "no unknown", CH_NO_UNKNOWN },
};

static void
apply(struct attrs *a, enum change c)
{
	switch (c) {
	case CH_ORIGIN:		a->origin = ORIGIN_INCOMPLETE; break;
	case CH_PATH:		a->aspath = path_b; break;
	case CH_PATH_SHORT:	a->aspath_len = 6; break;
	case CH_NEXTHOP:	a->nexthop.a[3] = 2; break;
	case CH_NEXTHOP_LL:	a->nexthop_ll.af = AF_INET6; break;
	case CH_MED:		a->med = 11; break;
	case CH_MED_ABSENT:	a->present &= ~ATTR_P(ATTR_MED); break;
	case CH_LOCAL_PREF:	a->local_pref = 100; break;
	case CH_ATOMIC:	a->present |= ATTR_P(ATTR_ATOMIC_AGGREGATE); break;
	case CH_AGGREGATOR:
		a->present |= ATTR_P(ATTR_AGGREGATOR);
		a->aggr_as = 1;
		break;
	case CH_FEWER_COMMS:	a->ncommunities = 2; break;
	case CH_OTHER_COMMS:
		a->communities = comms + 1;
		a->ncommunities = 2;
		break;
	case CH_NO_EXT:		a->next = 0; break;
	case CH_FEWER_LARGE:	a->nlarge = 1; break;
	case CH_OTHER_LARGE:
		a->large = large + 3;
		a->nlarge = 1;
		break;
	case CH_ORIGINATOR:	a->originator_id = 7; break;
	case CH_NO_CLUSTERS:	a->nclusters = 0; break;
	case CH_NO_UNKNOWN:	a->unknown_len = 0; break;
	}
}

static void
test_differ(void **state)
{
	struct attrs s = full(), t, *x, *y;
	size_t i;

	(void)state;
	x = attr_intern(&s);
	for (i = 0; i < sizeof(differ) / sizeof(differ[0]); i++) {
		t = full();
		apply(&t, differ[i].change);
		if (attr_equal(&s, &t))
			fail_msg("%s: scratch sets compare equal",
			    differ[i].what);
		y = attr_intern(&t);
		if (x == y)
			fail_msg("%s: interned to the same set", differ[i].what);
		assert_int_equal(attr_count(), 2);
		attr_unref(y);
	}
	attr_unref(x);
	assert_int_equal(attr_count(), 0);
	attr_shutdown();
}

/* Absent scalars and unused pointers do not split sets. */
static void
test_canonical(void **state)
{
	struct attrs s = base(), t = base(), *x, *y;

	(void)state;
	t.med = 55;			/* MED absent: ignored */
	t.local_pref = 7;
	t.originator_id = 9;
	t.aggr_as = 3;
	t.communities = comms;		/* count 0: ignored */
	x = attr_intern(&s);
	y = attr_intern(&t);
	assert_ptr_equal(x, y);
	assert_int_equal(x->med, 0);
	assert_null(x->communities);
	assert_true(attr_equal(&s, &t));
	attr_unref(x);
	attr_unref(y);
	attr_shutdown();
}

/* Many distinct sets: the table grows, every lookup still finds its set. */
static void
test_many(void **state)
{
	enum { N = 20000 };
	static struct attrs *held[N];
	struct attrs s;
	size_t i;

	(void)state;
	for (i = 0; i < N; i++) {
		s = base();
		s.present |= ATTR_P(ATTR_MED);
		s.med = (uint32_t)i;
		held[i] = attr_intern(&s);
	}
	assert_int_equal(attr_count(), N);
	for (i = 0; i < N; i++) {
		s = base();
		s.present |= ATTR_P(ATTR_MED);
		s.med = (uint32_t)i;
		assert_ptr_equal(attr_intern(&s), held[i]);
		assert_int_equal(held[i]->refcnt, 2);
		attr_unref(held[i]);
	}
	for (i = 0; i < N; i++)
		attr_unref(held[i]);
	assert_int_equal(attr_count(), 0);
	attr_shutdown();
}

static void
test_community(void **state)
{
	static const struct {
		const char	*what;
		uint32_t	 c;
		const char	*text;
		int		 in_comms;
	} rows[] = {
		{ "plain", 0xfde80001, "65000:1", 1 },
		{ "plain absent", 0xfde80003, "65000:3", 0 },
		{ "no-export", COMM_NO_EXPORT, "no-export", 1 },
		{ "no-advertise", COMM_NO_ADVERTISE, "no-advertise", 0 },
		{ "no-export-subconfed", COMM_NO_EXPORT_SUBCONFED,
		  "no-export-subconfed", 0 },
		{ "blackhole", COMM_BLACKHOLE, "blackhole", 0 },
		{ "zero", 0, "0:0", 0 },
		{ "max", 0xfffffffe, "65535:65534", 0 },
	};
	struct attrs s = full(), none = base();
	char buf[32];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		if (strcmp(community_fmt(rows[i].c, buf, sizeof(buf)),
		    rows[i].text) != 0)
			fail_msg("%s: formatted %s", rows[i].what, buf);
		if (community_has(&s, rows[i].c) != rows[i].in_comms)
			fail_msg("%s: community_has wrong", rows[i].what);
		assert_false(community_has(&none, rows[i].c));
	}
}

/* A reference dropped that was never taken: refcnt 0. */
static void
underflow(void)
{
	struct attrs s = base();

	attr_unref(&s);
}

static void
balanced(void)
{
	struct attrs s = base(), *x = attr_intern(&s);

	attr_unref(x);
	attr_shutdown();
}

static void
left_over(void)
{
	struct attrs s = base();

	attr_intern(&s);
	attr_shutdown();
}

/* Runs fn in a child with stderr discarded; 1 when it aborted. */
static int
aborts(void (*fn)(void))
{
	pid_t pid;
	int st, fd;

	if ((pid = fork()) == 0) {
		if ((fd = open("/dev/null", O_WRONLY)) >= 0)
			dup2(fd, 2);
		fn();
		_exit(0);
	}
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	return WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT;
}

static void
test_fatal(void **state)
{
	(void)state;
	assert_false(aborts(balanced));
	assert_true(aborts(left_over));
	assert_true(aborts(underflow));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_share),
		cmocka_unit_test(test_differ),
		cmocka_unit_test(test_canonical),
		cmocka_unit_test(test_many),
		cmocka_unit_test(test_community),
		cmocka_unit_test(test_fatal),
	};

	return cmocka_run_group_tests_name("attr", tests, NULL, NULL);
}
