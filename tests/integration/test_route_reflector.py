"""bgpd as route reflector between two BIRD iBGP clients (RFC 4456)."""
from conftest import need_peer
from lab.peers import Bird, Neighbor, Route
from lab.scenario import LOCAL_AS, speaker_docs, peer_docs, advert_docs

CLUSTER = "1.0.0.1"


def test_route_reflector(topo, make_bgpd):
    need_peer("bird")
    a = topo.add_host("a")
    b = topo.add_host("b")
    c = topo.add_host("c")
    bgpd = make_bgpd(a, "node-a", speaker_docs(a)
                     + peer_docs("rr-c1", "c1", b, LOCAL_AS, cluster_id=CLUSTER)
                     + peer_docs("rr-c2", "c2", c, LOCAL_AS, cluster_id=CLUSTER)
                     + advert_docs(4))
    c1 = Bird(b, LOCAL_AS, [Neighbor(a.v4, LOCAL_AS)],
              routes=[Route("10.11.0.0/24", ("65001:11",), ("65001:11:1",))]).start()
    c2 = Bird(c, LOCAL_AS, [Neighbor(a.v4, LOCAL_AS)],
              routes=[Route("10.12.0.0/24", ("65001:12",))]).start()
    bgpd.wait_neighbor("rr-c1", {"state": "Established", "type": "ibgp"})
    bgpd.wait_neighbor("rr-c2", {"state": "Established", "type": "ibgp"})

    # c1's route reflected to c2, and c2's to c1, with RFC 4456 attributes.
    c2.wait_route("10.11.0.0/24")
    r = c2.routes("ipv4")["10.11.0.0/24"]
    info = "%r\n%s\n%s" % (r, c2.dump(), bgpd.diag())
    assert r["originator_id"] == b.v4, info
    assert r["cluster_list"] == [CLUSTER], info
    assert r["next_hop"] == b.v4, info
    assert r["as_path"] == [], info
    assert r["communities"] == ["65001:11"], info
    assert r["large_communities"] == ["65001:11:1"], info

    c1.wait_route("10.12.0.0/24")
    r = c1.routes("ipv4")["10.12.0.0/24"]
    info = "%r\n%s\n%s" % (r, c1.dump(), bgpd.diag())
    assert r["originator_id"] == c.v4, info
    assert r["cluster_list"] == [CLUSTER], info
    assert r["next_hop"] == c.v4, info

    # bgpd's own route reaches both clients, without reflection attributes.
    for cl in (c1, c2):
        cl.wait_route("192.0.2.0/24")
        r = cl.routes("ipv4")["192.0.2.0/24"]
        assert r["originator_id"] is None and r["cluster_list"] == [], cl.dump()

    # The reflector's own view: paths from clients, unchanged.
    p = bgpd.wait_best("ipv4", "10.11.0.0/24", {"peer": "rr-c1"})
    assert p["next_hop"] == b.v4 and p["as_path"] == []

    # A client's withdrawal is reflected too.
    c1.reconfigure(routes=[])
    c2.wait_no_route("10.11.0.0/24", timeout=15)
