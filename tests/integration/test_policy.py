"""Export and import policies and advertisement peer selectors, as the
peers see them."""
from conftest import need_peer
from lab import manifests as m
from lab.peers import Bird, Neighbor, Route
from lab.poll import stays, wait_until
from lab.scenario import LOCAL_AS, speaker_docs, peer_docs

P1, P2 = "192.0.2.0/24", "198.51.100.0/24"


def two_birds(topo, make_bgpd, extra):
    need_peer("bird")
    a = topo.add_host("a")
    b = topo.add_host("b")
    c = topo.add_host("c")
    docs = (speaker_docs(a)
            + peer_docs("a-border", "border1", b, 65002,
                        ep_labels={"role": "border"},
                        session_labels={"peer": "border"})
            + peer_docs("a-other", "other1", c, 65003,
                        ep_labels={"role": "other"},
                        session_labels={"peer": "other"})
            + extra)
    bgpd = make_bgpd(a, "node-a", docs)
    border = Bird(b, 65002, [Neighbor(a.v4, LOCAL_AS)],
                  routes=[Route("10.2.0.0/24"), Route("10.2.1.0/24")]).start()
    other = Bird(c, 65003, [Neighbor(a.v4, LOCAL_AS)],
                 routes=[Route("10.3.0.0/24")]).start()
    bgpd.wait_neighbor("a-border")
    bgpd.wait_neighbor("a-other")
    return a, bgpd, border, other, docs


def test_export_policy(topo, make_bgpd):
    pol = m.route_policy("out", "Export", [
        {"prefixSet": [{"cidr": P1}], "action": "Reject"},
        {"action": "Accept"}], peer_selector={"matchLabels": {"role": "border"}})
    a, bgpd, border, other, docs = two_birds(
        topo, make_bgpd, [m.advertisement("svc", [P1, P2]), pol])
    other.wait_route(P1)
    other.wait_route(P2)
    border.wait_route(P2)
    assert P1 not in border.routes("ipv4"), border.dump()
    pols = bgpd.show("policies")["policies"]
    out = [p for p in pols if p["name"] == "out"][0]
    assert out["type"] == "Export"
    assert any(c["type"] == "Accepted" and c["status"] == "True"
               for c in out["conditions"]), out
    # Routes learned from one peer go through the same export policy.
    other.wait_route("10.2.0.0/24")
    # Lifting the policy announces the prefix without a session reset.
    bgpd.write([d for d in docs if d["kind"] != "BGPRoutePolicy"])
    border.wait_route(P1, timeout=20)
    assert bgpd.neighbor("a-border")["flaps"] == 0


def test_export_policy_prefix_length_range(topo, make_bgpd):
    pol = m.route_policy("out", "Export", [
        {"prefixSet": [{"cidr": "10.2.0.0/16", "maskLengthMin": 24,
                        "maskLengthMax": 24}], "action": "Reject"}],
        peer_selector={"matchLabels": {"role": "other"}})
    a, bgpd, border, other, docs = two_birds(
        topo, make_bgpd, [m.advertisement("svc", ["10.2.128.0/17"]), pol])
    other.wait_route("10.2.128.0/17")   # /17 is outside 24..24: accepted
    bgpd.wait_best("ipv4", "10.2.0.0/24", {"peer": "a-border"})
    stays(lambda: "10.2.0.0/24" not in other.routes("ipv4"), 4,
          what="10.2.0.0/24 kept from other1")
    assert "10.2.1.0/24" not in other.routes("ipv4"), other.dump()


def test_import_policy(topo, make_bgpd):
    pol = m.route_policy("in", "Import", [
        {"prefixSet": [{"cidr": "10.2.1.0/24"}], "action": "Reject"}],
        peer_selector={"matchLabels": {"role": "border"}})
    a, bgpd, border, other, docs = two_birds(topo, make_bgpd, [pol])
    bgpd.wait_best("ipv4", "10.2.0.0/24", {"peer": "a-border"})

    def filtered():
        r = bgpd.rib("ipv4").get("10.2.1.0/24")
        if r is None:
            return False
        return all(p["filtered"] and not p["best"] for p in r["paths"])
    wait_until(filtered, timeout=15, what="10.2.1.0/24 held as filtered",
               on_fail=bgpd.diag)
    other.wait_route("10.2.0.0/24")
    assert "10.2.1.0/24" not in other.routes("ipv4"), other.dump()
    n = bgpd.neighbor("a-border")
    assert n["prefixes_received"]["ipv4"] == 2, n
    assert n["prefixes_accepted"]["ipv4"] == 1, n
    # Removing the policy re-evaluates the kept path: no refresh, no reset.
    bgpd.write([d for d in docs if d["kind"] != "BGPRoutePolicy"])
    bgpd.wait_best("ipv4", "10.2.1.0/24", {"peer": "a-border", "filtered": False})
    other.wait_route("10.2.1.0/24")
    assert bgpd.neighbor("a-border")["flaps"] == 0


def test_advertisement_peer_selector(topo, make_bgpd):
    adv = m.advertisement("only-border", ["203.0.113.0/24"],
                          peer_selector={"matchLabels": {"peer": "border"}})
    a, bgpd, border, other, docs = two_birds(topo, make_bgpd, [adv])
    border.wait_route("203.0.113.0/24")
    other.wait_route("10.2.0.0/24")    # other has converged
    assert "203.0.113.0/24" not in other.routes("ipv4"), other.dump()
