"""The bare-metal unit: `make install` puts the binary, the unit (its
ExecStart following PREFIX) and the help text under DESTDIR;
`systemd-analyze verify` accepts the unit; the hardening the README
promises is in it; ExecStart's arguments are ones bgpd accepts."""
import configparser
import os
import shlex
import shutil
import subprocess

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
UNIT = os.path.join(REPO, "manifests", "systemd", "bgpd.service")


def unit_service(path):
    cp = configparser.ConfigParser(strict=False, interpolation=None)
    cp.optionxform = str
    cp.read(path)
    return cp


@pytest.fixture
def installed(tmp_path):
    dest = tmp_path / "dest"
    r = subprocess.run(["make", "-s", "install", "DESTDIR=%s" % dest,
                        "PREFIX=/usr"], cwd=REPO, capture_output=True,
                       text=True, timeout=600)
    assert r.returncode == 0, r.stdout + r.stderr
    return dest


def test_install(installed):
    b = installed / "usr" / "sbin" / "bgpd"
    assert os.access(b, os.X_OK)
    unit = installed / "usr" / "lib" / "systemd" / "system" / "bgpd.service"
    svc = unit_service(str(unit))["Service"]
    assert svc["ExecStart"].split()[0] == "/usr/sbin/bgpd"
    assert "--user" in (installed / "usr/share/doc/bgpd/bgpd.txt").read_text()


def test_unit_hardening():
    svc = unit_service(UNIT)["Service"]
    assert svc["Type"] == "notify"
    assert "WatchdogSec" in svc
    assert svc["ExecReload"] == "/bin/kill -HUP $MAINPID"
    caps = {"CAP_NET_ADMIN", "CAP_NET_BIND_SERVICE"}
    assert set(svc["AmbientCapabilities"].split()) == caps
    assert set(svc["CapabilityBoundingSet"].split()) == caps
    assert svc["NoNewPrivileges"] == "yes"
    assert svc["ProtectSystem"] == "strict"
    assert svc["ProtectHome"] == "yes"
    assert svc["PrivateTmp"] == "yes"
    assert set(svc["RestrictAddressFamilies"].split()) == {
        "AF_INET", "AF_INET6", "AF_NETLINK", "AF_UNIX"}
    assert svc["User"] not in ("root", "0")
    assert "/etc/bgpd" in svc["ExecStart"]


def test_unit_verify(installed, tmp_path):
    sa = shutil.which("systemd-analyze")
    if sa is None:
        pytest.skip("systemd-analyze not installed")
    unit = installed / "usr" / "lib" / "systemd" / "system" / "bgpd.service"
    # verify checks that ExecStart exists: point it at the installed copy.
    text = unit.read_text().replace(
        "/usr/sbin/bgpd", str(installed / "usr" / "sbin" / "bgpd"))
    (tmp_path / "bgpd.service").write_text(text)
    r = subprocess.run([sa, "verify", str(tmp_path / "bgpd.service")],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and r.stderr.strip() == "", r.stderr


def test_execstart_args_accepted(tmp_path):
    """bgpd with ExecStart's arguments (the config directory swapped for
    an empty one, HTTP on free loopback ports) runs until /healthz."""
    svc = unit_service(UNIT)["Service"]
    args = shlex.split(svc["ExecStart"])[1:]
    args[args.index("/etc/bgpd")] = str(tmp_path)
    bgpd = os.path.join(REPO, "build", "bgpd")
    if not os.access(bgpd, os.X_OK):
        pytest.skip("bgpd not built")
    p = subprocess.Popen([bgpd] + args + [
        "--no-fib", "--metrics-addr", "127.0.0.1:0",
        "--health-addr", "127.0.0.1:0"], stderr=subprocess.PIPE, text=True)
    try:
        try:
            p.wait(timeout=2)
        except subprocess.TimeoutExpired:
            pass
        assert p.returncode is None, p.stderr.read()
    finally:
        if p.returncode is None:
            p.terminate()
            p.wait(timeout=10)
