"""bgpd's API-server source end to end, against the stand-in API server.

Three network namespaces: K holds a bridge and the stand-in; A and B are two
hosts on that bridge, each running bgpd --kubeconfig. Resources go in with
kubectl; the test checks with kubectl that the session gets its finalizers
and conditions, that a peering policy's generated session is written by the
Lease holder, and that deleting a session completes (both speakers remove
their finalizers) and the peers are gone from both speakers.
"""

import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.request

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
BGPD = os.environ.get("BGPD", os.path.join(ROOT, "build", "bgpd"))
CRDS = os.path.join(ROOT, "manifests", "crds")
PY = "/usr/bin/python3"
TOKEN = "controller-test-token"
PFX = os.environ.get("KUBE_LAB_PREFIX", "ka") + "%d-" % os.getpid()
NET = "10.77.0."
METRICS = "127.0.0.1:18082"

MANIFESTS = """
apiVersion: bgp.miloapis.com/v1alpha1
kind: BGPConfiguration
metadata: {name: default}
spec:
  asNumber: 65000
  listenPort: 1790
  addressFamilies: [{afi: IPv4, safi: Unicast}]
---
apiVersion: bgp.miloapis.com/v1alpha1
kind: BGPEndpoint
metadata: {name: node-a, labels: {role: node}}
spec:
  address: %(net)s2
  asNumber: 65000
  addressFamilies: [{afi: IPv4, safi: Unicast}]
---
apiVersion: bgp.miloapis.com/v1alpha1
kind: BGPEndpoint
metadata: {name: node-b, labels: {role: node}}
spec:
  address: %(net)s3
  asNumber: 65000
  addressFamilies: [{afi: IPv4, safi: Unicast}]
---
apiVersion: bgp.miloapis.com/v1alpha1
kind: BGPSession
metadata: {name: a-b}
spec: {localEndpoint: node-a, remoteEndpoint: node-b, holdTime: 9, keepaliveTime: 3}
""" % {"net": NET}

POLICY = """
apiVersion: bgp.miloapis.com/v1alpha1
kind: BGPPeeringPolicy
metadata: {name: mesh}
spec:
  selector: {matchLabels: {role: node}}
  sessionTemplate: {holdTime: 9, keepaliveTime: 3}
"""


def sh(*args, check=True, **kw):
    r = subprocess.run(list(args), capture_output=True, text=True, **kw)
    if check and r.returncode != 0:
        raise AssertionError("%s: exit %d: %s%s" % (" ".join(args), r.returncode,
                                                  r.stdout, r.stderr))
    return r


def poll(what, fn, timeout=30.0):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = fn()
        if last:
            return last
        time.sleep(0.2)
    raise AssertionError("timed out waiting for %s; last seen: %r" % (what, last))


class Lab:
    def __init__(self, tmp):
        self.tmp = tmp
        self.ns = {n: PFX + n for n in ("k", "a", "b")}
        self.procs = {}
        self.logs = {}
        self.kubeconfig = os.path.join(tmp, "kubeconfig")

    def netns(self):
        k = self.ns["k"]
        for n in self.ns.values():
            sh("ip", "netns", "add", n)
            sh("ip", "-n", n, "link", "set", "lo", "up")
        sh("ip", "-n", k, "link", "add", "br0", "type", "bridge")
        sh("ip", "-n", k, "addr", "add", NET + "1/24", "dev", "br0")
        sh("ip", "-n", k, "link", "set", "br0", "up")
        for i, side in ((2, "a"), (3, "b")):
            n = self.ns[side]
            sh("ip", "link", "add", PFX + side, "netns", k, "type", "veth",
               "peer", "name", "eth0", "netns", n)
            sh("ip", "-n", k, "link", "set", PFX + side, "master", "br0", "up")
            sh("ip", "-n", n, "addr", "add", NET + "%d/24" % i, "dev", "eth0")
            sh("ip", "-n", n, "link", "set", "eth0", "up")

    def start(self, name, ns, args):
        log = open(os.path.join(self.tmp, name + ".log"), "ab")
        self.logs[name] = log.name
        self.procs[name] = subprocess.Popen(
            ["ip", "netns", "exec", self.ns[ns]] + args,
            stdout=log, stderr=subprocess.STDOUT)

    def apiserver(self, port=0):
        port_file = os.path.join(self.tmp, "port")
        if os.path.exists(port_file):
            os.unlink(port_file)
        self.start("apiserver", "k", [
            PY, os.path.join(HERE, "apiserver.py"), "--bind", NET + "1",
            "--port", str(port), "--crds", CRDS, "--token", TOKEN,
            "--state", os.path.join(self.tmp, "state.json"),
            "--extra-san", NET + "1",
            "--kubeconfig-out", self.kubeconfig, "--port-file", port_file,
            "--cert-dir", os.path.join(self.tmp, "certs"),
            "--bookmark-interval", "0.5"])
        poll("the stand-in's port file", lambda: os.path.exists(port_file))

    def bgpd(self, side):
        self.start("bgpd-" + side, side, [
            BGPD, "--kubeconfig", self.kubeconfig, "--local-endpoint",
            "node-" + side, "--no-fib", "--metrics-addr", METRICS,
            "--health-addr", "127.0.0.1:18083", "--lease-namespace",
            "bgp-system", "--log-level", "debug"])

    def stop(self, name, sig=signal.SIGTERM):
        p = self.procs.pop(name, None)
        if p is None:
            return None
        if p.poll() is None:
            p.send_signal(sig)
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        return p.returncode

    def kubectl(self, *args, check=True, stdin=None):
        return sh("ip", "netns", "exec", self.ns["k"], "kubectl",
                  "--kubeconfig", self.kubeconfig, *args, check=check,
                  input=stdin, timeout=60)

    def get(self, kind, name, ns=None):
        args = ["get", kind, name, "-o", "json"] + (["-n", ns] if ns else [])
        r = self.kubectl(*args, check=False)
        return json.loads(r.stdout) if r.returncode == 0 else None

    def admin(self, what):
        with open(os.path.join(self.tmp, "port")) as f:
            port = f.read().strip()
        sh("ip", "netns", "exec", self.ns["k"], "curl", "-sfk", "-X", "POST",
           "-H", "Authorization: Bearer " + TOKEN,
           "https://%s1:%s/_standin/%s" % (NET, port, what))

    def stats(self):
        with open(os.path.join(self.tmp, "port")) as f:
            port = f.read().strip()
        return json.loads(sh("ip", "netns", "exec", self.ns["k"], "curl", "-sfk",
                             "-H", "Authorization: Bearer " + TOKEN,
                             "https://%s1:%s/_standin/stats" % (NET, port)).stdout)

    def neighbors(self, side):
        r = sh("ip", "netns", "exec", self.ns[side], BGPD, "show",
               "neighbors", "--server", METRICS, "--json", check=False)
        return json.loads(r.stdout) if r.returncode == 0 else None

    def tail(self):
        out = []
        for name, path in self.logs.items():
            with open(path, errors="replace") as f:
                out.append("==== %s\n%s" % (name, "".join(f.readlines()[-40:])))
        return "\n".join(out)

    def teardown(self):
        for name in [n for n in self.procs if n.startswith("bgpd")]:
            self.stop(name)
        self.stop("apiserver")
        for n in self.ns.values():
            sh("ip", "netns", "del", n, check=False)


def cond(obj, type_):
    for c in (obj or {}).get("status", {}).get("conditions", []):
        if c.get("type") == type_:
            return c
    return None


def peer_names(doc):
    if doc is None:
        return None
    items = doc.get("neighbors", doc) if isinstance(doc, dict) else doc
    return sorted(n.get("name", n.get("session", "")) for n in items)


@pytest.fixture
def lab():
    if os.geteuid() != 0:
        pytest.skip("needs root for network namespaces")
    for tool in ("ip", "kubectl"):
        if shutil.which(tool) is None:
            pytest.skip("%s not installed" % tool)
    if not os.access(BGPD, os.X_OK):
        pytest.skip("build/bgpd not built (run make)")
    tmp = tempfile.mkdtemp(prefix=PFX)
    lab = Lab(tmp)
    try:
        lab.netns()
        lab.apiserver()
        yield lab
    except BaseException:
        print(lab.tail())
        raise
    finally:
        lab.teardown()
        shutil.rmtree(tmp, ignore_errors=True)


def sessions(lab, side):
    """The BGPSession names in speaker side's status API (its view)."""
    r = sh("ip", "netns", "exec", lab.ns[side], "curl", "-sf",
           "http://%s/api/v1/sessions" % METRICS, check=False)
    if r.returncode != 0:
        return None
    doc = json.loads(r.stdout)
    items = doc.get("sessions", doc) if isinstance(doc, dict) else doc
    return sorted(i["name"] for i in items)


def established(obj):
    return obj if ((cond(obj, "Configured") or {}).get("status") == "True" and
                   (cond(obj, "SessionEstablished") or {}).get("status") == "True") else None


def test_session_lifecycle(lab):
    lab.kubectl("create", "namespace", "bgp-system", check=False)
    lab.kubectl("apply", "-f", "-", stdin=MANIFESTS)
    lab.bgpd("a")
    lab.bgpd("b")
    try:
        s = poll("both finalizers on a-b", lambda: (lambda o: o if o and len(
            o["metadata"].get("finalizers", [])) == 2 else None)(
            lab.get("bgpsession", "a-b")))
        assert sorted(s["metadata"]["finalizers"]) == [
            "bgp.miloapis.com/speaker-node-a", "bgp.miloapis.com/speaker-node-b"]
        s = poll("a-b Configured and SessionEstablished", lambda: (
            lambda o: o if (cond(o, "Configured") or {}).get("status") == "True"
            and (cond(o, "SessionEstablished") or {}).get("status") == "True"
            else None)(lab.get("bgpsession", "a-b")))
        est = cond(s, "SessionEstablished")
        assert est["reason"] == "Established"
        assert est["observedGeneration"] == s["metadata"]["generation"]
        for ep in ("node-a", "node-b"):
            e = poll("SpeakerReady on " + ep, lambda: lab.get("bgpendpoint", ep))
            assert (cond(e, "SpeakerReady") or {}).get("status") == "True", e
        cfg = lab.get("bgpconfiguration", "default")
        assert cfg["status"]["observedASNumber"] == 65000
        assert cond(cfg, "SpeakerReady")["status"] == "True"
        assert poll("a-b on speaker a", lambda: peer_names(lab.neighbors("a")) == ["a-b"])
        ev = poll("a SessionEstablished event about a-b", lambda: [
            e for e in json.loads(lab.kubectl(
                "get", "events.v1.events.k8s.io", "-n", "default", "-o",
                "json").stdout)["items"]
            if e.get("reason") == "SessionEstablished"
            and e["regarding"]["name"] == "a-b"])
        assert ev[0]["regarding"]["kind"] == "BGPSession"
        assert ev[0]["type"] == "Normal"

        # Deleting completes only once both speakers removed their finalizer.
        r = lab.kubectl("delete", "bgpsession", "a-b", "--timeout=30s", check=False)
        assert r.returncode == 0, r.stderr
        assert lab.get("bgpsession", "a-b") is None
        for side in ("a", "b"):
            poll("a-b gone from speaker " + side, lambda: peer_names(
                lab.neighbors(side)) == [])

        # A generated session (for the same pair, so only once a-b is gone),
        # written by whichever speaker holds the Lease.
        lab.kubectl("apply", "-f", "-", stdin=POLICY)
        g = poll("the generated session established", lambda: (
            lambda o: o if (cond(o, "SessionEstablished") or {}).get("status")
            == "True" else None)(lab.get("bgpsession", "session-node-a-node-b")))
        assert g["metadata"]["labels"]["bgp.miloapis.com/policy"] == "mesh"
        assert len(g["metadata"]["finalizers"]) == 2
        owner = g["metadata"]["ownerReferences"][0]
        assert owner["kind"] == "BGPPeeringPolicy" and owner["controller"] is True
        lease = lab.get("lease", "bgp-peering-policy", ns="bgp-system")
        assert lease["spec"]["holderIdentity"].startswith("node-")
        pp = poll("policy status", lambda: (lambda o: o if o.get("status", {}).get(
            "activeSessions") == 1 else None)(lab.get("bgppeeringpolicy", "mesh")))
        assert pp["status"]["matchedEndpoints"] == 2
        assert cond(pp, "InvalidConfig")["status"] == "False"

        for side in ("a", "b"):
            poll("the generated session on speaker " + side, lambda: peer_names(
                lab.neighbors(side)) == ["session-node-a-node-b"])

        # The policy's session goes with the policy.
        lab.kubectl("delete", "bgppeeringpolicy", "mesh", "--timeout=30s")
        poll("the generated session deleted", lambda: lab.get(
            "bgpsession", "session-node-a-node-b") is None)
        for side in ("a", "b"):
            poll("no peers on speaker " + side, lambda: peer_names(
                lab.neighbors(side)) == [])

        # Shutdown releases the Lease at once.
        for side in ("a", "b"):
            assert lab.stop("bgpd-" + side) == 0
        lease = lab.get("lease", "bgp-peering-policy", ns="bgp-system")
        assert lease["spec"].get("holderIdentity", "") == ""
        for side in ("a", "b"):
            with open(lab.logs["bgpd-" + side], errors="replace") as f:
                log = f.read()
            assert "Sanitizer" not in log and "runtime error" not in log, log
    except BaseException:
        print(lab.tail())
        raise


def test_recovers_after_compaction(lab):
    """A speaker that missed a deletion behind a compacted history (its
    watch resumes with 410 Gone) relists, notices the deletion, tears the
    peer down and removes its finalizer."""
    lab.kubectl("apply", "-f", "-", stdin=MANIFESTS)
    lab.bgpd("a")
    lab.bgpd("b")
    try:
        poll("a-b established", lambda: established(lab.get("bgpsession", "a-b")))
        lab.procs["bgpd-b"].send_signal(signal.SIGSTOP)
        try:
            lab.kubectl("delete", "bgpsession", "a-b", "--wait=false")
            s = poll("a's finalizer removed", lambda: (lambda o: o if o and len(
                o["metadata"].get("finalizers", [])) == 1 else None)(
                lab.get("bgpsession", "a-b")))
            assert s["metadata"]["finalizers"] == ["bgp.miloapis.com/speaker-node-b"]
            # Events already sent sit in b's socket buffer; a change after
            # the cut, then compaction, leaves b resuming from a version
            # the server no longer has.
            lab.admin("cut-watches")
            lab.kubectl("label", "bgpendpoint", "node-a", "touched=yes")
            lab.admin("compact")
        finally:
            lab.procs["bgpd-b"].send_signal(signal.SIGCONT)
        poll("a-b deleted", lambda: lab.get("bgpsession", "a-b") is None)
        poll("no peers on speaker b", lambda: peer_names(lab.neighbors("b")) == [])
        with open(lab.logs["bgpd-b"]) as f:
            assert "listing again" in f.read()
    except BaseException:
        print(lab.tail())
        raise


def test_finalizer_follows_the_endpoints(lab):
    """A session edited so that it no longer names a speaker loses that
    speaker's finalizer and peer; the other end reports the missing
    endpoint."""
    lab.kubectl("apply", "-f", "-", stdin=MANIFESTS)
    lab.bgpd("a")
    lab.bgpd("b")
    try:
        poll("a-b established", lambda: established(lab.get("bgpsession", "a-b")))
        lab.kubectl("patch", "bgpsession", "a-b", "--type", "merge", "-p",
                    '{"spec":{"remoteEndpoint":"node-c"}}')
        s = poll("b's finalizer removed", lambda: (lambda o: o if o and o[
            "metadata"].get("finalizers") == ["bgp.miloapis.com/speaker-node-a"]
            else None)(lab.get("bgpsession", "a-b")))
        poll("no peers on speaker b", lambda: peer_names(lab.neighbors("b")) == [])
        c = poll("Configured False on a-b", lambda: (lambda o: o if (cond(
            o, "Configured") or {}).get("status") == "False" else None)(
            lab.get("bgpsession", "a-b")))
        assert cond(c, "Configured")["reason"] == "EndpointNotFound"
        assert cond(c, "Configured")["observedGeneration"] == s["metadata"]["generation"]
        r = lab.kubectl("delete", "bgpsession", "a-b", "--timeout=30s", check=False)
        assert r.returncode == 0, r.stderr
    except BaseException:
        print(lab.tail())
        raise


OTHERS = """
apiVersion: bgp.miloapis.com/v1alpha1
kind: BGPEndpoint
metadata: {name: node-c}
spec: {address: %(net)s4, asNumber: 65000}
---
apiVersion: bgp.miloapis.com/v1alpha1
kind: BGPEndpoint
metadata: {name: node-d}
spec: {address: %(net)s5, asNumber: 65000}
---
apiVersion: bgp.miloapis.com/v1alpha1
kind: BGPSession
metadata: {name: c-d}
spec: {localEndpoint: node-c, remoteEndpoint: node-d}
""" % {"net": NET}


@pytest.mark.parametrize("selectable", [True, False], ids=["fieldSelector", "fallback"])
def test_speaker_holds_only_its_sessions(lab, selectable):
    """Each speaker watches the sessions naming it with two field selectors
    (spec.localEndpoint, spec.remoteEndpoint), or, when the server refuses
    them (400, as before Kubernetes 1.31), one full watch filtered in the
    speaker. Either way its view leaves out sessions between other nodes,
    survives a session swapping its ends, and a session edited away from a
    speaker loses that speaker's peer and finalizer."""
    if not selectable:
        lab.admin("selectable-fields?enabled=false")
    lab.kubectl("apply", "-f", "-", stdin=MANIFESTS + "---" + OTHERS)
    lab.admin("stats/reset")
    lab.bgpd("a")
    lab.bgpd("b")
    try:
        poll("a-b established", lambda: established(lab.get("bgpsession", "a-b")))
        for side in ("a", "b"):
            assert poll("the sessions of " + side, lambda: sessions(lab, side)) == ["a-b"]
        sel = lab.stats()["selectors"]
        mine = {"fieldSelector=spec.%sEndpoint=node-%s" % (end, side)
                for end in ("local", "remote") for side in ("a", "b")}
        for verb in ("list", "watch"):
            got = set(sel.get(verb + " bgpsessions", {}))
            if selectable:
                # a full watch of sessions is the Lease holder's only:
                # the policy-labelled ones
                assert mine <= got and got - mine <= {
                    "labelSelector=bgp.miloapis.com/policy"}, got
            else:
                assert "" in got, got
        logs = "".join(open(lab.logs["bgpd-" + s]).read() for s in ("a", "b"))
        assert ("refuses BGPSession field selectors" in logs) != selectable

        # The ends swap: one stream drops it, the other adds it.
        lab.kubectl("patch", "bgpsession", "a-b", "--type", "merge", "-p",
                    '{"spec":{"localEndpoint":"node-b","remoteEndpoint":"node-a"}}')
        poll("a-b established again", lambda: established(lab.get("bgpsession", "a-b")))
        for side in ("a", "b"):
            assert sessions(lab, side) == ["a-b"]
            assert peer_names(lab.neighbors(side)) == ["a-b"]

        # Away from b: b's peer and finalizer go, a's stay.
        lab.kubectl("patch", "bgpsession", "a-b", "--type", "merge", "-p",
                    '{"spec":{"localEndpoint":"node-c"}}')
        poll("b's finalizer removed", lambda: (lambda o: o if o and o[
            "metadata"].get("finalizers") == ["bgp.miloapis.com/speaker-node-a"]
            else None)(lab.get("bgpsession", "a-b")))
        poll("no peers on speaker b", lambda: peer_names(lab.neighbors("b")) == [])
        poll("no sessions in b's view", lambda: sessions(lab, "b") == [])
        r = lab.kubectl("delete", "bgpsession", "a-b", "--timeout=30s", check=False)
        assert r.returncode == 0, r.stderr
        for side in ("a", "b"):
            assert lab.stop("bgpd-" + side) == 0
            with open(lab.logs["bgpd-" + side], errors="replace") as f:
                log = f.read()
            assert "Sanitizer" not in log and "runtime error" not in log, log
    except BaseException:
        print(lab.tail())
        raise


def test_endpoint_marked_stopped(lab):
    """A speaker stopped with SIGTERM marks its own BGPEndpoint SpeakerReady
    False (SpeakerStopped) before it exits, and True again once it runs;
    a hung API server does not hold its stop up."""
    lab.kubectl("create", "namespace", "bgp-system", check=False)
    lab.kubectl("apply", "-f", "-", stdin=MANIFESTS)
    lab.bgpd("a")
    lab.bgpd("b")
    try:
        poll("a-b established", lambda: established(lab.get("bgpsession", "a-b")))
        for ep in ("node-a", "node-b"):
            poll("SpeakerReady on " + ep, lambda: (cond(lab.get(
                "bgpendpoint", ep), "SpeakerReady") or {}).get("status") == "True")
        assert lab.stop("bgpd-b") == 0
        # Written before the process exited: no waiting here.
        c = cond(lab.get("bgpendpoint", "node-b"), "SpeakerReady")
        assert (c["status"], c["reason"]) == ("False", "SpeakerStopped"), c
        assert "node-b" in c["message"], c
        assert cond(lab.get("bgpendpoint", "node-a"), "SpeakerReady")["status"] == "True"
        lab.bgpd("b")
        poll("SpeakerReady True again on node-b", lambda: (cond(lab.get(
            "bgpendpoint", "node-b"), "SpeakerReady") or {}).get("status") == "True")
        poll("a-b established again", lambda: established(lab.get("bgpsession", "a-b")))
        api = lab.procs["apiserver"]
        api.send_signal(signal.SIGSTOP)
        try:
            t0 = time.monotonic()
            rc = lab.stop("bgpd-b")
            took = time.monotonic() - t0
        finally:
            api.send_signal(signal.SIGCONT)
        print("stop with the API server hung: %.1f s" % took)
        assert rc == 0 and took < 6, (rc, took)
    except BaseException:
        print(lab.tail())
        raise


def test_survives_apiserver_restart(lab):
    """The API server goes away: peers stay up, the speaker retries with
    back-off, and once the server is back, changes made there apply."""
    lab.kubectl("apply", "-f", "-", stdin=MANIFESTS)
    lab.bgpd("a")
    lab.bgpd("b")
    try:
        poll("a-b established", lambda: established(lab.get("bgpsession", "a-b")))
        with open(os.path.join(lab.tmp, "port")) as f:
            port = int(f.read().strip())
        assert lab.stop("apiserver") is not None
        def log_a():
            with open(lab.logs["bgpd-a"]) as f:
                return f.read()
        poll("speaker a retrying", lambda: "retrying" in log_a())
        assert peer_names(lab.neighbors("a")) == ["a-b"]
        lab.apiserver(port)
        lab.kubectl("delete", "bgpsession", "a-b", "--wait=false")
        poll("a-b deleted", lambda: lab.get("bgpsession", "a-b") is None, 60)
        for side in ("a", "b"):
            poll("no peers on speaker " + side, lambda: peer_names(
                lab.neighbors(side)) == [])
    except BaseException:
        print(lab.tail())
        raise
