/*
 * wire_nlri.c: prefixes in NLRI form (RFC 4271 4.3: a length in bits, then
 * the fewest octets that hold it), and AFI numbers (RFC 4760 / IANA).
 *
 * Decoding clears host bits past the length, so every prefix handed on is
 * canonical and can be compared byte-wise (addr.h).
 */
#include <string.h>

#include "bgp/wire.h"

int
wire_afi_to_af(uint16_t afi)
{
	switch (afi) {
	case AFI_IPV4:
		return AF_INET;
	case AFI_IPV6:
		return AF_INET6;
	}
	return 0;
}

int
wire_nlri_next(struct cur *c, int af, struct prefix *p)
{
	uint8_t plen;
	size_t nbytes;

	if (cur_left(c) == 0)
		return 0;
	if (af != AF_INET && af != AF_INET6)
		return -1;
	if (cur_u8(c, &plen) == -1)
		return -1;
	if (plen > addr_bits(af))
		return -1;
	nbytes = (plen + 7u) / 8u;
	memset(p, 0, sizeof(*p));
	p->af = (uint8_t)af;
	p->len = plen;
	if (cur_bytes(c, p->a, nbytes) == -1)
		return -1;
	if (plen % 8)
		p->a[nbytes - 1] &= (uint8_t)(0xff00u >> (plen % 8));
	return 1;
}

size_t
wire_nlri_len(const struct prefix *p)
{
	return 1 + (p->len + 7u) / 8u;
}

int
wire_nlri_encode(struct wbuf *w, const struct prefix *p)
{
	int errs = 0;

	errs += wbuf_u8(w, p->len);
	errs += wbuf_bytes(w, p->a, (p->len + 7u) / 8u);
	return errs ? -1 : 0;
}
