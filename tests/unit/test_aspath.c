/*
 * test_aspath.c: the AS_PATH helpers on 4-octet wire-form paths, as
 * tables: validity, decision length, neighbor AS, membership, prepend and
 * flatten.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "bgp/attr.h"

#define A(x)	(uint8_t)((x) >> 24), (uint8_t)((x) >> 16), \
		(uint8_t)((x) >> 8), (uint8_t)(x)

/*
 * Malformed rows check that the helpers other than aspath_valid() still
 * stop inside the buffer: a segment of unknown type is read but counts
 * nowhere, a truncated one ends the walk.
 */
struct path_vec {
	const char	*what;
	uint8_t		 p[40];
	size_t		 len;
	int		 valid;		/* aspath_valid() == 0 */
	unsigned	 length;
	uint32_t	 neighbor;
	uint32_t	 flat[8];
	size_t		 nflat;
};

static const struct path_vec paths[] = {
	{ "empty", { 0 }, 0, 1, 0, 0, { 0 }, 0 },
	{ "one sequence", { AS_SEQUENCE, 3, A(65001), A(65002), A(4200000000u) },
	  14, 1, 3, 65001, { 65001, 65002, 4200000000u }, 3 },
	{ "set counts once", { AS_SEQUENCE, 1, A(1), AS_SET, 3, A(7), A(8),
	  A(9) }, 20, 1, 2, 1, { 1, 7, 8, 9 }, 4 },
	{ "set first: neighbor is the first sequence", { AS_SET, 2, A(5),
	  A(6), AS_SEQUENCE, 1, A(3) }, 16, 1, 2, 3, { 5, 6, 3 }, 3 },
	{ "confed segments count zero", { AS_CONFED_SEQUENCE, 2, A(64512),
	  A(64513), AS_CONFED_SET, 1, A(64514), AS_SEQUENCE, 1, A(10) }, 22,
	  1, 1, 10, { 64512, 64513, 64514, 10 }, 4 },
	{ "only a set", { AS_SET, 2, A(5), A(6) }, 10, 1, 1, 0, { 5, 6 }, 2 },
	{ "bad type 0", { 0, 1, A(1) }, 6, 0, 0, 0, { 1 }, 1 },
	{ "bad type 5", { 5, 1, A(1) }, 6, 0, 0, 0, { 1 }, 1 },
	{ "zero count", { AS_SEQUENCE, 0 }, 2, 0, 0, 0, { 0 }, 0 },
	{ "truncated segment", { AS_SEQUENCE, 2, A(1), 0, 0 }, 8, 0, 0, 0,
	  { 0 }, 0 },
	{ "lone type octet", { AS_SEQUENCE, 1, A(1), AS_SEQUENCE }, 7, 0, 1,
	  1, { 1 }, 1 },
};

static void
test_paths(void **state)
{
	uint32_t flat[8];
	size_t i, j, n;

	(void)state;
	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		const struct path_vec *v = &paths[i];

		if ((aspath_valid(v->p, v->len) == 0) != v->valid)
			fail_msg("%s: validity", v->what);
		if (aspath_length(v->p, v->len) != v->length)
			fail_msg("%s: length %u", v->what,
			    aspath_length(v->p, v->len));
		if (aspath_neighbor_as(v->p, v->len) != v->neighbor)
			fail_msg("%s: neighbor %u", v->what,
			    aspath_neighbor_as(v->p, v->len));
		n = aspath_flatten(v->p, v->len, flat, 8);
		if (n != v->nflat || memcmp(flat, v->flat, n * 4) != 0)
			fail_msg("%s: flatten", v->what);
		for (j = 0; j < v->nflat; j++)
			if (!aspath_contains(v->p, v->len, v->flat[j]))
				fail_msg("%s: contains %u", v->what,
				    v->flat[j]);
		if (aspath_contains(v->p, v->len, 99))
			fail_msg("%s: contains 99", v->what);
	}
	/* Flatten never writes past cap. */
	n = aspath_flatten(paths[1].p, paths[1].len, flat, 2);
	assert_int_equal(n, 2);
}

static const struct {
	const char	*what;
	uint8_t		 in[24];
	size_t		 inlen;
	uint32_t	 as;
	size_t		 cap;
	int		 outlen;
	uint8_t		 out[32];
} prepends[] = {
	{ "empty path gets a segment", { 0 }, 0, 65000, 64, 6,
	  { AS_SEQUENCE, 1, A(65000) } },
	{ "leading sequence is extended", { AS_SEQUENCE, 1, A(2) }, 6, 1, 64,
	  10, { AS_SEQUENCE, 2, A(1), A(2) } },
	{ "leading set gets a segment", { AS_SET, 1, A(2) }, 6, 1, 64, 12,
	  { AS_SEQUENCE, 1, A(1), AS_SET, 1, A(2) } },
	{ "leading confed gets a segment", { AS_CONFED_SEQUENCE, 1, A(2) }, 6,
	  1, 64, 12, { AS_SEQUENCE, 1, A(1), AS_CONFED_SEQUENCE, 1, A(2) } },
	{ "no room", { AS_SEQUENCE, 1, A(2) }, 6, 1, 9, -1, { 0 } },
	{ "exactly room", { AS_SEQUENCE, 1, A(2) }, 6, 1, 10, 10,
	  { AS_SEQUENCE, 2, A(1), A(2) } },
};

static void
test_prepend(void **state)
{
	uint8_t out[64], full[2 + 255 * 4];
	size_t i;
	int n;

	(void)state;
	for (i = 0; i < sizeof(prepends) / sizeof(prepends[0]); i++) {
		n = aspath_prepend(prepends[i].in, prepends[i].inlen,
		    prepends[i].as, out, prepends[i].cap);
		if (n != prepends[i].outlen)
			fail_msg("%s: length %d", prepends[i].what, n);
		if (n > 0 && memcmp(out, prepends[i].out, (size_t)n) != 0)
			fail_msg("%s: bytes", prepends[i].what);
		if (n > 0 && aspath_valid(out, (size_t)n) != 0)
			fail_msg("%s: result invalid", prepends[i].what);
	}
	/* A full 255-ASN sequence is not extended: a new segment goes first. */
	{
		static uint8_t big[2 + 6 + 255 * 4];

		memset(full, 0, sizeof(full));
		full[0] = AS_SEQUENCE;
		full[1] = 255;
		n = aspath_prepend(full, sizeof(full), 7, big, sizeof(big));
		assert_int_equal(n, (int)sizeof(big));
		assert_int_equal(big[0], AS_SEQUENCE);
		assert_int_equal(big[1], 1);
		assert_int_equal(big[6], AS_SEQUENCE);
		assert_int_equal(big[7], 255);
		assert_int_equal(aspath_length(big, sizeof(big)), 256);
		assert_int_equal(aspath_neighbor_as(big, sizeof(big)), 7);
	}
	/* In place: out may be the input buffer. */
	memcpy(out, prepends[1].in, prepends[1].inlen);
	n = aspath_prepend(out, prepends[1].inlen, 1, out, sizeof(out));
	assert_int_equal(n, 10);
	assert_memory_equal(out, prepends[1].out, 10);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_paths),
		cmocka_unit_test(test_prepend),
	};

	return cmocka_run_group_tests_name("aspath", tests, NULL, NULL);
}
