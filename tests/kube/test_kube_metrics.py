"""The bgp_kube_* metric families and /readyz against an unreachable API
server, with speakers on the stand-in (the lab of e2e_lab.py, namespaces
under km<pid>-).

Metrics: every family has HELP and TYPE and the scrape is promtool clean;
requests are counted by verb and code; cutting every watch (the stand-in's
switch) counts watch restarts; a change is seen as a reconcile in the
histogram; exactly one of two speakers reports holding the Lease.

Readiness: with --api-unreachable-after 2, stopping the stand-in turns
/readyz 503 with the reason in the body while /healthz stays 200, and
restarting it on the same port turns /readyz 200 again.
"""

import os
import re
import shutil
import subprocess
import sys
import time

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from e2e_lab import BGPD, HEALTH, METRICS, lab_fixture, poll, sh  # noqa: E402

PFX = "km%d-" % os.getpid()
SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')
RESOURCES = ("bgpsessions", "bgpendpoints", "bgpconfigurations",
             "bgppeeringpolicies", "bgpadvertisements", "bgproutepolicies")
FAMILIES = {
    "bgp_kube_requests_total": "counter",
    "bgp_kube_watch_restarts_total": "counter",
    "bgp_kube_relists_total": "counter",
    "bgp_kube_reconcile_duration_seconds": "histogram",
    "bgp_kube_lease_holder": "gauge",
}


def get(lab, side, addr, path):
    """(status, body) of an HTTP GET from inside the node's namespace."""
    r = sh("ip", "netns", "exec", lab.ns[side], "curl", "-s", "-m", "10",
           "-w", "\n%{http_code}", "http://%s%s" % (addr, path), check=False,
           timeout=20)
    body, _, code = r.stdout.rpartition("\n")
    return int(code or 0), body


def scrape(lab, side):
    """{(name, ((label, value), ...)): value}, the TYPE of each family and
    the text; ({}, {}, "") while the speaker does not answer yet."""
    code, text = get(lab, side, METRICS, "/metrics")
    if code != 200:
        return {}, {}, ""
    samples, types = {}, {}
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            _, _, name, typ = line.split(" ", 3)
            types[name] = typ
        elif line and not line.startswith("#"):
            m = SAMPLE.match(line)
            assert m, line
            labels = tuple(sorted(LABEL.findall(m.group(3) or "")))
            samples[(m.group(1), labels)] = float(m.group(4))
    return samples, types, text


def total(samples, name, **want):
    return sum(v for (n, labels), v in samples.items() if n == name and
               all(dict(labels).get(k) == x for k, x in want.items()))


def stopped_cleanly(lab, name):
    """SIGTERM: exit 0 and nothing from the sanitizers (an ASan build)."""
    assert lab.stop(name) == 0, lab.tail()
    log = lab.log(name)
    assert "Sanitizer" not in log and "runtime error" not in log, log


@pytest.fixture
def lab(request):
    yield from lab_fixture(request, PFX, nodes=("a", "b"), speakers=False)


def test_kube_metric_families(lab):
    for side in ("a", "b"):
        lab.bgpd(side, fib=False)
    # Both speakers listed everything and reconciled; one holds the Lease.
    def settled():
        s = [scrape(lab, side)[0] for side in ("a", "b")]
        ok = all(total(x, "bgp_kube_reconcile_duration_seconds_count") >= 1
                 for x in s)
        held = [total(x, "bgp_kube_lease_holder") for x in s]
        return s if ok and sorted(held) == [0, 1] else None
    poll("both speakers reconciled, one Lease holder", settled, 60)

    samples, types, text = scrape(lab, "a")
    for name, typ in FAMILIES.items():
        assert types.get(name) == typ, (name, types.get(name))
        assert "# HELP %s " % name in text
    if shutil.which("promtool"):
        r = subprocess.run(["promtool", "check", "metrics"], input=text,
                           capture_output=True, text=True, timeout=30)
        assert r.returncode == 0, r.stdout + r.stderr
    # A series per watched resource from its first watch on, at 0 or more.
    for res in RESOURCES:
        for name in ("bgp_kube_watch_restarts_total", "bgp_kube_relists_total"):
            assert (name, (("resource", res),)) in samples, (name, res)
    # Each of the six kinds was listed at least once, with a 200.
    assert total(samples, "bgp_kube_requests_total", verb="list",
                 code="200") >= 6
    buckets = sorted((float(dict(lb)["le"]), v) for (n, lb), v in
                     samples.items()
                     if n == "bgp_kube_reconcile_duration_seconds_bucket")
    assert buckets[-1][0] == float("inf")
    assert buckets[-1][1] == total(samples,
                                   "bgp_kube_reconcile_duration_seconds_count")
    assert [v for _, v in buckets] == sorted(v for _, v in buckets)

    # Cutting every watch: each ends with a 200 and is started again.
    # Six kinds on each of two speakers: wait until the server holds
    # every watch, so that the cut reaches all of them.
    poll("12 open watches", lambda: lab.standin(
        "GET", "stats")["openWatches"] >= 12)
    before = scrape(lab, "a")[0]
    assert lab.standin("POST", "cut-watches")["cut"] >= 12
    def restarted():
        s = scrape(lab, "a")[0]
        return s if all(
            total(s, "bgp_kube_watch_restarts_total", resource=r) >
            total(before, "bgp_kube_watch_restarts_total", resource=r)
            for r in RESOURCES) else None
    after = poll("watch restarts on every resource", restarted)
    assert total(after, "bgp_kube_requests_total", verb="watch", code="200") > \
        total(before, "bgp_kube_requests_total", verb="watch", code="200")
    assert total(after, "bgp_kube_requests_total") > \
        total(before, "bgp_kube_requests_total")
    assert total(after, "bgp_kube_relists_total") == \
        total(before, "bgp_kube_relists_total")

    # A change is one more reconcile.
    n = total(after, "bgp_kube_reconcile_duration_seconds_count")
    lab.kubectl("label", "bgpendpoint", "node-b", "touched=yes")
    poll("a reconcile after the change", lambda: total(
        scrape(lab, "a")[0], "bgp_kube_reconcile_duration_seconds_count") > n)
    for side in ("a", "b"):
        stopped_cleanly(lab, "bgpd-" + side)


def test_readyz_when_apiserver_unreachable(lab):
    lab.start("bgpd-a", "a", [
        BGPD, "--kubeconfig", lab.kubeconfig, "--local-endpoint", "node-a",
        "--no-fib", "--metrics-addr", METRICS, "--health-addr", HEALTH,
        "--lease-namespace", "bgp-system", "--api-unreachable-after", "2"])
    poll("/readyz 200", lambda: get(lab, "a", HEALTH, "/readyz")[0] == 200, 60)
    port = lab.port
    gone = time.monotonic()     # its watches may fail while it stops
    assert lab.stop("apiserver") == 0

    def unready():
        assert get(lab, "a", HEALTH, "/healthz")[0] == 200
        code, body = get(lab, "a", HEALTH, "/readyz")
        return body if code == 503 else None
    body = poll("/readyz 503", unready, 60)
    waited = time.monotonic() - gone
    m = re.match(r"^not ready: kubernetes API server unreachable for (\d+) s: "
                 r"(.+)\n$", body)
    assert m, body
    assert int(m.group(1)) >= 2 and waited >= 2, (body, waited)
    assert "\n" not in m.group(2)

    lab.apiserver(port)
    def ready():
        assert get(lab, "a", HEALTH, "/healthz")[0] == 200
        return get(lab, "a", HEALTH, "/readyz")[0] == 200
    poll("/readyz 200 again", ready, 60)
    stopped_cleanly(lab, "bgpd-a")
