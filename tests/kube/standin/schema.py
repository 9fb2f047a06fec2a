"""Structural-schema handling for custom resources, as the real API server
does it on every write: prune unknown fields, apply defaults, validate."""

import copy
import datetime
import ipaddress
import re


def _is_int(v):
    return isinstance(v, int) and not isinstance(v, bool) or (
        isinstance(v, float) and v.is_integer())


def _type_ok(t, v):
    if t == "object":
        return isinstance(v, dict)
    if t == "array":
        return isinstance(v, list)
    if t == "string":
        return isinstance(v, str)
    if t == "integer":
        return _is_int(v)
    if t == "number":
        return isinstance(v, (int, float)) and not isinstance(v, bool)
    if t == "boolean":
        return isinstance(v, bool)
    return True


def _fmt(v):
    import json
    return json.dumps(v)


def _format_ok(fmt, v):
    if not isinstance(v, str):
        return True
    try:
        if fmt == "ipv4":
            ipaddress.IPv4Address(v)
        elif fmt == "ipv6":
            ipaddress.IPv6Address(v)
        elif fmt == "cidr":
            ipaddress.ip_network(v, strict=False)
        elif fmt == "date-time":
            datetime.datetime.fromisoformat(v.replace("Z", "+00:00"))
        return True
    except ValueError:
        return False


def prune_and_default(schema, obj, path="", unknown=None, top=True):
    """Drops fields the schema does not know (collected in `unknown`),
    drops non-nullable nulls, applies defaults. Mutates obj; returns it."""
    if unknown is None:
        unknown = []
    if not isinstance(schema, dict):
        return obj
    if isinstance(obj, dict):
        props = schema.get("properties")
        preserve = schema.get("x-kubernetes-preserve-unknown-fields", False)
        addl = schema.get("additionalProperties")
        for k in list(obj.keys()):
            sub = None
            if props is not None and k in props:
                sub = props[k]
            elif isinstance(addl, dict):
                sub = addl
            elif addl is True or preserve:
                continue
            elif top and k in ("apiVersion", "kind", "metadata"):
                continue
            else:
                unknown.append((path + "." + k).lstrip("."))
                del obj[k]
                continue
            if obj[k] is None and not sub.get("nullable", False):
                del obj[k]
                continue
            if top and k == "metadata":
                continue
            prune_and_default(sub, obj[k], path + "." + k, unknown, top=False)
        if props:
            for k, sub in props.items():
                if k not in obj and isinstance(sub, dict) and "default" in sub:
                    obj[k] = copy.deepcopy(sub["default"])
                    prune_and_default(sub, obj[k], path + "." + k, [], top=False)
    elif isinstance(obj, list):
        items = schema.get("items")
        if isinstance(items, dict):
            for i, it in enumerate(obj):
                prune_and_default(items, it, "%s[%d]" % (path, i), unknown, top=False)
    return obj


def validate(schema, v, path, errs):
    """Appends (field, message) pairs for each violation."""
    if not isinstance(schema, dict):
        return
    name = path or "<root>"
    if v is None:
        if schema.get("nullable"):
            return
    t = schema.get("type")
    if schema.get("x-kubernetes-int-or-string"):
        if not (_is_int(v) or isinstance(v, str)):
            errs.append((name, "Invalid value: %s: %s in body must be of type int-or-string: %s"
                         % (_fmt(v), name, _fmt(type(v).__name__))))
            return
    elif t and not _type_ok(t, v):
        got = {dict: "object", list: "array", str: "string", bool: "boolean",
               int: "integer", float: "number"}.get(type(v), "null")
        errs.append((name, "Invalid value: \"%s\": %s in body must be of type %s: \"%s\""
                     % (got, name, t, got)))
        return
    if "enum" in schema and v not in schema["enum"]:
        errs.append((name, "Unsupported value: %s: supported values: %s"
                     % (_fmt(v), ", ".join(_fmt(e) for e in schema["enum"]))))
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        if "minimum" in schema:
            if v < schema["minimum"] or (schema.get("exclusiveMinimum") and v == schema["minimum"]):
                errs.append((name, "Invalid value: %s: %s in body should be greater than or equal to %s"
                             % (_fmt(v), name, schema["minimum"])))
        if "maximum" in schema:
            if v > schema["maximum"] or (schema.get("exclusiveMaximum") and v == schema["maximum"]):
                errs.append((name, "Invalid value: %s: %s in body should be less than or equal to %s"
                             % (_fmt(v), name, schema["maximum"])))
    if isinstance(v, str):
        if "minLength" in schema and len(v) < schema["minLength"]:
            errs.append((name, "Invalid value: %s: %s in body should be at least %d chars long"
                         % (_fmt(v), name, schema["minLength"])))
        if "maxLength" in schema and len(v) > schema["maxLength"]:
            errs.append((name, "Too long: may not be more than %d bytes" % schema["maxLength"]))
        if "pattern" in schema and not re.search(schema["pattern"], v):
            errs.append((name, "Invalid value: %s: %s in body should match '%s'"
                         % (_fmt(v), name, schema["pattern"])))
        if "format" in schema and not _format_ok(schema["format"], v):
            errs.append((name, "Invalid value: %s: %s in body must be of type %s: %s"
                         % (_fmt(v), name, schema["format"], _fmt(v))))
    if isinstance(v, list):
        if "minItems" in schema and len(v) < schema["minItems"]:
            errs.append((name, "Invalid value: %d: %s in body should have at least %d items"
                         % (len(v), name, schema["minItems"])))
        if "maxItems" in schema and len(v) > schema["maxItems"]:
            errs.append((name, "Too many: %d: must have at most %d items"
                         % (len(v), schema["maxItems"])))
        items = schema.get("items")
        for i, it in enumerate(v):
            validate(items, it, "%s[%d]" % (path, i), errs)
        lt = schema.get("x-kubernetes-list-type")
        if lt == "map":
            keys = schema.get("x-kubernetes-list-map-keys", [])
            seen = set()
            for i, it in enumerate(v):
                if isinstance(it, dict):
                    k = tuple(_fmt(it.get(x)) for x in keys)
                    if k in seen:
                        errs.append(("%s[%d]" % (path, i), "Duplicate value: %s"
                                     % _fmt({x: it.get(x) for x in keys})))
                    seen.add(k)
        elif lt == "set":
            seen = []
            for i, it in enumerate(v):
                if it in seen:
                    errs.append(("%s[%d]" % (path, i), "Duplicate value: %s" % _fmt(it)))
                seen.append(it)
    if isinstance(v, dict):
        props = schema.get("properties") or {}
        for r in schema.get("required", []) or []:
            if r not in v:
                errs.append(((path + "." + r).lstrip("."), "Required value"))
        for k, sub in props.items():
            if k in v and not (path == "" and k == "metadata"):
                validate(sub, v[k], (path + "." + k).lstrip("."), errs)
        addl = schema.get("additionalProperties")
        if isinstance(addl, dict):
            for k, val in v.items():
                if k not in props:
                    validate(addl, val, (path + "." + k).lstrip("."), errs)
        if "minProperties" in schema and len(v) < schema["minProperties"]:
            errs.append((name, "Invalid value: %d: %s in body should have at least %d properties"
                         % (len(v), name, schema["minProperties"])))
    for key in ("anyOf", "oneOf"):
        if key in schema:
            ok = 0
            for alt in schema[key]:
                e = []
                validate(alt, v, path, e)
                if not e:
                    ok += 1
            if ok == 0 or (key == "oneOf" and ok > 1):
                first = []
                validate(schema[key][0], v, path, first)
                errs.extend(first or [(name, "Invalid value: %s: %s in body must match exactly one schema in oneOf" % (_fmt(v), name))])
    if "allOf" in schema:
        for alt in schema["allOf"]:
            validate(alt, v, path, errs)
    if "not" in schema:
        e = []
        validate(schema["not"], v, path, e)
        if not e:
            errs.append((name, "Invalid value: %s: %s in body should not match the schema" % (_fmt(v), name)))
