/*
 * addr.c: parse, format and compare IP addresses and prefixes.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bgp/addr.h"

int
addr_parse(const char *s, struct addr *out)
{
	memset(out, 0, sizeof(*out));
	if (s == NULL)
		return -1;
	if (inet_pton(AF_INET, s, out->a) == 1) {
		out->af = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, s, out->a) == 1) {
		out->af = AF_INET6;
		return 0;
	}
	memset(out, 0, sizeof(*out));
	return -1;
}

int
addr_parse_id(const char *s, uint32_t *out)
{
	struct in_addr in;

	if (s == NULL || inet_pton(AF_INET, s, &in) != 1)
		return -1;
	*out = ntohl(in.s_addr);
	return 0;
}

static int
prefix_parse_len(const char *s, unsigned max, unsigned *len)
{
	char *end;
	unsigned long v;

	if (*s == '\0' || !isdigit((unsigned char)*s))
		return -1;
	v = strtoul(s, &end, 10);
	if (*end != '\0' || v > max)
		return -1;
	*len = (unsigned)v;
	return 0;
}

static int
prefix_parse_any(const char *s, struct prefix *out, int strict)
{
	char tmp[ADDR_STRLEN + 8];
	char *slash;
	struct addr a;
	unsigned len;
	struct prefix p;

	memset(out, 0, sizeof(*out));
	if (s == NULL || strlen(s) >= sizeof(tmp))
		return -1;
	strcpy(tmp, s);
	if ((slash = strchr(tmp, '/')) == NULL)
		return -1;
	*slash = '\0';
	if (addr_parse(tmp, &a) == -1)
		return -1;
	if (prefix_parse_len(slash + 1, addr_bits(a.af), &len) == -1)
		return -1;
	p.af = a.af;
	p.len = (uint8_t)len;
	memcpy(p.a, a.a, sizeof(p.a));
	prefix_mask(&p);
	if (strict && memcmp(p.a, a.a, sizeof(p.a)) != 0)
		return -1;
	*out = p;
	return 0;
}

int
prefix_parse(const char *s, struct prefix *out)
{
	return prefix_parse_any(s, out, 1);
}

int
prefix_parse_loose(const char *s, struct prefix *out)
{
	return prefix_parse_any(s, out, 0);
}

const char *
addr_fmt(const struct addr *a, char *buf, size_t len)
{
	if (a->af != AF_INET && a->af != AF_INET6) {
		snprintf(buf, len, "none");
		return buf;
	}
	if (inet_ntop(a->af, a->a, buf, (socklen_t)len) == NULL)
		snprintf(buf, len, "?");
	return buf;
}

const char *
prefix_fmt(const struct prefix *p, char *buf, size_t len)
{
	char ab[ADDR_STRLEN];
	struct addr a;

	a.af = p->af;
	memcpy(a.a, p->a, sizeof(a.a));
	snprintf(buf, len, "%s/%u", addr_fmt(&a, ab, sizeof(ab)), p->len);
	return buf;
}

const char *
addr_id_fmt(uint32_t id, char *buf, size_t len)
{
	snprintf(buf, len, "%u.%u.%u.%u", id >> 24, (id >> 16) & 0xff,
	    (id >> 8) & 0xff, id & 0xff);
	return buf;
}

int
addr_cmp(const struct addr *x, const struct addr *y)
{
	if (x->af != y->af)
		return x->af < y->af ? -1 : 1;
	return memcmp(x->a, y->a, addr_bytes(x->af));
}

int
addr_is_set(const struct addr *a)
{
	return a->af == AF_INET || a->af == AF_INET6;
}

int
addr_is_v6_linklocal(const struct addr *a)
{
	return a->af == AF_INET6 && a->a[0] == 0xfe && (a->a[1] & 0xc0) == 0x80;
}

int
prefix_cmp(const struct prefix *x, const struct prefix *y)
{
	int c;

	if (x->af != y->af)
		return x->af < y->af ? -1 : 1;
	if ((c = memcmp(x->a, y->a, addr_bytes(x->af))) != 0)
		return c;
	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	return 0;
}

void
prefix_mask(struct prefix *p)
{
	unsigned i, full = p->len / 8, rem = p->len % 8;

	if (full < 16 && rem != 0)
		p->a[full++] &= (uint8_t)(0xff << (8 - rem));
	for (i = full; i < 16; i++)
		p->a[i] = 0;
	if (p->af == AF_INET)
		memset(p->a + 4, 0, 12);
}

int
addr_bit(const uint8_t *a, unsigned i)
{
	return (a[i / 8] >> (7 - i % 8)) & 1;
}

int
prefix_contains(const struct prefix *outer, const struct prefix *inner)
{
	unsigned full, rem;

	if (outer->af != inner->af || inner->len < outer->len)
		return 0;
	full = outer->len / 8;
	rem = outer->len % 8;
	if (memcmp(outer->a, inner->a, full) != 0)
		return 0;
	if (rem == 0)
		return 1;
	return ((outer->a[full] ^ inner->a[full]) & (0xff << (8 - rem))) == 0;
}

int
addr_to_sockaddr(const struct addr *a, uint16_t port,
    struct sockaddr_storage *ss, socklen_t *len)
{
	memset(ss, 0, sizeof(*ss));
	if (a->af == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		memcpy(&sin->sin_addr, a->a, 4);
		*len = sizeof(*sin);
		return 0;
	}
	if (a->af == AF_INET6) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		memcpy(&sin6->sin6_addr, a->a, 16);
		*len = sizeof(*sin6);
		return 0;
	}
	return -1;
}

int
addr_from_sockaddr(const struct sockaddr *sa, struct addr *a, uint16_t *port)
{
	memset(a, 0, sizeof(*a));
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)sa;

		a->af = AF_INET;
		memcpy(a->a, &sin->sin_addr, 4);
		if (port)
			*port = ntohs(sin->sin_port);
		return 0;
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)sa;
		static const uint8_t mapped[12] = { 0,0,0,0,0,0,0,0,0,0,0xff,0xff };

		/* A v4-mapped peer on a dual-stack listener is an IPv4 peer. */
		if (memcmp(&sin6->sin6_addr, mapped, 12) == 0) {
			a->af = AF_INET;
			memcpy(a->a, (const uint8_t *)&sin6->sin6_addr + 12, 4);
		} else {
			a->af = AF_INET6;
			memcpy(a->a, &sin6->sin6_addr, 16);
		}
		if (port)
			*port = ntohs(sin6->sin6_port);
		return 0;
	}
	return -1;
}
