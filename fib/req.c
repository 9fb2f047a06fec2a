/*
 * req.c: the request socket. Queued prefixes go out as batches of route
 * requests, many per sendmsg, each with NLM_F_ACK; acks come back matched
 * to their prefix by sequence number.
 *
 * rtnetlink handles a batch inside sendmsg, so its acks are queued when the
 * call returns: they are read at once, many per recvmmsg. An ack that never
 * comes (the socket overran) leaves the prefix's kernel state unknown; it
 * is sent again, which is harmless as every install is a replace. Work per
 * call is bounded by the caller's budget so a full table never stalls the
 * loop.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>
#include <netlink/msg.h>
#include <netlink/attr.h>
#include <event2/event.h>

#include "bgp/log.h"
#include "fib/fib_int.h"

#define REQ_BATCH	512		/* requests per sendmsg */
#define REQ_BUFSZ	(160 * 1024)	/* bytes per sendmsg */
#define REQ_RVLEN	128		/* datagrams per recvmmsg */
#define REQ_RSZ		512		/* an ack, with an extended message */
#define REQ_ACK_WAIT	1		/* s before a missing ack is lost */
#define REQ_TURN_NS	20000000	/* kernel time per loop turn */

struct fib_req {
	struct nl_sock	*sk;
	struct nl_msg	*scratch;
	struct event	*ev_read;	/* acks still due */
	struct event	*ev_write;	/* the socket refused a batch */
	uint32_t	 seq;		/* of the next request */
	uint32_t	 seq0;		/* of infl[0] */
	size_t		 ninfl, ndue;
	struct fib_ent	*infl[REQ_BATCH];
	uint8_t		 done[REQ_BATCH];
	char		 buf[REQ_BUFSZ];
	char		 rbuf[REQ_RVLEN][REQ_RSZ];
};

static void	req_read_cb(evutil_socket_t, short, void *);
static void	req_write_cb(evutil_socket_t, short, void *);

/* Large buffers: a batch's acks must all fit in the receive queue. */
static void
req_bufsizes(int fd, int rcv, int snd)
{
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcv, sizeof(rcv)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &snd, sizeof(snd)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &snd, sizeof(snd));
}

int
req_open(struct fib *fib)
{
	struct fib_req *q;
	int one = 1, fd;

	if ((q = calloc(1, sizeof(*q))) == NULL)
		fatal("%s: out of memory", __func__);
	fib->req = q;
	if ((q->sk = nl_socket_alloc()) == NULL ||
	    (q->scratch = nlmsg_alloc_size(4096)) == NULL)
		fatal("%s: out of memory", __func__);
	if (nl_connect(q->sk, NETLINK_ROUTE) < 0 ||
	    nl_socket_set_nonblocking(q->sk) < 0) {
		log_error("fib: cannot open a netlink socket", "errno=%d",
		    errno);
		return -1;
	}
	fd = nl_socket_get_fd(q->sk);
	req_bufsizes(fd, 16 << 20, 4 << 20);
	/* Acks without the request echoed; errors with the kernel's text. */
	setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	q->seq = 1;
	q->ev_read = event_new(fib->base, fd, EV_READ, req_read_cb, fib);
	q->ev_write = event_new(fib->base, fd, EV_WRITE, req_write_cb, fib);
	if (q->ev_read == NULL || q->ev_write == NULL)
		fatal("%s: out of memory", __func__);
	return 0;
}

void
req_close(struct fib *fib)
{
	struct fib_req *q = fib->req;

	if (q == NULL)
		return;
	if (q->ev_read)
		event_free(q->ev_read);
	if (q->ev_write)
		event_free(q->ev_write);
	if (q->scratch)
		nlmsg_free(q->scratch);
	if (q->sk)
		nl_socket_free(q->sk);
	free(q);
	fib->req = NULL;
}

int
req_portid(struct fib *fib)
{
	return (int)nl_socket_get_local_port(fib->req->sk);
}

/* The kernel's answer to one request. */
static void
req_ack(struct fib *fib, size_t i, int err, const char *detail)
{
	struct fib_req *q = fib->req;
	struct fib_ent *e = q->infl[i];
	struct fib_res *r = e->sent;

	q->done[i] = 1;
	q->ndue--;
	fib->ninflight--;
	e->sent = NULL;
	e->flags &= ~ENT_INFLIGHT;
	if (err == 0 || (r == NULL && (err == ESRCH || err == ENOENT))) {
		ent_set_kern(fib, e, r);
		if (r == NULL && (e->flags & ENT_ADOPTED) &&
		    !(e->flags & ENT_WANT)) {
			e->flags &= ~ENT_ADOPTED;
			fib->st.stale_removed++;
		}
	} else {
		fib->st.errors++;
		e->err = (int16_t)err;
		if (!(e->flags & ENT_FAILED)) {
			e->flags |= ENT_FAILED;
			fib->nfailed++;
		}
		fib_error(fib, &e->pfx, r != NULL ? "install" : "remove", err,
		    detail);
		fib_retry_later(fib);
	}
	res_unref(fib, r);
	ent_check(fib, e);
}

/*
 * Requests whose ack is lost: the kernel state is unknown. An install is
 * sent again (a replace is harmless); a removal is taken as done, and a
 * resync by dump catches what that gets wrong.
 */
static void
req_lost(struct fib *fib)
{
	struct fib_req *q = fib->req;
	size_t i;

	for (i = 0; i < q->ninfl; i++) {
		struct fib_ent *e = q->infl[i];
		struct fib_res *r = e->sent;

		if (q->done[i])
			continue;
		q->done[i] = 1;
		fib->ninflight--;
		e->sent = NULL;
		e->flags &= ~ENT_INFLIGHT;
		ent_set_kern(fib, e, NULL);
		res_unref(fib, r);
		ent_check(fib, e);
	}
	q->ninfl = q->ndue = 0;
	mon_resync(fib);
}

static const char *
req_extack(struct nlmsghdr *h)
{
	struct nlmsgerr *er = nlmsg_data(h);
	struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
	size_t off = NLMSG_HDRLEN + sizeof(*er);

	if (!(h->nlmsg_flags & NLM_F_ACK_TLVS) || h->nlmsg_len <= off)
		return NULL;
	if (nla_parse(tb, NLMSGERR_ATTR_MAX, (struct nlattr *)((char *)h + off),
	    (int)(h->nlmsg_len - off), NULL) < 0 ||
	    tb[NLMSGERR_ATTR_MSG] == NULL)
		return NULL;
	((char *)nla_data(tb[NLMSGERR_ATTR_MSG]))[
	    nla_len(tb[NLMSGERR_ATTR_MSG]) - 1] = '\0';
	return nla_data(tb[NLMSGERR_ATTR_MSG]);
}

static void
req_datagram(struct fib *fib, char *buf, size_t len)
{
	struct fib_req *q = fib->req;
	struct nlmsghdr *h = (struct nlmsghdr *)buf;
	int left = (int)len;

	for (; nlmsg_ok(h, left); h = nlmsg_next(h, &left)) {
		struct nlmsgerr *er = nlmsg_data(h);
		uint32_t i = h->nlmsg_seq - q->seq0;

		if (h->nlmsg_type != NLMSG_ERROR ||
		    h->nlmsg_len < NLMSG_LENGTH(sizeof(*er)) ||
		    i >= q->ninfl || q->done[i])
			continue;
		req_ack(fib, i, -er->error,
		    er->error ? req_extack(h) : NULL);
	}
}

/* Reads every ack queued; -1 when acks were lost. */
static int
req_read_acks(struct fib *fib)
{
	struct fib_req *q = fib->req;
	struct mmsghdr mm[REQ_RVLEN];
	struct iovec iov[REQ_RVLEN];
	int fd = nl_socket_get_fd(q->sk), n, i;

	while (q->ndue > 0) {
		memset(mm, 0, sizeof(mm));
		for (i = 0; i < REQ_RVLEN; i++) {
			iov[i].iov_base = q->rbuf[i];
			iov[i].iov_len = REQ_RSZ;
			mm[i].msg_hdr.msg_iov = &iov[i];
			mm[i].msg_hdr.msg_iovlen = 1;
		}
		n = recvmmsg(fd, mm, REQ_RVLEN, MSG_DONTWAIT, NULL);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return 0;
		if (n < 0) {
			fib->st.netlink_errors++;
			log_warn("fib: netlink acks lost, resending",
			    "errno=%d due=%zu", errno, q->ndue);
			return -1;
		}
		for (i = 0; i < n; i++)
			req_datagram(fib, q->rbuf[i], mm[i].msg_len);
	}
	return 0;
}

/* Fills the batch buffer from the queue; returns its length in bytes. */
static size_t
req_fill(struct fib *fib)
{
	struct fib_req *q = fib->req;
	struct fib_ent *e;
	struct fib_res *want;
	size_t off = 0, len;

	q->ninfl = q->ndue = 0;
	q->seq0 = q->seq;
	while (q->ninfl < REQ_BATCH && (e = fib->qhead) != NULL) {
		want = ent_want(fib, e);
		if (want == e->kern) {	/* flapped back: nothing to send */
			ent_pop(fib);
			ent_check(fib, e);
			continue;
		}
		len = msg_route_req(q->scratch, &fib->opts, &e->pfx, want,
		    q->seq, q->buf + off, sizeof(q->buf) - off);
		if (len == 0)
			break;
		ent_pop(fib);
		e->flags |= ENT_INFLIGHT;
		res_set(fib, &e->sent, want);
		q->done[q->ninfl] = 0;
		q->infl[q->ninfl++] = e;
		q->seq++;
		off += len;
	}
	q->ndue = q->ninfl;
	fib->ninflight += q->ninfl;
	return off;
}

/* The socket would not take the batch: put it back on the queue. */
static void
req_unsend(struct fib *fib)
{
	struct fib_req *q = fib->req;
	size_t i;

	for (i = 0; i < q->ninfl; i++) {
		struct fib_ent *e = q->infl[i];

		e->flags &= ~ENT_INFLIGHT;
		res_set(fib, &e->sent, NULL);
		fib->ninflight--;
		ent_check(fib, e);
	}
	q->ninfl = q->ndue = 0;
}

static int64_t
req_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/*
 * The kernel does a batch's work inside sendmsg, at a speed that depends on
 * the machine: the turn ends after budget requests or REQ_TURN_NS,
 * whichever comes first.
 */
int
req_flush(struct fib *fib, size_t budget)
{
	struct fib_req *q = fib->req;
	size_t sent = 0, len;
	struct timeval tv = { REQ_ACK_WAIT, 0 };
	int64_t t0 = req_now_ns();
	int r;

	if (q->ndue > 0 || event_pending(q->ev_write, EV_WRITE, NULL))
		return 0;	/* a callback resumes */
	while (sent < budget && fib->qhead != NULL &&
	    req_now_ns() - t0 < REQ_TURN_NS) {
		if ((len = req_fill(fib)) == 0)
			break;
		if ((r = nl_sendto(q->sk, q->buf, len)) < 0) {
			req_unsend(fib);
			if (r == -NLE_AGAIN) {
				event_add(q->ev_write, NULL);
				return 0;
			}
			fib->st.netlink_errors++;
			log_warn("fib: netlink send failed", "error=\"%s\"",
			    nl_geterror(r));
			fib_retry_later(fib);
			return 0;
		}
		sent += q->ninfl;
		if (req_read_acks(fib) < 0)
			req_lost(fib);
		else if (q->ndue > 0) {
			event_add(q->ev_read, &tv);
			return 0;
		}
	}
	return fib->qhead != NULL;
}

static void
req_read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct fib *fib = arg;
	struct timeval tv = { REQ_ACK_WAIT, 0 };

	(void)fd;
	if (req_read_acks(fib) < 0 || (what & EV_TIMEOUT)) {
		if (fib->req->ndue > 0 && (what & EV_TIMEOUT))
			fib->st.netlink_errors++;
		req_lost(fib);
	} else if (fib->req->ndue > 0) {
		event_add(fib->req->ev_read, &tv);
		return;
	}
	fib_kick(fib);
}

static void
req_write_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	fib_kick(arg);
}

void
req_drain(struct fib *fib)
{
	struct fib_req *q = fib->req;
	struct pollfd pfd;

	pfd.fd = nl_socket_get_fd(q->sk);
	while (fib->qhead != NULL || q->ndue > 0) {
		event_del(q->ev_read);
		event_del(q->ev_write);
		if (q->ndue == 0) {
			req_flush(fib, (size_t)-1);
			continue;
		}
		pfd.events = POLLIN;
		if (poll(&pfd, 1, REQ_ACK_WAIT * 1000) <= 0 ||
		    req_read_acks(fib) < 0) {
			fib->st.netlink_errors++;
			req_lost(fib);
		}
	}
}
