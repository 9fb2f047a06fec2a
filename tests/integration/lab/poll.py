"""Polling with a deadline and subset matching of JSON-like values."""
import time


class Timeout(AssertionError):
    pass


# Guards: callables returning None while all is well, or a message when
# waiting any longer is pointless (e.g. the bgpd under test has died).
# Every wait_until() checks them, so a crash fails the test at once
# instead of after every remaining deadline.
_guards = []


def add_guard(fn):
    _guards.append(fn)


def clear_guards():
    del _guards[:]


def check_guards():
    for g in list(_guards):
        msg = g()
        if msg:
            raise AssertionError(msg)


def subset(expected, actual):
    """True when every key/value of `expected` is found in `actual`.

    Dicts match recursively on the keys of `expected`; a list in `expected`
    matches when each of its items matches some item of `actual` (order
    free); a callable is a predicate on the actual value; anything else
    compares with ==.
    """
    if callable(expected):
        try:
            return bool(expected(actual))
        except Exception:
            return False
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return False
        return all(k in actual and subset(v, actual[k])
                   for k, v in expected.items())
    if isinstance(expected, list):
        if not isinstance(actual, list):
            return False
        return all(any(subset(e, a) for a in actual) for e in expected)
    return expected == actual


def wait_until(fn, timeout=30.0, interval=0.25, what="condition",
               on_fail=None):
    """Call fn() until it returns a truthy value or the deadline passes.

    Exceptions raised by fn count as "not yet". On timeout, raise Timeout
    with the last value/exception and the text returned by on_fail()."""
    deadline = time.monotonic() + timeout
    last = None
    while True:
        check_guards()
        try:
            v = fn()
            if v:
                return v
            last = v
        except Exception as e:  # not ready yet
            last = e
        if time.monotonic() >= deadline:
            msg = "timed out after %.1fs waiting for %s; last: %r" % (
                timeout, what, last)
            if on_fail is not None:
                try:
                    msg += "\n" + on_fail()
                except Exception as e:
                    msg += "\n(diagnostics failed: %r)" % e
            raise Timeout(msg)
        time.sleep(interval)


def stays(fn, duration, interval=0.25, what="condition"):
    """Assert fn() stays truthy for `duration` seconds (used sparingly,
    only to prove that something does NOT happen, e.g. no reset)."""
    end = time.monotonic() + duration
    while time.monotonic() < end:
        v = fn()
        if not v:
            raise AssertionError("%s stopped holding: %r" % (what, v))
        time.sleep(interval)
