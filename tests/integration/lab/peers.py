"""Drivers for real BGP peers, each in its own namespace with private
config, socket and pid files under the host's directory.

Common interface of every driver:
  start(), stop(), pause()/resume() (SIGSTOP/SIGCONT), alive()
  established(addr) -> bool      the session to addr is Established,
                                  as the peer's own CLI reports it
  routes(afi) -> {prefix: route}  best received routes (not own statics),
      route = {"as_path": [int], "next_hop": str, "communities": [str],
               "large_communities": [str], "originator_id": str|None,
               "cluster_list": [str], "local_pref": int|None}
  dump() -> str                  CLI output for failure messages

A peer is described by its AS, its neighbors and the routes it originates:
  Neighbor(addr, asn, families=("ipv4",), rr_client=False, passive=False)
  Route(prefix, communities=(), large=())
"""
import json
import os
import re
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass, field

from .poll import wait_until

OPENBGPD = "/usr/sbin/bgpd"   # OpenBGPD's binary: never confuse with ours
FRR_BGPD = "/usr/lib/frr/bgpd"
FRR_ZEBRA = "/usr/lib/frr/zebra"


@dataclass
class Neighbor:
    addr: str
    asn: int
    families: tuple = ("ipv4",)
    rr_client: bool = False
    passive: bool = False
    port: int = 179


@dataclass
class Route:
    prefix: str
    communities: tuple = ()
    large: tuple = ()

    @property
    def afi(self):
        return "ipv6" if ":" in self.prefix else "ipv4"


def empty_route():
    return {"as_path": [], "next_hop": None, "communities": [],
            "large_communities": [], "originator_id": None,
            "cluster_list": [], "local_pref": None, "med": None}


def _which(path):
    return os.path.exists(path) or shutil.which(path) is not None


class Peer:
    kind = "?"
    binaries = ()

    def __init__(self, host, asn, neighbors, routes=(), router_id=None,
                 hold=9, keepalive=3, name=None):
        self.host = host
        self.asn = asn
        self.neighbors = list(neighbors)
        self.routes_out = list(routes)
        self.router_id = router_id or host.v4
        self.hold = hold
        self.keepalive = keepalive
        self.name = name or self.kind
        self.dir = os.path.join(host.dir, self.name)
        os.makedirs(self.dir, exist_ok=True)
        self.proc = None
        host.topo.diag_sources.append(self)

    def diag_name(self):
        return "%s on %s (ns %s)" % (self.kind, self.host.name, self.host.ns)

    def diag(self):
        if self.proc is None:
            return "(not started)"
        if not self.alive():
            return "(exited: %s)\n%s" % (self.proc.popen.returncode, self.log_tail())
        return self.dump()

    @classmethod
    def available(cls):
        missing = [b for b in cls.binaries if not _which(b)]
        return (not missing, "missing " + ", ".join(missing) if missing else "")

    def path(self, name):
        return os.path.join(self.dir, name)

    def write(self, name, text):
        with open(self.path(name), "w") as f:
            f.write(text)
        return self.path(name)

    def alive(self):
        return self.proc is not None and self.proc.alive()

    def stop(self):
        if self.proc is not None:
            self.proc.stop()

    def kill(self):
        if self.proc is not None:
            self.proc.kill()

    def _signal_all(self, sig):
        # Some peers are several processes (OpenBGPD's privilege-separated
        # children, FRR's zebra): signal every process of the peer's own
        # namespace, all of which this lab started.
        r = self.host.run(["ip", "netns", "pids", self.host.ns], check=False,
                          cmd_wrap=False)
        for pid in r.stdout.split():
            try:
                os.kill(int(pid), sig)
            except (ProcessLookupError, ValueError):
                pass

    def pause(self):
        """Freeze the peer (SIGSTOP): its TCP stays open, it says nothing."""
        self._signal_all(signal.SIGSTOP)

    def resume(self):
        self._signal_all(signal.SIGCONT)

    def cli(self, args, check=False, timeout=15):
        return self.host.run(args, check=check, timeout=timeout)

    def wait_established(self, addr, timeout=40):
        wait_until(lambda: self.established(addr), timeout=timeout,
                   what="%s session to %s Established" % (self.kind, addr),
                   on_fail=self.dump)

    def wait_route(self, prefix, pred=None, timeout=30):
        afi = "ipv6" if ":" in prefix else "ipv4"

        def ok():
            r = self.routes(afi).get(prefix)
            return r is not None and (pred is None or pred(r))
        return wait_until(ok, timeout=timeout,
                          what="%s has route %s" % (self.kind, prefix),
                          on_fail=self.dump)

    def wait_no_route(self, prefix, timeout=30):
        afi = "ipv6" if ":" in prefix else "ipv4"
        return wait_until(lambda: prefix not in self.routes(afi),
                          timeout=timeout,
                          what="%s lost route %s" % (self.kind, prefix),
                          on_fail=self.dump)

    def log_tail(self, lines=40):
        return self.proc.log_tail(lines) if self.proc else ""


# --------------------------------------------------------------------- BIRD
class Bird(Peer):
    kind = "bird"
    binaries = ("/usr/sbin/bird", "/usr/sbin/birdc")

    def proto(self, addr):
        for i, n in enumerate(self.neighbors):
            if n.addr == addr:
                return "n%d" % (i + 1)
        raise KeyError(addr)

    def config(self):
        out = ["log stderr all;", "router id %s;" % self.router_id,
               "protocol device { scan time 5; }"]
        for afi in ("ipv4", "ipv6"):
            rs = [r for r in self.routes_out if r.afi == afi]
            out.append("protocol static s%s { %s; %s }" % (
                afi[-1], afi,
                " ".join("route %s blackhole;" % r.prefix for r in rs)))
        f = ["filter own_out {"]
        if not getattr(self, "export_all", False):
            f.append("  if source != RTS_STATIC then reject;")
        for r in self.routes_out:
            acts = ["bgp_community.add((%s));" % c.replace(":", ",")
                    for c in r.communities]
            acts += ["bgp_large_community.add((%s));" % c.replace(":", ",")
                     for c in r.large]
            if acts:
                f.append("  if net = %s then { %s }" % (r.prefix, " ".join(acts)))
        f += ["  accept;", "}"]
        out += f
        for i, n in enumerate(self.neighbors):
            ibgp = n.asn == self.asn
            p = ["protocol bgp n%d {" % (i + 1),
                 "  local %s as %d;" % (self.host.v6 if ":" in n.addr
                                        else self.host.v4, self.asn),
                 "  neighbor %s port %d as %d;" % (n.addr, n.port, n.asn),
                 "  hold time %d; keepalive time %d;" % (self.hold, self.keepalive),
                 "  connect delay time 1; connect retry time 2;",
                 "  error wait time 1, 4; error forget time 10;",
                 "  graceful restart off;"]
            if ibgp:
                p.append("  direct;")   # same LAN: no multihop, direct gateway
            if n.passive:
                p.append("  passive on;")
            if n.rr_client:
                p.append("  rr client;")
                p.append("  rr cluster id %s;" % self.router_id)
            for afi in n.families:
                ch = ["  %s {" % afi, "    import all;",
                      "    export filter own_out;"]
                if ibgp:
                    ch.append("    gateway direct;")
                ch.append("  };")
                p += ch
            p.append("}")
            out += p
        return "\n".join(out) + "\n"

    def start(self):
        conf = self.write("bird.conf", self.config())
        self.sock = self.path("bird.ctl")
        self.proc = self.host.spawn(self.name, [
            "/usr/sbin/bird", "-f", "-c", conf, "-s", self.sock,
            "-P", self.path("bird.pid")])
        wait_until(lambda: self.birdc("show status").returncode == 0,
                   timeout=10, what="bird control socket",
                   on_fail=self.log_tail)
        return self

    def reconfigure(self, routes=None):
        if routes is not None:
            self.routes_out = list(routes)
        self.write("bird.conf", self.config())
        r = self.birdc("configure")
        assert "Reconfigured" in r.stdout or "Reconfiguration" in r.stdout, r.stdout

    def birdc(self, cmd):
        return self.cli(["/usr/sbin/birdc", "-s", self.sock] + cmd.split())

    def established(self, addr):
        out = self.birdc("show protocols all %s" % self.proto(addr)).stdout
        return re.search(r"BGP state:\s+Established", out) is not None

    def protocol_info(self, addr):
        return self.birdc("show protocols all %s" % self.proto(addr)).stdout

    def all_routes(self):
        """{prefix: [path, ...]} with path = route dict + proto, best."""
        out = self.birdc("show route all").stdout
        res = {}
        cur = None
        prefix = None
        for line in out.splitlines():
            m = re.match(r"^(\S+/\d+)\s+(\w+)\s+\[(\S+)", line)
            m2 = re.match(r"^\s+(unicast|unreachable|blackhole|prohibited)\s+\[(\S+)", line)
            if m:
                prefix = m.group(1)
                cur = empty_route()
                cur.update(proto=m.group(3), best=" * " in line, kind=m.group(2))
                res.setdefault(prefix, []).append(cur)
                continue
            if m2 and prefix:
                cur = empty_route()
                cur.update(proto=m2.group(2), best=" * " in line, kind=m2.group(1))
                res.setdefault(prefix, []).append(cur)
                continue
            if cur is None:
                continue
            line = line.strip()
            if line.startswith("BGP.as_path:"):
                cur["as_path"] = [int(x) for x in re.findall(r"\d+", line.split(":", 1)[1])]
            elif line.startswith("BGP.next_hop:"):
                cur["next_hop"] = line.split(":", 1)[1].split()[0]
            elif line.startswith("BGP.community:"):
                cur["communities"] = ["%s:%s" % t for t in
                                      re.findall(r"\((\d+),\s*(\d+)\)", line)]
            elif line.startswith("BGP.large_community:"):
                cur["large_communities"] = ["%s:%s:%s" % t for t in re.findall(
                    r"\((\d+),\s*(\d+),\s*(\d+)\)", line)]
            elif line.startswith("BGP.originator_id:"):
                cur["originator_id"] = line.split(":", 1)[1].strip()
            elif line.startswith("BGP.cluster_list:"):
                cur["cluster_list"] = line.split(":", 1)[1].split()
            elif line.startswith("BGP.local_pref:"):
                cur["local_pref"] = int(line.split(":", 1)[1])
            elif line.startswith("BGP.med:"):
                cur["med"] = int(line.split(":", 1)[1])
        return res

    def routes(self, afi):
        res = {}
        for prefix, paths in self.all_routes().items():
            if (":" in prefix) != (afi == "ipv6"):
                continue
            paths = [p for p in paths if p["proto"].startswith("n")]
            if paths:
                best = [p for p in paths if p["best"]] or paths
                res[prefix] = best[0]
        return res

    def dump(self):
        return "--- BIRD %s:\n%s\n%s\n--- log:\n%s" % (
            self.host.name, self.birdc("show protocols all").stdout,
            self.birdc("show route all").stdout, self.log_tail())


# ---------------------------------------------------------------------- FRR
class Frr(Peer):
    kind = "frr"
    binaries = (FRR_BGPD, FRR_ZEBRA, "/usr/bin/vtysh")

    def config(self):
        out = ["frr defaults traditional", "hostname %s" % self.name,
               "log stdout informational", "!",
               "route-map OWN permit 10", "!"]
        for i, r in enumerate(self.routes_out):
            out.append("route-map R%d permit 10" % i)
            if r.communities:
                out.append(" set community %s" % " ".join(r.communities))
            if r.large:
                out.append(" set large-community %s" % " ".join(r.large))
            out.append("!")
        out += ["router bgp %d" % self.asn,
                " bgp router-id %s" % self.router_id,
                " no bgp ebgp-requires-policy",
                " no bgp network import-check",
                " no bgp default ipv4-unicast",
                " !"]
        for n in self.neighbors:
            out.append(" neighbor %s remote-as %d" % (n.addr, n.asn))
            out.append(" neighbor %s timers %d %d" % (n.addr, self.keepalive, self.hold))
            out.append(" neighbor %s timers connect 2" % n.addr)
            if n.port != 179:
                out.append(" neighbor %s port %d" % (n.addr, n.port))
            if n.passive:
                out.append(" neighbor %s passive" % n.addr)
        for afi in ("ipv4", "ipv6"):
            ns = [n for n in self.neighbors if afi in n.families]
            rs = [(i, r) for i, r in enumerate(self.routes_out) if r.afi == afi]
            if not ns and not rs:
                continue
            out.append(" address-family %s unicast" % afi)
            for i, r in rs:
                out.append("  network %s route-map R%d" % (r.prefix, i))
            for n in ns:
                out.append("  neighbor %s activate" % n.addr)
                if n.rr_client:
                    out.append("  neighbor %s route-reflector-client" % n.addr)
            out.append(" exit-address-family")
        out.append("!")
        return "\n".join(out) + "\n"

    def start(self):
        conf = self.write("frr.conf", self.config())
        self.vty = self.path("vty")
        os.makedirs(self.vty, exist_ok=True)
        os.chmod(self.vty, 0o777)
        # zebra gives bgpd the interface data it needs for IPv6 next hops
        # (a link-local next hop from a direct peer); bgpd still installs
        # nothing (-n).
        zsock = os.path.join(self.vty, "zserv.api")
        d = self.vty
        while d != "/":   # zebra runs as user frr: it must reach its dir
            os.chmod(d, os.stat(d).st_mode | 0o011)
            d = os.path.dirname(d)
        zconf = self.write("zebra.conf", "hostname %s-zebra\n" % self.name)
        self.zebra = self.host.spawn(self.name + "-zebra", [
            FRR_ZEBRA, "-f", zconf, "-i", os.path.join(self.vty, "zebra.pid"),
            "--vty_socket", self.vty, "-z", zsock,
            "-P", "0"])
        wait_until(lambda: os.path.exists(zsock), timeout=10,
                   what="zebra socket", on_fail=self.zebra.log_tail)
        self.proc = self.host.spawn(self.name, [
            FRR_BGPD, "-f", conf, "-i", self.path("bgpd.pid"),
            "--vty_socket", self.vty, "-z", zsock, "-n", "-S", "-P", "0",
            "-p", "179"])
        wait_until(lambda: self.vtysh("show bgp summary").returncode == 0,
                   timeout=15, what="frr vty", on_fail=self.log_tail)
        return self

    def vtysh(self, cmd):
        return self.cli(["/usr/bin/vtysh", "--vty_socket", self.vty,
                         "-d", "bgpd", "-c", cmd])

    def vjson(self, cmd):
        r = self.vtysh(cmd)
        return json.loads(r.stdout) if r.stdout.strip() else {}

    def established(self, addr):
        j = self.vjson("show bgp neighbors %s json" % addr)
        return j.get(addr, {}).get("bgpState") == "Established"

    def routes(self, afi):
        j = self.vjson("show bgp %s unicast json" % afi)
        res = {}
        for prefix, paths in (j.get("routes") or {}).items():
            rx = [p for p in paths if p.get("peerId") not in (None, "(unspec)")]
            if not rx:
                continue
            best = [p for p in rx if p.get("bestpath")] or rx
            res[prefix] = None
        for prefix in list(res):
            d = self.vjson("show bgp %s unicast %s json" % (afi, prefix))
            paths = d.get("paths") or []
            paths = [p for p in paths if (p.get("peer") or {}).get("peerId")
                     not in (None, "(unspec)", "0.0.0.0", "::")] or paths
            best = [p for p in paths if (p.get("bestpath") or {}).get("overall")] or paths
            if not best:
                del res[prefix]
                continue
            p = best[0]
            r = empty_route()
            segs = (p.get("aspath") or {}).get("string", "")
            r["as_path"] = [int(x) for x in re.findall(r"\d+", segs)]
            nhs = p.get("nexthops") or []
            r["next_hop"] = nhs[0].get("ip") if nhs else None
            c = (p.get("community") or {}).get("string")
            r["communities"] = c.split() if c else []
            lc = (p.get("largeCommunity") or {}).get("string")
            r["large_communities"] = lc.split() if lc else []
            r["originator_id"] = p.get("originatorId")
            cl = p.get("clusterList") or {}
            r["cluster_list"] = cl.get("list", []) if isinstance(cl, dict) else []
            r["local_pref"] = p.get("locPrf", p.get("localpref"))
            r["med"] = p.get("metric", p.get("med"))
            res[prefix] = r
        return res

    def dump(self):
        return "--- FRR %s:\n%s\n%s\n%s\n--- log:\n%s" % (
            self.host.name, self.vtysh("show bgp summary").stdout,
            self.vtysh("show bgp ipv4 unicast").stdout,
            self.vtysh("show bgp ipv6 unicast").stdout, self.log_tail())


# -------------------------------------------------------------------- GoBGP
class Gobgp(Peer):
    kind = "gobgp"
    binaries = ("/usr/bin/gobgpd", "/usr/bin/gobgp")
    api = "127.0.0.1"
    api_port = 50051

    def config(self):
        out = ["[global.config]", '  as = %d' % self.asn,
               '  router-id = "%s"' % self.router_id, "  port = 179",
               '  local-address-list = ["%s", "%s"]' % (self.host.v4, self.host.v6)]
        for n in self.neighbors:
            out += ["", "[[neighbors]]", "  [neighbors.config]",
                    '    neighbor-address = "%s"' % n.addr,
                    "    peer-as = %d" % n.asn,
                    "  [neighbors.timers.config]",
                    "    hold-time = %d" % self.hold,
                    "    keepalive-interval = %d" % self.keepalive,
                    "    connect-retry = 2",
                    "  [neighbors.transport.config]",
                    '    local-address = "%s"' % (self.host.v6 if ":" in n.addr else self.host.v4),
                    "    remote-port = %d" % n.port,
                    "    passive-mode = %s" % ("true" if n.passive else "false")]
            if n.rr_client:
                out += ["  [neighbors.route-reflector.config]",
                        "    route-reflector-client = true",
                        '    route-reflector-cluster-id = "%s"' % self.router_id]
            for afi in n.families:
                out += ["  [[neighbors.afi-safis]]",
                        "    [neighbors.afi-safis.config]",
                        '      afi-safi-name = "%s-unicast"' % afi]
        return "\n".join(out) + "\n"

    def start(self):
        conf = self.write("gobgpd.toml", self.config())
        self.proc = self.host.spawn(self.name, [
            "/usr/bin/gobgpd", "-f", conf, "-t", "toml", "--pprof-disable",
            "--api-hosts", "%s:%d" % (self.api, self.api_port)])
        wait_until(lambda: self.gobgp("global").returncode == 0,
                   timeout=15, what="gobgp api", on_fail=self.log_tail)
        for r in self.routes_out:
            self.add_route(r)
        return self

    def gobgp(self, *args):
        return self.cli(["/usr/bin/gobgp", "-u", self.api, "-p",
                         str(self.api_port)] + list(args))

    def add_route(self, r):
        args = ["global", "rib", "-a", r.afi, "add", r.prefix]
        if r.communities:
            args += ["community", ",".join(r.communities)]
        if r.large:
            args += ["large-community", ",".join(r.large)]
        res = self.gobgp(*args)
        assert res.returncode == 0, res.stdout + res.stderr

    def del_route(self, r):
        res = self.gobgp("global", "rib", "-a", r.afi, "del", r.prefix)
        assert res.returncode == 0, res.stdout + res.stderr

    def established(self, addr):
        r = self.gobgp("neighbor", addr, "-j")
        if r.returncode != 0 or not r.stdout.strip():
            return False
        st = json.loads(r.stdout).get("state", {}).get("session_state")
        return st in (6, "established", "ESTABLISHED", "BGP_FSM_ESTABLISHED")

    def routes(self, afi):
        r = self.gobgp("global", "rib", "-a", afi, "-j")
        if r.returncode != 0 or not r.stdout.strip():
            return {}
        res = {}
        for prefix, paths in json.loads(r.stdout).items():
            rx = [p for p in paths if p.get("source-id") or p.get("neighbor-ip")]
            rx = [p for p in rx if p.get("neighbor-ip") not in ("<nil>", "", None)]
            if not rx:
                continue
            best = [p for p in rx if p.get("best")] or rx
            p = best[0]
            rt = empty_route()
            for a in p.get("attrs", []):
                t = a.get("type")
                if t == 2:
                    for seg in a.get("as_paths", []):
                        rt["as_path"] += seg.get("asns", [])
                elif t == 3:
                    rt["next_hop"] = a.get("nexthop")
                elif t == 14:
                    rt["next_hop"] = a.get("nexthop") or (a.get("nexthops") or [None])[0]
                elif t == 5:
                    rt["local_pref"] = a.get("value")
                elif t == 4:
                    rt["med"] = a.get("metric")
                elif t == 8:
                    rt["communities"] = ["%d:%d" % (c >> 16, c & 0xffff)
                                         for c in a.get("communities", [])]
                elif t == 9:
                    rt["originator_id"] = a.get("value")
                elif t == 10:
                    rt["cluster_list"] = a.get("value", [])
                elif t == 32:
                    rt["large_communities"] = [
                        "%d:%d:%d" % (v.get("ASN", v.get("global_admin")),
                                      v.get("LocalData1", v.get("local_data1")),
                                      v.get("LocalData2", v.get("local_data2")))
                        for v in a.get("value", [])]
            res[prefix] = rt
        return res

    def dump(self):
        return "--- GoBGP %s:\n%s\n%s\n%s\n--- log:\n%s" % (
            self.host.name, self.gobgp("neighbor").stdout,
            self.gobgp("global", "rib", "-a", "ipv4").stdout,
            self.gobgp("global", "rib", "-a", "ipv6").stdout, self.log_tail())


# ----------------------------------------------------------------- OpenBGPD
class Openbgpd(Peer):
    kind = "openbgpd"
    binaries = (OPENBGPD, "/usr/sbin/bgpctl")

    def config(self):
        out = ["AS %d" % self.asn, "router-id %s" % self.router_id,
               'socket "%s"' % self.path("bgpd.sock"),
               "fib-update no", "holdtime %d" % self.hold,
               "holdtime min 3", "connect-retry 2",
               "listen on %s" % self.host.v4, "listen on %s" % self.host.v6]
        for r in self.routes_out:
            sets = ["community %s" % c for c in r.communities]
            sets += ["large-community %s" % c for c in r.large]
            out.append("network %s%s" % (r.prefix, " set { %s }" % " ".join(sets)
                                         if sets else ""))
        for n in self.neighbors:
            nb = ["neighbor %s {" % n.addr, "  remote-as %d" % n.asn,
                  "  local-address %s" % (self.host.v6 if ":" in n.addr else self.host.v4),
                  "  holdtime %d" % self.hold]
            if n.port != 179:
                nb.append("  port %d" % n.port)
            for afi in ("ipv4", "ipv6"):
                nb.append("  announce %s %s" % ({"ipv4": "IPv4", "ipv6": "IPv6"}[afi],
                                                     "unicast" if afi in n.families else "none"))
            if n.passive:
                nb.append("  passive")
            if n.rr_client:
                nb.append("  route-reflector")
            nb.append("}")
            out += nb
        out += ["allow from any", "allow to any"]
        return "\n".join(out) + "\n"

    @classmethod
    def available(cls):
        ok, why = super().available()
        if not ok:
            return ok, why
        import pwd
        try:
            pwd.getpwnam("_openbgpd")
        except KeyError:
            return False, "user _openbgpd missing (openbgpd package not set up)"
        return True, ""

    def start(self):
        conf = self.write("bgpd.conf", self.config())
        os.chmod(conf, 0o600)
        # The privilege-separated children chroot to the user's home.
        os.makedirs("/run/openbgpd", exist_ok=True)
        self.proc = self.host.spawn(self.name, [OPENBGPD, "-d", "-v", "-f", conf])
        wait_until(lambda: self.bgpctl("show").returncode == 0,
                   timeout=15, what="bgpctl socket", on_fail=self.log_tail)
        return self

    def bgpctl(self, *args, js=False):
        return self.cli(["/usr/sbin/bgpctl", "-s", self.path("bgpd.sock")]
                        + (["-j"] if js else []) + list(args))

    def established(self, addr):
        r = self.bgpctl("show", "neighbor", addr, js=True)
        if r.returncode != 0 or not r.stdout.strip():
            return False
        ns = json.loads(r.stdout).get("neighbors", [])
        return any(n.get("state") == "Established" for n in ns)

    def routes(self, afi):
        r = self.bgpctl("show", "rib", "detail", js=True)
        if r.returncode != 0 or not r.stdout.strip():
            return {}
        res = {}
        for e in json.loads(r.stdout).get("rib", []):
            prefix = e.get("prefix")
            if not prefix or (":" in prefix) != (afi == "ipv6"):
                continue
            nb = e.get("neighbor") or {}
            if nb.get("description") == "LOCAL" or \
                    nb.get("remote_addr") in (None, "???", "0.0.0.0", "::"):
                continue   # our own network statement
            if prefix in res and not e.get("best"):
                continue
            rt = empty_route()
            ap = e.get("aspath", "")
            rt["as_path"] = [int(x) for x in re.findall(r"\d+", ap)]
            rt["next_hop"] = e.get("exit_nexthop") or e.get("true_nexthop")
            rt["communities"] = [c if isinstance(c, str) else "%s" % c
                                 for c in e.get("communities", [])]
            rt["large_communities"] = list(e.get("large_communities", []))
            rt["originator_id"] = e.get("originator_id")
            rt["cluster_list"] = e.get("cluster_list", [])
            rt["local_pref"] = e.get("localpref")
            rt["med"] = e.get("metric")
            rt["raw"] = e
            res[prefix] = rt
        return res

    def dump(self):
        return "--- OpenBGPD %s:\n%s\n%s\n--- log:\n%s" % (
            self.host.name, self.bgpctl("show", "neighbor").stdout,
            self.bgpctl("show", "rib", "detail").stdout, self.log_tail())


# ------------------------------------------------------------------- ExaBGP
RECV_SCRIPT = r'''
import sys
out = open(sys.argv[1], "a", buffering=1)
for line in sys.stdin:
    out.write(line)
'''


class Exabgp(Peer):
    """ExaBGP: announces its static routes and records every message it
    receives (JSON, via its API) to a file that routes()/established()
    replay."""
    kind = "exabgp"
    binaries = ("/usr/sbin/exabgp",)

    def config(self):
        out = ["process recv {",
               "  run /usr/bin/python3 %s %s;" % (self.path("recv.py"),
                                                  self.path("received.jsonl")),
               "  encoder json;", "}"]
        for n in self.neighbors:
            six = ":" in n.addr
            out += ["neighbor %s {" % n.addr,
                    "  router-id %s;" % self.router_id,
                    "  local-address %s;" % (self.host.v6 if six else self.host.v4),
                    "  local-as %d;" % self.asn, "  peer-as %d;" % n.asn,
                    "  hold-time %d;" % self.hold,
                    "  family {"]
            out += ["    %s unicast;" % afi for afi in n.families]
            out += ["  }",
                    "  capability { route-refresh; }",
                    "  api { processes [ recv ]; neighbor-changes;"
                    " receive { parsed; update; notification; } }"]
            if n.passive:
                out.append("  passive;")
            if n.port != 179:
                out.append("  connect %d;" % n.port)
            out.append("  static {")
            for r in self.routes_out:
                if r.afi not in n.families:
                    continue
                s = "    route %s next-hop self" % r.prefix
                if r.communities:
                    s += " community [ %s ]" % " ".join(r.communities)
                if r.large:
                    s += " large-community [ %s ]" % " ".join(r.large)
                out.append(s + ";")
            out += ["  }", "}"]
        return "\n".join(out) + "\n"

    def start(self):
        self.write("recv.py", RECV_SCRIPT)
        open(self.path("received.jsonl"), "w").close()
        conf = self.write("exabgp.conf", self.config())
        env = {"exabgp_daemon_user": "root", "exabgp_daemon_drop": "false",
               "exabgp_daemon_daemonize": "false", "exabgp_api_cli": "false",
               "exabgp_log_destination": "stdout", "exabgp_log_level": "INFO",
               "exabgp_tcp_bind": "", "exabgp_tcp_once": "false",
               "exabgp_tcp_delay": "0",
               "exabgp_daemon_pid": self.path("exabgp.pid")}
        self.proc = self.host.spawn(self.name, ["/usr/sbin/exabgp", conf], env=env)
        return self

    def messages(self):
        msgs = []
        try:
            with open(self.path("received.jsonl")) as f:
                for line in f:
                    try:
                        msgs.append(json.loads(line))
                    except ValueError:
                        pass
        except OSError:
            pass
        return msgs

    def established(self, addr):
        state = None
        for m in self.messages():
            nb = m.get("neighbor", {})
            if (nb.get("address") or {}).get("peer") != addr:
                continue
            if m.get("type") == "state":
                state = nb.get("state")
            elif m.get("type") == "update" and state is None:
                state = "up"
        return state == "up" and self.alive()

    def routes(self, afi):
        res = {}
        for m in self.messages():
            nb = m.get("neighbor", {})
            if m.get("type") == "state" and nb.get("state") in ("down", "connected"):
                res.clear()
                continue
            if m.get("type") != "update":
                continue
            upd = (nb.get("message") or {}).get("update") or {}
            for fam, items in (upd.get("withdraw") or {}).items():
                if fam.startswith(afi):
                    for it in items:
                        res.pop(it.get("nlri") if isinstance(it, dict) else it, None)
            attr = upd.get("attribute") or {}
            for fam, by_nh in (upd.get("announce") or {}).items():
                if not fam.startswith(afi):
                    continue
                for nh, items in by_nh.items():
                    for it in items:
                        rt = empty_route()
                        rt["next_hop"] = nh
                        ap = attr.get("as-path", [])
                        if isinstance(ap, dict):  # segments form
                            ap = [a for seg in ap.values()
                                  for a in seg.get("value", [])]
                        rt["as_path"] = [int(a) for a in ap]
                        rt["communities"] = ["%d:%d" % tuple(c)
                                             for c in attr.get("community", [])]
                        rt["large_communities"] = ["%d:%d:%d" % tuple(c) for c in
                                                   attr.get("large-community", [])]
                        rt["originator_id"] = attr.get("originator-id")
                        rt["cluster_list"] = attr.get("cluster-list", [])
                        rt["local_pref"] = attr.get("local-preference")
                        rt["med"] = attr.get("med")
                        res[it.get("nlri") if isinstance(it, dict) else it] = rt
        return res

    def dump(self):
        msgs = self.messages()[-20:]
        return "--- ExaBGP %s last messages:\n%s\n--- log:\n%s" % (
            self.host.name, "\n".join(json.dumps(m) for m in msgs), self.log_tail())


PEERS = {"bird": Bird, "frr": Frr, "gobgp": Gobgp, "openbgpd": Openbgpd,
         "exabgp": Exabgp}
