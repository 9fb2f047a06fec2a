/*
 * linebuf.c: a watch stream is one JSON object per line, but reads cut
 * anywhere: keep the unfinished tail until its newline arrives. A line
 * longer than the cap is dropped whole (logged) rather than grown forever.
 */
#include <stdlib.h>
#include <string.h>

#include "bgp/log.h"
#include "kube/kube_int.h"

static int
linebuf_emit(struct linebuf *lb, const char *p, size_t n,
    int (*cb)(void *, const char *, size_t), void *arg)
{
	if (n > 0 && p[n - 1] == '\r')
		n--;
	if (lb->overflow) {
		lb->overflow = 0;
		return 0;
	}
	return n == 0 ? 0 : cb(arg, p, n);
}

static void
linebuf_keep(struct linebuf *lb, const char *p, size_t n)
{
	if (lb->overflow)
		return;
	if (lb->max && lb->len + n > lb->max) {
		log_warn("watch line too long; dropped", "bytes=%zu",
		    lb->len + n);
		lb->overflow = 1;
		lb->len = 0;
		return;
	}
	if (lb->len + n > lb->cap) {
		lb->cap = (lb->len + n) * 2;
		lb->buf = kube_reallocarray(lb->buf, lb->cap, 1);
	}
	memcpy(lb->buf + lb->len, p, n);
	lb->len += n;
}

int
linebuf_feed(struct linebuf *lb, const char *p, size_t n,
    int (*cb)(void *, const char *, size_t), void *arg)
{
	const char *nl;
	int r;

	while (n > 0 && (nl = memchr(p, '\n', n)) != NULL) {
		size_t k = (size_t)(nl - p);

		if (lb->len > 0 || lb->overflow) {
			linebuf_keep(lb, p, k);
			r = linebuf_emit(lb, lb->buf, lb->len, cb, arg);
			lb->len = 0;
		} else
			r = linebuf_emit(lb, p, k, cb, arg);
		if (r == -1)
			return -1;
		p += k + 1;
		n -= k + 1;
	}
	if (n > 0)
		linebuf_keep(lb, p, n);
	return 0;
}

void
linebuf_free(struct linebuf *lb)
{
	free(lb->buf);
	lb->buf = NULL;
	lb->len = lb->cap = 0;
	lb->overflow = 0;
}
