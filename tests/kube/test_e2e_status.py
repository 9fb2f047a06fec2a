"""Status of objects deleted and created again under the same name.

Every speaker writes its view of a BGPRoutePolicy's or BGPAdvertisement's
status only when that view changes. An object created again with the same
spec has the same view at generation 1 as the one deleted; it must still
get its status (it is another object: another uid, no status).
One node of the e2e lab (e2e_lab.py) is enough.
"""

import os
import sys
import time

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from e2e_lab import cond_is, lab_fixture, poll  # noqa: E402

PFX = "kt%d-" % os.getpid()

OBJS = {
    "bgproutepolicy": ("Accepted", """
apiVersion: bgp.miloapis.com/v1alpha1
kind: BGPRoutePolicy
metadata: {name: again}
spec:
  type: Import
  statements: [{action: Accept}]
"""),
    "bgpadvertisement": ("Advertised", """
apiVersion: bgp.miloapis.com/v1alpha1
kind: BGPAdvertisement
metadata: {name: again}
spec:
  prefixes: ["198.51.100.0/24"]
"""),
}


@pytest.fixture
def lab(request):
    yield from lab_fixture(request, PFX, nodes=("a",))


@pytest.mark.parametrize("kind", sorted(OBJS))
def test_status_of_object_created_again(lab, kind):
    ctype, text = OBJS[kind]

    def written():
        o = lab.get(kind, "again")
        return o if cond_is(o, ctype, "True") else None
    lab.apply(text)
    first = poll("%s status" % kind, written, 30)
    lab.kubectl("delete", kind, "again")
    poll("%s gone" % kind, lambda: lab.get(kind, "again") is None, 30)
    lab.apply(text)
    again = poll("%s status on the new object" % kind, written, 30)
    assert again["metadata"]["uid"] != first["metadata"]["uid"]
    assert again["metadata"]["generation"] == 1
    # Written once, not in a loop: the version stays put.
    rv = again["metadata"]["resourceVersion"]
    time.sleep(2)
    assert lab.get(kind, "again")["metadata"]["resourceVersion"] == rv
