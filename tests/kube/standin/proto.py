"""Just enough of the Kubernetes protobuf encoding to read what kubectl's
typed commands send for built-ins (`kubectl create namespace X`)."""


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
    if (api_version, kind) != ("v1", "Namespace"):
        raise ProtoError("protobuf bodies are read for v1 Namespace only, not %s %s"
                         % (api_version, kind))
    obj = {"apiVersion": api_version, "kind": kind, "metadata": {}}
    for n, _, v in fields(raw):
        if n == 1:
            obj["metadata"] = object_meta(v)
        elif n == 2:
            obj["spec"] = {"finalizers": [_s(x) for m, _, x in fields(v) if m == 1]}
    return obj
