"""systemd's notification protocol as bgpd speaks it: a datagram socket
standing in for the service manager receives READY=1 once /readyz is 200,
WATCHDOG=1 about every WATCHDOG_USEC/2, RELOADING=1 and READY=1 on
SIGHUP, STOPPING=1 on SIGTERM; a path socket and an abstract one."""
import os
import signal
import socket
import time

import pytest

from lab.scenario import speaker_docs


class Manager:
    """The service manager's end: an AF_UNIX datagram socket."""

    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        if path.startswith("@"):
            self.sock.bind("\0" + path[1:])
        else:
            self.sock.bind(path)
        self.path = path
        self.got = []   # (monotonic time, message)

    def drain(self, until, want=None):
        """Collect messages until `until` (monotonic) or `want` arrives."""
        while time.monotonic() < until:
            self.sock.settimeout(max(0.01, until - time.monotonic()))
            try:
                data = self.sock.recv(4096).decode()
            except socket.timeout:
                break
            self.got.append((time.monotonic(), data))
            if want is not None and want in data.split("\n"):
                return True
        return False

    def messages(self):
        return [m for _, m in self.got]


@pytest.mark.parametrize("kind", ["path", "abstract"])
def test_notify(topo, make_bgpd, workdir, kind):
    a = topo.add_host("a")
    path = (os.path.join(workdir, "notify.sock") if kind == "path"
            else "@bgpd-op-notify-%d" % os.getpid())
    # Abstract names belong to a network namespace: bind in bgpd's.
    with a.netns():
        mgr = Manager(path)
    bgpd = make_bgpd(a, "node-a", speaker_docs(a), fib=False, start=False,
                     env={"NOTIFY_SOCKET": path, "WATCHDOG_USEC": "400000"})
    t0 = time.monotonic()
    bgpd.start(wait=False)
    assert mgr.drain(t0 + 15, "READY=1"), mgr.messages()
    # READY only once /readyz says so.
    assert bgpd.http("/readyz", bgpd.health)[0] == 200

    mgr.got = []
    mgr.drain(time.monotonic() + 2.0)
    beats = [t for t, m in mgr.got if m == "WATCHDOG=1"]
    # 0.2 s apart: about 10 in 2 s; a stalled loop would send none.
    assert 5 <= len(beats) <= 15, mgr.messages()

    mgr.got = []
    bgpd.proc.signal(signal.SIGHUP)
    assert mgr.drain(time.monotonic() + 5, "READY=1"), mgr.messages()
    msgs = [m for m in mgr.messages() if m != "WATCHDOG=1"]
    assert msgs[:2] == ["RELOADING=1", "READY=1"], msgs

    mgr.got = []
    assert bgpd.stop() == 0
    mgr.drain(time.monotonic() + 0.5)
    assert "STOPPING=1" in mgr.messages(), mgr.messages()


def test_no_watchdog_for_another_pid(topo, make_bgpd):
    """WATCHDOG_PID names another process: the variables were inherited,
    bgpd is not the one being watched."""
    a = topo.add_host("a")
    path = "@bgpd-op-notify-pid-%d" % os.getpid()
    with a.netns():
        mgr = Manager(path)
    bgpd = make_bgpd(a, "node-a", speaker_docs(a), fib=False, start=False,
                     env={"NOTIFY_SOCKET": path, "WATCHDOG_USEC": "200000",
                          "WATCHDOG_PID": "1"})
    bgpd.start(wait=False)
    assert mgr.drain(time.monotonic() + 15, "READY=1"), mgr.messages()
    mgr.drain(time.monotonic() + 1.0)
    assert "WATCHDOG=1" not in mgr.messages(), mgr.messages()
