"""Driver for our bgpd: manifests in a private directory, the daemon in a
namespace, queries through `bgpd show --json` and the HTTP API."""
import glob
import json
import os
import signal
import urllib.error
import urllib.request

import yaml

from .netns import netns
from .poll import add_guard, subset, wait_until

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", "..", ".."))


def bgpd_bin():
    return os.environ.get("BGPD_BIN") or os.path.join(REPO, "build", "bgpd")


def write_manifests(path, docs):
    with open(path + ".tmp", "w") as f:
        yaml.safe_dump_all(docs, f, sort_keys=False)
    os.rename(path + ".tmp", path)   # atomic: the daemon never sees half


class Bgpd:
    def __init__(self, host, endpoint, docs, binary=None,
                 metrics="127.0.0.1:8082", health="127.0.0.1:8083",
                 log_level="debug", extra_args=()):
        self.host = host
        self.endpoint = endpoint
        self.binary = binary or bgpd_bin()
        self.metrics = metrics
        self.health = health
        self.log_level = log_level
        self.extra_args = list(extra_args)
        self.dir = os.path.join(host.dir, "bgpd-" + endpoint)
        self.confdir = os.path.join(self.dir, "config")
        os.makedirs(self.confdir, exist_ok=True)
        self.proc = None
        self.exit_code = None
        host.topo.diag_sources.append(self)
        if docs is not None:
            self.write(docs)

    # ---- manifests
    def write(self, docs, name="bgp.yaml"):
        write_manifests(os.path.join(self.confdir, name), docs)

    def remove(self, name):
        os.unlink(os.path.join(self.confdir, name))

    def reload(self):
        self.proc.signal(signal.SIGHUP)

    # ---- process
    def asan_env(self):
        d = os.environ.get("BGPD_ASAN_LOG_DIR")
        if not d:
            return {}
        os.makedirs(d, exist_ok=True)
        self.asan_prefix = os.path.join(
            d, "asan-%s-%s" % (self.host.ns, self.endpoint))
        opts = os.environ.get("ASAN_OPTIONS", "")
        return {"ASAN_OPTIONS": ":".join(x for x in (
            opts, "log_path=" + self.asan_prefix, "detect_leaks=1") if x),
            "UBSAN_OPTIONS": "print_stacktrace=1:log_path=" + self.asan_prefix}

    def start(self, wait=True):
        cmd = [self.binary, "--config-dir", self.confdir,
               "--local-endpoint", self.endpoint,
               "--metrics-addr", self.metrics, "--health-addr", self.health,
               "--no-fib", "--log-level", self.log_level] + self.extra_args
        self.proc = self.host.spawn("bgpd-" + self.endpoint, cmd,
                                    env=self.asan_env())
        self.stopping = False
        proc = self.proc
        add_guard(lambda: None if self.stopping or proc is not self.proc
                  or proc.alive() else
                  "bgpd %s died (exit %s)\n%s" % (self.endpoint,
                                                  proc.popen.returncode,
                                                  proc.log_tail(60)))
        if wait:
            wait_until(self._healthy, timeout=15,
                       what="bgpd %s /healthz" % self.endpoint,
                       on_fail=self.diag)
        return self

    def _healthy(self):
        return self.http("/healthz", self.health)[0] == 200

    def alive(self):
        return self.proc is not None and self.proc.alive()

    def stop(self, timeout=10):
        """SIGTERM; returns the exit code."""
        if self.proc is None:
            return None
        self.stopping = True
        self.exit_code = self.proc.stop(timeout=timeout)
        return self.exit_code

    def asan_reports(self):
        pfx = getattr(self, "asan_prefix", None)
        if not pfx:
            return ""
        out = []
        for f in sorted(glob.glob(pfx + "*")):
            with open(f, errors="replace") as fh:
                out.append("%s:\n%s" % (f, fh.read()))
        return "\n".join(out)

    def finish(self):
        """Teardown: stop, then fail on sanitizer reports."""
        if self.proc is not None and self.proc.alive():
            self.stop()
        rep = self.asan_reports()
        if rep:
            raise AssertionError("sanitizer reports from bgpd %s:\n%s" % (
                self.endpoint, rep[:20000]))

    # ---- queries
    def http(self, path, addr=None, timeout=3):
        url = "http://%s%s" % (addr or self.metrics, path)
        with netns(self.host.ns):
            try:
                with urllib.request.urlopen(url, timeout=timeout) as r:
                    return r.status, r.read().decode("utf-8", "replace")
            except urllib.error.HTTPError as e:
                return e.code, e.read().decode("utf-8", "replace")

    def api(self, path):
        st, body = self.http(path)
        if st != 200:
            raise AssertionError("GET %s: %d %s" % (path, st, body))
        return json.loads(body)

    def show(self, *args, js=True, check=True):
        cmd = [self.binary, "show"] + list(args) + ["--server", self.metrics]
        if js:
            cmd.append("--json")
        r = self.host.run(cmd, check=False, timeout=15)
        if check and r.returncode != 0:
            raise AssertionError("bgpd show %s failed (%d): %s%s" % (
                " ".join(args), r.returncode, r.stdout, r.stderr))
        return json.loads(r.stdout) if js else r

    def neighbors(self):
        return {n["name"]: n for n in self.show("neighbors")["neighbors"]}

    def neighbor(self, name):
        return self.neighbors().get(name)

    def rib(self, afi):
        return {r["prefix"]: r for r in self.show("rib", afi)["routes"]}

    def best(self, afi, prefix):
        r = self.rib(afi).get(prefix)
        if not r:
            return None
        b = [p for p in r["paths"] if p.get("best")]
        return b[0] if b else None

    # ---- waits
    def wait_neighbor(self, name, expect=None, timeout=40):
        expect = expect or {"state": "Established"}

        def ok():
            n = self.neighbor(name)
            return n if n is not None and subset(expect, n) else None
        return wait_until(ok, timeout=timeout,
                          what="bgpd %s neighbor %s ~ %r" % (self.endpoint, name, expect),
                          on_fail=self.diag)

    def wait_best(self, afi, prefix, expect=None, timeout=30):
        def ok():
            p = self.best(afi, prefix)
            return p if p is not None and subset(expect or {}, p) else None
        return wait_until(ok, timeout=timeout,
                          what="bgpd %s best path %s ~ %r" % (self.endpoint, prefix, expect),
                          on_fail=self.diag)

    def wait_no_route(self, afi, prefix, timeout=30):
        return wait_until(lambda: self.best(afi, prefix) is None, timeout=timeout,
                          what="bgpd %s has no best path for %s" % (self.endpoint, prefix),
                          on_fail=self.diag)

    def wait_ready(self, timeout=20):
        return wait_until(lambda: self.http("/readyz", self.health)[0] == 200,
                          timeout=timeout, what="bgpd /readyz 200",
                          on_fail=self.diag)

    def log(self):
        return self.proc.log() if self.proc else ""

    def diag_name(self):
        return "bgpd %s on %s (ns %s)" % (self.endpoint, self.host.name, self.host.ns)

    def diag(self):
        out = ["--- bgpd %s (ns %s) log tail:" % (self.endpoint, self.host.ns),
               self.proc.log_tail(80) if self.proc else "(not started)"]
        if self.alive():
            for what in (("neighbors",), ("rib", "ipv4"), ("rib", "ipv6")):
                try:
                    r = self.show(*what, js=False, check=False)
                    out.append("--- bgpd show %s:\n%s%s" % (" ".join(what), r.stdout, r.stderr))
                except Exception as e:
                    out.append("--- bgpd show %s: %r" % (" ".join(what), e))
        else:
            out.append("(bgpd is not running)")
        return "\n".join(out)
