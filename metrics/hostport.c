/*
 * hostport.c: the listen addresses of the HTTP server ("HOST:PORT",
 * ":PORT", "[v6]:PORT") turned into socket addresses.
 *
 * An IPv6 literal must be bracketed: "::1:8082" is ambiguous and refused.
 * An empty host means every address of both families (the IPv6 wildcard
 * with IPV6_V6ONLY off); the caller falls back to 0.0.0.0 when the host
 * has no IPv6.
 */
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "metrics/internal.h"

static int
hostport_port(const char *s, uint16_t *port)
{
	unsigned long v = 0;

	if (*s == '\0' || strlen(s) > 5)
		return -1;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (unsigned long)(*s - '0');
	}
	if (v > 65535)
		return -1;
	*port = (uint16_t)v;
	return 0;
}

int
hostport_split(const char *s, char *host, size_t hostlen, uint16_t *port)
{
	const char *colon, *end;
	size_t n;

	if (s == NULL || hostlen == 0)
		return -1;
	if (s[0] == '[') {
		end = strchr(s, ']');
		if (end == NULL || end[1] != ':')
			return -1;
		n = (size_t)(end - s - 1);
		if (n == 0 || memchr(s + 1, ':', n) == NULL)
			return -1;
		colon = end + 1;
		s++;
	} else {
		colon = strrchr(s, ':');
		if (colon == NULL || memchr(s, ':', (size_t)(colon - s)) != NULL)
			return -1;
		n = (size_t)(colon - s);
	}
	if (n >= hostlen)
		return -1;
	memcpy(host, s, n);
	host[n] = '\0';
	return hostport_port(colon + 1, port);
}

static int
hostport_lookup(const char *host, uint16_t port, struct sockaddr_storage *ss,
    socklen_t *len, char *err, size_t errlen)
{
	struct addrinfo hints, *res;
	char serv[8];
	int rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	snprintf(serv, sizeof(serv), "%u", port);
	rc = getaddrinfo(host, serv, &hints, &res);
	if (rc != 0) {
		snprintf(err, errlen, "cannot resolve %s: %s", host,
		    gai_strerror(rc));
		return -1;
	}
	memcpy(ss, res->ai_addr, res->ai_addrlen);
	*len = res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}

int
hostport_resolve(const char *s, struct sockaddr_storage *ss, socklen_t *len,
    int *dual, char *err, size_t errlen)
{
	char host[HOSTPORT_HOSTLEN];
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
	uint16_t port;

	memset(ss, 0, sizeof(*ss));
	*dual = 0;
	if (hostport_split(s, host, sizeof(host), &port) == -1) {
		snprintf(err, errlen, "bad address \"%s\": want HOST:PORT, "
		    ":PORT or [V6]:PORT", s != NULL ? s : "");
		return -1;
	}
	if (host[0] != '\0')
		return hostport_lookup(host, port, ss, len, err, errlen);
	sin6->sin6_family = AF_INET6;
	sin6->sin6_addr = in6addr_any;
	sin6->sin6_port = htons(port);
	*len = sizeof(*sin6);
	*dual = 1;
	return 0;
}
