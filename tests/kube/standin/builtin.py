"""Built-in kinds beyond the ones api.py registers itself: core v1
ServiceAccount and Pod, apps/v1 DaemonSet, rbac.authorization.k8s.io/v1 ClusterRole,
ClusterRoleBinding, Role and RoleBinding.

Each kind has a schema written as OpenAPI v3 (the fields of the Go types,
their JSON types and their patch strategies), used three ways, as the real
server uses the Go types: decoding (a wrong JSON type is 400, an unknown
field is dropped, warned about or 400 by fieldValidation), defaulting, and
strategic merge patch (merge keys, `$patch`, `$retainKeys`,
`$setElementOrder`, `$deleteFromPrimitiveList`). Then the kind's own
validation: the required fields and the rules kubectl users meet.

Sub-objects marked ANY are taken as they come (their fields are not
checked); everything else a manifest of these kinds uses is described."""

import copy
import json

from .store import RType

# ------------------------------------------------------------------ schema DSL
S = {"type": "string"}
I32 = {"type": "integer", "format": "int32"}
I64 = {"type": "integer", "format": "int64"}
B = {"type": "boolean"}
IOS = {"x-kubernetes-int-or-string": True, "format": "int-or-string"}
QTY = {"x-kubernetes-int-or-string": True, "format": "quantity"}
SMAP = {"type": "object", "additionalProperties": S}
QMAP = {"type": "object", "additionalProperties": QTY}
ANY = {"type": "object", "x-kubernetes-preserve-unknown-fields": True}


def obj(props, default=None, retain=False):
    s = {"type": "object", "properties": props}
    if default is not None:
        s["default"] = default
    if retain:
        s["x-kubernetes-patch-strategy"] = "retainKeys"
    return s


def d(s, value):
    """s with a default."""
    return dict(s, default=value)


def atomic(items):
    return {"type": "array", "items": items, "x-kubernetes-list-type": "atomic"}


def merged(items, key, retain=False):
    """A list merged element by element on `key` (patchStrategy merge)."""
    return {"type": "array", "items": items, "x-kubernetes-list-type": "map",
            "x-kubernetes-list-map-keys": [key],
            "x-kubernetes-patch-strategy": "merge,retainKeys" if retain else "merge",
            "x-kubernetes-patch-merge-key": key}


def merged_set(items):
    """A list of scalars merged as a set (patchStrategy merge)."""
    return {"type": "array", "items": items, "x-kubernetes-list-type": "set",
            "x-kubernetes-patch-strategy": "merge"}


OWNER_REF = obj({"apiVersion": S, "kind": S, "name": S, "uid": S, "controller": B,
                 "blockOwnerDeletion": B})
META = obj({
    "name": S, "generateName": S, "namespace": S, "selfLink": S, "uid": S,
    "resourceVersion": S, "generation": I64, "creationTimestamp": S,
    "deletionTimestamp": S, "deletionGracePeriodSeconds": I64, "labels": SMAP,
    "annotations": SMAP, "ownerReferences": merged(OWNER_REF, "uid"),
    "finalizers": merged_set(S), "managedFields": atomic(ANY)})
LABEL_SELECTOR = obj({"matchLabels": SMAP, "matchExpressions": atomic(obj({
    "key": S, "operator": S, "values": atomic(S)}))})
OBJECT_REF = obj({"kind": S, "namespace": S, "name": S, "uid": S, "apiVersion": S,
                  "resourceVersion": S, "fieldPath": S})
LOCAL_REF = obj({"name": S})
SECCOMP = obj({"type": S, "localhostProfile": S})
RESOURCES = obj({"limits": QMAP, "requests": QMAP, "claims": merged(ANY, "name")})
PROBE = obj({
    "exec": obj({"command": atomic(S)}),
    "httpGet": obj({"path": S, "port": IOS, "host": S, "scheme": d(S, "HTTP"),
                    "httpHeaders": atomic(obj({"name": S, "value": S}))}),
    "tcpSocket": obj({"port": IOS, "host": S}),
    "grpc": obj({"port": I32, "service": S}),
    "initialDelaySeconds": I32, "timeoutSeconds": d(I32, 1), "periodSeconds": d(I32, 10),
    "successThreshold": d(I32, 1), "failureThreshold": d(I32, 3),
    "terminationGracePeriodSeconds": I64})
CONTAINER = obj({
    "name": S, "image": S, "command": atomic(S), "args": atomic(S), "workingDir": S,
    "ports": merged(obj({"name": S, "hostPort": I32, "containerPort": I32,
                         "protocol": d(S, "TCP"), "hostIP": S}), "containerPort"),
    "envFrom": atomic(ANY),
    "env": merged(obj({"name": S, "value": S, "valueFrom": obj({
        "fieldRef": obj({"apiVersion": d(S, "v1"), "fieldPath": S}),
        "resourceFieldRef": ANY, "configMapKeyRef": ANY, "secretKeyRef": ANY})}), "name"),
    "resources": RESOURCES, "resizePolicy": atomic(ANY), "restartPolicy": S,
    "volumeMounts": merged(obj({"name": S, "readOnly": B, "recursiveReadOnly": S,
                                "mountPath": S, "subPath": S, "mountPropagation": S,
                                "subPathExpr": S}), "mountPath"),
    "volumeDevices": merged(obj({"name": S, "devicePath": S}), "devicePath"),
    "livenessProbe": PROBE, "readinessProbe": PROBE, "startupProbe": PROBE,
    "lifecycle": ANY,
    "terminationMessagePath": d(S, "/dev/termination-log"),
    "terminationMessagePolicy": d(S, "File"), "imagePullPolicy": S,
    "securityContext": obj({
        "capabilities": obj({"add": atomic(S), "drop": atomic(S)}),
        "privileged": B, "seLinuxOptions": ANY, "windowsOptions": ANY, "runAsUser": I64,
        "runAsGroup": I64, "runAsNonRoot": B, "readOnlyRootFilesystem": B,
        "allowPrivilegeEscalation": B, "procMount": S, "seccompProfile": SECCOMP,
        "appArmorProfile": SECCOMP}),
    "stdin": B, "stdinOnce": B, "tty": B})
VOLUME_SOURCES = ("hostPath", "emptyDir", "gcePersistentDisk", "awsElasticBlockStore",
                  "gitRepo", "secret", "nfs", "iscsi", "glusterfs", "persistentVolumeClaim",
                  "rbd", "flexVolume", "cinder", "cephfs", "flocker", "downwardAPI", "fc",
                  "azureFile", "configMap", "vsphereVolume", "quobyte", "azureDisk",
                  "photonPersistentDisk", "projected", "portworxVolume", "scaleIO",
                  "storageos", "csi", "ephemeral", "image")
VOLUME = obj(dict({"name": S}, **{v: ANY for v in VOLUME_SOURCES}))
POD_SPEC = obj({
    "volumes": merged(VOLUME, "name", retain=True),
    "initContainers": merged(CONTAINER, "name"),
    "containers": merged(CONTAINER, "name"),
    "ephemeralContainers": merged(ANY, "name"),
    "restartPolicy": d(S, "Always"),
    "terminationGracePeriodSeconds": d(I64, 30), "activeDeadlineSeconds": I64,
    "dnsPolicy": d(S, "ClusterFirst"), "nodeSelector": SMAP,
    "serviceAccountName": S, "serviceAccount": S, "automountServiceAccountToken": B,
    "nodeName": S, "hostNetwork": B, "hostPID": B, "hostIPC": B,
    "shareProcessNamespace": B,
    "securityContext": obj({
        "seLinuxOptions": ANY, "windowsOptions": ANY, "runAsUser": I64, "runAsGroup": I64,
        "runAsNonRoot": B, "supplementalGroups": atomic(I64),
        "supplementalGroupsPolicy": S, "fsGroup": I64, "sysctls": atomic(ANY),
        "fsGroupChangePolicy": S, "seccompProfile": SECCOMP, "appArmorProfile": SECCOMP,
        "seLinuxChangePolicy": S}, default={}),
    "imagePullSecrets": merged(LOCAL_REF, "name"),
    "hostname": S, "subdomain": S, "affinity": ANY,
    "schedulerName": d(S, "default-scheduler"),
    "tolerations": atomic(obj({"key": S, "operator": S, "value": S, "effect": S,
                               "tolerationSeconds": I64})),
    "hostAliases": merged(obj({"ip": S, "hostnames": atomic(S)}), "ip"),
    "priorityClassName": S, "priority": I32, "dnsConfig": ANY,
    "readinessGates": atomic(obj({"conditionType": S})),
    "runtimeClassName": S, "enableServiceLinks": B, "preemptionPolicy": S,
    "overhead": QMAP, "topologySpreadConstraints": merged(ANY, "topologyKey"),
    "setHostnameAsFQDN": B, "os": obj({"name": S}), "hostUsers": B,
    "schedulingGates": merged(obj({"name": S}), "name"),
    "resourceClaims": merged(ANY, "name", retain=True),
    "resources": RESOURCES})


def kind_schema(props):
    return obj(dict({"apiVersion": S, "kind": S, "metadata": META}, **props))


DAEMONSET = kind_schema({
    "spec": obj({
        "selector": LABEL_SELECTOR,
        "template": obj({"metadata": META, "spec": POD_SPEC}),
        "updateStrategy": obj({"type": S, "rollingUpdate": obj({
            "maxUnavailable": IOS, "maxSurge": IOS})}),
        "minReadySeconds": I32, "revisionHistoryLimit": d(I32, 10)}),
    "status": obj({
        "currentNumberScheduled": I32, "numberMisscheduled": I32,
        "desiredNumberScheduled": I32, "numberReady": I32, "observedGeneration": I64,
        "updatedNumberScheduled": I32, "numberAvailable": I32, "numberUnavailable": I32,
        "collisionCount": I32, "conditions": merged(ANY, "type")})})
POD = kind_schema({"spec": POD_SPEC, "status": ANY})
SERVICEACCOUNT = kind_schema({
    "secrets": merged(OBJECT_REF, "name"),
    "imagePullSecrets": atomic(LOCAL_REF),
    "automountServiceAccountToken": B})
POLICY_RULE = obj({"verbs": atomic(S), "apiGroups": atomic(S), "resources": atomic(S),
                   "resourceNames": atomic(S), "nonResourceURLs": atomic(S)})
ROLE = kind_schema({"rules": atomic(POLICY_RULE)})
CLUSTERROLE = kind_schema({"rules": atomic(POLICY_RULE),
                           "aggregationRule": obj({
                               "clusterRoleSelectors": atomic(LABEL_SELECTOR)})})
BINDING = kind_schema({
    "subjects": atomic(obj({"kind": S, "apiGroup": S, "name": S, "namespace": S})),
    "roleRef": obj({"apiGroup": S, "kind": S, "name": S})})
# What api.py serves itself, for strategic merge patch: metadata only.
GENERIC = kind_schema({})


# ------------------------------------------------------------------ decoding
class DecodeError(ValueError):
    pass


_JSON_TYPE = {dict: "object", list: "array", str: "string", bool: "bool", int: "number",
              float: "number"}
_GO_TYPE = {"string": "string", "boolean": "bool", "integer": "int", "object": "struct",
            "array": "slice"}


def _is_int(v):
    return (isinstance(v, int) and not isinstance(v, bool)) or (
        isinstance(v, float) and v.is_integer())


def decode(schema, v, path, unknown, defaults=True):
    """Checks v against schema as encoding/json into the Go type would:
    a wrong JSON type raises DecodeError; unknown fields are removed and
    named in `unknown`; nulls read as absent; defaults filled in. Returns
    the decoded value."""
    if schema.get("x-kubernetes-int-or-string"):
        if _is_int(v):
            return int(v)
        if isinstance(v, str):
            return v
        if schema.get("format") == "quantity" and isinstance(v, float):
            return v
        raise DecodeError((path, _JSON_TYPE.get(type(v), "value"), schema.get("format")))
    t = schema.get("type")
    if t == "object":
        if not isinstance(v, dict):
            raise DecodeError((path, _JSON_TYPE.get(type(v), "value"), "struct"))
        if schema.get("x-kubernetes-preserve-unknown-fields"):
            return v
        props = schema.get("properties")
        addl = schema.get("additionalProperties")
        out = {}
        for k, x in v.items():
            sub = props.get(k) if props is not None else addl
            p = (path + "." + k).lstrip(".")
            if sub is None:
                unknown.append(p)
                continue
            if x is None:
                continue
            out[k] = decode(sub, x, p, unknown, defaults)
        if defaults and props:
            for k, sub in props.items():
                if k not in out and "default" in sub:
                    out[k] = copy.deepcopy(sub["default"])
                    if isinstance(out[k], dict):
                        out[k] = decode(sub, out[k], path + "." + k, [], defaults)
        return out
    if t == "array":
        if not isinstance(v, list):
            raise DecodeError((path, _JSON_TYPE.get(type(v), "value"), "slice"))
        return [decode(schema["items"], x, "%s[%d]" % (path, i), unknown, defaults)
                if x is not None else x for i, x in enumerate(v)]
    if t == "string" and not isinstance(v, str):
        raise DecodeError((path, _JSON_TYPE.get(type(v), "value"), "string"))
    if t == "boolean" and not isinstance(v, bool):
        raise DecodeError((path, _JSON_TYPE.get(type(v), "value"), "bool"))
    if t == "integer":
        if not _is_int(v):
            raise DecodeError((path, _JSON_TYPE.get(type(v), "value"),
                               "int64" if schema.get("format") == "int64" else "int32"))
        return int(v)
    return v


# ------------------------------------------------------- strategic merge patch
class PatchError(ValueError):
    pass


def _sub(schema, key):
    """The schema of field `key` of an object schema (None: unknown)."""
    if not schema or schema.get("x-kubernetes-preserve-unknown-fields"):
        return None
    props = schema.get("properties")
    if props is not None:
        return props.get(key)
    return schema.get("additionalProperties")


def _strategy(schema):
    s = (schema or {}).get("x-kubernetes-patch-strategy", "")
    return [x for x in s.split(",") if x]


def _key_of(x, key):
    return x.get(key) if isinstance(x, dict) else None


def _merge_list(orig, patch, schema):
    """Merge strategy for a list: elements by merge key (or scalars as a set)."""
    key = schema.get("x-kubernetes-patch-merge-key")
    items = schema.get("items")
    orig = list(orig or [])
    if key is None:
        # a list of scalars: union, unless {"$patch": "replace"} is in it
        out = list(orig)
        for x in patch:
            if isinstance(x, dict):
                if x.get("$patch") == "replace":
                    return [y for y in patch if not isinstance(y, dict)]
                raise PatchError("unknown patch type in list: %s" % json.dumps(x))
            if x not in out:
                out.append(x)
        return out
    if any(isinstance(x, dict) and x.get("$patch") == "replace" for x in patch):
        return [x for x in patch if not (isinstance(x, dict) and "$patch" in x)]
    out = list(orig)
    for x in patch:
        if not isinstance(x, dict):
            raise PatchError("merging an object in a list but found a %s" % type(x).__name__)
        d_ = x.get("$patch")
        if d_ == "delete":
            out = [y for y in out if _key_of(y, key) != x.get(key)]
            continue
        if d_ not in (None, "merge"):
            raise PatchError("unknown patch type %s in list element" % d_)
        if key not in x:
            raise PatchError("map: %s does not contain declared merge key: %s"
                             % (json.dumps(x), key))
        for i, y in enumerate(out):
            if _key_of(y, key) == x[key]:
                out[i] = merge_map(y, x, items)
                break
        else:
            out.append(merge_map({}, x, items))
    return out


def _order(merged_list, order, orig, key):
    """$setElementOrder: patch elements in the given order, server-only
    elements kept where they were, as apimachinery's normalizeElementOrder."""
    def ident(x):
        return _key_of(x, key) if key else x

    def idx(lst, x):
        for i, y in enumerate(lst):
            if (ident(y) if key else y) == x:
                return i
        return -1
    order_ids = [(o.get(key) if isinstance(o, dict) else o) if key else o for o in order]
    server_ids = [ident(y) for y in (orig or [])]
    in_patch = [x for x in merged_list if ident(x) in order_ids]
    server_only = [x for x in merged_list if ident(x) not in order_ids]
    in_patch.sort(key=lambda x: order_ids.index(ident(x)))
    server_only.sort(key=lambda x: idx(orig or [], ident(x)))
    out = []
    i = j = 0
    while i < len(server_only) or j < len(in_patch):
        if i >= len(server_only):
            out.append(in_patch[j]); j += 1
        elif j >= len(in_patch):
            out.append(server_only[i]); i += 1
        else:
            li = server_ids.index(ident(server_only[i])) if ident(server_only[i]) in server_ids else -1
            ri = server_ids.index(ident(in_patch[j])) if ident(in_patch[j]) in server_ids else -1
            if li >= 0 and ri >= 0 and li < ri:
                out.append(server_only[i]); i += 1
            else:
                out.append(in_patch[j]); j += 1
    return out


def merge_map(orig, patch, schema):
    """apimachinery's strategic merge of patch into orig (a new value)."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    if not isinstance(orig, dict):
        orig = {}
    patch = dict(patch)
    directive = patch.pop("$patch", None)
    if directive == "replace":
        return {k: copy.deepcopy(v) for k, v in patch.items() if not k.startswith("$")}
    if directive == "delete":
        return None
    if directive not in (None, "merge"):
        raise PatchError("unknown patch type: %s" % directive)
    retain = patch.pop("$retainKeys", None)
    out = dict(orig)
    orders = {}
    for k in [k for k in patch if k.startswith("$setElementOrder/")]:
        orders[k[len("$setElementOrder/"):]] = patch.pop(k)
    for k in [k for k in patch if k.startswith("$deleteFromPrimitiveList/")]:
        f = k[len("$deleteFromPrimitiveList/"):]
        drop = patch.pop(k) or []
        if isinstance(out.get(f), list):
            out[f] = [x for x in out[f] if x not in drop]
    if retain is not None:
        if not isinstance(retain, list):
            raise PatchError("invalid retainKeys directive")
        for k in patch:
            if k not in retain:
                raise PatchError("retainKeys directive is missing key %s" % k)
        out = {k: v for k, v in out.items() if k in retain}
    for k, v in patch.items():
        if k.startswith("$"):
            raise PatchError("unknown directive %s" % k)
        sub = _sub(schema, k)
        if v is None:
            out.pop(k, None)
            continue
        if isinstance(v, dict):
            if v.get("$patch") == "delete" and len(v) == 1:
                out.pop(k, None)
                continue
            out[k] = merge_map(out.get(k), v, sub)
            continue
        if isinstance(v, list) and sub is not None and "merge" in _strategy(sub) \
                and sub.get("type") == "array":
            out[k] = _merge_list(out.get(k), v, sub)
            continue
        out[k] = copy.deepcopy(v)
    for f, order in orders.items():
        if isinstance(out.get(f), list) and isinstance(order, list):
            sub = _sub(schema, f) or {}
            out[f] = _order(out[f], order, orig.get(f),
                            sub.get("x-kubernetes-patch-merge-key"))
    return out


def strategic_merge(cur, patch, schema):
    """Applies an application/strategic-merge-patch+json body."""
    if not isinstance(patch, dict):
        raise PatchError("a strategic merge patch must be a JSON object")
    res = merge_map(copy.deepcopy(cur), patch, schema or GENERIC)
    if res is None:
        raise PatchError("the patch deletes the object")
    return res


# ------------------------------------------------------------------ validation
def _labels_match(sel, labels):
    for k, v in (sel.get("matchLabels") or {}).items():
        if labels.get(k) != v:
            return False
    for e in sel.get("matchExpressions") or []:
        op, k, vals = e.get("operator"), e.get("key"), e.get("values") or []
        if op == "In" and labels.get(k) not in vals:
            return False
        if op == "NotIn" and k in labels and labels[k] in vals:
            return False
        if op == "Exists" and k not in labels:
            return False
        if op == "DoesNotExist" and k in labels:
            return False
    return True


def _go_map(m):
    return "map[string]string{%s}" % ", ".join(
        '"%s":"%s"' % (k, m[k]) for k in sorted(m))


def _check_container(c, p, errs):
    if not c.get("name"):
        errs.append((p + ".name", "Required value"))
    if not c.get("image"):
        errs.append((p + ".image", "Required value"))
    pol = c.get("imagePullPolicy")
    if pol not in ("Always", "IfNotPresent", "Never"):
        errs.append((p + ".imagePullPolicy", 'Unsupported value: "%s": supported values: '
                     '"Always", "IfNotPresent", "Never"' % pol))
    for i, port in enumerate(c.get("ports") or []):
        cp = port.get("containerPort")
        if not cp or not 0 < cp < 65536:
            errs.append(("%s.ports[%d].containerPort" % (p, i),
                         "Required value" if not cp else
                         "Invalid value: %d: must be between 1 and 65535, inclusive" % cp))
        if port.get("protocol") not in ("TCP", "UDP", "SCTP"):
            errs.append(("%s.ports[%d].protocol" % (p, i), 'Unsupported value: "%s": '
                         'supported values: "SCTP", "TCP", "UDP"' % port.get("protocol")))
    for i, e in enumerate(c.get("env") or []):
        if not e.get("name"):
            errs.append(("%s.env[%d].name" % (p, i), "Required value"))


def validate_daemonset(o, prev):
    errs = []
    spec = o.get("spec") or {}
    sel = spec.get("selector")
    tmpl = spec.get("template") or {}
    labels = (tmpl.get("metadata") or {}).get("labels") or {}
    if not sel or not (sel.get("matchLabels") or sel.get("matchExpressions")):
        errs.append(("spec.selector", "Required value"))
        if sel is not None:
            errs.append(("spec.selector", "Invalid value: \"null\": empty selector is "
                         "invalid for daemonset"))
    elif not _labels_match(sel, labels):
        errs.append(("spec.template.metadata.labels", "Invalid value: %s: `selector` does "
                     "not match template `labels`" % _go_map(labels)))
    pod = tmpl.get("spec") or {}
    cs = pod.get("containers") or []
    if not cs:
        errs.append(("spec.template.spec.containers", "Required value"))
    names = set()
    for i, c in enumerate(cs):
        _check_container(c, "spec.template.spec.containers[%d]" % i, errs)
        if c.get("name") in names:
            errs.append(("spec.template.spec.containers[%d].name" % i,
                         'Duplicate value: "%s"' % c["name"]))
        names.add(c.get("name"))
    if pod.get("restartPolicy") != "Always":
        errs.append(("spec.template.spec.restartPolicy", 'Unsupported value: "%s": '
                     'supported values: "Always"' % pod.get("restartPolicy")))
    us = spec.get("updateStrategy") or {}
    if us.get("type") not in ("RollingUpdate", "OnDelete"):
        errs.append(("spec.updateStrategy", 'Unsupported value: "%s": supported values: '
                     '"OnDelete", "RollingUpdate"' % us.get("type")))
    if prev is not None and (prev.get("spec") or {}).get("selector") != sel:
        errs.append(("spec.selector", "Invalid value: %s: field is immutable"
                     % json.dumps(sel)))
    return errs


def _check_pod_spec(pod, p, errs):
    cs = pod.get("containers") or []
    if not cs:
        errs.append((p + ".containers", "Required value"))
    names = set()
    for field in ("initContainers", "containers"):
        for i, c in enumerate(pod.get(field) or []):
            _check_container(c, "%s.%s[%d]" % (p, field, i), errs)
            if c.get("name") in names:
                errs.append(("%s.%s[%d].name" % (p, field, i),
                             'Duplicate value: "%s"' % c["name"]))
            names.add(c.get("name"))


_POD_MUTABLE = ("activeDeadlineSeconds", "tolerations", "terminationGracePeriodSeconds")


def _pod_spec_fixed(spec):
    """The part of a pod's spec an update may not change."""
    s = {k: v for k, v in (spec or {}).items() if k not in _POD_MUTABLE}
    for f in ("containers", "initContainers"):
        if f in s:
            s[f] = [{k: v for k, v in c.items() if k != "image"} for c in s[f]]
    return s


def validate_pod(o, prev):
    errs = []
    pod = o.get("spec") or {}
    _check_pod_spec(pod, "spec", errs)
    if pod.get("restartPolicy") not in ("Always", "OnFailure", "Never"):
        errs.append(("spec.restartPolicy", 'Unsupported value: "%s": supported values: '
                     '"Always", "OnFailure", "Never"' % pod.get("restartPolicy")))
    if prev is not None and _pod_spec_fixed(pod) != _pod_spec_fixed(prev.get("spec")):
        errs.append(("spec", "Forbidden: pod updates may not change fields other than "
                     "`spec.containers[*].image`,`spec.initContainers[*].image`,"
                     "`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to "
                     "existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to "
                     "be set to 1 if it was previously negative)"))
    return errs


def pod_status(o):
    """A new pod's status: Pending (nothing schedules or runs it here), with
    its QoS class as the real server computes it."""
    cs = (o.get("spec") or {}).get("containers") or []
    res = [c.get("resources") or {} for c in cs]
    if not any(r.get("requests") or r.get("limits") for r in res):
        qos = "BestEffort"
    elif all(all(((r.get("limits") or {}).get(x) is not None and
                  (r.get("requests") or {}).get(x, r["limits"][x]) == r["limits"][x])
                 for x in ("cpu", "memory")) for r in res):
        qos = "Guaranteed"
    else:
        qos = "Burstable"
    return {"phase": "Pending", "qosClass": qos}


def grace_period(rt, o, opts):
    """Seconds a delete waits for the kubelet (pods only), or 0: at once."""
    if rt.key != ("", "pods"):
        return 0
    g = opts.get("gracePeriodSeconds")
    if g is None:
        g = (o.get("spec") or {}).get("terminationGracePeriodSeconds", 30)
    try:
        g = int(g)
    except (TypeError, ValueError):
        from .api import bad_request
        raise bad_request("gracePeriodSeconds: Invalid value: %s" % json.dumps(g))
    if not (o.get("spec") or {}).get("nodeName") or \
            (o.get("status") or {}).get("phase") in ("Failed", "Succeeded"):
        return 0
    return 1 if g < 0 else g


_RBAC = "rbac.authorization.k8s.io"


def _validate_rules(o, namespaced):
    errs = []
    for i, r in enumerate(o.get("rules") or []):
        p = "rules[%d]" % i
        if not r.get("verbs"):
            errs.append((p + ".verbs", "Required value: verbs must contain at least one value"))
        if r.get("nonResourceURLs"):
            if namespaced:
                errs.append((p + ".nonResourceURLs", "Invalid value: %s: namespaced rules "
                             "cannot apply to non-resource URLs" % json.dumps(r["nonResourceURLs"])))
            if r.get("apiGroups") or r.get("resources"):
                errs.append((p + ".nonResourceURLs", "Invalid value: %s: rules cannot apply "
                             "to both regular resources and non-resource URLs"
                             % json.dumps(r["nonResourceURLs"])))
            continue
        if not r.get("apiGroups"):
            errs.append((p + ".apiGroups", "Required value: resource rules must supply at "
                         "least one api group"))
        if not r.get("resources"):
            errs.append((p + ".resources", "Required value: resource rules must supply at "
                         "least one resource"))
    return errs


def validate_role(o, prev):
    return _validate_rules(o, True)


def validate_clusterrole(o, prev):
    return _validate_rules(o, False)


def _validate_binding(o, prev, namespaced):
    errs = []
    ref = o.get("roleRef") or {}
    if ref.get("apiGroup") != _RBAC:
        errs.append(("roleRef.apiGroup", 'Unsupported value: "%s": supported values: "%s"'
                     % (ref.get("apiGroup", ""), _RBAC)))
    kinds = ("ClusterRole", "Role") if namespaced else ("ClusterRole",)
    if ref.get("kind") not in kinds:
        errs.append(("roleRef.kind", "Unsupported value: \"%s\": supported values: %s"
                     % (ref.get("kind", ""), ", ".join('"%s"' % k for k in kinds))))
    if not ref.get("name"):
        errs.append(("roleRef.name", "Required value"))
    for i, s in enumerate(o.get("subjects") or []):
        p = "subjects[%d]" % i
        k = s.get("kind")
        if not s.get("name"):
            errs.append((p + ".name", "Required value"))
        if k == "ServiceAccount":
            if s.get("apiGroup"):
                errs.append((p + ".apiGroup", 'Unsupported value: "%s": supported values: ""'
                             % s["apiGroup"]))
            if not namespaced and not s.get("namespace"):
                errs.append((p + ".namespace", "Required value"))
        elif k in ("User", "Group"):
            if s.get("apiGroup") != _RBAC:
                errs.append((p + ".apiGroup", 'Unsupported value: "%s": supported values: "%s"'
                             % (s.get("apiGroup", ""), _RBAC)))
        else:
            errs.append((p + ".kind", 'Unsupported value: "%s": supported values: '
                         '"ServiceAccount", "User", "Group"' % (k or "")))
    if prev is not None and prev.get("roleRef") != o.get("roleRef"):
        errs.append(("roleRef", "Invalid value: %s: cannot change roleRef"
                     % json.dumps(o.get("roleRef"))))
    return errs


def validate_rolebinding(o, prev):
    return _validate_binding(o, prev, True)


def validate_clusterrolebinding(o, prev):
    return _validate_binding(o, prev, False)


# ------------------------------------------------------------------ defaulting
def default_daemonset(o):
    spec = o.setdefault("spec", {})
    us = spec.setdefault("updateStrategy", {})
    us.setdefault("type", "RollingUpdate")
    if us["type"] == "RollingUpdate":
        ru = us.setdefault("rollingUpdate", {})
        ru.setdefault("maxUnavailable", 1)
        ru.setdefault("maxSurge", 0)
    default_pod_spec(spec.get("template", {}).get("spec"))


def default_pod(o):
    default_pod_spec(o.get("spec"))


def default_pod_spec(pod):
    if not isinstance(pod, dict):
        return
    pod.setdefault("enableServiceLinks", True)
    for c in (pod.get("containers") or []) + (pod.get("initContainers") or []):
        if not c.get("imagePullPolicy"):
            img = c.get("image") or ""
            tag = img.rsplit("/", 1)[-1]
            c["imagePullPolicy"] = "IfNotPresent" if (":" in tag and not tag.endswith(
                ":latest")) or "@" in img else "Always"
        if pod.get("hostNetwork"):
            for p in c.get("ports") or []:
                p.setdefault("hostPort", p.get("containerPort"))


# ------------------------------------------------------------------ table cells
def _zero(path):
    def f(o):
        v = o
        for k in path:
            v = v.get(k) if isinstance(v, dict) else None
        return v if isinstance(v, int) else 0
    return f


def _node_selector(o):
    m = ((o.get("spec") or {}).get("template") or {}).get("spec", {}).get("nodeSelector")
    return ",".join("%s=%s" % (k, m[k]) for k in sorted(m)) if m else "<none>"


def _role(o):
    r = o.get("roleRef") or {}
    return "%s/%s" % (r.get("kind", ""), r.get("name", ""))


def _subjects(kind, fmt):
    def f(o):
        out = [fmt(x) for x in o.get("subjects") or [] if x.get("kind") == kind]
        return ", ".join(out)
    return f


def _pod_containers(field):
    def f(o):
        cs = ((o.get("spec") or {}).get("template") or {}).get("spec", {}).get("containers")
        return ",".join(c.get(field, "") for c in cs or [])
    return f


def _selector(o):
    sel = (o.get("spec") or {}).get("selector") or {}
    parts = ["%s=%s" % (k, v) for k, v in sorted((sel.get("matchLabels") or {}).items())]
    for e in sel.get("matchExpressions") or []:
        op = e.get("operator")
        if op in ("In", "NotIn"):
            parts.append("%s %s (%s)" % (e.get("key"), op.lower(), ",".join(e.get("values") or [])))
        elif op == "Exists":
            parts.append(e.get("key"))
        elif op == "DoesNotExist":
            parts.append("!" + e.get("key"))
    return ",".join(parts) or "<none>"


def _binding_columns():
    return [{"name": "Role", "type": "string", "fn": _role}, _age(),
            {"name": "Users", "type": "string", "priority": 1,
             "fn": _subjects("User", lambda x: x.get("name", ""))},
            {"name": "Groups", "type": "string", "priority": 1,
             "fn": _subjects("Group", lambda x: x.get("name", ""))},
            {"name": "ServiceAccounts", "type": "string", "priority": 1,
             "fn": _subjects("ServiceAccount", lambda x: "%s/%s" % (
                 x.get("namespace", ""), x.get("name", "")))}]


def _pod_ready(o):
    st = (o.get("status") or {}).get("containerStatuses") or []
    n = len((o.get("spec") or {}).get("containers") or [])
    return "%d/%d" % (sum(1 for c in st if c.get("ready")), n)


def _pod_status(o):
    if (o.get("metadata") or {}).get("deletionTimestamp"):
        return "Terminating"
    st = o.get("status") or {}
    return st.get("reason") or st.get("phase") or "Unknown"


def _pod_restarts(o):
    st = (o.get("status") or {}).get("containerStatuses") or []
    return sum(c.get("restartCount", 0) for c in st)


def _or_none(*path):
    def f(o):
        v = o
        for k in path:
            v = v.get(k) if isinstance(v, dict) else None
        return v if v else "<none>"
    return f


def _age():
    from .api import AGE_COL
    return AGE_COL


def _created_at():
    return {"name": "Created At", "type": "date", "jsonPath": ".metadata.creationTimestamp",
            "_raw_date": True}


# ------------------------------------------------------------------ the kinds
class Hooks:
    """What api.py asks a built-in kind for."""

    def __init__(self, schema, validate=None, default=None, status=None,
                 return_deleted=False):
        self.schema = schema
        self.validate = validate
        self.default = default
        self.status = status                  # a new object's status (or a function)
        self.return_deleted = return_deleted  # DELETE answers the object, not a Status


def _kinds():
    int_col = lambda name, path: {"name": name, "type": "integer", "fn": _zero(path)}
    return [
        (RType("", "v1", "pods", "pod", "Pod", True, short_names=["po"], categories=["all"],
               status=True,
               columns=[{"name": "Ready", "type": "string", "fn": _pod_ready},
                        {"name": "Status", "type": "string", "fn": _pod_status},
                        {"name": "Restarts", "type": "string", "fn": _pod_restarts},
                        _age(),
                        {"name": "IP", "type": "string", "priority": 1,
                         "fn": _or_none("status", "podIP")},
                        {"name": "Node", "type": "string", "priority": 1,
                         "fn": _or_none("spec", "nodeName")},
                        {"name": "Nominated Node", "type": "string", "priority": 1,
                         "fn": _or_none("status", "nominatedNodeName")},
                        {"name": "Readiness Gates", "type": "string", "priority": 1,
                         "fn": lambda o: "<none>"}],
               extra_fields=["spec.nodeName", "spec.restartPolicy", "spec.schedulerName",
                             "spec.serviceAccountName", "spec.hostNetwork", "status.phase",
                             "status.podIP", "status.podIPs", "status.nominatedNodeName"]),
         Hooks(POD, validate_pod, default_pod, status=pod_status, return_deleted=True)),
        (RType("", "v1", "serviceaccounts", "serviceaccount", "ServiceAccount", True,
               short_names=["sa"],
               columns=[{"name": "Secrets", "type": "string",
                         "fn": lambda o: len(o.get("secrets") or [])}, _age()]),
         Hooks(SERVICEACCOUNT)),
        (RType("apps", "v1", "daemonsets", "daemonset", "DaemonSet", True,
               short_names=["ds"], categories=["all"], status=True,
               columns=[int_col("Desired", ["status", "desiredNumberScheduled"]),
                        int_col("Current", ["status", "currentNumberScheduled"]),
                        int_col("Ready", ["status", "numberReady"]),
                        int_col("Up-to-date", ["status", "updatedNumberScheduled"]),
                        int_col("Available", ["status", "numberAvailable"]),
                        {"name": "Node Selector", "type": "string", "fn": _node_selector},
                        _age(),
                        {"name": "Containers", "type": "string", "priority": 1,
                         "fn": _pod_containers("name")},
                        {"name": "Images", "type": "string", "priority": 1,
                         "fn": _pod_containers("image")},
                        {"name": "Selector", "type": "string", "priority": 1,
                         "fn": _selector}]),
         Hooks(DAEMONSET, validate_daemonset, default_daemonset,
               status={"currentNumberScheduled": 0, "numberMisscheduled": 0,
                       "desiredNumberScheduled": 0, "numberReady": 0})),
        (RType(_RBAC, "v1", "clusterroles", "clusterrole", "ClusterRole", False,
               columns=[_created_at()]),
         Hooks(CLUSTERROLE, validate_clusterrole)),
        (RType(_RBAC, "v1", "clusterrolebindings", "clusterrolebinding", "ClusterRoleBinding",
               False, columns=_binding_columns()),
         Hooks(BINDING, validate_clusterrolebinding)),
        (RType(_RBAC, "v1", "roles", "role", "Role", True, columns=[_created_at()]),
         Hooks(ROLE, validate_role)),
        (RType(_RBAC, "v1", "rolebindings", "rolebinding", "RoleBinding", True,
               columns=_binding_columns()),
         Hooks(BINDING, validate_rolebinding)),
    ]


def register(api):
    """Serves the kinds above on api (an api.Api)."""
    for rt, hooks in _kinds():
        rt.schema = hooks.schema
        rt.hooks = hooks
        rt.generation = rt.kind == "DaemonSet"
        api.add_type(rt)


def prepare(rt, obj, prev, field_validation, warnings):
    """Decode, default and validate a built-in object on create (prev None)
    or update. Returns (object, errors); raises DecodeError (400) or
    ValueError("strict decoding error: ...") (400)."""
    hooks = getattr(rt, "hooks", None)
    if hooks is None:
        return obj, []
    unknown = []
    md = obj.setdefault("metadata", {})
    out = decode(hooks.schema, obj, "", unknown)
    # the caller goes on writing into the metadata it handed over
    decoded = out.get("metadata", {})
    md.clear()
    md.update(decoded)
    out["metadata"] = md
    if unknown:
        if field_validation == "Strict":
            raise StrictError("strict decoding error: " + ", ".join(
                'unknown field "%s"' % u for u in unknown))
        if field_validation != "Ignore":
            warnings.extend('unknown field "%s"' % u for u in unknown)
    if hooks.default:
        hooks.default(out)
    if hooks.status is not None and prev is None:
        out["status"] = hooks.status(out) if callable(hooks.status) else dict(hooks.status)
    errs = hooks.validate(out, prev) if hooks.validate else []
    return out, errs


class StrictError(ValueError):
    pass


def decode_message(rt, e):
    path, got, want = e.args[0]
    return ('%s in version "%s" cannot be handled as a %s: json: cannot unmarshal %s into '
            'Go struct field %s of type %s' % (rt.kind, rt.version, rt.kind, got,
                                               path or rt.kind, want))
