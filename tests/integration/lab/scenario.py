"""Common shapes of a test: one bgpd speaker on host `a` and peers on
other hosts, with the manifests to match."""
from . import manifests as m

LOCAL_AS = 65001
NODE = "node-a"
ADV4 = "192.0.2.0/24"
ADV6 = "2001:db8:100::/48"
COMMS = ["65001:100"]
LARGE = ["65001:1:2"]


def speaker_docs(host, family=4, asn=LOCAL_AS, name=NODE, labels=None,
                 families=("IPv4", "IPv6"), cluster=None):
    return [m.configuration(asn, 179, families),
            m.endpoint(name, host.addr(family), asn,
                       labels=labels or {"role": "node"})]


def peer_docs(session_name, remote_name, remote_host, remote_as, family=4,
              local=NODE, ep_labels=None, session_labels=None, **kw):
    return [m.endpoint(remote_name, remote_host.addr(family), remote_as,
                       port=179, labels=ep_labels or {"role": "border"}),
            m.session(session_name, local, remote_name,
                      labels=session_labels, **kw)]


def advert_docs(family=4, name="svc", prefixes=None, communities=None, **kw):
    prefixes = prefixes or [ADV6 if family == 6 else ADV4]
    return [m.advertisement(name, prefixes,
                            communities=COMMS + LARGE if communities is None
                            else communities, **kw)]
