/*
 * test_model.c: the desired-state value: dup/free, what resets a session,
 * equality, lookups, policy ordering and the community syntax.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "bgp/model.h"

static char **
strv(const char *a, const char *b, size_t *n)
{
	char **v = calloc(2, sizeof(*v));

	*n = 0;
	if (a)
		v[(*n)++] = model_strdup(a);
	if (b)
		v[(*n)++] = model_strdup(b);
	return v;
}

static struct model *
sample(void)
{
	struct model *m = model_new();
	struct model_peer *p;
	struct model_advert *a;
	struct model_policy *pol;

	m->local_endpoint = model_strdup("n1");
	m->local_as = 65001;
	m->router_id = 0x0a000001;
	m->listen_port = 1790;
	addr_parse("10.0.0.1", &m->local_addr);
	m->v4 = 1;
	p = model_add_peer(m);
	p->name = model_strdup("s1");
	p->remote_endpoint = model_strdup("n2");
	addr_parse("10.0.0.1", &p->local_addr);
	addr_parse("10.0.0.2", &p->remote_addr);
	p->remote_port = 179;
	p->remote_as = 65002;
	p->hold_time = 90;
	p->keepalive = 30;
	p->v4 = 1;
	p->import = strv("pa", NULL, &p->nimport);
	p->export = strv("pb", "pc", &p->nexport);
	a = model_add_advert(m);
	a->name = model_strdup("adv");
	a->nprefixes = 1;
	a->prefixes = calloc(1, sizeof(*a->prefixes));
	prefix_parse("192.0.2.0/24", &a->prefixes[0]);
	a->ncommunities = 1;
	a->communities = calloc(1, sizeof(uint32_t));
	a->communities[0] = 65001u << 16 | 100;
	a->nlarge = 1;
	a->large = calloc(1, sizeof(*a->large));
	a->large[0].global = 1;
	a->peers = strv("s1", NULL, &a->npeers);
	pol = model_add_policy(m);
	pol->name = model_strdup("zz");
	pol = model_add_policy(m);
	pol->name = model_strdup("aa");
	pol->type = MODEL_EXPORT;
	pol->nst = 1;
	pol->st = calloc(1, sizeof(*pol->st));
	pol->st[0].nset = 1;
	pol->st[0].set = calloc(1, sizeof(*pol->st[0].set));
	prefix_parse("10.0.0.0/8", &pol->st[0].set[0].pfx);
	pol->st[0].set[0].min = 8;
	pol->st[0].set[0].max = 24;
	model_sort_policies(m);
	return m;
}

static void
test_dup_equal(void **state)
{
	struct model *m = sample(), *d;

	(void)state;
	d = model_dup(m);
	assert_true(model_equal(m, d));
	assert_ptr_not_equal(d->peers[0].name, m->peers[0].name);
	assert_string_equal(d->peers[0].export[1], "pc");
	free(d->adverts[0].peers[0]);
	d->adverts[0].peers[0] = model_strdup("other");
	assert_false(model_equal(m, d));
	assert_false(model_advert_equal(&m->adverts[0], &d->adverts[0]));
	model_free(d);
	d = model_dup(m);
	d->policies[0].st[0].set[0].max = 25;
	assert_false(model_policy_equal(&m->policies[0], &d->policies[0]));
	assert_false(model_equal(m, d));
	model_free(d);
	d = model_dup(m);
	d->peers[0].nexport = 1;	/* the dropped name is still freed */
	assert_false(model_peer_policies_equal(&m->peers[0], &d->peers[0]));
	assert_false(model_peer_needs_reset(&m->peers[0], &d->peers[0]));
	d->peers[0].nexport = 2;
	model_free(d);
	model_free(m);
	model_free(NULL);
}

static void
test_find_sort(void **state)
{
	struct model *m = sample();

	(void)state;
	assert_string_equal(m->policies[0].name, "aa");
	assert_string_equal(m->policies[1].name, "zz");
	assert_non_null(model_find_policy(m, "zz"));
	assert_null(model_find_policy(m, "mm"));
	assert_non_null(model_find_peer(m, "s1"));
	assert_null(model_find_peer(m, "s2"));
	model_free(m);
}

enum field { F_LOCAL, F_REMOTE, F_PORT, F_AS, F_HOLD, F_KA, F_RR,
	F_CLUSTER, F_CLUSTER_NORR, F_MULTIHOP, F_GTSM, F_V4, F_V6, F_PASSIVE,
	F_IMPORT, F_ENDPOINT };

static const struct {
	const char	*what;
	enum field	 f;
	int		 reset;
	int		 same;	/* still model_peer_equal */
} reset_cases[] = {
	{ "local address", F_LOCAL, 1, 0 },
	{ "remote address", F_REMOTE, 1, 0 },
	{ "remote port", F_PORT, 1, 0 },
	{ "remote AS", F_AS, 1, 0 },
	{ "hold time", F_HOLD, 1, 0 },
	{ "keepalive", F_KA, 1, 0 },
	{ "route-reflector client", F_RR, 1, 0 },
	{ "cluster ID of an RR client", F_CLUSTER, 1, 0 },
	{ "cluster ID without RR role", F_CLUSTER_NORR, 0, 1 },
	{ "multihop TTL", F_MULTIHOP, 1, 0 },
	{ "GTSM TTL", F_GTSM, 1, 0 },
	{ "IPv4 family", F_V4, 1, 0 },
	{ "IPv6 family", F_V6, 1, 0 },
	{ "passive", F_PASSIVE, 1, 0 },
	{ "import policies", F_IMPORT, 0, 0 },
	{ "remote endpoint name", F_ENDPOINT, 0, 0 },
};

static void
test_needs_reset(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(reset_cases) / sizeof(reset_cases[0]); i++) {
		struct model *m = sample(), *d = model_dup(m);
		struct model_peer *p = &d->peers[0];

		switch (reset_cases[i].f) {
		case F_LOCAL: p->local_addr.a[3]++; break;
		case F_REMOTE: p->remote_addr.a[3]++; break;
		case F_PORT: p->remote_port++; break;
		case F_AS: p->remote_as++; break;
		case F_HOLD: p->hold_time++; break;
		case F_KA: p->keepalive++; break;
		case F_RR: p->rr_client = 1; break;
		case F_CLUSTER:
			m->peers[0].rr_client = p->rr_client = 1;
			p->cluster_id = 7;
			break;
		case F_CLUSTER_NORR: p->cluster_id = 7; break;
		case F_MULTIHOP: p->multihop_ttl = 2; break;
		case F_GTSM: p->gtsm_ttl = 1; break;
		case F_V4: p->v4 = 0; break;
		case F_V6: p->v6 = 1; break;
		case F_PASSIVE: p->passive = 1; break;
		case F_IMPORT:
			free(p->import[0]);
			p->import[0] = model_strdup("other");
			break;
		case F_ENDPOINT:
			free(p->remote_endpoint);
			p->remote_endpoint = model_strdup("n9");
			break;
		}
		if (model_peer_needs_reset(&m->peers[0], p) !=
		    reset_cases[i].reset)
			fail_msg("%s: needs_reset should be %d",
			    reset_cases[i].what, reset_cases[i].reset);
		if (model_peer_equal(&m->peers[0], p) != reset_cases[i].same)
			fail_msg("%s: peers compare equal", reset_cases[i].what);
		model_free(d);
		model_free(m);
	}
}

static const struct {
	const char	*what;
	const char	*in;
	int		 r;
	uint32_t	 std;
	uint32_t	 g, l1, l2;
} comm_cases[] = {
	{ "standard", "65001:100", 0, 0xfde90064, 0, 0, 0 },
	{ "zero", "0:0", 0, 0, 0, 0, 0 },
	{ "max", "65535:65535", 0, 0xffffffff, 0, 0, 0 },
	{ "no-export", "no-export", 0, 0xffffff01, 0, 0, 0 },
	{ "no-advertise", "no-advertise", 0, 0xffffff02, 0, 0, 0 },
	{ "no-export-subconfed", "no-export-subconfed", 0, 0xffffff03, 0, 0,
	    0 },
	{ "blackhole", "blackhole", 0, 0xffff029a, 0, 0, 0 },
	{ "large", "4200000000:1:2", 1, 0, 4200000000u, 1, 2 },
	{ "large max", "4294967295:4294967295:4294967295", 1, 0, 0xffffffff,
	    0xffffffff, 0xffffffff },
	{ "AS too big", "65536:1", -1, 0, 0, 0, 0 },
	{ "value too big", "1:65536", -1, 0, 0, 0, 0 },
	{ "large too big", "4294967296:1:1", -1, 0, 0, 0, 0 },
	{ "empty half", "1:", -1, 0, 0, 0, 0 },
	{ "no colon", "65001", -1, 0, 0, 0, 0 },
	{ "sign", "-1:1", -1, 0, 0, 0, 0 },
	{ "space", " 1:1", -1, 0, 0, 0, 0 },
	{ "four parts", "1:2:3:4", -1, 0, 0, 0, 0 },
	{ "unknown name", "no-peer", -1, 0, 0, 0, 0 },
	{ "empty", "", -1, 0, 0, 0, 0 },
};

static void
test_community(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(comm_cases) / sizeof(comm_cases[0]); i++) {
		struct model_large l = { 9, 9, 9 };
		uint32_t c = 9;
		int r = model_parse_community(comm_cases[i].in, &c, &l);

		if (r != comm_cases[i].r)
			fail_msg("%s: returned %d", comm_cases[i].what, r);
		if (r == 0 && c != comm_cases[i].std)
			fail_msg("%s: value %08x", comm_cases[i].what, c);
		if (r == 1 && (l.global != comm_cases[i].g ||
		    l.local1 != comm_cases[i].l1 ||
		    l.local2 != comm_cases[i].l2))
			fail_msg("%s: large value", comm_cases[i].what);
	}
	assert_int_equal(model_parse_community(NULL, NULL, NULL), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dup_equal),
		cmocka_unit_test(test_find_sort),
		cmocka_unit_test(test_needs_reset),
		cmocka_unit_test(test_community),
	};

	return cmocka_run_group_tests_name("model", tests, NULL, NULL);
}
