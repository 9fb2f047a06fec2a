"""Fixtures for the operations suite: bgpd as a service manager, a
Prometheus server and Kubernetes would run it. The integration lab
(tests/integration/lab) provides namespaces, BIRD and the bgpd driver;
namespaces here are named op<pid>-... ."""
import os
import shutil
import sys
import tempfile

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(REPO, "tests", "integration"))

from lab.bgpd import Bgpd, bgpd_bin  # noqa: E402
from lab.kernel import FibBgpd  # noqa: E402
from lab.netns import Topology, run  # noqa: E402
from lab import peers as peers_mod  # noqa: E402
from lab.poll import clear_guards  # noqa: E402


def op_prefix():
    return "op%d-" % os.getpid()


def _netns_problem():
    if os.geteuid() != 0:
        return "needs root (network namespaces)"
    if shutil.which("ip") is None:
        return "iproute2 missing"
    name = op_prefix() + "probe"
    r = run(["ip", "netns", "add", name], check=False)
    if r.returncode != 0:
        return "cannot create network namespaces: " + r.stderr.strip()
    run(["ip", "netns", "del", name], check=False)
    return None


@pytest.fixture
def workdir():
    # World-readable (pytest's tmp_path is not): a bgpd that dropped root
    # with --user reads its configuration here.
    d = tempfile.mkdtemp(prefix="bgpd-op-")
    os.chmod(d, 0o755)
    yield d
    shutil.rmtree(d, ignore_errors=True)


@pytest.fixture
def topo(workdir):
    why = _netns_problem()
    if why:
        pytest.skip(why)
    t = Topology(workdir, prefix=op_prefix())
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


def need_bird():
    cls = peers_mod.PEERS["bird"]
    ok, why = cls.available()
    if not ok:
        pytest.skip("bird not usable: %s" % why)
    return cls


class EnvBgpd(FibBgpd):
    """A bgpd that programs its namespace's kernel, with extra environment
    (NOTIFY_SOCKET, WATCHDOG_USEC) and optional --no-fib."""

    def __init__(self, *a, env=None, fib=True, wrap=(), **kw):
        self.env = dict(env or {})
        self.fib = fib
        self.wrap = list(wrap)   # a command that runs bgpd (setpriv ...)
        FibBgpd.__init__(self, *a, **kw)

    def start(self, wait=True):
        from lab.poll import wait_until
        cmd = [self.binary, "--config-dir", self.confdir,
               "--local-endpoint", self.endpoint,
               "--metrics-addr", self.metrics, "--health-addr", self.health,
               "--log-level", self.log_level] + self.extra_args
        if not self.fib:
            cmd.append("--no-fib")
        env = dict(self.asan_env())
        env.update(self.env)
        self.stopping = False
        self.proc = self.host.spawn("bgpd-" + self.endpoint,
                                    self.wrap + cmd, env=env)
        if wait:
            wait_until(self._healthy, timeout=15,
                       what="bgpd %s /healthz" % self.endpoint,
                       on_fail=self.diag)
        return self


@pytest.fixture
def make_bgpd(topo, bgpd_path):
    started = []

    def make(host, endpoint, docs, start=True, **kw):
        b = EnvBgpd(host, endpoint, docs, binary=bgpd_path, **kw)
        started.append(b)
        if start:
            b.start()
        return b
    yield make
    for b in started:
        b.finish()
