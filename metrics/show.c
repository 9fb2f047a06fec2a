/*
 * show.c: `bgpd show ...`, the command-line client of the JSON API.
 *
 * One blocking GET with libcurl (a CLI has no loop to keep turning), 5 s
 * at most. --json prints the body exactly as received; otherwise the
 * document is parsed and printed as a table by showfmt.c. Exit 0 on
 * success, 1 when the server cannot be reached or answers an error, 2 on
 * a usage error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "metrics/internal.h"

#define SHOW_DEFAULT_SERVER	"127.0.0.1:8082"
#define SHOW_TIMEOUT_SECONDS	5L

struct show_cmd {
	const char	*name;
	const char	*path;
	int		 afi;		/* takes ipv4|ipv6 and a prefix */
	void		(*print)(FILE *, json_t *);
};

static const struct show_cmd show_cmds[] = {
	{ "summary", "/api/v1/summary", 0, showfmt_summary },
	{ "neighbors", "/api/v1/neighbors", 0, showfmt_neighbors },
	{ "rib", "/api/v1/rib", 1, showfmt_rib },
	{ "advertisements", "/api/v1/advertisements", 0,
	    showfmt_advertisements },
	{ "policies", "/api/v1/policies", 0, showfmt_policies },
	{ NULL, NULL, 0, NULL }
};

struct show_opts {
	const struct show_cmd	*cmd;
	const char		*afi;
	const char		*prefix;
	const char		*server;
	int			 json;
	int			 help;
};

static void
show_usage(FILE *f)
{
	fprintf(f, "usage: bgpd show summary|neighbors|rib [ipv4|ipv6] [PREFIX]|"
	    "advertisements|policies\n"
	    "                 [--server HOST:PORT] [--json]\n"
	    "  PREFIX    only routes inside this CIDR (its family is the "
	    "table's)\n"
	    "  --server  the metrics address of a running bgpd (default "
	    "$BGPD_SERVER, else %s)\n"
	    "  --json    print the API's JSON document as received\n",
	    SHOW_DEFAULT_SERVER);
}

static int
show_positional(struct show_opts *o, const char *a)
{
	const struct show_cmd *c;
	struct prefix pfx;

	if (o->cmd == NULL) {
		for (c = show_cmds; c->name != NULL; c++)
			if (strcmp(c->name, a) == 0) {
				o->cmd = c;
				return 0;
			}
		return -1;
	}
	if (!o->cmd->afi)
		return -1;
	if (o->afi == NULL && (strcmp(a, "ipv4") == 0 ||
	    strcmp(a, "ipv6") == 0))
		o->afi = a;
	else if (o->prefix == NULL && prefix_parse_loose(a, &pfx) == 0)
		o->prefix = a;
	else
		return -1;
	/* A prefix and a family given together must agree. */
	if (o->afi != NULL && o->prefix != NULL &&
	    prefix_parse_loose(o->prefix, &pfx) == 0 &&
	    (pfx.af == AF_INET) != (strcmp(o->afi, "ipv4") == 0))
		return -1;
	return 0;
}

static int
show_args(int argc, char **argv, struct show_opts *o)
{
	int i;

	memset(o, 0, sizeof(*o));
	o->server = getenv("BGPD_SERVER");
	if (o->server == NULL || o->server[0] == '\0')
		o->server = SHOW_DEFAULT_SERVER;
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			o->json = 1;
		else if (strcmp(argv[i], "-h") == 0 ||
		    strcmp(argv[i], "--help") == 0)
			o->help = 1;
		else if (strcmp(argv[i], "--server") == 0) {
			if (++i == argc)
				return -1;
			o->server = argv[i];
		} else if (strncmp(argv[i], "--server=", 9) == 0)
			o->server = argv[i] + 9;
		else if (argv[i][0] == '-' || show_positional(o, argv[i]) == -1)
			return -1;
	}
	return o->help || o->cmd != NULL ? 0 : -1;
}

/* http://HOST:PORT/path?query; ":PORT" means this host. */
static char *
show_url(const struct show_opts *o)
{
	char host[HOSTPORT_HOSTLEN], *url;
	uint16_t port;
	int v6;

	if (hostport_split(o->server, host, sizeof(host), &port) == -1 ||
	    port == 0)
		return NULL;
	v6 = strchr(host, ':') != NULL;
	if (asprintf(&url, "http://%s%s%s:%u%s%s%s%s%s", v6 ? "[" : "",
	    host[0] != '\0' ? host : "127.0.0.1", v6 ? "]" : "", port,
	    o->cmd->path, o->afi != NULL ? "?afi=" : "",
	    o->afi != NULL ? o->afi : "",
	    o->prefix != NULL ? (o->afi != NULL ? "&prefix=" : "?prefix=") : "",
	    o->prefix != NULL ? o->prefix : "") == -1)
		return NULL;
	return url;
}

static size_t
show_write_cb(char *p, size_t size, size_t n, void *arg)
{
	return fwrite(p, size, n, arg) * size;
}

/* GET url into *body; returns the HTTP status, or -1 (err filled). */
static long
show_get(const char *url, char **body, size_t *len, char *err)
{
	CURL *c;
	CURLcode rc;
	FILE *m;
	long status = -1;

	if ((m = open_memstream(body, len)) == NULL ||
	    (c = curl_easy_init()) == NULL) {
		snprintf(err, CURL_ERROR_SIZE, "out of memory");
		if (m != NULL)
			fclose(m);
		return -1;
	}
	err[0] = '\0';
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http");
	curl_easy_setopt(c, CURLOPT_TIMEOUT, SHOW_TIMEOUT_SECONDS);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, err);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, show_write_cb);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, m);
	rc = curl_easy_perform(c);
	if (rc == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	else if (err[0] == '\0')
		snprintf(err, CURL_ERROR_SIZE, "%s", curl_easy_strerror(rc));
	curl_easy_cleanup(c);
	fclose(m);
	return status;
}

static int
show_output(const struct show_opts *o, const char *body, size_t len)
{
	json_error_t jerr;
	json_t *doc;

	if (o->json) {
		fwrite(body, 1, len, stdout);
		return 0;
	}
	if ((doc = json_loadb(body, len, 0, &jerr)) == NULL) {
		fprintf(stderr, "bgpd show: server %s sent bad JSON: %s\n",
		    o->server, jerr.text);
		return 1;
	}
	o->cmd->print(stdout, doc);
	json_decref(doc);
	return 0;
}

int
show_main(int argc, char **argv)
{
	struct show_opts o;
	char err[CURL_ERROR_SIZE], *url, *body = NULL;
	size_t len = 0;
	long status;
	int rc = 1;

	if (show_args(argc, argv, &o) == -1) {
		show_usage(stderr);
		return 2;
	}
	if (!o.help && (url = show_url(&o)) == NULL) {
		fprintf(stderr, "bgpd show: bad server address \"%s\": want "
		    "HOST:PORT, :PORT or [V6]:PORT\n", o.server);
		show_usage(stderr);
		return 2;
	}
	if (o.help) {
		show_usage(stdout);
		return 0;
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	status = show_get(url, &body, &len, err);
	if (status == -1)
		fprintf(stderr, "bgpd show: cannot reach server %s: %s\n",
		    o.server, err);
	else if (status != 200)
		fprintf(stderr, "bgpd show: server %s answered %ld: %.*s",
		    o.server, status, (int)len, body != NULL ? body : "");
	else
		rc = show_output(&o, body, len);
	free(body);
	free(url);
	curl_global_cleanup();
	return rc;
}
