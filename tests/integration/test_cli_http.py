"""`bgpd check`, `bgpd show`, the health endpoints, /metrics and a clean
stop."""
import os
import socket
import subprocess

from conftest import need_peer, REPO
from lab import manifests as m
from lab.bgpd import write_manifests
from lab.netns import netns
from lab.peers import Bird, Neighbor
from lab.poll import wait_until
from lab.scenario import LOCAL_AS, speaker_docs, peer_docs, advert_docs


def check(bgpd_path, d):
    r = subprocess.run([bgpd_path, "check", "--config-dir", d],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True, timeout=30)
    return r.returncode, r.stdout + r.stderr


class FakeHost:
    v4, v6 = "10.0.0.1", "fd00::1"

    def addr(self, family):
        return self.v6 if family == 6 else self.v4


class FakePeer(FakeHost):
    v4, v6 = "10.0.0.2", "fd00::2"


def test_check_good(bgpd_path, workdir):
    docs = (speaker_docs(FakeHost()) + peer_docs("a-bird", "bird", FakePeer(), 65002)
            + advert_docs(4) + advert_docs(6, name="svc6")
            + [m.route_policy("out", "Export", [{"prefixSet": [{"cidr": "192.0.2.0/24"}],
                                                 "action": "Reject"}])]
            + [{"apiVersion": "v1", "kind": "ConfigMap",
                "metadata": {"name": "unrelated"}, "data": {"a": "b"}}])
    write_manifests(os.path.join(workdir, "all.yaml"), docs)
    code, out = check(bgpd_path, workdir)
    assert code == 0, out


def test_check_examples(bgpd_path):
    """Every example manifest directory of the project is valid."""
    base = os.path.join(REPO, "examples")
    dirs = sorted({os.path.dirname(os.path.join(root, f))
                   for root, _, files in os.walk(base) for f in files
                   if f.endswith((".yaml", ".yml"))})
    assert dirs, "no example manifests found"
    for d in dirs:
        code, out = check(bgpd_path, d)
        assert code == 0, "%s: %s" % (d, out)


def test_check_bad(bgpd_path, workdir):
    good = speaker_docs(FakeHost())[1:] + peer_docs("a-bird", "bird", FakePeer(), 65002)
    write_manifests(os.path.join(workdir, "00-good.yaml"), good)
    bad_cfg = m.configuration(0)          # asNumber 0 is out of range
    bad_cfg["metadata"]["name"] = "default"
    write_manifests(os.path.join(workdir, "01-config.yaml"), [bad_cfg])
    write_manifests(os.path.join(workdir, "02-session.yaml"), [
        m.endpoint("other", "10.0.0.3", 65003),
        m.session("s-bad-hold", "node-a", "other", hold=2, keepalive=1)])
    write_manifests(os.path.join(workdir, "03-advert.yaml"), [
        m.advertisement("adv-bad", ["300.1.2.0/24"])])
    with open(os.path.join(workdir, "04-broken.yaml"), "w") as f:
        f.write("apiVersion: bgp.miloapis.com/v1alpha1\nkind: BGPEndpoint\n"
                "metadata: {name: broken\nspec: [unclosed\n")
    write_manifests(os.path.join(workdir, "05-policy.yaml"), [
        m.route_policy("pol-bad", "Export", [{"action": "Maybe"}])])
    code, out = check(bgpd_path, workdir)
    assert code == 1, out
    for needle in ("01-config.yaml", "asNumber",
                   "02-session.yaml", "s-bad-hold", "holdTime",
                   "03-advert.yaml", "adv-bad", "300.1.2.0/24",
                   "04-broken.yaml",
                   "05-policy.yaml", "pol-bad", "action"):
        assert needle in out, "%r missing from:\n%s" % (needle, out)
    assert "00-good.yaml" not in out, out


def test_check_missing_dir(bgpd_path, workdir):
    code, out = check(bgpd_path, os.path.join(workdir, "does-not-exist"))
    assert code != 0, out


def bird_setup(topo, make_bgpd):
    need_peer("bird")
    a = topo.add_host("a")
    b = topo.add_host("b")
    bgpd = make_bgpd(a, "node-a", speaker_docs(a) + advert_docs(4)
                     + peer_docs("a-bird", "bird", b, 65002))
    bird = Bird(b, 65002, [Neighbor(a.v4, LOCAL_AS)]).start()
    bgpd.wait_neighbor("a-bird")
    return a, b, bgpd, bird


def test_health_show_metrics(topo, make_bgpd):
    a, b, bgpd, bird = bird_setup(topo, make_bgpd)
    assert bgpd.http("/healthz", bgpd.health)[0] == 200
    bgpd.wait_ready()
    # The JSON API and `show --json` print the same documents.
    assert bgpd.api("/api/v1/summary")["local_as"] == LOCAL_AS
    summ = bgpd.show("summary")
    assert summ["ready"] is True and summ["established"] == 1, summ
    assert summ["listen_port"] == 179
    assert bgpd.api("/api/v1/rib?afi=ipv4")["afi"] == "ipv4"
    assert bgpd.show("rib", "ipv6")["afi"] == "ipv6"
    assert [x["name"] for x in bgpd.api("/api/v1/advertisements")["advertisements"]] == ["svc"]
    assert bgpd.api("/api/v1/policies")["policies"] == []
    # Human tables.
    r = bgpd.show("neighbors", js=False)
    assert r.returncode == 0 and "a-bird" in r.stdout and "Established" in r.stdout, r.stdout
    r = bgpd.show("rib", "ipv4", js=False)
    assert r.returncode == 0 and "192.0.2.0/24" in r.stdout, r.stdout
    # Metrics.
    st, body = bgpd.http("/metrics")
    assert st == 200
    lines = body.splitlines()

    def sample(name, **labels):
        for line in lines:
            if line.startswith(name + "{") and all('%s="%s"' % kv in line
                                                   for kv in labels.items()):
                return float(line.rsplit(" ", 1)[1])
        raise AssertionError("no sample %s %r in /metrics" % (name, labels))
    assert sample("bgp_session_state", session="a-bird", state="Established") == 1
    assert sample("bgp_session_state", session="a-bird", state="Idle") == 0
    assert sample("bgp_session_flaps_total", session="a-bird") == 0
    wait_until(lambda: sample("bgp_advertised_prefixes", advertisement="svc") == 1,
               timeout=10, what="bgp_advertised_prefixes{svc} 1")
    for name in ("bgp_session_state", "bgp_received_prefixes_total",
                 "bgp_session_flaps_total", "bgp_advertised_prefixes"):
        assert "# TYPE %s " % name in body, name
        assert "# HELP %s " % name in body, name


def test_readyz_while_port_taken(topo, bgpd_path):
    """Something else holds the BGP port: alive (/healthz 200) but not
    ready (/readyz 503 with a reason)."""
    from lab.bgpd import Bgpd
    a = topo.add_host("a")
    with netns(a.ns):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("0.0.0.0", 179))
    s.listen(1)
    bgpd = Bgpd(a, "node-a", speaker_docs(a), binary=bgpd_path)
    try:
        bgpd.start()
        st, body = bgpd.http("/readyz", bgpd.health)
        assert st == 503, (st, body)
        assert body.strip(), "503 without a reason"
        assert bgpd.http("/healthz", bgpd.health)[0] == 200
    finally:
        s.close()
        bgpd.finish()


def test_sigterm_sends_cease(topo, make_bgpd):
    a, b, bgpd, bird = bird_setup(topo, make_bgpd)
    bird.wait_route("192.0.2.0/24")
    assert bgpd.stop() == 0, bgpd.diag()
    # BIRD logs e.g. 'n1: Received: Administrative shutdown' (Cease 6/2).
    wait_until(lambda: "Received: Administrative shutdown" in bird.proc.log(),
               timeout=10, what="BIRD saw Cease/Administrative Shutdown",
               on_fail=bird.dump)
    bird.wait_no_route("192.0.2.0/24", timeout=5)
