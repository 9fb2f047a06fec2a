"""Self-check of the lab, without bgpd: every peer driver against BIRD,
over IPv4 and IPv6 transport, routes with standard and large communities
both ways. When these pass, a failure elsewhere is bgpd's."""
import pytest

from conftest import need_peer
from lab.peers import Bird, Neighbor, Route

A_AS, B_AS = 65101, 65102


@pytest.mark.parametrize("family", [4, 6])
@pytest.mark.parametrize("kind", ["frr", "gobgp", "openbgpd", "exabgp"])
def test_peer_against_bird(topo, kind, family):
    need_peer("bird")
    cls = need_peer(kind)
    a = topo.add_host("a")
    b = topo.add_host("b")
    afi = "ipv6" if family == 6 else "ipv4"
    a_pfx = "2001:db8:a::/48" if family == 6 else "10.10.0.0/24"
    b_pfx = "2001:db8:b::/48" if family == 6 else "10.20.0.0/24"
    bird = Bird(a, A_AS, [Neighbor(b.addr(family), B_AS, families=(afi,))],
                routes=[Route(a_pfx, ("65101:1",), ("65101:2:3",))]).start()
    peer = cls(b, B_AS, [Neighbor(a.addr(family), A_AS, families=(afi,))],
               routes=[Route(b_pfx, ("65102:7",), ("65102:8:9",))]).start()
    bird.wait_established(b.addr(family))
    peer.wait_established(a.addr(family))
    r = bird.wait_route(b_pfx)
    got = bird.routes(afi)[b_pfx]
    assert got["as_path"] == [B_AS], bird.dump()
    assert "65102:7" in got["communities"], bird.dump()
    assert "65102:8:9" in got["large_communities"], bird.dump()
    assert r
    peer.wait_route(a_pfx)
    got = peer.routes(afi)[a_pfx]
    assert got["as_path"] == [A_AS], peer.dump()
    assert "65101:1" in got["communities"], peer.dump()
    assert "65101:2:3" in got["large_communities"], peer.dump()
    # The peer goes away: BIRD drops its route.
    peer.stop()
    bird.wait_no_route(b_pfx, timeout=15)


def test_raw_peer_against_bird(topo):
    """The raw speaker's messages are understood by BIRD: a valid UPDATE
    becomes a route with its communities, a bad ORIGIN withdraws it
    (RFC 7606) and a bad marker earns NOTIFICATION 1/1."""
    from lab import malformed as mf
    from lab.rawbgp import RawPeer
    need_peer("bird")
    a = topo.add_host("a")
    c = topo.add_host("c")
    bird = Bird(a, A_AS, [Neighbor(c.v4, 65003)]).start()
    raw = RawPeer(c.ns, 65003, c.v4)
    try:
        raw.connect(a.v4, 179, src=c.v4)
        raw.establish()
        bird.wait_established(c.v4)
        raw.send_raw(mf.valid("10.66.0.0/24", 65003, c.v4))
        bird.wait_route("10.66.0.0/24", lambda r: r["communities"] == ["65003:1"]
                        and r["large_communities"] == ["65003:1:1"]
                        and r["as_path"] == [65003])
        raw.send_raw(mf.bad_origin("10.66.0.0/24", 65003, c.v4))
        bird.wait_no_route("10.66.0.0/24", timeout=10)
        assert bird.established(c.v4)
        raw.send_raw(mf.bad_marker("10.66.0.0/24", 65003, c.v4))
        note = raw.wait_notification(timeout=10)
        assert note is not None and note[:2] == (1, 1), note
    finally:
        raw.close()


def test_bird_restart_silence_and_cease(topo):
    """The lab's controls on a peer: stop/start, SIGSTOP silence and an nft
    drop each end the session (hold timer), and BIRD's log records a
    received Cease, as the bgpd tests rely on."""
    from lab.poll import wait_until
    need_peer("bird")
    need_peer("openbgpd")
    from lab.peers import Openbgpd
    a = topo.add_host("a")
    b = topo.add_host("b")
    bird = Bird(a, A_AS, [Neighbor(b.v4, B_AS)]).start()
    o = Openbgpd(b, B_AS, [Neighbor(a.v4, A_AS)]).start()
    bird.wait_established(b.v4)
    o.stop()
    wait_until(lambda: "Received: Administrative shutdown" in bird.proc.log(),
               timeout=10, what="Cease in BIRD's log", on_fail=bird.dump)
    bird.stop()
    bird.start()
    o.start()
    bird.wait_established(b.v4)
    o.pause()
    wait_until(lambda: not bird.established(b.v4), timeout=15,
               what="hold timer expiry in BIRD", on_fail=bird.dump)
    o.resume()
    bird.wait_established(b.v4)
    a.nft_drop_from(b.v4)
    wait_until(lambda: not bird.established(b.v4), timeout=15,
               what="hold timer expiry in BIRD (nft drop)", on_fail=bird.dump)
    a.nft_clear()
    # (Not waiting for the session to come back: after two flaps OpenBGPD
    # holds the peer idle for a while, which is its business, not the lab's.)


def test_bird_route_reflector_ibgp(topo):
    """iBGP and route reflection among BIRDs: the driver's iBGP config and
    its parsing of ORIGINATOR_ID / CLUSTER_LIST / LOCAL_PREF."""
    need_peer("bird")
    a = topo.add_host("a")
    b = topo.add_host("b")
    c = topo.add_host("c")
    rr = Bird(a, A_AS, [Neighbor(b.v4, A_AS, rr_client=True),
                        Neighbor(c.v4, A_AS, rr_client=True)])
    rr.export_all = True     # a reflector passes on what it learns
    rr.start()
    c1 = Bird(b, A_AS, [Neighbor(a.v4, A_AS)],
              routes=[Route("10.11.0.0/24", ("65101:11",))]).start()
    c2 = Bird(c, A_AS, [Neighbor(a.v4, A_AS)]).start()
    c2.wait_route("10.11.0.0/24")
    r = c2.routes("ipv4")["10.11.0.0/24"]
    assert r["originator_id"] == b.v4, c2.dump()
    assert r["cluster_list"] == [a.v4], c2.dump()
    assert r["next_hop"] == b.v4 and r["as_path"] == [], c2.dump()
    assert r["local_pref"] == 100 and r["communities"] == ["65101:11"], c2.dump()
    assert rr.routes("ipv4")["10.11.0.0/24"]["originator_id"] is None
