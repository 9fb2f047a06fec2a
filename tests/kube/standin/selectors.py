"""Label and field selectors, parsed and matched as the real API server does."""

import re


class SelectorError(ValueError):
    pass


_KEY = r"[A-Za-z0-9]([-A-Za-z0-9_./]*[A-Za-z0-9])?"
_VAL = r"([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?"


def _split_top(s):
    """Split on commas that are not inside parentheses."""
    parts, depth, cur = [], 0, []
    for ch in s:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    parts.append("".join(cur))
    return parts


def _check_key(k, text):
    if not re.fullmatch(_KEY, k) or len(k.split("/")[-1]) > 63:
        raise SelectorError("unable to parse requirement: invalid label key \"%s\"" % k)


def _check_val(v):
    if len(v) > 63 or not re.fullmatch(_VAL, v):
        raise SelectorError("unable to parse requirement: invalid label value: \"%s\"" % v)


def parse_label_selector(text):
    """Returns a list of (key, op, values). op in = != in notin exists !exists."""
    reqs = []
    if text is None or text.strip() == "":
        return reqs
    for part in _split_top(text):
        p = part.strip()
        if p == "":
            raise SelectorError("found '', expected: identifier")
        m = re.fullmatch(r"(\S+)\s+(in|notin)\s*\((.*)\)", p)
        if m:
            key, op, vals = m.group(1), m.group(2), m.group(3)
            _check_key(key, text)
            values = [v.strip() for v in vals.split(",")] if vals.strip() else []
            if not values:
                raise SelectorError("for 'in', 'notin' operators, values set can't be empty")
            for v in values:
                _check_val(v)
            reqs.append((key, op, values))
            continue
        m = re.fullmatch(r"([^=!\s]+)\s*(==|!=|=)\s*(\S*)", p)
        if m:
            key, op, val = m.group(1), m.group(2), m.group(3)
            _check_key(key, text)
            _check_val(val)
            reqs.append((key, "!=" if op == "!=" else "=", [val]))
            continue
        if p.startswith("!"):
            key = p[1:].strip()
            _check_key(key, text)
            reqs.append((key, "!exists", []))
            continue
        if re.fullmatch(r"\S+", p):
            _check_key(p, text)
            reqs.append((p, "exists", []))
            continue
        raise SelectorError("unable to parse requirement: %s" % p)
    return reqs


def labels_match(reqs, labels):
    labels = labels or {}
    for key, op, values in reqs:
        has = key in labels
        v = labels.get(key)
        if op == "=":
            if not has or v != values[0]:
                return False
        elif op == "!=":
            if has and v == values[0]:
                return False
        elif op == "in":
            if not has or v not in values:
                return False
        elif op == "notin":
            if has and v in values:
                return False
        elif op == "exists":
            if not has:
                return False
        elif op == "!exists":
            if has:
                return False
    return True


def _unescape_field(v):
    out, i = [], 0
    while i < len(v):
        if v[i] == "\\" and i + 1 < len(v):
            out.append(v[i + 1])
            i += 2
        else:
            out.append(v[i])
            i += 1
    return "".join(out)


def parse_field_selector(text):
    """Returns a list of (field, op, value), op in = !=."""
    reqs = []
    if text is None or text.strip() == "":
        return reqs
    for part in text.split(","):
        p = part.strip()
        if p == "":
            continue
        m = re.fullmatch(r"([^=!]+)(==|!=|=)(.*)", p)
        if not m:
            raise SelectorError("invalid selector: '%s'; can't understand '%s'" % (text, p))
        reqs.append((m.group(1).strip(), "!=" if m.group(2) == "!=" else "=",
                     _unescape_field(m.group(3))))
    return reqs


def field_value(obj, path):
    """Value of a dotted field path as the string the field selector compares."""
    cur = obj
    for seg in path.split("."):
        if not isinstance(cur, dict) or seg not in cur:
            return ""
        cur = cur[seg]
    if cur is None:
        return ""
    if isinstance(cur, bool):
        return "true" if cur else "false"
    if isinstance(cur, (dict, list)):
        return ""
    return str(cur)


def fields_match(reqs, obj):
    for field, op, value in reqs:
        v = field_value(obj, field)
        if op == "=" and v != value:
            return False
        if op == "!=" and v == value:
            return False
    return True
