/*
 * community.c: standard community helpers (RFC 1997, RFC 7999).
 *
 * An interned set keeps its communities sorted and unique, so a lookup is a
 * binary search.
 */
#include <stdio.h>

#include "bgp/attr.h"

int
community_has(const struct attrs *a, uint32_t c)
{
	size_t lo = 0, hi = a->ncommunities, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (a->communities[mid] == c)
			return 1;
		if (a->communities[mid] < c)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

/* The names model_parse_community() accepts. */
static const struct {
	uint32_t	 c;
	const char	*name;
} community_names[] = {
	{ COMM_NO_EXPORT, "no-export" },
	{ COMM_NO_ADVERTISE, "no-advertise" },
	{ COMM_NO_EXPORT_SUBCONFED, "no-export-subconfed" },
	{ COMM_BLACKHOLE, "blackhole" },
};

const char *
community_fmt(uint32_t c, char *buf, size_t len)
{
	size_t i;

	for (i = 0; i < sizeof(community_names) / sizeof(community_names[0]);
	    i++)
		if (community_names[i].c == c) {
			snprintf(buf, len, "%s", community_names[i].name);
			return buf;
		}
	snprintf(buf, len, "%u:%u", c >> 16, c & 0xffff);
	return buf;
}
