"""manifests/ as a cluster would take it: `kubectl kustomize` renders every
object, each is well-formed; the RBAC rules are exactly the requests the
code makes; the stand-in API server (tests/kube/apiserver.py) accepts
`kubectl apply` of the kinds it serves; and bgpd started with the
DaemonSet's own arguments and downward-API environment against the
stand-in, in a network namespace, becomes ready."""
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
                     "bgp-system") == {"get", "create", "update"}
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

    def __init__(self, host, tmp):
        self.host = host
        self.kubeconfig = os.path.join(tmp, "kubeconfig")
        port_file = os.path.join(tmp, "port")
        self.proc = host.spawn("apiserver", [
            PY, STANDIN, "--port", "0", "--crds",
            os.path.join(MANIFESTS, "crds"), "--kubeconfig-out",
            self.kubeconfig, "--token", TOKEN, "--port-file", port_file])
        wait_until(lambda: os.path.exists(port_file), timeout=30,
                   what="stand-in listening", on_fail=self.proc.log_tail)

    def kubectl(self, *args, stdin=None, check=True):
        r = self.host.run([kubectl(), "--kubeconfig", self.kubeconfig]
                          + list(args), check=False, input=stdin,
                          timeout=60)
        if check:
            assert r.returncode == 0, r.stdout + r.stderr
        return r

    def served(self):
        """{(group, kind)} the server's discovery lists."""
        r = self.kubectl("api-resources", "--no-headers", "-o", "wide")
        out = set()
        for line in r.stdout.splitlines():
            f = line.split()
            # NAME [SHORTNAMES] APIVERSION NAMESPACED KIND VERBS...
            for i, w in enumerate(f):
                if w in ("true", "false") and i >= 2:
                    gv = f[i - 1]
                    out.add((gv.split("/")[0] if "/" in gv else "",
                             f[i + 1]))
                    break
        return out


def split_served(rendered, s):
    served = s.served()
    accept, missing = [], []
    for d in rendered:
        g = d["apiVersion"].split("/")[0] if "/" in d["apiVersion"] else ""
        (accept if (g, d["kind"]) in served else missing).append(d)
    return accept, missing


def test_standin_apply(topo, rendered, workdir):
    """The kinds the stand-in serves: CRDs and the Namespace."""
    kubectl()
    a = topo.add_host("a")
    s = StandIn(a, workdir)
    accept, _ = split_served(rendered, s)
    assert {d["kind"] for d in accept} >= {"CustomResourceDefinition",
                                           "Namespace"}
    text = yaml.safe_dump_all(accept)
    # The stand-in serves no /openapi/v2, which client validation wants.
    s.kubectl("apply", "--validate=false", "--dry-run=client", "-f", "-",
              stdin=text)
    s.kubectl("apply", "--validate=false", "-f", "-", stdin=text)
    s.kubectl("get", "namespace", "bgp-system")
    s.kubectl("get", "crd", "bgpsessions.bgp.miloapis.com")


def test_standin_apply_workloads(topo, rendered, workdir):
    """The rest (DaemonSet, RBAC, ServiceAccount), once a server serves
    them: `kubectl apply -k manifests/` whole."""
    kubectl()
    a = topo.add_host("a")
    s = StandIn(a, workdir)
    _, missing = split_served(rendered, s)
    if missing:
        pytest.skip("the stand-in API server does not serve %s (checked "
                    "by rendering and shape tests only)" % sorted(
                        {"%s/%s" % (d["apiVersion"], d["kind"])
                         for d in missing}))
    s.kubectl("apply", "-k", MANIFESTS)


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
