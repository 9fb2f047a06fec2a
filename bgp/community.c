/*
 * community.c: standard community helpers (RFC 1997, RFC 7999).
 *
 * An interned set keeps its communities sorted and unique, so a lookup is a
 * binary search.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static int
community_cmp_u32(const void *x, const void *y)
{
	uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;

	return a < b ? -1 : a > b;
}

static int
community_cmp_u96(const void *x, const void *y)
{
	const uint32_t *a = x, *b = y;
	int i;

	for (i = 0; i < 3; i++)
		if (a[i] != b[i])
			return a[i] < b[i] ? -1 : 1;
	return 0;
}

/*
 * The canonical form attr_intern() insists on: sorted, no repeats. Both
 * the decoder and local origination produce lists, so the rule lives here.
 */
size_t
community_canon(uint32_t *v, size_t n, size_t w)
{
	size_t i, k;

	if (n == 0)
		return 0;
	qsort(v, n, w * sizeof(uint32_t),
	    w == 1 ? community_cmp_u32 : community_cmp_u96);
	for (i = k = 1; i < n; i++)
		if (memcmp(v + i * w, v + (k - 1) * w, w * sizeof(uint32_t)))
			memmove(v + k++ * w, v + i * w, w * sizeof(uint32_t));
	return k;
}
