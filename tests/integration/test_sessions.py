"""Sessions between bgpd and every real peer, over IPv4 and IPv6
transport; eBGP, iBGP and 4-octet AS numbers."""
import pytest

from conftest import need_peer
from lab.peers import Bird, Neighbor, Route
from lab.scenario import LOCAL_AS, speaker_docs, peer_docs, advert_docs

PEER_AS = 65002
PEER_KINDS = ["bird", "frr", "gobgp", "openbgpd", "exabgp"]


@pytest.mark.parametrize("family", [4, 6])
@pytest.mark.parametrize("kind", PEER_KINDS)
def test_established(topo, make_bgpd, kind, family):
    cls = need_peer(kind)
    a = topo.add_host("a")
    b = topo.add_host("b")
    afi = "ipv6" if family == 6 else "ipv4"
    bgpd = make_bgpd(a, "node-a", speaker_docs(a, family)
                     + peer_docs("a-peer", "peer", b, PEER_AS, family))
    peer = cls(b, PEER_AS, [Neighbor(a.addr(family), LOCAL_AS,
                                     families=(afi,))]).start()
    n = bgpd.wait_neighbor("a-peer", {
        "state": "Established", "remote_endpoint": "peer",
        "remote_address": b.addr(family), "remote_as": PEER_AS,
        "local_address": a.addr(family), "type": "ebgp",
        "hold_time": 9, "remote_router_id": b.v4})
    peer.wait_established(a.addr(family))
    assert n["flaps"] == 0
    assert n["messages_received"]["open"] == 1
    assert n["messages_sent"]["open"] >= 1
    summ = bgpd.show("summary")
    assert summ["local_endpoint"] == "node-a"
    assert summ["local_as"] == LOCAL_AS
    assert summ["peers"] == 1 and summ["established"] == 1
    if family == 4:
        assert summ["router_id"] == a.v4
    else:   # NodeIP on an IPv6 endpoint: the last 4 bytes, fd00::1
        assert summ["router_id"] == "0.0.0.%d" % a.index
    # The same document over HTTP as from the CLI.
    api = bgpd.api("/api/v1/neighbors")
    assert [x["name"] for x in api["neighbors"]] == ["a-peer"]
    # Keepalives keep it up beyond one hold time.
    before = bgpd.neighbor("a-peer")["messages_received"]["keepalive"]
    from lab.poll import wait_until
    wait_until(lambda: bgpd.neighbor("a-peer")["messages_received"]["keepalive"]
               >= before + 2, timeout=15, what="keepalives flowing",
               on_fail=lambda: bgpd.diag() + peer.dump())
    assert bgpd.neighbor("a-peer")["state"] == "Established"
    assert peer.established(a.addr(family))


def test_ibgp_bird(topo, make_bgpd):
    need_peer("bird")
    a = topo.add_host("a")
    b = topo.add_host("b")
    bgpd = make_bgpd(a, "node-a", speaker_docs(a)
                     + peer_docs("a-bird", "bird", b, LOCAL_AS)
                     + advert_docs(4, local_pref=200))
    bird = Bird(b, LOCAL_AS, [Neighbor(a.v4, LOCAL_AS)],
                routes=[Route("10.2.0.0/24", ("65001:7",))]).start()
    bgpd.wait_neighbor("a-bird", {"state": "Established", "type": "ibgp",
                                  "remote_as": LOCAL_AS})
    bird.wait_established(a.v4)
    # iBGP: no AS prepended, LOCAL_PREF carried, next hop of the originator.
    r = bird.wait_route("192.0.2.0/24")
    got = bird.routes("ipv4")["192.0.2.0/24"]
    assert got["as_path"] == [], bird.dump()
    assert got["local_pref"] == 200, bird.dump()
    assert got["next_hop"] == a.v4, bird.dump()
    assert r
    p = bgpd.wait_best("ipv4", "10.2.0.0/24", {"source": "peer", "peer": "a-bird"})
    assert p["as_path"] == []
    assert p["local_pref"] == 100
    assert p["next_hop"] == b.v4
    assert "65001:7" in p["communities"]


@pytest.mark.parametrize("local_as,peer_as", [(4200000001, 65002),
                                              (65001, 4200000002),
                                              (4200000001, 4200000002)])
def test_four_octet_as(topo, make_bgpd, local_as, peer_as):
    need_peer("bird")
    a = topo.add_host("a")
    b = topo.add_host("b")
    bgpd = make_bgpd(a, "node-a", speaker_docs(a, asn=local_as)
                     + peer_docs("a-bird", "bird", b, peer_as)
                     + advert_docs(4, communities=["65001:100"]))
    bird = Bird(b, peer_as, [Neighbor(a.v4, local_as)],
                routes=[Route("10.2.0.0/24")]).start()
    bgpd.wait_neighbor("a-bird", {"state": "Established", "remote_as": peer_as,
                                  "type": "ebgp"})
    bird.wait_established(a.v4)
    bird.wait_route("192.0.2.0/24",
                    lambda r: r["as_path"] == [local_as])
    bgpd.wait_best("ipv4", "10.2.0.0/24", {"as_path": [peer_as]})
    assert bgpd.show("summary")["local_as"] == local_as
