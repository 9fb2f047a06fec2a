"""Manifest edits apply the difference without resetting what did not
change."""
import time

from conftest import need_peer
from lab.peers import Bird, Neighbor, Route
from lab.scenario import LOCAL_AS, speaker_docs, peer_docs, advert_docs


def bird_since(bird, addr):
    """BIRD's own record of when the protocol last changed state."""
    out = bird.birdc("show protocols %s" % bird.proto(addr)).stdout
    lines = [l for l in out.splitlines() if l.startswith(bird.proto(addr))]
    return lines[0].split()[4] if lines else None


def test_add_and_remove_session(topo, make_bgpd):
    need_peer("bird")
    a = topo.add_host("a")
    b = topo.add_host("b")
    c = topo.add_host("c")
    base = speaker_docs(a) + advert_docs(4) + peer_docs("a-b1", "b1", b, 65002)
    bgpd = make_bgpd(a, "node-a", base)
    b1 = Bird(b, 65002, [Neighbor(a.v4, LOCAL_AS)], routes=[Route("10.2.0.0/24")]).start()
    b2 = Bird(c, 65003, [Neighbor(a.v4, LOCAL_AS)], routes=[Route("10.3.0.0/24")]).start()
    n1 = bgpd.wait_neighbor("a-b1")
    b1.wait_route("192.0.2.0/24")
    since = bird_since(b1, a.v4)
    t0 = time.monotonic()

    # Add a second session in a second file.
    bgpd.write(peer_docs("a-b2", "b2", c, 65003), name="b2.yaml")
    bgpd.wait_neighbor("a-b2", timeout=30)
    b2.wait_route("192.0.2.0/24")
    b2.wait_route("10.2.0.0/24")
    b1.wait_route("10.3.0.0/24")
    n1b = bgpd.neighbor("a-b1")
    assert n1b["state"] == "Established" and n1b["flaps"] == 0, n1b
    assert n1b["messages_received"]["open"] == n1["messages_received"]["open"], n1b
    assert n1b["uptime_seconds"] >= n1["uptime_seconds"] + int(time.monotonic() - t0) - 1, \
        (n1, n1b)
    assert bird_since(b1, a.v4) == since, b1.dump()

    # Remove it again (SIGHUP also re-reads the directory).
    bgpd.remove("b2.yaml")
    bgpd.reload()
    b2.wait_no_route("192.0.2.0/24", timeout=20)
    b1.wait_no_route("10.3.0.0/24", timeout=20)
    assert "a-b2" not in bgpd.neighbors()
    n1c = bgpd.neighbor("a-b1")
    assert n1c["state"] == "Established" and n1c["flaps"] == 0, n1c
    assert bird_since(b1, a.v4) == since, b1.dump()
