/*
 * sess.c: session establishment and message framing for the benchmark tools
 * (RFC 4271 sections 4.1-4.5, RFC 5492 capabilities, RFC 6793 4-octet AS).
 *
 * Either side may connect: third-party daemons are configured passive and
 * the tools connect to them; a daemon that only connects out is served by
 * --listen. Only one connection is kept, so there is no collision to resolve.
 */
#include "sess.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* Reads of up to 1 MiB: large enough to amortise the system call, small
 * enough that events are timestamped close to the bytes that caused them. */
#define RBUF_CAP (1u << 20)

double
sess_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

uint32_t
sess_parse_id(const char *dotted)
{
	struct in_addr a;

	if (inet_pton(AF_INET, dotted, &a) != 1)
		return 0;
	return ntohl(a.s_addr);
}

static void
put16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static unsigned
get16(const uint8_t *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

static int
write_all(int fd, const uint8_t *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && (errno == EINTR || errno == EAGAIN)) {
			struct pollfd pf = {.fd = fd, .events = POLLOUT};

			poll(&pf, 1, 1000);
			continue;
		}
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int
send_open(int fd, const struct sess_cfg *c)
{
	uint8_t m[64], *p = m + BGP_HDR;
	uint8_t *opt;

	memset(m, 0xff, 16);
	*p++ = 4;					/* version */
	put16(p, c->as > 65535 ? 23456 : c->as);	/* AS_TRANS if needed */
	p += 2;
	put16(p, (unsigned)c->hold);
	p += 2;
	*p++ = (uint8_t)(c->router_id >> 24);
	*p++ = (uint8_t)(c->router_id >> 16);
	*p++ = (uint8_t)(c->router_id >> 8);
	*p++ = (uint8_t)c->router_id;
	opt = p++;					/* opt param length */
	/* One capabilities parameter holding all of them. */
	*p++ = 2;
	*p++ = 6 + 6 + 2 + 6;
	*p++ = 1; *p++ = 4; *p++ = 0; *p++ = 1; *p++ = 0; *p++ = 1;	/* MP v4 */
	*p++ = 1; *p++ = 4; *p++ = 0; *p++ = 2; *p++ = 0; *p++ = 1;	/* MP v6 */
	*p++ = 2; *p++ = 0;						/* refresh */
	*p++ = 65; *p++ = 4;						/* AS4 */
	*p++ = (uint8_t)(c->as >> 24);
	*p++ = (uint8_t)(c->as >> 16);
	*p++ = (uint8_t)(c->as >> 8);
	*p++ = (uint8_t)c->as;
	*opt = (uint8_t)(p - opt - 1);
	put16(m + 16, (unsigned)(p - m));
	m[18] = BGP_OPEN;
	return write_all(fd, m, (size_t)(p - m));
}

static int
send_keepalive(int fd)
{
	uint8_t m[BGP_HDR];

	memset(m, 0xff, 16);
	put16(m + 16, BGP_HDR);
	m[18] = BGP_KEEPALIVE;
	return write_all(fd, m, sizeof(m));
}

int
sess_keepalive(struct sess *s)
{
	s->last_tx = sess_now();
	return send_keepalive(s->fd);
}

void
sess_notify_cease(struct sess *s)
{
	uint8_t m[BGP_HDR + 2];

	memset(m, 0xff, 16);
	put16(m + 16, sizeof(m));
	m[18] = BGP_NOTIFY;
	m[19] = 6;	/* Cease */
	m[20] = 2;	/* Administrative Shutdown */
	(void)write_all(s->fd, m, sizeof(m));
}

void
sess_print_notify(const char *who, const uint8_t *msg, int len)
{
	fprintf(stderr, "%s: NOTIFICATION code %d subcode %d\n", who,
	    len > BGP_HDR ? msg[BGP_HDR] : -1,
	    len > BGP_HDR + 1 ? msg[BGP_HDR + 1] : -1);
}

int
sess_read(struct sess *s)
{
	struct rbuf *r = &s->in;
	ssize_t n;

	/* Keep the unparsed tail at the front so a read is always large. */
	if (r->off > 0) {
		memmove(r->b, r->b + r->off, r->len - r->off);
		r->len -= r->off;
		r->off = 0;
	}
	for (;;) {
		n = read(s->fd, r->b + r->len, r->cap - r->len);
		if (n > 0) {
			r->len += (size_t)n;
			return 0;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return 0;
		return -1;
	}
}

const uint8_t *
sess_next(struct sess *s, int *type, int *len)
{
	struct rbuf *r = &s->in;
	const uint8_t *m = r->b + r->off;
	size_t avail = r->len - r->off;
	unsigned l;

	*len = 0;
	if (avail < BGP_HDR)
		return NULL;
	l = get16(m + 16);
	if (l < BGP_HDR || l > 65535) {
		*len = -1;
		return NULL;
	}
	if (avail < l)
		return NULL;
	r->off += l;
	*type = m[18];
	*len = (int)l;
	return m;
}

static int
resolve(const char *host, int port, struct sockaddr_storage *ss, socklen_t *sl)
{
	struct addrinfo hints, *res;
	char ps[16];

	memset(&hints, 0, sizeof(hints));
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
	hints.ai_socktype = SOCK_STREAM;
	snprintf(ps, sizeof(ps), "%d", port);
	if (getaddrinfo(host, ps, &hints, &res) != 0)
		return -1;
	memcpy(ss, res->ai_addr, res->ai_addrlen);
	*sl = res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}

static void
tune(int fd)
{
	int one = 1, big = 4 << 20;

	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	/* The FORCE variants pass net.core.*mem_max as root; the plain ones
	 * are the fallback. Large buffers keep the tools out of the way. */
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &big, sizeof(big)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &big, sizeof(big));
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
}

/* One TCP connection, by connecting (retrying while the daemon starts) or by
 * accepting on lfd. */
static int
get_conn(const struct sess_cfg *c, int lfd, double deadline)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	int fd;

	if (lfd >= 0) {
		struct pollfd pf = {.fd = lfd, .events = POLLIN};
		int ms = (int)((deadline - sess_now()) * 1000);

		if (ms <= 0 || poll(&pf, 1, ms) <= 0)
			return -1;
		fd = accept(lfd, NULL, NULL);
		if (fd >= 0)
			tune(fd);
		return fd;
	}
	if (resolve(c->connect, c->port, &ss, &sl) < 0) {
		fprintf(stderr, "bad address %s\n", c->connect);
		return -1;
	}
	while (sess_now() < deadline) {
		fd = socket(ss.ss_family, SOCK_STREAM, 0);
		if (fd < 0)
			return -1;
		tune(fd);
		if (connect(fd, (struct sockaddr *)&ss, sl) == 0)
			return fd;
		close(fd);
		usleep(200000);
	}
	return -1;
}

/* OPEN / KEEPALIVE exchange on a fresh connection (RFC 4271 8.2.2, the
 * OpenSent and OpenConfirm states). */
static int
handshake(struct sess *s, const struct sess_cfg *c, double deadline)
{
	int got_open = 0, type = 0, len = 0;
	const uint8_t *m;

	if (send_open(s->fd, c) < 0)
		return -1;
	while (sess_now() < deadline) {
		struct pollfd pf = {.fd = s->fd, .events = POLLIN};

		if (poll(&pf, 1, 200) < 0 || (pf.revents && sess_read(s) < 0))
			return -1;
		while ((m = sess_next(s, &type, &len)) != NULL) {
			if (type == BGP_NOTIFY) {
				sess_print_notify("handshake", m, len);
				return -1;
			}
			if (type == BGP_OPEN && len >= 29) {
				int h = (int)get16(m + 22);

				s->peer_as = get16(m + 20);
				s->hold = h < c->hold ? h : c->hold;
				got_open = 1;
				if (send_keepalive(s->fd) < 0)
					return -1;
			} else if (type == BGP_KEEPALIVE && got_open) {
				return 0;
			}
		}
		if (len < 0)
			return -1;
	}
	return -1;
}

int
sess_open(struct sess *s, const struct sess_cfg *c)
{
	double deadline = sess_now() + c->timeout;
	int lfd = -1;

	memset(s, 0, sizeof(*s));
	s->in.cap = RBUF_CAP;
	s->in.b = malloc(s->in.cap);
	if (s->in.b == NULL)
		return -1;
	if (c->listen != NULL) {
		struct sockaddr_storage ss;
		socklen_t sl;
		int one = 1;

		if (resolve(c->listen, c->port, &ss, &sl) < 0)
			return -1;
		lfd = socket(ss.ss_family, SOCK_STREAM, 0);
		if (lfd < 0)
			return -1;
		setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(lfd, (struct sockaddr *)&ss, sl) < 0 ||
		    listen(lfd, 4) < 0) {
			perror("listen");
			close(lfd);
			return -1;
		}
		/* The driver starts a connecting daemon only after this line:
		 * a refused first attempt would cost the daemon's whole
		 * ConnectRetry time (120 s by default). */
		printf("LISTENING %.6f\n", sess_now());
		fflush(stdout);
	}
	/* A daemon may refuse the first attempt (still loading its config):
	 * try again until the deadline. */
	while (sess_now() < deadline) {
		s->fd = get_conn(c, lfd, deadline);
		if (s->fd < 0)
			break;
		s->in.off = s->in.len = 0;
		if (handshake(s, c, deadline) == 0) {
			if (lfd >= 0)
				close(lfd);
			fcntl(s->fd, F_SETFL, fcntl(s->fd, F_GETFL) | O_NONBLOCK);
			s->last_tx = sess_now();
			return 0;
		}
		close(s->fd);
		s->fd = -1;
		usleep(200000);
	}
	if (lfd >= 0)
		close(lfd);
	return -1;
}
