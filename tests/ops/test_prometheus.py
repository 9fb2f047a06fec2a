"""bgpd as Prometheus sees it: a live session with BIRD, `promtool check
metrics` on a scrape, and a real Prometheus server (its own config and
data directory, in bgpd's namespace, scraping over loopback) whose query
API returns the series; a flap and a withdrawal move them."""
import json
import os
import re
import shutil
import subprocess
import urllib.parse
import urllib.request

import pytest

from conftest import need_bird
from lab import manifests as m
from lab.netns import netns
from lab.peers import Neighbor, Route
from lab.poll import wait_until
from lab.scenario import LOCAL_AS, advert_docs, peer_docs, speaker_docs

PEER_AS = 65002
PROM_ADDR = "127.0.0.1:9090"
SESSION = "a-bird"
ROUTES = ["10.2.0.0/24", "10.3.0.0/24", "10.4.0.0/24"]

# Families INTERFACE.md names that a standalone speaker exports (the
# Kubernetes ones, bgp_kube_*, need the API source and are absent here).
DOCUMENTED = [
    "bgp_session_state", "bgp_received_prefixes_total",
    "bgp_received_prefixes", "bgp_session_flaps_total",
    "bgp_advertised_prefixes_total", "bgp_advertised_prefixes",
    "bgp_route_policies_applied",
    "bgp_messages_sent_total", "bgp_messages_received_total",
    "bgp_updates_received_total", "bgp_updates_sent_total",
    "bgp_prefixes_received", "bgp_prefixes_sent",
    "bgp_session_uptime_seconds", "bgp_rib_routes", "bgp_rib_paths",
    "bgp_fib_routes_installed", "bgp_fib_netlink_errors_total",
    "process_resident_memory_bytes", "process_cpu_seconds_total",
    "process_start_time_seconds", "process_open_fds",
]
# The two gauges kept with their original names (INTERFACE.md).
SEED_TOTAL_GAUGES = {"bgp_received_prefixes_total",
                     "bgp_advertised_prefixes_total"}


def need_tool(name):
    p = shutil.which(name)
    if p is None:
        pytest.skip("%s not installed (Debian package prometheus)" % name)
    return p


def promtool_problems(text):
    """promtool's complaints about a scrape, as {metric: message}."""
    r = subprocess.run([need_tool("promtool"), "check", "metrics"],
                       input=text, capture_output=True, text=True,
                       timeout=30)
    out = {}
    for line in (r.stdout + r.stderr).splitlines():
        m = re.match(r"^(\S+) (.*)$", line.strip())
        if m and not line.startswith("error while"):
            out[m.group(1)] = m.group(2)
        elif line.strip():
            out[line.strip()] = "unparsed"
    return r.returncode, out


class Prometheus:
    def __init__(self, host, target, workdir):
        self.host = host
        self.dir = os.path.join(workdir, "prometheus")
        os.makedirs(os.path.join(self.dir, "data"))
        self.config = os.path.join(self.dir, "prometheus.yml")
        with open(self.config, "w") as f:
            f.write("global:\n  scrape_interval: 1s\n"
                    "  evaluation_interval: 1s\n"
                    "scrape_configs:\n- job_name: bgpd\n"
                    "  static_configs:\n  - targets: ['%s']\n" % target)
        self.proc = None

    def start(self):
        self.proc = self.host.spawn("prometheus", [
            need_tool("prometheus"), "--config.file=" + self.config,
            "--storage.tsdb.path=" + os.path.join(self.dir, "data"),
            "--web.listen-address=" + PROM_ADDR,
            "--web.console.templates=" + self.dir,
            "--web.console.libraries=" + self.dir])
        wait_until(lambda: self.get("/-/ready")[0] == 200, timeout=60,
                   what="prometheus ready", on_fail=self.proc.log_tail)
        return self

    def get(self, path):
        with netns(self.host.ns):
            try:
                with urllib.request.urlopen("http://%s%s" % (PROM_ADDR, path),
                                            timeout=5) as r:
                    return r.status, r.read().decode()
            except OSError as e:
                return getattr(e, "code", 0), str(e)

    def query(self, expr):
        st, body = self.get("/api/v1/query?" + urllib.parse.urlencode(
            {"query": expr}))
        assert st == 200, body
        d = json.loads(body)
        assert d["status"] == "success", d
        return d["data"]["result"]

    def value(self, expr):
        """The single sample's value, or None while there is none."""
        r = self.query(expr)
        return float(r[0]["value"][1]) if len(r) == 1 else None

    def wait_value(self, expr, pred, what):
        # A list, so that a value of 0 still ends the wait.
        return wait_until(lambda: (lambda v: [v] if v is not None and pred(v)
                                   else None)(self.value(expr)),
                          timeout=30, what=what,
                          on_fail=lambda: "%s = %r" % (expr,
                                                       self.query(expr)))

    def stop(self):
        if self.proc is not None and self.proc.alive():
            self.proc.stop()


@pytest.fixture
def prom_tools():
    need_tool("promtool")
    need_tool("prometheus")


def test_prometheus(topo, make_bgpd, workdir, prom_tools):
    Bird = need_bird()
    a = topo.add_host("a")
    b = topo.add_host("b")
    docs = (speaker_docs(a) + peer_docs(SESSION, "bird", b, PEER_AS)
            + advert_docs(4)
            + [m.route_policy("out", "Export", [{"action": "Accept"}],
                              peer_selector={"matchLabels":
                                             {"role": "border"}})])
    bgpd = make_bgpd(a, "node-a", docs)
    bird = Bird(b, PEER_AS, [Neighbor(a.addr(4), LOCAL_AS,
                                      families=("ipv4",))],
                routes=[Route(p) for p in ROUTES]).start()
    bgpd.wait_neighbor(SESSION)
    for p in ROUTES:
        bgpd.wait_best("ipv4", p)

    # promtool: only the two documented seed gauges draw a complaint.
    st, text = bgpd.http("/metrics")
    assert st == 200
    rc, problems = promtool_problems(text)
    assert set(problems) == SEED_TOTAL_GAUGES, problems
    for name in SEED_TOTAL_GAUGES:
        assert "_total" in problems[name], problems[name]
    families = set(re.findall(r"^# TYPE (\S+) ", text, re.M))
    missing = [f for f in DOCUMENTED if f not in families]
    assert not missing, "families missing from /metrics: %s" % missing
    # Standalone: no API server, so no bgp_kube_* families at all
    # (tests/kube/test_kube_metrics.py checks them with the API source).
    kube = [f for f in families if f.startswith("bgp_kube_")]
    assert not kube, "bgp_kube_* families without an API server: %s" % kube

    prom = Prometheus(a, bgpd.metrics, workdir).start()
    try:
        prom.wait_value('up{job="bgpd"}', lambda v: v == 1, "target up")
        prom.wait_value('bgp_session_state{session="%s",state="Established"}'
                        % SESSION, lambda v: v == 1, "Established in TSDB")
        res = prom.query('{__name__=~"bgp_.*|process_.*",job="bgpd"}')
        seen = {r["metric"]["__name__"] for r in res}
        missing = [f for f in DOCUMENTED if f not in seen]
        assert not missing, "families not in Prometheus: %s" % missing
        rx = 'bgp_received_prefixes{session="%s"}' % SESSION
        prom.wait_value(rx, lambda v: v == len(ROUTES), "3 prefixes")
        flaps = 'bgp_session_flaps_total{session="%s"}' % SESSION
        before = prom.wait_value(flaps, lambda v: True, "flap counter")[0]

        # A flap: BIRD drops the session and brings it back.
        proto = bird.proto(a.addr(4))
        assert bird.birdc("disable %s" % proto).returncode == 0
        prom.wait_value(flaps, lambda v: v >= before + 1, "flaps + 1")
        assert bird.birdc("enable %s" % proto).returncode == 0
        prom.wait_value('bgp_session_state{session="%s",state='
                        '"Established"}' % SESSION, lambda v: v == 1,
                        "Established again")

        # A withdrawal lowers the prefix gauge.
        prom.wait_value(rx, lambda v: v == len(ROUTES), "3 prefixes again")
        bird.reconfigure(routes=[Route(p) for p in ROUTES[:1]])
        prom.wait_value(rx, lambda v: v == 1, "1 prefix after withdrawal")
        prom.wait_value('bgp_received_prefixes_total{session="%s"}'
                        % SESSION, lambda v: v == 1, "seed gauge too")
    finally:
        prom.stop()
