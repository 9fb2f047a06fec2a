/*
 * proc.c: the process_* figures from /proc/self, as the Prometheus client
 * libraries define them (CPU is user + system time; the start time is the
 * boot time from /proc/stat plus the process's start tick).
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>

#include "metrics/internal.h"

static int
proc_btime(double *btime)
{
	char line[256];
	FILE *f;
	int rc = -1;

	if ((f = fopen("/proc/stat", "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "btime %lf", btime) == 1) {
			rc = 0;
			break;
		}
	fclose(f);
	return rc;
}

/* The fields after "(comm)" of /proc/self/stat; comm may hold spaces. */
static int
proc_stat(struct proc_stats *ps)
{
	char buf[1024], *p;
	unsigned long long utime, stime, start, vsize, rss;
	double tick = (double)sysconf(_SC_CLK_TCK), btime;
	size_t n;
	FILE *f;

	if ((f = fopen("/proc/self/stat", "r")) == NULL)
		return -1;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	if ((p = strrchr(buf, ')')) == NULL)
		return -1;
	/* state ppid pgrp session tty tpgid flags minflt cminflt majflt
	 * cmajflt utime stime cutime cstime prio nice threads itreal start
	 * vsize rss */
	if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u "
	    "%llu %llu %*d %*d %*d %*d %*d %*d %llu %llu %llu",
	    &utime, &stime, &start, &vsize, &rss) != 5 || tick <= 0)
		return -1;
	ps->cpu_seconds = (double)(utime + stime) / tick;
	ps->vsize_bytes = vsize;
	ps->rss_bytes = rss * (unsigned long long)sysconf(_SC_PAGESIZE);
	if (proc_btime(&btime) == -1)
		return -1;
	ps->start_time = btime + (double)start / tick;
	return 0;
}

static int
proc_fds(struct proc_stats *ps)
{
	struct rlimit rl;
	struct dirent *de;
	DIR *d;

	if ((d = opendir("/proc/self/fd")) == NULL)
		return -1;
	ps->open_fds = 0;
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			ps->open_fds++;
	closedir(d);
	/* The directory's own descriptor was counted too. */
	if (ps->open_fds > 0)
		ps->open_fds--;
	if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
		return -1;
	ps->max_fds = rl.rlim_cur;
	return 0;
}

int
proc_read(struct proc_stats *ps)
{
	memset(ps, 0, sizeof(*ps));
	if (proc_stat(ps) == -1 || proc_fds(ps) == -1)
		return -1;
	return 0;
}
