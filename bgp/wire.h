/*
 * wire.h: the BGP-4 message codec (internal to bgp/).
 *
 * Pure functions over bounded cursors: no I/O, no allocation on the decode
 * path beyond the scratch arena the caller hands in. Every length is checked
 * before it is read. Errors map to RFC 4271 section 6 NOTIFICATION codes, or
 * to the RFC 7606 outcomes (treat-as-withdraw, attribute discard).
 *
 * Sections by file: wire_msg.c (header, OPEN, KEEPALIVE, NOTIFICATION,
 * ROUTE-REFRESH), wire_capa.c (capabilities), wire_attr.c (the attribute
 * descriptor table, decode and encode), wire_update.c (UPDATE decode and
 * the packing builder), wire_nlri.c (prefix encoding).
 */
#ifndef BGP_WIRE_H
#define BGP_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "bgp/addr.h"
#include "bgp/attr.h"
#include "bgp/buf.h"

#define BGP_HDR_LEN		19
#define BGP_MAX_LEN		4096
#define BGP_EXT_MAX_LEN		65535	/* RFC 8654 */

#define BGP_T_OPEN		1
#define BGP_T_UPDATE		2
#define BGP_T_NOTIFICATION	3
#define BGP_T_KEEPALIVE		4
#define BGP_T_ROUTE_REFRESH	5

/* NOTIFICATION codes and subcodes (RFC 4271 4.5, 6; RFC 4486; RFC 8203/9003). */
#define ERR_HEADER		1
#define  ERR_HDR_SYNC		1
#define  ERR_HDR_LEN		2
#define  ERR_HDR_TYPE		3
#define ERR_OPEN		2
#define  ERR_OPEN_VERSION	1
#define  ERR_OPEN_AS		2
#define  ERR_OPEN_BGPID		3
#define  ERR_OPEN_OPT		4
#define  ERR_OPEN_HOLD		6
#define  ERR_OPEN_CAPA		7
#define ERR_UPDATE		3
#define  ERR_UPD_ATTRLIST	1
#define  ERR_UPD_UNKWN_WK	2
#define  ERR_UPD_MISSING_WK	3
#define  ERR_UPD_FLAGS		4
#define  ERR_UPD_LENGTH		5
#define  ERR_UPD_ORIGIN		6
#define  ERR_UPD_NEXTHOP	8
#define  ERR_UPD_OPTATTR	9
#define  ERR_UPD_NETWORK	10
#define  ERR_UPD_ASPATH		11
#define ERR_HOLD		4
#define ERR_FSM			5
#define ERR_CEASE		6
#define  ERR_CEASE_MAX_PREFIX	1
#define  ERR_CEASE_ADMIN_DOWN	2
#define  ERR_CEASE_PEER_UNCONF	3
#define  ERR_CEASE_ADMIN_RESET	4
#define  ERR_CEASE_REJECTED	5
#define  ERR_CEASE_CONFIG	6
#define  ERR_CEASE_COLLISION	7
#define  ERR_CEASE_RESOURCES	8

/* A NOTIFICATION to send (or one received). */
struct notif {
	uint8_t		 code, subcode;
	uint16_t	 datalen;
	uint8_t		 data[256];	/* what the RFC asks to echo, truncated */
};

/* wire_msg.c */
/*
 * Check a message header at c (at least 19 bytes): marker, length within
 * 19..maxlen, and the per-type minimum. On success *len is the whole
 * message length and *type its type, and c is past the header (the
 * body may not have arrived yet: the caller waits for *len bytes).
 */
int	 wire_header(struct cur *c, size_t maxlen, uint16_t *len,
	    uint8_t *type, struct notif *err);
/* Write a header with a zero length; patch it with wire_msg_done(). */
void	 wire_msg_start(struct wbuf *w, uint8_t type);
/* Patch the length; 0, or -1 when the buffer overflowed. */
int	 wire_msg_done(struct wbuf *w);

struct capas {
	int		 mp_v4, mp_v6;		/* IPv4/IPv6 unicast */
	int		 route_refresh;		/* RFC 2918 (or the old code 128) */
	int		 enhanced_rr;		/* RFC 7313, parsed only */
	int		 as4;			/* RFC 6793 */
	uint32_t	 as4_number;
	int		 ext_msg;		/* RFC 8654 */
	int		 gr;			/* RFC 4724 */
	uint16_t	 gr_time;
	int		 gr_restarting;
	int		 gr_v4, gr_v6;		/* families with forwarding state */
	int		 gr_v4_fwd, gr_v6_fwd;
	int		 addpath_seen;		/* parsed, never negotiated */
};

struct open_msg {
	uint8_t		 version;
	uint16_t	 my_as;			/* the 2-octet field */
	uint16_t	 hold_time;
	uint32_t	 bgp_id;		/* host order */
	struct capas	 capas;
	int		 has_capas;		/* a capabilities parameter was there */
};

/* Body only (after the header). Unknown capabilities are skipped. */
int	 wire_open_decode(struct cur *body, struct open_msg *, struct notif *);
/* Whole message into w. The AS field is AS_TRANS when as4_number > 65535. */
int	 wire_open_encode(struct wbuf *w, const struct open_msg *);
int	 wire_keepalive_encode(struct wbuf *w);
/* data may hold an RFC 9003 shutdown communication (length byte + UTF-8). */
int	 wire_notification_encode(struct wbuf *w, const struct notif *);
int	 wire_notification_decode(struct cur *body, struct notif *);
/* Build a Cease with an RFC 9003 shutdown communication. */
void	 wire_notif_shutdown(struct notif *, uint8_t subcode, const char *msg);
/*
 * The shutdown communication of a received Cease as text for the log
 * (control characters shown as '?'); NULL when there is none, or when it
 * overruns the data or is not UTF-8 (RFC 9003 2 and 4).
 */
const char *wire_notif_shutdown_text(const struct notif *, char *, size_t);
/* Human text for a code/subcode: "Cease/Administrative Shutdown". */
const char *wire_notif_name(uint8_t code, uint8_t subcode, char *, size_t);
int	 wire_refresh_encode(struct wbuf *w, uint16_t afi, uint8_t safi);
int	 wire_refresh_decode(struct cur *body, uint16_t *afi, uint8_t *safi);

/* wire_capa.c */
/*
 * The capabilities of one Capabilities optional parameter, merged into *c
 * (several parameters may each carry some). Unknown and malformed
 * capabilities are skipped: a peer's odd capability is no reason to refuse
 * the session. -1 only when the TLV framing itself overruns the parameter.
 */
int	 wire_capa_decode(struct cur *param, struct capas *c);
/* The capability TLVs of c (without the parameter header). */
int	 wire_capa_encode(struct wbuf *w, const struct capas *c);

/* wire_nlri.c */
#define AFI_IPV4	1
#define AFI_IPV6	2
#define SAFI_UNICAST	1
int	 wire_afi_to_af(uint16_t afi);		/* AF_INET/AF_INET6, 0 */
/*
 * Next prefix of family af from an NLRI/withdrawn field: 1 with *p set,
 * 0 at the end, -1 when malformed (length too long, field truncated).
 * Host bits past the length are cleared.
 */
int	 wire_nlri_next(struct cur *c, int af, struct prefix *p);
int	 wire_nlri_encode(struct wbuf *w, const struct prefix *p);
size_t	 wire_nlri_len(const struct prefix *p);

/* wire_update.c */
enum upd_action {			/* RFC 7606 outcome, worst wins */
	UPD_OK,
	UPD_ATTR_DISCARD,		/* attribute(s) dropped, path kept */
	UPD_TREAT_AS_WITHDRAW,		/* every NLRI of the message withdrawn */
	UPD_SESSION_RESET		/* send notif and reset */
};
const char *wire_upd_action_name(enum upd_action);

struct update_msg {
	struct cur	 withdrawn;	/* IPv4 withdrawn routes, validated */
	struct cur	 nlri;		/* IPv4 NLRI, validated */
	int		 mp_reach_af;	/* 0 when no MP_REACH_NLRI */
	struct cur	 mp_reach;	/* its NLRI, validated */
	int		 mp_unreach_af;
	struct cur	 mp_unreach;
	struct attrs	 attrs;		/* variable parts in the arena */
	enum upd_action	 action;
	struct notif	 err;		/* when SESSION_RESET */
	char		 why[160];	/* first problem, for the log */
	int		 eor_af;	/* End-of-RIB of this family, else 0 */
	/*
	 * The NEXT_HOP attribute. attrs.nexthop holds it too, unless the
	 * message also carries MP_REACH_NLRI, whose next hop takes that
	 * place: the IPv4 NLRI of such a mixed message use this one.
	 */
	struct addr	 nexthop4;
};

/* The arena decoded variable-length attributes are written into. */
struct arena {
	uint8_t		*p;
	size_t		 len, cap;
};
/*
 * Arena size that holds what any UPDATE of up to 65535 bytes decodes to
 * (2-octet AS_PATH expanded to 4 octets and merged with AS4_PATH, the
 * rest at most the size of its wire form). wire_update_decode() resets the
 * arena; what it decoded stays valid until the next call.
 */
#define WIRE_ARENA_MIN		(3 * BGP_EXT_MAX_LEN + 1024)

struct wire_peer_ctx {			/* what decoding depends on */
	int		 as4;		/* 4-octet AS negotiated */
	int		 ebgp;
	uint32_t	 local_as;
};

/*
 * Decode an UPDATE body. Returns 0 with u->action set (UPD_SESSION_RESET
 * with u->err filled when the session must go down). Missing mandatory
 * attributes, when there is NLRI, give UPD_TREAT_AS_WITHDRAW (RFC 7606).
 * AS4_PATH / AS4_AGGREGATOR from a 2-octet peer are merged (RFC 6793 4.2.3).
 */
int	 wire_update_decode(struct cur *body, const struct wire_peer_ctx *,
	    struct arena *scratch, struct update_msg *u);

/*
 * Builder that packs many prefixes sharing one attribute set into UPDATE
 * messages. IPv4 with attributes uses NEXT_HOP + NLRI; IPv6 uses
 * MP_REACH_NLRI (next hop global, plus link-local when set). Withdrawals use
 * the withdrawn field (IPv4) or MP_UNREACH_NLRI (IPv6).
 */
struct upd_pack {
	struct wbuf	 w;
	uint8_t		 buf[BGP_EXT_MAX_LEN];
	int		 af;
	int		 withdraw;
	size_t		 maxlen;
	size_t		 nprefixes;
	size_t		 len_off;	/* offset of the length to patch */
	size_t		 mp_len_off;
	int		 mp_extlen;
	size_t		 attr_off;	/* first byte of the attributes */
	size_t		 mp_off;	/* flags byte of MP_(UN)REACH_NLRI */
	size_t		 tail_len;	/* attributes after MP_REACH_NLRI,
					   parked at the end of buf */
};

/*
 * Start a message announcing prefixes of family af with attributes a,
 * encoded for a peer with as4 (else AS_TRANS + AS4_PATH/AS4_AGGREGATOR).
 * Returns -1 when the attributes alone do not fit in maxlen.
 */
int	 updpack_announce(struct upd_pack *, const struct attrs *a, int af,
	    int as4, size_t maxlen);
int	 updpack_withdraw(struct upd_pack *, int af, size_t maxlen);
/* 0 added; 1 full: finish this message first and start another. */
int	 updpack_add(struct upd_pack *, const struct prefix *);
/*
 * Complete the message; returns its length (0 when it has no prefix).
 * The next message starts with updpack_announce()/updpack_withdraw() again.
 */
size_t	 updpack_finish(struct upd_pack *);
static inline const uint8_t *
updpack_data(const struct upd_pack *u)
{
	return u->buf;
}
/* End-of-RIB marker of family af (RFC 4724 2). */
int	 wire_eor_encode(struct wbuf *w, int af);
/* Record an RFC 7606 outcome on u; the worst one wins, the first why stays. */
void	 wire_upd_fail(struct update_msg *u, enum upd_action,
	    uint8_t code, uint8_t subcode, const uint8_t *data, size_t datalen,
	    const char *why);

/* wire_attr.c */
/*
 * Decode the path attribute field into u->attrs (variable parts in the
 * arena), u->mp_reach*, u->mp_unreach*, recording outcomes on u.
 */
void	 wire_attrs_decode(struct cur *field, const struct wire_peer_ctx *,
	    struct arena *, struct update_msg *u);
/*
 * Encode a's attributes in type order for prefixes of family af. For
 * AF_INET a NEXT_HOP is written; for AF_INET6 an MP_REACH_NLRI header
 * (extended length, NLRI to follow) whose flags byte is at *mp_off, and
 * *tail_off is where the attributes after it begin. -1 when w overflowed
 * or a cannot be encoded (no next hop of the family, bad AS_PATH).
 */
int	 wire_attrs_encode(struct wbuf *w, const struct attrs *a, int af,
	    int as4, size_t *mp_off, size_t *tail_off);

#endif
