"""HTTP(S) front end: routing, auth, content negotiation, watch streams,
test switches, certificates, kubeconfig, command line."""

import argparse
import base64
import json
import os
import queue
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import yaml

from .api import CORE_EVENT_FIELDS, Api, ApiError, bad_request, not_found, partial
from . import proto
from .store import CUT, STOP, Store, Watcher

VERSION_INFO = {"major": "1", "minor": "32", "gitVersion": "v1.32.0", "gitCommit": "standin",
                "gitTreeState": "clean", "buildDate": "2024-12-11T00:00:00Z",
                "goVersion": "go1.23.3", "compiler": "gc", "platform": "linux/amd64"}


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.reset()

    def reset(self):
        with self.lock:
            self.requests = {}
            self.bytes = {}
            self.bytes_in = 0
            self.bytes_out = 0
            self.watch_events = 0
            self.total = 0
            self.selectors = {}

    def count(self, verb, resource, handler=None):
        if handler is not None:
            handler._stat_key = "%s %s" % (verb, resource)
            if handler._body_len:
                self.add_bytes(key=handler._stat_key)
                with self.lock:
                    self.bytes[handler._stat_key]["in"] += handler._body_len
        with self.lock:
            k = "%s %s" % (verb, resource)
            self.requests[k] = self.requests.get(k, 0) + 1
            self.total += 1

    def count_selectors(self, verb, resource, params):
        """Lists and watches by the selectors they carried ("" for none)."""
        sel = "&".join("%s=%s" % (p, params[p]) for p in ("labelSelector", "fieldSelector")
                       if params.get(p))
        with self.lock:
            m = self.selectors.setdefault("%s %s" % (verb, resource), {})
            m[sel] = m.get(sel, 0) + 1

    def add_bytes(self, n_in=0, n_out=0, events=0, key=None):
        with self.lock:
            self.bytes_in += n_in
            self.bytes_out += n_out
            self.watch_events += events
            if key:
                b = self.bytes.setdefault(key, {"in": 0, "out": 0, "events": 0})
                b["in"] += n_in
                b["out"] += n_out
                b["events"] += events

    def snapshot(self):
        with self.lock:
            return {"requests": dict(self.requests), "total": self.total,
                    "bytes": {k: dict(v) for k, v in self.bytes.items()},
                    "bytesIn": self.bytes_in, "bytesOut": self.bytes_out,
                    "watchEvents": self.watch_events,
                    "selectors": {k: dict(v) for k, v in self.selectors.items()}}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "standin-apiserver"
    sys_version = ""

    # ------------------------------------------------------------ plumbing
    def setup(self):
        sock = self.request
        try:
            # headers and body are separate writes: no Nagle/delayed-ACK stalls
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass
        if isinstance(sock, ssl.SSLSocket):
            sock.settimeout(10)
            try:
                sock.do_handshake()
            except (ssl.SSLError, OSError):
                self._bad_conn = True
            sock.settimeout(None)
        super().setup()

    def handle(self):
        if getattr(self, "_bad_conn", False):
            return
        try:
            super().handle()
        except (ConnectionError, ssl.SSLError, socket.timeout, OSError):
            pass

    def log_message(self, fmt, *args):
        if self.server.cfg.verbose:
            sys.stderr.write("standin: %s %s\n" % (self.address_string(), fmt % args))

    @property
    def api(self):
        return self.server.api

    def _read_body(self):
        te = self.headers.get("Transfer-Encoding", "")
        if "chunked" in te.lower():
            parts = []
            while True:
                line = self.rfile.readline()
                n = int(line.split(b";")[0].strip(), 16)
                if n == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    break
                parts.append(self.rfile.read(n))
                self.rfile.readline()
            data = b"".join(parts)
        else:
            n = int(self.headers.get("Content-Length") or 0)
            data = self.rfile.read(n) if n else b""
        self._body_len = len(data)
        self.server.stats.add_bytes(n_in=len(data))
        return data

    def _send(self, code, obj, headers=None, ctype="application/json"):
        data = obj if isinstance(obj, bytes) else (json.dumps(obj) + "\n").encode()
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-cache, private")
        self.send_header("Audit-Id", self._audit)
        for k, v in (headers or {}).items():
            if isinstance(v, list):
                for x in v:
                    self.send_header(k, x)
            else:
                self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)
        self.server.stats.add_bytes(n_out=len(data), key=self._stat_key)

    def _err(self, e):
        self._send(e.code, e.status())

    def _authorized(self):
        auth = self.headers.get("Authorization")
        if auth is None:
            return None
        if auth.startswith("Bearer ") and auth[7:].strip() in self.server.cfg.tokens:
            return True
        return False

    # ------------------------------------------------------------ dispatch
    def do_GET(self):
        self._dispatch("GET")

    def do_HEAD(self):
        self._dispatch("GET")

    def do_POST(self):
        self._dispatch("POST")

    def do_PUT(self):
        self._dispatch("PUT")

    def do_PATCH(self):
        self._dispatch("PATCH")

    def do_DELETE(self):
        self._dispatch("DELETE")

    def _dispatch(self, method):
        self._audit = "%x" % (int(time.time() * 1e6) ^ id(self))
        self._stat_key = None
        self._body_len = 0
        url = urllib.parse.urlsplit(self.path)
        path = url.path.rstrip("/") or "/"
        params = {k: v[-1] for k, v in urllib.parse.parse_qs(url.query, keep_blank_values=True).items()}
        body = b""
        try:
            if method in ("POST", "PUT", "PATCH", "DELETE"):
                body = self._read_body()
            ok = self._authorized()
            public = path in ("/version", "/healthz", "/livez", "/readyz")
            if ok is False or (ok is None and not public):
                self.server.stats.count("unauthorized", path, self)
                self._send(401, {"kind": "Status", "apiVersion": "v1", "metadata": {},
                                 "status": "Failure", "message": "Unauthorized",
                                 "reason": "Unauthorized", "code": 401})
                return
            self._route(method, path, params, body)
        except ApiError as e:
            self._err(e)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        except Exception as e:  # a bug here must be visible, not a hang
            import traceback
            traceback.print_exc()
            try:
                self._err(ApiError(500, "InternalError", "Internal error occurred: %r" % e))
            except OSError:
                pass

    def _accept_kind(self):
        acc = self.headers.get("Accept", "")
        for part in acc.split(","):
            p = part.replace(" ", "")
            if "as=Table" in p and "g=meta.k8s.io" in p:
                return "Table"
            if "as=PartialObjectMetadataList" in p and "g=meta.k8s.io" in p:
                return "PartialObjectMetadataList"
            if "as=PartialObjectMetadata" in p and "g=meta.k8s.io" in p:
                return "PartialObjectMetadata"
            if p.startswith("application/json") or p.startswith("*/*") or p == "" \
                    or p.startswith("application/yaml"):
                return None
        return None

    def _route(self, method, path, params, body):
        segs = [s for s in path.split("/") if s]
        cfg = self.server.cfg
        if path == "/version":
            self.server.stats.count("get", "version", self)
            return self._send(200, VERSION_INFO)
        if path in ("/healthz", "/livez", "/readyz"):
            return self._send(200, b"ok", ctype="text/plain; charset=utf-8")
        if segs and segs[0] == "_standin":
            return self._admin(method, segs[1:], params)
        if path == "/api":
            self.server.stats.count("discovery", path, self)
            host = self.headers.get("Host", "")
            return self._send(200, {"kind": "APIVersions", "versions": ["v1"],
                                    "serverAddressByClientCIDRs": [
                                        {"clientCIDR": "0.0.0.0/0", "serverAddress": host}]})
        if path == "/apis":
            self.server.stats.count("discovery", path, self)
            with self.api.lock:
                groups = self.api.groups()
            return self._send(200, {"kind": "APIGroupList", "apiVersion": "v1", "groups": groups})
        if segs and segs[0] == "openapi":
            self.server.stats.count("openapi", path, self)
            if segs == ["openapi", "v3"]:
                with self.api.lock:
                    return self._send(200, self.api.openapi_root())
            if len(segs) >= 3 and segs[1] == "v3":
                rest = segs[2:]
                if rest[0] == "api" and len(rest) == 2:
                    g, v = "", rest[1]
                elif rest[0] == "apis" and len(rest) == 3:
                    g, v = rest[1], rest[2]
                else:
                    g = v = None
                doc = self.api.openapi_gv(g, v) if v else None
                if doc is not None:
                    return self._send(200, doc, headers={"Cache-Control": "public, immutable"}
                                      if False else None)
            return self._send(404, {"kind": "Status", "apiVersion": "v1", "metadata": {},
                                    "status": "Failure", "message": "the server could not find "
                                    "the requested resource", "reason": "NotFound", "code": 404})
        # resource paths
        if segs and segs[0] == "api" and len(segs) >= 2:
            group, version, rest = "", segs[1], segs[2:]
        elif segs and segs[0] == "apis" and len(segs) >= 2:
            if len(segs) == 2:
                self.server.stats.count("discovery", path, self)
                with self.api.lock:
                    gs = [g for g in self.api.groups() if g["name"] == segs[1]]
                if gs:
                    return self._send(200, dict(gs[0], kind="APIGroup", apiVersion="v1"))
                return self._not_found_path()
            group, version, rest = segs[1], segs[2], segs[3:]
        else:
            return self._not_found_path()
        if not rest:
            self.server.stats.count("discovery", path, self)
            with self.api.lock:
                rl = self.api.resource_list(group, version)
            if rl is None:
                return self._not_found_path()
            return self._send(200, rl)
        watch_path = False
        if rest[0] == "watch":
            watch_path = True
            rest = rest[1:]
        ns = None
        with self.api.lock:
            if len(rest) >= 3 and rest[0] == "namespaces":
                t = self.api.find_type(group, version, rest[2])
                if t is not None and t.namespaced:
                    ns = rest[1]
                    rest = rest[2:]
            rt = self.api.find_type(group, version, rest[0]) if rest else None
        if rt is None or len(rest) > 3:
            return self._not_found_path()
        name = rest[1] if len(rest) >= 2 else None
        sub = rest[2] if len(rest) == 3 else None
        if sub is not None and not (sub == "status" and rt.status):
            return self._not_found_path()
        if rt.namespaced and ns is None and name is not None:
            return self._not_found_path()
        if rt.namespaced and ns is None and method != "GET":
            return self._send(405, ApiError(405, "MethodNotAllowed",
                                            "the server does not allow this method on the "
                                            "requested resource").status())
        watch = watch_path or params.get("watch") in ("1", "true", "True")
        resource = rt.plural + ("/" + sub if sub else "")
        as_kind = self._accept_kind()
        dry = params.get("dryRun") == "All"
        fv = params.get("fieldValidation") or "Warn"
        if fv not in ("Strict", "Warn", "Ignore"):
            raise bad_request('fieldValidation: Unsupported value: "%s": supported values: '
                              '"Ignore", "Strict", "Warn"' % fv)
        nsk = ns or ""
        view = None
        if rt.view_of:
            # another version of a stored resource (core v1 Event over events.k8s.io)
            view, rt = rt, self.api.types[rt.view_of]
            if params.get("fieldSelector"):
                fs = params["fieldSelector"]
                for k, v in CORE_EVENT_FIELDS.items():
                    fs = fs.replace(k, v) if k.endswith(".") else ",".join(
                        (v + p[len(k):]) if p.startswith(k + "=") or p.startswith(k + "!=")
                        else p for p in fs.split(","))
                params["fieldSelector"] = fs
        shown = view or rt
        out = view.conv_out if view else (lambda o: o)
        conv_in = view.conv_in if view else (lambda o: o)
        if method == "GET" and watch:
            self.server.stats.count("watch", resource, self)
            self.server.stats.count_selectors("watch", resource, params)
            if name:
                params["fieldSelector"] = ",".join(
                    x for x in [params.get("fieldSelector"), "metadata.name=" + name] if x)
            return self._watch(rt, ns, params, as_kind, view)
        if method == "GET" and name is None:
            self.server.stats.count("list", resource, self)
            self.server.stats.count_selectors("list", resource, params)
            items, meta = self.api.list(rt, ns, params)
            items = [out(o) for o in items]
            if as_kind == "Table":
                return self._send(200, self.api.table(shown, items, meta,
                                                      params.get("includeObject", "Metadata")))
            if as_kind in ("PartialObjectMetadataList", "PartialObjectMetadata"):
                return self._send(200, {"kind": "PartialObjectMetadataList",
                                        "apiVersion": "meta.k8s.io/v1", "metadata": meta,
                                        "items": [partial(o) for o in items]})
            return self._send(200, {"kind": shown.list_kind, "apiVersion": shown.api_version,
                                    "metadata": meta, "items": items})
        if method == "GET":
            self.server.stats.count("get", resource, self)
            o = self.api.store.get(rt.key, nsk, name)
            if o is None:
                raise not_found(shown, name)
            o = out(o)
            if as_kind == "Table":
                return self._send(200, self.api.table(shown, [o], {"resourceVersion":
                                                                   o["metadata"]["resourceVersion"]},
                                                      params.get("includeObject", "Metadata")))
            if as_kind and as_kind.startswith("PartialObjectMetadata"):
                return self._send(200, partial(o))
            return self._send(200, o)
        warn = []
        if method == "POST" and name is None:
            self.server.stats.count("create", resource, self)
            o, warn = self.api.create(rt, nsk, conv_in(self._decode(body)), dry, fv,
                                      manager=self._manager(params))
            return self._send(201, out(o), self._warn_headers(warn))
        if method == "PUT" and name is not None:
            self.server.stats.count("update", resource, self)
            o, warn = self.api.update(rt, nsk, name, conv_in(self._decode(body)), sub, dry, fv,
                                      manager=self._manager(params))
            return self._send(200, out(o), self._warn_headers(warn))
        if method == "PATCH" and name is not None:
            self.server.stats.count("patch", resource, self)
            o, warn = self.api.patch(rt, nsk, name, body, self.headers.get("Content-Type"),
                                     sub, dry, fv, view=view, manager=self._manager(params))
            return self._send(200, out(o), self._warn_headers(warn))
        if method == "DELETE" and name is not None and sub is None:
            self.server.stats.count("delete", resource, self)
            opts = self._decode(body) if body.strip() else {}
            for p in ("propagationPolicy", "gracePeriodSeconds", "orphanDependents"):
                if p in params and p not in opts:
                    opts[p] = params[p] if p == "propagationPolicy" else (
                        params[p] in ("true", "1") if p == "orphanDependents" else params[p])
            if opts.get("propagationPolicy") not in (None, "Orphan", "Foreground", "Background"):
                raise bad_request('propagationPolicy: Unsupported value: "%s"'
                                  % opts["propagationPolicy"])
            o, code = self.api.delete(rt, nsk, name, opts, dry)
            return self._send(code, o)
        if method == "DELETE" and name is None:
            self.server.stats.count("deletecollection", resource, self)
            opts = self._decode(body) if body.strip() else {}
            if "propagationPolicy" in params:
                opts["propagationPolicy"] = params["propagationPolicy"]
            items, meta = self.api.list(rt, ns, dict(params, limit="0", resourceVersion=""))
            out = []
            for it in items:
                try:
                    o, _ = self.api.delete(rt, it["metadata"].get("namespace", ""),
                                           it["metadata"]["name"], opts, dry)
                    out.append(o)
                except ApiError as e:
                    if e.code != 404:
                        raise
            if rt.builtin:
                return self._send(200, {"kind": "Status", "apiVersion": "v1", "metadata": {},
                                        "status": "Success"})
            return self._send(200, {"kind": rt.list_kind, "apiVersion": rt.api_version,
                                    "metadata": {"resourceVersion": str(self.api.store.rv)},
                                    "items": [o for o in out if o.get("kind") == rt.kind]})
        return self._send(405, ApiError(405, "MethodNotAllowed", "the server does not allow "
                                        "this method on the requested resource").status())

    def _manager(self, params):
        """fieldManager, else the user agent up to its first '/', as the real server."""
        m = params.get("fieldManager")
        if m:
            return m
        ua = self.headers.get("User-Agent") or ""
        return ua.split("/")[0][:128] or "unknown"

    def _warn_headers(self, warn):
        if not warn:
            return None
        return {"Warning": ['299 - "%s"' % w.replace('"', '\\"') for w in warn]}

    def _decode(self, body):
        ctype = (self.headers.get("Content-Type") or "application/json").split(";")[0].strip()
        try:
            if ctype == "application/vnd.kubernetes.protobuf":
                try:
                    return proto.decode(body)
                except proto.ProtoError:
                    pass
            if ctype in ("application/yaml", "application/x-yaml"):
                return yaml.safe_load(body.decode())
            if ctype in ("application/json", ""):
                return json.loads(body.decode() or "null")
        except (ValueError, yaml.YAMLError) as e:
            raise bad_request("error decoding request body: %s" % e)
        raise ApiError(415, "UnsupportedMediaType",
                       'the body of the request was in an unknown format - accepted media types '
                       'include: application/json, application/yaml, '
                       'application/vnd.kubernetes.protobuf')

    def _not_found_path(self):
        self._send(404, {"kind": "Status", "apiVersion": "v1", "metadata": {},
                         "status": "Failure",
                         "message": "the server could not find the requested resource",
                         "reason": "NotFound", "details": {}, "code": 404})

    # --------------------------------------------------------------- watch
    def _chunk(self, data):
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        self.wfile.flush()
        self.server.stats.add_bytes(n_out=len(data), key=self._stat_key)

    def _watch(self, rt, ns, params, as_kind, view=None):
        api, store = self.api, self.api.store
        lsel, fsel = api.parse_selectors(rt, params)
        cfg = self.server.cfg
        try:
            timeout = float(params.get("timeoutSeconds") or 0)
        except ValueError:
            raise bad_request("timeoutSeconds: invalid value")
        if timeout <= 0:
            timeout = cfg.watch_timeout
        bookmarks = params.get("allowWatchBookmarks") in ("1", "true", "True")
        send_initial = params.get("sendInitialEvents") in ("1", "true", "True")
        rvp = params.get("resourceVersion") or ""
        w = Watcher(rt, ns, lsel, fsel)
        initial, error = [], None
        with store.lock:
            if rvp in ("", "0") or send_initial:
                objs, _ = store.snapshot(rt.key)
                for k in sorted(objs):
                    if w.matches(objs[k]):
                        initial.append(("ADDED", objs[k]))
                start_rv = store.rv
            else:
                try:
                    start_rv = int(rvp)
                except ValueError:
                    raise bad_request('resourceVersion: Invalid value: "%s"' % rvp)
                try:
                    for ev in store.events_since(rt.key, start_rv):
                        t = w.translate(ev)
                        if t:
                            initial.append(t)
                except LookupError:
                    error = {"type": "ERROR", "object": {
                        "kind": "Status", "apiVersion": "v1", "metadata": {},
                        "status": "Failure",
                        "message": "too old resource version: %d (%d)" % (start_rv, store.compacted + 1),
                        "reason": "Expired", "code": 410}}
            if error is None:
                store.watchers.add(w)
        self.send_response(200)
        if as_kind == "Table":
            self.send_header("Content-Type", "application/json;as=Table;v=v1;g=meta.k8s.io")
        else:
            self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("Cache-Control", "no-cache, private")
        self.send_header("Audit-Id", self._audit)
        self.end_headers()
        first = [True]
        include = params.get("includeObject", "Metadata")

        def emit(typ, obj):
            if view is not None:
                obj = view.conv_out(obj)
            if as_kind == "Table" and typ in ("ADDED", "MODIFIED", "DELETED"):
                obj = api.table(view or rt, [obj], {"resourceVersion": obj["metadata"]["resourceVersion"]},
                                include, with_defs=first[0])
                first[0] = False
            elif as_kind and as_kind.startswith("PartialObjectMetadata") and \
                    typ in ("ADDED", "MODIFIED", "DELETED"):
                obj = partial(obj)
            self._chunk((json.dumps({"type": typ, "object": obj}) + "\n").encode())
            self.server.stats.add_bytes(events=1, key=self._stat_key)

        def bookmark(rv, initial_end=False):
            md = {"resourceVersion": str(rv)}
            if initial_end:
                md["annotations"] = {"k8s.io/initial-events-end": "true"}
            self._chunk((json.dumps({"type": "BOOKMARK", "object": {
                "kind": rt.kind, "apiVersion": (view or rt).api_version,
                "metadata": md}}) + "\n").encode())

        try:
            if error is not None:
                self._chunk((json.dumps(error) + "\n").encode())
                self._chunk(b"")
                self.wfile.write(b"")
                return
            for typ, obj in initial:
                emit(typ, obj)
            if send_initial and bookmarks:
                bookmark(start_rv, initial_end=True)
            deadline = time.monotonic() + timeout
            interval = cfg.bookmark_interval
            next_bm = time.monotonic() + interval
            while True:
                now = time.monotonic()
                if now >= deadline:
                    break
                wait = deadline - now
                if bookmarks:
                    wait = min(wait, max(0.0, next_bm - now))
                try:
                    ev = w.q.get(timeout=max(wait, 0.01))
                except queue.Empty:
                    ev = None
                if ev is not None:
                    if ev[0] is CUT or ev[0] is STOP:
                        break
                    if int(ev[1]["metadata"]["resourceVersion"]) <= start_rv:
                        continue  # a watch from a future resourceVersion starts there
                    t = w.translate(ev)
                    if t:
                        emit(*t)
                    continue
                if bookmarks and time.monotonic() >= next_bm:
                    with store.lock:
                        empty = w.q.empty()
                        rv = store.rv
                    if empty:
                        bookmark(rv)
                    next_bm = time.monotonic() + interval
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError, OSError):
            self.close_connection = True
        finally:
            with store.lock:
                store.watchers.discard(w)

    # --------------------------------------------------------------- admin
    def _admin(self, method, segs, params):
        store = self.api.store
        if segs == ["compact"] and method == "POST":
            rv = store.compact()
            return self._send(200, {"compactedResourceVersion": str(rv)})
        if segs == ["cut-watches"] and method == "POST":
            n = store.cut_watches()
            return self._send(200, {"cut": n})
        if segs == ["stats"] and method == "GET":
            s = self.server.stats.snapshot()
            with store.lock:
                s["openWatches"] = len(store.watchers)
                s["resourceVersion"] = str(store.rv)
                s["compactedResourceVersion"] = str(store.compacted)
            return self._send(200, s)
        if segs == ["stats", "reset"] and method == "POST":
            self.server.stats.reset()
            return self._send(200, {"reset": True})
        if segs == ["selectable-fields"] and method == "POST":
            if params.get("enabled") not in ("true", "false"):
                raise bad_request("enabled: want true or false")
            self.api.selectable_fields = params["enabled"] == "true"
            return self._send(200, {"selectableFields": self.api.selectable_fields})
        if segs == ["state"] and method == "POST":
            if self.server.cfg.state:
                store.dump(self.server.cfg.state)
            return self._send(200, {"saved": bool(self.server.cfg.state)})
        return self._not_found_path()


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128


# ---------------------------------------------------------------- certificates
def _run(cmd):
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if r.returncode != 0:
        raise RuntimeError("%s failed: %s" % (" ".join(cmd), r.stderr.decode()))


def make_certs(d, sans):
    """CA and server certificate (openssl CLI). Reused when present in d."""
    ca_key, ca_crt = os.path.join(d, "ca.key"), os.path.join(d, "ca.crt")
    key, crt = os.path.join(d, "server.key"), os.path.join(d, "server.crt")
    if all(os.path.exists(p) for p in (ca_crt, crt, key)):
        return ca_crt, crt, key
    _run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", ca_key,
          "-out", ca_crt, "-days", "365", "-subj", "/CN=standin-kube-ca",
          "-addext", "basicConstraints=critical,CA:TRUE",
          "-addext", "keyUsage=critical,keyCertSign,cRLSign"])
    csr = os.path.join(d, "server.csr")
    _run(["openssl", "req", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", csr,
          "-subj", "/CN=kube-apiserver"])
    ext = os.path.join(d, "server.ext")
    alt = ["DNS:localhost", "DNS:kubernetes", "DNS:kubernetes.default",
           "DNS:kubernetes.default.svc", "IP:127.0.0.1", "IP:::1"]
    for s in sans:
        alt.append(("IP:" if all(c in "0123456789.:abcdefABCDEF" for c in s) else "DNS:") + s)
    with open(ext, "w") as f:
        f.write("basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n"
                "extendedKeyUsage=serverAuth\nsubjectAltName=%s\n" % ",".join(alt))
    _run(["openssl", "x509", "-req", "-in", csr, "-CA", ca_crt, "-CAkey", ca_key,
          "-CAcreateserial", "-out", crt, "-days", "365", "-sha256", "-extfile", ext])
    return ca_crt, crt, key


def write_kubeconfig(path, server_url, ca_crt, token):
    with open(ca_crt, "rb") as f:
        ca = base64.b64encode(f.read()).decode()
    kc = {"apiVersion": "v1", "kind": "Config",
          "clusters": [{"name": "standin", "cluster": {"server": server_url,
                                                       "certificate-authority-data": ca}}],
          "users": [{"name": "standin", "user": {"token": token}}],
          "contexts": [{"name": "standin", "context": {"cluster": "standin", "user": "standin"}}],
          "current-context": "standin", "preferences": {}}
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        yaml.safe_dump(kc, f, default_flow_style=False)
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


def load_crd_dir(d):
    docs = []
    for fn in sorted(os.listdir(d)):
        if not fn.endswith((".yaml", ".yml", ".json")) or fn.startswith("kustomization"):
            continue
        with open(os.path.join(d, fn)) as f:
            for doc in yaml.safe_load_all(f):
                if isinstance(doc, dict) and doc.get("kind") == "CustomResourceDefinition":
                    docs.append(doc)
    return docs


def main(argv=None):
    ap = argparse.ArgumentParser(description="Stand-in Kubernetes API server for tests.")
    ap.add_argument("--bind", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file")
    ap.add_argument("--http-port", type=int, default=None,
                    help="also serve plain HTTP on this port (debugging; off by default)")
    ap.add_argument("--crds", action="append", default=[],
                    help="directory of CustomResourceDefinition manifests (repeatable)")
    ap.add_argument("--token", action="append", default=[],
                    help="accepted bearer token (repeatable); the first goes into the kubeconfig")
    ap.add_argument("--kubeconfig-out")
    ap.add_argument("--server-host", help="host to put into the kubeconfig's server URL")
    ap.add_argument("--extra-san", action="append", default=[])
    ap.add_argument("--cert-dir", help="keep (and reuse) the CA and server certificate here")
    ap.add_argument("--ca-out", help="copy the CA certificate to this file")
    ap.add_argument("--bookmark-interval", type=float, default=1.0)
    ap.add_argument("--watch-timeout", type=float, default=1800.0,
                    help="server-side watch timeout when the client sets none")
    ap.add_argument("--max-history", type=int, default=100000)
    ap.add_argument("--state", help="persist objects here; a restarted server keeps them")
    ap.add_argument("--no-selectable-fields", action="store_true",
                    help="ignore CRD selectableFields, as a server before 1.31")
    ap.add_argument("--verbose", action="store_true")
    cfg = ap.parse_args(argv)
    if not cfg.token:
        ap.error("--token is required")
    cfg.tokens = set(cfg.token)

    store = Store(max_history=cfg.max_history)
    if cfg.state and os.path.exists(cfg.state):
        store.load(cfg.state)
    api = Api(store)
    api.selectable_fields = not cfg.no_selectable_fields
    api.register_loaded_crds()
    crd_rt = api.types[("apiextensions.k8s.io", "customresourcedefinitions")]
    for d in cfg.crds:
        for crd in load_crd_dir(d):
            name = crd["metadata"]["name"]
            cur = store.get(crd_rt.key, "", name)
            if cur is None:
                api.create(crd_rt, "", crd)
            elif cur.get("spec") != crd.get("spec"):
                crd["metadata"]["resourceVersion"] = cur["metadata"]["resourceVersion"]
                api.update(crd_rt, "", name, crd)

    tmpdir = None
    cert_dir = cfg.cert_dir
    if not cert_dir:
        tmpdir = cert_dir = tempfile.mkdtemp(prefix="standin-kube-")
    os.makedirs(cert_dir, exist_ok=True)
    ca_crt, crt, key = make_certs(cert_dir, cfg.extra_san)
    if cfg.ca_out:
        shutil.copyfile(ca_crt, cfg.ca_out)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(crt, key)
    ctx.set_alpn_protocols(["http/1.1"])

    stats = Stats()
    httpd = Server((cfg.bind, cfg.port), Handler)
    httpd.socket = ctx.wrap_socket(httpd.socket, server_side=True, do_handshake_on_connect=False)
    servers = [httpd]
    if cfg.http_port is not None:
        plain = Server((cfg.bind, cfg.http_port), Handler)
        servers.append(plain)
    for s in servers:
        s.api, s.cfg, s.stats = api, cfg, stats
    port = httpd.server_address[1]
    host = cfg.server_host or ("127.0.0.1" if cfg.bind in ("0.0.0.0", "", "::") else cfg.bind)
    url = "https://%s:%d" % ("[%s]" % host if ":" in host else host, port)
    if cfg.kubeconfig_out:
        write_kubeconfig(cfg.kubeconfig_out, url, ca_crt, cfg.token[0])

    stop = threading.Event()

    def flusher():
        while not stop.wait(0.2):
            if cfg.state and store.dirty:
                store.dump(cfg.state)

    def on_signal(signum, frame):
        stop.set()
        store.stop_watches()
        threading.Thread(target=lambda: [s.shutdown() for s in servers], daemon=True).start()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    threading.Thread(target=flusher, daemon=True).start()
    for s in servers[1:]:
        threading.Thread(target=s.serve_forever, daemon=True).start()
    if cfg.port_file:
        with open(cfg.port_file + ".tmp", "w") as f:
            f.write("%d\n" % port)
        os.replace(cfg.port_file + ".tmp", cfg.port_file)
    print(port, flush=True)
    if cfg.http_port is not None:
        print("http %d" % servers[1].server_address[1], flush=True)
    try:
        httpd.serve_forever(poll_interval=0.2)
    finally:
        stop.set()
        store.stop_watches()
        if cfg.state:
            store.dump(cfg.state)
        for s in servers:
            s.server_close()
        if tmpdir:
            shutil.rmtree(tmpdir, ignore_errors=True)
    return 0
