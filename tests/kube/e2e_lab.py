"""A three-node lab for the end-to-end scenarios of the Kubernetes controller.

Namespace K holds a bridge and the stand-in API server; nodes A, B and C are
hosts on that bridge, each running one bgpd --kubeconfig (each with its own
copy of the kubeconfig) with the kernel FIB on. Resources go in with
`kubectl apply -f`, as a user would; checks read kubectl, `bgpd show` and the
nodes' kernel tables (`ip -j route show proto 196`).

Also used by bench/kube/.
"""

import json
import os
import shutil
import signal
import subprocess
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
BGPD = os.environ.get("BGPD", os.path.join(ROOT, "build", "bgpd"))
CRDS = os.path.join(ROOT, "manifests", "crds")
PY = "/usr/bin/python3"
TOKEN = "e2e-test-token"
NET = "10.78.0."
METRICS = "127.0.0.1:18082"
HEALTH = "127.0.0.1:18083"
NODES = ("a", "b", "c")
ADDR = {"a": NET + "2", "b": NET + "3", "c": NET + "4"}
ADDR6 = {"a": "fd00:78::2", "b": "fd00:78::3", "c": "fd00:78::4"}

BASE = """
apiVersion: bgp.miloapis.com/v1alpha1
kind: BGPConfiguration
metadata: {name: default}
spec:
  asNumber: 65000
  listenPort: 1790
  addressFamilies: [{afi: IPv4, safi: Unicast}, {afi: IPv6, safi: Unicast}]
""" + "".join("""---
apiVersion: bgp.miloapis.com/v1alpha1
kind: BGPEndpoint
metadata: {name: node-%s, labels: {role: node, node: %s}}
spec:
  address: %s
  asNumber: 65000
  addressFamilies: [{afi: IPv4, safi: Unicast}, {afi: IPv6, safi: Unicast}]
""" % (n, n, ADDR[n]) for n in NODES)


def sh(*args, check=True, **kw):
    r = subprocess.run(list(args), capture_output=True, text=True, **kw)
    if check and r.returncode != 0:
        raise AssertionError("%s: exit %d: %s%s" % (" ".join(args), r.returncode,
                                                  r.stdout, r.stderr))
    return r


def poll(what, fn, timeout=30.0, interval=0.2):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = fn()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError("timed out waiting for %s; last seen: %r" % (what, last))


def cond(obj, type_):
    for c in (obj or {}).get("status", {}).get("conditions", []):
        if c.get("type") == type_:
            return c
    return None


def cond_is(obj, type_, status):
    return (cond(obj, type_) or {}).get("status") == status


def peer_names(doc):
    if doc is None:
        return None
    items = doc.get("neighbors", doc) if isinstance(doc, dict) else doc
    return sorted(n.get("name", n.get("session", "")) for n in items)


class Lab:
    def __init__(self, tmp, prefix):
        self.tmp = tmp
        self.pfx = prefix
        self.ns = {n: prefix + n for n in ("k",) + NODES}
        self.procs = {}
        self.logs = {}
        self.kubeconfig = os.path.join(tmp, "kubeconfig")
        self.port = 0
        self.made_ns = []

    # -- setup ----------------------------------------------------------
    def netns(self, nodes=NODES):
        k = self.ns["k"]
        for x in nodes:
            self.ns.setdefault(x, self.pfx + x)
        for n in [k] + [self.ns[x] for x in nodes]:
            sh("ip", "netns", "add", n)
            self.made_ns.append(n)
            sh("ip", "-n", n, "link", "set", "lo", "up")
        sh("ip", "-n", k, "link", "add", "br0", "type", "bridge")
        sh("ip", "-n", k, "addr", "add", NET + "1/24", "dev", "br0")
        sh("ip", "-n", k, "link", "set", "br0", "up")
        for side in nodes:
            n = self.ns[side]
            sh("ip", "link", "add", self.pfx + side, "netns", k, "type", "veth",
               "peer", "name", "eth0", "netns", n)
            sh("ip", "-n", k, "link", "set", self.pfx + side, "master", "br0", "up")
            sh("ip", "-n", n, "addr", "add", ADDR[side] + "/24", "dev", "eth0")
            # A global IPv6 address: the next hop of IPv6 routes over the
            # IPv4 sessions.
            sh("ip", "-n", n, "addr", "add", ADDR6[side] + "/64", "dev", "eth0",
               "nodad")
            sh("ip", "-n", n, "link", "set", "eth0", "up")

    def start(self, name, ns, args, env=None):
        """env: variables added to this process's environment."""
        log = open(os.path.join(self.tmp, name + ".log"), "ab")
        self.logs[name] = log.name
        self.procs[name] = subprocess.Popen(
            ["ip", "netns", "exec", self.ns[ns]] + args,
            stdout=log, stderr=subprocess.STDOUT,
            env=dict(os.environ, **env) if env else None)
        log.close()

    def apiserver(self, port=0, bookmark="0.5"):
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
            "--bookmark-interval", str(bookmark)])
        poll("the stand-in's port file", lambda: os.path.exists(port_file)
             or self.procs["apiserver"].poll() is not None, 60)
        assert self.procs["apiserver"].poll() is None, self.tail()
        with open(port_file) as f:
            self.port = int(f.read().strip())

    def bgpd(self, side, name=None, fib=True, binary=None, env=None):
        """A speaker for node-<side> in that node's namespace, with its own
        copy of the kubeconfig. name: a second speaker's process name;
        binary: another build of bgpd (e.g. build-asan/bgpd) for this node;
        env: extra environment (e.g. ASAN_OPTIONS)."""
        name = name or "bgpd-" + side
        kc = os.path.join(self.tmp, "kubeconfig-" + name)
        shutil.copyfile(self.kubeconfig, kc)
        self.start(name, side, [
            binary or BGPD, "--kubeconfig", kc, "--local-endpoint", "node-" + side,
            "--metrics-addr", METRICS, "--health-addr", HEALTH,
            "--lease-namespace", "bgp-system", "--log-level", "debug"]
            + ([] if fib else ["--no-fib"]), env=env)

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

    def teardown(self):
        for name in [n for n in self.procs if n != "apiserver"]:
            self.stop(name)
        self.stop("apiserver")
        for n in self.made_ns:
            sh("ip", "netns", "del", n, check=False)

    # -- access ---------------------------------------------------------
    def kubectl(self, *args, check=True, stdin=None, timeout=60):
        return sh("ip", "netns", "exec", self.ns["k"], "kubectl",
                  "--kubeconfig", self.kubeconfig, "--cache-dir",
                  os.path.join(self.tmp, "kcache"), *args, check=check,
                  input=stdin, timeout=timeout)

    def apply(self, text, check=True):
        return self.kubectl("apply", "-f", "-", stdin=text, check=check)

    def get(self, kind, name, ns=None):
        args = ["get", kind, name, "-o", "json"] + (["-n", ns] if ns else [])
        r = self.kubectl(*args, check=False)
        return json.loads(r.stdout) if r.returncode == 0 else None

    def items(self, kind, *extra):
        r = self.kubectl("get", kind, "-o", "json", *extra)
        return json.loads(r.stdout)["items"]

    def standin(self, method, what):
        """An admin switch of the stand-in (from namespace K)."""
        r = sh("ip", "netns", "exec", self.ns["k"], "curl", "-sfk", "-X", method,
               "-H", "Authorization: Bearer " + TOKEN,
               "https://%s1:%d/_standin/%s" % (NET, self.port, what))
        return json.loads(r.stdout) if r.stdout.strip() else None

    def show(self, side, *what):
        r = sh("ip", "netns", "exec", self.ns[side], BGPD, "show", *what,
               "--server", METRICS, "--json", check=False, timeout=20)
        if r.returncode != 0:
            return None
        try:
            return json.loads(r.stdout)
        except ValueError:
            return None

    def neighbors(self, side):
        return peer_names(self.show(side, "neighbors"))

    def kernel_routes(self, side, family="-4"):
        r = sh("ip", "-n", self.ns[side], "-j", family, "route", "show",
               "proto", "196", check=False)
        if r.returncode != 0 or not r.stdout.strip():
            return []
        return sorted(x["dst"] for x in json.loads(r.stdout))

    def log(self, name):
        with open(self.logs[name], errors="replace") as f:
            return f.read()

    def tail(self):
        out = []
        for name, path in self.logs.items():
            with open(path, errors="replace") as f:
                out.append("==== %s\n%s" % (name, "".join(f.readlines()[-40:])))
        return "\n".join(out)


def make_lab(prefix, nodes=NODES, speakers=True, fib=True):
    """A started lab (namespaces, stand-in, base resources, speakers); the
    caller must call teardown() and remove lab.tmp."""
    tmp = tempfile.mkdtemp(prefix=prefix)
    lab = Lab(tmp, prefix)
    try:
        lab.netns(nodes)
        lab.apiserver()
        lab.kubectl("create", "namespace", "bgp-system", check=False)
        lab.apply(BASE)
        if speakers:
            for n in nodes:
                lab.bgpd(n, fib=fib)
    except BaseException:
        lab.teardown()
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return lab


def lab_fixture(request, prefix, **kw):
    """The body of a test module's lab fixture (a generator to yield from):
    skip without root or tools, start the lab, and on the way out print the
    speakers' logs when the test failed (or E2E_LOGS is set), tear down and
    remove the directory (kept with E2E_KEEP)."""
    import pytest

    why = skip_reason()
    if why:
        pytest.skip(why)
    failed = request.session.testsfailed
    lab = make_lab(prefix, **kw)
    try:
        yield lab
    finally:
        if request.session.testsfailed != failed or os.environ.get("E2E_LOGS"):
            print(lab.tail())
        lab.teardown()
        if not os.environ.get("E2E_KEEP"):
            shutil.rmtree(lab.tmp, ignore_errors=True)


def skip_reason():
    if os.geteuid() != 0:
        return "needs root for network namespaces"
    for tool in ("ip", "kubectl", "curl"):
        if shutil.which(tool) is None:
            return "%s not installed" % tool
    if not os.access(BGPD, os.X_OK):
        return "build/bgpd not built (run make)"
    return None
