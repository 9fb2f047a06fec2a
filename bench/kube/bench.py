#!/usr/bin/python3
"""bgpd's Kubernetes controller, measured against the stand-in API server
(tests/kube/apiserver.py) in network namespaces. Not a test: prints figures.

  1. kubectl apply of a BGPAdvertisement on node A -> the route in node B's
     kernel (ip route in B's namespace, polled every ~2 ms); the same with
     a POST over a kept-open HTTPS connection (a controller's client
     library), which leaves out kubectl's start-up.
  2. kubectl apply of a BGPSession (both speakers already up) ->
     SessionEstablished=True in the API (kubectl wait, a watch); the same
     with a POST and a watch over HTTPS.
  3. N idle speakers for a while: API requests/s and bytes/s from
     GET /_standin/stats; no polling, only watches.

Run as root:  /usr/bin/python3 bench/kube/bench.py [--reps 10] [--idle 20]
              [--idle-seconds 120]
"""

import argparse
import base64
import ctypes
import http.client
import json
import os
import ssl
import shutil
import statistics
import subprocess
import sys
import time
import urllib.parse

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tests", "kube"))
import e2e_lab  # noqa: E402
from e2e_lab import Lab, cond_is, poll, sh  # noqa: E402

# Namespace and link names: $KUBE_LAB_PREFIX (default "ke") + pid.
PFX = os.environ.get("KUBE_LAB_PREFIX", "ke") + "%d-" % os.getpid()


def ms(x):
    return "%.0f ms" % (x * 1000)


def summary(name, xs, target):
    xs = sorted(xs)
    print("%-48s median %8s  min %8s  max %8s  (n=%d, target %s)" % (
        name, ms(statistics.median(xs)), ms(xs[0]), ms(xs[-1]), len(xs), target))
    return statistics.median(xs)


class Api:
    """HTTPS to the stand-in as a controller's client library talks to it:
    credentials from the kubeconfig, connections opened once (inside the
    stand-in's namespace) and kept."""

    def __init__(self, lab):
        with open(lab.kubeconfig) as f:
            kc = yaml.safe_load(f)
        cl = kc["clusters"][0]["cluster"]
        self.token = kc["users"][0]["user"]["token"]
        self.ctx = ssl.create_default_context(cadata=base64.b64decode(
            cl["certificate-authority-data"]).decode())
        u = urllib.parse.urlparse(cl["server"])
        self.host, self.port = u.hostname, u.port
        self.ns = lab.ns["k"]
        self.conn = self.connect()

    def connect(self):
        libc = ctypes.CDLL(None, use_errno=True)
        here = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
        there = os.open("/run/netns/" + self.ns, os.O_RDONLY)
        try:
            if libc.setns(there, 0x40000000) != 0:
                raise OSError(ctypes.get_errno(), "setns " + self.ns)
            c = http.client.HTTPSConnection(self.host, self.port, context=self.ctx,
                                            timeout=30)
            c.connect()
            return c
        finally:
            libc.setns(here, 0x40000000)
            os.close(here)
            os.close(there)

    def call(self, method, path, body=None, conn=None):
        c = conn or self.conn
        c.request(method, path, body=json.dumps(body) if body is not None else None,
                  headers={"Authorization": "Bearer " + self.token,
                           "Content-Type": "application/json"})
        r = c.getresponse()
        data = r.read()
        assert 200 <= r.status < 300, (r.status, data)
        return json.loads(data)

    def wait_cond(self, c, plural, name, rv, ctype, timeout=30):
        """Watch one object from rv on connection c (opened beforehand, as a
        controller's watch is) until condition ctype is True."""
        try:
            c.request("GET", "%s%s?watch=1&resourceVersion=%s&timeoutSeconds=%d"
                      "&fieldSelector=metadata.name%%3D%s" % (
                          GROUP, plural, rv, timeout, name),
                      headers={"Authorization": "Bearer " + self.token})
            r = c.getresponse()
            assert r.status == 200, r.status
            while True:
                line = r.readline()
                assert line, "watch ended before %s" % ctype
                o = json.loads(line).get("object", {})
                if cond_is(o, ctype, "True"):
                    return
        finally:
            c.close()


GROUP = "/apis/bgp.miloapis.com/v1alpha1/"


def kernel_has(lab, side, prefix):
    r = subprocess.run(["ip", "-n", lab.ns[side], "route", "show", prefix,
                        "proto", "196"], capture_output=True, text=True)
    return bool(r.stdout.strip())


def latency(reps):
    tmp = __import__("tempfile").mkdtemp(prefix=PFX)
    lab = Lab(tmp, PFX)
    try:
        lab.netns(("a", "b"))
        lab.apiserver()
        lab.kubectl("create", "namespace", "bgp-system", check=False)
        lab.apply(e2e_lab.BASE)
        lab.bgpd("a")
        lab.bgpd("b")
        # kubectl's own cost (process start, discovery from its cache, TLS).
        t = time.monotonic()
        for _ in range(5):
            lab.kubectl("get", "bgpendpoint", "node-a", "-o", "name")
        kubectl_cost = (time.monotonic() - t) / 5

        sess = """
apiVersion: bgp.miloapis.com/v1alpha1
kind: BGPSession
metadata: {name: %s}
spec: {localEndpoint: node-a, remoteEndpoint: node-b, holdTime: 9, keepaliveTime: 3}
"""
        api = Api(lab)
        est, est_http = [], []
        for i in range(2 * reps):
            name = "bench-%d" % i
            watch = api.connect() if i % 2 else None
            t0 = time.monotonic()
            if i % 2 == 0:
                lab.apply(sess % name)
                r = lab.kubectl("wait", "--for=condition=SessionEstablished",
                                "--timeout=30s", "bgpsession/" + name, check=False)
                assert r.returncode == 0, r.stderr
                est.append(time.monotonic() - t0)
            else:
                o = api.call("POST", GROUP + "bgpsessions", yaml.safe_load(sess % name))
                api.wait_cond(watch, "bgpsessions", name, o["metadata"]["resourceVersion"],
                              "SessionEstablished")
                est_http.append(time.monotonic() - t0)
            if i < 2 * reps - 1:
                lab.kubectl("delete", "bgpsession", name, "--timeout=30s")
                poll("no peers", lambda: lab.neighbors("a") == [] and
                     lab.neighbors("b") == [], 30, 0.05)
        # The last session stays up for the advertisements.
        adv, adv_after, adv_http = [], [], []
        for i in range(2 * reps):
            prefix = "10.200.%d.0/24" % i
            doc = """
apiVersion: bgp.miloapis.com/v1alpha1
kind: BGPAdvertisement
metadata: {name: bench-%d}
spec:
  prefixes: ["%s"]
  endpointSelector: {matchLabels: {node: a}}
""" % (i, prefix)
            t0 = time.monotonic()
            if i % 2 == 0:
                lab.apply(doc)
            else:
                api.call("POST", GROUP + "bgpadvertisements", yaml.safe_load(doc))
            t1 = time.monotonic()
            poll(prefix + " in B's kernel", lambda: kernel_has(lab, "b", prefix),
                 30, 0.002)
            t2 = time.monotonic()
            if i % 2 == 0:
                adv.append(t2 - t0)
                adv_after.append(t2 - t1)
            else:
                adv_http.append(t2 - t0)
        print("kubectl itself (a get, process start to exit): %s" % ms(kubectl_cost))
        summary("BGPAdvertisement apply -> B's kernel", adv, "100 ms")
        summary("  same, from kubectl's exit", adv_after, "")
        summary("BGPAdvertisement POST (HTTPS) -> B's kernel", adv_http, "100 ms")
        summary("BGPSession apply -> SessionEstablished (wait)", est, "1 s")
        summary("BGPSession POST -> SessionEstablished (watch)", est_http, "1 s")
    finally:
        lab.teardown()
        shutil.rmtree(tmp, ignore_errors=True)


def proc_usage(pid):
    """(RSS bytes, CPU seconds) of a process, or None once it is gone."""
    try:
        with open("/proc/%d/status" % pid) as f:
            rss = [int(x.split()[1]) * 1024 for x in f if x.startswith("VmRSS:")][0]
        with open("/proc/%d/stat" % pid) as f:
            st = f.read().rsplit(")", 1)[1].split()
        return rss, (int(st[11]) + int(st[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError):
        return None


def usage(lab, names):
    """{name: (rss, cpu)} of lab processes ("ip netns exec" execs in place)."""
    return {k: u for k in names for u in [proc_usage(lab.procs[k].pid)] if u}


def idle_report(n, dt, st, u0, u1):
    req = st["requests"]
    total = sum(req.values())
    print("%d idle speakers for %.0f s:" % (n, dt))
    print("  requests: %d, %.3f/s, %.5f/s per speaker" % (total, total / dt, total / dt / n))
    # Watches opened before the reset carry bytes and events but no request.
    for k in sorted(set(req) | set(st["bytes"]), key=lambda k: (-req.get(k, 0), k)):
        b = st["bytes"].get(k, {})
        print("    %-36s %6d  %8.4f/s  in %9d B  out %10d B  events %6d" % (
            k, req.get(k, 0), req.get(k, 0) / dt, b.get("in", 0), b.get("out", 0),
            b.get("events", 0)))
    print("  lease renewals (update leases): %d, %.3f/s" % (
        req.get("update leases", 0), req.get("update leases", 0) / dt))
    bi = sum(b["in"] for b in st["bytes"].values())
    bo = sum(b["out"] for b in st["bytes"].values())
    print("  bytes (HTTP bodies): in %.0f B/s, out %.0f B/s; per speaker in %.1f B/s, "
          "out %.1f B/s" % (bi / dt, bo / dt, bi / dt / n, bo / dt / n))
    print("  watch events %d (%.2f/s); open watches %d" % (
        st["watchEvents"], st["watchEvents"] / dt, st["openWatches"]))
    polling = {k: v for k, v in req.items() if k.split(" ")[0] in ("get", "list")}
    print("  get/list in the idle period (polling, or a relist after 410 Gone, would show here): %s" % (
        polling or "none"))
    sp = [k for k in u1 if k.startswith("bgpd-") and k in u0]
    if sp:
        rss = sorted(u1[k][0] for k in sp)
        cpu = sum(u1[k][1] - u0[k][1] for k in sp)
        print("  bgpd: RSS median %.1f MiB, max %.1f MiB; CPU %.2f%% of a core for all %d" % (
            rss[len(rss) // 2] / 2**20, rss[-1] / 2**20, 100 * cpu / dt, len(sp)))
    if "apiserver" in u1 and "apiserver" in u0:
        print("  stand-in: RSS %.1f MiB; CPU %.2f%% of a core" % (
            u1["apiserver"][0] / 2**20, 100 * (u1["apiserver"][1] - u0["apiserver"][1]) / dt))


def idle(n, seconds):
    nodes = tuple("s%d" % i for i in range(n))
    for i, s in enumerate(nodes):
        e2e_lab.ADDR[s] = "10.78.0.%d" % (10 + i)   # one /24: n <= 240
        e2e_lab.ADDR6[s] = "fd00:78::%x" % (10 + i)
    tmp = __import__("tempfile").mkdtemp(prefix=PFX)
    lab = Lab(tmp, PFX)
    try:
        lab.netns(nodes)
        # A bookmark a minute per watch, as the real server sends them.
        lab.apiserver(bookmark=60)
        lab.kubectl("create", "namespace", "bgp-system", check=False)
        eps = "".join("""---
apiVersion: bgp.miloapis.com/v1alpha1
kind: BGPEndpoint
metadata: {name: node-%s, labels: {role: node}}
spec: {address: %s, asNumber: 65000}
""" % (s, e2e_lab.ADDR[s]) for s in nodes)
        lab.apply(e2e_lab.BASE.split("---")[0] + eps)
        for s in nodes:
            lab.bgpd(s, fib=False)
        poll("every speaker ready", lambda: all(
            cond_is(e, "SpeakerReady", "True") for e in lab.items("bgpendpoint")
            if e["metadata"]["name"].startswith("node-s")), 120 + 3 * n, 2)
        # Let start-up writes settle, then count.
        time.sleep(5)
        names = ["apiserver"] + ["bgpd-" + s for s in nodes]
        lab.standin("POST", "stats/reset")
        u0 = usage(lab, names)
        t0 = time.monotonic()
        time.sleep(seconds)
        st = lab.standin("GET", "stats")
        dt = time.monotonic() - t0
        u1 = usage(lab, names)
        alive = sum(1 for s in nodes if lab.procs["bgpd-" + s].poll() is None)
        print("%d of %d speakers alive at the end" % (alive, n))
        idle_report(n, dt, st, u0, u1)
    finally:
        lab.teardown()
        shutil.rmtree(tmp, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=10, help="latency repetitions (0: skip)")
    ap.add_argument("--idle", type=int, default=20, help="idle speakers (0: skip)")
    ap.add_argument("--idle-seconds", type=float, default=120)
    o = ap.parse_args()
    why = e2e_lab.skip_reason()
    if why:
        sys.exit("cannot run: " + why)
    r = subprocess.run(["uptime"], capture_output=True, text=True)
    print("machine: %d cores; %s" % (os.cpu_count(), r.stdout.strip()))
    if o.reps:
        latency(o.reps)
    if o.idle:
        idle(o.idle, o.idle_seconds)


if __name__ == "__main__":
    main()
