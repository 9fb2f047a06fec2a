"""The subset of kubectl JSONPath that printer columns use:
.a.b, .a[0], .a[*].b, .a[?(@.k=="v")].b, .a[?(@.k.m=='v')].b"""

import re

_TOKEN = re.compile(r"""\.([A-Za-z0-9_\-$]+)|\[(\d+|\*)\]|\[\?\(@((?:\.[A-Za-z0-9_\-]+)+)\s*(==|!=)\s*(?:"([^"]*)"|'([^']*)'|([^)\s]+))\)\]|\.?\[['"]([^'"]+)['"]\]""")


def compile_path(path):
    p = path.strip()
    if p.startswith("{") and p.endswith("}"):
        p = p[1:-1]
    if p.startswith("$"):
        p = p[1:]
    toks, pos = [], 0
    while pos < len(p):
        m = _TOKEN.match(p, pos)
        if not m:
            raise ValueError("unsupported JSONPath %r at %d" % (path, pos))
        if m.group(1) is not None:
            toks.append(("field", m.group(1)))
        elif m.group(8) is not None:
            toks.append(("field", m.group(8)))
        elif m.group(2) is not None:
            toks.append(("all", None) if m.group(2) == "*" else ("index", int(m.group(2))))
        else:
            lit = m.group(5) if m.group(5) is not None else (
                m.group(6) if m.group(6) is not None else m.group(7))
            toks.append(("filter", (m.group(3)[1:].split("."), m.group(4), lit)))
        pos = m.end()
    return toks


def _get(obj, segs):
    for s in segs:
        if not isinstance(obj, dict) or s not in obj:
            return None, False
        obj = obj[s]
    return obj, True


def evaluate(toks, obj):
    cur = [obj]
    for kind, arg in toks:
        nxt = []
        for c in cur:
            if kind == "field":
                if isinstance(c, dict) and arg in c:
                    nxt.append(c[arg])
            elif kind == "index":
                if isinstance(c, list) and -len(c) <= arg < len(c):
                    nxt.append(c[arg])
            elif kind == "all":
                if isinstance(c, list):
                    nxt.extend(c)
                elif isinstance(c, dict):
                    nxt.extend(c.values())
            elif kind == "filter":
                segs, op, lit = arg
                items = c if isinstance(c, list) else []
                for it in items:
                    v, ok = _get(it, segs)
                    if not ok:
                        continue
                    sv = v if isinstance(v, str) else (
                        ("true" if v else "false") if isinstance(v, bool) else str(v))
                    if (op == "==" and sv == lit) or (op == "!=" and sv != lit):
                        nxt.append(it)
        cur = nxt
    return cur
