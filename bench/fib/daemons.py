"""daemons.py: a table into the kernel through whole daemons, feeder ->
daemon -> kernel: bgpd (fib/), BIRD 2 (kernel protocol) and FRR (bgpd +
zebra), each in the same run, on the same load.

Two namespaces per daemon, joined by one veth pair: `fk<pid>-f` holds the
benchmark's feeder (bench/feeder.c, 10.0.1.2, fd00:1::2) and `fk<pid>-d`
the daemon (10.0.1.1, fd00:1::1). The feeder announces N4 IPv4 and N6 IPv6
prefixes over one eBGP session (IPv6 over the IPv4 session, next hops on
the link), so every route is installable as it comes. The install time
runs from the feeder's first write until the kernel holds every route of
the daemon's protocol (bgpd 196, BIRD 12, zebra 186), counted by a netlink
dump (kcount) every half second; the remove time from the first withdrawal
until it holds none. CPU seconds are those of every process in the
daemon's namespace over each phase. Namespaces are deleted afterwards,
also on failure.

Usage: python3 bench/fib/daemons.py [--v4 N] [--v6 N]
                                    [--daemons bgpd,bird,frr] [--timeout S]
(as root, after bench/run has built bench/build/feeder and bench/fib/run
has built kcount; bench/fib/run does both and then runs this).
"""
import argparse
import os
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "bench"))

import bench as B  # noqa: E402

B.PREFIX = "fk%d-" % os.getpid()
DUT4, FEED4, DUT6, FEED6 = "10.0.1.1", "10.0.1.2", "fd00:1::1", "fd00:1::2"
DUT_AS, FEED_AS = 65000, 65001


def bgpd_setup(d):
    cdir = os.path.join(d, "config")
    os.makedirs(cdir, exist_ok=True)
    with open(os.path.join(cdir, "bench.yaml"), "w") as f:
        f.write("""apiVersion: bgp.miloapis.com/v1alpha1
kind: BGPConfiguration
metadata: {name: default}
spec: {asNumber: %d, listenPort: 179, addressFamilies: [{afi: IPv4}, {afi: IPv6}]}
---
apiVersion: bgp.miloapis.com/v1alpha1
kind: BGPEndpoint
metadata: {name: dut}
spec: {address: "%s", asNumber: %d}
---
apiVersion: bgp.miloapis.com/v1alpha1
kind: BGPEndpoint
metadata: {name: feeder}
spec: {address: "%s", asNumber: %d, port: 179}
---
apiVersion: bgp.miloapis.com/v1alpha1
kind: BGPSession
metadata: {name: dut-feeder}
spec: {localEndpoint: dut, remoteEndpoint: feeder, holdTime: 180, keepaliveTime: 60}
""" % (DUT_AS, DUT4, DUT_AS, FEED4, FEED_AS))
    return [[os.path.join(REPO, "build", "bgpd"), "--config-dir", cdir,
             "--local-endpoint", "dut", "--metrics-addr", "127.0.0.1:18082",
             "--health-addr", "127.0.0.1:18083", "--log-level", "warn"]], False


def bird_setup(d):
    conf = os.path.join(d, "bird.conf")
    with open(conf, "w") as f:
        f.write("""router id %s;
log "%s/bird.log" { warning, error, fatal };
protocol device { scan time 60; }
protocol kernel k4 { ipv4 { export all; }; }
protocol kernel k6 { ipv6 { export all; }; }
protocol bgp feeder {
  local %s as %d;
  neighbor %s as %d;
  passive on;
  hold time 180;
  ipv4 { import all; export none; };
  ipv6 { import all; export none; };
}
""" % (DUT4, d, DUT4, DUT_AS, FEED4, FEED_AS))
    return [["/usr/sbin/bird", "-f", "-c", conf, "-s",
             os.path.join(d, "bird.ctl"), "-P", os.path.join(d, "bird.pid")]], True


def frr_setup(d):
    conf = os.path.join(d, "frr.conf")
    os.chmod(d, 0o777)
    p = d
    while p != "/":         # zebra runs as user frr: it must reach its dir
        os.chmod(p, os.stat(p).st_mode | 0o011)
        p = os.path.dirname(p)
    with open(conf, "w") as f:
        f.write("""frr defaults traditional
hostname dut
log file %s/frr.log warnings
router bgp %d
 bgp router-id %s
 no bgp ebgp-requires-policy
 no bgp default ipv4-unicast
 neighbor %s remote-as %d
 neighbor %s passive
 neighbor %s timers 60 180
 address-family ipv4 unicast
  neighbor %s activate
 exit-address-family
 address-family ipv6 unicast
  neighbor %s activate
 exit-address-family
exit
""" % (d, DUT_AS, DUT4, FEED4, FEED_AS, FEED4, FEED4, FEED4, FEED4))
    zconf = os.path.join(d, "zebra.conf")
    with open(zconf, "w") as f:
        f.write("hostname dut-zebra\n")
    zsock = os.path.join(d, "zserv.api")
    zebra = ["/usr/lib/frr/zebra", "-f", zconf, "-i",
             os.path.join(d, "zebra.pid"), "--vty_socket", d, "-z", zsock,
             "-P", "0"]
    bgpd = ["/usr/lib/frr/bgpd", "-S", "-f", conf, "-i",
            os.path.join(d, "bgpd.pid"), "--vty_socket", d, "-z", zsock,
            "-P", "0"]
    return [zebra, bgpd], True


DAEMONS = {
    "bgpd": dict(setup=bgpd_setup, proto=196,
                 binary=os.path.join(REPO, "build", "bgpd"),
                 note="fib/: netlink batches from the event loop"),
    "bird": dict(setup=bird_setup, proto=12, binary="/usr/sbin/bird",
                 note="BIRD 2, kernel protocol"),
    "frr": dict(setup=frr_setup, proto=186, binary="/usr/lib/frr/zebra",
                note="FRR bgpd -> zebra -> netlink"),
}


def kcount(ns, proto):
    r = B.sh(*(B.ns_exec(ns) + [os.path.join(B.REPO, "build", "bench", "fib",
                                             "kcount"), str(proto)]),
             check=False)
    try:
        n4, n6 = (int(x) for x in r.stdout.split())
    except ValueError:
        return -1, -1
    return n4, n6


def wait_count(ns, proto, pred, deadline):
    """Monotonic time at which pred(n4, n6) first held (0.5 s polls)."""
    last = (-1, -1)
    while time.monotonic() < deadline:
        last = kcount(ns, proto)
        if pred(*last):
            return time.monotonic(), last
        time.sleep(0.5)
    return None, last


def run_one(name, a, tmp):
    spec = DAEMONS[name]
    res = {"daemon": name, "v4": a.v4, "v6": a.v6, "note": spec["note"]}
    nsf, nsd = B.PREFIX + "f", B.PREFIX + "d"
    feeder = None
    procs = []
    try:
        if not os.access(spec["binary"], os.X_OK):
            res["error"] = "missing " + spec["binary"]
            return res
        B.ns_add(nsf)
        B.ns_add(nsd)
        B.sh("ip", "netns", "exec", nsd, "sysctl", "-qw",
             "net.ipv6.route.max_size=4194304")
        B.veth(nsf, "eth0", [FEED4 + "/24", FEED6 + "/64"],
               nsd, "eth1", [DUT4 + "/24", DUT6 + "/64"])
        d = os.path.join(tmp, name)
        os.makedirs(d, exist_ok=True)
        cmds, passive = spec["setup"](d)
        feed = B.ns_exec(nsf) + [os.path.join(B.BUILD, "feeder"),
                                 "--connect" if passive else "--listen",
                                 DUT4 if passive else FEED4]
        feeder = B.Tool("feeder", feed + B.tool_args(a, FEED_AS, FEED4) +
                        ["--nh4", FEED4, "--nh6", FEED6])
        if not passive and feeder.wait_event(
                "LISTENING", time.monotonic() + 60) is None:
            res["error"] = "the feeder did not listen"
            return res
        log = open(os.path.join(d, "daemon.log"), "w")
        for c in cmds:
            procs.append(B.subprocess.Popen(
                B.ns_exec(nsd) + c, stdin=B.subprocess.DEVNULL, stdout=log,
                stderr=B.subprocess.STDOUT))
            B.live_procs.append(procs[-1])
            time.sleep(1 if len(cmds) > 1 else 0)   # zebra before bgpd
        if feeder.wait_event("ESTABLISHED", time.monotonic() + 120) is None:
            res["error"] = "session not established"
            return res
        B.wait_idle(nsd, 10)
        pids = lambda: B.ns_pids(nsd)   # noqa: E731
        cpu0 = B.cpu_seconds(pids())
        feeder.send("announce")
        t0 = feeder.wait_event("SEND_START", time.monotonic() + 10)
        t1, got = wait_count(nsd, spec["proto"],
                             lambda n4, n6: n4 >= a.v4 and n6 >= a.v6,
                             time.monotonic() + a.timeout)
        res["cpu_install_s"] = B.cpu_seconds(pids()) - cpu0
        res["load1"] = os.getloadavg()[0]
        if t1 is None:
            res["error"] = "install timed out (kernel had %d + %d)" % got
            return res
        res["install_s"] = t1 - t0
        B.wait_idle(nsd, 30)
        cpu1 = B.cpu_seconds(pids())
        feeder.forget("SEND_START", "SEND_DONE")
        feeder.send("withdraw")
        t2 = feeder.wait_event("SEND_START", time.monotonic() + 10)
        t3, got = wait_count(nsd, spec["proto"],
                             lambda n4, n6: n4 == 0 and n6 == 0,
                             time.monotonic() + a.timeout)
        res["cpu_remove_s"] = B.cpu_seconds(pids()) - cpu1
        res["rss_peak_mib"] = B.status_kib(pids(), "VmHWM") / 1024
        if t3 is None:
            res["error"] = "remove timed out (kernel had %d + %d)" % got
            return res
        res["remove_s"] = t3 - t2
        return res
    except Exception as e:
        res["error"] = "%s: %s" % (type(e).__name__, e)
        return res
    finally:
        if feeder is not None:
            feeder.stop()
        for p in procs:
            B.stop_proc(p)
        B.ns_del_all()


def fmt(v):
    return "-" if v is None else "%.1f" % v


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--v4", type=int, default=1000000)
    ap.add_argument("--v6", type=int, default=200000)
    ap.add_argument("--daemons", default="bgpd,bird,frr")
    ap.add_argument("--timeout", type=int, default=600)
    ap.add_argument("--sets", type=int, default=30000)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    os.makedirs(B.BUILD, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix="fibd-")
    results = []
    try:
        for name in a.daemons.split(","):
            B.log("%s: %d IPv4 + %d IPv6 into the kernel" % (name, a.v4, a.v6))
            r = run_one(name, a, tmp)
            B.log(repr(r))
            results.append(r)
    finally:
        B.cleanup()
    print("%-6s %10s %10s %10s %10s %8s %6s  %s" % (
        "daemon", "install s", "CPU s", "remove s", "CPU s", "RSS MiB",
        "load", "note"))
    for r in results:
        if "error" in r:
            print("%-6s FAILED: %s" % (r["daemon"], r["error"]))
            continue
        print("%-6s %10s %10s %10s %10s %8s %6s  %s" % (
            r["daemon"], fmt(r["install_s"]), fmt(r["cpu_install_s"]),
            fmt(r["remove_s"]), fmt(r["cpu_remove_s"]),
            fmt(r["rss_peak_mib"]), fmt(r["load1"]), r["note"]))
    base = [r for r in results if r["daemon"] == "bgpd" and "error" not in r]
    for r in results:
        if base and r["daemon"] != "bgpd" and "error" not in r:
            print("RESULT bgpd/%s install %.2fx remove %.2fx" % (
                r["daemon"], base[0]["install_s"] / r["install_s"],
                base[0]["remove_s"] / r["remove_s"]))


if __name__ == "__main__":
    main()
