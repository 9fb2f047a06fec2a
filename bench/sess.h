/*
 * sess.h: the minimal BGP session both benchmark tools share.
 *
 * Just enough of RFC 4271 to reach Established with a real daemon and stay
 * there: OPEN with the multiprotocol (RFC 4760, IPv4 and IPv6 unicast),
 * route refresh and 4-octet AS (RFC 6793) capabilities, KEEPALIVE,
 * NOTIFICATION. No FSM beyond that: a benchmark tool that loses its session
 * reports it and exits.
 */
#ifndef BENCH_SESS_H
#define BENCH_SESS_H

#include <stddef.h>
#include <stdint.h>

#define BGP_HDR		19
#define BGP_MAXMSG	4096
#define BGP_OPEN	1
#define BGP_UPDATE	2
#define BGP_NOTIFY	3
#define BGP_KEEPALIVE	4

struct sess_cfg {
	const char *connect;	/* address to connect to, or NULL */
	const char *listen;	/* address to listen on, or NULL */
	int port;
	uint32_t as;
	uint32_t router_id;	/* host byte order */
	int hold;		/* proposed hold time, seconds */
	int timeout;		/* seconds to reach Established */
};

/* Received bytes, parsed in place; sized for large reads. */
struct rbuf {
	uint8_t *b;
	size_t cap, off, len;
};

struct sess {
	int fd;
	int hold;		/* negotiated */
	uint32_t peer_as;
	struct rbuf in;
	double last_tx;
};

double sess_now(void);	/* CLOCK_MONOTONIC seconds, shared by all namespaces */
uint32_t sess_parse_id(const char *dotted);

/* Connects or accepts, exchanges OPEN and KEEPALIVE; 0 once Established.
 * The socket is non-blocking afterwards. When listening, prints
 * "LISTENING t" on stdout once the socket accepts connections. */
int sess_open(struct sess *s, const struct sess_cfg *c);

/* Reads what is there; 0 = ok (maybe nothing), -1 = closed or error. */
int sess_read(struct sess *s);

/* Next complete message in the input, or NULL; *type and *len (whole message
 * including the header) are set. The message stays valid until the next
 * sess_read(). Returns NULL and sets *len = -1 on a malformed header. */
const uint8_t *sess_next(struct sess *s, int *type, int *len);

int sess_keepalive(struct sess *s);
void sess_notify_cease(struct sess *s);

/* Describes a NOTIFICATION body for a log line. */
void sess_print_notify(const char *who, const uint8_t *msg, int len);

#endif
