"""End-to-end scenarios of the Kubernetes controller, driven by kubectl.

Three nodes (A, B, C) on one bridge, one bgpd per node against the stand-in
API server (see e2e_lab.py). Each test builds its own lab and removes it.
"""

import os
import shutil
import signal
import sys
import time

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from e2e_lab import (ADDR, NODES, cond, cond_is, make_lab, poll,  # noqa: E402
                     skip_reason)

PFX = "ke%d-" % os.getpid()
PAIRS = ("session-node-a-node-b", "session-node-a-node-c", "session-node-b-node-c")

MESH = """
apiVersion: bgp.miloapis.com/v1alpha1
kind: BGPPeeringPolicy
metadata: {name: mesh}
spec:
  selector: {matchLabels: {role: node}}
  sessionTemplate: {holdTime: 9, keepaliveTime: 3}
"""


@pytest.fixture
def lab():
    why = skip_reason()
    if why:
        pytest.skip(why)
    lab = make_lab(PFX)
    try:
        yield lab
    except BaseException:
        print(lab.tail())
        raise
    finally:
        lab.teardown()
        shutil.rmtree(lab.tmp, ignore_errors=True)


def established(lab, name):
    o = lab.get("bgpsession", name)
    return o if cond_is(o, "SessionEstablished", "True") else None


def mesh_up(lab):
    lab.apply(MESH)
    for name in PAIRS:
        poll(name + " established", lambda: established(lab, name), 60)
    for n in NODES:
        want = sorted(p for p in PAIRS if "node-" + n in p)
        poll("peers of " + n, lambda: lab.neighbors(n) == want)


def test_readiness(lab):
    """BGPConfiguration default: SpeakerReady True, observed AS and router ID."""
    cfg = poll("SpeakerReady on default", lambda: (lambda o: o if cond_is(
        o, "SpeakerReady", "True") and "observedRouterID" in o.get("status", {})
        else None)(lab.get("bgpconfiguration", "default")))
    assert cfg["status"]["observedASNumber"] == 65000
    # Every node writes its own view; all agree on the AS, and the router ID
    # is one of the nodes' addresses (NodeIP).
    assert cfg["status"]["observedRouterID"] in ADDR.values()
    c = cond(cfg, "SpeakerReady")
    assert c["observedGeneration"] == cfg["metadata"]["generation"]
    assert c["reason"] and c["message"]
    for n in NODES:
        e = poll("SpeakerReady on node-" + n, lambda: (lambda o: o if cond_is(
            o, "SpeakerReady", "True") else None)(lab.get("bgpendpoint", "node-" + n)))
        assert e


def test_mesh(lab):
    """A mesh policy over three endpoints: three labelled sessions, all
    established; deleting the policy removes them and the peers."""
    lab.apply(MESH)
    pp = poll("policy status", lambda: (lambda o: o if o and o.get("status", {}).get(
        "activeSessions") == 3 else None)(lab.get("bgppeeringpolicy", "mesh")), 60)
    assert pp["status"]["matchedEndpoints"] == 3
    assert cond_is(pp, "InvalidConfig", "False")
    sess = lab.items("bgpsession", "-l", "bgp.miloapis.com/policy=mesh")
    assert sorted(s["metadata"]["name"] for s in sess) == list(PAIRS)
    r = lab.kubectl("wait", "--for=condition=SessionEstablished", "--timeout=60s",
                    *["bgpsession/" + p for p in PAIRS], timeout=90)
    assert r.returncode == 0
    for s in lab.items("bgpsession"):
        assert len(s["metadata"]["finalizers"]) == 2, s
        assert cond_is(s, "SessionEstablished", "True"), s
    for n in NODES:
        want = sorted(p for p in PAIRS if "node-" + n in p)
        poll("peers of " + n, lambda: lab.neighbors(n) == want)

    r = lab.kubectl("delete", "bgppeeringpolicy", "mesh", "--timeout=30s")
    poll("generated sessions deleted", lambda: lab.items("bgpsession") == [], 30)
    for n in NODES:
        poll("no peers on " + n, lambda: lab.neighbors(n) == [])


ADVERT = """
apiVersion: bgp.miloapis.com/v1alpha1
kind: BGPAdvertisement
metadata: {name: from-a}
spec:
  prefixes: ["198.51.100.0/24", "203.0.113.128/25"]
  endpointSelector: {matchLabels: {node: a}}
"""


def test_advertisement(lab):
    """An advertisement originated by node A only reaches B's and C's kernel
    tables; deleting it withdraws it."""
    mesh_up(lab)
    lab.apply(ADVERT)
    want = ["198.51.100.0/24", "203.0.113.128/25"]
    for n in ("b", "c"):
        poll("routes in " + n + "'s kernel", lambda: lab.kernel_routes(n) == want, 30)
    # A originates, it does not install its own routes; nobody else
    # originates (B and C would otherwise be seen by each other).
    assert lab.kernel_routes("a") == []
    a = poll("Advertised", lambda: (lambda o: o if cond_is(o, "Advertised", "True")
                                    else None)(lab.get("bgpadvertisement", "from-a")))
    assert a
    lab.kubectl("delete", "bgpadvertisement", "from-a", "--timeout=30s")
    for n in ("b", "c"):
        poll("routes withdrawn from " + n, lambda: lab.kernel_routes(n) == [], 30)


ADVERT6 = """
apiVersion: bgp.miloapis.com/v1alpha1
kind: BGPAdvertisement
metadata: {name: v6-from-a}
spec:
  prefixes: ["2001:db8:1::/48", "2001:db8:2:100::/56", "2001:db9:5::/48"]
  endpointSelector: {matchLabels: {node: a}}
"""

EXPORT = """
apiVersion: bgp.miloapis.com/v1alpha1
kind: BGPRoutePolicy
metadata: {name: export-db8}
spec:
  type: Export
  statements:
    - prefixSet: [{cidr: "2001:db8::/32", maskLengthMin: 32, maskLengthMax: 48}]
      action: Accept
    - action: Reject
"""


def rib_prefixes(doc):
    if doc is None:
        return None
    routes = doc.get("routes", doc) if isinstance(doc, dict) else doc
    return sorted({r.get("prefix") for r in routes})


def test_export_route_policy(lab):
    """An export policy (2001:db8::/32 le 48 accept, reject the rest): the /48
    goes through, the /56 and the prefix outside stop, in B's RIB."""
    mesh_up(lab)
    lab.apply(ADVERT6)
    allv6 = ["2001:db8:1::/48", "2001:db8:2:100::/56", "2001:db9:5::/48"]
    # Without a policy all three arrive, so the filter below is what stops them.
    poll("all three in B's RIB", lambda: rib_prefixes(lab.show("b", "rib", "ipv6")) == allv6)
    lab.apply(EXPORT)
    p = poll("Accepted", lambda: (lambda o: o if cond_is(o, "Accepted", "True")
                                  else None)(lab.get("bgproutepolicy", "export-db8")))
    assert cond(p, "Accepted")["observedGeneration"] == p["metadata"]["generation"]
    for n in ("b", "c"):
        poll("only the /48 in %s's RIB" % n, lambda: rib_prefixes(
            lab.show(n, "rib", "ipv6")) == ["2001:db8:1::/48"])
    poll("only the /48 in B's kernel", lambda: lab.kernel_routes("b", "-6") == [
        "2001:db8:1::/48"])
    # A still holds all three (an export policy does not touch the origin).
    assert rib_prefixes(lab.show("a", "rib", "ipv6")) == allv6
    # Deleting the policy lets them through again.
    lab.kubectl("delete", "bgproutepolicy", "export-db8")
    poll("all three back in B's RIB", lambda: rib_prefixes(
        lab.show("b", "rib", "ipv6")) == allv6)


RR = """
apiVersion: bgp.miloapis.com/v1alpha1
kind: BGPPeeringPolicy
metadata: {name: rr}
spec:
  selector: {matchLabels: {role: node}}
  mode: route-reflector
  routeReflectorConfig:
    reflectorSelector: {matchLabels: {node: a}}
    clusterID: 10.78.255.1
  sessionTemplate: {holdTime: 9, keepaliveTime: 3}
"""

RR_TWO = """
apiVersion: bgp.miloapis.com/v1alpha1
kind: BGPPeeringPolicy
metadata: {name: rr-two}
spec:
  selector: {matchLabels: {role: node}}
  mode: route-reflector
  routeReflectorConfig:
    reflectorSelector:
      matchExpressions: [{key: node, operator: In, values: [a, b]}]
  sessionTemplate: {holdTime: 9, keepaliveTime: 3}
"""

ADVERT_B = """
apiVersion: bgp.miloapis.com/v1alpha1
kind: BGPAdvertisement
metadata: {name: from-b}
spec:
  prefixes: ["192.0.2.0/26"]
  endpointSelector: {matchLabels: {node: b}}
"""


def test_route_reflector(lab):
    """Route-reflector mode: sessions reflector -> client; a route of client
    B reaches client C through A. A policy with two reflectors is
    InvalidConfig and changes nothing."""
    lab.apply(RR)
    rr_sessions = ("session-node-a-node-b", "session-node-a-node-c")
    for name in rr_sessions:
        s = poll(name + " established", lambda: established(lab, name), 60)
        assert s["spec"]["localEndpoint"] == "node-a"
        assert s["spec"]["routeReflector"]["clusterID"] == "10.78.255.1"
        assert s["metadata"]["labels"]["bgp.miloapis.com/policy"] == "rr"
    assert sorted(s["metadata"]["name"] for s in lab.items("bgpsession")) == list(rr_sessions)
    poll("A's peers are clients", lambda: (lambda d: d and all(
        n["rr_client"] for n in d["neighbors"]) and len(d["neighbors"]) == 2)(
        lab.show("a", "neighbors")))
    assert lab.neighbors("b") == ["session-node-a-node-b"]
    assert lab.neighbors("c") == ["session-node-a-node-c"]

    lab.apply(ADVERT_B)
    poll("B's route in C's kernel", lambda: lab.kernel_routes("c") == ["192.0.2.0/26"])
    rib = lab.show("c", "rib", "ipv4")
    path = rib["routes"][0]["paths"][0]
    assert path["peer"] == "session-node-a-node-c"
    assert path["next_hop"] == ADDR["b"]
    assert path["originator_id"] == ADDR["b"]
    assert path["cluster_list"] == ["10.78.255.1"]
    assert lab.kernel_routes("a") == ["192.0.2.0/26"]

    before = {s["metadata"]["name"]: s["metadata"]["resourceVersion"]
              for s in lab.items("bgpsession")}
    lab.apply(RR_TWO)
    p = poll("InvalidConfig on rr-two", lambda: (lambda o: o if cond_is(
        o, "InvalidConfig", "True") else None)(lab.get("bgppeeringpolicy", "rr-two")))
    c = cond(p, "InvalidConfig")
    assert c["observedGeneration"] == p["metadata"]["generation"]
    assert c["message"], c
    # Nothing changed: same sessions, same versions, the route still there.
    assert lab.items("bgpsession", "-l", "bgp.miloapis.com/policy=rr-two") == []
    after = {s["metadata"]["name"]: s["metadata"]["resourceVersion"]
             for s in lab.items("bgpsession")}
    # Status writes (a session's conditions) may move a version only through
    # /status; the spec generation and the set must be the same.
    assert sorted(after) == sorted(before)
    for s in lab.items("bgpsession"):
        assert s["metadata"]["generation"] == 1, s
        assert s["metadata"]["labels"]["bgp.miloapis.com/policy"] == "rr"
    assert cond_is(lab.get("bgppeeringpolicy", "rr"), "InvalidConfig", "False")
    assert lab.kernel_routes("c") == ["192.0.2.0/26"]
