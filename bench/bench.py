"""bench.py: the propagation benchmark driver (started by bench/run).

For each speaker: three network namespaces (feeder, dut, collector) joined
by two veth pairs; the speaker runs in "dut" with a generated config; the
feeder announces the whole table, the collector times its arrival; then the
feeder withdraws everything and the collector times that too. The speaker's
CPU seconds come from /proc/PID/stat (utime + stime) and its peak RSS from
VmHWM in /proc/PID/status, summed over every process in the dut namespace
(so a multi-process daemon is counted whole). A "direct" row runs the feeder
straight into the collector: the ceiling of what the tools can measure.

Results: a table on stdout, ratios of bgpd to each other daemon, and a JSON
file under bench/build/.
"""

import argparse
import json
import os
import queue
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time

import daemons as D

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
BUILD = os.path.join(HERE, "build")
PREFIX = f"bn{os.getpid()}-"
TICK = os.sysconf("SC_CLK_TCK")

ORDER = ["direct", "bird", "frr", "gobgp", "openbgpd", "bgpd"]

live_procs = []         # Popen objects to stop on exit
live_ns = []            # namespaces to delete on exit


def log(msg):
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", flush=True)


def sh(*args, check=True):
    return subprocess.run(list(args), check=check, capture_output=True, text=True)


def ns_exec(ns):
    return ["ip", "netns", "exec", ns]


# --- namespaces ------------------------------------------------------------

def ns_add(name):
    sh("ip", "netns", "add", name)
    live_ns.append(name)
    sh("ip", "-n", name, "link", "set", "lo", "up")


def veth(ns_a, if_a, addrs_a, ns_b, if_b, addrs_b):
    # Created directly inside the namespaces: no name ever exists in the
    # root namespace, so concurrent runs cannot collide.
    sh("ip", "link", "add", if_a, "netns", ns_a, "type", "veth",
       "peer", "name", if_b, "netns", ns_b)
    for ns, ifn, addrs in ((ns_a, if_a, addrs_a), (ns_b, if_b, addrs_b)):
        for a in addrs:
            extra = ["nodad"] if ":" in a else []
            sh("ip", "-n", ns, "addr", "add", a, "dev", ifn, *extra)
        sh("ip", "-n", ns, "link", "set", ifn, "up")


def ns_del_all():
    while live_ns:
        ns = live_ns.pop()
        for pid in ns_pids(ns):
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        sh("ip", "netns", "del", ns, check=False)


def ns_pids(ns):
    r = sh("ip", "netns", "pids", ns, check=False)
    return [int(x) for x in r.stdout.split()]


# --- processes -------------------------------------------------------------

class Tool:
    """A feeder or collector: commands on stdin, timestamped events on stdout."""

    def __init__(self, name, cmd):
        self.name = name
        self.q = queue.Queue()
        self.events = {}
        self.last_progress = None
        self.err = open(os.path.join(BUILD, f"{name}.err"), "w")
        self.p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=self.err, text=True, bufsize=1)
        live_procs.append(self.p)
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.p.stdout:
            self.q.put(line.split())
        self.q.put(None)

    def send(self, cmd):
        try:
            self.p.stdin.write(cmd + "\n")
            self.p.stdin.flush()
        except (BrokenPipeError, ValueError):
            pass

    def wait_event(self, what, deadline):
        """Time stamp of event `what`, or None at the deadline or exit."""
        while what not in self.events:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            try:
                f = self.q.get(timeout=min(left, 0.5))
            except queue.Empty:
                continue
            if f is None:
                self.q.put(None)
                return None
            if f[0] == "PROGRESS":
                self.last_progress = f
            self.events[f[0]] = f
        return float(self.events[what][1])

    def forget(self, *names):
        for n in names:
            self.events.pop(n, None)

    def errors(self):
        self.err.flush()
        with open(self.err.name) as f:
            return f.read().strip()

    def stop(self):
        self.send("quit")
        try:
            self.p.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()
        self.err.close()


def stop_proc(p, grace=10):
    if p.poll() is None:
        p.terminate()
        try:
            p.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def cleanup():
    for p in live_procs:
        if p.poll() is None:
            p.kill()
    ns_del_all()


# --- measurements ----------------------------------------------------------

def cpu_seconds(pids):
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                st = f.read()
        except OSError:
            continue
        fields = st[st.rindex(")") + 2:].split()
        total += int(fields[11]) + int(fields[12])     # utime, stime
    return total / TICK


def status_kib(pids, key):
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/status") as f:
                for line in f:
                    if line.startswith(key + ":"):
                        total += int(line.split()[1])
        except OSError:
            continue
    return total


def wait_idle(ns, limit):
    """Waits until the processes of ns use under 2 % of a core, at most limit s."""
    end = time.monotonic() + limit
    prev = cpu_seconds(ns_pids(ns))
    while time.monotonic() < end:
        time.sleep(0.5)
        cur = cpu_seconds(ns_pids(ns))
        if cur - prev < 0.01:
            return
        prev = cur


def wait_quiet(limit, patience):
    """On a shared machine: waits (at most patience s) until the 1-minute
    load average is under limit, so that other work stretches the wall times
    less. Logs when it gives up; the load is recorded with every run."""
    end = time.monotonic() + patience
    if os.getloadavg()[0] < limit:
        return
    log(f"waiting for the load average ({os.getloadavg()[0]:.1f}) to drop under {limit}")
    while time.monotonic() < end:
        time.sleep(5)
        if os.getloadavg()[0] < limit:
            return
    log(f"load average still {os.getloadavg()[0]:.1f}, running anyway")


# --- one run -----------------------------------------------------------------

def tool_args(a, asn, rid):
    return ["--as", str(asn), "--router-id", rid, "--v4", str(a.v4), "--v6", str(a.v6),
            "--seed", str(a.seed), "--sets", str(a.sets), "--hold", str(D.HOLD),
            "--timeout", "120"]


def run_one(name, a, tmp):
    spec = D.DAEMONS.get(name)
    res = {"daemon": name, "v4": a.v4, "v6": a.v6}
    nsf, nsd, nsc = PREFIX + "f", PREFIX + "d", PREFIX + "c"
    daemon = None
    feeder = collector = None
    timeout = a.timeout if a.timeout else (300 if name == "gobgp" else 180)
    try:
        ns_add(nsf)
        ns_add(nsc)
        if name == "direct":
            veth(nsf, "eth0", [D.FEEDER4 + "/24", D.FEEDER6 + "/64"],
                 nsc, "eth0", [D.DUT_F4 + "/24", D.DUT_F6 + "/64"])
            res["version"] = "-"
            res["note"] = "feeder -> collector, no daemon in between"
            coll_cmd = ns_exec(nsc) + [os.path.join(BUILD, "collector"), "--listen", D.DUT_F4]
            feed_cmd = ns_exec(nsf) + [os.path.join(BUILD, "feeder"), "--connect", D.DUT_F4]
        else:
            ns_add(nsd)
            veth(nsf, "eth0", [D.FEEDER4 + "/24", D.FEEDER6 + "/64"],
                 nsd, "eth1", [D.DUT_F4 + "/24", D.DUT_F6 + "/64"])
            veth(nsd, "eth2", [D.DUT_C4 + "/24", D.DUT_C6 + "/64"],
                 nsc, "eth0", [D.COLL4 + "/24", D.COLL6 + "/64"])
            # The tools reach every address of the speaker: one that binds
            # its sessions to its endpoint address (10.0.1.1) also talks to
            # the collector from there.
            for ns, gw4, gw6 in ((nsf, D.DUT_F4, D.DUT_F6), (nsc, D.DUT_C4, D.DUT_C6)):
                sh("ip", "-n", ns, "route", "add", "default", "via", gw4)
                sh("ip", "-n", ns, "-6", "route", "add", "default", "via", gw6)
            binary = spec["binary"] or D.BGPD_BINARY or os.path.join(REPO, "build", "bgpd")
            if name == "bgpd":
                res["binary_built"] = time.strftime(
                    "%Y-%m-%d %H:%M:%S UTC", time.gmtime(os.stat(binary).st_mtime))
            res["version"] = spec["version"](binary)
            res["note"] = spec["note"]
            d = os.path.join(tmp, name)
            os.makedirs(d, exist_ok=True)
            listen = spec["listen"] or a.tools_listen
            cmd = spec["setup"](d, REPO, passive=not listen)
            if listen:
                coll_cmd = ns_exec(nsc) + [os.path.join(BUILD, "collector"), "--listen", D.COLL4]
                feed_cmd = ns_exec(nsf) + [os.path.join(BUILD, "feeder"), "--listen", D.FEEDER4]
            else:
                coll_cmd = ns_exec(nsc) + [os.path.join(BUILD, "collector"), "--connect", D.DUT_C4]
                feed_cmd = ns_exec(nsf) + [os.path.join(BUILD, "feeder"), "--connect", D.DUT_F4]
        collector = Tool("collector", coll_cmd + tool_args(a, D.COLL_AS, D.COLL4))
        feeder = Tool("feeder", feed_cmd + tool_args(a, D.FEEDER_AS, D.FEEDER4) +
                      ["--nh4", D.FEEDER4, "--nh6", D.FEEDER6])
        if name != "direct":
            if listen:
                # A daemon that connects out must find the tools listening.
                dl = time.monotonic() + 60
                if feeder.wait_event("LISTENING", dl) is None or \
                        collector.wait_event("LISTENING", dl) is None:
                    res["error"] = "the tools did not start listening"
                    return res
            dlog = open(os.path.join(d, "daemon.log"), "w")
            res["log"] = dlog.name
            daemon = subprocess.Popen(ns_exec(nsd) + cmd, stdin=subprocess.DEVNULL,
                                      stdout=dlog, stderr=subprocess.STDOUT)
            live_procs.append(daemon)
        dl = time.monotonic() + 150
        if feeder.wait_event("ESTABLISHED", dl) is None or \
                collector.wait_event("ESTABLISHED", dl) is None:
            res["error"] = "sessions not established"
            return res
        built = feeder.events["BUILT"]
        res["updates_in"] = int(built[9])
        res["distinct_sets"] = int(built[7])
        pids = lambda: ns_pids(nsd) if daemon else []      # noqa: E731
        if daemon:
            wait_idle(nsd, 10)
            res["processes"] = len(pids())
        cpu0 = cpu_seconds(pids())

        # Announce: the clock starts when the feeder starts writing.
        feeder.send("announce")
        t0 = feeder.wait_event("SEND_START", time.monotonic() + 10)
        t_all = collector.wait_event("ALL", time.monotonic() + timeout)
        cpu1 = cpu_seconds(pids())
        # Other work on the machine stretches wall times, not CPU seconds.
        res["load1"] = os.getloadavg()[0]
        if daemon:
            res["rss_full_mib"] = status_kib(pids(), "VmRSS") / 1024
        res["feeder_send_s"] = (feeder.wait_event("SEND_DONE", time.monotonic() + 1) or
                                float("nan")) - t0
        t_first = collector.events.get("FIRST")
        if t_first:
            res["first_s"] = float(t_first[1]) - t0
        pr = collector.last_progress
        if t_all is None:
            got = f"{pr[2]} v4 + {pr[3]} v6" if pr else "nothing"
            if collector.p.poll() is not None or feeder.p.poll() is not None:
                res["error"] = f"session lost during the announce (collector had {got})"
            else:
                res["error"] = f"announce timed out after {timeout} s (collector had {got})"
            if daemon:
                res["cpu_announce_s"] = cpu1 - cpu0
                res["rss_peak_mib"] = status_kib(pids(), "VmHWM") / 1024
            return res
        res["announce_s"] = t_all - t0
        if daemon:
            res["cpu_announce_s"] = cpu1 - cpu0
        done = collector.events["ALL"]
        res["updates_out"] = int(done[4])
        res["stray"] = int(done[6])
        res["dup"] = int(done[7])

        # Withdraw everything once the speaker has settled.
        if daemon:
            wait_idle(nsd, 30)
        cpu2 = cpu_seconds(pids())
        feeder.forget("SEND_START", "SEND_DONE")
        feeder.send("withdraw")
        t0w = feeder.wait_event("SEND_START", time.monotonic() + 10)
        t_none = collector.wait_event("NONE", time.monotonic() + timeout)
        cpu3 = cpu_seconds(pids())
        if daemon:
            res["cpu_withdraw_s"] = cpu3 - cpu2
            res["rss_peak_mib"] = status_kib(pids(), "VmHWM") / 1024
        if t_none is None:
            pr = collector.last_progress
            got = f"{pr[2]} v4 + {pr[3]} v6 left" if pr else "?"
            if collector.p.poll() is not None or feeder.p.poll() is not None:
                res["error"] = f"session lost during the withdraw ({got})"
            else:
                res["error"] = f"withdraw timed out after {timeout} s ({got})"
            return res
        res["withdraw_s"] = t_none - t0w
        return res
    except Exception as e:          # report and go on with the next daemon
        res["error"] = f"{type(e).__name__}: {e}"
        return res
    finally:
        for t in (feeder, collector):
            if t is not None:
                if "error" in res:
                    msg = t.errors()
                    if msg:
                        res.setdefault("tool_errors", []).append(f"{t.name}: {msg[-300:]}")
                t.stop()
        if daemon is not None:
            stop_proc(daemon)
            if "error" in res and res.get("log"):
                with open(res["log"], errors="replace") as f:
                    res["log_tail"] = f.read()[-800:]
        ns_del_all()


# --- report ----------------------------------------------------------------

def summarize(runs):
    """One row from repeated runs: the median of each figure; a failed run
    makes the row a failure (a figure from the runs that passed would hide it)."""
    bad = [r for r in runs if "error" in r]
    if bad or len(runs) == 1:
        row = dict(bad[0] if bad else runs[0])
        row["runs"] = runs if len(runs) > 1 else None
        return row
    row = dict(runs[0])
    for k, v in runs[0].items():
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            row[k] = statistics.median(r[k] for r in runs)
    row["runs"] = runs
    return row


def fmt(v, spec="{:.2f}"):
    return spec.format(v) if isinstance(v, (int, float)) else "-"


def report(results, a):
    n = a.v4 + a.v6
    print()
    print(f"Propagation of {a.v4} IPv4 + {a.v6} IPv6 prefixes "
          f"({a.sets} attribute sets, Zipf), feeder -> speaker -> collector, eBGP"
          + (f", median of {a.repeat} runs" if a.repeat > 1 else ""))
    hdr = (f"{'speaker':<9} {'version':<8} {'announce s':>10} {'prefix/s':>10} "
           f"{'CPU s':>7} {'withdraw s':>10} {'CPU s':>7} {'peak RSS MiB':>12} "
           f"{'UPD out':>8} {'load':>5}")
    print(hdr)
    print("-" * len(hdr))
    for r in results:
        if "skipped" in r:
            print(f"{r['daemon']:<9} skipped: {r['skipped']}")
            continue
        rate = n / r["announce_s"] if r.get("announce_s") else None
        print(f"{r['daemon']:<9} {str(r.get('version', '-'))[:8]:<8} "
              f"{fmt(r.get('announce_s')):>10} {fmt(rate, '{:,.0f}'):>10} "
              f"{fmt(r.get('cpu_announce_s')):>7} {fmt(r.get('withdraw_s')):>10} "
              f"{fmt(r.get('cpu_withdraw_s')):>7} {fmt(r.get('rss_peak_mib'), '{:.0f}'):>12} "
              f"{fmt(r.get('updates_out'), '{:.0f}'):>8} {fmt(r.get('load1'), '{:.1f}'):>5}")
        if "error" in r:
            print(f"{'':<9} FAILED: {r['error']}")
    print()
    for r in results:
        if "skipped" not in r and r["daemon"] != "direct":
            print(f"  {r['daemon']}: {r.get('note', '')}")
    print("  CPU s: user+sys of the speaker during the phase; peak RSS: VmHWM.")
    print("  UPD out: UPDATE messages the collector received for the announce.")
    print("  load: the machine's 1-minute load average when the announce ended; on a")
    print("  busy machine wall times stretch, CPU seconds much less.")
    mine = next((r for r in results if r["daemon"] == "bgpd" and "announce_s" in r), None)
    if mine is None:
        print("\nRatios: bgpd was not measured in this run.")
        return
    print("\nRatios bgpd / other (below 1 means bgpd is faster or smaller):")
    print(f"{'vs':<9} {'announce':>9} {'CPU':>7} {'withdraw':>9} {'peak RSS':>9}")
    for r in results:
        if r is mine or "announce_s" not in r or r["daemon"] == "direct":
            continue

        def ratio(k):
            x, y = mine.get(k), r.get(k)
            return f"{x / y:.2f}" if isinstance(x, float) and isinstance(y, float) and y > 0 else "-"
        print(f"{r['daemon']:<9} {ratio('announce_s'):>9} {ratio('cpu_announce_s'):>7} "
              f"{ratio('withdraw_s'):>9} {ratio('rss_peak_mib'):>9}")


def machine():
    cpu = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as f:
        mem = int(f.readline().split()[1]) // 1024 // 1024
    return f"{os.cpu_count()} x {cpu}, {mem} GiB RAM, Linux {os.uname().release}"


def main():
    ap = argparse.ArgumentParser(prog="bench/run", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--daemons", default="bird,frr,gobgp,openbgpd,bgpd",
                    help="comma-separated, from: bird,frr,gobgp,openbgpd,bgpd "
                         "(the direct baseline always runs first unless --no-direct)")
    ap.add_argument("--v4", type=int, default=1000000)
    ap.add_argument("--v6", type=int, default=200000)
    ap.add_argument("--quick", action="store_true", help="100k IPv4 + 20k IPv6")
    ap.add_argument("--sets", type=int, default=30000, help="distinct attribute sets")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--timeout", type=int, default=0,
                    help="seconds per phase (default 180, GoBGP 300)")
    ap.add_argument("--repeat", type=int, default=1,
                    help="runs per speaker; the table shows medians")
    ap.add_argument("--max-load", type=float, default=0,
                    help="before each run wait until the 1-minute load average "
                         "is under this (0: do not wait)")
    ap.add_argument("--max-load-wait", type=int, default=300,
                    help="longest wait for --max-load, seconds")
    ap.add_argument("--no-direct", action="store_true")
    ap.add_argument("--tools-listen", action="store_true",
                    help="the speakers connect to the feeder and collector "
                         "(bgpd always does)")
    ap.add_argument("--keep", action="store_true", help="keep configs and logs")
    a = ap.parse_args()
    if a.quick:
        a.v4, a.v6 = 100000, 20000
    if os.geteuid() != 0:
        sys.exit("bench: needs root (network namespaces)")
    names = [x.strip() for x in a.daemons.split(",") if x.strip()]
    for x in names:
        if x not in D.DAEMONS:
            sys.exit(f"bench: unknown daemon {x}")
    if not a.no_direct:
        names.insert(0, "direct")
    names.sort(key=ORDER.index)

    for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(s, lambda *_: sys.exit(130))
    tmp = tempfile.mkdtemp(prefix=PREFIX)
    results = []
    runs = []
    interrupted = False
    log(f"{machine()}; {a.v4} IPv4 + {a.v6} IPv6, seed {a.seed}")
    try:
        for name in names:
            if name != "direct":
                b = D.DAEMONS[name]["binary"] or os.path.join(REPO, "build", "bgpd")
                if not os.access(b, os.X_OK):
                    why = f"{b} not found" + (" (build it with make)" if name == "bgpd" else
                                              " (package not installed)")
                    log(f"{name}: skipped, {why}")
                    results.append({"daemon": name, "skipped": why})
                    continue
            if name == "bgpd" and D.BGPD_BINARY is None:
                D.BGPD_BINARY = os.path.join(tmp, "bgpd.bin")
                shutil.copy2(b, D.BGPD_BINARY)
                built = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(os.stat(b).st_mtime))
                log(f"bgpd: running a copy of {b} built {built}")
            log(f"{name}: running")
            runs = []
            for i in range(a.repeat):
                if a.repeat > 1:
                    log(f"{name}: run {i + 1} of {a.repeat}")
                if a.max_load:
                    wait_quiet(a.max_load, a.max_load_wait)
                r = run_one(name, a, tmp)
                runs.append(r)
                if "error" in r:
                    log(f"{name}: FAILED: {r['error']}")
                    for k in ("tool_errors", "log_tail"):
                        if r.get(k):
                            log(f"{name}: {k}: {r[k]}")
                    break
                log(f"{name}: announce {r['announce_s']:.2f} s, withdraw "
                    f"{r['withdraw_s']:.2f} s" + (f", peak RSS {r['rss_peak_mib']:.0f} MiB"
                                                  if "rss_peak_mib" in r else ""))
            results.append(summarize(runs))
            runs = []
    except (KeyboardInterrupt, SystemExit):
        # Stopped by a signal: report the runs that completed.
        interrupted = True
        log("interrupted; reporting the completed runs")
        if runs:
            results.append(summarize(runs))
    finally:
        cleanup()
        if not a.keep:
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            log(f"configs and logs kept in {tmp}")
    report(results, a)
    out = os.path.join(BUILD, time.strftime("results-%Y%m%dT%H%M%SZ.json", time.gmtime()))
    with open(out, "w") as f:
        json.dump({"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
                   "machine": machine(), "v4": a.v4, "v6": a.v6, "sets": a.sets,
                   "seed": a.seed, "repeat": a.repeat, "results": results}, f, indent=1)
    print(f"\nraw results: {os.path.relpath(out, REPO)}")
    if interrupted:
        sys.exit(130)


if __name__ == "__main__":
    main()
