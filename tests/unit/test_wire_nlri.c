/*
 * test_wire_nlri.c: NLRI prefixes (RFC 4271 4.3, RFC 4760 5) and AFIs.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "bgp/wire.h"

struct nlri_case {
	const char	*what;
	int		 af;
	uint8_t		 in[20];
	size_t		 len;
	int		 ret;		/* of the first wire_nlri_next() */
	const char	*want;		/* the prefix, when ret is 1 */
};

#define IN(...)		.in = { __VA_ARGS__ }, \
			.len = sizeof((uint8_t[]){ __VA_ARGS__ })

static const struct nlri_case cases[] = {
	{ "empty field", AF_INET, .len = 0, .ret = 0 },
	{ "default route", AF_INET, IN(0), 1, "0.0.0.0/0" },
	{ "a /24", AF_INET, IN(24, 192, 0, 2), 1, "192.0.2.0/24" },
	{ "a /32", AF_INET, IN(32, 192, 0, 2, 1), 1, "192.0.2.1/32" },
	{ "host bits cleared", AF_INET, IN(23, 192, 0, 3), 1,
	  "192.0.2.0/23" },
	{ "host bits cleared, /1", AF_INET, IN(1, 0xff), 1, "128.0.0.0/1" },
	{ "length 33", AF_INET, IN(33, 1, 2, 3, 4, 5), -1, NULL },
	{ "truncated", AF_INET, IN(24, 192, 0), -1, NULL },
	{ "length byte only", AF_INET, IN(8), -1, NULL },
	{ "IPv6 /32", AF_INET6, IN(32, 0x20, 0x01, 0x0d, 0xb8), 1,
	  "2001:db8::/32" },
	{ "IPv6 /128", AF_INET6, IN(128, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
	  0, 0, 0, 0, 0, 0, 0, 1), 1, "2001:db8::1/128" },
	{ "IPv6 host bits", AF_INET6, IN(33, 0x20, 0x01, 0x0d, 0xb8, 0xff),
	  1, "2001:db8:8000::/33" },
	{ "IPv6 length 129", AF_INET6, IN(129, 0), -1, NULL },
	{ "unknown family", 0, IN(8, 10), -1, NULL },
};

static void
test_nlri_cases(void **state)
{
	const struct nlri_case *t;
	struct prefix p, want;
	char buf[PREFIX_STRLEN];
	struct cur c;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		t = &cases[i];
		print_message("nlri: %s\n", t->what);
		cur_init(&c, t->in, t->len);
		assert_int_equal(wire_nlri_next(&c, t->af, &p), t->ret);
		if (t->ret != 1)
			continue;
		assert_int_equal(prefix_parse(t->want, &want), 0);
		assert_string_equal(prefix_fmt(&p, buf, sizeof(buf)), t->want);
		assert_memory_equal(&p, &want, sizeof(p));
		assert_int_equal(cur_left(&c), 0);
		assert_int_equal(wire_nlri_next(&c, t->af, &p), 0);
	}
}

static void
test_nlri_roundtrip(void **state)
{
	static const char *const pfx[] = { "0.0.0.0/0", "10.0.0.0/8",
	    "192.0.2.128/25", "198.51.100.7/32", "::/0", "2001:db8::/29",
	    "2001:db8:1:2::/64", "2001:db8::1/128" };
	uint8_t buf[256];
	struct prefix p, q;
	struct wbuf w;
	struct cur c;
	size_t i, total = 0;

	(void)state;
	wbuf_fixed(&w, buf, sizeof(buf));
	for (i = 0; i < sizeof(pfx) / sizeof(pfx[0]); i++) {
		assert_int_equal(prefix_parse(pfx[i], &p), 0);
		assert_int_equal(wire_nlri_encode(&w, &p), 0);
		total += wire_nlri_len(&p);
		assert_int_equal(w.len, total);
	}
	cur_init(&c, buf, w.len);
	for (i = 0; i < sizeof(pfx) / sizeof(pfx[0]); i++) {
		assert_int_equal(prefix_parse(pfx[i], &p), 0);
		assert_int_equal(wire_nlri_next(&c, p.af, &q), 1);
		assert_memory_equal(&p, &q, sizeof(p));
	}
	assert_int_equal(cur_left(&c), 0);
	assert_int_equal(wire_afi_to_af(AFI_IPV4), AF_INET);
	assert_int_equal(wire_afi_to_af(AFI_IPV6), AF_INET6);
	assert_int_equal(wire_afi_to_af(3), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nlri_cases),
		cmocka_unit_test(test_nlri_roundtrip),
	};

	return cmocka_run_group_tests_name("wire_nlri", tests, NULL, NULL);
}
