/*
 * test_selector.c: label selectors (every operator, AND semantics, empty
 * selector), SHA-256 vectors, and generated session names (short and
 * hashed).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "kube/kube_int.h"

static const struct {
	const char	*what;
	const char	*selector;	/* JSON */
	const char	*labels;	/* JSON object */
	int		 match;
} match_cases[] = {
	{ "empty selects all", "{}", "{}", 1 },
	{ "empty selects labelled", "{}", "{\"a\":\"1\"}", 1 },
	{ "matchLabels equal", "{\"matchLabels\":{\"a\":\"1\"}}",
	    "{\"a\":\"1\",\"b\":\"2\"}", 1 },
	{ "matchLabels other value", "{\"matchLabels\":{\"a\":\"1\"}}",
	    "{\"a\":\"2\"}", 0 },
	{ "matchLabels missing", "{\"matchLabels\":{\"a\":\"1\"}}", "{}", 0 },
	{ "matchLabels all of them", "{\"matchLabels\":{\"a\":\"1\","
	    "\"b\":\"2\"}}", "{\"a\":\"1\"}", 0 },
	{ "In hit", "{\"matchExpressions\":[{\"key\":\"a\",\"operator\":"
	    "\"In\",\"values\":[\"x\",\"y\"]}]}", "{\"a\":\"y\"}", 1 },
	{ "In miss", "{\"matchExpressions\":[{\"key\":\"a\",\"operator\":"
	    "\"In\",\"values\":[\"x\"]}]}", "{\"a\":\"y\"}", 0 },
	{ "In absent", "{\"matchExpressions\":[{\"key\":\"a\",\"operator\":"
	    "\"In\",\"values\":[\"x\"]}]}", "{}", 0 },
	{ "NotIn hit", "{\"matchExpressions\":[{\"key\":\"a\",\"operator\":"
	    "\"NotIn\",\"values\":[\"x\"]}]}", "{\"a\":\"x\"}", 0 },
	{ "NotIn other", "{\"matchExpressions\":[{\"key\":\"a\",\"operator\":"
	    "\"NotIn\",\"values\":[\"x\"]}]}", "{\"a\":\"y\"}", 1 },
	{ "NotIn absent", "{\"matchExpressions\":[{\"key\":\"a\","
	    "\"operator\":\"NotIn\",\"values\":[\"x\"]}]}", "{}", 1 },
	{ "Exists", "{\"matchExpressions\":[{\"key\":\"a\",\"operator\":"
	    "\"Exists\"}]}", "{\"a\":\"\"}", 1 },
	{ "Exists absent", "{\"matchExpressions\":[{\"key\":\"a\","
	    "\"operator\":\"Exists\"}]}", "{\"b\":\"1\"}", 0 },
	{ "DoesNotExist", "{\"matchExpressions\":[{\"key\":\"a\","
	    "\"operator\":\"DoesNotExist\"}]}", "{\"b\":\"1\"}", 1 },
	{ "DoesNotExist present", "{\"matchExpressions\":[{\"key\":\"a\","
	    "\"operator\":\"DoesNotExist\",\"values\":[]}]}", "{\"a\":\"1\"}",
	    0 },
	{ "labels AND expressions", "{\"matchLabels\":{\"r\":\"node\"},"
	    "\"matchExpressions\":[{\"key\":\"z\",\"operator\":\"In\","
	    "\"values\":[\"a\"]}]}", "{\"r\":\"node\",\"z\":\"b\"}", 0 },
	{ "expressions ANDed", "{\"matchExpressions\":[{\"key\":\"a\","
	    "\"operator\":\"Exists\"},{\"key\":\"b\",\"operator\":"
	    "\"DoesNotExist\"}]}", "{\"a\":\"1\"}", 1 },
};

static json_t *
js(const char *s)
{
	json_error_t je;
	json_t *v = json_loads(s, 0, &je);

	if (v == NULL)
		fail_msg("bad fixture %s: %s", s, je.text);
	return v;
}

static void
test_match(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(match_cases) / sizeof(match_cases[0]); i++) {
		json_t *sj = js(match_cases[i].selector);
		json_t *lj = js(match_cases[i].labels);
		struct selector sel, copy;
		struct labels l;
		struct kerrs e;

		memset(&e, 0, sizeof(e));
		if (selector_parse(sj, "sel", &sel, &e) != 0 ||
		    labels_parse(lj, "labels", &l, &e) != 0)
			fail_msg("%s: does not parse", match_cases[i].what);
		if (selector_match(&sel, &l) != match_cases[i].match)
			fail_msg("%s: match should be %d", match_cases[i].what,
			    match_cases[i].match);
		selector_parse(sj, "sel", &copy, &e);
		assert_true(selector_equal(&sel, &copy));
		selector_free(&copy);
		selector_free(&sel);
		labels_free(&l);
		json_decref(sj);
		json_decref(lj);
	}
}

static const struct {
	const char	*what;
	const char	*selector;
	const char	*field;
} bad_cases[] = {
	{ "not an object", "[1]", "sel" },
	{ "operator case", "{\"matchExpressions\":[{\"key\":\"a\","
	    "\"operator\":\"in\",\"values\":[\"x\"]}]}",
	    "sel.matchExpressions[0].operator" },
	{ "NotIn no values", "{\"matchExpressions\":[{\"key\":\"a\","
	    "\"operator\":\"NotIn\",\"values\":[]}]}",
	    "sel.matchExpressions[0].values" },
	{ "DoesNotExist values", "{\"matchExpressions\":[{\"key\":\"a\","
	    "\"operator\":\"DoesNotExist\",\"values\":[\"x\"]}]}",
	    "sel.matchExpressions[0].values" },
	{ "value not a string", "{\"matchExpressions\":[{\"key\":\"a\","
	    "\"operator\":\"In\",\"values\":[1]}]}",
	    "sel.matchExpressions[0].values[0]" },
	{ "empty key", "{\"matchExpressions\":[{\"key\":\"\","
	    "\"operator\":\"Exists\"}]}", "sel.matchExpressions[0].key" },
	{ "expressions not a list", "{\"matchExpressions\":{}}",
	    "sel.matchExpressions" },
	{ "matchLabels not a map", "{\"matchLabels\":[]}",
	    "sel.matchLabels" },
};

static void
test_bad(void **state)
{
	size_t i, j;

	(void)state;
	for (i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		json_t *sj = js(bad_cases[i].selector);
		struct selector sel;
		struct kerrs e;
		int found = 0;

		memset(&e, 0, sizeof(e));
		if (selector_parse(sj, "sel", &sel, &e) != -1)
			fail_msg("%s: accepted", bad_cases[i].what);
		for (j = 0; j < e.n; j++)
			found |= e.v[j].field &&
			    strcmp(e.v[j].field, bad_cases[i].field) == 0;
		if (!found)
			fail_msg("%s: no error on %s", bad_cases[i].what,
			    bad_cases[i].field);
		assert_int_equal(sel.nreq, 0);
		kerr_clear(&e);
		json_decref(sj);
	}
}

static const struct {
	const char	*what;
	const char	*in;
	size_t		 repeat;
	const char	*hex;
} sha_cases[] = {
	{ "empty", "", 1, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934c"
	    "a495991b7852b855" },
	{ "abc", "abc", 1, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9c"
	    "b410ff61f20015ad" },
	{ "two blocks", "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
	    1, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1" },
	{ "55 bytes: padding fits", "a", 55, "9f4390f8d30c2dd92ec9f095b65e2b9a"
	    "e9b0a925a5258e241c9f1e910f734318" },
	{ "56 bytes: padding spills", "a", 56, "b35439a4ac6f0948b6d6f9e3c6af0f"
	    "5f590ce20f1bde7090ef7970686ec6738a" },
	{ "million a", "a", 1000000, "cdc76e5c9914fb9281a1c7e284d73e67f1809a4"
	    "8a497200e046d39ccc7112cd0" },
};

static void
test_sha256(void **state)
{
	size_t i, j;

	(void)state;
	for (i = 0; i < sizeof(sha_cases) / sizeof(sha_cases[0]); i++) {
		size_t n = strlen(sha_cases[i].in) * sha_cases[i].repeat;
		char *buf = calloc(1, n + 1), hex[65];
		uint8_t h[32];

		for (j = 0; j < sha_cases[i].repeat; j++)
			memcpy(buf + j * strlen(sha_cases[i].in),
			    sha_cases[i].in, strlen(sha_cases[i].in));
		sha256(buf, n, h);
		for (j = 0; j < 32; j++)
			snprintf(hex + 2 * j, 3, "%02x", h[j]);
		if (strcmp(hex, sha_cases[i].hex) != 0)
			fail_msg("%s: %s", sha_cases[i].what, hex);
		free(buf);
	}
}

static void
test_session_names(void **state)
{
	char a[200], b[200], *n, *pair;
	uint8_t h[32];
	char hex[17];
	int i;

	(void)state;
	n = expand_session_name("node-b", "node-a");
	assert_string_equal(n, "session-node-a-node-b");
	free(n);
	n = expand_session_name("node-a", "node-b");
	assert_string_equal(n, "session-node-a-node-b");
	free(n);
	/* 8 + 122 + 1 + 122 = 253: still spelled out. */
	memset(a, 'a', 122);
	a[122] = '\0';
	memset(b, 'b', 122);
	b[122] = '\0';
	n = expand_session_name(a, b);
	assert_int_equal(strlen(n), 253);
	assert_true(kube_name_valid(n));
	free(n);
	/* One more character: hashed. */
	b[122] = 'b';
	b[123] = '\0';
	n = expand_session_name(b, a);
	pair = kube_asprintf("%s-%s", a, b);
	sha256(pair, strlen(pair), h);
	for (i = 0; i < 8; i++)
		snprintf(hex + 2 * i, 3, "%02x", h[i]);
	assert_int_equal(strlen(n), 8 + 16);
	assert_string_equal(n + 8, hex);
	assert_memory_equal(n, "session-", 8);
	free(pair);
	free(n);
}

static const struct {
	const char	*what;
	const char	*name;
	int		 valid;
} name_cases[] = {
	{ "simple", "node-1", 1 },
	{ "dots", "a.b.c", 1 },
	{ "upper case", "Node", 0 },
	{ "underscore", "a_b", 0 },
	{ "leading dash", "-a", 0 },
	{ "trailing dot", "a.", 0 },
	{ "double dot", "a..b", 0 },
	{ "dash dot", "a-.b", 0 },
	{ "empty", "", 0 },
};

static void
test_names(void **state)
{
	char longname[300];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(name_cases) / sizeof(name_cases[0]); i++)
		if (kube_name_valid(name_cases[i].name) != name_cases[i].valid)
			fail_msg("%s", name_cases[i].what);
	memset(longname, 'a', 254);
	longname[254] = '\0';
	assert_false(kube_name_valid(longname));
	longname[253] = '\0';
	assert_true(kube_name_valid(longname));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_match),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_sha256),
		cmocka_unit_test(test_session_names),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests_name("selector", tests, NULL, NULL);
}
