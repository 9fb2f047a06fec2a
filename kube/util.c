/*
 * util.c: allocation that cannot fail (running out of memory while building
 * the desired state is not an input error we could answer) and object name
 * syntax, and the monotonic millisecond clock the timers share.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bgp/log.h"
#include "kube/kube_int.h"

void *
kube_calloc(size_t n, size_t size)
{
	void *p;

	if ((p = calloc(n ? n : 1, size ? size : 1)) == NULL)
		fatal("%s: out of memory", __func__);
	return p;
}

void *
kube_reallocarray(void *p, size_t n, size_t size)
{
	void *r;

	if (size && n > SIZE_MAX / size)
		fatal("%s: size overflow", __func__);
	if ((r = realloc(p, n * size != 0 ? n * size : 1)) == NULL)
		fatal("%s: out of memory", __func__);
	return r;
}

char *
kube_strdup(const char *s)
{
	char *r;

	if (s == NULL)
		return NULL;
	if ((r = strdup(s)) == NULL)
		fatal("%s: out of memory", __func__);
	return r;
}

char *
kube_asprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (r < 0)
		fatal("%s: out of memory", __func__);
	return s;
}

/*
 * RFC 1123 subdomain, as Kubernetes requires of object names: lower-case
 * alphanumerics, '-' and '.', starting and ending alphanumeric, <= 253.
 */
int
kube_name_valid(const char *s)
{
	size_t i, n = strlen(s);

	if (n == 0 || n > KUBE_NAME_MAX)
		return 0;
	for (i = 0; i < n; i++) {
		char c = s[i];
		int alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');

		if (!alnum && c != '-' && c != '.')
			return 0;
		if (!alnum && (i == 0 || i == n - 1))
			return 0;
		if (c == '.' && (s[i - 1] == '.' || s[i - 1] == '-' ||
		    s[i + 1] == '-'))
			return 0;
	}
	return 1;
}

long long
kube_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
