/*
 * kubeconfig.c: where the API server is and which credentials to use,
 * from a kubeconfig file (its current-context) or from the service
 * account a pod gets (in-cluster). Credential files are read into memory
 * once, except the service-account token, which the kubelet rotates: it
 * is re-read once a minute.
 */
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kube/kube_int.h"

#define KUBECONFIG_FILE_MAX	(4u << 20)
#define KUBECONFIG_TOKEN_REREAD	60

static char *
kubeconfig_read(const char *path, size_t *len)
{
	FILE *f = fopen(path, "re");
	char *buf;
	size_t n;
	int bad;

	if (f == NULL)
		return NULL;
	buf = kube_calloc(1, KUBECONFIG_FILE_MAX + 1);
	n = fread(buf, 1, KUBECONFIG_FILE_MAX, f);
	bad = ferror(f) ? EIO : !feof(f) ? EFBIG : 0;
	fclose(f);
	if (bad) {
		free(buf);
		errno = bad;
		return NULL;
	}
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}

static int
kubeconfig_b64val(int c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	return c == '+' ? 62 : c == '/' ? 63 : -1;
}

char *
kubeconfig_b64(const char *s, size_t *outlen)
{
	size_t n = strlen(s), o = 0, pad = 0;
	char *out = kube_calloc(1, n / 4 * 3 + 4);
	uint32_t acc = 0;
	int bits = 0, v;

	for (; *s; s++) {
		if (*s == ' ' || *s == '\n' || *s == '\r' || *s == '\t')
			continue;
		if (*s == '=') {
			pad++;
			continue;
		}
		if (pad || (v = kubeconfig_b64val((unsigned char)*s)) < 0)
			goto bad;
		acc = (acc << 6) | (uint32_t)v;
		if ((bits += 6) >= 8) {
			bits -= 8;
			out[o++] = (char)((acc >> bits) & 0xff);
		}
	}
	if (pad > 2 || bits >= 6)
		goto bad;
	out[o] = '\0';
	*outlen = o;
	return out;
bad:
	free(out);
	return NULL;
}

/* The entry of a named list ("clusters", "users", "contexts"). */
static const json_t *
kubeconfig_named(const json_t *root, const char *list, const char *member,
    const char *name)
{
	const json_t *e;
	size_t i;

	json_array_foreach(json_object_get(root, list), i, e) {
		const char *n = json_string_value(json_object_get(e, "name"));

		if (n != NULL && strcmp(n, name) == 0)
			return json_object_get(e, member);
	}
	return NULL;
}

/* "<key>-data" (base64) or "<key>" (a file, relative to basedir). */
static int
kubeconfig_blob(const json_t *o, const char *key, const char *basedir,
    char **out, size_t *len, char *err, size_t errlen)
{
	char dkey[64], *path;
	const char *v;

	snprintf(dkey, sizeof(dkey), "%s-data", key);
	if ((v = json_string_value(json_object_get(o, dkey))) != NULL) {
		if ((*out = kubeconfig_b64(v, len)) == NULL) {
			snprintf(err, errlen, "%s: not base64", dkey);
			return -1;
		}
		return 0;
	}
	if ((v = json_string_value(json_object_get(o, key))) == NULL)
		return 0;
	path = v[0] == '/' || basedir == NULL ? kube_strdup(v) :
	    kube_asprintf("%s/%s", basedir, v);
	*out = kubeconfig_read(path, len);
	if (*out == NULL)
		snprintf(err, errlen, "%s: cannot read %s: %s", key, path,
		    strerror(errno));
	free(path);
	return *out == NULL ? -1 : 0;
}

static int
kubeconfig_cluster(const json_t *c, const char *basedir,
    struct kubeconfig *kc, char *err, size_t errlen)
{
	const char *server = json_string_value(json_object_get(c, "server"));
	const json_t *ins = json_object_get(c, "insecure-skip-tls-verify");
	size_t n;

	if (server == NULL || *server == '\0') {
		snprintf(err, errlen, "cluster has no server");
		return -1;
	}
	kc->server = kube_strdup(server);
	n = strlen(kc->server);
	while (n > 0 && kc->server[n - 1] == '/')
		kc->server[--n] = '\0';
	kc->insecure = json_is_true(ins) || (json_is_string(ins) &&
	    strcmp(json_string_value(ins), "true") == 0);
	return kubeconfig_blob(c, "certificate-authority", basedir, &kc->ca,
	    &kc->ca_len, err, errlen);
}

static int
kubeconfig_user(const json_t *u, const char *basedir, struct kubeconfig *kc,
    char *err, size_t errlen)
{
	const char *tok, *tf;

	if (u == NULL)
		return 0;
	if ((tok = json_string_value(json_object_get(u, "token"))) != NULL)
		kc->token = kube_strdup(tok);
	else if ((tf = json_string_value(json_object_get(u, "tokenFile"))) !=
	    NULL)
		kc->token_file = tf[0] == '/' || basedir == NULL ?
		    kube_strdup(tf) : kube_asprintf("%s/%s", basedir, tf);
	if (kubeconfig_blob(u, "client-certificate", basedir, &kc->cert,
	    &kc->cert_len, err, errlen) == -1 ||
	    kubeconfig_blob(u, "client-key", basedir, &kc->key, &kc->key_len,
	    err, errlen) == -1)
		return -1;
	if (!!kc->cert != !!kc->key) {
		snprintf(err, errlen, "user has a client certificate without "
		    "a key, or a key without a certificate");
		return -1;
	}
	if (kc->token_file != NULL && kubeconfig_token(kc, 0) == NULL) {
		snprintf(err, errlen, "tokenFile: cannot read %s",
		    kc->token_file);
		return -1;
	}
	return 0;
}

static int
kubeconfig_root(const json_t *root, const char *basedir,
    struct kubeconfig *kc, char *err, size_t errlen)
{
	const char *cur, *cl, *us;
	const json_t *ctx, *c;

	cur = json_string_value(json_object_get(root, "current-context"));
	if (cur == NULL || *cur == '\0') {
		snprintf(err, errlen, "no current-context");
		return -1;
	}
	if ((ctx = kubeconfig_named(root, "contexts", "context", cur)) == NULL) {
		snprintf(err, errlen, "context \"%s\" not found", cur);
		return -1;
	}
	cl = json_string_value(json_object_get(ctx, "cluster"));
	us = json_string_value(json_object_get(ctx, "user"));
	if (cl == NULL ||
	    (c = kubeconfig_named(root, "clusters", "cluster", cl)) == NULL) {
		snprintf(err, errlen, "context \"%s\": cluster \"%s\" not "
		    "found", cur, cl ? cl : "");
		return -1;
	}
	if (kubeconfig_cluster(c, basedir, kc, err, errlen) == -1)
		return -1;
	return kubeconfig_user(us ? kubeconfig_named(root, "users", "user",
	    us) : NULL, basedir, kc, err, errlen);
}

int
kubeconfig_parse(const char *text, size_t len, const char *basedir,
    struct kubeconfig *kc, char *err, size_t errlen)
{
	struct yaml_docs docs;
	char yerr[200];
	int r;

	memset(kc, 0, sizeof(*kc));
	if (yaml_docs_parse(text, len, &docs, yerr, sizeof(yerr)) == -1) {
		snprintf(err, errlen, "%s", yerr);
		return -1;
	}
	if (docs.n == 0 || !json_is_object(docs.v[0].root)) {
		snprintf(err, errlen, "not a kubeconfig");
		r = -1;
	} else
		r = kubeconfig_root(docs.v[0].root, basedir, kc, err, errlen);
	yaml_docs_free(&docs);
	if (r == -1)
		kubeconfig_free(kc);
	return r;
}

int
kubeconfig_load(const char *path, struct kubeconfig *kc, char *err,
    size_t errlen)
{
	char *text, *copy, *dir;
	size_t len;
	int r;

	memset(kc, 0, sizeof(*kc));
	if ((text = kubeconfig_read(path, &len)) == NULL) {
		snprintf(err, errlen, "cannot read %s: %s", path,
		    strerror(errno));
		return -1;
	}
	copy = kube_strdup(path);
	dir = dirname(copy);
	r = kubeconfig_parse(text, len, dir, kc, err, errlen);
	free(copy);
	free(text);
	return r;
}

int
kubeconfig_in_cluster(const char *dir, struct kubeconfig *kc, char *err,
    size_t errlen)
{
	const char *host = getenv("KUBERNETES_SERVICE_HOST");
	const char *port = getenv("KUBERNETES_SERVICE_PORT");
	char *ca;

	memset(kc, 0, sizeof(*kc));
	if (host == NULL || *host == '\0') {
		snprintf(err, errlen, "KUBERNETES_SERVICE_HOST is not set");
		return -1;
	}
	if (port == NULL || *port == '\0')
		port = "443";
	kc->server = kube_asprintf(strchr(host, ':') ? "https://[%s]:%s" :
	    "https://%s:%s", host, port);
	kc->token_file = kube_asprintf("%s/token", dir);
	ca = kube_asprintf("%s/ca.crt", dir);
	kc->ca = kubeconfig_read(ca, &kc->ca_len);
	if (kc->ca == NULL || kubeconfig_token(kc, 0) == NULL) {
		snprintf(err, errlen, "cannot read %s: %s", kc->ca == NULL ?
		    ca : kc->token_file, strerror(errno));
		free(ca);
		kubeconfig_free(kc);
		return -1;
	}
	free(ca);
	return 0;
}

const char *
kubeconfig_token(struct kubeconfig *kc, long long now)
{
	char *t;
	size_t n;

	if (kc->token_file == NULL || (kc->token != NULL &&
	    now - kc->token_read < KUBECONFIG_TOKEN_REREAD))
		return kc->token;
	/* A failed re-read keeps the token we have: it may still be valid. */
	if ((t = kubeconfig_read(kc->token_file, &n)) == NULL)
		return kc->token;
	while (n > 0 && (t[n - 1] == '\n' || t[n - 1] == '\r' ||
	    t[n - 1] == ' '))
		t[--n] = '\0';
	if (kc->token != NULL) {
		explicit_bzero(kc->token, strlen(kc->token));
		free(kc->token);
	}
	kc->token = t;
	kc->token_read = now;
	return kc->token;
}

void
kubeconfig_free(struct kubeconfig *kc)
{
	if (kc->token != NULL)
		explicit_bzero(kc->token, strlen(kc->token));
	if (kc->key != NULL)
		explicit_bzero(kc->key, kc->key_len);
	free(kc->server);
	free(kc->ca);
	free(kc->cert);
	free(kc->key);
	free(kc->token);
	free(kc->token_file);
	memset(kc, 0, sizeof(*kc));
}
