"""manifests/ as a cluster would take it: `kubectl kustomize` renders every
object, each is well-formed; the RBAC rules are exactly the requests the
code makes; against the stand-in API server (tests/kube/apiserver.py)
every file passes `kubectl apply --dry-run=client` and
`kubectl apply -k manifests/` installs it all; and bgpd started with the
DaemonSet's own arguments and downward-API environment against the
stand-in, in a network namespace, becomes ready."""
import json
import os
import re
import shutil
import subprocess

import pytest
import yaml

from lab import manifests as m
from lab.poll import wait_until

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
MANIFESTS = os.path.join(REPO, "manifests")
STANDIN = os.path.join(REPO, "tests", "kube", "apiserver.py")
PY = "/usr/bin/python3"
TOKEN = "bgpd-ops-token"


def kubectl():
    k = shutil.which("kubectl")
    if k is None:
        pytest.skip("kubectl not installed")
    return k


@pytest.fixture(scope="module")
def rendered():
    r = subprocess.run([kubectl(), "kustomize", MANIFESTS],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    return [d for d in yaml.safe_load_all(r.stdout) if d]


def by_kind(docs, kind):
    return [d for d in docs if d["kind"] == kind]


def test_rendered_objects(rendered):
    kinds = {}
    for d in rendered:
        assert d.get("apiVersion") and d.get("kind"), d
        assert d["metadata"].get("name"), d
        kinds[d["kind"]] = kinds.get(d["kind"], 0) + 1
    assert kinds == {"CustomResourceDefinition": 6, "Namespace": 1,
                     "ServiceAccount": 1, "ClusterRole": 1,
                     "ClusterRoleBinding": 1, "Role": 2, "RoleBinding": 2,
                     "DaemonSet": 1}, kinds
    for d in rendered:
        if d["kind"] in ("ServiceAccount", "DaemonSet"):
            assert d["metadata"]["namespace"] == "bgp-system"
    # Every binding names the ServiceAccount the DaemonSet runs as.
    sa = by_kind(rendered, "ServiceAccount")[0]["metadata"]["name"]
    ds = by_kind(rendered, "DaemonSet")[0]
    assert ds["spec"]["template"]["spec"]["serviceAccountName"] == sa
    roles = {(r["kind"], r["metadata"].get("namespace"), r["metadata"]["name"])
             for r in rendered if r["kind"] in ("Role", "ClusterRole")}
    for b in rendered:
        if b["kind"] not in ("RoleBinding", "ClusterRoleBinding"):
            continue
        assert b["subjects"] == [{"kind": "ServiceAccount", "name": sa,
                                  "namespace": "bgp-system"}]
        ref = b["roleRef"]
        ns = b["metadata"].get("namespace") if ref["kind"] == "Role" else None
        assert (ref["kind"], ns, ref["name"]) in roles, ref


def code_requests():
    """(verb, path) of every request written in kube/*.c."""
    out = set()
    src = ""
    for f in sorted(os.listdir(os.path.join(REPO, "kube"))):
        if f.endswith(".c"):
            with open(os.path.join(REPO, "kube", f)) as fh:
                src += fh.read()
    for verb in re.findall(r'"(GET|POST|PUT|PATCH|DELETE)"', src):
        out.add(verb)
    return out, src


def rules_for(docs, group, resource, namespace=None):
    verbs = set()
    for r in docs:
        if r["kind"] == "ClusterRole" or (
                r["kind"] == "Role" and
                r["metadata"].get("namespace") == namespace):
            for rule in r["rules"]:
                if group in rule["apiGroups"] and \
                        resource in rule["resources"]:
                    verbs |= set(rule["verbs"])
    return verbs


def test_rbac_matches_code(rendered):
    verbs, src = code_requests()
    # The code's verbs; a new one here means the RBAC needs a look.
    assert verbs == {"GET", "POST", "PUT", "PATCH", "DELETE"}, verbs
    assert 'KUBE_API_PREFIX "bgpsessions"' in src      # POST (create)
    assert '"DELETE", path' in src                      # generated sessions
    assert '"/status"' in src
    assert "coordination.k8s.io/v1/namespaces/" in src
    assert '#define EVENT_NS\t\t"default"' in src
    g = "bgp.miloapis.com"
    for res in ("bgpconfigurations", "bgpendpoints", "bgppeeringpolicies",
                "bgpadvertisements", "bgproutepolicies"):
        assert rules_for(rendered, g, res) == {"list", "watch"}, res
        assert rules_for(rendered, g, res + "/status") == {"patch"}, res
    assert rules_for(rendered, g, "bgpsessions") == {
        "list", "watch", "create", "patch", "delete"}
    assert rules_for(rendered, g, "bgpsessions/status") == {"patch"}
    # The Lease only in bgpd's namespace, only through a Role.
    assert rules_for(rendered, "coordination.k8s.io", "leases") == set()
    assert rules_for(rendered, "coordination.k8s.io", "leases",
                     "bgp-system") == {"get", "list", "watch", "create",
                                       "update"}
    assert '"metadata.name%3D" LEASE_NAME' in src
    assert rules_for(rendered, "events.k8s.io", "events", "default") == {
        "create"}
    # Nothing else: no wildcard, no other resource.
    for r in rendered:
        for rule in r.get("rules", []):
            assert "*" not in rule["verbs"] and "*" not in rule["resources"]


def test_daemonset_shape(rendered):
    ds = by_kind(rendered, "DaemonSet")[0]
    pod = ds["spec"]["template"]["spec"]
    assert pod["hostNetwork"] is True
    assert len(pod["containers"]) == 1
    c = pod["containers"][0]
    env = {e["name"]: e.get("valueFrom", {}).get("fieldRef", {}).get(
        "fieldPath") for e in c["env"]}
    assert env["NODE_NAME"] == "spec.nodeName"
    assert env["POD_NAMESPACE"] == "metadata.namespace"
    sc = c["securityContext"]
    assert sc["readOnlyRootFilesystem"] is True
    assert sc["capabilities"]["drop"] == ["ALL"]
    assert set(sc["capabilities"]["add"]) == {"NET_ADMIN",
                                              "NET_BIND_SERVICE"}
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["runAsUser"] != 0
    ports = {p["name"]: p["containerPort"] for p in c["ports"]}
    args = c["args"]
    health = [a for a in args if a.startswith("--health-addr=")][0]
    metrics = [a for a in args if a.startswith("--metrics-addr=")][0]
    assert health.endswith(":%d" % ports["health"])
    assert metrics.endswith(":%d" % ports["metrics"])
    assert c["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert c["readinessProbe"]["httpGet"]["path"] == "/readyz"
    ann = ds["spec"]["template"]["metadata"]["annotations"]
    assert ann["prometheus.io/scrape"] == "true"
    assert int(ann["prometheus.io/port"]) == ports["metrics"]
    mem = c["resources"]["requests"]["memory"]
    assert mem.endswith("Mi") and int(mem[:-2]) >= 145   # bench/README.md


class StandIn:
    """The stand-in API server inside a namespace, on its loopback."""

    def __init__(self, host, tmp, crds=True):
        self.host = host
        self.kubeconfig = os.path.join(tmp, "kubeconfig")
        self.cache = os.path.join(tmp, "kcache")
        port_file = os.path.join(tmp, "port")
        self.proc = host.spawn("apiserver", [
            PY, STANDIN, "--port", "0", "--kubeconfig-out",
            self.kubeconfig, "--token", TOKEN, "--port-file", port_file] +
            (["--crds", os.path.join(MANIFESTS, "crds")] if crds else []))
        wait_until(lambda: os.path.exists(port_file), timeout=30,
                   what="stand-in listening", on_fail=self.proc.log_tail)

    def kubectl(self, *args, stdin=None, check=True):
        r = self.host.run([kubectl(), "--kubeconfig", self.kubeconfig,
                           "--cache-dir", self.cache] + list(args),
                          check=False, input=stdin, timeout=60)
        if check:
            assert r.returncode == 0, r.stdout + r.stderr
        return r

    def get(self, d):
        """The stored object of a rendered manifest, as JSON."""
        return json.loads(self.kubectl("get", *ref(d), "-o", "json").stdout)


def ref(d):
    """kubectl arguments naming the object of manifest d."""
    kind = d["kind"].lower()
    if "/" in d["apiVersion"]:
        kind += "." + d["apiVersion"].split("/")[0]
    ns = d["metadata"].get("namespace")
    return [kind, d["metadata"]["name"]] + (["-n", ns] if ns else [])


def contains(stored, want, path=""):
    """Every field of want is in stored with the same value (the server
    adds defaults and metadata; it must lose or change nothing)."""
    if isinstance(want, dict):
        assert isinstance(stored, dict), path
        for k, v in want.items():
            assert k in stored, "%s.%s missing" % (path, k)
            contains(stored[k], v, path + "." + k)
    elif isinstance(want, list):
        assert isinstance(stored, list) and len(stored) == len(want), path
        for i, (a, b) in enumerate(zip(stored, want)):
            contains(a, b, "%s[%d]" % (path, i))
    else:
        assert stored == want, "%s: %r != %r" % (path, stored, want)


def manifest_files():
    out = []
    for root, _, files in os.walk(MANIFESTS):
        for f in sorted(files):
            p = os.path.join(root, f)
            if f.endswith(".yaml") and f != "kustomization.yaml" and \
                    os.path.relpath(p, MANIFESTS).split(os.sep)[0] != "examples":
                out.append(p)
    return sorted(out)


def test_every_manifest_dry_run_client(topo, workdir):
    """Each file under manifests/, on its own, as kubectl's client-side
    dry run takes it (kinds resolved through the server's discovery)."""
    kubectl()
    s = StandIn(topo.add_host("a"), workdir, crds=False)
    files = manifest_files()
    docs = []
    for f in files:
        with open(f) as fh:
            docs += [d for d in yaml.safe_load_all(fh) if d]
    assert {d["kind"] for d in docs} >= {"CustomResourceDefinition",
                                         "DaemonSet", "ClusterRole"}, files
    args = ["apply", "--dry-run=client"]
    for f in files:
        args += ["-f", f]
    r = s.kubectl(*args)
    lines = r.stdout.splitlines()
    assert len(lines) == len(docs), r.stdout      # one line per object
    assert all(line.endswith("(dry run)") for line in lines), r.stdout
    # nothing was written
    assert s.kubectl("get", "crd", "-o", "name").stdout == ""


def test_standin_apply_kustomize(topo, rendered, workdir):
    """`kubectl apply -k manifests/` whole, on a server without the CRDs:
    every object stored as written, a second apply changes nothing, a
    server-side dry run writes nothing, `kubectl delete -k` removes it."""
    kubectl()
    s = StandIn(topo.add_host("a"), workdir, crds=False)
    # A server-side dry run first: everything checked, nothing stored.
    r = s.kubectl("apply", "--dry-run=server", "-k", MANIFESTS)
    lines = r.stdout.splitlines()
    assert len(lines) == len(rendered), r.stdout
    assert sum(line.endswith(" created (server dry run)")
               for line in lines) == len(rendered) - 1, r.stdout
    assert s.kubectl("get", "crd,ds,sa,role,rolebinding,clusterrole,"
                     "clusterrolebinding", "-A", "-o", "name").stdout == ""
    r = s.kubectl("apply", "-k", MANIFESTS)
    lines = r.stdout.splitlines()
    assert len(lines) == len(rendered), r.stdout
    for line in lines:
        # bgp-system exists in the stand-in from the start: patched
        assert line.endswith(" created") or line == \
            "namespace/bgp-system configured", r.stdout
    s.kubectl("wait", "--for=condition=Established", "crd", "--all",
              "--timeout=30s")
    assert len(s.kubectl("get", "crd", "-o", "name").stdout.split()) == 6
    for d in rendered:
        contains(s.get(d), d, d["kind"])
    out = s.kubectl("get", "ds,sa,role,rolebinding", "-n", "bgp-system",
                    "-o", "name").stdout.split()
    assert out == ["daemonset.apps/bgpd", "serviceaccount/bgpd",
                   "role.rbac.authorization.k8s.io/bgpd-lease",
                   "rolebinding.rbac.authorization.k8s.io/bgpd-lease"], out
    out = s.kubectl("get", "role,rolebinding", "-n", "default",
                    "-o", "name").stdout.split()
    assert out == ["role.rbac.authorization.k8s.io/bgpd-events",
                   "rolebinding.rbac.authorization.k8s.io/bgpd-events"], out
    out = s.kubectl("get", "clusterrole,clusterrolebinding",
                    "-o", "name").stdout.split()
    assert out == ["clusterrole.rbac.authorization.k8s.io/bgpd",
                   "clusterrolebinding.rbac.authorization.k8s.io/bgpd"], out
    ds = s.kubectl("get", "ds", "-n", "bgp-system", "bgpd").stdout
    assert ds.splitlines()[1].split()[:2] == ["bgpd", "0"], ds  # no nodes

    # Idempotent: the last-applied annotation against what is stored.
    r = s.kubectl("apply", "-k", MANIFESTS)
    lines = r.stdout.splitlines()
    assert len(lines) == len(rendered)
    assert all(line.endswith(" unchanged") for line in lines), r.stdout

    # A new image is a strategic merge patch of the one container.
    text = s.kubectl("kustomize", MANIFESTS).stdout
    assert text.count("image: bgpd:0.1.0") == 1
    newer = text.replace("image: bgpd:0.1.0", "image: bgpd:0.2.0")
    r = s.kubectl("apply", "--dry-run=server", "-f", "-", stdin=newer)
    assert "daemonset.apps/bgpd configured (server dry run)" in r.stdout
    assert r.stdout.count("unchanged (server dry run)") == len(rendered) - 1
    ds = [d for d in rendered if d["kind"] == "DaemonSet"][0]
    assert s.get(ds)["spec"]["template"]["spec"]["containers"][0][
        "image"] == "bgpd:0.1.0"
    r = s.kubectl("apply", "-f", "-", stdin=newer)
    assert "daemonset.apps/bgpd configured" in r.stdout
    got = s.get(ds)
    assert got["metadata"]["generation"] == 2
    assert got["spec"]["template"]["spec"]["containers"][0][
        "image"] == "bgpd:0.2.0"
    contains(got["spec"]["template"]["spec"]["containers"][0]["env"],
             ds["spec"]["template"]["spec"]["containers"][0]["env"])

    # Every object goes but the namespace, which stays Terminating: the
    # stand-in has no namespace controller (hence --wait=false).
    r = s.kubectl("delete", "-k", MANIFESTS, "--wait=false")
    assert r.stdout.count(" deleted") == len(rendered), r.stdout
    for d in rendered:
        if d["kind"] == "Namespace":
            continue
        r = s.kubectl("get", *ref(d), check=False)
        assert r.returncode != 0 and "NotFound" in r.stderr, d
    phase = s.kubectl("get", "ns", "bgp-system", "-o",
                      "jsonpath={.status.phase}").stdout
    assert phase == "Terminating"


def test_daemonset_args_reach_ready(topo, rendered, workdir, bgpd_path):
    """The container's args and env, plus a kubeconfig (in the cluster the
    service account provides it), against the stand-in: /readyz 200."""
    a = topo.add_host("a")
    s = StandIn(a, workdir)
    node = "node-ops"
    docs = [m.configuration(65001, 179, ("IPv4",)),
            m.endpoint(node, a.addr(4), 65001)]
    s.kubectl("apply", "--validate=false", "-f", "-",
              stdin=yaml.safe_dump_all(docs))
    s.kubectl("get", "bgpendpoints", node)
    ds = by_kind(rendered, "DaemonSet")[0]
    c = ds["spec"]["template"]["spec"]["containers"][0]
    fields = {"spec.nodeName": node,
              "metadata.namespace": ds["metadata"]["namespace"]}
    env = {e["name"]: fields[e["valueFrom"]["fieldRef"]["fieldPath"]]
           for e in c["env"]}
    proc = a.spawn("bgpd", [bgpd_path] + c["args"] +
                   ["--kubeconfig", s.kubeconfig], env=env)
    health = [x for x in c["args"] if x.startswith("--health-addr=")][0]
    port = int(health.rsplit(":", 1)[1])

    def ready():
        assert proc.alive(), proc.log_tail()
        r = a.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}",
                   "http://127.0.0.1:%d/readyz" % port], check=False)
        return r.stdout == "200"
    wait_until(ready, timeout=30, what="bgpd /readyz 200",
               on_fail=proc.log_tail)
    # It took the Lease in the pod's namespace.
    r = s.kubectl("get", "lease", "-n", "bgp-system", "bgp-peering-policy",
                  "-o", "jsonpath={.spec.holderIdentity}")
    assert r.stdout.startswith(node), r.stdout   # node name and pid
    assert proc.stop() == 0, proc.log_tail()
