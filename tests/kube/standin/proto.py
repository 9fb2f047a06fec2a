"""Just enough of the Kubernetes protobuf encoding to read what kubectl's
typed commands send for built-ins (`kubectl create namespace X`,
`kubectl create serviceaccount|role|clusterrole|rolebinding|clusterrolebinding`)."""


class ProtoError(ValueError):
    pass


def _varint(b, i):
    shift = v = 0
    while True:
        if i >= len(b):
            raise ProtoError("truncated varint")
        c = b[i]
        i += 1
        v |= (c & 0x7F) << shift
        if not c & 0x80:
            return v, i
        shift += 7


def fields(b):
    """Yields (field number, wire type, value) of one message."""
    i = 0
    while i < len(b):
        key, i = _varint(b, i)
        num, wt = key >> 3, key & 7
        if wt == 0:
            v, i = _varint(b, i)
        elif wt == 2:
            n, i = _varint(b, i)
            v = b[i:i + n]
            if len(v) != n:
                raise ProtoError("truncated field")
            i += n
        elif wt == 1:
            v, i = b[i:i + 8], i + 8
        elif wt == 5:
            v, i = b[i:i + 4], i + 4
        else:
            raise ProtoError("unsupported wire type %d" % wt)
        yield num, wt, v


def _s(v):
    return v.decode("utf-8")


def _map(v):
    k = val = ""
    for n, _, x in fields(v):
        if n == 1:
            k = _s(x)
        elif n == 2:
            val = _s(x)
    return k, val


def object_meta(b):
    md = {}
    for n, _, v in fields(b):
        if n == 1:
            md["name"] = _s(v)
        elif n == 2:
            md["generateName"] = _s(v)
        elif n == 3:
            md["namespace"] = _s(v)
        elif n == 11:
            k, val = _map(v)
            md.setdefault("labels", {})[k] = val
        elif n == 12:
            k, val = _map(v)
            md.setdefault("annotations", {})[k] = val
        elif n == 14:
            md.setdefault("finalizers", []).append(_s(v))
    return {k: v for k, v in md.items() if v not in ("", None)}


# field number -> (JSON name, how): "s" string, "rs" repeated string, "b" bool,
# "map" map<string,string>, or a message name ("m:X" one, "rm:X" repeated)
MESSAGES = {
    "LabelSelector": {1: ("matchLabels", "map"),
                      2: ("matchExpressions", "rm:LabelSelectorRequirement")},
    "LabelSelectorRequirement": {1: ("key", "s"), 2: ("operator", "s"), 3: ("values", "rs")},
    "PolicyRule": {1: ("verbs", "rs"), 2: ("apiGroups", "rs"), 3: ("resources", "rs"),
                   4: ("resourceNames", "rs"), 5: ("nonResourceURLs", "rs")},
    "AggregationRule": {1: ("clusterRoleSelectors", "rm:LabelSelector")},
    "Subject": {1: ("kind", "s"), 2: ("apiGroup", "s"), 3: ("name", "s"),
                4: ("namespace", "s")},
    "RoleRef": {1: ("apiGroup", "s"), 2: ("kind", "s"), 3: ("name", "s")},
    "ObjectReference": {1: ("kind", "s"), 2: ("namespace", "s"), 3: ("name", "s"),
                        4: ("uid", "s"), 5: ("apiVersion", "s"),
                        6: ("resourceVersion", "s"), 7: ("fieldPath", "s")},
    "LocalObjectReference": {1: ("name", "s")},
    "NamespaceSpec": {1: ("finalizers", "rs")},
    # top-level kinds: field 1 is always the ObjectMeta
    "v1/Namespace": {2: ("spec", "m:NamespaceSpec")},
    "v1/ServiceAccount": {2: ("secrets", "rm:ObjectReference"),
                          3: ("imagePullSecrets", "rm:LocalObjectReference"),
                          4: ("automountServiceAccountToken", "b")},
    "rbac.authorization.k8s.io/v1/Role": {2: ("rules", "rm:PolicyRule")},
    "rbac.authorization.k8s.io/v1/ClusterRole": {2: ("rules", "rm:PolicyRule"),
                                                 3: ("aggregationRule", "m:AggregationRule")},
    "rbac.authorization.k8s.io/v1/RoleBinding": {2: ("subjects", "rm:Subject"),
                                                 3: ("roleRef", "m:RoleRef")},
    "rbac.authorization.k8s.io/v1/ClusterRoleBinding": {2: ("subjects", "rm:Subject"),
                                                        3: ("roleRef", "m:RoleRef")},
}


def message(b, desc):
    """One message by its descriptor; empty strings and lists left out, as
    the JSON form of the Go type omits them."""
    out = {}
    for n, wt, v in fields(b):
        if n not in desc:
            continue
        name, how = desc[n]
        if how == "s":
            out[name] = _s(v)
        elif how == "rs":
            out.setdefault(name, []).append(_s(v))
        elif how == "b":
            out[name] = bool(v)
        elif how == "map":
            k, val = _map(v)
            out.setdefault(name, {})[k] = val
        elif how.startswith("m:"):
            out[name] = message(v, MESSAGES[how[2:]])
        elif how.startswith("rm:"):
            out.setdefault(name, []).append(message(v, MESSAGES[how[3:]]))
    return {k: v for k, v in out.items() if v not in ("", [], {}) or k == "roleRef"}


def decode(data):
    """Envelope (k8s\\0 + runtime.Unknown) -> JSON-shaped object.
    Raises ProtoError for a kind this module cannot read."""
    if data[:4] != b"k8s\x00":
        raise ProtoError("missing the protobuf envelope")
    api_version = kind = ""
    raw = b""
    for n, _, v in fields(data[4:]):
        if n == 1:
            for m, _, x in fields(v):
                if m == 1:
                    api_version = _s(x)
                elif m == 2:
                    kind = _s(x)
        elif n == 2:
            raw = v
    desc = MESSAGES.get("%s/%s" % (api_version, kind))
    if desc is None:
        raise ProtoError("protobuf bodies are not read for %s %s" % (api_version, kind))
    obj = {"apiVersion": api_version, "kind": kind, "metadata": {}}
    for n, _, v in fields(raw):
        if n == 1:
            obj["metadata"] = object_meta(v)
    obj.update(message(raw, desc))
    return obj
