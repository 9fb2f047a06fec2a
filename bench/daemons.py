"""daemons.py: how to configure and start each speaker under test.

Every daemon gets the same job: eBGP from the feeder (AS 65001, 10.0.1.2)
into the speaker (AS 65000, 10.0.1.1 / 10.0.2.1), and out to the collector
(AS 65002, 10.0.2.2), IPv4 and IPv6 unicast over the IPv4 sessions, no
kernel routing table, no filtering beyond "accept everything". Third-party
daemons are made passive so the feeder and collector connect to them at
once; bgpd connects out to the tools, which then listen. The setup
functions take passive=False to make a daemon connect out too (bench.py
--tools-listen), which exercises the tools' listening side.

Each entry: binary (absolute path; OpenBGPD's is also called bgpd), a
version command, the config writer, the command line, whether the tools
listen, and a note printed with the results.
"""

import os
import subprocess

DUT_AS, FEEDER_AS, COLL_AS = 65000, 65001, 65002
DUT_F4, FEEDER4, DUT_C4, COLL4 = "10.0.1.1", "10.0.1.2", "10.0.2.1", "10.0.2.2"
DUT_F6, FEEDER6, DUT_C6, COLL6 = "fd00:1::1", "fd00:1::2", "fd00:2::1", "fd00:2::2"
HOLD = 180
# The bgpd binary to run: bench.py points this at a private copy of
# build/bgpd taken at start, so every run of one invocation uses the same
# build even when build/bgpd is rebuilt meanwhile.
BGPD_BINARY = None


def _write(path, text):
    with open(path, "w") as f:
        f.write(text)


def bird_setup(d, _repo, passive=True):
    conf = os.path.join(d, "bird.conf")
    _write(conf, f"""
router id {DUT_F4};
log "{d}/bird.log" {{ warning, error, fatal }};
protocol device {{ scan time 60; }}
protocol bgp feeder {{
  local {DUT_F4} as {DUT_AS};
  neighbor {FEEDER4} as {FEEDER_AS};
  passive {'on' if passive else 'off'};
  hold time {HOLD};
  ipv4 {{ import all; export none; }};
  ipv6 {{ import all; export none; }};
}}
protocol bgp collector {{
  local {DUT_C4} as {DUT_AS};
  neighbor {COLL4} as {COLL_AS};
  passive {'on' if passive else 'off'};
  hold time {HOLD};
  ipv4 {{ import none; export all; }};
  # IPv6 routes over an IPv4 session need an explicit IPv6 next hop.
  ipv6 {{ import none; export all; next hop address {DUT_C6}; }};
}}
""")
    return ["/usr/sbin/bird", "-f", "-c", conf, "-s", os.path.join(d, "bird.ctl"),
            "-P", os.path.join(d, "bird.pid")]


def frr_setup(d, _repo, passive=True):
    conf = os.path.join(d, "frr.conf")
    # -Z: no zebra, so nothing reaches a kernel table and next hops count as
    # reachable. eBGP needs "no bgp ebgp-requires-policy" to pass routes at
    # all, and without zebra bgpd knows no interface address to use as IPv6
    # next hop towards the collector, hence the route-map.
    _write(conf, f"""frr defaults traditional
hostname dut
log file {d}/frr.log warnings
route-map NH6 permit 10
 set ipv6 next-hop global {DUT_C6}
exit
router bgp {DUT_AS}
 bgp router-id {DUT_F4}
 no bgp ebgp-requires-policy
 no bgp network import-check
 no bgp default ipv4-unicast
 neighbor {FEEDER4} remote-as {FEEDER_AS}
 {'' if passive else 'no '}neighbor {FEEDER4} passive
 neighbor {FEEDER4} timers 60 {HOLD}
 neighbor {COLL4} remote-as {COLL_AS}
 {'' if passive else 'no '}neighbor {COLL4} passive
 neighbor {COLL4} timers 60 {HOLD}
 neighbor {COLL4} advertisement-interval 0
 address-family ipv4 unicast
  neighbor {FEEDER4} activate
  neighbor {COLL4} activate
 exit-address-family
 address-family ipv6 unicast
  neighbor {FEEDER4} activate
  neighbor {COLL4} activate
  neighbor {COLL4} route-map NH6 out
 exit-address-family
exit
""")
    return ["/usr/lib/frr/bgpd", "-Z", "-n", "-S", "-f", conf,
            "-i", os.path.join(d, "bgpd.pid"), "--vty_socket", d,
            "-z", os.path.join(d, "zserv.api"), "-P", "0"]


def gobgp_setup(d, _repo, passive=True):
    conf = os.path.join(d, "gobgpd.toml")
    nbrs = ""
    for addr, asn in ((FEEDER4, FEEDER_AS), (COLL4, COLL_AS)):
        nbrs += f"""
[[neighbors]]
  [neighbors.config]
    neighbor-address = "{addr}"
    peer-as = {asn}
  [neighbors.timers.config]
    hold-time = {HOLD}
  [neighbors.transport.config]
    passive-mode = {'true' if passive else 'false'}
  [[neighbors.afi-safis]]
    [neighbors.afi-safis.config]
      afi-safi-name = "ipv4-unicast"
  [[neighbors.afi-safis]]
    [neighbors.afi-safis.config]
      afi-safi-name = "ipv6-unicast"
"""
    _write(conf, f"""[global.config]
  as = {DUT_AS}
  router-id = "{DUT_F4}"
  port = 179
{nbrs}""")
    return ["/usr/bin/gobgpd", "-f", conf, "-t", "toml", "-l", "warn", "-p",
            "--pprof-disable", "--api-hosts", "127.0.0.1:50051"]


def openbgpd_setup(d, _repo, passive=True):
    conf = os.path.join(d, "openbgpd.conf")
    # The daemon must own its config file and keep it private.
    _write(conf, f"""AS {DUT_AS}
router-id {DUT_F4}
fib-update no
listen on {DUT_F4}
listen on {DUT_C4}
socket "{d}/openbgpd.sock"
holdtime {HOLD}
neighbor {FEEDER4} {{
  remote-as {FEEDER_AS}
  {'passive' if passive else ''}
  announce IPv4 unicast
  announce IPv6 unicast
}}
neighbor {COLL4} {{
  remote-as {COLL_AS}
  {'passive' if passive else ''}
  local-address {DUT_C4}
  local-address {DUT_C6}
  announce IPv4 unicast
  announce IPv6 unicast
}}
allow from any
allow to any
""")
    os.chmod(conf, 0o600)
    return ["/usr/sbin/bgpd", "-d", "-f", conf]


def bgpd_setup(d, repo, passive=True):
    cdir = os.path.join(d, "config")
    os.makedirs(cdir, exist_ok=True)
    docs = [f"""apiVersion: bgp.miloapis.com/v1alpha1
kind: BGPConfiguration
metadata: {{name: default}}
spec: {{asNumber: {DUT_AS}, listenPort: 179, addressFamilies: [{{afi: IPv4, safi: Unicast}}, {{afi: IPv6, safi: Unicast}}]}}
"""]
    for name, addr, asn in (("dut", DUT_F4, DUT_AS), ("feeder", FEEDER4, FEEDER_AS),
                            ("collector", COLL4, COLL_AS)):
        port = "" if name == "dut" else ", port: 179"
        docs.append(f"""apiVersion: bgp.miloapis.com/v1alpha1
kind: BGPEndpoint
metadata: {{name: {name}}}
spec: {{address: "{addr}", asNumber: {asn}{port}}}
""")
    for peer in ("feeder", "collector"):
        docs.append(f"""apiVersion: bgp.miloapis.com/v1alpha1
kind: BGPSession
metadata: {{name: dut-{peer}}}
spec: {{localEndpoint: dut, remoteEndpoint: {peer}, holdTime: {HOLD}, keepaliveTime: 60}}
""")
    _write(os.path.join(cdir, "bench.yaml"), "---\n".join(docs))
    return [BGPD_BINARY or os.path.join(repo, "build", "bgpd"), "--config-dir", cdir,
            "--local-endpoint", "dut", "--no-fib",
            "--metrics-addr", "127.0.0.1:18082", "--health-addr", "127.0.0.1:18083"]


def _version(cmd):
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return "?"
    out = (r.stdout + r.stderr).strip().splitlines()
    return out[0].strip() if out else "?"


DAEMONS = {
    "bird": dict(binary="/usr/sbin/bird", setup=bird_setup, listen=False,
                 version=lambda b: _version([b, "--version"]).replace("BIRD version ", ""),
                 note="BIRD 2, single process"),
    "frr": dict(binary="/usr/lib/frr/bgpd", setup=frr_setup, listen=False,
                version=lambda b: _version([b, "--version"]).replace("bgpd version ", ""),
                note="FRR bgpd -Z (no zebra), bgpd process only"),
    "gobgp": dict(binary="/usr/bin/gobgpd", setup=gobgp_setup, listen=False,
                  version=lambda b: _version([b, "--version"]).replace("gobgpd version ", ""),
                  note="GoBGP, single process"),
    "openbgpd": dict(binary="/usr/sbin/bgpd", setup=openbgpd_setup, listen=False,
                     version=lambda b: _version([b, "-V"]).replace("OpenBGPD ", ""),
                     note="OpenBGPD, CPU and peak RSS summed over its processes"),
    "bgpd": dict(binary=None, setup=bgpd_setup, listen=True,
                 version=lambda b: _version([b, "version"]).replace("bgpd ", ""),
                 note="this project's bgpd (build/bgpd)"),
}
