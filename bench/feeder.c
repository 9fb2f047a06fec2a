/*
 * feeder.c: sends the benchmark table to the speaker under test, fast.
 *
 * It establishes one eBGP session, pre-encodes the announce and withdraw
 * streams, then waits for commands on stdin:
 *   announce   write the announce stream; prints "SEND_START t" and "SEND_DONE t"
 *   withdraw   the same for the withdraw stream
 *   quit       Cease and exit
 * Timestamps are CLOCK_MONOTONIC seconds, comparable with the collector's.
 * While sending it only writes big chunks and drains whatever the peer sends
 * (a daemon may advertise back to us; it must never block on us).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "load.h"
#include "opts.h"
#include "sess.h"
#include "stream.h"

#define CHUNK (1u << 20)

/* Consumes the peer's messages; -1 when the session is gone. */
static int
drain(struct sess *s)
{
	const uint8_t *m;
	int type, len;

	if (sess_read(s) < 0) {
		fprintf(stderr, "feeder: session closed by peer\n");
		return -1;
	}
	while ((m = sess_next(s, &type, &len)) != NULL) {
		if (type == BGP_NOTIFY) {
			sess_print_notify("feeder", m, len);
			return -1;
		}
	}
	return len < 0 ? -1 : 0;
}

static int
run(struct sess *s, struct bytes *ann, struct bytes *wd)
{
	struct bytes *cur = NULL;
	size_t pos = 0;
	char line[64];
	int stdin_open = 1;

	for (;;) {
		struct pollfd pf[2] = {
			{.fd = s->fd, .events = POLLIN | (cur ? POLLOUT : 0)},
			{.fd = stdin_open ? 0 : -1, .events = POLLIN},
		};
		double ka = s->hold / 3.0;

		if (poll(pf, 2, 1000) < 0 && errno != EINTR)
			return -1;
		if ((pf[0].revents & (POLLIN | POLLHUP | POLLERR)) && drain(s) < 0)
			return -1;
		if (cur != NULL && (pf[0].revents & POLLOUT)) {
			size_t n = cur->len - pos < CHUNK ? cur->len - pos : CHUNK;
			ssize_t w = write(s->fd, cur->b + pos, n);

			if (w < 0 && errno != EAGAIN && errno != EINTR) {
				perror("feeder: write");
				return -1;
			}
			if (w > 0) {
				pos += (size_t)w;
				s->last_tx = sess_now();
			}
			if (pos == cur->len) {
				printf("SEND_DONE %.6f\n", sess_now());
				fflush(stdout);
				cur = NULL;
			}
		}
		/* Keepalives only between streams: never inside a message. */
		if (cur == NULL && sess_now() - s->last_tx > ka &&
		    sess_keepalive(s) < 0)
			return -1;
		if (!(pf[1].revents & (POLLIN | POLLHUP)))
			continue;
		if (fgets(line, sizeof(line), stdin) == NULL) {
			stdin_open = 0;
			continue;
		}
		if (strncmp(line, "quit", 4) == 0) {
			sess_notify_cease(s);
			return 0;
		}
		if (cur != NULL) {
			fprintf(stderr, "feeder: busy, ignoring %s", line);
			continue;
		}
		if (strncmp(line, "announce", 8) == 0)
			cur = ann;
		else if (strncmp(line, "withdraw", 8) == 0)
			cur = wd;
		else
			fprintf(stderr, "feeder: unknown command %s", line);
		if (cur != NULL) {
			pos = 0;
			printf("SEND_START %.6f\n", sess_now());
			fflush(stdout);
		}
	}
}

int
main(int argc, char **argv)
{
	struct opts o;
	struct load l;
	struct stream_cfg sc;
	struct stream_stats sa, sw;
	struct bytes ann = {0}, wd = {0};
	struct sess s;
	double t0;
	int rc;

	if (opts_parse(&o, argc, argv, "feeder") < 0)
		return 2;
	memset(&sc, 0, sizeof(sc));
	sc.as = o.sess.as;
	sc.nsets = o.sets;
	sc.zipf = o.zipf;
	sc.seed = o.seed;
	if (o.nh4 == NULL || inet_pton(AF_INET, o.nh4, sc.nh4) != 1 ||
	    o.nh6 == NULL || inet_pton(AF_INET6, o.nh6, sc.nh6) != 1) {
		fprintf(stderr, "feeder: --nh4 and --nh6 are required\n");
		return 2;
	}
	t0 = sess_now();
	if (load_gen(&l, o.v4, o.v6, o.seed) < 0 ||
	    stream_announce(&ann, &l, &sc, &sa) < 0 ||
	    stream_withdraw(&wd, &l, &sw) < 0) {
		fprintf(stderr, "feeder: cannot build the streams\n");
		return 1;
	}
	printf("BUILT %.6f v4 %u v6 %u sets %u updates %u bytes %zu "
	    "wupdates %u wbytes %zu gen_s %.3f\n", sess_now(), l.n4, l.n6,
	    sa.sets_used, sa.updates, ann.len, sw.updates, wd.len,
	    sess_now() - t0);
	fflush(stdout);
	if (sess_open(&s, &o.sess) < 0) {
		fprintf(stderr, "feeder: no session\n");
		return 1;
	}
	printf("ESTABLISHED %.6f peer_as %u hold %d\n", sess_now(), s.peer_as,
	    s.hold);
	fflush(stdout);
	rc = run(&s, &ann, &wd);
	close(s.fd);
	return rc < 0 ? 1 : 0;
}
