"""Fixtures for the bgpd integration suite.

Every test gets a fresh Topology (namespaces on a bridge, named with a
per-run prefix) that is torn down after the test, also on failure. bgpd is
taken from $BGPD_BIN (default: <repo>/build/bgpd).
"""
import os
import shutil
import sys
import tempfile

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from lab.netns import Topology, run  # noqa: E402
from lab import peers as peers_mod  # noqa: E402
from lab.bgpd import Bgpd, bgpd_bin  # noqa: E402
from lab.poll import clear_guards  # noqa: E402

REPO = os.path.abspath(os.path.join(HERE, "..", ".."))


def _can_netns():
    if os.geteuid() != 0:
        return "needs root (network namespaces)"
    if shutil.which("ip") is None:
        return "iproute2 missing"
    name = "itprobe%d" % os.getpid()
    r = run(["ip", "netns", "add", name], check=False)
    if r.returncode != 0:
        return "cannot create network namespaces: " + r.stderr.strip()
    run(["ip", "netns", "del", name], check=False)
    return None


_NETNS_PROBLEM = None
_NETNS_PROBED = False


def netns_problem():
    global _NETNS_PROBLEM, _NETNS_PROBED
    if not _NETNS_PROBED:
        _NETNS_PROBLEM = _can_netns()
        _NETNS_PROBED = True
    return _NETNS_PROBLEM


@pytest.fixture
def workdir(request):
    d = tempfile.mkdtemp(prefix="bgpd-it-")
    yield d
    if getattr(request.node, "rep_failed", False):
        print("test files kept in", d)
    else:
        shutil.rmtree(d, ignore_errors=True)


@pytest.hookimpl(tryfirst=True, hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    if rep.when == "call" and rep.failed:
        item.rep_failed = True
        # Everything the test started, as it is now: bgpd's log tail and
        # show output, each peer's own CLI view.
        topo = getattr(item, "funcargs", {}).get("topo")
        if topo is not None:
            for name, text in topo.diagnostics():
                rep.sections.append(("state of " + name, text))


@pytest.fixture
def topo(workdir):
    why = netns_problem()
    if why:
        pytest.skip(why)
    t = Topology(workdir)
    clear_guards()
    try:
        yield t
    finally:
        clear_guards()
        t.teardown()


@pytest.fixture
def bgpd_path():
    p = bgpd_bin()
    if not os.access(p, os.X_OK):
        pytest.skip("bgpd binary not built: %s (set BGPD_BIN)" % p)
    return p


def need_peer(kind):
    cls = peers_mod.PEERS[kind]
    ok, why = cls.available()
    if not ok:
        pytest.skip("%s not usable: %s" % (kind, why))
    return cls


@pytest.fixture
def make_bgpd(topo, bgpd_path):
    """make_bgpd(host, endpoint, docs) -> started Bgpd."""
    started = []

    def make(host, endpoint, docs, start=True, **kw):
        b = Bgpd(host, endpoint, docs, binary=bgpd_path, **kw)
        started.append(b)
        if start:
            b.start()
        return b
    yield make
    for b in started:
        b.finish()
