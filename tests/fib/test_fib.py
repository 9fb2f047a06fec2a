"""fib/ against a real kernel, inside network namespaces made per test.

Each test gets a namespace fb<pid>-<n> with two veth pairs: a0 (10.0.0.1/24,
2001:db8::1/64) and b0 (10.0.1.1/24, 2001:db8:1::1/64), their peers a1 and
b1 up in the same namespace. The driver (tests/fib/fibdrv.c) runs fib/ in
that namespace and takes route changes on stdin the way the speaker gives
them; the tests read the kernel table with `ip -j route show proto 196`.

Run: /usr/bin/python3 -m pytest tests/fib -v   (as root)
With sanitizers: CC=clang SAN="-fsanitize=address,undefined" and the same.
"""
import itertools
import json
import os
import queue
import signal
import subprocess
import tempfile
import threading
import time

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
PROTO = "196"
_counter = itertools.count(1)


def sh(*cmd, check=True):
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True, timeout=60)
    if check and r.returncode != 0:
        raise RuntimeError("%s: %s%s" % (" ".join(cmd), r.stdout, r.stderr))
    return r.stdout


def poll(fn, what, timeout=10.0):
    """Poll fn() until it returns a true value; fail with what it saw."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = fn()
        if last:
            return last
        time.sleep(0.05)
    raise AssertionError("timed out waiting for %s; last: %r" % (what, last))


@pytest.fixture(scope="session")
def fibdrv():
    if os.geteuid() != 0:
        pytest.skip("needs root for network namespaces")
    out = os.path.join(tempfile.mkdtemp(prefix="fibdrv"), "fibdrv")
    subprocess.run([os.path.join(ROOT, "tests/fib/build.sh"), out],
                   check=True)
    yield out
    os.unlink(out)
    os.rmdir(os.path.dirname(out))


class Netns:
    def __init__(self):
        self.name = "fb%d-%d" % (os.getpid(), next(_counter))
        sh("ip", "netns", "add", self.name)
        self.ip("link", "set", "lo", "up")
        self.sysctl("net.ipv6.conf.all.keep_addr_on_down", "1")
        for side, n in (("a", 0), ("b", 1)):
            self.ip("link", "add", side + "0", "type", "veth", "peer",
                    "name", side + "1")
            self.ip("addr", "add", "10.0.%d.1/24" % n, "dev", side + "0")
            self.ip("-6", "addr", "add", "2001:db8:%d::1/64" % n, "dev",
                    side + "0", "nodad")
            self.ip("link", "set", side + "0", "up")
            self.ip("link", "set", side + "1", "up")

    def sysctl(self, key, value):
        sh("ip", "netns", "exec", self.name, "sysctl", "-q", "-w",
           "%s=%s" % (key, value))

    def ip(self, *args, check=True):
        return sh("ip", "-n", self.name, *args, check=check)

    def routes(self, v6=False):
        """Our routes as {prefix: sorted [(gateway, dev)]}."""
        out = self.ip("-6" if v6 else "-4", "-j", "route", "show", "proto",
                      PROTO)
        res = {}
        for r in json.loads(out or "[]"):
            hops = r.get("nexthops") or [r]
            res[r["dst"]] = sorted((h.get("gateway"), h.get("dev"))
                                   for h in hops)
        return res

    def delete(self):
        sh("ip", "netns", "delete", self.name, check=False)


class Driver:
    """fibdrv in a namespace: commands in, answers out, log in a file."""

    def __init__(self, binary, ns, *args):
        self.log = tempfile.NamedTemporaryFile(prefix="fibdrv", suffix=".log",
                                               delete=False)
        self.p = subprocess.Popen(
            ["ip", "netns", "exec", ns.name, binary] + list(args),
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.log,
            text=True, bufsize=1)
        self.lines = queue.Queue()
        threading.Thread(target=self._reader, daemon=True).start()
        self.expect("ready")

    def _reader(self):
        for line in self.p.stdout:
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def logtail(self):
        with open(self.log.name) as f:
            return f.read()[-3000:]

    def expect(self, prefix, timeout=30):
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = self.lines.get(timeout=max(0.01,
                                                  deadline - time.monotonic()))
            except queue.Empty:
                line = None
            if line is None:
                raise AssertionError("driver: no %r; log:\n%s" %
                                     (prefix, self.logtail()))
            if line.startswith(prefix):
                return line

    def send(self, *cmds):
        self.p.stdin.write("".join(c + "\n" for c in cmds))
        self.p.stdin.flush()

    def cmd(self, *cmds):
        self.send(*cmds)
        for _ in cmds:
            self.expect("ok")

    def wait(self):
        self.send("wait")
        self.expect("idle")

    def stats(self):
        self.send("stats")
        line = self.expect("stats ")
        return {k: int(v) for k, v in
                (kv.split("=") for kv in line.split()[1:])}

    def status(self, prefix):
        self.send("status " + prefix)
        return self.expect("status ").split(": ", 1)[1]

    def stop(self, flush=False):
        if self.p.poll() is None:
            self.send("flush" if flush else "quit")
            self.expect("bye")
            rc = self.p.wait(timeout=30)
            assert rc == 0, "driver exit %d; log:\n%s" % (rc, self.logtail())

    def kill(self):
        """Teardown: a clean stop when possible, so sanitizers report."""
        try:
            self.stop()
        except (AssertionError, OSError, subprocess.TimeoutExpired):
            if self.p.poll() is None:
                self.p.kill()
                self.p.wait()
            raise
        finally:
            os.unlink(self.log.name)


@pytest.fixture
def ns():
    n = Netns()
    yield n
    n.delete()


@pytest.fixture
def start(fibdrv, ns):
    drivers = []

    def _start(*args):
        d = Driver(fibdrv, ns, *args)
        drivers.append(d)
        return d
    yield _start
    for d in drivers:
        d.kill()


def test_install_ipv4_ipv6_ecmp_linklocal(ns, start):
    ns.ip("-6", "neigh", "add", "fe80::2", "lladdr", "02:00:00:00:00:02",
          "dev", "b0", "nud", "permanent")
    d = start()
    d.cmd("route 10.1.0.0/24 10.0.0.2",
          "route 10.2.0.0/24 10.0.0.2,10.0.1.2",
          "route 2001:db8:10::/48 2001:db8::2",
          "route 2001:db8:11::/48 2001:db8::2,2001:db8:1::2",
          "route 2001:db8:12::/48 fe80::2",
          "route 2001:db8:13::/48 2001:db8:99::7+fe80::2",
          "local 10.9.0.0/24")
    d.wait()
    assert ns.routes() == {
        "10.1.0.0/24": [("10.0.0.2", "a0")],
        "10.2.0.0/24": [("10.0.0.2", "a0"), ("10.0.1.2", "b0")],
    }
    assert ns.routes(v6=True) == {
        "2001:db8:10::/48": [("2001:db8::2", "a0")],
        "2001:db8:11::/48": [("2001:db8:1::2", "b0"), ("2001:db8::2", "a0")],
        "2001:db8:12::/48": [("fe80::2", "b0")],
        "2001:db8:13::/48": [("fe80::2", "b0")],
    }
    assert d.status("10.1.0.0/24") == ""
    st = d.stats()
    assert st["installed"] == 6 and st["pending"] == 0 and st["errors"] == 0


def test_linklocal_without_interface_is_held(ns, start):
    d = start()
    d.cmd("route 2001:db8:12::/48 fe80::77")
    d.wait()
    assert ns.routes(v6=True) == {}
    assert "fe80::77: no interface" in d.status("2001:db8:12::/48")
    ns.ip("-6", "neigh", "add", "fe80::77", "lladdr", "02:00:00:00:00:77",
          "dev", "a0", "nud", "permanent")
    poll(lambda: ns.routes(v6=True) ==
         {"2001:db8:12::/48": [("fe80::77", "a0")]}, "link-local route")


def test_recursive_next_hop_follows_its_route(ns, start):
    ns.ip("route", "add", "192.0.2.0/24", "via", "10.0.0.9")
    ns.ip("-6", "route", "add", "2001:db8:f::/48", "via", "2001:db8::9")
    d = start()
    d.cmd("route 10.3.0.0/24 192.0.2.7", "route 2001:db8:30::/48 2001:db8:f::7")
    d.wait()
    assert ns.routes() == {"10.3.0.0/24": [("10.0.0.9", "a0")]}
    assert ns.routes(v6=True) == {
        "2001:db8:30::/48": [("2001:db8::9", "a0")]}
    # The route to the next hop changes: ours follows it.
    ns.ip("route", "replace", "192.0.2.0/24", "via", "10.0.1.9")
    ns.ip("-6", "route", "replace", "2001:db8:f::/48", "via", "2001:db8:1::9")
    poll(lambda: ns.routes() == {"10.3.0.0/24": [("10.0.1.9", "b0")]},
         "re-resolved IPv4 route")
    poll(lambda: ns.routes(v6=True) ==
         {"2001:db8:30::/48": [("2001:db8:1::9", "b0")]},
         "re-resolved IPv6 route")
    # A more specific route appears: longest match wins.
    ns.ip("route", "add", "192.0.2.0/28", "via", "10.0.0.8")
    poll(lambda: ns.routes() == {"10.3.0.0/24": [("10.0.0.8", "a0")]},
         "longest match")
    # The route goes: ours is withdrawn from the kernel and held back.
    ns.ip("route", "del", "192.0.2.0/28")
    ns.ip("route", "del", "192.0.2.0/24")
    poll(lambda: ns.routes() == {}, "held back without a route")
    assert "no route to next hop 192.0.2.7" in d.status("10.3.0.0/24")


def test_unreachable_next_hops_are_held(ns, start):
    ns.ip("route", "add", "blackhole", "198.51.100.0/24")
    d = start()
    d.cmd("route 10.4.0.0/24 198.51.100.1", "route 10.5.0.0/24 203.0.113.1",
          "route 10.6.0.0/24 10.0.0.2")
    d.wait()
    assert ns.routes() == {"10.6.0.0/24": [("10.0.0.2", "a0")]}
    assert "blackhole route 198.51.100.0/24" in d.status("10.4.0.0/24")
    assert "no route to next hop 203.0.113.1" in d.status("10.5.0.0/24")
    assert d.stats()["held"] == 2
    ns.ip("route", "add", "203.0.113.0/24", "via", "10.0.1.5")
    poll(lambda: "10.5.0.0/24" in ns.routes(), "route once reachable")
    assert ns.routes()["10.5.0.0/24"] == [("10.0.1.5", "b0")]


def test_withdraw_and_local_remove(ns, start):
    d = start()
    d.cmd("route 10.1.0.0/24 10.0.0.2", "route 10.2.0.0/24 10.0.0.2",
          "route 2001:db8:10::/48 2001:db8::2")
    d.wait()
    assert len(ns.routes()) == 2 and len(ns.routes(v6=True)) == 1
    d.cmd("withdraw 10.1.0.0/24", "local 10.2.0.0/24",
          "withdraw 2001:db8:10::/48")
    d.wait()
    assert ns.routes() == {} and ns.routes(v6=True) == {}
    assert d.stats()["installed"] == 0


def test_flaps_coalesce(ns, start):
    d = start()
    mon = subprocess.Popen(["ip", "netns", "exec", ns.name, "ip", "monitor",
                            "route"], stdout=subprocess.PIPE, text=True)
    try:
        time.sleep(0.3)
        d.cmd("route 10.7.0.0/24 10.0.0.2", "route 10.7.0.0/24 10.0.1.2",
              "withdraw 10.7.0.0/24", "route 10.7.0.0/24 10.0.0.3")
        d.wait()
        assert ns.routes() == {"10.7.0.0/24": [("10.0.0.3", "a0")]}
        time.sleep(0.3)
    finally:
        mon.terminate()
    lines = [l for l in mon.communicate()[0].splitlines()
             if l.startswith(("10.7.", "Deleted 10.7."))]
    assert lines == ["10.7.0.0/24 via 10.0.0.3 dev a0 proto static "] or \
        (len(lines) == 1 and "10.0.0.3" in lines[0]), lines


def test_deleted_route_comes_back_and_others_are_respected(ns, start):
    d = start()
    d.cmd("route 10.1.0.0/24 10.0.0.2", "route 2001:db8:10::/48 2001:db8::2",
          "route 10.2.0.0/24 10.0.0.2,10.0.1.2")
    d.wait()
    ns.ip("route", "del", "10.1.0.0/24", "proto", PROTO)
    ns.ip("-6", "route", "del", "2001:db8:10::/48", "proto", PROTO)
    ns.ip("route", "del", "10.2.0.0/24", "proto", PROTO)
    poll(lambda: ns.routes() == {
        "10.1.0.0/24": [("10.0.0.2", "a0")],
        "10.2.0.0/24": [("10.0.0.2", "a0"), ("10.0.1.2", "b0")]},
        "IPv4 routes put back")
    poll(lambda: ns.routes(v6=True) ==
         {"2001:db8:10::/48": [("2001:db8::2", "a0")]}, "IPv6 route put back")
    # Replaced by the same protocol with another next hop: put back.
    ns.ip("route", "replace", "10.1.0.0/24", "via", "10.0.1.7", "proto",
          PROTO)
    poll(lambda: ns.routes().get("10.1.0.0/24") == [("10.0.0.2", "a0")],
         "replaced route put back")
    # Another protocol takes the prefix: leave it, say so, and come back
    # when it leaves.
    ns.ip("route", "replace", "10.1.0.0/24", "via", "10.0.1.7", "proto",
          "static")
    poll(lambda: "overridden" in d.status("10.1.0.0/24"), "overridden")
    time.sleep(0.3)
    assert "10.1.0.0/24" not in ns.routes()
    assert "10.0.1.7" in ns.ip("route", "show", "10.1.0.0/24")
    ns.ip("route", "del", "10.1.0.0/24", "proto", "static")
    poll(lambda: ns.routes().get("10.1.0.0/24") == [("10.0.0.2", "a0")],
         "route back once the other protocol left")
    assert d.stats()["errors"] == 0


def test_link_down_withdraws_and_up_restores(ns, start):
    d = start()
    d.cmd("route 10.1.0.0/24 10.0.1.2", "route 10.2.0.0/24 10.0.0.2,10.0.1.2",
          "route 2001:db8:10::/48 2001:db8:1::2", "route 10.3.0.0/24 10.0.0.2")
    d.wait()
    assert len(ns.routes()) == 3 and len(ns.routes(v6=True)) == 1
    ns.ip("link", "set", "b0", "down")
    poll(lambda: ns.routes() == {"10.2.0.0/24": [("10.0.0.2", "a0")],
                                 "10.3.0.0/24": [("10.0.0.2", "a0")]},
         "routes through b0 gone")
    poll(lambda: ns.routes(v6=True) == {}, "IPv6 route through b0 gone")
    ns.ip("link", "set", "b0", "up")
    poll(lambda: ns.routes() == {
        "10.1.0.0/24": [("10.0.1.2", "b0")],
        "10.2.0.0/24": [("10.0.0.2", "a0"), ("10.0.1.2", "b0")],
        "10.3.0.0/24": [("10.0.0.2", "a0")]}, "routes through b0 back")
    poll(lambda: ns.routes(v6=True) ==
         {"2001:db8:10::/48": [("2001:db8:1::2", "b0")]}, "IPv6 back")


ROUTES = ["route 10.1.0.0/24 10.0.0.2", "route 10.2.0.0/24 10.0.0.2,10.0.1.2",
          "route 2001:db8:10::/48 2001:db8::2",
          "route 2001:db8:11::/48 2001:db8::2,2001:db8:1::2",
          "route 10.8.0.0/24 10.0.1.2", "route 2001:db8:18::/48 2001:db8::2"]


def test_restart_adopts_without_blinking(ns, start):
    d = start()
    d.cmd(*ROUTES)
    d.wait()
    d.stop()
    before, before6 = ns.routes(), ns.routes(v6=True)
    assert len(before) == 3 and len(before6) == 3
    mon = subprocess.Popen(["ip", "netns", "exec", ns.name, "ip", "monitor",
                            "route"], stdout=subprocess.PIPE, text=True)
    try:
        time.sleep(0.3)
        d2 = start()
        assert d2.stats()["adopted"] == 6
        # The RIB comes back without 10.8/24 and 2001:db8:18::/48.
        d2.cmd(*ROUTES[:4])
        d2.wait()
        assert ns.routes() == before and ns.routes(v6=True) == before6
        d2.cmd("converged")
        d2.wait()
        time.sleep(0.3)
    finally:
        mon.terminate()
    seen = mon.communicate()[0]
    assert "10.8.0.0/24" not in ns.routes()
    assert "2001:db8:18::/48" not in ns.routes(v6=True)
    kept = [r.split()[1] for r in ROUTES[:4]]
    changed = [l for l in seen.splitlines()
               if l.replace("Deleted ", "").split(" ")[0] in kept]
    assert changed == [], "routes touched on restart:\n" + seen
    st = d2.stats()
    assert st["stale_removed"] == 2 and st["installed"] == 4


def test_stale_removed_after_timeout_without_converged(ns, start):
    d = start()
    d.cmd(*ROUTES)
    d.wait()
    d.stop()
    d2 = start("--stale", "1")
    d2.cmd(*ROUTES[:2])
    poll(lambda: len(ns.routes()) == 2 and ns.routes(v6=True) == {},
         "stale routes removed after the timeout")
    assert d2.stats()["stale_removed"] == 4


def test_flush_removes_everything(ns, start):
    d = start()
    d.send(*["route 10.%d.%d.0/24 10.0.0.2" % (20 + i // 256, i % 256)
             for i in range(3000)])
    d.send(*["route 2001:db8:%x::/48 2001:db8::2" % (0x100 + i)
             for i in range(1000)])
    for _ in range(4000):
        d.expect("ok")
    d.wait()
    assert d.stats()["installed"] == 4000
    assert len(ns.routes()) == 3000 and len(ns.routes(v6=True)) == 1000
    d.stop(flush=True)
    assert ns.routes() == {} and ns.routes(v6=True) == {}


def test_other_table(ns, start):
    d = start("--table", "100")
    d.cmd("route 10.1.0.0/24 10.0.0.2")
    d.wait()
    out = json.loads(ns.ip("-j", "route", "show", "table", "100", "proto",
                           PROTO))
    assert [r["dst"] for r in out] == ["10.1.0.0/24"]
    assert ns.routes() == {}
    d.stop(flush=True)
    assert ns.ip("route", "show", "table", "100") == ""


def test_notification_overrun_resyncs(ns, start, tmp_path):
    """A flood of other routes while fib/ is stopped overruns its
    notification socket: it resyncs by dump and repairs what it missed."""
    d = start()
    d.cmd("route 10.1.0.0/24 10.0.0.2", "route 10.2.0.0/24 10.0.0.2")
    d.wait()
    batch = tmp_path / "flood"
    batch.write_text("".join("route add 100.%d.%d.%d/32 dev a0\n" %
                             (64 + i // 65536, i // 256 % 256, i % 256)
                             for i in range(150000)))
    os.kill(d.p.pid, signal.SIGSTOP)
    try:
        ns.ip("route", "del", "10.1.0.0/24", "proto", PROTO)
        ns.ip("-batch", str(batch))
    finally:
        os.kill(d.p.pid, signal.SIGCONT)
    poll(lambda: d.stats()["resyncs"] >= 1, "a resync", timeout=60)
    poll(lambda: ns.routes() == {"10.1.0.0/24": [("10.0.0.2", "a0")],
                                 "10.2.0.0/24": [("10.0.0.2", "a0")]},
         "the deleted route put back", timeout=60)
    st = d.stats()
    assert st["netlink_errors"] >= 1 and st["installed"] == 2
