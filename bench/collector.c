/*
 * collector.c: the receiving end of the benchmark; counts what the speaker
 * under test re-advertises.
 *
 * It regenerates the same table as the feeder (same --v4/--v6/--seed), keeps
 * one "present" bit per expected prefix and prints, on stdout:
 *   ESTABLISHED t ...
 *   FIRST t ...     first expected prefix announced
 *   ALL t ...       every expected prefix present
 *   NONE t ...      after ALL, every prefix withdrawn again
 *   PROGRESS t ...  once a second
 *   END t ...       at exit
 * each followed by the counters: IPv4 and IPv6 prefixes present, UPDATEs
 * and bytes received, unexpected prefixes announced, re-announcements of a
 * present prefix, withdrawals of an absent one.
 * Timestamps are CLOCK_MONOTONIC seconds, comparable with the feeder's.
 * Parsing is a single pass over large reads with one hash lookup per prefix,
 * so the collector stays far faster than any daemon it measures.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "load.h"
#include "opts.h"
#include "sess.h"

struct count {
	const struct load *l;
	uint8_t *present;
	uint32_t have[3];	/* by AFI */
	uint64_t updates, bytes, stray, dup, wstray;
	int first, all, none;
};

static unsigned
get16(const uint8_t *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

/* An event line: name, time, then the counters (as in PROGRESS). */
static void
event(const char *what, const struct count *c)
{
	printf("%s %.6f %u %u %llu %llu %llu %llu %llu\n", what, sess_now(),
	    c->have[1], c->have[2], (unsigned long long)c->updates,
	    (unsigned long long)c->bytes, (unsigned long long)c->stray,
	    (unsigned long long)c->dup, (unsigned long long)c->wstray);
	fflush(stdout);
}

/* One run of NLRI (RFC 4271 4.3 / RFC 4760 5): announce or withdraw each.
 * A 4096-byte UPDATE holds at most 4096 prefixes (all /0). */
static int
nlri(struct count *c, int afi, const uint8_t *p, size_t n, int announce)
{
	static struct pfx key[4096];
	static int64_t idx[4096];
	size_t i = 0, nk = 0, j;

	while (i < n && nk < 4096) {
		int len = p[i];
		size_t bytes = (size_t)(len + 7) / 8;

		if (i + 1 + bytes > n || load_key(&key[nk], afi, len, p + i + 1) < 0)
			return -1;
		i += 1 + bytes;
		nk++;
	}
	if (i < n)
		return -1;
	load_find_many(c->l, key, nk, idx);
	for (j = 0; j < nk; j++) {
		int64_t k = idx[j];

		if (k < 0) {
			if (announce)
				c->stray++;
			else
				c->wstray++;
			continue;
		}
		if (announce == !c->present[k]) {
			c->present[k] = (uint8_t)announce;
			if (announce)
				c->have[afi]++;
			else
				c->have[afi]--;
		} else if (announce) {
			c->dup++;
		} else {
			c->wstray++;
		}
	}
	return 0;
}

static int
update(struct count *c, const uint8_t *m, size_t len)
{
	const uint8_t *p = m + BGP_HDR, *end = m + len, *a, *aend;
	size_t wl, al;

	if (p + 2 > end || p + 2 + (wl = get16(p)) + 2 > end)
		return -1;
	if (nlri(c, 1, p + 2, wl, 0) < 0)
		return -1;
	p += 2 + wl;
	al = get16(p);
	a = p + 2;
	aend = a + al;
	if (aend > end)
		return -1;
	while (a < aend) {
		int flags, type;
		size_t alen, h;

		if (a + 3 > aend)
			return -1;
		flags = a[0];
		type = a[1];
		h = (flags & 0x10) ? 4 : 3;
		if (a + h > aend)
			return -1;
		alen = (flags & 0x10) ? get16(a + 2) : a[2];
		if (a + h + alen > aend)
			return -1;
		if ((type == 14 || type == 15) && alen >= 3) {
			const uint8_t *v = a + h;
			int afi = (int)get16(v);

			if ((afi == 1 || afi == 2) && v[2] == 1) {
				if (type == 15) {
					if (nlri(c, afi, v + 3, alen - 3, 0) < 0)
						return -1;
				} else {
					size_t nh = alen >= 4 ? v[3] : 0;

					if (alen < 5 + nh ||
					    nlri(c, afi, v + 5 + nh,
					    alen - 5 - nh, 1) < 0)
						return -1;
				}
			}
		}
		a += h + alen;
	}
	return nlri(c, 1, aend, (size_t)(end - aend), 1);
}

static void
check(struct count *c)
{
	uint32_t n = c->have[1] + c->have[2];

	if (!c->first && n > 0) {
		c->first = 1;
		event("FIRST", c);
	}
	if (!c->all && c->have[1] == c->l->n4 && c->have[2] == c->l->n6) {
		c->all = 1;
		event("ALL", c);
	}
	if (c->all && !c->none && n == 0) {
		c->none = 1;
		event("NONE", c);
	}
}

static int
run(struct sess *s, struct count *c)
{
	double next_progress = sess_now() + 1;
	char line[64];

	for (;;) {
		struct pollfd pf[2] = {
			{.fd = s->fd, .events = POLLIN},
			{.fd = 0, .events = POLLIN},
		};
		const uint8_t *m;
		int type, len = 0;

		if (poll(pf, 2, 200) < 0 && errno != EINTR)
			return -1;
		if (pf[0].revents) {
			if (sess_read(s) < 0) {
				fprintf(stderr, "collector: session closed\n");
				return -1;
			}
			while ((m = sess_next(s, &type, &len)) != NULL) {
				if (type == BGP_NOTIFY) {
					sess_print_notify("collector", m, len);
					return -1;
				}
				if (type != BGP_UPDATE)
					continue;
				c->updates++;
				c->bytes += (uint64_t)len;
				if (update(c, m, (size_t)len) < 0) {
					fprintf(stderr, "collector: bad UPDATE\n");
					return -1;
				}
			}
			if (len < 0)
				return -1;
			check(c);
		}
		if (sess_now() - s->last_tx > s->hold / 3.0 &&
		    sess_keepalive(s) < 0)
			return -1;
		if (sess_now() >= next_progress) {
			event("PROGRESS", c);
			next_progress = sess_now() + 1;
		}
		if (pf[1].revents & (POLLIN | POLLHUP)) {
			if (fgets(line, sizeof(line), stdin) == NULL ||
			    strncmp(line, "quit", 4) == 0) {
				sess_notify_cease(s);
				return 0;
			}
		}
	}
}

int
main(int argc, char **argv)
{
	struct opts o;
	struct load l;
	struct count c;
	struct sess s;
	int rc;

	if (opts_parse(&o, argc, argv, "collector") < 0)
		return 2;
	if (load_gen(&l, o.v4, o.v6, o.seed) < 0) {
		fprintf(stderr, "collector: cannot build the table\n");
		return 1;
	}
	memset(&c, 0, sizeof(c));
	c.l = &l;
	c.present = calloc(l.n ? l.n : 1, 1);
	if (c.present == NULL)
		return 1;
	printf("BUILT %.6f\n", sess_now());
	fflush(stdout);
	if (sess_open(&s, &o.sess) < 0) {
		fprintf(stderr, "collector: no session\n");
		return 1;
	}
	event("ESTABLISHED", &c);
	rc = run(&s, &c);
	event("END", &c);
	close(s.fd);
	return rc < 0 ? 1 : 0;
}
