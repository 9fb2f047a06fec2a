"""The API semantics: resource registry, CRUD with the real server's rules,
lists with selectors and paging, tables, discovery and OpenAPI documents."""

import base64
import copy
import datetime
import hashlib
import json
import re
import threading
import uuid
import secrets

from . import builtin, jsonpath, schema as sch, selectors
from .store import RType, Store, obj_key


class ApiError(Exception):
    def __init__(self, code, reason, message, details=None, extra=None):
        super().__init__(message)
        self.code = code
        self.reason = reason
        self.message = message
        self.details = details
        self.extra = extra or {}

    def status(self):
        s = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
             "message": self.message, "reason": self.reason, "code": self.code}
        if self.details is not None:
            s["details"] = self.details
        s["metadata"].update(self.extra)
        return s


def now_ts():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _details(rt, name):
    d = {"name": name, "kind": rt.plural}
    if rt.group:
        d["group"] = rt.group
    return d


def not_found(rt, name):
    return ApiError(404, "NotFound", '%s "%s" not found' % (rt.qualified, name),
                    _details(rt, name))


def conflict(rt, name):
    return ApiError(409, "Conflict",
                    'Operation cannot be fulfilled on %s "%s": the object has been modified; '
                    "please apply your changes to the latest version and try again"
                    % (rt.qualified, name), _details(rt, name))


def invalid(rt, name, errs):
    msgs = ["%s: %s" % (f, m) for f, m in errs]
    text = msgs[0] if len(msgs) == 1 else "[" + ", ".join(msgs) + "]"
    d = {"name": name, "group": rt.group, "kind": rt.kind,
         "causes": [{"reason": "FieldValueInvalid", "message": m, "field": f} for f, m in errs]}
    return ApiError(422, "Invalid", '%s "%s" is invalid: %s' % (rt.kind_qualified, name, text), d)


def bad_request(msg):
    return ApiError(400, "BadRequest", msg)


_DNS1123_SUB = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
_DNS1123_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")


def _check_name(rt, name):
    if rt.group == "rbac.authorization.k8s.io":
        # path segment names: "system:..." is valid
        for bad in ("/", "%"):
            if bad in name:
                return [("metadata.name", 'Invalid value: "%s": may not contain \'%s\''
                         % (name, bad))]
        if name in (".", ".."):
            return [("metadata.name", 'Invalid value: "%s": may not be \'%s\'' % (name, name))]
        return []
    if rt.key == ("", "namespaces"):
        if len(name) > 63 or not _DNS1123_LABEL.fullmatch(name):
            return [("metadata.name", 'Invalid value: "%s": a lowercase RFC 1123 label must '
                     "consist of lower case alphanumeric characters or '-', and must start and "
                     "end with an alphanumeric character" % name)]
        return []
    if len(name) > 253 or not _DNS1123_SUB.fullmatch(name):
        return [("metadata.name", 'Invalid value: "%s": a lowercase RFC 1123 subdomain must '
                 "consist of lower case alphanumeric characters, '-' or '.', and must start and "
                 "end with an alphanumeric character (e.g. 'example.com', regex used for "
                 "validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
                 % name)]
    return []


def _check_metadata(rt, md):
    errs = []
    for fld in ("labels", "annotations"):
        v = md.get(fld)
        if v is None:
            continue
        if not isinstance(v, dict) or not all(isinstance(x, str) for x in v.values()):
            errs.append(("metadata." + fld, "Invalid value: must be a map of strings"))
            continue
        if fld == "labels":
            for k, val in v.items():
                try:
                    selectors.parse_label_selector("%s=%s" % (k, val))
                except selectors.SelectorError:
                    errs.append(("metadata.labels", 'Invalid value: "%s": a valid label must be an '
                                 "empty string or consist of alphanumeric characters, '-', '_' or "
                                 "'.', and must start and end with an alphanumeric character" % val))
    fz = md.get("finalizers")
    if fz is not None and (not isinstance(fz, list) or not all(isinstance(x, str) for x in fz)):
        errs.append(("metadata.finalizers", "Invalid value: must be a list of strings"))
    return errs


def merge_patch(target, patch):
    """RFC 7386."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    if not isinstance(target, dict):
        target = {}
    out = dict(target)
    for k, v in patch.items():
        if v is None:
            out.pop(k, None)
        else:
            out[k] = merge_patch(out.get(k), v)
    return out


def _ptr(path):
    if path == "":
        return []
    if not path.startswith("/"):
        raise ValueError("invalid JSON pointer %r" % path)
    return [p.replace("~1", "/").replace("~0", "~") for p in path[1:].split("/")]


def _walk(doc, parts):
    cur = doc
    for p in parts:
        if isinstance(cur, list):
            cur = cur[int(p)]
        elif isinstance(cur, dict):
            cur = cur[p]
        else:
            raise KeyError(p)
    return cur


def json_patch(doc, ops):
    """RFC 6902. Raises ValueError/KeyError/IndexError on a bad or failing op."""
    doc = copy.deepcopy(doc)
    if not isinstance(ops, list):
        raise ValueError("a JSON patch is a list of operations")

    def add(d, parts, value):
        if not parts:
            return value
        parent = _walk(d, parts[:-1])
        last = parts[-1]
        if isinstance(parent, list):
            if last == "-":
                parent.append(value)
            else:
                i = int(last)
                if i < 0 or i > len(parent):
                    raise IndexError("index out of range")
                parent.insert(i, value)
        elif isinstance(parent, dict):
            parent[last] = value
        else:
            raise KeyError(last)
        return d

    def remove(d, parts):
        parent = _walk(d, parts[:-1])
        last = parts[-1]
        if isinstance(parent, list):
            return parent.pop(int(last))
        if last not in parent:
            raise KeyError("missing key %s" % last)
        return parent.pop(last)

    for op in ops:
        kind = op.get("op")
        parts = _ptr(op.get("path", ""))
        if kind == "add":
            doc = add(doc, parts, copy.deepcopy(op["value"]))
        elif kind == "remove":
            remove(doc, parts)
        elif kind == "replace":
            if not parts:
                doc = copy.deepcopy(op["value"])
            else:
                parent = _walk(doc, parts[:-1])
                last = parts[-1]
                if isinstance(parent, list):
                    parent[int(last)] = copy.deepcopy(op["value"])
                else:
                    if last not in parent:
                        raise KeyError("replace operation does not apply: doc is missing key: %s"
                                       % op["path"])
                    parent[last] = copy.deepcopy(op["value"])
        elif kind == "move":
            v = remove(doc, _ptr(op["from"]))
            doc = add(doc, parts, v)
        elif kind == "copy":
            v = copy.deepcopy(_walk(doc, _ptr(op["from"])))
            doc = add(doc, parts, v)
        elif kind == "test":
            if _walk(doc, parts) != op.get("value"):
                raise AssertionError("testing value %s failed" % op.get("path"))
        else:
            raise ValueError("unexpected kind: %r" % kind)
    return doc


def _human_age(ts):
    try:
        t = datetime.datetime.strptime(ts, "%Y-%m-%dT%H:%M:%SZ").replace(
            tzinfo=datetime.timezone.utc)
    except (TypeError, ValueError):
        return "<unknown>"
    s = int((datetime.datetime.now(datetime.timezone.utc) - t).total_seconds())
    if s < 0:
        return "<invalid>"
    if s < 120:
        return "%ds" % s
    m = s // 60
    if m < 10:
        return "%dm%ds" % (m, s % 60) if s % 60 else "%dm" % m
    if m < 180:
        return "%dm" % m
    h = m // 60
    if h < 8:
        return "%dh%dm" % (h, m % 60) if m % 60 else "%dh" % h
    if h < 48:
        return "%dh" % h
    d = h // 24
    if d < 8:
        return "%dd%dh" % (d, h % 24) if h % 24 else "%dd" % d
    return "%dd" % d if d < 730 else "%dy" % (d // 365)


def _cell(col, obj):
    try:
        toks = col["_toks"]
    except KeyError:
        toks = col["_toks"] = jsonpath.compile_path(col["jsonPath"])
    res = jsonpath.evaluate(toks, obj)
    if not res:
        return None
    v = res[0]
    t = col.get("type", "string")
    if t == "date":
        return _human_age(v) if isinstance(v, str) else None
    if t == "string":
        if isinstance(v, str):
            return v
        if isinstance(v, bool):
            return "true" if v else "false"
        return json.dumps(v) if isinstance(v, (dict, list)) else str(v)
    if t == "integer":
        return int(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else None
    if t == "number":
        return v if isinstance(v, (int, float)) and not isinstance(v, bool) else None
    if t == "boolean":
        return v if isinstance(v, bool) else None
    return v


NAME_COL = {"name": "Name", "type": "string", "format": "name", "priority": 0,
            "description": "Name must be unique within a namespace. Is required when creating "
                           "resources, although some resources may allow a client to request "
                           "the generation of an appropriate name automatically. Name is "
                           "primarily intended for creation idempotence and configuration "
                           "definition. Cannot be updated. More info: "
                           "https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names"}
AGE_COL = {"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp",
           "description": "CreationTimestamp is a timestamp representing the server time when "
                          "this object was created."}


def partial(obj):
    return {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1",
            "metadata": obj.get("metadata", {})}


def _check_created_meta(md):
    return md


_EV_RENAMES = [("regarding", "involvedObject"), ("note", "message"),
               ("reportingController", "reportingComponent"),
               ("deprecatedSource", "source"), ("deprecatedFirstTimestamp", "firstTimestamp"),
               ("deprecatedLastTimestamp", "lastTimestamp"), ("deprecatedCount", "count")]


def event_to_core(o):
    """events.k8s.io/v1 Event (as stored) -> core v1 Event, as the real server converts."""
    c = {k: v for k, v in o.items() if k not in [a for a, _ in _EV_RENAMES]}
    c["apiVersion"], c["kind"] = "v1", "Event"
    for a, b in _EV_RENAMES:
        if a in o:
            c[b] = o[a]
    c.setdefault("involvedObject", {})
    c.setdefault("source", {})
    return c


def event_from_core(c):
    """core v1 Event -> events.k8s.io/v1 Event (the stored form)."""
    if not isinstance(c, dict):
        raise bad_request("the body of the request is not a JSON object")
    if c.get("apiVersion") not in (None, "v1") or c.get("kind") not in (None, "Event"):
        raise bad_request("the API version in the data (%s) does not match the expected "
                          "API version (v1)" % c.get("apiVersion"))
    o = {k: v for k, v in c.items() if k not in [b for _, b in _EV_RENAMES]}
    o["apiVersion"], o["kind"] = "events.k8s.io/v1", "Event"
    for a, b in _EV_RENAMES:
        if b in c and c[b] not in (None, {}, ""):
            o[a] = c[b]
    return o


CORE_EVENT_FIELDS = {"involvedObject.": "regarding.", "source": "deprecatedSource.component",
                     "reportingComponent": "reportingController", "message": "note"}


_SYSTEM_MD = ("uid", "resourceVersion", "generation", "creationTimestamp", "managedFields",
              "name", "namespace", "deletionTimestamp", "deletionGracePeriodSeconds",
              "selfLink", "generateName")


def _fields_v1(v):
    """The FieldsV1 set of a JSON value (lists taken as atomic)."""
    if isinstance(v, dict):
        return {"f:" + k: _fields_v1(x) for k, x in v.items()}
    return {}


def managed_entry(obj, manager, subresource, api_version):
    """A managedFields entry for a write of obj by manager."""
    if subresource == "status":
        fields = {"f:status": _fields_v1(obj.get("status", {}))} if "status" in obj else {}
    else:
        fields = {k if k.startswith("f:") else k: v for k, v in _fields_v1(
            {k: x for k, x in obj.items() if k not in ("apiVersion", "kind", "metadata", "status")}
        ).items()}
        md = {k: x for k, x in obj.get("metadata", {}).items() if k not in _SYSTEM_MD}
        if md:
            fields["f:metadata"] = _fields_v1(md)
    e = {"manager": manager, "operation": "Update", "apiVersion": api_version,
         "time": now_ts(), "fieldsType": "FieldsV1", "fieldsV1": fields}
    if subresource:
        e["subresource"] = subresource
    return e


def set_managed(obj, prev, manager, subresource, api_version):
    """Replaces the entry of (manager, subresource) in obj's managedFields."""
    old = [e for e in ((prev or {}).get("metadata", {}).get("managedFields") or [])
           if not (e.get("manager") == manager and e.get("operation") == "Update"
                   and e.get("subresource") == subresource)]
    obj["metadata"]["managedFields"] = old + [managed_entry(obj, manager or "unknown",
                                                            subresource, api_version)]


class Api:
    """Everything but HTTP. All mutating entry points take the store lock."""

    def __init__(self, store=None):
        self.store = store or Store()
        self.types = {}                 # (group, plural) -> RType
        self.crd_types = {}             # crd name -> [RType]
        self.lock = self.store.lock
        self.selectable_fields = True   # False: CRD selectableFields ignored
        self._openapi_cache = {}
        self._register_builtins()
        self.store.on_commit.append(self._on_commit)

    # ------------------------------------------------------------------ types
    def _register_builtins(self):
        self.add_type(RType("", "v1", "namespaces", "namespace", "Namespace", False,
                            short_names=["ns"], status=True,
                            columns=[{"name": "Status", "type": "string", "jsonPath": ".status.phase",
                                      "description": "The status of the namespace"}, AGE_COL],
                            extra_fields=["status.phase"],
                            verbs=["create", "delete", "get", "list", "patch", "update", "watch"]))
        self.add_type(RType("coordination.k8s.io", "v1", "leases", "lease", "Lease", True,
                            columns=[{"name": "Holder", "type": "string",
                                      "jsonPath": ".spec.holderIdentity",
                                      "description": "The holder of the lease"}, AGE_COL]))
        self.add_type(RType("events.k8s.io", "v1", "events", "event", "Event", True,
                            short_names=["ev"],
                            columns=[{"name": "Type", "type": "string", "jsonPath": ".type"},
                                     {"name": "Reason", "type": "string", "jsonPath": ".reason"},
                                     {"name": "Note", "type": "string", "jsonPath": ".note"},
                                     AGE_COL],
                            extra_fields=["reason", "type", "reportingController",
                                          "regarding.kind", "regarding.name",
                                          "regarding.namespace", "regarding.uid",
                                          "regarding.apiVersion", "regarding.resourceVersion",
                                          "regarding.fieldPath", "deprecatedSource.component",
                                          "note"]))
        core_ev = RType("", "v1", "events", "event", "Event", True, short_names=["ev"],
                        columns=[{"name": "Last Seen", "type": "date",
                                  "jsonPath": ".metadata.creationTimestamp"},
                                 {"name": "Type", "type": "string", "jsonPath": ".type"},
                                 {"name": "Reason", "type": "string", "jsonPath": ".reason"},
                                 {"name": "Object", "type": "string",
                                  "jsonPath": ".involvedObject.name"},
                                 {"name": "Message", "type": "string", "jsonPath": ".message"}])
        core_ev.view_of = ("events.k8s.io", "events")
        core_ev.conv_out = event_to_core
        core_ev.conv_in = event_from_core
        self.add_type(core_ev)
        self.add_type(RType("apiextensions.k8s.io", "v1", "customresourcedefinitions",
                            "customresourcedefinition", "CustomResourceDefinition", False,
                            short_names=["crd", "crds"], categories=["api-extensions"],
                            status=True,
                            columns=[{"name": "Created At", "type": "date",
                                      "jsonPath": ".metadata.creationTimestamp",
                                      "_raw_date": True}]))
        builtin.register(self)
        for ns in ("default", "kube-system", "kube-public", "kube-node-lease", "bgp-system"):
            if not self.store.get(("", "namespaces"), "", ns):
                self.store.commit(self.types[("", "namespaces")], "ADDED", {
                    "kind": "Namespace", "apiVersion": "v1",
                    "metadata": {"name": ns, "uid": str(uuid.uuid4()),
                                 "creationTimestamp": now_ts(),
                                 "labels": {"kubernetes.io/metadata.name": ns}},
                    "spec": {"finalizers": ["kubernetes"]}, "status": {"phase": "Active"}}, None)

    def add_type(self, rt):
        with self.lock:
            self.types[rt.key] = rt
            self._openapi_cache.clear()

    def types_in(self, group, version):
        return [t for t in self.types.values() if t.group == group and t.version == version]

    def find_type(self, group, version, plural):
        t = self.types.get((group, plural))
        if t and t.version == version:
            return t
        return None

    def _crd_to_types(self, crd):
        spec = crd.get("spec", {})
        names = spec.get("names", {})
        out = []
        for v in spec.get("versions", []):
            if not v.get("served", True):
                continue
            cols = []
            for c in v.get("additionalPrinterColumns") or []:
                cols.append({"name": c["name"], "type": c.get("type", "string"),
                             "format": c.get("format", ""), "jsonPath": c["jsonPath"],
                             "description": c.get("description", ""),
                             "priority": c.get("priority", 0)})
            if not v.get("additionalPrinterColumns"):
                cols = [AGE_COL]
            out.append(RType(spec["group"], v["name"], names["plural"],
                             names.get("singular", names["kind"].lower()), names["kind"],
                             spec.get("scope", "Namespaced") == "Namespaced",
                             short_names=names.get("shortNames") or [],
                             categories=names.get("categories") or [],
                             status="status" in (v.get("subresources") or {}),
                             schema=(v.get("schema") or {}).get("openAPIV3Schema"),
                             columns=cols,
                             selectable=[s["jsonPath"] for s in v.get("selectableFields") or []],
                             builtin=False, list_kind=names.get("listKind"), smp=False))
        # one version is served per group/plural here: the storage version
        storage = [v["name"] for v in spec.get("versions", []) if v.get("storage")]
        if storage:
            out = [t for t in out if t.version == storage[0]] or out
        return out[:1]

    def _on_commit(self, key, typ, obj, prev):
        if key != ("apiextensions.k8s.io", "customresourcedefinitions"):
            return
        name = obj["metadata"]["name"]
        old = self.crd_types.pop(name, [])
        for t in old:
            self.types.pop(t.key, None)
        if typ != "DELETED":
            ts = self._crd_to_types(obj)
            for t in ts:
                self.types[t.key] = t
            self.crd_types[name] = ts
        self._openapi_cache.clear()

    def register_loaded_crds(self):
        """After a state load: serve every stored CRD."""
        with self.lock:
            for crd in list(self.store.objs.get(("apiextensions.k8s.io",
                                                 "customresourcedefinitions"), {}).values()):
                self._on_commit(("apiextensions.k8s.io", "customresourcedefinitions"),
                                "MODIFIED", crd, None)

    # --------------------------------------------------------------- helpers
    def _ns_exists(self, ns):
        return self.store.get(("", "namespaces"), "", ns) is not None

    def _schema_pass(self, rt, obj, field_validation, warnings, name, prev=None):
        """Prune, default and validate a custom resource body as the real server does."""
        if rt.key == ("apiextensions.k8s.io", "customresourcedefinitions"):
            return self._check_crd(obj, name)
        if rt.builtin:
            try:
                obj, errs = builtin.prepare(rt, obj, prev, field_validation, warnings)
            except builtin.DecodeError as e:
                raise bad_request(builtin.decode_message(rt, e))
            except builtin.StrictError as e:
                raise bad_request('%s in version "%s" cannot be handled as a %s: %s'
                                  % (rt.kind, rt.version, rt.kind, e))
            if errs:
                raise invalid(rt, name, errs)
            return obj
        if rt.schema is None:
            return obj
        unknown = []
        sch.prune_and_default(rt.schema, obj, "", unknown)
        if unknown:
            if field_validation == "Strict":
                msg = ", ".join('unknown field "%s"' % u for u in unknown)
                raise bad_request("strict decoding error: " + msg)
            if field_validation != "Ignore":
                for u in unknown:
                    warnings.append('unknown field "%s"' % u)
        errs = []
        sch.validate(rt.schema, obj, "", errs)
        if errs:
            raise invalid(rt, name, errs)
        return obj

    def _check_crd(self, crd, name):
        spec = crd.get("spec") or {}
        errs = []
        names = spec.get("names") or {}
        for f in ("group",):
            if not spec.get(f):
                errs.append(("spec." + f, "Required value"))
        for f in ("plural", "kind"):
            if not names.get(f):
                errs.append(("spec.names." + f, "Required value"))
        if spec.get("scope") not in ("Cluster", "Namespaced"):
            errs.append(("spec.scope", 'Unsupported value: %s: supported values: "Cluster", '
                         '"Namespaced"' % json.dumps(spec.get("scope"))))
        vs = spec.get("versions") or []
        if not vs:
            errs.append(("spec.versions", "Invalid value: must have exactly one version marked as storage version"))
        elif sum(1 for v in vs if v.get("storage")) != 1:
            errs.append(("spec.versions", "Invalid value: must have exactly one version marked as storage version"))
        if not errs and name != "%s.%s" % (names["plural"], spec["group"]):
            errs.append(("metadata.name", 'Invalid value: "%s": must be spec.names.plural+"."+spec.group'
                         % name))
        if not errs:
            for v in vs:
                for c in v.get("additionalPrinterColumns") or []:
                    try:
                        jsonpath.compile_path(c.get("jsonPath", ""))
                    except ValueError as e:
                        errs.append(("spec.versions[].additionalPrinterColumns[].jsonPath", str(e)))
        if errs:
            rt = self.types[("apiextensions.k8s.io", "customresourcedefinitions")]
            raise invalid(rt, name, errs)
        st = crd.setdefault("status", {})
        st["acceptedNames"] = {k: names[k] for k in ("plural", "singular", "kind", "listKind",
                                                     "shortNames", "categories") if k in names}
        st.setdefault("acceptedNames", {}).setdefault("listKind", names["kind"] + "List")
        st["storedVersions"] = [v["name"] for v in vs if v.get("storage")]
        t = now_ts()
        st["conditions"] = [
            {"type": "NamesAccepted", "status": "True", "reason": "NoConflicts",
             "message": "no conflicts found", "lastTransitionTime": t},
            {"type": "Established", "status": "True", "reason": "InitialNamesAccepted",
             "message": "the initial names have been accepted", "lastTransitionTime": t}]
        return crd

    def _check_kind(self, rt, body):
        if not isinstance(body, dict):
            raise bad_request("the body of the request is not a JSON object")
        av, kind = body.get("apiVersion"), body.get("kind")
        if av and av != rt.api_version:
            raise bad_request("the API version in the data (%s) does not match the expected "
                              "API version (%s)" % (av, rt.api_version))
        if kind and kind != rt.kind:
            raise bad_request("Object '%s' does not match expected kind '%s'" % (kind, rt.kind)
                              if False else
                              "the kind in the data (%s) does not match the expected kind (%s)"
                              % (kind, rt.kind))
        body["apiVersion"] = rt.api_version
        body["kind"] = rt.kind
        if not isinstance(body.get("metadata", {}), dict):
            raise bad_request("metadata must be an object")
        body.setdefault("metadata", {})

    # ---------------------------------------------------------------- create
    def create(self, rt, ns, body, dry_run=False, field_validation="Warn", manager=None):
        warnings = []
        self._check_kind(rt, body)
        md = body["metadata"]
        with self.lock:
            if rt.namespaced:
                if md.get("namespace") and md["namespace"] != ns:
                    raise bad_request("the namespace of the provided object does not match the "
                                      "namespace sent on the request")
                md["namespace"] = ns
                if not self._ns_exists(ns):
                    raise ApiError(404, "NotFound", 'namespaces "%s" not found' % ns,
                                   {"name": ns, "kind": "namespaces"})
                if self.store.get(("", "namespaces"), "", ns)["metadata"].get(
                        "deletionTimestamp"):
                    raise ApiError(403, "Forbidden", '%s "%s" is forbidden: unable to create '
                                   "new content in namespace %s because it is being terminated"
                                   % (rt.qualified, md.get("name") or md.get("generateName", ""),
                                      ns), _details(rt, md.get("name", "")))
            else:
                md.pop("namespace", None)
            if not md.get("name"):
                if md.get("generateName"):
                    md["name"] = md["generateName"] + "".join(
                        secrets.choice("bcdfghjklmnpqrstvwxz2456789") for _ in range(5))
                else:
                    raise invalid(rt, "", [("metadata.name",
                                            "Required value: name or generateName is required")])
            name = md["name"]
            errs = _check_name(rt, name) + _check_metadata(rt, md)
            if errs:
                raise invalid(rt, name, errs)
            if md.get("resourceVersion"):
                raise ApiError(500, "InternalError",
                               "Internal error occurred: resourceVersion should not be set on "
                               "objects to be created",
                               {"causes": [{"message": "resourceVersion should not be set on "
                                            "objects to be created"}]})
            for f in ("uid", "creationTimestamp", "deletionTimestamp",
                      "deletionGracePeriodSeconds", "generation", "managedFields", "selfLink"):
                md.pop(f, None)
            if rt.status and not rt.builtin:
                body.pop("status", None)
            if rt.key == ("", "namespaces"):
                body["spec"] = {"finalizers": ["kubernetes"]}
                body["status"] = {"phase": "Active"}
                md.setdefault("labels", {})["kubernetes.io/metadata.name"] = name
            body = self._schema_pass(rt, body, field_validation, warnings, name)
            if self.store.get(rt.key, ns if rt.namespaced else "", name) is not None:
                raise ApiError(409, "AlreadyExists", '%s "%s" already exists'
                               % (rt.qualified, name), _details(rt, name))
            md["uid"] = str(uuid.uuid4())
            md["creationTimestamp"] = now_ts()
            set_managed(body, None, manager, None, rt.api_version)
            if not rt.builtin or getattr(rt, "generation", False) or \
                    rt.key == ("apiextensions.k8s.io", "customresourcedefinitions"):
                md["generation"] = 1
            if dry_run:
                return body, warnings
            return self.store.commit(rt, "ADDED", body, None), warnings

    # ---------------------------------------------------------------- update
    def _spec_part(self, rt, obj):
        d = {k: v for k, v in obj.items() if k not in ("metadata", "kind", "apiVersion")}
        if rt.status:
            d.pop("status", None)
        return d

    def update(self, rt, ns, name, body, sub=None, dry_run=False, field_validation="Warn",
               _patched=False, manager=None):
        warnings = []
        self._check_kind(rt, body)
        md = body["metadata"]
        key_ns = ns if rt.namespaced else ""
        with self.lock:
            if md.get("name") and md["name"] != name:
                raise bad_request("the name of the object (%s) does not match the name on the URL (%s)"
                                  % (md["name"], name))
            if rt.namespaced and md.get("namespace") and md["namespace"] != ns:
                raise bad_request("the namespace of the provided object does not match the "
                                  "namespace sent on the request")
            cur = self.store.get(rt.key, key_ns, name)
            if cur is None:
                raise not_found(rt, name)
            cmd = cur["metadata"]
            rv = md.get("resourceVersion")
            if not rv and not rt.builtin and not _patched:
                raise invalid(rt, name, [("metadata.resourceVersion",
                                          "Invalid value: 0x0: must be specified for an update")])
            if rv and rv != cmd["resourceVersion"]:
                raise conflict(rt, name)
            if md.get("uid") and md["uid"] != cmd["uid"]:
                raise ApiError(409, "Conflict", "Precondition failed: UID in precondition: %s, "
                               "UID in object meta: %s" % (md["uid"], cmd["uid"]),
                               _details(rt, name))
            if sub == "status":
                new = copy.deepcopy(cur)
                if "status" in body:
                    new["status"] = body["status"]
                else:
                    new.pop("status", None)
            else:
                new = copy.deepcopy(body)
                if rt.status:
                    if "status" in cur:
                        new["status"] = copy.deepcopy(cur["status"])
                    else:
                        new.pop("status", None)
                nmd = new["metadata"]
                for f in ("uid", "creationTimestamp", "deletionTimestamp",
                          "deletionGracePeriodSeconds", "generation", "selfLink"):
                    if f in cmd:
                        nmd[f] = cmd[f]
                    else:
                        nmd.pop(f, None)
                nmd["name"] = name
                if rt.namespaced:
                    nmd["namespace"] = ns
                else:
                    nmd.pop("namespace", None)
                errs = _check_metadata(rt, nmd)
                if errs:
                    raise invalid(rt, name, errs)
                if cmd.get("deletionTimestamp"):
                    added = [f for f in nmd.get("finalizers") or []
                             if f not in (cmd.get("finalizers") or [])]
                    if added:
                        raise invalid(rt, name, [("metadata.finalizers",
                                                  "Forbidden: no new finalizers can be added if the "
                                                  "object is being deleted, found new finalizers "
                                                  "[]string{%s}" % ", ".join(json.dumps(a) for a in added))])
                if rt.key == ("", "namespaces"):
                    new["spec"] = copy.deepcopy(cur.get("spec", {}))
            new["metadata"]["resourceVersion"] = cmd["resourceVersion"]
            if "managedFields" in cmd:
                new["metadata"]["managedFields"] = cmd["managedFields"]
            else:
                new["metadata"].pop("managedFields", None)
            new = self._schema_pass(rt, new, field_validation, warnings, name, prev=cur)
            if "generation" in cmd and self._spec_part(rt, new) != self._spec_part(rt, cur):
                new["metadata"]["generation"] = cmd["generation"] + 1
            if not new["metadata"].get("finalizers"):
                new["metadata"].pop("finalizers", None)
            if new == cur:
                return cur, warnings
            set_managed(new, cur, manager, sub, rt.api_version)
            if dry_run:
                return new, warnings
            if cmd.get("deletionTimestamp") and not new["metadata"].get("finalizers") \
                    and not cmd.get("deletionGracePeriodSeconds"):
                # as the real store: the update is not written, the object is deleted;
                # the DELETED event and the answer carry the last stored state
                return self.store.commit(rt, "DELETED", cur, cur), warnings
            return self.store.commit(rt, "MODIFIED", new, cur), warnings

    # ----------------------------------------------------------------- patch
    def patch(self, rt, ns, name, body, ctype, sub=None, dry_run=False,
              field_validation="Warn", view=None, manager=None):
        key_ns = ns if rt.namespaced else ""
        ctype = (ctype or "").split(";")[0].strip().lower()
        accepted = ["application/json-patch+json", "application/merge-patch+json",
                    "application/apply-patch+yaml"]
        if rt.smp:
            accepted.insert(2, "application/strategic-merge-patch+json")
        if ctype not in accepted or ctype == "application/apply-patch+yaml":
            raise ApiError(415, "UnsupportedMediaType",
                           "the body of the request was in an unknown format - accepted media "
                           "types include: " + ", ".join(accepted))
        try:
            patch = json.loads(body) if body else None
        except ValueError as e:
            raise bad_request("error decoding patch: %s" % e)
        with self.lock:
            cur = self.store.get(rt.key, key_ns, name)
            if cur is None:
                raise not_found(rt, name)
            if view is not None:
                cur = view.conv_out(cur)
            try:
                if ctype == "application/json-patch+json":
                    res = json_patch(cur, patch)
                else:
                    if not isinstance(patch, dict):
                        raise bad_request("error decoding patch: a merge patch must be a JSON object")
                    if ctype == "application/strategic-merge-patch+json":
                        res = builtin.strategic_merge(cur, patch, rt.schema)
                    else:
                        res = merge_patch(cur, patch)
            except ApiError:
                raise
            except AssertionError as e:
                raise invalid(rt, name, [("", str(e))])
            except builtin.PatchError as e:
                raise bad_request(str(e))
            except (ValueError, KeyError, IndexError, TypeError) as e:
                raise ApiError(422, "Invalid", "the server rejected our request due to an error "
                               "in our request: %s" % e)
            if not isinstance(res, dict):
                raise bad_request("the patched object is not a JSON object")
            if view is not None:
                res = view.conv_in(res)
                cur = self.store.get(rt.key, key_ns, name)
            res.setdefault("metadata", {})
            if not res["metadata"].get("resourceVersion"):
                res["metadata"]["resourceVersion"] = cur["metadata"]["resourceVersion"]
            return self.update(rt, ns, name, res, sub=sub, dry_run=dry_run,
                               field_validation=field_validation, _patched=True,
                               manager=manager)

    # ---------------------------------------------------------------- delete
    def delete(self, rt, ns, name, opts, dry_run=False):
        key_ns = ns if rt.namespaced else ""
        opts = opts or {}
        with self.lock:
            cur = self.store.get(rt.key, key_ns, name)
            if cur is None:
                raise not_found(rt, name)
            cmd = cur["metadata"]
            pre = opts.get("preconditions") or {}
            if pre.get("uid") and pre["uid"] != cmd["uid"]:
                raise ApiError(409, "Conflict", "Precondition failed: UID in precondition: %s, "
                               "UID in object meta: %s" % (pre["uid"], cmd["uid"]),
                               _details(rt, name))
            if pre.get("resourceVersion") and pre["resourceVersion"] != cmd["resourceVersion"]:
                raise ApiError(409, "Conflict", "Precondition failed: ResourceVersion in "
                               "precondition: %s, ResourceVersion in object meta: %s"
                               % (pre["resourceVersion"], cmd["resourceVersion"]),
                               _details(rt, name))
            new = copy.deepcopy(cur)
            nmd = new["metadata"]
            fins = list(nmd.get("finalizers") or [])
            policy = opts.get("propagationPolicy")
            orphan = opts.get("orphanDependents")
            if policy == "Orphan" or (policy is None and orphan is True):
                if "orphan" not in fins:
                    fins.append("orphan")
                fins = [f for f in fins if f != "foregroundDeletion"]
            elif policy == "Foreground" or (policy is None and orphan is False):
                if "foregroundDeletion" not in fins:
                    fins.append("foregroundDeletion")
                fins = [f for f in fins if f != "orphan"]
            elif policy == "Background":
                fins = [f for f in fins if f not in ("orphan", "foregroundDeletion")]
            if rt.key == ("", "namespaces") and "kubernetes" not in fins:
                pass
            if fins:
                nmd["finalizers"] = fins
            else:
                nmd.pop("finalizers", None)
            if rt.key == ("", "namespaces"):
                # a namespace waits for the namespace controller (spec.finalizers)
                if not nmd.get("deletionTimestamp"):
                    nmd["deletionTimestamp"] = now_ts()
                    nmd["deletionGracePeriodSeconds"] = 0
                    new["status"] = {"phase": "Terminating"}
                if new == cur or dry_run:
                    return new, 200
                return self.store.commit(rt, "MODIFIED", new, cur), 200
            grace = builtin.grace_period(rt, cur, opts)
            if grace:
                # graceful deletion: the kubelet would finish it
                old = cmd.get("deletionGracePeriodSeconds")
                if not (cmd.get("deletionTimestamp") and old is not None and grace >= old):
                    nmd["deletionTimestamp"] = (datetime.datetime.now(datetime.timezone.utc)
                                                + datetime.timedelta(seconds=grace)).strftime(
                                                    "%Y-%m-%dT%H:%M:%SZ")
                    nmd["deletionGracePeriodSeconds"] = grace
                if new == cur or dry_run:
                    return new, 200
                return self.store.commit(rt, "MODIFIED", new, cur), 200
            if fins:
                if not nmd.get("deletionTimestamp"):
                    if "generation" in nmd:
                        nmd["generation"] += 1
                    nmd["deletionTimestamp"] = now_ts()
                    nmd["deletionGracePeriodSeconds"] = 0
                if new == cur or dry_run:
                    return new, 200
                return self.store.commit(rt, "MODIFIED", new, cur), 200
            if dry_run:
                return cur, 200
            if rt.key == ("apiextensions.k8s.io", "customresourcedefinitions"):
                # the CRD's cleanup finalizer: every instance goes first
                for t in self.crd_types.get(name, []):
                    for o in list(self.store.objs.get(t.key, {}).values()):
                        self.store.commit(t, "DELETED", o, o)
            gone = self.store.commit(rt, "DELETED", cur, cur)
            if rt.builtin and not getattr(getattr(rt, "hooks", None), "return_deleted", False):
                return {"kind": "Status", "apiVersion": "v1", "metadata": {},
                        "status": "Success",
                        "details": dict(_details(rt, name), uid=cmd["uid"])}, 200
            return gone, 200

    # ------------------------------------------------------------------ list
    def parse_selectors(self, rt, params):
        try:
            lsel = selectors.parse_label_selector(params.get("labelSelector"))
            fsel = selectors.parse_field_selector(params.get("fieldSelector"))
        except selectors.SelectorError as e:
            raise bad_request(str(e))
        allowed = rt.field_labels(self.selectable_fields)
        for f, _, _ in fsel:
            if f not in allowed:
                raise bad_request("field label not supported: %s" % f)
        return lsel, fsel

    @staticmethod
    def encode_continue(rv, start):
        return base64.urlsafe_b64encode(json.dumps(
            {"v": "meta.k8s.io/v1", "rv": rv, "start": start},
            separators=(",", ":")).encode()).decode().rstrip("=")

    @staticmethod
    def decode_continue(tok):
        try:
            pad = "=" * (-len(tok) % 4)
            d = json.loads(base64.urlsafe_b64decode(tok + pad))
            if d.get("v") != "meta.k8s.io/v1" or not isinstance(d.get("rv"), int):
                raise ValueError
            return d["rv"], d.get("start", "")
        except Exception:
            raise bad_request("continue key is not valid: incorrect encoded start resourceVersion "
                              "(version meta.k8s.io/v1)")

    def list(self, rt, ns, params):
        lsel, fsel = self.parse_selectors(rt, params)
        limit = int(params.get("limit") or 0)
        cont = params.get("continue")
        rvp = params.get("resourceVersion")
        match = params.get("resourceVersionMatch")
        start = ""
        with self.lock:
            at = None
            if cont:
                at, start = self.decode_continue(cont)
                if at < self.store.compacted:
                    raise ApiError(
                        410, "Expired",
                        "The provided continue parameter is too old to display a consistent list "
                        "result. You can start a new list without the continue parameter, or use "
                        "the continue token in this response to retrieve the remainder of the "
                        "results. Continuing with the provided token results in an inconsistent "
                        "list - objects that were created, modified, or deleted between the time "
                        "the first chunk was returned and now may show up in the list.",
                        extra={"continue": self.encode_continue(-1, start)} if False else
                        {"continue": self.encode_continue(self.store.rv, start)})
            elif match == "Exact" and rvp:
                try:
                    at = int(rvp)
                except ValueError:
                    raise bad_request("resourceVersion: Invalid value: %s" % rvp)
            elif match and match not in ("NotOlderThan", "Exact"):
                raise bad_request('resourceVersionMatch: Unsupported value: "%s"' % match)
            try:
                objs, list_rv = self.store.snapshot(rt.key, at)
            except LookupError:
                raise ApiError(410, "Expired", "The resourceVersion for the provided list is too "
                               "old.")
        keys = sorted(objs.keys())
        items = []
        for k in keys:
            kstr = "%s/%s" % k if rt.namespaced else k[1]
            if start and kstr < start:
                continue
            o = objs[k]
            md = o.get("metadata", {})
            if rt.namespaced and ns and md.get("namespace") != ns:
                continue
            if not selectors.labels_match(lsel, md.get("labels")):
                continue
            if not selectors.fields_match(fsel, o):
                continue
            items.append((kstr, o))
        meta = {"resourceVersion": str(list_rv)}
        if limit > 0 and len(items) > limit:
            rest = len(items) - limit
            items = items[:limit]
            meta["continue"] = self.encode_continue(list_rv, items[-1][0] + "\x00")
            if not lsel and not fsel:
                meta["remainingItemCount"] = rest
        return [o for _, o in items], meta

    # ----------------------------------------------------------------- table
    def columns(self, rt):
        return [NAME_COL] + [c for c in (rt.columns or [AGE_COL])]

    def column_defs(self, rt):
        out = []
        for c in self.columns(rt):
            t = c.get("type", "string")
            out.append({"name": c["name"], "type": "string" if t == "date" else t,
                        "format": c.get("format", "name" if c is NAME_COL else ""),
                        "description": c.get("description", ""),
                        "priority": c.get("priority", 0)})
        return out

    def row(self, rt, obj, include):
        cells = []
        for c in self.columns(rt):
            if c is NAME_COL:
                cells.append(obj.get("metadata", {}).get("name", ""))
            elif "fn" in c:
                cells.append(c["fn"](obj))
            elif c.get("_raw_date"):
                cells.append(obj.get("metadata", {}).get("creationTimestamp"))
            else:
                cells.append(_cell(c, obj))
        r = {"cells": cells}
        if include == "Object":
            r["object"] = obj
        elif include != "None":
            r["object"] = partial(obj)
        return r

    def table(self, rt, objs, meta, include, with_defs=True):
        t = {"kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": meta,
             "columnDefinitions": self.column_defs(rt) if with_defs else None,
             "rows": [self.row(rt, o, include) for o in objs]}
        if not with_defs:
            t["columnDefinitions"] = None
        return t

    # ------------------------------------------------------------- discovery
    def groups(self):
        seen = {}
        order = ["apiextensions.k8s.io", "coordination.k8s.io", "events.k8s.io"]
        for t in sorted(self.types.values(), key=lambda t: t.group):
            if t.group:
                seen.setdefault(t.group, set()).add(t.version)
        groups = []
        for g in sorted(seen, key=lambda g: (order.index(g) if g in order else 99, g)):
            vs = sorted(seen[g])
            groups.append({"name": g,
                           "versions": [{"groupVersion": "%s/%s" % (g, v), "version": v}
                                        for v in vs],
                           "preferredVersion": {"groupVersion": "%s/%s" % (g, vs[0]),
                                                "version": vs[0]}})
        return groups

    def resource_list(self, group, version):
        ts = self.types_in(group, version)
        if not ts:
            return None
        res = []
        for t in sorted(ts, key=lambda t: t.plural):
            r = {"name": t.plural, "singularName": t.singular, "namespaced": t.namespaced,
                 "kind": t.kind, "verbs": t.verbs,
                 "storageVersionHash": base64.b64encode(hashlib.sha256(
                     ("%s/%s/%s" % (t.group, t.version, t.kind)).encode()).digest()[:8]).decode()}
            if t.short_names:
                r["shortNames"] = t.short_names
            if t.categories:
                r["categories"] = t.categories
            res.append(r)
            if t.status:
                res.append({"name": t.plural + "/status", "singularName": "",
                            "namespaced": t.namespaced, "kind": t.kind,
                            "verbs": ["get", "patch", "update"]})
        gv = "%s/%s" % (group, version) if group else version
        return {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": gv,
                "resources": res}

    # --------------------------------------------------------------- openapi
    def openapi_root(self):
        paths = {}
        gvs = sorted({(t.group, t.version) for t in self.types.values()})
        for g, v in gvs:
            p = "api/%s" % v if not g else "apis/%s/%s" % (g, v)
            doc = self.openapi_gv(g, v)
            h = hashlib.sha512(json.dumps(doc, sort_keys=True).encode()).hexdigest().upper()
            paths[p] = {"serverRelativeURL": "/openapi/v3/%s?hash=%s" % (p, h)}
        return {"paths": paths}

    def openapi_gv(self, group, version):
        ck = (group, version)
        with self.lock:
            if ck in self._openapi_cache:
                return self._openapi_cache[ck]
            doc = self._build_openapi_gv(group, version)
            self._openapi_cache[ck] = doc
            return doc

    def _build_openapi_gv(self, group, version):
        ts = self.types_in(group, version)
        if not ts:
            return None
        schemas = {
            "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta": {
                "type": "object",
                "description": "ObjectMeta is metadata that all persisted resources must have.",
                "properties": {
                    "name": {"type": "string"}, "namespace": {"type": "string"},
                    "generateName": {"type": "string"}, "uid": {"type": "string"},
                    "resourceVersion": {"type": "string"},
                    "generation": {"type": "integer", "format": "int64"},
                    "creationTimestamp": {"type": "string", "format": "date-time"},
                    "deletionTimestamp": {"type": "string", "format": "date-time"},
                    "deletionGracePeriodSeconds": {"type": "integer", "format": "int64"},
                    "labels": {"type": "object", "additionalProperties": {"type": "string", "default": ""}},
                    "annotations": {"type": "object", "additionalProperties": {"type": "string", "default": ""}},
                    "finalizers": {"type": "array", "items": {"type": "string", "default": ""},
                                   "x-kubernetes-list-type": "set",
                                   "x-kubernetes-patch-strategy": "merge"},
                    "ownerReferences": {"type": "array", "items": {"type": "object"},
                                        "x-kubernetes-list-type": "map",
                                        "x-kubernetes-list-map-keys": ["uid"],
                                        "x-kubernetes-patch-merge-key": "uid",
                                        "x-kubernetes-patch-strategy": "merge"},
                }},
            "io.k8s.apimachinery.pkg.apis.meta.v1.Patch": {
                "type": "object",
                "description": "Patch is provided to give a concrete name and type to the "
                               "Kubernetes PATCH request body."},
            "io.k8s.apimachinery.pkg.apis.meta.v1.Status": {"type": "object"},
            "io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions": {"type": "object"},
        }
        paths = {}
        rev = ".".join(reversed(group.split("."))) if group else "core"
        for t in ts:
            sname = "%s.%s.%s" % (rev, version, t.kind) if not t.builtin else \
                "io.k8s.api.%s.%s.%s" % ((group.split(".")[0] if group else "core"), version, t.kind)
            gvk = [{"group": group, "version": version, "kind": t.kind}]
            body = copy.deepcopy(t.schema) if t.schema else {
                "type": "object", "x-kubernetes-preserve-unknown-fields": True,
                "properties": {"apiVersion": {"type": "string"}, "kind": {"type": "string"},
                               "metadata": {"type": "object"}}}
            body.setdefault("properties", {})["metadata"] = {
                "allOf": [{"$ref": "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"}],
                "default": {}}
            body["x-kubernetes-group-version-kind"] = gvk
            schemas[sname] = body
            schemas[sname + "List"] = {
                "type": "object", "required": ["items"],
                "properties": {"apiVersion": {"type": "string"}, "kind": {"type": "string"},
                               "items": {"type": "array", "items": {
                                   "$ref": "#/components/schemas/" + sname}},
                               "metadata": {"type": "object"}},
                "x-kubernetes-group-version-kind": [{"group": group, "version": version,
                                                     "kind": t.list_kind}]}
            ref = {"$ref": "#/components/schemas/" + sname}
            prefix = "/api/%s" % version if not group else "/apis/%s/%s" % (group, version)
            coll = prefix + ("/namespaces/{namespace}/" if t.namespaced else "/") + t.plural
            opid = re.sub(r"[^A-Za-z0-9]", "", "".join(
                p.capitalize() for p in re.split(r"[.\-]", group or "core"))) + version.capitalize()

            def qp(name, typ="string", desc=""):
                return {"name": name, "in": "query", "description": desc,
                        "schema": {"type": typ, "uniqueItems": True}}

            common = [{"name": "pretty", "in": "query", "schema": {"type": "string", "uniqueItems": True}}]
            path_params = [{"name": "name", "in": "path", "required": True,
                            "description": "name of the " + t.kind,
                            "schema": {"type": "string", "uniqueItems": True}}]
            if t.namespaced:
                path_params.append({"name": "namespace", "in": "path", "required": True,
                                    "schema": {"type": "string", "uniqueItems": True}})
            write_params = [qp("dryRun"), qp("fieldManager"),
                            qp("fieldValidation", desc="fieldValidation instructs the server on "
                               "how to handle objects in the request containing unknown or "
                               "duplicate fields. Valid values are: Ignore, Warn, Strict.")]
            json_content = {"application/json": {"schema": ref},
                            "application/yaml": {"schema": ref}}

            def op(action, verb, params, request=None, ok="200", kind=t.kind, resp=ref):
                o = {"tags": [opid], "operationId": verb + opid + kind,
                     "parameters": params,
                     "responses": {ok: {"description": "OK", "content": {
                         "application/json": {"schema": resp}}},
                         "401": {"description": "Unauthorized"}},
                     "x-kubernetes-action": action,
                     "x-kubernetes-group-version-kind": {"group": group, "version": version,
                                                         "kind": t.kind}}
                if request is not None:
                    o["requestBody"] = {"content": request, "required": True}
                return o

            patch_types = ["application/json-patch+json", "application/merge-patch+json",
                           "application/apply-patch+yaml"]
            if getattr(t, "hooks", None) is not None:
                # a built-in kind whose schema carries its patch strategies
                patch_types.insert(2, "application/strategic-merge-patch+json")
            patch_content = {pt: {"schema": {"$ref": "#/components/schemas/"
                                             "io.k8s.apimachinery.pkg.apis.meta.v1.Patch"}}
                             for pt in patch_types}
            list_ref = {"$ref": "#/components/schemas/" + sname + "List"}
            list_params = [qp("labelSelector"), qp("fieldSelector"), qp("limit", "integer"),
                           qp("continue"), qp("resourceVersion"), qp("resourceVersionMatch"),
                           qp("watch", "boolean"), qp("allowWatchBookmarks", "boolean"),
                           qp("timeoutSeconds", "integer"), qp("sendInitialEvents", "boolean")]
            paths[coll] = {
                "get": op("list", "list", list_params, resp=list_ref),
                "post": op("post", "create", write_params, json_content, ok="201"),
                "delete": op("deletecollection", "deletecollection", list_params),
                "parameters": common + ([path_params[-1]] if t.namespaced else []),
            }
            item = {
                "get": op("get", "read", []),
                "put": op("put", "replace", write_params, json_content),
                "patch": op("patch", "patch", write_params + [qp("force", "boolean")],
                            patch_content),
                "delete": op("delete", "delete", [qp("dryRun"), qp("gracePeriodSeconds", "integer"),
                                                  qp("propagationPolicy")],
                             {"application/json": {"schema": {"$ref": "#/components/schemas/"
                                 "io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions"}}}),
                "parameters": common + path_params,
            }
            item["delete"]["requestBody"]["required"] = False
            paths[coll + "/{name}"] = item
            if t.status:
                paths[coll + "/{name}/status"] = {
                    "get": op("get", "read", []),
                    "put": op("put", "replace", write_params, json_content),
                    "patch": op("patch", "patch", write_params + [qp("force", "boolean")],
                                patch_content),
                    "parameters": common + path_params,
                }
        return {"openapi": "3.0.0",
                "info": {"title": "Kubernetes", "version": "v1.32.0"},
                "paths": paths,
                "components": {"schemas": schemas,
                               "securitySchemes": {"BearerToken": {
                                   "type": "apiKey", "description": "Bearer Token authentication",
                                   "name": "authorization", "in": "header"}}},
                "security": [{"BearerToken": []}]}
