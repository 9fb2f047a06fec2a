"""Fixtures: a running stand-in API server, raw HTTPS access to it, and kubectl."""

import json
import os
import shutil
import signal
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
CRDS = os.path.join(ROOT, "manifests", "crds")
DATA = os.path.join(HERE, "data")
PY = "/usr/bin/python3"
TOKEN = "standin-test-token"


class Response:
    def __init__(self, code, headers, body):
        self.code = code
        self.headers = headers
        self.body = body

    @property
    def json(self):
        return json.loads(self.body)


_CERTS = []


def _copy_certs(dest):
    """One CA and server certificate per test run (key generation is slow
    on a loaded machine); each server gets its own copy."""
    if not _CERTS:
        sys.path.insert(0, HERE)
        from standin.server import make_certs
        d = tempfile.mkdtemp(prefix="standin-certs-")
        make_certs(d, [])
        _CERTS.append(d)
    shutil.copytree(_CERTS[0], dest)


def pytest_sessionfinish(session, exitstatus):
    for d in _CERTS:
        shutil.rmtree(d, ignore_errors=True)


class ApiServer:
    """One stand-in server process (started and stopped by its PID)."""

    def __init__(self, tmp, crds=True, extra=()):
        self.tmp = tmp
        self.kubeconfig = os.path.join(tmp, "kubeconfig")
        self.port_file = os.path.join(tmp, "port")
        self.cert_dir = os.path.join(tmp, "certs")
        self.log = open(os.path.join(tmp, "apiserver.log"), "ab")
        self.args = [PY, os.path.join(HERE, "apiserver.py"), "--port", "0",
                     "--kubeconfig-out", self.kubeconfig, "--token", TOKEN,
                     "--port-file", self.port_file, "--cert-dir", self.cert_dir,
                     "--bookmark-interval", "0.5"] + (["--crds", CRDS] if crds else []) + list(extra)
        self.proc = None
        _copy_certs(self.cert_dir)
        self.start()

    def start(self, port=None):
        if os.path.exists(self.port_file):
            os.unlink(self.port_file)
        args = list(self.args)
        if port:
            args[args.index("--port") + 1] = str(port)
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=self.log)
        deadline = time.monotonic() + 30
        while not os.path.exists(self.port_file):
            if self.proc.poll() is not None:
                raise RuntimeError("stand-in exited: %s" % self.log_tail())
            if time.monotonic() > deadline:
                raise RuntimeError("stand-in did not start: %s" % self.log_tail())
            time.sleep(0.05)
        with open(self.port_file) as f:
            self.port = int(f.read())
        self.url = "https://127.0.0.1:%d" % self.port
        self.ctx = ssl.create_default_context(cafile=os.path.join(self.cert_dir, "ca.crt"))

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def log_tail(self):
        self.log.flush()
        with open(os.path.join(self.tmp, "apiserver.log"), "rb") as f:
            return f.read()[-3000:].decode(errors="replace")

    # raw HTTPS
    def request(self, method, path, body=None, ctype="application/json", token=TOKEN,
                headers=None, timeout=20):
        data = None
        if body is not None:
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
        req = urllib.request.Request(self.url + path, data=data, method=method)
        if data is not None:
            req.add_header("Content-Type", ctype)
        if token is not None:
            req.add_header("Authorization", "Bearer " + token)
        for k, v in (headers or {}).items():
            req.add_header(k, v)
        try:
            with urllib.request.urlopen(req, context=self.ctx, timeout=timeout) as r:
                return Response(r.status, r.headers, r.read())
        except urllib.error.HTTPError as e:
            return Response(e.code, e.headers, e.read())

    def open_stream(self, path, timeout=20):
        req = urllib.request.Request(self.url + path)
        req.add_header("Authorization", "Bearer " + TOKEN)
        return urllib.request.urlopen(req, context=self.ctx, timeout=timeout)

    # kubectl, as a user runs it
    def kubectl(self, *args, check=True, timeout=60, stdin=None):
        cmd = ["kubectl", "--kubeconfig", self.kubeconfig,
               "--cache-dir", os.path.join(self.tmp, "kcache")] + list(args)
        r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=timeout, input=stdin.encode() if stdin else None)
        if check and r.returncode != 0:
            raise AssertionError("%s failed (%d):\n%s\n%s\nserver log:\n%s"
                                 % (" ".join(cmd), r.returncode, r.stdout.decode(),
                                    r.stderr.decode(), self.log_tail()))
        return r

    def kubectl_popen(self, *args):
        cmd = ["kubectl", "--kubeconfig", self.kubeconfig,
               "--cache-dir", os.path.join(self.tmp, "kcache")] + list(args)
        return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def kubectl_available():
    return shutil.which("kubectl") is not None


@pytest.fixture
def apiserver():
    if shutil.which("openssl") is None:
        pytest.skip("openssl CLI not installed")
    tmp = tempfile.mkdtemp(prefix="standin-test-")
    srv = ApiServer(tmp)
    try:
        yield srv
    finally:
        srv.stop()
        srv.log.close()
        shutil.rmtree(tmp, ignore_errors=True)


@pytest.fixture
def bare_apiserver():
    """A server with no CRDs registered."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl CLI not installed")
    tmp = tempfile.mkdtemp(prefix="standin-test-")
    srv = ApiServer(tmp, crds=False)
    try:
        yield srv
    finally:
        srv.stop()
        srv.log.close()
        shutil.rmtree(tmp, ignore_errors=True)


@pytest.fixture
def kubectl_ok():
    if not kubectl_available():
        pytest.skip("kubectl not installed")
