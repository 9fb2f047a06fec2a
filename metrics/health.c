/*
 * health.c: /healthz and /readyz on the health address.
 *
 * /healthz answers from the event loop itself, so an answer proves the
 * loop turns. /readyz asks the daemon's readiness test (desired state
 * loaded, listener bound); without one it applies what it can of that
 * test itself, from the speaker's summary.
 */
#include <stdio.h>

#include "metrics/internal.h"

int
health_ready(const struct metrics_src *src, char *why, size_t len)
{
	struct bgp_summary s;

	if (src->ready != NULL)
		return src->ready(src->arg, why, len);
	bgp_query_summary(src->bgp, &s);
	if (!s.configured) {
		snprintf(why, len, "no configuration applied yet");
		return 0;
	}
	if (!s.listening) {
		snprintf(why, len, "listener not bound: %s", s.listen_error);
		return 0;
	}
	return 1;
}

void
health_healthz(const struct metrics_src *src, struct httpd_req *req,
    struct httpd_reply *r)
{
	(void)src;
	(void)req;
	httpd_text(r, 200, "ok\n");
}

void
health_readyz(const struct metrics_src *src, struct httpd_req *req,
    struct httpd_reply *r)
{
	char why[256], *nl;

	(void)req;
	why[0] = '\0';
	if (health_ready(src, why, sizeof(why))) {
		httpd_text(r, 200, "ready\n");
		return;
	}
	/* The reason is one line whatever the callee wrote. */
	for (nl = why; *nl != '\0'; nl++)
		if (*nl == '\n' || *nl == '\r')
			*nl = ' ';
	httpd_text(r, 503, "not ready: %s\n", why[0] != '\0' ? why :
	    "no reason given");
}
