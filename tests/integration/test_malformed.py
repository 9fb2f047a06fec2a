"""Malformed UPDATEs from a raw speaker: bgpd keeps running, answers per
RFC 4271 / RFC 7606, and its other session is not disturbed."""
import time

import pytest

from conftest import need_peer
from lab import malformed as mf
from lab.peers import Bird, Neighbor, Route
from lab.poll import wait_until
from lab.rawbgp import RawPeer
from lab.scenario import LOCAL_AS, speaker_docs, peer_docs, advert_docs

RAW_AS = 65003
VICTIM, CONTROL = "10.66.0.0/24", "10.67.0.0/24"


def start_scenario(topo, make_bgpd):
    need_peer("bird")
    a = topo.add_host("a")
    b = topo.add_host("b")
    c = topo.add_host("c")
    bgpd = make_bgpd(a, "node-a", speaker_docs(a) + advert_docs(4)
                     + peer_docs("a-bird", "bird", b, 65002)
                     + peer_docs("a-raw", "raw", c, RAW_AS))
    bird = Bird(b, 65002, [Neighbor(a.v4, LOCAL_AS)], routes=[Route("10.2.0.0/24")]).start()
    bgpd.wait_neighbor("a-bird")
    raw = connect_raw(c, a)
    bgpd.wait_neighbor("a-raw", timeout=20)
    for p in (VICTIM, CONTROL):
        raw.send_raw(mf.valid(p, RAW_AS, c.v4))
    bgpd.wait_best("ipv4", VICTIM, {"peer": "a-raw", "communities": ["65003:1"],
                                    "large_communities": ["65003:1:1"]})
    bgpd.wait_best("ipv4", CONTROL, {"peer": "a-raw"})
    bird.wait_route(VICTIM)
    return a, c, bgpd, bird, raw


def connect_raw(c, a, timeout=40):
    """Connect and establish, retrying while bgpd is in Idle after a reset."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        raw = RawPeer(c.ns, RAW_AS, c.v4)
        try:
            raw.connect(a.v4, 179, src=c.v4, timeout=5)
            raw.establish(timeout=10)
            return raw
        except (AssertionError, OSError, EOFError) as e:
            last = e
            raw.close()
            time.sleep(0.5)
    raise AssertionError("raw peer could not establish: %r" % last)


def control_ok(bgpd, bird, a):
    n = bgpd.neighbor("a-bird")
    assert n["state"] == "Established" and n["flaps"] == 0, n
    assert bird.established(a.v4), bird.dump()


@pytest.mark.parametrize("case", sorted(mf.TREAT_AS_WITHDRAW))
def test_treat_as_withdraw(topo, make_bgpd, case):
    a, c, bgpd, bird, raw = start_scenario(topo, make_bgpd)
    try:
        raw.send_raw(mf.TREAT_AS_WITHDRAW[case](VICTIM, RAW_AS, c.v4))
        bgpd.wait_no_route("ipv4", VICTIM, timeout=10)
        bird.wait_no_route(VICTIM, timeout=10)
        # No NOTIFICATION, the session lives on past a keepalive interval,
        # and the other prefix of the same peer is untouched.
        assert raw.wait_notification(timeout=4) is None, raw.notifications()
        n = bgpd.neighbor("a-raw")
        assert n["state"] == "Established" and n["flaps"] == 0, n
        assert bgpd.best("ipv4", CONTROL) is not None, bgpd.diag()
        # The session still works: a valid UPDATE is taken again.
        raw.send_raw(mf.valid(VICTIM, RAW_AS, c.v4))
        bgpd.wait_best("ipv4", VICTIM, {"peer": "a-raw"})
        control_ok(bgpd, bird, a)
    finally:
        raw.close()


@pytest.mark.parametrize("case", sorted(mf.SESSION_RESET))
def test_session_reset(topo, make_bgpd, case):
    a, c, bgpd, bird, raw = start_scenario(topo, make_bgpd)
    build, expected = mf.SESSION_RESET[case]
    try:
        raw.send_raw(build(VICTIM, RAW_AS, c.v4))
        note = raw.wait_notification(timeout=10)
        assert note is not None, "no NOTIFICATION; closed=%s\n%s" % (raw.closed, bgpd.diag())
        assert (note[0], note[1]) in expected, \
            "NOTIFICATION %d/%d, expected one of %r" % (note[0], note[1], expected)
        assert raw.wait_closed(timeout=10), "bgpd kept the connection open"
    finally:
        raw.close()
    assert bgpd.alive(), bgpd.diag()
    bgpd.wait_no_route("ipv4", VICTIM, timeout=10)
    bgpd.wait_no_route("ipv4", CONTROL, timeout=10)
    n = bgpd.wait_neighbor("a-raw", {"state": lambda s: s != "Established"}, timeout=5)
    assert n["messages_sent"]["notification"] >= 1, n
    assert n["last_error"], n
    control_ok(bgpd, bird, a)
    assert "192.0.2.0/24" in bird.routes("ipv4"), bird.dump()
    # bgpd takes the peer back.
    raw = connect_raw(c, a)
    try:
        raw.send_raw(mf.valid(VICTIM, RAW_AS, c.v4))
        bgpd.wait_best("ipv4", VICTIM, {"peer": "a-raw"})
    finally:
        raw.close()
    control_ok(bgpd, bird, a)


def test_garbage_connection(topo, make_bgpd):
    """A connection that sends garbage instead of an OPEN, and one that
    connects from an address with no session, do not disturb anything."""
    need_peer("bird")
    a = topo.add_host("a")
    b = topo.add_host("b")
    c = topo.add_host("c")
    bgpd = make_bgpd(a, "node-a", speaker_docs(a) + advert_docs(4)
                     + peer_docs("a-bird", "bird", b, 65002))
    bird = Bird(b, 65002, [Neighbor(a.v4, LOCAL_AS)]).start()
    bgpd.wait_neighbor("a-bird")
    stranger = RawPeer(c.ns, 65009, c.v4)
    stranger.connect(a.v4, 179, timeout=10)
    try:
        stranger.send_raw(b"GET / HTTP/1.0\r\n\r\n" + b"\x00" * 64)
        stranger.sock.settimeout(10)
        try:
            while stranger.sock.recv(4096):
                pass
        except OSError:
            pass
    finally:
        stranger.close()
    wait_until(bgpd.alive, timeout=2, what="bgpd alive")
    control_ok(bgpd, bird, a)
