/*
 * notify.h: the service manager's side of the process (public interface):
 * systemd's notification protocol without libsystemd, and dropping root
 * to a dedicated user while keeping the two capabilities a speaker needs.
 * Only main.c includes it; it lives in metrics/ beside the other
 * process-facing outside (health, /proc figures).
 */
#ifndef METRICS_NOTIFY_H
#define METRICS_NOTIFY_H

struct event_base;
struct notify;

/*
 * Send one state string ("READY=1", "STOPPING=1", ...) to $NOTIFY_SOCKET.
 * Returns 0 when sent or when no socket is set, -1 on a send error.
 */
int		 notify_send(const char *state);
/*
 * Start the watchdog keep-alive when $WATCHDOG_USEC is set (and
 * $WATCHDOG_PID, if set, is us): WATCHDOG=1 every WATCHDOG_USEC/2 from a
 * loop timer, so a stuck loop stops them. NULL when there is none.
 */
struct notify	*notify_watchdog_new(struct event_base *);
void		 notify_watchdog_free(struct notify *);

/*
 * Become user `name` (its uid, primary gid, no supplementary groups),
 * keeping only CAP_NET_ADMIN (routes) and CAP_NET_BIND_SERVICE (port
 * 179). Must run as root. Returns 0, or -1 with a message in err.
 */
int		 user_drop(const char *name, char *err, size_t len);

#endif
