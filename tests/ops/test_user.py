"""`--user NAME`: bgpd started as root becomes an unprivileged user that
keeps only CAP_NET_ADMIN and CAP_NET_BIND_SERVICE, and with them still
listens on port 179, brings up a session with BIRD and programs the
kernel's routing table."""
import pwd

import pytest

from conftest import need_bird
from lab.kernel import wait_kroute
from lab.peers import Neighbor, Route
from lab.scenario import LOCAL_AS, peer_docs, speaker_docs

PEER_AS = 65002
CAP_NET_BIND_SERVICE = 10
CAP_NET_ADMIN = 12
USER = "nobody"


def proc_status(pid):
    out = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            k, _, v = line.partition(":")
            out[k] = v.strip()
    return out


def test_user_keeps_routes(topo, make_bgpd):
    Bird = need_bird()
    try:
        pw = pwd.getpwnam(USER)
    except KeyError:
        pytest.skip("no user %s" % USER)
    a = topo.add_host("a")
    b = topo.add_host("b")
    bgpd = make_bgpd(a, "node-a", speaker_docs(a) +
                     peer_docs("a-bird", "bird", b, PEER_AS),
                     extra_args=["--user", USER])
    bird = Bird(b, PEER_AS, [Neighbor(a.addr(4), LOCAL_AS,
                                      families=("ipv4",))],
                routes=[Route("10.2.0.0/24")]).start()
    bgpd.wait_neighbor("a-bird")
    wait_kroute(a, "10.2.0.0/24", [(b.addr(4), "eth0")], on_fail=bgpd.diag)

    # `ip netns exec` forks bgpd: the process of interest is its child.
    pid = bgpd.proc.popen.pid
    st = proc_status(pid)
    if st["Name"] != "bgpd":
        with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
            pid = int(f.read().split()[0])
        st = proc_status(pid)
    assert st["Name"] == "bgpd"
    assert st["Uid"].split() == [str(pw.pw_uid)] * 4, st["Uid"]
    assert st["Gid"].split() == [str(pw.pw_gid)] * 4, st["Gid"]
    want = (1 << CAP_NET_ADMIN) | (1 << CAP_NET_BIND_SERVICE)
    assert int(st["CapEff"], 16) == want, st["CapEff"]
    assert int(st["CapPrm"], 16) == want, st["CapPrm"]
    assert int(st["CapBnd"], 16) == want, st["CapBnd"]

    # Listening on 179 (below 1024) as that user.
    r = a.run(["ss", "-Htlnp", "sport", "= :179"])
    assert "pid=%d," % pid in r.stdout, r.stdout
    # BIRD's route reached the kernel through the kept CAP_NET_ADMIN.
    assert bird.established(a.addr(4))


def test_user_unknown(bgpd_path, tmp_path):
    import subprocess
    (tmp_path / "c.yaml").write_text("")
    r = subprocess.run([bgpd_path, "--config-dir", str(tmp_path),
                        "--local-endpoint", "x", "--no-fib",
                        "--user", "no-such-user-bgpd-op",
                        "--metrics-addr", "127.0.0.1:0",
                        "--health-addr", "127.0.0.1:0"],
                       capture_output=True, text=True, timeout=10)
    assert r.returncode == 1
    assert "no such user" in r.stderr, r.stderr


def test_file_capabilities_as_non_root(topo, make_bgpd, bgpd_path, workdir):
    """The container image's way (manifests/image/Containerfile): a
    non-root process gets the two capabilities from the binary's file
    capabilities, with a bounding set of only those two (drop ALL, add
    NET_ADMIN and NET_BIND_SERVICE) and no_new_privs off."""
    Bird = need_bird()
    import shutil
    import subprocess
    for t in ("setcap", "setpriv"):
        if shutil.which(t) is None:
            pytest.skip("%s not installed (libcap2-bin, util-linux)" % t)
    pw = pwd.getpwnam(USER)
    binary = "%s/bgpd" % workdir
    shutil.copy(bgpd_path, binary)
    subprocess.run(["setcap", "cap_net_admin,cap_net_bind_service=ep",
                    binary], check=True)
    a = topo.add_host("a")
    b = topo.add_host("b")
    wrap = ["setpriv", "--reuid=%d" % pw.pw_uid, "--regid=%d" % pw.pw_gid,
            "--clear-groups", "--inh-caps=-all",
            "--bounding-set=-all,+net_admin,+net_bind_service"]
    bgpd = make_bgpd(a, "node-a", speaker_docs(a) +
                     peer_docs("a-bird", "bird", b, PEER_AS), start=False,
                     wrap=wrap)
    bgpd.binary = binary
    bgpd.start()
    Bird(b, PEER_AS, [Neighbor(a.addr(4), LOCAL_AS, families=("ipv4",))],
         routes=[Route("10.2.0.0/24")]).start()
    bgpd.wait_neighbor("a-bird")
    wait_kroute(a, "10.2.0.0/24", [(b.addr(4), "eth0")], on_fail=bgpd.diag)
    pid = int(a.run(["pgrep", "-f", "^%s " % binary]).stdout.split()[0])
    st = proc_status(pid)
    assert st["Uid"].split()[0] == str(pw.pw_uid)
    want = (1 << CAP_NET_ADMIN) | (1 << CAP_NET_BIND_SERVICE)
    assert int(st["CapEff"], 16) == want, st["CapEff"]
