/*
 * http.c: HTTP/1.1 to the API server on the libevent loop, through
 * libcurl's multi interface (curl tells which sockets and which timeout to
 * wait for; the loop tells curl what happened). Many requests run at once:
 * short ones whose whole body is handed back, and long-running watch
 * streams handed back line by line.
 *
 * TLS is verified against the kubeconfig's CA unless it says
 * insecure-skip-tls-verify. The bearer token goes into a header that is
 * never logged (curl's verbose mode stays off).
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>
#include <event2/event.h>

#include "bgp/log.h"
#include "kube/kube_int.h"

#define HTTP_BODY_MAX		(64u << 20)
#define HTTP_LINE_MAX		(16u << 20)
#define HTTP_CONNECT_TIMEOUT	10L
#define HTTP_REQUEST_TIMEOUT	30L

struct kube_http {
	struct event_base	*base;
	struct kubeconfig	*kc;
	struct kstats		*stats;
	CURLM			*multi;
	struct event		*timer;
	struct kube_req		*reqs;		/* running */
};

struct kube_req {
	struct kube_http	*h;
	CURL			*easy;
	const char		*verb;		/* kstats_verb's */
	struct curl_slist	*hdrs;
	char			*body;		/* what we send */
	char			*resp;		/* what we got, when not streamed */
	size_t			 resp_len, resp_cap;
	int			 too_big;
	struct linebuf		 lb;
	kube_http_line_cb	 line_cb;
	kube_http_done_cb	 done_cb;
	void			*arg;
	char			 err[CURL_ERROR_SIZE];
	struct kube_req		*prev, *next;
};

/* Per socket: the event curl asked us to wait for. */
struct http_sock {
	struct kube_http	*h;
	struct event		*ev;
};

static void http_check_done(struct kube_http *);

static void
http_sock_cb(evutil_socket_t fd, short what, void *arg)
{
	struct kube_http *h = arg;
	int running, flags = 0;

	if (what & EV_READ)
		flags |= CURL_CSELECT_IN;
	if (what & EV_WRITE)
		flags |= CURL_CSELECT_OUT;
	curl_multi_socket_action(h->multi, fd, flags, &running);
	http_check_done(h);
}

static void
http_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct kube_http *h = arg;
	int running;

	(void)fd;
	(void)what;
	curl_multi_socket_action(h->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	http_check_done(h);
}

static int
http_multi_sock(CURL *e, curl_socket_t s, int what, void *userp, void *sockp)
{
	struct kube_http *h = userp;
	struct http_sock *hs = sockp;
	short kind;

	(void)e;
	if (what == CURL_POLL_REMOVE) {
		if (hs != NULL) {
			event_free(hs->ev);
			free(hs);
		}
		curl_multi_assign(h->multi, s, NULL);
		return 0;
	}
	kind = EV_PERSIST | ((what & CURL_POLL_IN) ? EV_READ : 0) |
	    ((what & CURL_POLL_OUT) ? EV_WRITE : 0);
	if (hs == NULL) {
		hs = kube_calloc(1, sizeof(*hs));
		hs->h = h;
		curl_multi_assign(h->multi, s, hs);
	} else
		event_free(hs->ev);
	hs->ev = event_new(h->base, s, kind, http_sock_cb, h);
	if (hs->ev == NULL || event_add(hs->ev, NULL) == -1)
		fatal("%s: cannot add a socket event", __func__);
	return 0;
}

static int
http_multi_timer(CURLM *m, long ms, void *userp)
{
	struct kube_http *h = userp;
	struct timeval tv;

	(void)m;
	if (ms < 0) {
		evtimer_del(h->timer);
		return 0;
	}
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	evtimer_add(h->timer, &tv);
	return 0;
}

static void
http_req_free(struct kube_req *r)
{
	if (r->prev)
		r->prev->next = r->next;
	else
		r->h->reqs = r->next;
	if (r->next)
		r->next->prev = r->prev;
	curl_multi_remove_handle(r->h->multi, r->easy);
	curl_easy_cleanup(r->easy);
	curl_slist_free_all(r->hdrs);
	linebuf_free(&r->lb);
	free(r->body);
	free(r->resp);
	free(r);
}

/*
 * curl's messages say how long a failed connect took ("after 3 ms"):
 * without it, one outage logs the same line each retry, which the log's
 * repeat limiter can then count instead of printing.
 */
static void
http_err_tidy(char *err)
{
	char *p = err, *q;

	while ((p = strstr(p, " after ")) != NULL) {
		q = p + 7;
		if (*q < '0' || *q > '9') {
			p++;
			continue;
		}
		while (*q >= '0' && *q <= '9')
			q++;
		if (strncmp(q, " milliseconds", 13) == 0)
			q += 13;
		else if (strncmp(q, " ms", 3) == 0)
			q += 3;
		else {
			p++;
			continue;
		}
		memmove(p, q, strlen(q) + 1);
	}
}

static void
http_check_done(struct kube_http *h)
{
	CURLMsg *msg;
	int left;

	while ((msg = curl_multi_info_read(h->multi, &left)) != NULL) {
		struct kube_req *r;
		long status = 0;

		if (msg->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &r);
		if (msg->data.result == CURLE_OK)
			curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE,
			    &status);
		else if (r->err[0] == '\0')
			snprintf(r->err, sizeof(r->err), "%s",
			    curl_easy_strerror(msg->data.result));
		if (r->too_big)
			snprintf(r->err, sizeof(r->err), "response too large");
		if (r->too_big)
			status = 0;
		http_err_tidy(r->err);
		kstats_request(h->stats, r->verb, status, r->err,
		    kstats_clock());
		r->done_cb(r->arg, status, r->resp ? r->resp : "",
		    r->resp_len, status ? NULL : r->err);
		http_req_free(r);
	}
}

static int
http_line(void *arg, const char *line, size_t len)
{
	struct kube_req *r = arg;

	return r->line_cb(r->arg, line, len);
}

static size_t
http_write(char *p, size_t size, size_t n, void *arg)
{
	struct kube_req *r = arg;
	size_t len = size * n;
	long status = 0;

	curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &status);
	/* Only a 200 streams events; an error's body is a Status object. */
	if (r->line_cb != NULL && status == 200) {
		kstats_alive(r->h->stats);
		return linebuf_feed(&r->lb, p, len, http_line, r) == -1 ?
		    0 : len;
	}
	if (r->resp_len + len + 1 > HTTP_BODY_MAX) {
		r->too_big = 1;
		return 0;
	}
	if (r->resp_len + len + 1 > r->resp_cap) {
		r->resp_cap = (r->resp_len + len + 1) * 2;
		r->resp = kube_reallocarray(r->resp, r->resp_cap, 1);
	}
	memcpy(r->resp + r->resp_len, p, len);
	r->resp_len += len;
	r->resp[r->resp_len] = '\0';
	return len;
}

static void
http_tls(struct kube_http *h, CURL *e)
{
	struct kubeconfig *kc = h->kc;
	struct curl_blob b;

	if (kc->insecure) {
		curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L);
	} else if (kc->ca != NULL) {
		b.data = kc->ca;
		b.len = kc->ca_len;
		b.flags = CURL_BLOB_COPY;
		curl_easy_setopt(e, CURLOPT_CAINFO_BLOB, &b);
	}
	if (kc->cert != NULL && kc->key != NULL) {
		b.data = kc->cert;
		b.len = kc->cert_len;
		b.flags = CURL_BLOB_COPY;
		curl_easy_setopt(e, CURLOPT_SSLCERT_BLOB, &b);
		curl_easy_setopt(e, CURLOPT_SSLCERTTYPE, "PEM");
		b.data = kc->key;
		b.len = kc->key_len;
		curl_easy_setopt(e, CURLOPT_SSLKEY_BLOB, &b);
		curl_easy_setopt(e, CURLOPT_SSLKEYTYPE, "PEM");
	}
}

static struct curl_slist *
http_headers(struct kube_http *h, const char *ctype)
{
	struct curl_slist *l = NULL;
	struct timespec ts;
	const char *tok;
	char *s;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	l = curl_slist_append(l, "Accept: application/json");
	if (ctype != NULL) {
		s = kube_asprintf("Content-Type: %s", ctype);
		l = curl_slist_append(l, s);
		free(s);
	}
	if ((tok = kubeconfig_token(h->kc, (long long)ts.tv_sec)) != NULL) {
		s = kube_asprintf("Authorization: Bearer %s", tok);
		l = curl_slist_append(l, s);
		explicit_bzero(s, strlen(s));
		free(s);
	}
	return l;
}

static struct kube_req *
http_start(struct kube_http *h, const char *method, const char *path,
    const char *body, const char *ctype, int stream)
{
	struct kube_req *r = kube_calloc(1, sizeof(*r));
	char *url = kube_asprintf("%s%s", h->kc->server, path);

	r->h = h;
	r->verb = kstats_verb(method, path, stream);
	if (stream)
		kstats_watch_started(h->stats, path);
	if ((r->easy = curl_easy_init()) == NULL)
		fatal("%s: curl_easy_init failed", __func__);
	r->hdrs = http_headers(h, ctype);
	r->lb.max = HTTP_LINE_MAX;
	curl_easy_setopt(r->easy, CURLOPT_URL, url);
	curl_easy_setopt(r->easy, CURLOPT_PRIVATE, r);
	curl_easy_setopt(r->easy, CURLOPT_ERRORBUFFER, r->err);
	curl_easy_setopt(r->easy, CURLOPT_WRITEFUNCTION, http_write);
	curl_easy_setopt(r->easy, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(r->easy, CURLOPT_HTTPHEADER, r->hdrs);
	curl_easy_setopt(r->easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(r->easy, CURLOPT_CONNECTTIMEOUT, HTTP_CONNECT_TIMEOUT);
	curl_easy_setopt(r->easy, CURLOPT_PROTOCOLS_STR, "http,https");
	/* One connection per watch: a stalled stream stalls nothing else. */
	curl_easy_setopt(r->easy, CURLOPT_HTTP_VERSION,
	    (long)CURL_HTTP_VERSION_1_1);
	curl_easy_setopt(r->easy, CURLOPT_ACCEPT_ENCODING, "");
	if (!stream)
		curl_easy_setopt(r->easy, CURLOPT_TIMEOUT, HTTP_REQUEST_TIMEOUT);
	else {
		/* A dead server under a quiet watch: TCP keepalive finds it. */
		curl_easy_setopt(r->easy, CURLOPT_TCP_KEEPALIVE, 1L);
		curl_easy_setopt(r->easy, CURLOPT_TCP_KEEPIDLE, 30L);
		curl_easy_setopt(r->easy, CURLOPT_TCP_KEEPINTVL, 10L);
	}
	curl_easy_setopt(r->easy, CURLOPT_CUSTOMREQUEST, method);
	if (body != NULL) {
		r->body = kube_strdup(body);
		curl_easy_setopt(r->easy, CURLOPT_POSTFIELDS, r->body);
		curl_easy_setopt(r->easy, CURLOPT_POSTFIELDSIZE,
		    (long)strlen(r->body));
	}
	http_tls(h, r->easy);
	free(url);
	r->next = h->reqs;
	if (h->reqs)
		h->reqs->prev = r;
	h->reqs = r;
	if (curl_multi_add_handle(h->multi, r->easy) != CURLM_OK)
		fatal("%s: curl_multi_add_handle failed", __func__);
	return r;
}

struct kube_req *
kube_http_request(struct kube_http *h, const char *method, const char *path,
    const char *body, const char *ctype, kube_http_done_cb done, void *arg)
{
	struct kube_req *r = http_start(h, method, path, body, ctype, 0);

	r->done_cb = done;
	r->arg = arg;
	return r;
}

struct kube_req *
kube_http_stream(struct kube_http *h, const char *path, kube_http_line_cb line,
    kube_http_done_cb done, void *arg)
{
	struct kube_req *r = http_start(h, "GET", path, NULL, NULL, 1);

	r->line_cb = line;
	r->done_cb = done;
	r->arg = arg;
	return r;
}

void
kube_http_cancel(struct kube_req *r)
{
	if (r != NULL)
		http_req_free(r);
}

char *
kube_http_escape(const char *s)
{
	char *e = curl_easy_escape(NULL, s, 0), *r;

	if (e == NULL)
		fatal("%s: out of memory", __func__);
	r = kube_strdup(e);
	curl_free(e);
	return r;
}

struct kube_http *
kube_http_new(struct event_base *base, struct kubeconfig *kc,
    struct kstats *stats)
{
	struct kube_http *h = kube_calloc(1, sizeof(*h));

	curl_global_init(CURL_GLOBAL_DEFAULT);
	h->base = base;
	h->kc = kc;
	h->stats = stats;
	if ((h->multi = curl_multi_init()) == NULL)
		fatal("%s: curl_multi_init failed", __func__);
	if ((h->timer = evtimer_new(base, http_timer_cb, h)) == NULL)
		fatal("%s: cannot create a timer", __func__);
	curl_multi_setopt(h->multi, CURLMOPT_SOCKETFUNCTION, http_multi_sock);
	curl_multi_setopt(h->multi, CURLMOPT_SOCKETDATA, h);
	curl_multi_setopt(h->multi, CURLMOPT_TIMERFUNCTION, http_multi_timer);
	curl_multi_setopt(h->multi, CURLMOPT_TIMERDATA, h);
	return h;
}

struct kstats *
kube_http_stats(const struct kube_http *h)
{
	return h->stats;
}

void
kube_http_free(struct kube_http *h)
{
	if (h == NULL)
		return;
	while (h->reqs != NULL)
		http_req_free(h->reqs);
	curl_multi_cleanup(h->multi);
	event_free(h->timer);
	free(h);
	curl_global_cleanup();
}
