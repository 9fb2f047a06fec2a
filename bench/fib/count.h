/*
 * count.h: how many routes of a protocol the kernel holds, by a netlink
 * dump (libnl-3), for the benchmark's own check of its result.
 */
#ifndef BENCH_FIB_COUNT_H
#define BENCH_FIB_COUNT_H

#include <string.h>
#include <linux/rtnetlink.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>
#include <netlink/msg.h>

struct count_arg {
	int	proto;
	long	n;
};

static int
count_cb(struct nl_msg *m, void *arg)
{
	struct count_arg *c = arg;
	struct rtmsg *rtm = nlmsg_data(nlmsg_hdr(m));

	if (rtm->rtm_protocol == c->proto && !(rtm->rtm_flags & RTM_F_CLONED))
		c->n++;
	return NL_OK;
}

static inline long
count_routes(int af, int proto)
{
	struct nl_sock *sk = nl_socket_alloc();
	struct count_arg c = { proto, 0 };
	struct rtmsg rtm;

	if (sk == NULL || nl_connect(sk, NETLINK_ROUTE) < 0)
		return -1;
	nl_socket_modify_cb(sk, NL_CB_VALID, NL_CB_CUSTOM, count_cb, &c);
	memset(&rtm, 0, sizeof(rtm));
	rtm.rtm_family = (unsigned char)af;
	if (nl_send_simple(sk, RTM_GETROUTE, NLM_F_DUMP, &rtm,
	    sizeof(rtm)) < 0 || nl_recvmsgs_default(sk) < 0)
		c.n = -1;
	nl_socket_free(sk);
	return c.n;
}

#endif
