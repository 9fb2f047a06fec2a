/*
 * user.c: started as root, become a dedicated user that keeps only
 * CAP_NET_ADMIN (kernel routes over netlink) and CAP_NET_BIND_SERVICE (BGP
 * listens on 179). Raw prctl/capset calls, so no libcap in the image. No
 * exec follows, so ambient capabilities are not needed: PR_SET_KEEPCAPS
 * carries the permitted set across setuid and capset raises the effective
 * set again.
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <linux/capability.h>

#include "metrics/notify.h"

#define USER_CAPS	((1U << CAP_NET_ADMIN) | (1U << CAP_NET_BIND_SERVICE))

/* Drop every other capability from the bounding set (needs CAP_SETPCAP). */
static int
user_bounding(void)
{
	int cap;

	for (cap = 0; cap <= 63; cap++) {
		if (cap < 32 && (USER_CAPS & (1U << cap)))
			continue;
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) == -1 &&
		    errno != EINVAL)	/* EINVAL: past the kernel's last */
			return -1;
	}
	return 0;
}

static int
user_capset(void)
{
	struct __user_cap_header_struct hdr;
	struct __user_cap_data_struct data[2];

	memset(&hdr, 0, sizeof(hdr));
	memset(data, 0, sizeof(data));
	hdr.version = _LINUX_CAPABILITY_VERSION_3;
	data[0].effective = USER_CAPS;
	data[0].permitted = USER_CAPS;
	return (int)syscall(SYS_capset, &hdr, data);
}

int
user_drop(const char *name, char *err, size_t len)
{
	struct passwd *pw;

	errno = 0;
	if ((pw = getpwnam(name)) == NULL) {
		snprintf(err, len, "no such user '%s'", name);
		return -1;
	}
	if (geteuid() != 0) {
		snprintf(err, len, "--user needs to start as root");
		return -1;
	}
	if (user_bounding() == -1 || prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) == -1 ||
	    setgroups(1, &pw->pw_gid) == -1 ||
	    setresgid(pw->pw_gid, pw->pw_gid, pw->pw_gid) == -1 ||
	    setresuid(pw->pw_uid, pw->pw_uid, pw->pw_uid) == -1 ||
	    user_capset() == -1 || prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) == -1) {
		snprintf(err, len, "cannot become '%s': %s", name,
		    strerror(errno));
		return -1;
	}
	/* Root cannot be regained: a failed setuid(0) proves it. */
	if (setuid(0) == 0) {
		snprintf(err, len, "still able to become root");
		return -1;
	}
	return 0;
}
