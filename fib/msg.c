/*
 * msg.c: rtnetlink route messages, read into struct fib_route and built
 * from a prefix and a fib_res, with libnl-3's message API.
 *
 * Requests are built in one scratch nl_msg that is reset for each route,
 * then copied into req.c's batch buffer: a full table is a million
 * messages, and an allocation each would cost more than building them.
 */
#include <string.h>
#include <linux/rtnetlink.h>
#include <netlink/msg.h>
#include <netlink/attr.h>

#include "bgp/log.h"
#include "fib/fib_int.h"

static void
msg_gw(struct fib_gw *gw, int family, struct nlattr *gwa, struct nlattr *via,
    uint32_t ifindex)
{
	memset(gw, 0, sizeof(*gw));
	gw->ifindex = ifindex;
	if (gwa != NULL && (size_t)nla_len(gwa) == addr_bytes(family)) {
		gw->af = (uint8_t)family;
		memcpy(gw->a, nla_data(gwa), addr_bytes(family));
	} else if (via != NULL && nla_len(via) >= 2) {
		const struct rtvia *v = nla_data(via);
		int vf = v->rtvia_family;

		if ((vf == AF_INET || vf == AF_INET6) &&
		    (size_t)nla_len(via) >= 2 + addr_bytes(vf)) {
			gw->af = (uint8_t)vf;
			memcpy(gw->a, v->rtvia_addr, addr_bytes(vf));
		}
	}
}

static void
msg_multipath(struct fib_route *r, int family, struct nlattr *mp)
{
	struct rtnexthop *nh = nla_data(mp);
	int left = nla_len(mp);
	struct nlattr *tb[RTA_MAX + 1];

	while (RTNH_OK(nh, left) && r->n < FIB_MAXNH) {
		memset(tb, 0, sizeof(tb));
		if (nh->rtnh_len > sizeof(*nh))
			nla_parse(tb, RTA_MAX, (struct nlattr *)RTNH_DATA(nh),
			    nh->rtnh_len - (int)RTNH_LENGTH(0), NULL);
		if (!(nh->rtnh_flags & RTNH_F_DEAD))
			msg_gw(&r->gw[r->n++], family, tb[RTA_GATEWAY],
			    tb[RTA_VIA], (uint32_t)nh->rtnh_ifindex);
		left -= RTNH_ALIGN(nh->rtnh_len);
		nh = RTNH_NEXT(nh);
	}
}

int
msg_parse_route(struct nlmsghdr *h, struct fib_route *r)
{
	struct rtmsg *rtm = nlmsg_data(h);
	struct nlattr *tb[RTA_MAX + 1];
	int af = rtm->rtm_family;

	if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*rtm)) ||
	    (af != AF_INET && af != AF_INET6) ||
	    (rtm->rtm_flags & RTM_F_CLONED) ||
	    rtm->rtm_dst_len > addr_bits(af) ||
	    nlmsg_parse(h, sizeof(*rtm), tb, RTA_MAX, NULL) < 0)
		return -1;
	memset(r, 0, sizeof(*r));
	r->table = tb[RTA_TABLE] ? nla_get_u32(tb[RTA_TABLE]) : rtm->rtm_table;
	r->prio = tb[RTA_PRIORITY] ? nla_get_u32(tb[RTA_PRIORITY]) : 0;
	r->type = rtm->rtm_type;
	r->proto = rtm->rtm_protocol;
	r->pfx.af = (uint8_t)af;
	r->pfx.len = rtm->rtm_dst_len;
	if (tb[RTA_DST] != NULL) {
		if ((size_t)nla_len(tb[RTA_DST]) != addr_bytes(af))
			return -1;
		memcpy(r->pfx.a, nla_data(tb[RTA_DST]), addr_bytes(af));
	}
	prefix_mask(&r->pfx);
	if (tb[RTA_MULTIPATH] != NULL)
		msg_multipath(r, af, tb[RTA_MULTIPATH]);
	else if (tb[RTA_OIF] != NULL || tb[RTA_GATEWAY] != NULL) {
		msg_gw(&r->gw[0], af, tb[RTA_GATEWAY], tb[RTA_VIA],
		    tb[RTA_OIF] ? nla_get_u32(tb[RTA_OIF]) : 0);
		r->n = 1;
	}
	return 0;
}

static int
msg_put_gw(struct nl_msg *m, const struct fib_gw *gw)
{
	if (gw->af == 0)
		return 0;
	return nla_put(m, RTA_GATEWAY, (int)addr_bytes(gw->af), gw->a);
}

static int
msg_put_multipath(struct nl_msg *m, const struct fib_res *r)
{
	struct nlattr *nest;
	struct rtnexthop *nh;
	unsigned i;

	if ((nest = nla_nest_start(m, RTA_MULTIPATH)) == NULL)
		return -1;
	for (i = 0; i < r->n; i++) {
		if ((nh = nlmsg_reserve(m, sizeof(*nh), NLMSG_ALIGNTO)) == NULL)
			return -1;
		memset(nh, 0, sizeof(*nh));
		nh->rtnh_ifindex = (int)r->gw[i].ifindex;
		if (msg_put_gw(m, &r->gw[i]) < 0)
			return -1;
		nh->rtnh_len = (unsigned short)((char *)nlmsg_tail(
		    nlmsg_hdr(m)) - (char *)nh);
	}
	return nla_nest_end(m, nest);
}

size_t
msg_route_req(struct nl_msg *m, const struct fib_opts *o,
    const struct prefix *p, const struct fib_res *r, uint32_t seq,
    void *buf, size_t room)
{
	struct nlmsghdr *h = nlmsg_hdr(m);
	struct rtmsg rtm;
	int err = 0;

	/* Reset the scratch message: libnl appends after nlmsg_len. */
	memset(h, 0, NLMSG_HDRLEN);
	h->nlmsg_len = NLMSG_HDRLEN;
	h->nlmsg_type = r != NULL ? RTM_NEWROUTE : RTM_DELROUTE;
	h->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK |
	    (r != NULL ? NLM_F_CREATE | NLM_F_REPLACE : 0);
	h->nlmsg_seq = seq;
	memset(&rtm, 0, sizeof(rtm));
	rtm.rtm_family = p->af;
	rtm.rtm_dst_len = p->len;
	rtm.rtm_table = o->table < 256 ? (uint8_t)o->table : RT_TABLE_UNSPEC;
	rtm.rtm_protocol = o->protocol;
	rtm.rtm_scope = r != NULL ? RT_SCOPE_UNIVERSE : RT_SCOPE_NOWHERE;
	rtm.rtm_type = RTN_UNICAST;
	err |= nlmsg_append(m, &rtm, sizeof(rtm), NLMSG_ALIGNTO);
	err |= nla_put(m, RTA_DST, (int)addr_bytes(p->af), p->a);
	err |= nla_put_u32(m, RTA_TABLE, o->table);
	if (r != NULL && r->n == 1) {
		err |= msg_put_gw(m, &r->gw[0]);
		err |= nla_put_u32(m, RTA_OIF, r->gw[0].ifindex);
	} else if (r != NULL)
		err |= msg_put_multipath(m, r);
	if (err != 0)
		fatal("%s: a route request does not fit in %zu bytes",
		    __func__, nlmsg_get_max_size(m));
	if (NLMSG_ALIGN(h->nlmsg_len) > room)
		return 0;
	memcpy(buf, h, h->nlmsg_len);
	return NLMSG_ALIGN(h->nlmsg_len);
}
