"""Resource types, the object store, the event history and the watchers."""

import copy
import json
import os
import queue
import threading

from . import selectors


class RType:
    """One served resource (a CRD version or a built-in)."""

    def __init__(self, group, version, plural, singular, kind, namespaced,
                 short_names=(), categories=(), status=False, schema=None,
                 columns=None, selectable=(), builtin=True, list_kind=None,
                 extra_fields=(), verbs=None, smp=True):
        self.group = group
        self.version = version
        self.plural = plural
        self.singular = singular
        self.kind = kind
        self.list_kind = list_kind or kind + "List"
        self.namespaced = namespaced
        self.short_names = list(short_names)
        self.categories = list(categories)
        self.status = status
        self.schema = schema
        self.columns = columns
        self.selectable = list(selectable)
        self.builtin = builtin
        self.extra_fields = list(extra_fields)
        self.smp = smp
        self.view_of = None
        self.conv_out = None
        self.conv_in = None
        self.verbs = verbs or ["create", "delete", "deletecollection", "get", "list",
                               "patch", "update", "watch"]

    @property
    def key(self):
        return (self.group, self.plural)

    @property
    def api_version(self):
        return "%s/%s" % (self.group, self.version) if self.group else self.version

    @property
    def qualified(self):
        """How the real server names the resource in messages."""
        return "%s.%s" % (self.plural, self.group) if self.group else self.plural

    @property
    def kind_qualified(self):
        return "%s.%s" % (self.kind, self.group) if self.group else self.kind

    def field_labels(self, selectable=True):
        """selectable False: as a server before 1.31 (no CRD selectableFields)."""
        f = ["metadata.name", "metadata.namespace"]
        if selectable:
            f += [p.lstrip(".") for p in self.selectable]
        f += self.extra_fields
        return f


def obj_key(obj):
    md = obj.get("metadata", {})
    return (md.get("namespace", ""), md.get("name", ""))


CUT = object()
STOP = object()


class Watcher:
    def __init__(self, rt, namespace, lsel, fsel):
        self.rt = rt
        self.namespace = namespace
        self.lsel = lsel
        self.fsel = fsel
        self.q = queue.Queue()

    def matches(self, obj):
        if obj is None:
            return False
        md = obj.get("metadata", {})
        if self.namespace and md.get("namespace") != self.namespace:
            return False
        return (selectors.labels_match(self.lsel, md.get("labels"))
                and selectors.fields_match(self.fsel, obj))

    def translate(self, ev):
        """(type, obj, prev) as stored -> the (type, obj) this watcher sees, or None."""
        typ, obj, prev = ev
        if typ == "ADDED":
            return ("ADDED", obj) if self.matches(obj) else None
        if typ == "DELETED":
            return ("DELETED", obj) if self.matches(obj) else None
        new_ok, old_ok = self.matches(obj), self.matches(prev)
        if new_ok and old_ok:
            return ("MODIFIED", obj)
        if new_ok:
            return ("ADDED", obj)
        if old_ok:
            gone = copy.deepcopy(prev)
            gone["metadata"]["resourceVersion"] = obj["metadata"]["resourceVersion"]
            return ("DELETED", gone)
        return None


class Store:
    """All objects, one global resourceVersion counter, a bounded event history."""

    def __init__(self, max_history=100000):
        self.lock = threading.RLock()
        self.rv = 0
        self.objs = {}          # rt.key -> {(ns, name): obj}
        self.history = []       # (rv, rt.key, type, obj, prev)
        self.compacted = 0      # history holds every event with rv > compacted
        self.max_history = max_history
        self.persist_history = 2000
        self.watchers = set()
        self.dirty = False
        # One dump at a time (the flusher and the one at exit share a file).
        self.dump_lock = threading.Lock()
        self.on_commit = []     # callbacks (rt_key, type, obj, prev), under the lock

    # ---- reads
    def get(self, rtkey, ns, name):
        with self.lock:
            return self.objs.get(rtkey, {}).get((ns or "", name))

    def snapshot(self, rtkey, at_rv=None):
        """Objects of one type as they were at resourceVersion at_rv (None: now).
        Raises LookupError when at_rv is older than the compacted history."""
        with self.lock:
            cur = dict(self.objs.get(rtkey, {}))
            if at_rv is None or at_rv >= self.rv:
                return cur, self.rv
            if at_rv < self.compacted:
                raise LookupError(at_rv)
            for rv, key, typ, obj, prev in reversed(self.history):
                if rv <= at_rv:
                    break
                if key != rtkey:
                    continue
                k = obj_key(obj)
                if typ == "ADDED":
                    cur.pop(k, None)
                else:
                    cur[k] = prev
            return cur, at_rv

    # ---- writes
    def commit(self, rt, typ, obj, prev):
        """Stores a change and tells the watchers. Returns the stored object."""
        with self.lock:
            self.rv += 1
            obj = copy.deepcopy(obj)
            obj["metadata"]["resourceVersion"] = str(self.rv)
            table = self.objs.setdefault(rt.key, {})
            k = obj_key(obj)
            if typ == "DELETED":
                table.pop(k, None)
            else:
                table[k] = obj
            self.history.append((self.rv, rt.key, typ, obj, prev))
            if len(self.history) > self.max_history:
                drop = len(self.history) - self.max_history
                self.compacted = self.history[drop - 1][0]
                del self.history[:drop]
            for w in list(self.watchers):
                if w.rt.key == rt.key:
                    w.q.put((typ, obj, prev))
            for cb in self.on_commit:
                cb(rt.key, typ, obj, prev)
            self.dirty = True
            return obj

    def events_since(self, rtkey, rv):
        """Stored events of one type after rv; LookupError if compacted."""
        with self.lock:
            if rv < self.compacted:
                raise LookupError(rv)
            return [(t, o, p) for (r, k, t, o, p) in self.history if r > rv and k == rtkey]

    def compact(self):
        """Like the real server's compactor, which writes a key (one revision)
        and compacts etcd up to it: every earlier resourceVersion is gone."""
        with self.lock:
            self.rv += 1
            self.history = []
            self.compacted = self.rv
            self.dirty = True
            return self.rv

    def cut_watches(self):
        with self.lock:
            n = len(self.watchers)
            for w in list(self.watchers):
                w.q.put((CUT, None, None))
            return n

    def stop_watches(self):
        with self.lock:
            for w in list(self.watchers):
                w.q.put((STOP, None, None))

    # ---- persistence
    def dump(self, path):
        with self.dump_lock:
            self._dump(path)

    def _dump(self, path):
        with self.lock:
            # the newest events only: a restart is also a (partial) compaction
            hist = self.history[-self.persist_history:] if self.persist_history else []
            compacted = self.compacted
            if len(hist) < len(self.history):
                compacted = max(compacted, hist[0][0] - 1 if hist else self.rv)
            data = {
                "resourceVersion": self.rv,
                "compacted": compacted,
                "objects": [[list(k), o] for k, t in self.objs.items() for o in t.values()],
                "history": [[r, list(k), t, o, p] for (r, k, t, o, p) in hist],
            }
            self.dirty = False
        tmp = path + ".tmp"
        with open(tmp, "w") as f:
            json.dump(data, f)
        os.replace(tmp, path)

    def load(self, path):
        with open(path) as f:
            data = json.load(f)
        with self.lock:
            self.rv = int(data["resourceVersion"])
            self.compacted = int(data.get("compacted", self.rv))
            self.objs = {}
            for k, o in data["objects"]:
                self.objs.setdefault(tuple(k), {})[obj_key(o)] = o
            self.history = [(r, tuple(k), t, o, p) for (r, k, t, o, p) in data.get("history", [])]
