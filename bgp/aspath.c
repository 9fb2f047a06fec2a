/*
 * aspath.c: AS_PATH helpers on the 4-octet wire form (RFC 4271 4.3 and
 * 9.1.2.2, RFC 6793, RFC 5065 for the confederation segments).
 *
 * A path is a run of segments: type (u8), count (u8), count ASNs of 4
 * octets big-endian. Decoders validate a path with aspath_valid() before it
 * is interned; the other helpers still stop at a truncated segment instead
 * of reading past the end, so a bug elsewhere cannot make them overrun.
 */
#include <string.h>

#include "bgp/attr.h"

static uint32_t
aspath_asn(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static void
aspath_put(uint8_t *p, uint32_t as)
{
	p[0] = (uint8_t)(as >> 24);
	p[1] = (uint8_t)(as >> 16);
	p[2] = (uint8_t)(as >> 8);
	p[3] = (uint8_t)as;
}

/*
 * The segment at off: its type, count and ASNs. Returns the offset of the
 * next one, or 0 when none is left or it is truncated.
 */
static size_t
aspath_seg(const uint8_t *p, size_t len, size_t off, uint8_t *type,
    unsigned *count, const uint8_t **asns)
{
	size_t end;

	if (off + 2 > len)
		return 0;
	*type = p[off];
	*count = p[off + 1];
	end = off + 2 + (size_t)*count * 4;
	if (end > len)
		return 0;
	*asns = p + off + 2;
	return end;
}

int
aspath_valid(const uint8_t *p, size_t len)
{
	size_t off = 0;
	uint8_t type;
	unsigned count;
	const uint8_t *asns;

	while (off < len) {
		if ((off = aspath_seg(p, len, off, &type, &count, &asns)) == 0)
			return -1;
		if (type < AS_SET || type > AS_CONFED_SET || count == 0)
			return -1;
	}
	return 0;
}

unsigned
aspath_length(const uint8_t *p, size_t len)
{
	size_t off = 0;
	uint8_t type;
	unsigned count, n = 0;
	const uint8_t *asns;

	while ((off = aspath_seg(p, len, off, &type, &count, &asns)) != 0) {
		if (type == AS_SEQUENCE)
			n += count;
		else if (type == AS_SET)
			n++;
	}
	return n;
}

uint32_t
aspath_neighbor_as(const uint8_t *p, size_t len)
{
	size_t off = 0;
	uint8_t type;
	unsigned count;
	const uint8_t *asns;

	while ((off = aspath_seg(p, len, off, &type, &count, &asns)) != 0)
		if (type == AS_SEQUENCE && count > 0)
			return aspath_asn(asns);
	return 0;
}

int
aspath_contains(const uint8_t *p, size_t len, uint32_t as)
{
	size_t off = 0;
	uint8_t type;
	unsigned count, i;
	const uint8_t *asns;

	while ((off = aspath_seg(p, len, off, &type, &count, &asns)) != 0)
		for (i = 0; i < count; i++)
			if (aspath_asn(asns + 4 * i) == as)
				return 1;
	return 0;
}

int
aspath_prepend(const uint8_t *p, size_t len, uint32_t as, uint8_t *out,
    size_t cap)
{
	/* A leading AS_SEQUENCE with fewer than 255 ASNs takes one more. */
	if (len >= 2 && p[0] == AS_SEQUENCE && p[1] < 255 &&
	    len >= 2 + (size_t)p[1] * 4) {
		if (len + 4 > cap || len + 4 > UINT16_MAX)
			return -1;
		memmove(out + 6, p + 2, len - 2);
		out[0] = AS_SEQUENCE;
		out[1] = (uint8_t)(p[1] + 1);
		aspath_put(out + 2, as);
		return (int)(len + 4);
	}
	if (len + 6 > cap || len + 6 > UINT16_MAX)
		return -1;
	if (len > 0)	/* p may be NULL for an empty path */
		memmove(out + 6, p, len);
	out[0] = AS_SEQUENCE;
	out[1] = 1;
	aspath_put(out + 2, as);
	return (int)(len + 6);
}

size_t
aspath_flatten(const uint8_t *p, size_t len, uint32_t *out, size_t cap)
{
	size_t off = 0, n = 0;
	uint8_t type;
	unsigned count, i;
	const uint8_t *asns;

	while ((off = aspath_seg(p, len, off, &type, &count, &asns)) != 0)
		for (i = 0; i < count && n < cap; i++)
			out[n++] = aspath_asn(asns + 4 * i);
	return n;
}
