"""A soak of the Kubernetes controller: five minutes of resource changes,
one a second, while the stand-in compacts its history, cuts every watch and
restarts; then the exact final state, and no leaked memory.

The three-node lab of e2e_lab.py (node namespaces on a bridge, one bgpd per
node with its own kubeconfig, the kernel FIB on). Node B's speaker is the
ASan + LSan build (build-asan/bgpd, `make asan`); it must stop on SIGTERM
with exit status 0 and no sanitizer report. The other two are sampled for
VmRSS during the run; their growth from warm-up to the end must stay
bounded.

The changes are drawn from a seeded generator (the seed is printed; set
BGPD_SOAK_SEED to replay a run): BGPAdvertisements (prefixes originated by
the nodes an endpointSelector picks, or by all), BGPRoutePolicies (import
and export, with and without peerSelector), manual BGPSessions between node
pairs, the endpoint label a mesh BGPPeeringPolicy selects on (and one it
does not), and the policy itself, created, changed and deleted. They go
through a direct HTTPS client (kubectl takes ~160 ms to start); the final
checks also use kubectl.

The test keeps a model of what it applied and computes from it what each
node must hold: its kernel routes (protocol 196), its peers (all
Established) and originated advertisements, the status conditions on the
current generation of each object, the sessions the mesh policy generates,
and no session left behind by a deletion.

Environment: BGPD_SOAK_SECONDS (default 300), BGPD_SOAK_SEED,
BGPD_ASAN (default build-asan/bgpd), E2E_KEEP=1 keeps the lab's directory.
"""

import ctypes
import http.client
import ipaddress
import itertools
import json
import os
import random
import ssl
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from e2e_lab import NET, NODES, ROOT, TOKEN, cond, lab_fixture, poll  # noqa: E402

PFX = "sk%d-" % os.getpid()
SECONDS = int(os.environ.get("BGPD_SOAK_SECONDS", "300"))
ASAN_BGPD = os.environ.get("BGPD_ASAN", os.path.join(ROOT, "build-asan", "bgpd"))
ASAN_NODE = "b"
GROUP = "/apis/bgp.miloapis.com/v1alpha1/"
API_VERSION = "bgp.miloapis.com/v1alpha1"
POLICY_LABEL = "bgp.miloapis.com/policy"
MESH_LABEL = "soak-mesh"

# Convergence after the last change. A peer whose sessions failed in a row
# waits an IdleHold that doubles up to 120 s (bgp/speaker.h
# SPK_IDLEHOLD_MAX) before it tries again, and the churn resets sessions
# often; 120 s plus a connect retry (5 s) and room for status writes.
CONVERGE = 150

# VmRSS growth allowed on the normal build from warm-up to the end. The
# final state is of the same size as the state at warm-up (a handful of
# objects, a few dozen routes); what may grow legitimately is the malloc
# arena's high-water mark (a moment with more objects than at warm-up),
# libcurl's and OpenSSL's caches across the API-server restart, and the
# kernel's accounting of touched pages. Measured here over 300 s, from
# about 14.8 MiB: +344 to +860 KiB, in steps, flattening. A leak of one object per change (300 changes, each spreading to the
# watch event, the store, the model and the status writer, a few KiB
# each) would pass 1 MiB; 2 MiB leaves margin for a noisy machine.
RSS_GROWTH_KIB = 2048

ADV_NAMES = ["adv-%d" % i for i in range(6)]
POL_NAMES = ["pol-%d" % i for i in range(4)]
PAIRS = list(itertools.combinations(NODES, 2))
PREFIXES4 = ["198.51.100.0/24", "198.51.100.0/25", "198.51.100.128/25",
             "203.0.113.0/24", "203.0.113.64/26", "192.0.2.0/24",
             "192.0.2.128/27", "100.64.1.0/24", "100.64.2.0/24",
             "100.64.3.0/24"]
PREFIXES6 = ["2001:db8:1::/48", "2001:db8:2::/48", "2001:db8:2:100::/56",
             "2001:db8:3::/48"]
# Policy prefix sets: (cidr, lengths that may be chosen as min/max).
PSETS = [("198.51.100.0/24", (24, 25)), ("203.0.113.0/24", (24, 26)),
         ("192.0.2.0/24", (24, 27)), ("100.64.0.0/16", (16, 24)),
         ("2001:db8::/32", (32, 56)), ("2001:db8:2::/48", (48, 56))]


# ---------------------------------------------------------------- client

def _enter_netns(path):
    """Move the calling thread (only) into the network namespace at path."""
    libc = ctypes.CDLL("libc.so.6", use_errno=True)
    fd = os.open(path, os.O_RDONLY)
    try:
        if libc.setns(fd, 0x40000000) != 0:  # CLONE_NEWNET
            raise OSError(ctypes.get_errno(), "setns " + path)
    finally:
        os.close(fd)


class Api:
    """HTTPS to the stand-in with the lab's token and CA, one keep-alive
    connection opened from a worker thread inside namespace K."""

    def __init__(self, lab):
        self.lab = lab
        self.ctx = ssl.create_default_context(
            cafile=os.path.join(lab.tmp, "certs", "ca.crt"))
        self.pool = ThreadPoolExecutor(
            1, initializer=_enter_netns, initargs=("/run/netns/" + lab.ns["k"],))
        self.conn = None

    def close(self):
        self.pool.submit(self._drop).result()
        self.pool.shutdown()

    def _drop(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def _do(self, method, path, body, ctype):
        if self.conn is None:
            self.conn = http.client.HTTPSConnection(
                NET + "1", self.lab.port, context=self.ctx, timeout=20)
        headers = {"Authorization": "Bearer " + TOKEN, "Accept": "application/json"}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = ctype
        try:
            self.conn.request(method, path, body=data, headers=headers)
            r = self.conn.getresponse()
            raw = r.read()
        except (OSError, http.client.HTTPException):
            self._drop()
            raise
        try:
            doc = json.loads(raw) if raw else None
        except ValueError:
            doc = {"raw": raw.decode(errors="replace")}
        return r.status, doc

    def call(self, method, path, body=None, ctype="application/json", patience=40):
        """(status, body); retries while the server cannot be reached (it
        restarts), up to patience seconds."""
        deadline = time.monotonic() + patience
        while True:
            try:
                return self.pool.submit(self._do, method, path, body, ctype).result()
            except (OSError, http.client.HTTPException):
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)

    def items(self, plural):
        st, doc = self.call("GET", GROUP + plural)
        assert st == 200, (plural, st, doc)
        return {o["metadata"]["name"]: o for o in doc["items"]}

    def standin(self, what):
        st, doc = self.call("POST", "/_standin/" + what)
        assert st == 200, (what, st, doc)
        return doc


# ----------------------------------------------------------------- model

def sel_match(sel, labels):
    """A label selector (matchLabels, matchExpressions In/NotIn) on labels."""
    for k, v in (sel.get("matchLabels") or {}).items():
        if labels.get(k) != v:
            return False
    for e in sel.get("matchExpressions") or []:
        has = e["key"] in labels
        if e["operator"] == "In" and not (has and labels[e["key"]] in e["values"]):
            return False
        if e["operator"] == "NotIn" and has and labels[e["key"]] in e["values"]:
            return False
    return True


def pset_match(entry, prefix):
    net = ipaddress.ip_network(prefix)
    cidr = ipaddress.ip_network(entry["cidr"])
    return (net.version == cidr.version and net.subnet_of(cidr)
            and entry["maskLengthMin"] <= net.prefixlen <= entry["maskLengthMax"])


def policy_verdict(statements, prefix):
    """Accept/Reject of the first matching statement, or None."""
    for st in statements:
        if "prefixSet" not in st or any(pset_match(e, prefix) for e in st["prefixSet"]):
            return st["action"]
    return None


def session_pair(s):
    return tuple(sorted((s["local"][5:], s["remote"][5:])))


class Model:
    """What the soak applied; the expected state is computed from it."""

    def __init__(self):
        self.labels = {n: {"role": "node", "node": n, MESH_LABEL: "in"} for n in NODES}
        self.mesh = {"hold": 9}          # None: no policy
        self.manual = {}                 # name -> {local, remote, hold}
        self.adverts = {}                # name -> {prefixes, sel}
        self.policies = {}               # name -> {type, sel, statements}

    def generated(self):
        if self.mesh is None:
            return {}
        sel = [n for n in NODES if self.labels[n].get(MESH_LABEL) == "in"]
        return {"session-node-%s-node-%s" % (x, y): {
            "local": "node-" + x, "remote": "node-" + y, "hold": self.mesh["hold"],
            "labels": {POLICY_LABEL: "mesh"}} for x, y in itertools.combinations(sel, 2)}

    def sessions(self):
        """Every BGPSession the API must hold."""
        out = {n: dict(s, labels={"soak": "manual"}) for n, s in self.manual.items()}
        out.update(self.generated())
        return out

    def effective(self):
        """The session in force for each pair: explicit sessions in name
        order, a later one to an address already peered is DuplicatePeer."""
        eff = {}
        for name, s in sorted(self.sessions().items()):
            eff.setdefault(session_pair(s), name)
        return eff

    def originates(self, node):
        out = set()
        for a in self.adverts.values():
            if a["sel"] is None or sel_match(a["sel"], self.labels[node]):
                out.update(a["prefixes"])
        return out

    def origin_counts(self, node):
        """Per advertisement, the prefixes node originates for it (a prefix
        two advertisements name counts for both)."""
        return {name: len(a["prefixes"]) if a["sel"] is None or sel_match(
            a["sel"], self.labels[node]) else 0 for name, a in self.adverts.items()}

    def passes(self, typ, peer_session, peer_node, prefix):
        for name in sorted(self.policies):
            p = self.policies[name]
            if p["type"] != typ:
                continue
            if p["sel"] is not None and not (
                    sel_match(p["sel"], peer_session["labels"])
                    or sel_match(p["sel"], self.labels[peer_node])):
                continue
            v = policy_verdict(p["statements"], prefix)
            if v is not None:
                return v == "Accept"
        return True

    def routes(self, node):
        """The prefixes node's kernel must hold: originated by a peer over
        a session in force, exported by it, imported here, and not
        originated here (the local path wins)."""
        sessions = self.sessions()
        own = self.originates(node)
        out = set()
        for pair, name in self.effective().items():
            if node not in pair:
                continue
            other = pair[0] if pair[1] == node else pair[1]
            s = sessions[name]
            for pfx in self.originates(other) - own:
                if (self.passes("Export", s, node, pfx)
                        and self.passes("Import", s, other, pfx)):
                    out.add(pfx)
        return out


# ------------------------------------------------------------- generator

def random_selector(rng):
    # Originated by all nodes, a prefix reaches no kernel (the local path
    # wins everywhere): rarer than one node.
    r = rng.random()
    if r < 0.15:
        return None
    if r < 0.70:
        return {"matchLabels": {"node": rng.choice(NODES)}}
    if r < 0.85:
        return {"matchExpressions": [{"key": "node", "operator": "In",
                                      "values": sorted(rng.sample(NODES, 2))}]}
    return {"matchLabels": {MESH_LABEL: "in"}}


def random_prefixes(rng):
    n = rng.choice((1, 1, 2, 3))
    pool = PREFIXES4 + PREFIXES6 if rng.random() < 0.3 else PREFIXES4
    return sorted(rng.sample(pool, n))


def random_policy(rng):
    peer = rng.random()
    if peer < 0.5:
        sel = None
    elif peer < 0.8:
        sel = {"matchLabels": {"node": rng.choice(NODES)}}
    elif peer < 0.9:
        sel = {"matchLabels": {"soak": "manual"}}
    else:
        sel = {"matchLabels": {POLICY_LABEL: "mesh"}}
    sts = []
    for _ in range(rng.choice((1, 1, 2))):
        cidr, (lo, hi) = rng.choice(PSETS)
        a = rng.randint(lo, hi)
        b = rng.randint(a, hi)
        sts.append({"prefixSet": [{"cidr": cidr, "maskLengthMin": a, "maskLengthMax": b}],
                    "action": rng.choice(("Accept", "Reject"))})
    # A catch-all now and then; Reject-all would leave the kernels empty.
    if rng.random() < 0.25:
        sts.append({"action": rng.choice(("Accept", "Accept", "Reject"))})
    return {"type": rng.choice(("Import", "Export")), "sel": sel, "statements": sts}


def obj(kind, name, spec, labels=None):
    md = {"name": name}
    if labels:
        md["labels"] = labels
    return {"apiVersion": API_VERSION, "kind": kind, "metadata": md, "spec": spec}


def advert_spec(a):
    spec = {"prefixes": a["prefixes"]}
    if a["sel"] is not None:
        spec["endpointSelector"] = a["sel"]
    return spec


def policy_spec(p):
    spec = {"type": p["type"], "statements": p["statements"]}
    if p["sel"] is not None:
        spec["peerSelector"] = p["sel"]
    return spec


def session_spec(s):
    return {"localEndpoint": s["local"], "remoteEndpoint": s["remote"],
            "holdTime": s["hold"], "keepaliveTime": 3}


def mesh_obj(hold):
    return obj("BGPPeeringPolicy", "mesh", {
        "selector": {"matchLabels": {MESH_LABEL: "in"}},
        "sessionTemplate": {"holdTime": hold, "keepaliveTime": 3}})


def jp_set(path, old, new):
    """JSON-patch ops turning member path from old (None: absent) to new."""
    if new is None:
        return [{"op": "remove", "path": path}] if old is not None else []
    return [{"op": "add", "path": path, "value": new}]


class Churn:
    """One random change at a time, applied through the API and recorded
    in the model only once the API took it."""

    def __init__(self, api, model, rng):
        self.api = api
        self.m = model
        self.rng = rng
        self.done = Counter()
        self.refused = Counter()
        self.unexpected = []

    def _ok(self, what, st, doc, allowed=()):
        if 200 <= st < 300:
            self.done[what] += 1
            return True
        if st in allowed:
            self.refused["%s (%d)" % (what, st)] += 1
            return False
        self.unexpected.append((what, st, doc))
        return False

    def create(self, what, plural, body, allowed=()):
        st, doc = self.api.call("POST", GROUP + plural, body)
        return self._ok(what, st, doc, allowed)

    def patch(self, what, path, ops):
        if not ops:
            return False
        st, doc = self.api.call("PATCH", path, ops, "application/json-patch+json")
        return self._ok(what, st, doc)

    def delete(self, what, plural, name):
        st, doc = self.api.call("DELETE", GROUP + plural + "/" + name)
        return self._ok(what, st, doc)

    def step(self):
        r = self.rng.random()
        if r < 0.35:
            self.advert()
        elif r < 0.50:
            self.policy()
        elif r < 0.65:
            self.session()
        elif r < 0.90:
            self.label()
        else:
            self.mesh()

    def advert(self):
        m, rng = self.m, self.rng
        name = rng.choice(ADV_NAMES)
        cur = m.adverts.get(name)
        if cur is None:
            new = {"prefixes": random_prefixes(rng), "sel": random_selector(rng)}
            if self.create("advert create", "bgpadvertisements",
                           obj("BGPAdvertisement", name, advert_spec(new))):
                m.adverts[name] = new
        elif rng.random() < 0.7:
            new = dict(cur)
            if rng.random() < 0.6:
                new["prefixes"] = random_prefixes(rng)
            else:
                new["sel"] = random_selector(rng)
            ops = (jp_set("/spec/prefixes", cur["prefixes"], new["prefixes"])
                   + jp_set("/spec/endpointSelector", cur["sel"], new["sel"]))
            if self.patch("advert modify", GROUP + "bgpadvertisements/" + name, ops):
                m.adverts[name] = new
        elif self.delete("advert delete", "bgpadvertisements", name):
            del m.adverts[name]

    def policy(self):
        m, rng = self.m, self.rng
        name = rng.choice(POL_NAMES)
        cur = m.policies.get(name)
        if cur is None:
            new = random_policy(rng)
            if self.create("route policy create", "bgproutepolicies",
                           obj("BGPRoutePolicy", name, policy_spec(new))):
                m.policies[name] = new
        elif rng.random() < 0.6:
            new = random_policy(rng)
            ops = (jp_set("/spec/type", cur["type"], new["type"])
                   + jp_set("/spec/statements", cur["statements"], new["statements"])
                   + jp_set("/spec/peerSelector", cur["sel"], new["sel"]))
            if self.patch("route policy modify", GROUP + "bgproutepolicies/" + name, ops):
                m.policies[name] = new
        elif self.delete("route policy delete", "bgproutepolicies", name):
            del m.policies[name]

    def session(self):
        m, rng = self.m, self.rng
        x, y = rng.choice(PAIRS)
        name = "man-%s-%s" % (x, y)
        cur = m.manual.get(name)
        if cur is None:
            if rng.random() < 0.5:
                x, y = y, x
            new = {"local": "node-" + x, "remote": "node-" + y, "hold": rng.choice((9, 12))}
            # A session deleted a moment ago may still wait for the
            # speakers' finalizers: 409 AlreadyExists, as in a cluster.
            if self.create("session create", "bgpsessions",
                           obj("BGPSession", name, session_spec(new), {"soak": "manual"}),
                           allowed=(409,)):
                m.manual[name] = new
        elif rng.random() < 0.5:
            new = dict(cur)
            if rng.random() < 0.5:
                new["hold"] = 21 - cur["hold"]
            else:
                new["local"], new["remote"] = cur["remote"], cur["local"]
            ops = [{"op": "add", "path": "/spec", "value": session_spec(new)}]
            if self.patch("session modify", GROUP + "bgpsessions/" + name, ops):
                m.manual[name] = new
        elif self.delete("session delete", "bgpsessions", name):
            del m.manual[name]

    def label(self):
        m, rng = self.m, self.rng
        n = rng.choice(NODES)
        if rng.random() < 0.7:
            key, val = MESH_LABEL, rng.choice(("in", "in", "in", "out", None))
        else:
            key, val = "soak-round", str(rng.randrange(1000))
        if m.labels[n].get(key) == val:
            val = "out" if val == "in" else "in" if key == MESH_LABEL else val + "x"
        st, doc = self.api.call("PATCH", GROUP + "bgpendpoints/node-" + n,
                                {"metadata": {"labels": {key: val}}},
                                "application/merge-patch+json")
        if self._ok("endpoint label" if key == MESH_LABEL else "endpoint other label",
                    st, doc):
            if val is None:
                m.labels[n].pop(key, None)
            else:
                m.labels[n][key] = val

    def mesh(self):
        m, rng = self.m, self.rng
        if m.mesh is None:
            hold = rng.choice((9, 15))
            if self.create("mesh policy create", "bgppeeringpolicies", mesh_obj(hold)):
                m.mesh = {"hold": hold}
        elif rng.random() < 0.4:
            hold = 24 - m.mesh["hold"]
            st, doc = self.api.call(
                "PATCH", GROUP + "bgppeeringpolicies/mesh",
                {"spec": {"sessionTemplate": {"holdTime": hold}}},
                "application/merge-patch+json")
            if self._ok("mesh policy modify", st, doc):
                m.mesh = {"hold": hold}
        elif self.delete("mesh policy delete", "bgppeeringpolicies", "mesh"):
            m.mesh = None


# ---------------------------------------------------------------- checks

def host(prefix):
    """The kernel's spelling of a destination (a host route has no length)."""
    net = ipaddress.ip_network(prefix)
    return str(net.network_address) if net.prefixlen == net.max_prefixlen else prefix


def conds_current(o, want):
    """Mismatches of the conditions {type: status} on o, each on o's
    current generation."""
    bad = []
    gen = o["metadata"]["generation"]
    for t, s in want.items():
        c = cond(o, t)
        if c is None or c.get("status") != s or c.get("observedGeneration") != gen:
            bad.append("%s %s: want %s=%s on generation %d, have %r" % (
                o["kind"], o["metadata"]["name"], t, s, gen, c))
    return bad


def mismatches(lab, api, m):
    """Every difference between the lab and the model, as text."""
    bad = []
    sessions = m.sessions()
    eff = m.effective()
    in_force = set(eff.values())

    # (a) kernel tables, both families.
    for n in NODES:
        want = m.routes(n)
        for fam, v in (("-4", 4), ("-6", 6)):
            w = sorted(host(p) for p in want if ipaddress.ip_network(p).version == v)
            have = lab.kernel_routes(n, fam)
            if have != w:
                bad.append("node %s kernel IPv%d: want %s, have %s (missing %s, stale %s)"
                           % (n, v, w, have, sorted(set(w) - set(have)),
                              sorted(set(have) - set(w))))

    # (b) each speaker's view: peers, all Established; advertisements.
    for n in NODES:
        want = sorted(name for pair, name in eff.items() if n in pair)
        doc = lab.show(n, "neighbors")
        if doc is None:
            bad.append("node %s: no answer to show neighbors" % n)
            continue
        have = {p["name"]: p["state"] for p in doc["neighbors"]}
        if sorted(have) != want or any(s != "Established" for s in have.values()):
            bad.append("node %s peers: want %s Established, have %s" % (n, want, have))
        doc = lab.show(n, "advertisements")
        if doc is None:
            bad.append("node %s: no answer to show advertisements" % n)
            continue
        have = {a["name"]: a["advertised_prefix_count"] for a in doc["advertisements"]}
        want = m.origin_counts(n)
        if have != want:
            bad.append("node %s advertisements (name: prefixes originated): "
                       "want %s, have %s" % (n, want, have))

    # (c) status conditions; (d) generated sessions; (e) nothing left over.
    objs = api.items("bgpsessions")
    if sorted(objs) != sorted(sessions):
        bad.append("sessions in the API: want %s, have %s" % (
            sorted(sessions), sorted(objs)))
    for name, o in objs.items():
        s = sessions.get(name)
        md = o["metadata"]
        if md.get("deletionTimestamp"):
            bad.append("session %s still terminating, finalizers %s" % (
                name, md.get("finalizers")))
        if s is None:
            continue
        spec = o["spec"]
        if (spec["localEndpoint"], spec["remoteEndpoint"], spec.get("holdTime")) != (
                s["local"], s["remote"], s["hold"]):
            bad.append("session %s spec %s, want %s" % (name, spec, s))
        if (md.get("labels") or {}) != s["labels"]:
            bad.append("session %s labels %s, want %s" % (name, md.get("labels"), s["labels"]))
        fins = sorted(md.get("finalizers") or [])
        want_fins = sorted("bgp.miloapis.com/speaker-" + e for e in (s["local"], s["remote"]))
        if fins != want_fins:
            bad.append("session %s finalizers %s, want %s" % (name, fins, want_fins))
        if name in in_force:
            bad += conds_current(o, {"Configured": "True", "SessionEstablished": "True"})
        else:
            # Same pair as a session earlier by name: refused on both sides.
            bad += conds_current(o, {"Configured": "False", "SessionEstablished": "False"})
            if (cond(o, "Configured") or {}).get("reason") != "DuplicatePeer":
                bad.append("session %s: want Configured reason DuplicatePeer, have %r"
                           % (name, cond(o, "Configured")))

    pps = api.items("bgppeeringpolicies")
    if sorted(pps) != (["mesh"] if m.mesh else []):
        bad.append("peering policies: have %s, want mesh %s" % (sorted(pps), m.mesh))
    elif m.mesh:
        o = pps["mesh"]
        nsel = sum(1 for n in NODES if m.labels[n].get(MESH_LABEL) == "in")
        st = o.get("status") or {}
        if (st.get("matchedEndpoints"), st.get("activeSessions")) != (
                nsel, nsel * (nsel - 1) // 2):
            bad.append("mesh status %s, want %d endpoints" % (st, nsel))
        bad += conds_current(o, {"InvalidConfig": "False"})

    ads = api.items("bgpadvertisements")
    if sorted(ads) != sorted(m.adverts):
        bad.append("advertisements: have %s, want %s" % (sorted(ads), sorted(m.adverts)))
    for name, a in m.adverts.items():
        o = ads.get(name)
        if o is None:
            continue
        if o["spec"] != advert_spec(a):
            bad.append("advertisement %s spec %s, want %s" % (name, o["spec"], advert_spec(a)))
        # Written by the speakers that originate it; nobody when none does.
        if any(a["sel"] is None or sel_match(a["sel"], m.labels[n]) for n in NODES):
            bad += conds_current(o, {"Advertised": "True"})
            if (o.get("status") or {}).get("advertisedPrefixCount") != len(a["prefixes"]):
                bad.append("advertisement %s status %s, want %d prefixes" % (
                    name, o.get("status"), len(a["prefixes"])))

    pols = api.items("bgproutepolicies")
    if sorted(pols) != sorted(m.policies):
        bad.append("route policies: have %s, want %s" % (sorted(pols), sorted(m.policies)))
    for name, o in pols.items():
        if name in m.policies:
            bad += conds_current(o, {"Accepted": "True"})

    eps = api.items("bgpendpoints")
    for n in NODES:
        have = eps["node-" + n]["metadata"].get("labels") or {}
        if have != m.labels[n]:
            bad.append("node-%s labels %s, want %s" % (n, have, m.labels[n]))
    return bad


def vmrss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS for pid %d" % pid)


SAN_MARKS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:",
             "SUMMARY: AddressSanitizer", "SUMMARY: UndefinedBehaviorSanitizer")


# ------------------------------------------------------------------ test

@pytest.fixture
def lab(request):
    if not os.access(ASAN_BGPD, os.X_OK):
        pytest.skip("%s not built (make asan)" % ASAN_BGPD)
    yield from lab_fixture(request, PFX, speakers=False)


def test_soak(lab):
    seed = int(os.environ.get("BGPD_SOAK_SEED") or random.SystemRandom().randrange(2**32))
    print("\nsoak: %d s, seed %d (BGPD_SOAK_SEED=%d replays it), ASan speaker on node %s"
          % (SECONDS, seed, seed, ASAN_NODE))
    rng = random.Random(seed)
    api = Api(lab)
    m = Model()
    try:
        _soak(lab, api, m, rng, seed)
    finally:
        api.close()


def _soak(lab, api, m, rng, seed):
    # The ASan speaker: a leak or any sanitizer report fails its exit
    # status (66); UBSan findings abort (-fno-sanitize-recover).
    asan_env = {"ASAN_OPTIONS": "detect_leaks=1:exitcode=66:halt_on_error=1",
                "UBSAN_OPTIONS": "print_stacktrace=1:halt_on_error=1"}
    for n in NODES:
        if n == ASAN_NODE:
            lab.bgpd(n, binary=ASAN_BGPD, env=asan_env)
        else:
            lab.bgpd(n)
    pids = {n: lab.procs["bgpd-" + n].pid for n in NODES}
    # `ip netns exec` execs bgpd in its own process: the PID is bgpd's.
    for n, pid in pids.items():
        poll("node %s: pid %d execs bgpd" % (n, pid), lambda: open(
            "/proc/%d/comm" % pid).read().strip() == "bgpd", 10, 0.05)

    # Start: all three in the mesh, sessions up.
    for n in NODES:
        st, doc = api.call("PATCH", GROUP + "bgpendpoints/node-" + n,
                           {"metadata": {"labels": {MESH_LABEL: "in"}}},
                           "application/merge-patch+json")
        assert st == 200, doc
    st, doc = api.call("POST", GROUP + "bgppeeringpolicies", mesh_obj(9))
    assert st == 201, doc
    poll("the mesh up before the churn", lambda: not [
        x for x in mismatches(lab, api, m) if "peers" in x or "SessionEstablished" in x], 90, 1)

    churn = Churn(api, m, rng)
    events = Counter()
    cut_total = 0
    rss = {n: [] for n in NODES if n != ASAN_NODE}
    rss_base = None
    t0 = time.monotonic()
    next_switch = rng.uniform(30, 60)
    restart_at = SECONDS / 2.0
    restarted = False
    next_rss = 0.0
    i = 0
    while True:
        now = time.monotonic() - t0
        if now >= SECONDS:
            break
        if now >= next_rss:
            for n in rss:
                rss[n].append((round(now), vmrss_kib(pids[n])))
            next_rss += 10
            if rss_base is None and now >= SECONDS * 0.2:
                rss_base = {n: rss[n][-1][1] for n in rss}
        for n in NODES:
            rc = lab.procs["bgpd-" + n].poll()
            assert rc is None, "node %s's speaker exited (%s) %.0f s into the churn:\n%s" % (
                n, rc, now, lab.log("bgpd-" + n)[-6000:])
        if not restarted and now >= restart_at:
            # Same port, state and CA; the speakers' watches break.
            assert lab.stop("apiserver") == 0
            lab.apiserver(lab.port)
            events["API-server restarts"] += 1
            restarted = True
        if now >= next_switch:
            # History dropped, then every watch ended at once: each
            # speaker resumes from a compacted version (410 Expired, list
            # again) while the changes go on.
            churn.step()
            api.standin("compact")
            events["compactions"] += 1
            cut_total += api.standin("cut-watches")["cut"]
            events["watch cuts"] += 1
            next_switch = now + rng.uniform(30, 60)
        churn.step()
        i += 1
        # One change a second; after a stall (the restart) no burst to
        # catch up.
        if time.monotonic() - t0 > i + 2:
            i = int(time.monotonic() - t0)
        time.sleep(max(0.0, t0 + i - time.monotonic()))
    churn_secs = time.monotonic() - t0
    assert not churn.unexpected, "the API refused changes: %r" % churn.unexpected
    assert restarted or SECONDS < 2

    # Quiesce: the exact state, within a bounded time.
    t1 = time.monotonic()
    last = []

    def converged():
        last[:] = mismatches(lab, api, m)
        return not last
    try:
        poll("the final state", converged, CONVERGE, 1)
    except AssertionError:
        raise AssertionError("not converged %d s after the last change:\n  %s" % (
            CONVERGE, "\n  ".join(last)))
    took = time.monotonic() - t1
    # The same sessions through kubectl, as a user sees them.
    r = lab.kubectl("get", "bgpsessions", "-o", "json")
    assert sorted(o["metadata"]["name"] for o in json.loads(r.stdout)["items"]) == sorted(
        m.sessions())

    # Memory of the normal-build speakers.
    end = {n: vmrss_kib(pids[n]) for n in rss}
    for n in rss:
        rss[n].append((round(time.monotonic() - t0), end[n]))
    if rss_base is None:
        rss_base = {n: rss[n][0][1] for n in rss}

    # The ASan speaker stops cleanly: exit 0, no report.
    rc = lab.stop("bgpd-" + ASAN_NODE)
    log = lab.log("bgpd-" + ASAN_NODE)
    marks = [x for x in SAN_MARKS if x in log]

    relists = {n: lab.log("bgpd-" + n).count("watch too old; listing again")
               for n in NODES}
    print("\nsoak summary (seed %d):" % seed)
    print("  churn: %.0f s, %d changes applied, %d refused as a cluster would" % (
        churn_secs, sum(churn.done.values()), sum(churn.refused.values())))
    for k in sorted(churn.done):
        print("    %-24s %d" % (k, churn.done[k]))
    for k in sorted(churn.refused):
        print("    refused: %-15s %d" % (k, churn.refused[k]))
    print("  %d watch cuts (%d watches ended), %d compactions, %d API-server restarts" % (
        events["watch cuts"], cut_total, events["compactions"],
        events["API-server restarts"]))
    print("  relists after 410 Expired, by node: %s" % relists)
    print("  converged %.1f s after the last change" % took)
    print("  final: sessions in force %s; mesh %s; %d advertisements, %d route policies"
          % (sorted(m.effective().values()), m.mesh, len(m.adverts), len(m.policies)))
    for n in NODES:
        print("    node %s routes: %s" % (n, sorted(m.routes(n))))
    for n in rss:
        print("  VmRSS node %s: warm-up %d KiB, end %d KiB, growth %+d KiB, max %d KiB; "
              "samples %s" % (n, rss_base[n], end[n], end[n] - rss_base[n],
                              max(v for _, v in rss[n]), rss[n]))
    print("  ASan speaker (node %s): exit %s, sanitizer reports: %s" % (
        ASAN_NODE, rc, marks or "none"))

    assert rc == 0 and not marks, "ASan speaker: exit %s, reports %s\n%s" % (
        rc, marks, log[-6000:])
    for n in rss:
        assert end[n] - rss_base[n] <= RSS_GROWTH_KIB, (
            "node %s VmRSS grew %d KiB (bound %d): %s" % (
                n, end[n] - rss_base[n], RSS_GROWTH_KIB, rss[n]))
    assert events["watch cuts"] == 0 or cut_total > 0
