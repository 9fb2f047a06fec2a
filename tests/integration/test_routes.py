"""Routes both ways between bgpd and each real peer, with standard and
large communities intact; withdrawal from either side."""
import pytest

from conftest import need_peer
from lab import manifests as m
from lab.peers import Bird, Gobgp, Neighbor, Route
from lab.scenario import (ADV4, ADV6, LOCAL_AS, speaker_docs, peer_docs,
                          advert_docs)

PEER_AS = 65002
PEER_KINDS = ["bird", "frr", "gobgp", "openbgpd", "exabgp"]


def peer_prefix(family):
    return "2001:db8:2::/48" if family == 6 else "10.2.0.0/24"


@pytest.mark.parametrize("family", [4, 6])
@pytest.mark.parametrize("kind", PEER_KINDS)
def test_routes_both_ways(topo, make_bgpd, kind, family):
    cls = need_peer(kind)
    a = topo.add_host("a")
    b = topo.add_host("b")
    afi = "ipv6" if family == 6 else "ipv4"
    adv = ADV6 if family == 6 else ADV4
    pp = peer_prefix(family)
    bgpd = make_bgpd(a, "node-a", speaker_docs(a, family)
                     + peer_docs("a-peer", "peer", b, PEER_AS, family)
                     + advert_docs(family))
    peer = cls(b, PEER_AS, [Neighbor(a.addr(family), LOCAL_AS, families=(afi,))],
               routes=[Route(pp, ("65002:7", "65002:8"), ("65002:1:2",))]).start()
    bgpd.wait_neighbor("a-peer")

    # peer -> bgpd
    p = bgpd.wait_best(afi, pp, {"source": "peer", "peer": "a-peer"},
                       timeout=30)
    assert p["as_path"] == [PEER_AS], bgpd.diag()
    assert p["next_hop"] == b.addr(family), bgpd.diag()
    assert sorted(p["communities"]) == ["65002:7", "65002:8"], bgpd.diag()
    assert p["large_communities"] == ["65002:1:2"], bgpd.diag()
    assert p["origin"] in ("igp", "incomplete"), bgpd.diag()
    assert p["filtered"] is False
    n = bgpd.neighbor("a-peer")
    assert n["prefixes_accepted"][afi] == 1, n
    # A peer may send our own prefix back (AS path with our AS in it): loop
    # detection keeps it as a filtered path. The received count is the
    # number of distinct prefixes held from that peer.
    from_peer = {}
    for pfx, r in bgpd.rib(afi).items():
        for path in r["paths"]:
            if path["peer"] == "a-peer":
                from_peer[pfx] = path
    for pfx, path in from_peer.items():
        if pfx != pp:
            assert path["filtered"] and not path["best"] and \
                LOCAL_AS in path["as_path"], (pfx, path)
    assert n["prefixes_received"][afi] == len(from_peer), (n, from_peer)

    # bgpd -> peer
    peer.wait_route(adv, timeout=30)
    got = peer.routes(afi)[adv]
    detail = lambda: "%r\n%s\n%s" % (got, peer.dump(), bgpd.diag())  # noqa: E731
    assert got["as_path"] == [LOCAL_AS], detail()
    assert got["next_hop"] == a.addr(family), detail()
    assert got["communities"] == ["65001:100"], detail()
    assert got["large_communities"] == ["65001:1:2"], detail()
    assert bgpd.neighbor("a-peer")["prefixes_sent"][afi] >= 1

    # The local route is in bgpd's own RIB as source local.
    loc = bgpd.best(afi, adv)
    assert loc["source"] == "local" and loc["peer"] is None
    adv_doc = bgpd.show("advertisements")["advertisements"]
    svc = [x for x in adv_doc if x["name"] == "svc"][0]
    assert svc["advertised_prefix_count"] == 1
    assert any(c["type"] == "Advertised" and c["status"] == "True"
               for c in svc["conditions"])


def test_withdraw_from_bgpd(topo, make_bgpd):
    """Removing an advertisement from the manifests withdraws it; putting
    it back announces it again."""
    need_peer("bird")
    a = topo.add_host("a")
    b = topo.add_host("b")
    base = speaker_docs(a) + peer_docs("a-bird", "bird", b, PEER_AS)
    bgpd = make_bgpd(a, "node-a", base + advert_docs(4, prefixes=[ADV4, "198.51.100.0/24"]))
    bird = Bird(b, PEER_AS, [Neighbor(a.v4, LOCAL_AS)]).start()
    bgpd.wait_neighbor("a-bird")
    bird.wait_route(ADV4)
    bird.wait_route("198.51.100.0/24")
    # Drop one prefix of the advertisement.
    bgpd.write(base + advert_docs(4, prefixes=["198.51.100.0/24"]))
    bird.wait_no_route(ADV4, timeout=20)
    assert "198.51.100.0/24" in bird.routes("ipv4")
    # Drop the whole advertisement.
    bgpd.write(base)
    bird.wait_no_route("198.51.100.0/24", timeout=20)
    bgpd.wait_no_route("ipv4", "198.51.100.0/24", timeout=10)
    # Back again.
    bgpd.write(base + advert_docs(4))
    bird.wait_route(ADV4, timeout=20)
    # None of this reset the session.
    n = bgpd.neighbor("a-bird")
    assert n["state"] == "Established" and n["flaps"] == 0, n


def test_withdraw_from_peer(topo, make_bgpd):
    need_peer("bird")
    need_peer("gobgp")
    a = topo.add_host("a")
    b = topo.add_host("b")
    c = topo.add_host("c")
    bgpd = make_bgpd(a, "node-a", speaker_docs(a)
                     + peer_docs("a-bird", "bird", b, 65002)
                     + peer_docs("a-gobgp", "gobgp", c, 65003))
    r_bird = Route("10.2.0.0/24", ("65002:1",))
    r_gobgp = Route("10.3.0.0/24", (), ("65003:1:1",))
    bird = Bird(b, 65002, [Neighbor(a.v4, LOCAL_AS)], routes=[r_bird]).start()
    gob = Gobgp(c, 65003, [Neighbor(a.v4, LOCAL_AS)], routes=[r_gobgp]).start()
    bgpd.wait_best("ipv4", "10.2.0.0/24", {"peer": "a-bird"})
    bgpd.wait_best("ipv4", "10.3.0.0/24", {"peer": "a-gobgp"})
    # Each learns the other's route through bgpd, AS path prepended.
    bird.wait_route("10.3.0.0/24", lambda r: r["as_path"] == [LOCAL_AS, 65003]
                    and r["large_communities"] == ["65003:1:1"])
    gob.wait_route("10.2.0.0/24", lambda r: r["as_path"] == [LOCAL_AS, 65002]
                   and r["communities"] == ["65002:1"])
    bird.reconfigure(routes=[])
    bgpd.wait_no_route("ipv4", "10.2.0.0/24", timeout=15)
    gob.wait_no_route("10.2.0.0/24", timeout=15)
    gob.del_route(r_gobgp)
    bgpd.wait_no_route("ipv4", "10.3.0.0/24", timeout=15)
    bird.wait_no_route("10.3.0.0/24", timeout=15)
    assert bgpd.neighbor("a-bird")["flaps"] == 0
    assert bgpd.neighbor("a-gobgp")["flaps"] == 0
