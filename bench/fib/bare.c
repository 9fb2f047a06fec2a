/*
 * bare.c: the reference for fibbench: the same routes into the kernel
 * through netlink with nothing else. Messages are built by hand straight
 * into the send buffer, BATCH per sendmsg, each with NLM_F_ACK like fib/'s,
 * acks read many per recvmmsg. No shadow table, no resolution, no loop.
 * Run inside the same kind of namespace as fibbench.
 *
 * Usage: bare [N4 [N6 [BATCH]]]   (1000000 200000 2048)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <sys/socket.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "bench/fib/pfx.h"
#include "bench/fib/count.h"

#define BUFSZ	(160 * 1024)

static char	 sbuf[BUFSZ];
static char	 rbuf[128][512];

static double
bare_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
bare_attr(struct nlmsghdr *h, int type, const void *data, size_t len)
{
	struct rtattr *a = (struct rtattr *)((char *)h +
	    NLMSG_ALIGN(h->nlmsg_len));

	a->rta_type = (unsigned short)type;
	a->rta_len = (unsigned short)RTA_LENGTH(len);
	memcpy(RTA_DATA(a), data, len);
	h->nlmsg_len = NLMSG_ALIGN(h->nlmsg_len) + RTA_ALIGN(a->rta_len);
}

static size_t
bare_msg(char *p, uint32_t i, uint32_t n4, int del, uint32_t seq,
    uint32_t oif, const uint8_t *gw4, const uint8_t *gw6)
{
	struct nlmsghdr *h = (struct nlmsghdr *)p;
	struct rtmsg *rtm = NLMSG_DATA(h);
	uint8_t a[16], len;
	int v4 = i < n4;
	uint32_t table = 254;

	if (v4)
		pfx_v4(i, a, &len);
	else
		pfx_v6(i - n4, a, &len);
	memset(h, 0, NLMSG_LENGTH(sizeof(*rtm)));
	h->nlmsg_len = NLMSG_LENGTH(sizeof(*rtm));
	h->nlmsg_type = del ? RTM_DELROUTE : RTM_NEWROUTE;
	h->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK |
	    (del ? 0 : NLM_F_CREATE | NLM_F_REPLACE);
	h->nlmsg_seq = seq;
	rtm->rtm_family = v4 ? AF_INET : AF_INET6;
	rtm->rtm_dst_len = len;
	rtm->rtm_table = RT_TABLE_MAIN;
	rtm->rtm_protocol = 196;
	rtm->rtm_scope = del ? RT_SCOPE_NOWHERE : RT_SCOPE_UNIVERSE;
	rtm->rtm_type = RTN_UNICAST;
	bare_attr(h, RTA_DST, a, v4 ? 4 : 16);
	bare_attr(h, RTA_TABLE, &table, 4);
	if (!del) {
		bare_attr(h, RTA_GATEWAY, v4 ? gw4 : gw6, v4 ? 4 : 16);
		bare_attr(h, RTA_OIF, &oif, 4);
	}
	return NLMSG_ALIGN(h->nlmsg_len);
}

/* Reads acks until want of them came; returns the errors among them. */
static long
bare_acks(int fd, size_t want)
{
	struct mmsghdr mm[128];
	struct iovec iov[128];
	size_t got = 0;
	long errs = 0;
	int n, i;

	while (got < want) {
		memset(mm, 0, sizeof(mm));
		for (i = 0; i < 128; i++) {
			iov[i].iov_base = rbuf[i];
			iov[i].iov_len = sizeof(rbuf[i]);
			mm[i].msg_hdr.msg_iov = &iov[i];
			mm[i].msg_hdr.msg_iovlen = 1;
		}
		if ((n = recvmmsg(fd, mm, 128, MSG_WAITFORONE, NULL)) < 0) {
			perror("recvmmsg");
			exit(1);
		}
		for (i = 0; i < n; i++) {
			struct nlmsghdr *h = (struct nlmsghdr *)rbuf[i];
			struct nlmsgerr *e = NLMSG_DATA(h);

			if (h->nlmsg_type == NLMSG_ERROR) {
				got++;
				errs += e->error != 0;
			}
		}
	}
	return errs;
}

static double
bare_phase(int fd, uint32_t n4, uint32_t n6, uint32_t batch, int del,
    long *errs)
{
	uint8_t gw4[4], gw6[16];
	uint32_t oif = if_nametoindex("a0"), i = 0, seq = 1;
	double t0 = bare_now();
	size_t off, k;

	inet_pton(AF_INET, "10.0.0.2", gw4);
	inet_pton(AF_INET6, "2001:db8::2", gw6);
	*errs = 0;
	while (i < n4 + n6) {
		for (off = 0, k = 0; k < batch && i < n4 + n6 &&
		    off + 256 < sizeof(sbuf); k++, i++)
			off += bare_msg(sbuf + off, i, n4, del, seq++, oif,
			    gw4, gw6);
		if (send(fd, sbuf, off, 0) < 0) {
			perror("send");
			exit(1);
		}
		*errs += bare_acks(fd, k);
	}
	return bare_now() - t0;
}

int
main(int argc, char **argv)
{
	uint32_t n4 = argc > 1 ? (uint32_t)strtoul(argv[1], NULL, 10) : 1000000;
	uint32_t n6 = argc > 2 ? (uint32_t)strtoul(argv[2], NULL, 10) : 200000;
	uint32_t batch = argc > 3 ? (uint32_t)strtoul(argv[3], NULL, 10) : 2048;
	struct sockaddr_nl sa;
	int fd, one = 1, rcv = 16 << 20, snd = 4 << 20;
	double t_add, t_del;
	long errs;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	memset(&sa, 0, sizeof(sa));
	sa.nl_family = AF_NETLINK;
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		perror("netlink");
		return 1;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcv, sizeof(rcv));
	setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &snd, sizeof(snd));
	setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	t_add = bare_phase(fd, n4, n6, batch, 0, &errs);
	printf("bare install: %u+%u routes in %.3f s (%.0f routes/s), "
	    "kernel holds %ld+%ld, errors %ld\n", n4, n6, t_add,
	    (n4 + n6) / t_add, count_routes(AF_INET, 196),
	    count_routes(AF_INET6, 196), errs);
	t_del = bare_phase(fd, n4, n6, batch, 1, &errs);
	printf("bare remove:  %u+%u routes in %.3f s (%.0f routes/s), "
	    "kernel holds %ld+%ld, errors %ld\n", n4, n6, t_del,
	    (n4 + n6) / t_del, count_routes(AF_INET, 196),
	    count_routes(AF_INET6, 196), errs);
	printf("RESULT bare add=%.3f del=%.3f\n", t_add, t_del);
	close(fd);
	return 0;
}
