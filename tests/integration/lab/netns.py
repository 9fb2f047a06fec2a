"""Network namespaces joined by a bridge.

A Topology owns a "switch" namespace holding a Linux bridge, and any number
of hosts. Each host is a namespace with `lo` up and `eth0`, a veth whose
other end sits on the bridge. Host number i (from 1) gets 10.0.0.i/24 and
fd00::i/64 (nodad, so IPv6 is usable at once). Every namespace name starts
with a per-run prefix, so concurrent runs cannot collide. teardown() kills
every process the topology started (by PID) and deletes every namespace.
"""
import ctypes
import contextlib
import itertools
import os
import signal
import subprocess
import time

CLONE_NEWNET = 0x40000000
_libc = ctypes.CDLL(None, use_errno=True)
_counter = itertools.count(1)


def run(cmd, check=True, timeout=30, **kw):
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True, timeout=timeout, **kw)
    if check and r.returncode != 0:
        raise RuntimeError("command failed (%d): %s\n%s%s" % (
            r.returncode, " ".join(cmd), r.stdout, r.stderr))
    return r


def run_prefix():
    """Per-run namespace prefix: it<pid>-."""
    return "it%d-" % os.getpid()


@contextlib.contextmanager
def netns(name):
    """Run the body with this thread in network namespace `name`.

    Sockets created inside stay in that namespace after the block."""
    here = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
    there = os.open("/run/netns/" + name, os.O_RDONLY)
    try:
        if _libc.setns(there, CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), "setns(%s)" % name)
        try:
            yield
        finally:
            if _libc.setns(here, CLONE_NEWNET) != 0:
                raise OSError(ctypes.get_errno(), "setns back")
    finally:
        os.close(here)
        os.close(there)


class Proc:
    """A process started in a namespace, with its output in a file."""

    def __init__(self, name, popen, logpath):
        self.name = name
        self.popen = popen
        self.pid = popen.pid
        self.logpath = logpath

    def alive(self):
        return self.popen.poll() is None

    def signal(self, sig):
        if self.alive():
            os.kill(self.pid, sig)

    def stop(self, timeout=10):
        """SIGTERM, then SIGKILL after timeout. Returns the exit code."""
        if self.alive():
            try:
                os.kill(self.pid, signal.SIGCONT)
                os.kill(self.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                os.kill(self.pid, signal.SIGKILL)
                self.popen.wait(5)
        return self.popen.returncode

    def kill(self):
        if self.alive():
            try:
                os.kill(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.popen.wait(5)

    def log(self):
        try:
            with open(self.logpath, errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def log_tail(self, lines=60):
        return "\n".join(self.log().splitlines()[-lines:])


class Host:
    def __init__(self, topo, name, index, ns):
        self.topo = topo
        self.name = name
        self.index = index
        self.ns = ns
        self.v4 = "10.0.0.%d" % index
        self.v6 = "fd00::%d" % index
        self.dir = os.path.join(topo.workdir, name)
        os.makedirs(self.dir, exist_ok=True)

    def addr(self, family):
        return self.v6 if family == 6 else self.v4

    def cmd(self, cmd):
        return ["ip", "netns", "exec", self.ns] + list(cmd)

    def run(self, cmd, check=True, timeout=30, cmd_wrap=True, **kw):
        """Run cmd inside the namespace (or as is, with cmd_wrap=False)."""
        return run(self.cmd(cmd) if cmd_wrap else list(cmd), check=check,
                   timeout=timeout, **kw)

    def spawn(self, name, cmd, env=None, cwd=None):
        """Start cmd in this namespace, output to <dir>/<name>.log."""
        logpath = os.path.join(self.dir, name + ".log")
        logf = open(logpath, "ab")
        full_env = dict(os.environ)
        if env:
            full_env.update(env)
        p = subprocess.Popen(self.cmd(cmd), stdout=logf,
                             stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                             env=full_env, cwd=cwd or self.dir)
        logf.close()
        proc = Proc("%s/%s" % (self.name, name), p, logpath)
        self.topo.procs.append(proc)
        return proc

    def netns(self):
        return netns(self.ns)

    def nft_drop_from(self, addr):
        """Drop every packet from addr arriving in this namespace."""
        fam = "ip6" if ":" in addr else "ip"
        self.run(["nft", "add table inet itdrop"])
        self.run(["nft", "add chain inet itdrop in "
                  "{ type filter hook input priority 0; policy accept; }"])
        self.run(["nft", "add rule inet itdrop in %s saddr %s drop" % (fam, addr)])

    def nft_clear(self):
        self.run(["nft", "delete table inet itdrop"], check=False)


class Topology:
    """Hosts on one bridge. Use as a context manager or call teardown()."""

    def __init__(self, workdir, prefix=None):
        n = next(_counter)
        self.prefix = (prefix or run_prefix()) + "%d" % n
        self.workdir = workdir
        self.hosts = []
        self.procs = []
        # Things that can describe themselves when a test fails: objects
        # with a name and a diag() method (bgpd instances, peers).
        self.diag_sources = []
        self.namespaces = []
        self.sw = self.prefix + "-sw"
        self._add_ns(self.sw)
        run(["ip", "-n", self.sw, "link", "add", "br0", "type", "bridge"])
        run(["ip", "-n", self.sw, "link", "set", "br0", "type", "bridge",
             "stp_state", "0", "forward_delay", "0"], check=False)
        run(["ip", "-n", self.sw, "link", "set", "br0", "up"])

    def _add_ns(self, ns):
        run(["ip", "netns", "add", ns])
        self.namespaces.append(ns)
        run(["ip", "-n", ns, "link", "set", "lo", "up"])
        # IPv6 without DAD delay on anything created later too.
        run(["ip", "netns", "exec", ns, "sysctl", "-qw",
             "net.ipv6.conf.all.accept_dad=0",
             "net.ipv6.conf.default.accept_dad=0"], check=False)

    def add_host(self, name):
        index = len(self.hosts) + 1
        ns = "%s-%s" % (self.prefix, name)
        self._add_ns(ns)
        port = "p%d" % index
        run(["ip", "-n", ns, "link", "add", "eth0", "type", "veth",
             "peer", "name", port, "netns", self.sw])
        run(["ip", "-n", self.sw, "link", "set", port, "master", "br0"])
        run(["ip", "-n", self.sw, "link", "set", port, "up"])
        h = Host(self, name, index, ns)
        run(["ip", "-n", ns, "addr", "add", h.v4 + "/24", "dev", "eth0"])
        run(["ip", "-n", ns, "-6", "addr", "add", h.v6 + "/64", "dev", "eth0",
             "nodad"])
        run(["ip", "-n", ns, "link", "set", "eth0", "up"])
        self.hosts.append(h)
        return h

    def wait_link(self, timeout=10):
        """Wait until every host can ping every other over v4 and v6."""
        from .poll import wait_until
        for a in self.hosts:
            for b in self.hosts:
                if a is b:
                    continue
                for addr in (b.v4, b.v6):
                    wait_until(lambda: a.run(["ping", "-c1", "-W1", addr],
                                             check=False).returncode == 0,
                               timeout=timeout,
                               what="%s reaches %s" % (a.name, addr))

    def diagnostics(self):
        out = []
        for src in self.diag_sources:
            try:
                out.append((src.diag_name(), src.diag()))
            except Exception as e:
                out.append((repr(src), "diagnostics failed: %r" % e))
        return out

    def teardown(self):
        for p in reversed(self.procs):
            try:
                p.stop(timeout=5)
            except Exception:
                p.kill()
        for ns in reversed(self.namespaces):
            # Anything still running in the namespace was started by us
            # (each namespace is ours alone): kill it by PID.
            r = run(["ip", "netns", "pids", ns], check=False)
            for pid in r.stdout.split():
                try:
                    os.kill(int(pid), signal.SIGKILL)
                except (ProcessLookupError, ValueError):
                    pass
            run(["ip", "netns", "del", ns], check=False)
        self.namespaces = []

    def __enter__(self):
        return self

    def __exit__(self, *a):
        self.teardown()
