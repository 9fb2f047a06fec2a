"""Best paths into the kernel: bgpd runs without --no-fib and every check
is made from outside, on the namespace's routing table (`ip -j route show
proto 196`), with the route's "fib" state from `bgpd show rib --json` and
the bgp_fib_* metrics alongside."""
import re

import pytest

from conftest import need_peer
from lab import manifests as m
from lab.kernel import (FibBgpd, RouteMonitor, all_kroutes, fib_route_state,
                        kroutes, promtool_check, wait_kroute, wait_no_kroute)
from lab.peers import Bird, Frr, Gobgp, Neighbor, Route
from lab.poll import wait_until
from lab.scenario import ADV4, ADV6, LOCAL_AS, advert_docs, peer_docs

PEER_AS = 65002
P4 = "10.2.0.0/24"
P6 = "2001:db8:2::/48"


@pytest.fixture
def make_fib_bgpd(topo, bgpd_path):
    """make_fib_bgpd(host, endpoint, docs) -> started FibBgpd."""
    started = []

    def make(host, endpoint, docs, start=True, **kw):
        b = FibBgpd(host, endpoint, docs, binary=bgpd_path, **kw)
        started.append(b)
        if start:
            b.start()
        return b
    yield make
    for b in started:
        b.finish()


def speaker(host, max_paths=None, family=4):
    extra = {} if max_paths is None else {"maxPaths": max_paths}
    return [m.configuration(LOCAL_AS, 179, ("IPv4", "IPv6"), **extra),
            m.endpoint("node-a", host.addr(family), LOCAL_AS,
                       labels={"role": "node"})]


def metric(bgpd, name):
    st, body = bgpd.http("/metrics")
    assert st == 200, body
    mm = re.search(r"^%s (\S+)$" % re.escape(name), body, re.M)
    return None if mm is None else float(mm.group(1))


@pytest.mark.parametrize("family", [4, 6])
def test_fib_bird(topo, make_fib_bgpd, family):
    """BIRD's routes appear with protocol 196, the right next hop and
    device; our own prefix never does; a withdrawal removes them; SIGTERM
    leaves no route of ours behind."""
    need_peer("bird")
    a = topo.add_host("a")
    b = topo.add_host("b")
    afi = "ipv6" if family == 6 else "ipv4"
    pfx, pfx2 = (P6, "2001:db8:3::/48") if family == 6 else (P4, "10.3.0.0/24")
    adv = ADV6 if family == 6 else ADV4
    docs = (speaker(a, family=family)
            + peer_docs("a-bird", "bird", b, PEER_AS, family)
            + advert_docs(family))
    bgpd = make_fib_bgpd(a, "node-a", docs)
    bird = Bird(b, PEER_AS, [Neighbor(a.addr(family), LOCAL_AS,
                                      families=(afi,))],
                routes=[Route(pfx), Route(pfx2)]).start()
    bgpd.wait_neighbor("a-bird")
    hop = [(b.addr(family), "eth0")]
    wait_kroute(a, pfx, hop, on_fail=bgpd.diag)
    wait_kroute(a, pfx2, hop, on_fail=bgpd.diag)
    wait_until(lambda: fib_route_state(bgpd, afi, pfx) == "installed",
               timeout=10, what="fib installed", on_fail=bgpd.diag)

    # The locally originated prefix is in the RIB, never in the kernel.
    assert bgpd.best(afi, adv)["source"] == "local"
    assert fib_route_state(bgpd, afi, adv) == "n/a"
    k = all_kroutes(a)
    assert sorted(k) == sorted([pfx, pfx2]), k

    # Metrics: the families are there and promtool is happy.
    wait_until(lambda: metric(bgpd, "bgp_fib_routes_installed") == 2,
               timeout=10, what="bgp_fib_routes_installed 2",
               on_fail=bgpd.diag)
    assert metric(bgpd, "bgp_fib_routes_held") == 0
    assert metric(bgpd, "bgp_fib_errors_total") == 0
    st, body = bgpd.http("/metrics")
    chk = promtool_check(body)
    if chk is not None:
        assert chk[0], chk[1]

    # Withdrawal of one, then of the other.
    bird.reconfigure(routes=[Route(pfx2)])
    wait_no_kroute(a, pfx, on_fail=bgpd.diag)
    assert pfx2 in all_kroutes(a)
    bird.reconfigure(routes=[])
    wait_no_kroute(a, pfx2, on_fail=bgpd.diag)

    # Back, then SIGTERM: nothing of ours stays.
    bird.reconfigure(routes=[Route(pfx), Route(pfx2)])
    wait_kroute(a, pfx, hop, on_fail=bgpd.diag)
    wait_kroute(a, pfx2, hop, on_fail=bgpd.diag)
    assert bgpd.stop() == 0, bgpd.log()[-3000:]
    assert all_kroutes(a) == {}, all_kroutes(a)


def test_fib_frr(topo, make_fib_bgpd):
    """A route from FRR (which installs nothing itself: -n) is ours to
    install, with FRR's address as the gateway."""
    need_peer("frr")
    a = topo.add_host("a")
    b = topo.add_host("b")
    bgpd = make_fib_bgpd(a, "node-a", speaker(a)
                         + peer_docs("a-frr", "frr", b, PEER_AS, 4))
    frr = Frr(b, PEER_AS, [Neighbor(a.v4, LOCAL_AS)],
              routes=[Route("10.4.0.0/24")]).start()
    frr.wait_established(a.v4)
    wait_kroute(a, "10.4.0.0/24", [(b.v4, "eth0")], on_fail=bgpd.diag)
    assert fib_route_state(bgpd, "ipv4", "10.4.0.0/24") == "installed"
    # FRR's own kernel table is untouched by it: the route is only ours.
    assert "10.4.0.0/24" not in kroutes(b, 4)


@pytest.mark.parametrize("family", [4, 6])
def test_fib_ecmp(topo, make_fib_bgpd, family):
    """maxPaths 2, two eBGP peers of one AS with the same prefix: one
    multipath route with both next hops; with one peer gone, one hop;
    back to maxPaths 1, one hop."""
    need_peer("bird")
    a = topo.add_host("a")
    b = topo.add_host("b")
    c = topo.add_host("c")
    afi = "ipv6" if family == 6 else "ipv4"
    pfx = "2001:db8:9::/48" if family == 6 else "10.9.0.0/24"

    def docs(max_paths):
        return (speaker(a, max_paths=max_paths, family=family)
                + peer_docs("a-b", "b", b, PEER_AS, family)
                + peer_docs("a-c", "c", c, PEER_AS, family))
    bgpd = make_fib_bgpd(a, "node-a", docs(2))
    nb = [Neighbor(a.addr(family), LOCAL_AS, families=(afi,))]
    bb = Bird(b, PEER_AS, nb, routes=[Route(pfx)]).start()
    Bird(c, PEER_AS, nb, routes=[Route(pfx)]).start()
    bgpd.wait_neighbor("a-b")
    bgpd.wait_neighbor("a-c")
    both = [(b.addr(family), "eth0"), (c.addr(family), "eth0")]
    wait_kroute(a, pfx, both, on_fail=bgpd.diag)
    # One peer withdraws: the multipath route shrinks to the other.
    bb.reconfigure(routes=[])
    wait_kroute(a, pfx, [(c.addr(family), "eth0")], on_fail=bgpd.diag)
    bb.reconfigure(routes=[Route(pfx)])
    wait_kroute(a, pfx, both, on_fail=bgpd.diag)
    # maxPaths 1 (the default): the best path's next hop alone.
    bgpd.write(docs(None))
    wait_until(lambda: len(kroutes(a, family).get(pfx, [])) == 1,
               timeout=20, what="one next hop after maxPaths 1",
               on_fail=bgpd.diag)
    assert kroutes(a, family)[pfx][0] in both


def ibgp_gobgp(topo, make_fib_bgpd, a, b):
    need_peer("gobgp")
    bgpd = make_fib_bgpd(a, "node-a", speaker(a)
                         + peer_docs("a-gobgp", "gobgp", b, LOCAL_AS, 4))
    gob = Gobgp(b, LOCAL_AS, [Neighbor(a.v4, LOCAL_AS)]).start()
    bgpd.wait_neighbor("a-gobgp")
    return bgpd, gob


def gobgp_add(gob, prefix, nexthop):
    r = gob.gobgp("global", "rib", "-a", "ipv4", "add", prefix,
                  "nexthop", nexthop)
    assert r.returncode == 0, r.stdout + r.stderr


def test_fib_recursive_nexthop(topo, make_fib_bgpd):
    """An iBGP next hop that is not on a connected network: held back with
    a reason while nothing routes to it, installed through the static
    kernel route that covers it, re-resolved when that route changes."""
    a = topo.add_host("a")
    b = topo.add_host("b")
    bgpd, gob = ibgp_gobgp(topo, make_fib_bgpd, a, b)
    pfx = "10.5.0.0/24"
    gobgp_add(gob, pfx, "172.16.5.9")
    bgpd.wait_best("ipv4", pfx, {"next_hop": "172.16.5.9"})
    held = wait_until(lambda: (fib_route_state(bgpd, "ipv4", pfx) or "")
                      .startswith("held:") and
                      fib_route_state(bgpd, "ipv4", pfx), timeout=10,
                      what="route held", on_fail=bgpd.diag)
    assert "172.16.5.9" in held, held
    assert pfx not in kroutes(a, 4)
    # The plain table says so too.
    out = bgpd.show("rib", "ipv4", js=False).stdout
    assert "%s not in the kernel: held:" % pfx in out, out
    wait_until(lambda: metric(bgpd, "bgp_fib_routes_held") == 1, timeout=10,
               what="bgp_fib_routes_held 1", on_fail=bgpd.diag)

    a.run(["ip", "route", "add", "172.16.5.0/24", "via", "10.0.0.2"])
    wait_kroute(a, pfx, [("10.0.0.2", "eth0")], on_fail=bgpd.diag)
    wait_until(lambda: fib_route_state(bgpd, "ipv4", pfx) == "installed",
               timeout=10, what="fib installed", on_fail=bgpd.diag)
    a.run(["ip", "route", "replace", "172.16.5.0/24", "via", "10.0.0.77"])
    wait_kroute(a, pfx, [("10.0.0.77", "eth0")], on_fail=bgpd.diag)
    # Unresolvable again: the route goes, with the reason back.
    a.run(["ip", "route", "del", "172.16.5.0/24"])
    wait_no_kroute(a, pfx, on_fail=bgpd.diag)
    wait_until(lambda: (fib_route_state(bgpd, "ipv4", pfx) or "")
               .startswith("held:"), timeout=10, what="held again",
               on_fail=bgpd.diag)
    # A blackhole covering the next hop must not swallow the traffic.
    a.run(["ip", "route", "add", "blackhole", "172.16.0.0/16"])
    wait_until(lambda: "blackhole" in (fib_route_state(bgpd, "ipv4", pfx)
                                       or ""), timeout=10,
               what="held: blackhole", on_fail=bgpd.diag)
    assert pfx not in kroutes(a, 4)


def test_fib_deleted_route_comes_back(topo, make_fib_bgpd):
    """A route of ours deleted by hand is put back."""
    a = topo.add_host("a")
    b = topo.add_host("b")
    bgpd, gob = ibgp_gobgp(topo, make_fib_bgpd, a, b)
    pfx = "10.6.0.0/24"
    gobgp_add(gob, pfx, b.v4)
    wait_kroute(a, pfx, [(b.v4, "eth0")], on_fail=bgpd.diag)
    a.run(["ip", "route", "del", pfx, "proto", "196"])
    wait_kroute(a, pfx, [(b.v4, "eth0")], timeout=15, on_fail=bgpd.diag)


def test_fib_link_down(topo, make_fib_bgpd):
    """A second link a:x1 -- b:x1; a route whose next hop is across it
    leaves the kernel when the link goes down (and is held, not retried
    into a dead link), and returns when the link comes back. The session
    runs over the other link, so this is the FIB's doing, not BGP's."""
    a = topo.add_host("a")
    b = topo.add_host("b")
    a.run(["ip", "link", "add", "x1", "type", "veth", "peer", "name", "x1",
           "netns", b.ns])
    a.run(["ip", "addr", "add", "10.1.0.1/24", "dev", "x1"])
    b.run(["ip", "addr", "add", "10.1.0.2/24", "dev", "x1"])
    a.run(["ip", "link", "set", "x1", "up"])
    b.run(["ip", "link", "set", "x1", "up"])
    bgpd, gob = ibgp_gobgp(topo, make_fib_bgpd, a, b)
    far, near = "10.7.0.0/24", "10.8.0.0/24"
    gobgp_add(gob, far, "10.1.0.2")
    gobgp_add(gob, near, b.v4)
    wait_kroute(a, far, [("10.1.0.2", "x1")], on_fail=bgpd.diag)
    wait_kroute(a, near, [(b.v4, "eth0")], on_fail=bgpd.diag)

    a.run(["ip", "link", "set", "x1", "down"])
    wait_no_kroute(a, far, on_fail=bgpd.diag)
    wait_until(lambda: (fib_route_state(bgpd, "ipv4", far) or "")
               .startswith("held:"), timeout=10, what="held while down",
               on_fail=bgpd.diag)
    assert far not in kroutes(a, 4)
    assert near in kroutes(a, 4)
    assert bgpd.neighbor("a-gobgp")["state"] == "Established"

    a.run(["ip", "link", "set", "x1", "up"])
    wait_kroute(a, far, [("10.1.0.2", "x1")], timeout=20, on_fail=bgpd.diag)


def test_fib_restart_keeps_routes(topo, make_fib_bgpd, bgpd_path):
    """bgpd dies with routes in the kernel and starts again: the routes it
    still wants are adopted as they are (no delete, no re-add in `ip
    monitor route`), and one it no longer wants is removed."""
    need_peer("bird")
    a = topo.add_host("a")
    b = topo.add_host("b")
    docs = speaker(a) + peer_docs("a-bird", "bird", b, PEER_AS, 4)
    bgpd = make_fib_bgpd(a, "node-a", docs)
    keep = ["10.2.%d.0/24" % i for i in range(1, 4)]
    Bird(b, PEER_AS, [Neighbor(a.v4, LOCAL_AS)],
         routes=[Route(p) for p in keep]).start()
    bgpd.wait_neighbor("a-bird")
    for p in keep:
        wait_kroute(a, p, [(b.v4, "eth0")], on_fail=bgpd.diag)

    bgpd.kill()
    stale = "10.99.0.0/24"
    a.run(["ip", "route", "add", stale, "via", b.v4, "proto", "196"])
    assert sorted(kroutes(a, 4)) == sorted(keep + [stale])
    mon = RouteMonitor(a)
    # Let the monitor subscribe before anything changes: add probe routes
    # (a new one each time, each a fresh event) until it prints one.
    probes = iter(range(1, 250))

    def monitor_up():
        a.run(["ip", "route", "add", "10.250.%d.0/24" % next(probes),
               "via", b.v4])
        return "10.250." in "\n".join(mon.lines())
    wait_until(monitor_up, timeout=20, what="ip monitor running")
    again = make_fib_bgpd(a, "node-a", None)
    again.wait_neighbor("a-bird")
    wait_no_kroute(a, stale, timeout=90, on_fail=again.diag)
    for p in keep:
        assert kroutes(a, 4).get(p) == [(b.v4, "eth0")], again.diag()
    assert "adopted=%d" % (len(keep) + 1) in again.log(), again.log()[-3000:]
    mon.stop()
    lines = mon.lines()
    touched = [ln for ln in lines for p in keep if p in ln]
    assert touched == [], "\n".join(lines)
    assert any("Deleted" in ln for ln in lines if stale in ln), \
        "\n".join(lines)
    assert again.stop() == 0
    assert all_kroutes(a) == {}, all_kroutes(a)


def test_fib_sigterm_after_restart_cleans_everything(topo, make_fib_bgpd):
    """No --no-fib and no peers: bgpd adopts a route of its protocol
    left by a previous run and removes it on its own (the stale timeout or
    convergence), and SIGTERM exits cleanly with nothing of ours left."""
    a = topo.add_host("a")
    a.run(["ip", "route", "add", "10.98.0.0/24", "via", "10.0.0.9",
           "proto", "196"])
    bgpd = make_fib_bgpd(a, "node-a", speaker(a))
    wait_no_kroute(a, "10.98.0.0/24", timeout=90, on_fail=bgpd.diag)
    # Another protocol's route is never ours to touch.
    a.run(["ip", "route", "add", "10.97.0.0/24", "via", "10.0.0.9"])
    assert bgpd.stop() == 0
    assert all_kroutes(a) == {}
    assert "10.97.0.0/24" in a.run(["ip", "route"]).stdout
