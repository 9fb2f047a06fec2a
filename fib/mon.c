/*
 * mon.c: what the kernel tells us. A notification socket subscribed to
 * links, addresses, routes and neighbours, registered with the loop, and a
 * dump socket for the initial dump (blocking, in fib_new) and for a resync
 * (on the loop) after the notification socket overran.
 *
 * A socket filter drops the notifications our own requests cause (they
 * carry the request socket's port id): a full table would otherwise come
 * back as a million notifications. What remains is other actors: a route
 * of ours deleted or replaced by hand, another daemon's routes, the kernel
 * flushing routes of a link that went down.
 */
#include <errno.h>
#include <poll.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <sys/socket.h>
#include <linux/filter.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/neighbour.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>
#include <netlink/msg.h>
#include <netlink/attr.h>
#include <event2/event.h>

#include "bgp/log.h"
#include "fib/fib_int.h"

#define MON_RVLEN	32
#define MON_RSZ		(32 * 1024)
#define MON_BUDGET	4096	/* datagrams per wakeup */
#define MON_DUMP_BUDGET	32	/* dump datagrams (of up to 32 KiB) per turn */

struct fib_mon {
	struct nl_sock	*sk;		/* notifications */
	struct nl_sock	*dsk;		/* dumps */
	struct event	*ev, *ev_dump;
	int		 step;		/* of the dump, -1: none running */
	int		 again;		/* resync again when this one ends */
	char		 rbuf[MON_RVLEN][MON_RSZ];
};

static const struct {
	int	type, family;
} mon_steps[] = {
	{ RTM_GETLINK, AF_UNSPEC },
	{ RTM_GETADDR, AF_INET6 },
	{ RTM_GETROUTE, AF_INET },
	{ RTM_GETROUTE, AF_INET6 },
	{ RTM_GETNEIGH, AF_INET6 },
};
#define MON_NSTEPS	((int)(sizeof(mon_steps) / sizeof(mon_steps[0])))

static void	mon_read_cb(evutil_socket_t, short, void *);
static void	mon_dump_cb(evutil_socket_t, short, void *);

static void
mon_link(struct fib *fib, struct nlmsghdr *h)
{
	struct ifinfomsg *ifi = nlmsg_data(h);
	struct nlattr *tb[IFLA_MAX + 1];

	if (nlmsg_parse(h, sizeof(*ifi), tb, IFLA_MAX, NULL) < 0)
		return;
	kern_link(fib, (uint32_t)ifi->ifi_index, ifi->ifi_flags,
	    tb[IFLA_IFNAME] ? nla_get_string(tb[IFLA_IFNAME]) : NULL,
	    h->nlmsg_type == RTM_NEWLINK);
}

static int
mon_is_ll(const struct nlattr *a)
{
	const uint8_t *b;

	if (a == NULL || nla_len(a) != 16)
		return 0;
	b = nla_data(a);
	return b[0] == 0xfe && (b[1] & 0xc0) == 0x80;
}

static void
mon_addr(struct fib *fib, struct nlmsghdr *h)
{
	struct ifaddrmsg *ifa = nlmsg_data(h);
	struct nlattr *tb[IFA_MAX + 1];

	if (ifa->ifa_family != AF_INET6 ||
	    nlmsg_parse(h, sizeof(*ifa), tb, IFA_MAX, NULL) < 0 ||
	    !mon_is_ll(tb[IFA_ADDRESS]))
		return;
	kern_addr6_ll(fib, nla_data(tb[IFA_ADDRESS]), ifa->ifa_index,
	    h->nlmsg_type == RTM_NEWADDR);
}

static void
mon_neigh(struct fib *fib, struct nlmsghdr *h)
{
	struct ndmsg *nd = nlmsg_data(h);
	struct nlattr *tb[NDA_MAX + 1];
	int add;

	if (nd->ndm_family != AF_INET6 ||
	    nlmsg_parse(h, sizeof(*nd), tb, NDA_MAX, NULL) < 0 ||
	    !mon_is_ll(tb[NDA_DST]))
		return;
	add = h->nlmsg_type == RTM_NEWNEIGH &&
	    !(nd->ndm_state & (NUD_FAILED | NUD_INCOMPLETE));
	kern_neigh(fib, nla_data(tb[NDA_DST]), (uint32_t)nd->ndm_ifindex, add);
}

/* A route of our protocol in our table, as the kernel holds it now. */
static void
mon_our_route(struct fib *fib, const struct fib_route *r, int add)
{
	struct fib_ent *e = ent_find(fib, &r->pfx);
	struct fib_res *res;

	if (add) {
		if (r->type != RTN_UNICAST || r->n == 0)
			return;
		if (e == NULL) {
			e = ent_get(fib, &r->pfx);
			/* Not ours to keep unless the RIB claims it. */
			if (!fib->converged)
				e->flags |= ENT_ADOPTED;
			if (fib->initial)
				fib->st.adopted++;
		}
		e->flags &= ~ENT_UNSEEN;
		if (e->flags & ENT_INFLIGHT)
			return;
		res = res_intern(fib, r->gw, r->n);
		ent_set_kern(fib, e, res);
		res_unref(fib, res);
	} else {
		if (e == NULL || (e->flags & ENT_INFLIGHT))
			return;
		ent_set_kern(fib, e, NULL);
	}
	ent_check(fib, e);
}

static void
mon_route(struct fib *fib, struct nlmsghdr *h)
{
	struct fib_route r;

	if (msg_parse_route(h, &r) < 0)
		return;
	if (r.proto == fib->opts.protocol && r.table == fib->opts.table)
		mon_our_route(fib, &r, h->nlmsg_type == RTM_NEWROUTE);
	else if (r.proto != fib->opts.protocol)
		kern_route(fib, &r, h->nlmsg_type == RTM_NEWROUTE);
}

static void
mon_msg(struct fib *fib, struct nlmsghdr *h)
{
	switch (h->nlmsg_type) {
	case RTM_NEWLINK:
	case RTM_DELLINK:
		mon_link(fib, h);
		break;
	case RTM_NEWADDR:
	case RTM_DELADDR:
		mon_addr(fib, h);
		break;
	case RTM_NEWROUTE:
	case RTM_DELROUTE:
		mon_route(fib, h);
		break;
	case RTM_NEWNEIGH:
	case RTM_DELNEIGH:
		mon_neigh(fib, h);
		break;
	}
}

/* Drop the notifications our own requests cause. */
static void
mon_filter(struct fib *fib, int fd)
{
	struct sock_filter code[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
		    offsetof(struct nlmsghdr, nlmsg_pid)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
		    htonl((uint32_t)req_portid(fib)), 0, 1),
		BPF_STMT(BPF_RET | BPF_K, 0),
		BPF_STMT(BPF_RET | BPF_K, 0xffffffff),
	};
	struct sock_fprog prog = { sizeof(code) / sizeof(code[0]), code };

	if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog,
	    sizeof(prog)) < 0)
		log_warn("fib: no notification filter, our own changes will "
		    "be read back", "errno=%d", errno);
}

static struct nl_sock *
mon_socket(void)
{
	struct nl_sock *sk;

	if ((sk = nl_socket_alloc()) == NULL)
		fatal("%s: out of memory", __func__);
	if (nl_connect(sk, NETLINK_ROUTE) < 0 ||
	    nl_socket_set_nonblocking(sk) < 0) {
		nl_socket_free(sk);
		return NULL;
	}
	return sk;
}

int
mon_open(struct fib *fib)
{
	struct fib_mon *m;
	int fd, sz = 32 << 20;

	if ((m = calloc(1, sizeof(*m))) == NULL)
		fatal("%s: out of memory", __func__);
	fib->mon = m;
	m->step = -1;
	if ((m->sk = mon_socket()) == NULL || (m->dsk = mon_socket()) == NULL) {
		log_error("fib: cannot open a netlink socket", "errno=%d",
		    errno);
		return -1;
	}
	fd = nl_socket_get_fd(m->sk);
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	mon_filter(fib, fd);
	if (nl_socket_add_memberships(m->sk, RTNLGRP_LINK, RTNLGRP_IPV4_IFADDR,
	    RTNLGRP_IPV6_IFADDR, RTNLGRP_IPV4_ROUTE, RTNLGRP_IPV6_ROUTE,
	    RTNLGRP_NEIGH, 0) < 0) {
		log_error("fib: cannot subscribe to route notifications",
		    "errno=%d", errno);
		return -1;
	}
	m->ev = event_new(fib->base, fd, EV_READ | EV_PERSIST, mon_read_cb,
	    fib);
	m->ev_dump = event_new(fib->base, nl_socket_get_fd(m->dsk),
	    EV_READ | EV_PERSIST, mon_dump_cb, fib);
	if (m->ev == NULL || m->ev_dump == NULL)
		fatal("%s: out of memory", __func__);
	event_add(m->ev, NULL);
	return 0;
}

void
mon_close(struct fib *fib)
{
	struct fib_mon *m = fib->mon;

	if (m == NULL)
		return;
	if (m->ev)
		event_free(m->ev);
	if (m->ev_dump)
		event_free(m->ev_dump);
	if (m->sk)
		nl_socket_free(m->sk);
	if (m->dsk)
		nl_socket_free(m->dsk);
	free(m);
	fib->mon = NULL;
}

static void
mon_read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct fib *fib = arg;
	struct fib_mon *m = fib->mon;
	struct mmsghdr mm[MON_RVLEN];
	struct iovec iov[MON_RVLEN];
	int n, i, left, total = 0;
	struct nlmsghdr *h;

	(void)what;
	while (total < MON_BUDGET) {
		memset(mm, 0, sizeof(mm));
		for (i = 0; i < MON_RVLEN; i++) {
			iov[i].iov_base = m->rbuf[i];
			iov[i].iov_len = MON_RSZ;
			mm[i].msg_hdr.msg_iov = &iov[i];
			mm[i].msg_hdr.msg_iovlen = 1;
		}
		n = recvmmsg(fd, mm, MON_RVLEN, MSG_DONTWAIT, NULL);
		if (n < 0 && errno == ENOBUFS) {
			fib->st.netlink_errors++;
			log_warn("fib: notifications lost, resyncing by dump",
			    "%s", "");
			mon_resync(fib);
			continue;
		}
		if (n <= 0)
			return;
		for (i = 0; i < n; i++) {
			h = (struct nlmsghdr *)m->rbuf[i];
			left = (int)mm[i].msg_len;
			for (; nlmsg_ok(h, left); h = nlmsg_next(h, &left))
				mon_msg(fib, h);
		}
		total += n;
	}
}

/* Each dump asks with the header its family of messages has, zeroed. */
static int
mon_dump_request(struct fib *fib)
{
	struct fib_mon *m = fib->mon;
	union {
		struct ifinfomsg	ifi;
		struct ifaddrmsg	ifa;
		struct rtmsg		rtm;
		struct ndmsg		nd;
	} u;
	size_t len;

	memset(&u, 0, sizeof(u));
	switch (mon_steps[m->step].type) {
	case RTM_GETLINK:
		len = sizeof(u.ifi);
		break;
	case RTM_GETADDR:
		u.ifa.ifa_family = AF_INET6;
		len = sizeof(u.ifa);
		break;
	case RTM_GETROUTE:
		u.rtm.rtm_family = (unsigned char)mon_steps[m->step].family;
		len = sizeof(u.rtm);
		break;
	default:
		u.nd.ndm_family = AF_INET6;
		len = sizeof(u.nd);
		break;
	}
	return nl_send_simple(m->dsk, mon_steps[m->step].type, NLM_F_DUMP,
	    &u, len);
}

/* The dump is over: what was not seen in it is gone from the kernel. */
static void
mon_dump_end_cb(void *arg, struct fib_hnode *x)
{
	struct fib *fib = arg;
	struct fib_ent *e = (struct fib_ent *)x;

	if (!(e->flags & ENT_UNSEEN))
		return;
	e->flags &= ~ENT_UNSEEN;
	if (!(e->flags & ENT_INFLIGHT))
		ent_set_kern(fib, e, NULL);
	ent_changed(fib, e);
}

static void
mon_dump_end(struct fib *fib)
{
	struct fib_mon *m = fib->mon;

	m->step = -1;
	event_del(m->ev_dump);
	if (fib->initial)
		return;
	htab_walk(&fib->ents, mon_dump_end_cb, fib);
	kern_sweep(fib);
	fib->resyncing = 0;
	log_info("fib: resync done", "routes=%zu", fib->ents.n);
	if (m->again) {
		m->again = 0;
		mon_resync(fib);
	}
	fib_kick(fib);
}

/*
 * Reads up to budget datagrams of the dump; 1 when the dump is over. On
 * the loop a full table is read over many turns, not in one.
 */
static int
mon_dump_read(struct fib *fib, int budget)
{
	struct fib_mon *m = fib->mon;
	struct nlmsghdr *h;
	int n, left;

	while (budget-- > 0) {
		n = (int)recv(nl_socket_get_fd(m->dsk), m->rbuf[0], MON_RSZ,
		    MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return 0;
		if (n <= 0) {
			fib->st.netlink_errors++;
			log_warn("fib: dump failed", "errno=%d", errno);
			return 1;
		}
		h = (struct nlmsghdr *)m->rbuf[0];
		for (left = n; nlmsg_ok(h, left); h = nlmsg_next(h, &left)) {
			if (h->nlmsg_flags & NLM_F_DUMP_INTR)
				m->again = 1;
			if (h->nlmsg_type == NLMSG_DONE ||
			    h->nlmsg_type == NLMSG_ERROR) {
				if (++m->step == MON_NSTEPS)
					return 1;
				if (mon_dump_request(fib) < 0)
					return 1;
				break;
			}
			mon_msg(fib, h);
		}
	}
	return 0;
}

static void
mon_dump_cb(evutil_socket_t fd, short what, void *arg)
{
	struct fib *fib = arg;

	(void)fd;
	(void)what;
	if (mon_dump_read(fib, MON_DUMP_BUDGET))
		mon_dump_end(fib);
}

static void
mon_unseen_cb(void *arg, struct fib_hnode *x)
{
	(void)arg;
	((struct fib_ent *)x)->flags |= ENT_UNSEEN;
}

static int
mon_dump_start(struct fib *fib)
{
	struct fib_mon *m = fib->mon;

	kern_mark(fib);
	htab_walk(&fib->ents, mon_unseen_cb, NULL);
	m->step = 0;
	m->again = 0;
	return mon_dump_request(fib);
}

void
mon_resync(struct fib *fib)
{
	struct fib_mon *m = fib->mon;

	if (m == NULL || fib->closing)
		return;
	if (m->step >= 0) {
		m->again = 1;
		return;
	}
	fib->st.resyncs++;
	fib->resyncing = 1;
	if (mon_dump_start(fib) < 0) {
		fib->st.netlink_errors++;
		fib->resyncing = 0;
		return;
	}
	event_add(m->ev_dump, NULL);
}

int
mon_dump_sync(struct fib *fib)
{
	struct fib_mon *m = fib->mon;
	struct pollfd pfd;

	fib->initial = 1;
	if (mon_dump_start(fib) < 0)
		return -1;
	pfd.fd = nl_socket_get_fd(m->dsk);
	pfd.events = POLLIN;
	while (!mon_dump_read(fib, INT32_MAX)) {
		if (poll(&pfd, 1, 10000) <= 0) {
			log_error("fib: the kernel did not answer a dump",
			    "%s", "");
			return -1;
		}
	}
	mon_dump_end(fib);
	fib->initial = 0;
	return 0;
}
