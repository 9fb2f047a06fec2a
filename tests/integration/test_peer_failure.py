"""A peer that stops, comes back, or goes silent."""
import time

import pytest

from conftest import need_peer
from lab.peers import Bird, Neighbor, Route
from lab.poll import wait_until
from lab.scenario import LOCAL_AS, speaker_docs, peer_docs, advert_docs

PEER_AS = 65002
PFX = "10.2.0.0/24"


def start_scenario(topo, make_bgpd):
    need_peer("bird")
    a = topo.add_host("a")
    b = topo.add_host("b")
    bgpd = make_bgpd(a, "node-a", speaker_docs(a)
                     + peer_docs("a-bird", "bird", b, PEER_AS)
                     + advert_docs(4))
    bird = Bird(b, PEER_AS, [Neighbor(a.v4, LOCAL_AS)],
                routes=[Route(PFX, ("65002:7",))]).start()
    bgpd.wait_neighbor("a-bird")
    bgpd.wait_best("ipv4", PFX, {"peer": "a-bird"})
    bird.wait_route("192.0.2.0/24")
    return a, b, bgpd, bird


def metric(bgpd, name, labels):
    st, body = bgpd.http("/metrics")
    assert st == 200, body
    for line in body.splitlines():
        if line.startswith(name + "{") and all(
                '%s="%s"' % kv in line for kv in labels.items()):
            return float(line.rsplit(" ", 1)[1])
    return None


def test_peer_stop_and_restart(topo, make_bgpd):
    a, b, bgpd, bird = start_scenario(topo, make_bgpd)
    bird.stop()
    t0 = time.monotonic()
    bgpd.wait_no_route("ipv4", PFX, timeout=12)
    assert time.monotonic() - t0 <= 12
    n = bgpd.wait_neighbor("a-bird", {"state": lambda s: s != "Established"},
                           timeout=5)
    assert n["flaps"] == 1, n
    assert metric(bgpd, "bgp_session_flaps_total", {"session": "a-bird"}) == 1
    assert metric(bgpd, "bgp_session_state",
                  {"session": "a-bird", "state": "Established"}) == 0
    # bgpd keeps trying; the restarted peer gets its session and routes back.
    bird.start()
    bgpd.wait_neighbor("a-bird", {"state": "Established"}, timeout=40)
    bgpd.wait_best("ipv4", PFX, {"peer": "a-bird", "communities": ["65002:7"]})
    bird.wait_route("192.0.2.0/24")
    assert metric(bgpd, "bgp_session_state",
                  {"session": "a-bird", "state": "Established"}) == 1
    assert metric(bgpd, "bgp_received_prefixes_total", {"session": "a-bird"}) == 1


@pytest.mark.parametrize("how", ["sigstop", "nft-drop"])
def test_hold_timer_expiry(topo, make_bgpd, how):
    """The peer goes silent: bgpd drops the session when its hold time (9 s)
    runs out, not before, and withdraws the peer's routes."""
    a, b, bgpd, bird = start_scenario(topo, make_bgpd)
    if how == "sigstop":
        bird.pause()
    else:
        a.nft_drop_from(b.v4)
    t0 = time.monotonic()
    bgpd.wait_neighbor("a-bird", {"state": lambda s: s != "Established"},
                       timeout=16)
    elapsed = time.monotonic() - t0
    # A keepalive may have arrived just before the silence began: the
    # session must live at least hold - keepalive seconds.
    assert elapsed >= 4.0, "session dropped after %.1fs, before the hold time" % elapsed
    bgpd.wait_no_route("ipv4", PFX, timeout=3)
    n = bgpd.neighbor("a-bird")
    assert n["flaps"] == 1, n
    assert n["messages_sent"]["notification"] >= 1, n
    # The peer comes back: the session recovers.
    if how == "sigstop":
        bird.resume()
    else:
        a.nft_clear()
    bgpd.wait_neighbor("a-bird", {"state": "Established"}, timeout=45)
    bgpd.wait_best("ipv4", PFX, {"peer": "a-bird"})
    wait_until(lambda: bird.established(a.v4), timeout=20,
               what="bird Established again", on_fail=bird.dump)
