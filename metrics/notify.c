/*
 * notify.c: systemd's sd_notify protocol, spoken directly: one datagram on
 * the AF_UNIX socket named by $NOTIFY_SOCKET (a path, or an abstract name
 * written with a leading '@'). Linking libsystemd for a few lines would add
 * a dependency to every image; the protocol is stable and documented.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <event2/event.h>

#include "metrics/notify.h"

struct notify {
	struct event	*timer;
};

int
notify_send(const char *state)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sun;
	socklen_t slen;
	size_t n;
	ssize_t r;
	int fd;

	if (path == NULL || *path == '\0')
		return 0;
	n = strlen(path);
	if ((path[0] != '/' && path[0] != '@') || n >= sizeof(sun.sun_path))
		return -1;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, path, n);
	if (path[0] == '@')
		sun.sun_path[0] = '\0';	/* abstract: no terminating NUL */
	slen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n +
	    (path[0] == '/'));
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	r = sendto(fd, state, strlen(state), MSG_NOSIGNAL,
	    (struct sockaddr *)&sun, slen);
	close(fd);
	return r == (ssize_t)strlen(state) ? 0 : -1;
}

static void
notify_watchdog_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	notify_send("WATCHDOG=1");
}

/* The keep-alive period in microseconds, or 0 when none is asked for. */
static unsigned long long
notify_watchdog_usec(void)
{
	const char *s = getenv("WATCHDOG_USEC"), *pid = getenv("WATCHDOG_PID");
	unsigned long long usec;
	char *end;

	if (s == NULL || *s == '\0')
		return 0;
	/* The variables are inherited; only the service's main pid is asked. */
	if (pid != NULL && *pid != '\0' &&
	    strtol(pid, NULL, 10) != (long)getpid())
		return 0;
	errno = 0;
	usec = strtoull(s, &end, 10);
	if (errno || *end != '\0' || usec == 0)
		return 0;
	return usec;
}

struct notify *
notify_watchdog_new(struct event_base *base)
{
	unsigned long long usec = notify_watchdog_usec() / 2;
	struct timeval tv;
	struct notify *n;

	if (usec == 0 || (n = calloc(1, sizeof(*n))) == NULL)
		return NULL;
	n->timer = event_new(base, -1, EV_PERSIST, notify_watchdog_cb, n);
	if (n->timer == NULL) {
		free(n);
		return NULL;
	}
	tv.tv_sec = (time_t)(usec / 1000000);
	tv.tv_usec = (suseconds_t)(usec % 1000000);
	event_add(n->timer, &tv);
	notify_send("WATCHDOG=1");
	return n;
}

void
notify_watchdog_free(struct notify *n)
{
	if (n == NULL)
		return;
	event_free(n->timer);
	free(n);
}
