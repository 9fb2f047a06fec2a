/*
 * addr.h: IP addresses and prefixes as plain values.
 *
 * A leaf of bgp/: includes nothing else of ours, so every module may use it.
 * IPv4 is stored in the first 4 bytes of a[]; the rest is zero. Values are
 * compared byte-wise, so they can be hashed and memcmp'd once canonical
 * (host bits of a prefix cleared, unused bytes zero).
 */
#ifndef BGP_ADDR_H
#define BGP_ADDR_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <netinet/in.h>

#define ADDR_STRLEN	46	/* INET6_ADDRSTRLEN */
#define PREFIX_STRLEN	(ADDR_STRLEN + 4)

struct addr {
	uint8_t	af;		/* AF_INET, AF_INET6, or 0 for none */
	uint8_t	a[16];
};

struct prefix {
	uint8_t	af;
	uint8_t	len;		/* 0..32 or 0..128 */
	uint8_t	a[16];
};

static inline unsigned
addr_bits(int af)
{
	return af == AF_INET ? 32 : 128;
}

static inline unsigned
addr_bytes(int af)
{
	return af == AF_INET ? 4 : 16;
}

/* Parsers return 0 on success, -1 on bad input; *out is canonical. */
int	 addr_parse(const char *, struct addr *);
/* Strict: "a.b.c.d/n" or "x::/n", host bits must be clear. */
int	 prefix_parse(const char *, struct prefix *);
/* Like prefix_parse but clears host bits instead of refusing them. */
int	 prefix_parse_loose(const char *, struct prefix *);
/* Dotted quad to a host-order uint32 (router IDs, cluster IDs). */
int	 addr_parse_id(const char *, uint32_t *);

const char	*addr_fmt(const struct addr *, char *, size_t);
const char	*prefix_fmt(const struct prefix *, char *, size_t);
const char	*addr_id_fmt(uint32_t, char *, size_t);

int	 addr_cmp(const struct addr *, const struct addr *);
int	 addr_is_set(const struct addr *);
int	 addr_is_v6_linklocal(const struct addr *);
int	 prefix_cmp(const struct prefix *, const struct prefix *);
void	 prefix_mask(struct prefix *);
/* 1 when inner lies inside outer (inner->len >= outer->len and bits match). */
int	 prefix_contains(const struct prefix *outer, const struct prefix *inner);
/* Bit i (0 = most significant) of an address or prefix. */
int	 addr_bit(const uint8_t *, unsigned);

int	 addr_to_sockaddr(const struct addr *, uint16_t port,
	    struct sockaddr_storage *, socklen_t *);
int	 addr_from_sockaddr(const struct sockaddr *, struct addr *,
	    uint16_t *port);

#endif
