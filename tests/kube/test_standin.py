"""The stand-in API server, driven by the real kubectl and by raw HTTPS.

Run: /usr/bin/python3 -m pytest tests/kube -v
"""

import http.client
import json
import os
import queue
import socket
import ssl
import threading
import time
import urllib.error
import urllib.request

import pytest

from conftest import DATA, TOKEN

G = "/apis/bgp.miloapis.com/v1alpha1"
SESS = G + "/bgpsessions"
EP = G + "/bgpendpoints"
LEASES = "/apis/coordination.k8s.io/v1/namespaces/bgp-system/leases"
TABLE = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"


def wait_for(pred, timeout=15, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        v = pred()
        if v:
            return v
        time.sleep(0.05)
    raise AssertionError("timed out waiting for " + what)


def session(name, local="node-a", remote="node-b", labels=None, finalizers=None, **spec):
    md = {"name": name}
    if labels:
        md["labels"] = labels
    if finalizers:
        md["finalizers"] = finalizers
    s = {"localEndpoint": local, "remoteEndpoint": remote}
    s.update(spec)
    return {"apiVersion": "bgp.miloapis.com/v1alpha1", "kind": "BGPSession",
            "metadata": md, "spec": s}


def create(srv, obj, path=SESS):
    r = srv.request("POST", path, obj)
    assert r.code == 201, r.body
    return r.json


class Stream:
    """A watch stream read line by line on a thread."""

    def __init__(self, srv, path):
        self.resp = srv.open_stream(path, timeout=60)
        self.q = queue.Queue()
        self.closed = threading.Event()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        try:
            for line in self.resp:
                if line.strip():
                    self.q.put(json.loads(line))
        except (OSError, ValueError, AttributeError, http.client.HTTPException):
            pass
        finally:
            self.closed.set()

    def next(self, timeout=10, skip_bookmarks=True):
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError("no watch event within %ss" % timeout)
            try:
                ev = self.q.get(timeout=left)
            except queue.Empty:
                raise AssertionError("no watch event within %ss" % timeout)
            if skip_bookmarks and ev["type"] == "BOOKMARK":
                continue
            return ev

    def close(self):
        # shut the socket down first: close() waits for the reader thread otherwise
        try:
            self.resp.fp.raw._sock.shutdown(socket.SHUT_RDWR)
        except (AttributeError, OSError):
            pass
        try:
            self.resp.close()
        except OSError:
            pass


# ---------------------------------------------------------------- TLS and auth

def test_401_without_token_and_with_wrong_token(apiserver):
    r = apiserver.request("GET", SESS, token=None)
    assert r.code == 401
    assert r.json["reason"] == "Unauthorized"
    r = apiserver.request("GET", SESS, token="wrong")
    assert r.code == 401
    assert apiserver.request("GET", SESS).code == 200
    # /version is public for anonymous callers, but a bad token is still refused
    assert apiserver.request("GET", "/version", token=None).code == 200
    assert apiserver.request("GET", "/version", token="wrong").code == 401
    r = apiserver.request("POST", "/_standin/compact", token=None)
    assert r.code == 401


def test_tls_needs_the_generated_ca(apiserver):
    ctx = ssl.create_default_context()  # system CAs only
    req = urllib.request.Request(apiserver.url + "/version")
    with pytest.raises(urllib.error.URLError) as e:
        urllib.request.urlopen(req, context=ctx, timeout=10)
    assert "CERTIFICATE_VERIFY_FAILED" in str(e.value)
    # by host name too: the certificate names localhost
    ctx2 = apiserver.ctx
    req = urllib.request.Request("https://localhost:%d/version" % apiserver.port)
    with urllib.request.urlopen(req, context=ctx2, timeout=10) as r:
        assert json.loads(r.read())["major"] == "1"


# ---------------------------------------------------------------- discovery

def test_discovery_and_openapi(apiserver):
    groups = apiserver.request("GET", "/apis").json
    names = [g["name"] for g in groups["groups"]]
    for g in ("bgp.miloapis.com", "coordination.k8s.io", "events.k8s.io",
              "apiextensions.k8s.io"):
        assert g in names
    rl = apiserver.request("GET", G).json
    by = {r["name"]: r for r in rl["resources"]}
    assert by["bgpsessions"]["shortNames"] == ["bgpsess"]
    assert by["bgpsessions"]["kind"] == "BGPSession"
    assert by["bgpsessions"]["namespaced"] is False
    assert "watch" in by["bgpsessions"]["verbs"]
    assert by["bgpsessions/status"]["verbs"] == ["get", "patch", "update"]
    core = apiserver.request("GET", "/api/v1").json
    assert "namespaces" in [r["name"] for r in core["resources"]]
    leases = apiserver.request("GET", "/apis/coordination.k8s.io/v1").json
    assert leases["resources"][0]["namespaced"] is True
    root = apiserver.request("GET", "/openapi/v3").json
    url = root["paths"]["apis/bgp.miloapis.com/v1alpha1"]["serverRelativeURL"]
    doc = apiserver.request("GET", url).json
    op = doc["paths"][SESS + "/{name}"]["patch"]
    assert op["x-kubernetes-group-version-kind"]["kind"] == "BGPSession"
    assert "fieldValidation" in [p["name"] for p in op["parameters"]]
    assert "application/strategic-merge-patch+json" not in op["requestBody"]["content"]
    assert apiserver.request("GET", "/openapi/v2").code == 404


# ---------------------------------------------------------------- object semantics

def test_create_sets_system_fields_and_defaults(apiserver):
    o = create(apiserver, session("s1"))
    md = o["metadata"]
    assert md["uid"] and md["creationTimestamp"].endswith("Z")
    assert md["generation"] == 1
    assert isinstance(md["resourceVersion"], str) and int(md["resourceVersion"]) > 0
    assert o["spec"]["holdTime"] == 90 and o["spec"]["keepaliveTime"] == 30  # CRD defaults
    r = apiserver.request("POST", SESS, session("s1"))
    assert r.code == 409 and r.json["reason"] == "AlreadyExists"
    r = apiserver.request("GET", SESS + "/nope")
    assert r.code == 404
    assert r.json["kind"] == "Status" and r.json["reason"] == "NotFound"
    assert r.json["details"] == {"name": "nope", "group": "bgp.miloapis.com",
                                 "kind": "bgpsessions"}
    # status in a create body is dropped (status subresource)
    body = session("s2")
    body["status"] = {"conditions": []}
    assert "status" not in create(apiserver, body)
    # validation and pruning as the CRD says
    r = apiserver.request("POST", SESS, session("s3", holdTime=1))
    assert r.code == 422 and "greater than or equal to 3" in r.json["message"]
    body = session("s4")
    body["spec"]["bogus"] = 1
    r = apiserver.request("POST", SESS + "?fieldValidation=Strict", body)
    assert r.code == 400 and 'unknown field "spec.bogus"' in r.json["message"]
    r = apiserver.request("POST", SESS, body)
    assert r.code == 201 and "bogus" not in r.json["spec"]
    assert "unknown field" in r.headers.get("Warning", "")


def test_managed_fields(apiserver):
    o = create(apiserver, session("mf"))
    (e,) = o["metadata"]["managedFields"]
    assert e["manager"] == "Python-urllib" and e["operation"] == "Update"
    assert e["fieldsType"] == "FieldsV1" and "f:localEndpoint" in e["fieldsV1"]["f:spec"]
    r = apiserver.request("PATCH", SESS + "/mf/status?fieldManager=bgpd",
                          {"status": {"conditions": [
                              {"type": "Configured", "status": "True", "reason": "Ok",
                               "message": "", "lastTransitionTime": "2024-01-01T00:00:00Z"}]}},
                          ctype="application/merge-patch+json")
    mf = {(x["manager"], x.get("subresource")): x for x in r.json["metadata"]["managedFields"]}
    assert set(mf) == {("Python-urllib", None), ("bgpd", "status")}
    assert "f:status" in mf[("bgpd", "status")]["fieldsV1"]


def test_resource_version_conflicts(apiserver):
    o = create(apiserver, session("rv"))
    rv1 = o["metadata"]["resourceVersion"]
    o["spec"]["holdTime"] = 30
    r = apiserver.request("PUT", SESS + "/rv", o)
    assert r.code == 200
    rv2 = r.json["metadata"]["resourceVersion"]
    assert int(rv2) > int(rv1)
    o["spec"]["holdTime"] = 60  # still carries rv1
    r = apiserver.request("PUT", SESS + "/rv", o)
    assert r.code == 409 and r.json["reason"] == "Conflict"
    assert "the object has been modified" in r.json["message"]
    r = apiserver.request("PATCH", SESS + "/rv",
                          {"metadata": {"resourceVersion": rv1}, "spec": {"holdTime": 60}},
                          ctype="application/merge-patch+json")
    assert r.code == 409
    r = apiserver.request("PATCH", SESS + "/rv",
                          {"metadata": {"resourceVersion": rv2}, "spec": {"holdTime": 60}},
                          ctype="application/merge-patch+json")
    assert r.code == 200 and r.json["spec"]["holdTime"] == 60
    # an update without resourceVersion is refused for custom resources
    del o["metadata"]["resourceVersion"]
    r = apiserver.request("PUT", SESS + "/rv", o)
    assert r.code == 422


def test_generation_bumps_on_spec_changes_only(apiserver):
    o = create(apiserver, session("gen"))
    assert o["metadata"]["generation"] == 1
    p = lambda path, body: apiserver.request("PATCH", path, body,
                                             ctype="application/merge-patch+json")
    r = p(SESS + "/gen", {"metadata": {"labels": {"a": "b"}, "annotations": {"x": "y"}}})
    assert r.json["metadata"]["generation"] == 1
    r = p(SESS + "/gen/status", {"status": {"conditions": [
        {"type": "Configured", "status": "True", "reason": "Ok", "message": "",
         "lastTransitionTime": "2024-01-01T00:00:00Z"}]}})
    assert r.code == 200, r.body
    assert r.json["metadata"]["generation"] == 1
    r = p(SESS + "/gen", {"spec": {"holdTime": 33}})
    assert r.json["metadata"]["generation"] == 2
    rv = r.json["metadata"]["resourceVersion"]
    # a no-op write changes nothing: same resourceVersion, no event
    r = p(SESS + "/gen", {"spec": {"holdTime": 33}})
    assert r.json["metadata"]["resourceVersion"] == rv
    assert r.json["metadata"]["generation"] == 2
    # the same on the status subresource: the same conditions again, or a
    # field the schema prunes (status.observedGeneration), change nothing
    st = {"conditions": [{"type": "Configured", "status": "True", "reason": "Ok",
                          "message": "", "lastTransitionTime": "2024-01-01T00:00:00Z"}]}
    for body in ({"status": st}, {"status": {"observedGeneration": 2}}):
        r = p(SESS + "/gen/status", body)
        assert r.code == 200, r.body
        assert r.json["metadata"]["resourceVersion"] == rv
        assert "observedGeneration" not in r.json["status"]


def test_status_subresource_separation(apiserver):
    create(apiserver, session("st"))
    cond = {"type": "Configured", "status": "True", "reason": "Ok", "message": "m",
            "lastTransitionTime": "2024-01-01T00:00:00Z"}
    cur = apiserver.request("GET", SESS + "/st").json
    cur["status"] = {"conditions": [cond]}
    cur["spec"]["holdTime"] = 45
    r = apiserver.request("PUT", SESS + "/st", cur)  # main resource: status ignored
    assert r.code == 200
    assert "status" not in r.json and r.json["spec"]["holdTime"] == 45
    cur = r.json
    cur["status"] = {"conditions": [cond]}
    cur["spec"]["holdTime"] = 99
    cur["metadata"]["labels"] = {"ignored": "yes"}
    r = apiserver.request("PUT", SESS + "/st/status", cur)  # status: only status changes
    assert r.code == 200
    assert r.json["status"]["conditions"][0]["type"] == "Configured"
    assert r.json["spec"]["holdTime"] == 45 and "labels" not in r.json["metadata"]
    r = apiserver.request("PATCH", SESS + "/st/status", {"spec": {"holdTime": 7}},
                          ctype="application/merge-patch+json")
    assert r.json["spec"]["holdTime"] == 45
    r = apiserver.request("PATCH", SESS + "/st", {"status": None},
                          ctype="application/merge-patch+json")
    assert r.json["status"]["conditions"][0]["reason"] == "Ok"
    # a status that breaks the schema is refused
    r = apiserver.request("PATCH", SESS + "/st/status",
                          {"status": {"conditions": [{"type": "X", "status": "Maybe"}]}},
                          ctype="application/merge-patch+json")
    assert r.code == 422


def test_patch_types(apiserver):
    create(apiserver, session("pt", labels={"a": "1"}))
    r = apiserver.request("PATCH", SESS + "/pt", {"spec": {"holdTime": 12}},
                          ctype="application/strategic-merge-patch+json")
    assert r.code == 415 and r.json["reason"] == "UnsupportedMediaType"
    r = apiserver.request("PATCH", SESS + "/pt",
                          [{"op": "replace", "path": "/spec/holdTime", "value": 12},
                           {"op": "add", "path": "/metadata/labels/b", "value": "2"}],
                          ctype="application/json-patch+json")
    assert r.code == 200 and r.json["spec"]["holdTime"] == 12
    assert r.json["metadata"]["labels"] == {"a": "1", "b": "2"}
    r = apiserver.request("PATCH", SESS + "/pt",
                          [{"op": "test", "path": "/spec/holdTime", "value": 13}],
                          ctype="application/json-patch+json")
    assert r.code == 422
    r = apiserver.request("PATCH", SESS + "/missing", {"spec": {}},
                          ctype="application/merge-patch+json")
    assert r.code == 404


def test_finalizer_flow_with_events(apiserver):
    o = create(apiserver, session("fin", finalizers=["bgp.miloapis.com/speaker-node-a"]))
    w = Stream(apiserver, SESS + "?watch=1&fieldSelector=metadata.name%3Dfin&resourceVersion="
               + o["metadata"]["resourceVersion"])
    r = apiserver.request("DELETE", SESS + "/fin", {"propagationPolicy": "Background"})
    assert r.code == 200
    ev = w.next()
    assert ev["type"] == "MODIFIED"
    md = ev["object"]["metadata"]
    assert md["deletionTimestamp"] and md["deletionGracePeriodSeconds"] == 0
    assert md["generation"] == 2  # the real server bumps it when marking for deletion
    still = apiserver.request("GET", SESS + "/fin")
    assert still.code == 200 and still.json["metadata"]["deletionTimestamp"]
    # no new finalizer on an object being deleted
    r = apiserver.request("PATCH", SESS + "/fin",
                          {"metadata": {"finalizers": ["bgp.miloapis.com/speaker-node-a", "x/y"]}},
                          ctype="application/merge-patch+json")
    assert r.code == 422
    # a second delete changes nothing
    assert apiserver.request("DELETE", SESS + "/fin").code == 200
    r = apiserver.request("PATCH", SESS + "/fin", {"metadata": {"finalizers": None}},
                          ctype="application/merge-patch+json")
    assert r.code == 200
    ev = w.next()
    assert ev["type"] == "DELETED" and ev["object"]["metadata"]["name"] == "fin"
    assert apiserver.request("GET", SESS + "/fin").code == 404
    # without finalizers: gone at once, one DELETED event
    o = create(apiserver, session("nofin"))
    w2 = Stream(apiserver, SESS + "?watch=1&resourceVersion=" + o["metadata"]["resourceVersion"])
    r = apiserver.request("DELETE", SESS + "/nofin")
    assert r.code == 200
    assert apiserver.request("GET", SESS + "/nofin").code == 404
    ev = w2.next()
    assert ev["type"] == "DELETED"
    assert int(ev["object"]["metadata"]["resourceVersion"]) > int(o["metadata"]["resourceVersion"])
    w.close()
    w2.close()


def test_no_owner_reference_garbage_collection(apiserver):
    pol = create(apiserver, {"apiVersion": "bgp.miloapis.com/v1alpha1", "kind": "BGPPeeringPolicy",
                             "metadata": {"name": "p"},
                             "spec": {"selector": {"matchLabels": {"a": "b"}}}},
                 G + "/bgppeeringpolicies")
    s = session("owned")
    s["metadata"]["ownerReferences"] = [{"apiVersion": "bgp.miloapis.com/v1alpha1",
                                         "kind": "BGPPeeringPolicy", "name": "p",
                                         "uid": pol["metadata"]["uid"], "controller": True}]
    create(apiserver, s)
    assert apiserver.request("DELETE", G + "/bgppeeringpolicies/p").code == 200
    time.sleep(0.5)
    assert apiserver.request("GET", SESS + "/owned").code == 200


# ---------------------------------------------------------------- lists

def test_list_paging_and_resource_version(apiserver):
    for i in range(7):
        create(apiserver, session("page-%d" % i))
    r = apiserver.request("GET", SESS + "?limit=3").json
    names = [o["metadata"]["name"] for o in r["items"]]
    assert names == ["page-0", "page-1", "page-2"]
    assert r["metadata"]["remainingItemCount"] == 4
    list_rv = r["metadata"]["resourceVersion"]
    # changes after the first page do not show in the later pages
    create(apiserver, session("page-9"))
    apiserver.request("DELETE", SESS + "/page-5")
    cont = r["metadata"]["continue"]
    seen = list(names)
    while cont:
        r = apiserver.request("GET", SESS + "?limit=3&continue=" + cont).json
        assert r["metadata"]["resourceVersion"] == list_rv
        seen += [o["metadata"]["name"] for o in r["items"]]
        cont = r["metadata"].get("continue")
    assert seen == ["page-%d" % i for i in range(7)]
    full = apiserver.request("GET", SESS).json
    assert [o["metadata"]["name"] for o in full["items"]] == \
        ["page-0", "page-1", "page-2", "page-3", "page-4", "page-6", "page-9"]
    assert full["kind"] == "BGPSessionList" and "continue" not in full["metadata"]
    assert int(full["metadata"]["resourceVersion"]) > int(list_rv)


def test_label_and_field_selectors(apiserver):
    create(apiserver, session("l1", "a", "b", labels={"env": "prod", "tier": "x"}))
    create(apiserver, session("l2", "a", "c", labels={"env": "dev"}))
    create(apiserver, session("l3", "b", "c"))

    def names(q):
        r = apiserver.request("GET", SESS + "?" + q)
        assert r.code == 200, r.body
        return [o["metadata"]["name"] for o in r.json["items"]]

    from urllib.parse import quote
    assert names("labelSelector=" + quote("env=prod")) == ["l1"]
    assert names("labelSelector=" + quote("env==prod")) == ["l1"]
    assert names("labelSelector=" + quote("env!=prod")) == ["l2", "l3"]
    assert names("labelSelector=" + quote("env in (prod,dev)")) == ["l1", "l2"]
    assert names("labelSelector=" + quote("env notin (prod)")) == ["l2", "l3"]
    assert names("labelSelector=" + quote("tier")) == ["l1"]
    assert names("labelSelector=" + quote("!env")) == ["l3"]
    assert names("labelSelector=" + quote("env,!tier")) == ["l2"]
    assert names("fieldSelector=" + quote("metadata.name=l2")) == ["l2"]
    assert names("fieldSelector=" + quote("metadata.name!=l2")) == ["l1", "l3"]
    assert names("fieldSelector=" + quote("spec.localEndpoint=a")) == ["l1", "l2"]
    assert names("fieldSelector=" + quote("spec.remoteEndpoint=c,spec.localEndpoint=b")) == ["l3"]
    assert names("fieldSelector=" + quote("spec.localEndpoint=a") + "&labelSelector=env%3Ddev") \
        == ["l2"]
    r = apiserver.request("GET", SESS + "?fieldSelector=" + quote("spec.holdTime=90"))
    assert r.code == 400 and r.json["reason"] == "BadRequest"
    r = apiserver.request("GET", EP + "?fieldSelector=" + quote("spec.localEndpoint=a"))
    assert r.code == 400
    r = apiserver.request("GET", SESS + "?labelSelector=" + quote("a in ("))
    assert r.code == 400


def test_field_selector_watch_follows_matching(apiserver):
    """A watch by a selectable field, as the real server's watch cache: ADDED
    when a changed object starts matching, MODIFIED while it keeps matching,
    DELETED when it stops (the content from before the change, at the
    change's resourceVersion)."""
    from urllib.parse import quote
    create(apiserver, session("f1", "x", "m"))
    create(apiserver, session("f2", "n", "m"))
    w = Stream(apiserver, SESS + "?watch=1&fieldSelector=" + quote("spec.localEndpoint=x"))
    ev = w.next()
    assert (ev["type"], ev["object"]["metadata"]["name"]) == ("ADDED", "f1")
    r = apiserver.request("PATCH", SESS + "/f1", {"spec": {"holdTime": 30}},
                          ctype="application/merge-patch+json")
    ev = w.next()
    assert ev["type"] == "MODIFIED" and ev["object"]["spec"]["holdTime"] == 30
    r = apiserver.request("PATCH", SESS + "/f1", {"spec": {"localEndpoint": "y"}},
                          ctype="application/merge-patch+json")
    ev = w.next()
    assert ev["type"] == "DELETED" and ev["object"]["metadata"]["name"] == "f1"
    assert ev["object"]["spec"]["localEndpoint"] == "x"
    assert ev["object"]["metadata"]["resourceVersion"] == r.json["metadata"]["resourceVersion"]
    apiserver.request("PATCH", SESS + "/f2", {"spec": {"localEndpoint": "x"}},
                      ctype="application/merge-patch+json")
    ev = w.next()
    assert (ev["type"], ev["object"]["metadata"]["name"]) == ("ADDED", "f2")
    # the list honours the same selector
    r = apiserver.request("GET", SESS + "?fieldSelector=" + quote("spec.localEndpoint=x"))
    assert [o["metadata"]["name"] for o in r.json["items"]] == ["f2"]
    w.close()
    # a field that is not selectable: 400 on the watch as on the list
    for q in ("?watch=1&fieldSelector=", "?fieldSelector="):
        r = apiserver.request("GET", SESS + q + quote("spec.holdTime=30"))
        assert r.code == 400 and r.json["reason"] == "BadRequest", r.body
        assert r.json["message"] == "field label not supported: spec.holdTime"


def test_switch_without_selectable_fields(apiserver):
    """As a server before 1.31: the CRD's selectableFields are not served."""
    from urllib.parse import quote
    create(apiserver, session("s1", "x", "m"))
    q = SESS + "?fieldSelector=" + quote("spec.localEndpoint=x")
    r = apiserver.request("POST", "/_standin/selectable-fields?enabled=false")
    assert r.code == 200 and r.json == {"selectableFields": False}
    try:
        r = apiserver.request("GET", q)
        assert r.code == 400, r.body
        assert r.json["message"] == "field label not supported: spec.localEndpoint"
        r = apiserver.request("GET", SESS + "?fieldSelector=" + quote("metadata.name=s1"))
        assert r.code == 200 and len(r.json["items"]) == 1
        assert apiserver.request("POST", "/_standin/selectable-fields?enabled=maybe").code == 400
    finally:
        apiserver.request("POST", "/_standin/selectable-fields?enabled=true")
    assert apiserver.request("GET", q).code == 200


def test_table_responses(apiserver):
    create(apiserver, session("t1"))
    apiserver.request("PATCH", SESS + "/t1/status", {"status": {"conditions": [
        {"type": "Configured", "status": "True", "reason": "Ok", "message": "",
         "lastTransitionTime": "2024-01-01T00:00:00Z"}]}},
        ctype="application/merge-patch+json")
    t = apiserver.request("GET", SESS, headers={"Accept": TABLE}).json
    assert t["kind"] == "Table" and t["apiVersion"] == "meta.k8s.io/v1"
    assert [c["name"] for c in t["columnDefinitions"]] == \
        ["Name", "Local", "Remote", "Configured", "Established"]
    assert t["rows"][0]["cells"] == ["t1", "node-a", "node-b", "True", None]
    assert t["rows"][0]["object"]["kind"] == "PartialObjectMetadata"


# ---------------------------------------------------------------- watch

def test_watch_initial_state_replay_and_selectors(apiserver):
    a = create(apiserver, session("w1", labels={"sel": "yes"}))
    create(apiserver, session("w2"))
    w = Stream(apiserver, SESS + "?watch=1")  # no resourceVersion: current state first
    got = sorted((w.next()["object"]["metadata"]["name"]) for _ in range(2))
    assert got == ["w1", "w2"]
    # replay everything after w1's creation
    w2 = Stream(apiserver, SESS + "?watch=true&resourceVersion=" + a["metadata"]["resourceVersion"])
    ev = w2.next()
    assert ev["type"] == "ADDED" and ev["object"]["metadata"]["name"] == "w2"
    # label-selected watch: an object that stops matching is DELETED for that watcher
    w3 = Stream(apiserver, SESS + "?watch=1&labelSelector=sel%3Dyes")
    assert w3.next()["object"]["metadata"]["name"] == "w1"
    apiserver.request("PATCH", SESS + "/w1", {"metadata": {"labels": {"sel": "no"}}},
                      ctype="application/merge-patch+json")
    ev = w3.next()
    assert ev["type"] == "DELETED" and ev["object"]["metadata"]["name"] == "w1"
    apiserver.request("PATCH", SESS + "/w2", {"metadata": {"labels": {"sel": "yes"}}},
                      ctype="application/merge-patch+json")
    ev = w3.next()
    assert ev["type"] == "ADDED" and ev["object"]["metadata"]["name"] == "w2"
    ev = w.next()
    assert ev["type"] == "MODIFIED"
    # old-style /watch/ path
    w4 = Stream(apiserver, G + "/watch/bgpsessions/w2")
    assert w4.next()["object"]["metadata"]["name"] == "w2"
    for s in (w, w2, w3, w4):
        s.close()


def test_watch_bookmarks_and_timeout(apiserver):
    o = create(apiserver, session("b1"))
    t0 = time.monotonic()
    w = Stream(apiserver, SESS + "?watch=1&allowWatchBookmarks=true&timeoutSeconds=3"
               "&resourceVersion=" + o["metadata"]["resourceVersion"])
    ev = w.next(skip_bookmarks=False)
    assert ev["type"] == "BOOKMARK"
    assert ev["object"]["kind"] == "BGPSession"
    assert ev["object"]["metadata"]["resourceVersion"] == o["metadata"]["resourceVersion"]
    o2 = create(apiserver, session("b2"))
    ev = w.next()
    assert ev["type"] == "ADDED"
    ev = w.next(skip_bookmarks=False)
    assert ev["type"] == "BOOKMARK"
    assert ev["object"]["metadata"]["resourceVersion"] == o2["metadata"]["resourceVersion"]
    assert w.closed.wait(10), "timeoutSeconds did not end the stream"
    assert time.monotonic() - t0 >= 2.5


def test_compaction_gives_410(apiserver):
    o = create(apiserver, session("c1"))
    old_rv = o["metadata"]["resourceVersion"]
    for i in range(4):
        create(apiserver, session("c%d" % (i + 2)))
    page = apiserver.request("GET", SESS + "?limit=2").json
    cont = page["metadata"]["continue"]
    r = apiserver.request("POST", "/_standin/compact")
    assert r.code == 200
    # watch from a compacted resourceVersion: 200, then an ERROR event with 410 Expired
    w = Stream(apiserver, SESS + "?watch=1&resourceVersion=" + old_rv)
    ev = w.next()
    assert ev["type"] == "ERROR"
    assert ev["object"]["code"] == 410 and ev["object"]["reason"] == "Expired"
    assert w.closed.wait(5)
    # a continue from before the compaction: 410 Expired
    r = apiserver.request("GET", SESS + "?limit=2&continue=" + cont)
    assert r.code == 410 and r.json["reason"] == "Expired"
    # from the current resourceVersion, watching works again
    cur = apiserver.request("GET", SESS).json["metadata"]["resourceVersion"]
    w2 = Stream(apiserver, SESS + "?watch=1&resourceVersion=" + cur)
    create(apiserver, session("c9"))
    assert w2.next()["object"]["metadata"]["name"] == "c9"
    w2.close()


def test_cut_watches(apiserver):
    w = Stream(apiserver, SESS + "?watch=1")
    w2 = Stream(apiserver, LEASES + "?watch=1")
    wait_for(lambda: apiserver.request("GET", "/_standin/stats").json["openWatches"] == 2,
             what="two open watches")
    r = apiserver.request("POST", "/_standin/cut-watches")
    assert r.json["cut"] == 2
    assert w.closed.wait(5) and w2.closed.wait(5)
    wait_for(lambda: apiserver.request("GET", "/_standin/stats").json["openWatches"] == 0,
             what="no open watch")


def test_stats(apiserver):
    apiserver.request("POST", "/_standin/stats/reset")
    create(apiserver, session("st1"))
    apiserver.request("GET", SESS)
    apiserver.request("GET", SESS + "/st1")
    s = apiserver.request("GET", "/_standin/stats").json
    assert s["requests"]["create bgpsessions"] == 1
    assert s["requests"]["list bgpsessions"] == 1
    assert s["requests"]["get bgpsessions"] == 1
    assert s["bytesIn"] > 0 and s["bytesOut"] > 0
    assert s["bytes"]["create bgpsessions"]["in"] > 0
    assert s["bytes"]["list bgpsessions"]["out"] > 0
    w = Stream(apiserver, SESS + "?watch=1")
    w.next()
    s = apiserver.request("GET", "/_standin/stats").json
    assert s["requests"]["watch bgpsessions"] == 1
    assert s["bytes"]["watch bgpsessions"]["events"] == 1
    w.close()
    apiserver.request("GET", SESS + "?fieldSelector=spec.localEndpoint%3Dx")
    s = apiserver.request("GET", "/_standin/stats").json
    assert s["selectors"]["list bgpsessions"] == {"": 1, "fieldSelector=spec.localEndpoint=x": 1}
    assert s["selectors"]["watch bgpsessions"] == {"": 1}


# ---------------------------------------------------------------- leases, namespaces

def lease(name, holder, rv=None):
    md = {"name": name, "namespace": "bgp-system"}
    if rv:
        md["resourceVersion"] = rv
    return {"apiVersion": "coordination.k8s.io/v1", "kind": "Lease", "metadata": md,
            "spec": {"holderIdentity": holder, "leaseDurationSeconds": 15,
                     "acquireTime": "2024-01-01T00:00:00.000000Z",
                     "renewTime": "2024-01-01T00:00:00.000000Z", "leaseTransitions": 0}}


def test_lease_create_update_with_preconditions(apiserver):
    r = apiserver.request("POST", LEASES, lease("bgpd-leader", "node-a"))
    assert r.code == 201
    rv = r.json["metadata"]["resourceVersion"]
    assert r.json["metadata"]["namespace"] == "bgp-system"
    r = apiserver.request("POST", LEASES, lease("bgpd-leader", "node-b"))
    assert r.code == 409 and r.json["reason"] == "AlreadyExists"
    r = apiserver.request("PUT", LEASES + "/bgpd-leader", lease("bgpd-leader", "node-b", rv))
    assert r.code == 200 and r.json["spec"]["holderIdentity"] == "node-b"
    # the loser of the race still carries the old resourceVersion
    r = apiserver.request("PUT", LEASES + "/bgpd-leader", lease("bgpd-leader", "node-c", rv))
    assert r.code == 409 and r.json["reason"] == "Conflict"
    assert apiserver.request("GET", LEASES + "/bgpd-leader").json["spec"]["holderIdentity"] \
        == "node-b"
    r = apiserver.request("PATCH", LEASES + "/bgpd-leader", {"spec": {"leaseTransitions": 1}},
                          ctype="application/strategic-merge-patch+json")
    assert r.code == 200 and r.json["spec"]["leaseTransitions"] == 1
    r = apiserver.request("POST", "/apis/coordination.k8s.io/v1/namespaces/nope/leases",
                          lease("x", "y") | {"metadata": {"name": "x"}})
    assert r.code == 404
    all_ns = apiserver.request("GET", "/apis/coordination.k8s.io/v1/leases").json
    assert [o["metadata"]["name"] for o in all_ns["items"]] == ["bgpd-leader"]
    assert apiserver.request("DELETE", LEASES + "/bgpd-leader").code == 200
    assert apiserver.request("GET", LEASES + "/bgpd-leader").code == 404


def test_namespaces_and_events(apiserver):
    ns = apiserver.request("GET", "/api/v1/namespaces").json
    names = [o["metadata"]["name"] for o in ns["items"]]
    assert "bgp-system" in names and "default" in names
    ev = {"apiVersion": "events.k8s.io/v1", "kind": "Event",
          "metadata": {"name": "e1", "namespace": "default"},
          "eventTime": "2024-01-01T00:00:00.000000Z", "reason": "SessionUp", "type": "Normal",
          "action": "Established", "reportingController": "bgp.miloapis.com/bgpd",
          "reportingInstance": "node-a", "note": "up",
          "regarding": {"kind": "BGPSession", "name": "x", "apiVersion": "bgp.miloapis.com/v1alpha1"}}
    r = apiserver.request("POST", "/apis/events.k8s.io/v1/namespaces/default/events", ev)
    assert r.code == 201
    # the same object through core v1, as the real server converts it
    core = apiserver.request("GET", "/api/v1/namespaces/default/events/e1").json
    assert core["apiVersion"] == "v1" and core["message"] == "up"
    assert core["involvedObject"]["name"] == "x"
    assert core["reportingComponent"] == "bgp.miloapis.com/bgpd"
    r = apiserver.request("GET", "/api/v1/events?fieldSelector=involvedObject.name%3Dx")
    assert [o["metadata"]["name"] for o in r.json["items"]] == ["e1"]
    r = apiserver.request("GET", "/api/v1/events?fieldSelector=involvedObject.name%3Dy")
    assert r.json["items"] == []
    r = apiserver.request("PATCH", "/api/v1/namespaces/default/events/e1", {"message": "again"},
                          ctype="application/merge-patch+json")
    assert r.code == 200 and r.json["message"] == "again"
    ev2 = apiserver.request("GET", "/apis/events.k8s.io/v1/namespaces/default/events/e1").json
    assert ev2["note"] == "again" and ev2["apiVersion"] == "events.k8s.io/v1"


# ---------------------------------------------------------------- restart

def test_state_survives_restart(tmp_path):
    from conftest import ApiServer
    state = str(tmp_path / "state.json")
    srv = ApiServer(str(tmp_path), extra=["--state", state])
    try:
        o = create(srv, session("persist"))
        rv = int(o["metadata"]["resourceVersion"])
        srv.stop()
        srv.start()
        got = srv.request("GET", SESS + "/persist")
        assert got.code == 200 and got.json["metadata"]["uid"] == o["metadata"]["uid"]
        o2 = create(srv, session("after"))
        assert int(o2["metadata"]["resourceVersion"]) > rv
        # history survives too: a watch from before the restart replays
        w = Stream(srv, SESS + "?watch=1&resourceVersion=%d" % rv)
        assert w.next()["object"]["metadata"]["name"] == "after"
        w.close()
    finally:
        srv.stop()
        srv.log.close()


# ---------------------------------------------------------------- the real kubectl

def test_kubectl_apply_get_all_kinds(apiserver, kubectl_ok):
    r = apiserver.kubectl("apply", "-f", os.path.join(DATA, "all-kinds.yaml"))
    out = r.stdout.decode()
    for kind in ("bgpconfiguration", "bgpendpoint", "bgpsession", "bgppeeringpolicy",
                 "bgpadvertisement", "bgproutepolicy"):
        assert "%s.bgp.miloapis.com/" % kind in out and "created" in out
    r = apiserver.kubectl("apply", "-f", os.path.join(DATA, "all-kinds.yaml"))
    assert r.stdout.decode().count("unchanged") == 7
    out = apiserver.kubectl("get", "bgpsess").stdout.decode().splitlines()
    assert out[0].split() == ["NAME", "LOCAL", "REMOTE", "CONFIGURED", "ESTABLISHED"]
    assert out[1].split() == ["node-a-node-b", "node-a", "node-b"]
    for short in ("bgpconfig", "bgpep", "bgppp", "bgpadvert", "bgprp"):
        assert len(apiserver.kubectl("get", short, "-o", "name").stdout.split()) >= 1
    y = json.loads(apiserver.kubectl("get", "bgpsess", "node-a-node-b", "-o", "json").stdout)
    assert y["spec"]["holdTime"] == 90
    r = apiserver.kubectl("apply", "-f", os.path.join(DATA, "session-bad.yaml"), check=False)
    assert r.returncode != 0
    assert "spec.remoteEndpoint: Required value" in r.stderr.decode()
    # a changed manifest is a (merge) patch
    with open(os.path.join(DATA, "session-x.yaml")) as f:
        text = f.read()
    apiserver.kubectl("apply", "-f", "-", stdin=text)
    r = apiserver.kubectl("apply", "-f", "-", stdin=text.replace("holdTime: 9", "holdTime: 12"))
    assert "configured" in r.stdout.decode()
    y = json.loads(apiserver.kubectl("get", "bgpsess", "x", "-o", "json").stdout)
    assert y["spec"]["holdTime"] == 12 and y["metadata"]["generation"] == 2
    out = apiserver.kubectl("get", "bgpsess", "-l", "test=standin", "-o", "name").stdout.decode()
    assert out.split() == ["bgpsession.bgp.miloapis.com/x"]


def test_kubectl_get_watch(apiserver, kubectl_ok):
    apiserver.kubectl("apply", "-f", os.path.join(DATA, "session-x.yaml"))
    p = apiserver.kubectl_popen("get", "bgpsess", "-w")
    lines = queue.Queue()
    threading.Thread(target=lambda: [lines.put(l.decode()) for l in p.stdout], daemon=True).start()
    try:
        hdr = lines.get(timeout=20)
        assert hdr.split()[:3] == ["NAME", "LOCAL", "REMOTE"]
        first = lines.get(timeout=20)
        assert first.split() == ["x", "node-a", "node-c"]
        apiserver.kubectl("patch", "bgpsess", "x", "--subresource=status", "--type=merge", "-p",
                          json.dumps({"status": {"conditions": [
                              {"type": "SessionEstablished", "status": "True",
                               "reason": "Established", "message": "up",
                               "lastTransitionTime": "2024-01-01T00:00:00Z"}]}}))
        nxt = lines.get(timeout=20)
        assert nxt.split() == ["x", "node-a", "node-c", "True"]
    finally:
        p.kill()
        p.wait()


def test_kubectl_patch_status_and_wait(apiserver, kubectl_ok):
    apiserver.kubectl("apply", "-f", os.path.join(DATA, "session-x.yaml"))
    r = apiserver.kubectl("wait", "--for=condition=Configured", "bgpsess/x", "--timeout=1s",
                          check=False)
    assert r.returncode != 0
    w = apiserver.kubectl_popen("wait", "--for=condition=Configured", "bgpsess/x",
                                "--timeout=30s")
    time.sleep(0.5)
    apiserver.kubectl("patch", "bgpsess", "x", "--subresource=status", "--type=merge", "-p",
                      json.dumps({"status": {"conditions": [
                          {"type": "Configured", "status": "True", "reason": "PeerConfigured",
                           "message": "ok", "lastTransitionTime": "2024-01-01T00:00:00Z"}]}}))
    out, err = w.communicate(timeout=30)
    assert w.returncode == 0, err
    assert b"condition met" in out
    # the main resource ignores status
    apiserver.kubectl("patch", "bgpsess", "x", "--type=merge", "-p",
                      '{"status":{"conditions":null}}')
    y = json.loads(apiserver.kubectl("get", "bgpsess", "x", "-o", "json").stdout)
    assert y["status"]["conditions"][0]["type"] == "Configured"
    assert y["metadata"]["generation"] == 1
    out = apiserver.kubectl("get", "bgpsess", "x").stdout.decode().splitlines()
    assert out[1].split() == ["x", "node-a", "node-c", "True"]


def test_kubectl_delete(apiserver, kubectl_ok):
    apiserver.kubectl("apply", "-f", os.path.join(DATA, "session-x.yaml"))
    r = apiserver.kubectl("delete", "bgpsess", "x")
    assert 'bgpsession.bgp.miloapis.com "x" deleted' in r.stdout.decode()
    assert apiserver.request("GET", SESS + "/x").code == 404
    # with a finalizer: delete waits until the finalizer is removed
    apiserver.kubectl("apply", "-f", os.path.join(DATA, "session-fin.yaml"))
    p = apiserver.kubectl_popen("delete", "bgpsess", "with-finalizer", "--timeout=30s")
    wait_for(lambda: apiserver.request("GET", SESS + "/with-finalizer").json["metadata"]
             .get("deletionTimestamp"), what="deletionTimestamp")
    time.sleep(0.5)
    assert p.poll() is None, "kubectl delete returned while a finalizer was pending"
    apiserver.kubectl("patch", "bgpsess", "with-finalizer", "--type=json", "-p",
                      '[{"op":"remove","path":"/metadata/finalizers"}]')
    out, err = p.communicate(timeout=30)
    assert p.returncode == 0, err
    assert apiserver.request("GET", SESS + "/with-finalizer").code == 404


def test_kubectl_apply_crds_kustomize(bare_apiserver, kubectl_ok):
    from conftest import CRDS
    srv = bare_apiserver
    assert srv.request("GET", SESS).code == 404
    r = srv.kubectl("apply", "-k", CRDS)
    assert r.stdout.decode().count("created") == 6
    crds = json.loads(srv.kubectl("get", "crd", "-o", "json").stdout)
    assert len(crds["items"]) == 6
    for c in crds["items"]:
        conds = {x["type"]: x["status"] for x in c["status"]["conditions"]}
        assert conds["Established"] == "True"
    srv.kubectl("wait", "--for=condition=Established", "crd/bgpsessions.bgp.miloapis.com")
    srv.kubectl("apply", "-f", os.path.join(DATA, "all-kinds.yaml"))
    out = srv.kubectl("get", "bgpsess", "-o", "name").stdout.decode()
    assert "bgpsession.bgp.miloapis.com/node-a-node-b" in out
    r = srv.kubectl("apply", "-k", CRDS)
    assert r.stdout.decode().count("unchanged") == 6
    # deleting a CRD deletes its objects
    srv.kubectl("delete", "crd", "bgpsessions.bgp.miloapis.com")
    assert srv.request("GET", SESS).code == 404


def test_kubectl_describe_shows_events(apiserver, kubectl_ok):
    apiserver.kubectl("apply", "-f", os.path.join(DATA, "session-x.yaml"))
    uid = apiserver.request("GET", SESS + "/x").json["metadata"]["uid"]
    ev = {"apiVersion": "events.k8s.io/v1", "kind": "Event",
          "metadata": {"name": "x.1", "namespace": "default"},
          "eventTime": time.strftime("%Y-%m-%dT%H:%M:%S.000000Z", time.gmtime()),
          "reason": "SessionEstablished", "type": "Normal", "action": "Established",
          "reportingController": "bgp.miloapis.com/bgpd", "reportingInstance": "node-a",
          "note": "session with node-c up",
          "regarding": {"kind": "BGPSession", "name": "x", "uid": uid,
                        "apiVersion": "bgp.miloapis.com/v1alpha1"}}
    assert apiserver.request("POST", "/apis/events.k8s.io/v1/namespaces/default/events",
                             ev).code == 201
    out = apiserver.kubectl("describe", "bgpsess", "x").stdout.decode()
    assert "SessionEstablished" in out and "session with node-c up" in out
    out = apiserver.kubectl("get", "events", "-n", "default").stdout.decode()
    assert "session with node-c up" in out


def test_kubectl_namespaces(apiserver, kubectl_ok):
    # kubectl's typed commands send protobuf for built-ins
    apiserver.kubectl("create", "namespace", "team-a")
    ns = json.loads(apiserver.kubectl("get", "ns", "team-a", "-o", "json").stdout)
    assert ns["status"]["phase"] == "Active" and "generateName" not in ns["metadata"]
    apiserver.kubectl("apply", "-f", "-", stdin=json.dumps(
        dict(lease("l", "node-a"), metadata={"name": "l", "namespace": "team-a"})))
    # no namespace controller: a deleted namespace stays Terminating
    apiserver.kubectl("delete", "ns", "team-a", "--wait=false")
    out = apiserver.kubectl("get", "ns", "team-a").stdout.decode()
    assert "Terminating" in out


def test_kubectl_leases(apiserver, kubectl_ok):
    y = json.dumps(lease("bgpd-leader", "node-a"))
    apiserver.kubectl("apply", "-f", "-", stdin=y)
    out = apiserver.kubectl("get", "leases", "-n", "bgp-system").stdout.decode().splitlines()
    assert out[0].split()[:2] == ["NAME", "HOLDER"]
    assert out[1].split()[:2] == ["bgpd-leader", "node-a"]
    apiserver.kubectl("apply", "-f", "-", stdin=y.replace('"node-a"', '"node-b"'))
    assert apiserver.request("GET", LEASES + "/bgpd-leader").json["spec"]["holderIdentity"] \
        == "node-b"


# ---------------------------------------------------------------- built-in kinds of manifests/

DS = "/apis/apps/v1/namespaces/bgp-system/daemonsets"
RBAC = "/apis/rbac.authorization.k8s.io/v1"
SMP = "application/strategic-merge-patch+json"


def daemonset(name="agent", image="agent:1", labels=None, **pod):
    labels = labels or {"app": name}
    spec = {"containers": [{"name": "agent", "image": image,
                            "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}],
                            "ports": [{"name": "metrics", "containerPort": 8082}]}]}
    spec.update(pod)
    return {"apiVersion": "apps/v1", "kind": "DaemonSet",
            "metadata": {"name": name, "namespace": "bgp-system"},
            "spec": {"selector": {"matchLabels": {"app": name}},
                     "template": {"metadata": {"labels": labels}, "spec": spec}}}


def test_builtin_discovery_and_openapi(apiserver):
    names = [g["name"] for g in apiserver.request("GET", "/apis").json["groups"]]
    assert "apps" in names and "rbac.authorization.k8s.io" in names
    assert apiserver.request("GET", "/apis/apps").json["preferredVersion"]["groupVersion"] \
        == "apps/v1"
    core = {r["name"]: r for r in apiserver.request("GET", "/api/v1").json["resources"]}
    assert core["serviceaccounts"]["namespaced"] is True
    assert core["serviceaccounts"]["shortNames"] == ["sa"]
    apps = {r["name"]: r for r in apiserver.request("GET", "/apis/apps/v1").json["resources"]}
    assert apps["daemonsets"]["kind"] == "DaemonSet" and apps["daemonsets"]["namespaced"]
    assert apps["daemonsets"]["shortNames"] == ["ds"]
    assert apps["daemonsets/status"]["verbs"] == ["get", "patch", "update"]
    rbac = {r["name"]: r for r in apiserver.request("GET", RBAC).json["resources"]}
    assert {k: v["namespaced"] for k, v in rbac.items()} == {
        "clusterroles": False, "clusterrolebindings": False, "roles": True,
        "rolebindings": True}
    root = apiserver.request("GET", "/openapi/v3").json["paths"]
    doc = apiserver.request("GET", root["apis/apps/v1"]["serverRelativeURL"]).json
    op = doc["paths"][DS.replace("bgp-system", "{namespace}") + "/{name}"]["patch"]
    assert op["x-kubernetes-group-version-kind"] == {"group": "apps", "version": "v1",
                                                     "kind": "DaemonSet"}
    assert "fieldValidation" in [p["name"] for p in op["parameters"]]
    # so kubectl apply computes the patch from the schema's patch strategies
    assert SMP in op["requestBody"]["content"]
    ds = doc["components"]["schemas"]["io.k8s.api.apps.v1.DaemonSet"]
    containers = ds["properties"]["spec"]["properties"]["template"]["properties"]["spec"][
        "properties"]["containers"]
    assert containers["x-kubernetes-patch-merge-key"] == "name"


def test_builtin_crud_and_scope(apiserver):
    r = apiserver.request("POST", DS, daemonset())
    assert r.code == 201, r.body
    o = r.json
    md = o["metadata"]
    assert md["generation"] == 1 and md["uid"] and md["creationTimestamp"]
    assert o["status"] == {"currentNumberScheduled": 0, "numberMisscheduled": 0,
                           "desiredNumberScheduled": 0, "numberReady": 0}
    # defaults of the Go types
    pod = o["spec"]["template"]["spec"]
    assert o["spec"]["updateStrategy"] == {"type": "RollingUpdate", "rollingUpdate": {
        "maxUnavailable": 1, "maxSurge": 0}}
    assert pod["restartPolicy"] == "Always" and pod["dnsPolicy"] == "ClusterFirst"
    assert pod["containers"][0]["imagePullPolicy"] == "IfNotPresent"
    assert pod["containers"][0]["ports"][0]["protocol"] == "TCP"
    assert apiserver.request("POST", DS, daemonset()).code == 409
    assert apiserver.request("GET", DS + "/agent").json["metadata"]["uid"] == md["uid"]
    s = Stream(apiserver, DS + "?watch=1&resourceVersion=" + md["resourceVersion"])
    try:
        o["spec"]["template"]["spec"]["containers"][0]["image"] = "agent:2"
        r = apiserver.request("PUT", DS + "/agent", o)
        assert r.code == 200 and r.json["metadata"]["generation"] == 2
        ev = s.next()
        assert ev["type"] == "MODIFIED"
        assert ev["object"]["spec"]["template"]["spec"]["containers"][0]["image"] == "agent:2"
    finally:
        s.close()
    # a stale resourceVersion conflicts; status through the main resource is kept
    o["status"] = {"numberReady": 3}
    assert apiserver.request("PUT", DS + "/agent", o).code == 409
    r = apiserver.request("PATCH", DS + "/agent/status", {"status": {"numberReady": 3}},
                          ctype="application/merge-patch+json")
    assert r.code == 200 and r.json["status"]["numberReady"] == 3
    assert r.json["metadata"]["generation"] == 2
    # the list across namespaces, and scope: a namespaced kind has no
    # cluster-level item path, a cluster-scoped one no namespaced path
    items = apiserver.request("GET", "/apis/apps/v1/daemonsets").json["items"]
    assert [i["metadata"]["name"] for i in items] == ["agent"]
    assert apiserver.request("GET", "/apis/apps/v1/daemonsets/agent").code == 404
    role = {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
            "metadata": {"name": "system:reader"},
            "rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get"]}]}
    r = apiserver.request("POST", RBAC + "/clusterroles", role)
    assert r.code == 201 and "namespace" not in r.json["metadata"]
    assert "generation" not in r.json["metadata"]
    assert apiserver.request("GET", RBAC + "/clusterroles/system:reader").code == 200
    r = apiserver.request("GET", RBAC + "/namespaces/default/clusterroles/system:reader")
    assert r.code == 404 and r.json["message"] == "the server could not find the requested resource"
    r = apiserver.request("GET", RBAC + "/namespaces/default/roles/system:reader")
    assert r.code == 404 and r.json["reason"] == "NotFound"
    assert r.json["details"] == {"name": "system:reader", "group": "rbac.authorization.k8s.io",
                                 "kind": "roles"}
    sa = {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "agent"}}
    r = apiserver.request("POST", "/api/v1/namespaces/bgp-system/serviceaccounts", sa)
    assert r.code == 201 and r.json["metadata"]["namespace"] == "bgp-system"
    r = apiserver.request("DELETE", DS + "/agent")
    assert r.code == 200 and r.json["kind"] == "Status" and r.json["status"] == "Success"
    assert apiserver.request("GET", DS + "/agent").code == 404


def test_builtin_validation(apiserver):
    bad = daemonset()
    del bad["spec"]["selector"]
    r = apiserver.request("POST", DS, bad)
    assert r.code == 422 and r.json["reason"] == "Invalid"
    assert "spec.selector: Required value" in r.json["message"]
    r = apiserver.request("POST", DS, daemonset(labels={"app": "other"}))
    assert r.code == 422
    assert "`selector` does not match template `labels`" in r.json["message"]
    bad = daemonset()
    del bad["spec"]["template"]["spec"]["containers"][0]["image"]
    r = apiserver.request("POST", DS, bad)
    assert r.code == 422
    assert r.json["details"]["causes"][0]["field"] == "spec.template.spec.containers[0].image"
    bad = daemonset()
    bad["spec"]["template"]["spec"]["containers"] = "agent"
    r = apiserver.request("POST", DS, bad)
    assert r.code == 400 and "cannot unmarshal string" in r.json["message"]
    # unknown fields: dropped with a warning by default, 400 when Strict
    bad = daemonset()
    bad["spec"]["template"]["spec"]["containers"][0]["imagePolicy"] = "x"
    r = apiserver.request("POST", DS + "?fieldValidation=Strict", bad)
    assert r.code == 400
    assert 'unknown field "spec.template.spec.containers[0].imagePolicy"' in r.json["message"]
    r = apiserver.request("POST", DS, bad)
    assert r.code == 201 and "imagePolicy" not in r.json["spec"]["template"]["spec"][
        "containers"][0]
    assert 'unknown field \\"spec.template.spec.containers[0].imagePolicy\\"' in \
        r.headers["Warning"]
    # the selector of a DaemonSet and the roleRef of a binding are immutable
    r = apiserver.request("PATCH", DS + "/agent", {"spec": {"selector": {
        "matchLabels": {"app": "agent", "x": "y"}}}}, ctype=SMP)
    assert r.code == 422 and "field is immutable" in r.json["message"]
    rb = {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
          "metadata": {"name": "b", "namespace": "default"},
          "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "r"},
          "subjects": [{"kind": "ServiceAccount", "name": "agent", "namespace": "bgp-system"}]}
    assert apiserver.request("POST", RBAC + "/namespaces/default/rolebindings", rb).code == 201
    r = apiserver.request("PATCH", RBAC + "/namespaces/default/rolebindings/b",
                          {"roleRef": {"name": "s"}}, ctype=SMP)
    assert r.code == 422 and "cannot change roleRef" in r.json["message"]
    crb = dict(rb, kind="ClusterRoleBinding", metadata={"name": "b"},
               roleRef=dict(rb["roleRef"], kind="Role"),
               subjects=[{"kind": "ServiceAccount", "name": "agent"}])
    r = apiserver.request("POST", RBAC + "/clusterrolebindings", crb)
    assert r.code == 422
    fields = {c["field"] for c in r.json["details"]["causes"]}
    assert fields == {"roleRef.kind", "subjects[0].namespace"}
    role = {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
            "metadata": {"name": "r", "namespace": "default"},
            "rules": [{"apiGroups": [""], "resources": ["pods"]}]}
    r = apiserver.request("POST", RBAC + "/namespaces/default/roles", role)
    assert r.code == 422 and "rules[0].verbs: Required value" in r.json["message"]


def test_builtin_strategic_merge_patch(apiserver):
    o = daemonset(volumes=[{"name": "run", "emptyDir": {}}],
                  tolerations=[{"operator": "Exists"}])
    o["metadata"]["finalizers"] = ["a/x", "a/y"]
    assert apiserver.request("POST", DS, o).code == 201
    # what kubectl apply sends for a new image: the container by its merge key
    r = apiserver.request("PATCH", DS + "/agent", {"spec": {"template": {"spec": {
        "$setElementOrder/containers": [{"name": "agent"}],
        "containers": [{"name": "agent", "image": "agent:2"}]}}}}, ctype=SMP)
    assert r.code == 200, r.body
    c = r.json["spec"]["template"]["spec"]["containers"]
    assert len(c) == 1 and c[0]["image"] == "agent:2"
    assert [e["name"] for e in c[0]["env"]] == ["A", "B"]       # untouched
    assert r.json["metadata"]["generation"] == 2
    # env by name: one changed, one deleted, one added, in the order given
    r = apiserver.request("PATCH", DS + "/agent", {"spec": {"template": {"spec": {
        "containers": [{"name": "agent",
                        "$setElementOrder/env": [{"name": "C"}, {"name": "A"}],
                        "env": [{"name": "C", "value": "3"}, {"name": "A", "value": "9"},
                                {"name": "B", "$patch": "delete"}],
                        "ports": [{"containerPort": 9000, "name": "extra"}]}]}}}}, ctype=SMP)
    assert r.code == 200, r.body
    c = r.json["spec"]["template"]["spec"]["containers"][0]
    assert c["env"] == [{"name": "C", "value": "3"}, {"name": "A", "value": "9"}]
    assert [p["containerPort"] for p in c["ports"]] == [8082, 9000]   # merged on containerPort
    pod = r.json["spec"]["template"]["spec"]
    # an atomic list is replaced; $retainKeys drops the other volume source
    r = apiserver.request("PATCH", DS + "/agent", {"spec": {"template": {"spec": {
        "tolerations": [{"key": "k", "operator": "Exists"}],
        "volumes": [{"name": "run", "$retainKeys": ["hostPath", "name"],
                     "hostPath": {"path": "/run"}}]}}}}, ctype=SMP)
    assert r.code == 200, r.body
    pod = r.json["spec"]["template"]["spec"]
    assert pod["tolerations"] == [{"key": "k", "operator": "Exists"}]
    assert pod["volumes"] == [{"name": "run", "hostPath": {"path": "/run"}}]
    # finalizers: a merged set; $deleteFromPrimitiveList takes one out
    r = apiserver.request("PATCH", DS + "/agent", {"metadata": {
        "finalizers": ["a/z"], "$deleteFromPrimitiveList/finalizers": ["a/x"]}}, ctype=SMP)
    assert r.json["metadata"]["finalizers"] == ["a/y", "a/z"]
    # $patch: replace on a list, and a JSON merge patch replaces lists whole
    r = apiserver.request("PATCH", DS + "/agent", {"spec": {"template": {"spec": {
        "containers": [{"name": "other", "image": "o:1"}, {"$patch": "replace"}]}}}}, ctype=SMP)
    assert [x["name"] for x in r.json["spec"]["template"]["spec"]["containers"]] == ["other"]
    r = apiserver.request("PATCH", DS + "/agent", {"metadata": {"finalizers": None}},
                          ctype="application/merge-patch+json")
    assert "finalizers" not in r.json["metadata"]
    # RBAC rules are atomic
    role = {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
            "metadata": {"name": "r"},
            "rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get"]},
                      {"apiGroups": [""], "resources": ["nodes"], "verbs": ["list"]}]}
    assert apiserver.request("POST", RBAC + "/clusterroles", role).code == 201
    r = apiserver.request("PATCH", RBAC + "/clusterroles/r", {"rules": [
        {"apiGroups": ["apps"], "resources": ["daemonsets"], "verbs": ["get"]}]}, ctype=SMP)
    assert r.json["rules"] == [{"apiGroups": ["apps"], "resources": ["daemonsets"],
                                "verbs": ["get"]}]
    r = apiserver.request("PATCH", DS + "/agent", {"spec": {"template": {"spec": {
        "containers": [{"image": "no-name"}]}}}}, ctype=SMP)
    assert r.code == 400 and "merge key" in r.json["message"]
    # custom resources have no strategic merge patch, as on the real server
    apiserver.request("POST", SESS, session("x"))
    assert apiserver.request("PATCH", SESS + "/x", {"spec": {}}, ctype=SMP).code == 415


def test_kubectl_apply_daemonset_changes(apiserver, kubectl_ok):
    import yaml
    o = daemonset()
    text = yaml.safe_dump(o)
    r = apiserver.kubectl("apply", "-f", "-", stdin=text)
    assert "daemonset.apps/agent created" in r.stdout.decode()
    # a new image and one env var fewer: kubectl sends a strategic merge patch
    o["spec"]["template"]["spec"]["containers"][0]["image"] = "agent:2"
    o["spec"]["template"]["spec"]["containers"][0]["env"] = [{"name": "B", "value": "2"}]
    r = apiserver.kubectl("apply", "-f", "-", stdin=yaml.safe_dump(o))
    assert "daemonset.apps/agent configured" in r.stdout.decode()
    got = json.loads(apiserver.kubectl("get", "ds", "-n", "bgp-system", "agent",
                                       "-o", "json").stdout)
    c = got["spec"]["template"]["spec"]["containers"][0]
    assert c["image"] == "agent:2" and c["env"] == [{"name": "B", "value": "2"}]
    assert got["metadata"]["generation"] == 2
    stats = apiserver.request("GET", "/_standin/stats").json["requests"]
    assert stats.get("patch daemonsets") == 1
    r = apiserver.kubectl("apply", "-f", "-", stdin=yaml.safe_dump(o))
    assert "daemonset.apps/agent unchanged" in r.stdout.decode()
    out = apiserver.kubectl("get", "ds", "-n", "bgp-system").stdout.decode().splitlines()
    assert out[0].split()[:6] == ["NAME", "DESIRED", "CURRENT", "READY", "UP-TO-DATE",
                                  "AVAILABLE"]
    assert out[1].split()[:6] == ["agent", "0", "0", "0", "0", "0"]
    # an unknown field: kubectl asks for Strict validation
    o["spec"]["template"]["spec"]["containers"][0]["imagePolicy"] = "x"
    r = apiserver.kubectl("apply", "-f", "-", stdin=yaml.safe_dump(o), check=False)
    assert r.returncode != 0
    assert 'strict decoding error: unknown field "spec.template.spec.containers[0].' \
        'imagePolicy"' in r.stderr.decode()
    r = apiserver.kubectl("delete", "ds", "-n", "bgp-system", "agent")
    assert 'daemonset.apps "agent" deleted' in r.stdout.decode()


def test_kubectl_create_rbac_and_serviceaccount(apiserver, kubectl_ok):
    # kubectl's typed commands send these as protobuf
    k = apiserver.kubectl
    k("create", "serviceaccount", "agent", "-n", "bgp-system")
    k("create", "role", "r", "-n", "bgp-system", "--verb=get,update",
      "--resource=leases.coordination.k8s.io", "--resource-name=bgp-peering-policy")
    k("create", "rolebinding", "rb", "-n", "bgp-system", "--role=r",
      "--serviceaccount=bgp-system:agent", "--user=bob")
    k("create", "clusterrole", "cr", "--verb=get", "--non-resource-url=/healthz")
    k("create", "clusterrolebinding", "crb", "--clusterrole=cr", "--group=ops")
    stats = apiserver.request("GET", "/_standin/stats").json["requests"]
    for res in ("serviceaccounts", "roles", "rolebindings", "clusterroles",
                "clusterrolebindings"):
        assert stats["create " + res] == 1
    role = apiserver.request("GET", RBAC + "/namespaces/bgp-system/roles/r").json
    assert role["rules"] == [{"verbs": ["get", "update"], "apiGroups": ["coordination.k8s.io"],
                              "resources": ["leases"],
                              "resourceNames": ["bgp-peering-policy"]}]
    rb = apiserver.request("GET", RBAC + "/namespaces/bgp-system/rolebindings/rb").json
    assert rb["roleRef"] == {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role",
                             "name": "r"}
    assert sorted(rb["subjects"], key=lambda s: s["kind"]) == [
        {"kind": "ServiceAccount", "name": "agent", "namespace": "bgp-system"},
        {"kind": "User", "apiGroup": "rbac.authorization.k8s.io", "name": "bob"}]
    cr = apiserver.request("GET", RBAC + "/clusterroles/cr").json
    assert cr["rules"] == [{"verbs": ["get"], "nonResourceURLs": ["/healthz"]}]
    out = k("get", "rolebinding", "-n", "bgp-system", "-o", "wide").stdout.decode()
    head, row = out.splitlines()
    assert head.split() == ["NAME", "ROLE", "AGE", "USERS", "GROUPS", "SERVICEACCOUNTS"]
    assert row.split()[:2] == ["rb", "Role/r"] and row.split()[3:] == ["bob", "bgp-system/agent"]
    out = k("get", "clusterrolebinding", "crb").stdout.decode().splitlines()
    assert out[1].split()[:2] == ["crb", "ClusterRole/cr"]
    out = k("get", "sa", "-n", "bgp-system", "agent").stdout.decode().splitlines()
    assert out[0].split() == ["NAME", "SECRETS", "AGE"] and out[1].split()[:2] == ["agent", "0"]


PODS = "/api/v1/namespaces/default/pods"


def pod(name, node=None, limits=None):
    c = {"name": "c", "image": "busybox:1"}
    if limits:
        c["resources"] = {"limits": limits}
    spec = {"containers": [c]}
    if node:
        spec["nodeName"] = node
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name}, "spec": spec}


def test_pods_without_scheduler_or_kubelet(apiserver, kubectl_ok):
    r = apiserver.request("POST", PODS, pod("p", limits={"cpu": "1", "memory": "64Mi"}))
    assert r.code == 201, r.body
    assert r.json["status"] == {"phase": "Pending", "qosClass": "Guaranteed"}
    assert r.json["spec"]["restartPolicy"] == "Always"
    assert r.json["spec"]["enableServiceLinks"] is True
    assert apiserver.request("POST", PODS, pod("q"), ).json["status"]["qosClass"] == "BestEffort"
    # only images (and a few scheduling fields) of a pod may change
    r = apiserver.request("PATCH", PODS + "/p", {"spec": {"containers": [
        {"name": "c", "image": "busybox:2"}]}}, ctype=SMP)
    assert r.code == 200 and r.json["spec"]["containers"][0]["image"] == "busybox:2"
    r = apiserver.request("PATCH", PODS + "/p", {"spec": {"containers": [
        {"name": "c", "args": ["x"]}]}}, ctype=SMP)
    assert r.code == 422 and "spec: Forbidden: pod updates may not change fields" in \
        r.json["message"]
    # not scheduled: deleted at once, and the answer is the pod
    r = apiserver.request("DELETE", PODS + "/p")
    assert r.code == 200 and r.json["kind"] == "Pod"
    assert apiserver.request("GET", PODS + "/p").code == 404
    # on a node: graceful deletion waits for a kubelet that never comes
    assert apiserver.request("POST", PODS, pod("n", node="node-a")).code == 201
    r = apiserver.request("GET", PODS + "?fieldSelector=spec.nodeName%3Dnode-a")
    assert [o["metadata"]["name"] for o in r.json["items"]] == ["n"]
    r = apiserver.request("DELETE", PODS + "/n")
    assert r.code == 200 and r.json["metadata"]["deletionGracePeriodSeconds"] == 30
    assert r.json["metadata"]["deletionTimestamp"]
    r = apiserver.request("PATCH", PODS + "/n/status", {"status": {"phase": "Running"}},
                          ctype="application/merge-patch+json")
    assert r.code == 200 and r.json["status"]["phase"] == "Running"
    out = apiserver.kubectl("get", "pods", "n").stdout.decode().splitlines()
    assert out[0].split() == ["NAME", "READY", "STATUS", "RESTARTS", "AGE"]
    assert out[1].split()[:4] == ["n", "0/1", "Terminating", "0"]
    r = apiserver.request("DELETE", PODS + "/n?gracePeriodSeconds=0")
    assert r.code == 200
    assert apiserver.request("GET", PODS + "/n").code == 404
    # kubectl describe of a DaemonSet lists its pods
    ds = daemonset()
    assert apiserver.request("POST", DS, ds).code == 201
    out = apiserver.kubectl("describe", "ds", "-n", "bgp-system", "agent").stdout.decode()
    assert "Pods Status:  0 Running / 0 Waiting / 0 Succeeded / 0 Failed" in out
