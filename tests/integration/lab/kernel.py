"""The kernel side of bgpd: a bgpd that programs its namespace's routing
table (no --no-fib), and the routes of protocol 196 read from the outside
with `ip -j route show proto 196`."""
import json
import subprocess

from .bgpd import Bgpd
from .poll import wait_until

PROTO = 196


class FibBgpd(Bgpd):
    """A bgpd started without --no-fib: it installs its best paths."""

    def start(self, wait=True):
        cmd = [self.binary, "--config-dir", self.confdir,
               "--local-endpoint", self.endpoint,
               "--metrics-addr", self.metrics, "--health-addr", self.health,
               "--log-level", self.log_level] + self.extra_args
        self.proc = self.host.spawn("bgpd-" + self.endpoint, cmd,
                                    env=self.asan_env())
        if wait:
            wait_until(self._healthy, timeout=15,
                       what="bgpd %s /healthz" % self.endpoint,
                       on_fail=self.diag)
        return self

    def kill(self):
        """SIGKILL: a crash, which leaves the kernel routes in place."""
        self.proc.kill()

    def diag(self):
        out = [Bgpd.diag(self)]
        for fam in (4, 6):
            out.append("--- ip -%d route (ns %s):\n%s" % (
                fam, self.host.ns, self.host.run(
                    ["ip", "-%d" % fam, "route", "show"],
                    check=False).stdout))
        return "\n".join(out)


def _norm(dst, family):
    if dst == "default":
        return "0.0.0.0/0" if family == 4 else "::/0"
    if "/" not in dst:
        return dst + ("/32" if family == 4 else "/128")
    return dst


def kroutes(host, family, proto=PROTO):
    """{prefix: sorted [(gateway, dev)]} of the routes of `proto` in the
    main table of host's namespace."""
    r = host.run(["ip", "-%d" % family, "-j", "route", "show", "proto",
                  str(proto)], check=False)
    if r.returncode != 0:
        raise AssertionError("ip route show failed: " + r.stderr)
    out = {}
    for e in json.loads(r.stdout or "[]"):
        hops = e.get("nexthops") or [e]
        out[_norm(e["dst"], family)] = sorted(
            (h.get("gateway"), h.get("dev")) for h in hops)
    return out


def wait_kroute(host, prefix, hops=None, timeout=30, on_fail=None):
    """Wait until prefix is a protocol-196 route (with exactly these
    [(gateway, dev)] when hops is given); returns its next hops."""
    fam = 6 if ":" in prefix else 4

    def ok():
        got = kroutes(host, fam).get(prefix)
        if got is None or (hops is not None and got != sorted(hops)):
            return None
        return got
    return wait_until(ok, timeout=timeout, what="kernel route %s %r in %s" % (
        prefix, hops, host.ns), on_fail=on_fail)


def wait_no_kroute(host, prefix, timeout=30, on_fail=None):
    fam = 6 if ":" in prefix else 4
    return wait_until(lambda: prefix not in kroutes(host, fam),
                      timeout=timeout, what="no kernel route %s in %s" % (
                          prefix, host.ns), on_fail=on_fail)


def all_kroutes(host):
    return dict(kroutes(host, 4), **kroutes(host, 6))


class RouteMonitor:
    """`ip monitor route` in a namespace, for the route events of a span."""

    def __init__(self, host):
        self.host = host
        self.proc = host.spawn("ipmon", ["ip", "-ts", "monitor", "route"])

    def lines(self):
        return self.proc.log().splitlines()

    def stop(self):
        self.proc.stop(timeout=5)


def fib_route_state(bgpd, afi, prefix):
    """The "fib" member of a route in `bgpd show rib --json`."""
    r = bgpd.rib(afi).get(prefix)
    return None if r is None else r.get("fib")


# Gauges that keep the original's names ending in _total for existing
# dashboards (INTERFACE.md): the one promtool complaint allowed.
LEGACY_TOTAL = ("bgp_received_prefixes_total", "bgp_advertised_prefixes_total")


def promtool_check(text):
    """(ok, output) of `promtool check metrics`, ignoring the complaint
    about the two legacy gauges; None when promtool is not installed."""
    try:
        r = subprocess.run(["promtool", "check", "metrics"], input=text,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           text=True, timeout=30)
    except FileNotFoundError:
        return None
    bad = [ln for ln in r.stdout.splitlines() if ln.strip() and not (
        ln.split()[0] in LEGACY_TOTAL and "_total" in ln)]
    return not bad, r.stdout
