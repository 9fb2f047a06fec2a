/*
 * test_kubeconfig.c: kubeconfig parsing (current-context, inline and file
 * credentials, relative paths, insecure-skip-tls-verify, broken files),
 * base64, the in-cluster service account and token re-reading.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "kube/kube_int.h"

static char tmpdir[] = "/tmp/test_kubeconfig.XXXXXX";

static void
put(const char *name, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	assert_non_null(f = fopen(path, "w"));
	fputs(text, f);
	fclose(f);
}

static const char two_contexts[] =
    "apiVersion: v1\n"
    "kind: Config\n"
    "current-context: second\n"
    "clusters:\n"
    "- name: one\n"
    "  cluster: {server: 'https://one:1'}\n"
    "- name: two\n"
    "  cluster:\n"
    "    server: https://10.0.0.1:6443/\n"
    "    certificate-authority-data: LS0tQ0EtLS0=\n"
    "contexts:\n"
    "- name: first\n"
    "  context: {cluster: one, user: u1}\n"
    "- name: second\n"
    "  context: {cluster: two, user: u2}\n"
    "users:\n"
    "- name: u1\n"
    "  user: {token: wrong}\n"
    "- name: u2\n"
    "  user:\n"
    "    token: abc.def\n"
    "    client-certificate-data: Q0VSVA==\n"
    "    client-key-data: S0VZ\n";

static void
test_current_context(void **state)
{
	struct kubeconfig kc;
	char err[256];

	(void)state;
	assert_int_equal(kubeconfig_parse(two_contexts, strlen(two_contexts),
	    NULL, &kc, err, sizeof(err)), 0);
	assert_string_equal(kc.server, "https://10.0.0.1:6443");
	assert_int_equal(kc.ca_len, 8);
	assert_memory_equal(kc.ca, "---CA---", 8);
	assert_string_equal(kc.token, "abc.def");
	assert_string_equal(kc.cert, "CERT");
	assert_string_equal(kc.key, "KEY");
	assert_false(kc.insecure);
	assert_null(kc.token_file);
	kubeconfig_free(&kc);
}

static void
test_files_relative(void **state)
{
	struct kubeconfig kc;
	char err[256], path[256];

	(void)state;
	put("ca.pem", "CA FILE\n");
	put("tok", "file-token\n");
	put("kc.yaml",
	    "current-context: c\n"
	    "clusters: [{name: k, cluster: {server: 'https://h:1', "
	    "certificate-authority: ca.pem, insecure-skip-tls-verify: true}}]\n"
	    "contexts: [{name: c, context: {cluster: k, user: u}}]\n"
	    "users: [{name: u, user: {tokenFile: tok}}]\n");
	snprintf(path, sizeof(path), "%s/kc.yaml", tmpdir);
	assert_int_equal(kubeconfig_load(path, &kc, err, sizeof(err)), 0);
	assert_string_equal(kc.ca, "CA FILE\n");
	assert_true(kc.insecure);
	assert_string_equal(kubeconfig_token(&kc, 1000), "file-token");
	/* Rotated on disk: seen after a minute, not before. */
	put("tok", "rotated\n");
	assert_string_equal(kubeconfig_token(&kc, 1010), "file-token");
	assert_string_equal(kubeconfig_token(&kc, 1061), "rotated");
	kubeconfig_free(&kc);
}

static void
test_broken(void **state)
{
	static const char *const bad[] = {
		"current-context: x\nclusters: []\ncontexts: []\n",
		"clusters: []\n",
		"current-context: c\ncontexts: [{name: c, context: {cluster: k}}]\n"
		"clusters: [{name: k, cluster: {}}]\n",
		"current-context: c\ncontexts: [{name: c, context: {cluster: k}}]\n"
		"clusters: [{name: k, cluster: {server: 'https://h', "
		"certificate-authority-data: '!!notbase64'}}]\n",
		"current-context: c\ncontexts: [{name: c, context: {cluster: k, "
		"user: u}}]\nclusters: [{name: k, cluster: {server: 'https://h'}}]\n"
		"users: [{name: u, user: {client-certificate-data: Q0VSVA==}}]\n",
		"current-context: c\ncontexts: [{name: c, context: {cluster: k}}]\n"
		"clusters: [{name: k, cluster: {server: 'https://h', "
		"certificate-authority: /nonexistent/ca.pem}}]\n",
		"- a list\n",
		"key: [unclosed\n",
	};
	struct kubeconfig kc;
	char err[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		assert_int_equal(kubeconfig_parse(bad[i], strlen(bad[i]), NULL,
		    &kc, err, sizeof(err)), -1);
		assert_true(err[0] != '\0');
		assert_null(kc.server);
	}
	assert_int_equal(kubeconfig_load("/nonexistent/kc", &kc, err,
	    sizeof(err)), -1);
}

static void
test_base64(void **state)
{
	size_t n;
	char *s;

	(void)state;
	assert_non_null(s = kubeconfig_b64("aGVs\nbG8=", &n));
	assert_int_equal(n, 5);
	assert_string_equal(s, "hello");
	free(s);
	assert_non_null(s = kubeconfig_b64("", &n));
	assert_int_equal(n, 0);
	free(s);
	assert_null(kubeconfig_b64("ab=c", &n));
	assert_null(kubeconfig_b64("a", &n));
	assert_null(kubeconfig_b64("a*bc", &n));
}

static void
test_in_cluster(void **state)
{
	struct kubeconfig kc;
	char err[256];

	(void)state;
	put("token", "sa-token\n");
	put("ca.crt", "SA CA\n");
	unsetenv("KUBERNETES_SERVICE_HOST");
	assert_int_equal(kubeconfig_in_cluster(tmpdir, &kc, err, sizeof(err)),
	    -1);
	setenv("KUBERNETES_SERVICE_HOST", "10.96.0.1", 1);
	setenv("KUBERNETES_SERVICE_PORT", "443", 1);
	assert_int_equal(kubeconfig_in_cluster(tmpdir, &kc, err, sizeof(err)),
	    0);
	assert_string_equal(kc.server, "https://10.96.0.1:443");
	assert_string_equal(kc.ca, "SA CA\n");
	assert_string_equal(kubeconfig_token(&kc, 5), "sa-token");
	kubeconfig_free(&kc);
	setenv("KUBERNETES_SERVICE_HOST", "fd00::1", 1);
	assert_int_equal(kubeconfig_in_cluster(tmpdir, &kc, err, sizeof(err)),
	    0);
	assert_string_equal(kc.server, "https://[fd00::1]:443");
	kubeconfig_free(&kc);
	assert_int_equal(kubeconfig_in_cluster("/nonexistent", &kc, err,
	    sizeof(err)), -1);
	unsetenv("KUBERNETES_SERVICE_HOST");
}

static int
cleanup(void **state)
{
	char cmd[300];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_current_context),
		cmocka_unit_test(test_files_relative),
		cmocka_unit_test(test_broken),
		cmocka_unit_test(test_base64),
		cmocka_unit_test(test_in_cluster),
	};

	if (mkdtemp(tmpdir) == NULL)
		return 1;
	return cmocka_run_group_tests(tests, NULL, cleanup);
}
