"""Builders for bgp.miloapis.com/v1alpha1 manifests as Python dicts."""

API = "bgp.miloapis.com/v1alpha1"


def _obj(kind, name, spec, labels=None):
    md = {"name": name}
    if labels:
        md["labels"] = dict(labels)
    return {"apiVersion": API, "kind": kind, "metadata": md, "spec": spec}


def configuration(asn, listen_port=179, families=("IPv4", "IPv6"), **extra):
    spec = {"asNumber": asn, "listenPort": listen_port,
            "routerIDSource": "NodeIP",
            "addressFamilies": [{"afi": f, "safi": "Unicast"} for f in families]}
    spec.update(extra)
    return _obj("BGPConfiguration", "default", spec)


def endpoint(name, address, asn, port=None, labels=None):
    spec = {"address": address, "asNumber": asn}
    if port is not None:
        spec["port"] = port
    return _obj("BGPEndpoint", name, spec, labels)


def session(name, local, remote, hold=9, keepalive=3, labels=None,
            cluster_id=None, multihop=None):
    spec = {"localEndpoint": local, "remoteEndpoint": remote,
            "holdTime": hold, "keepaliveTime": keepalive}
    if cluster_id:
        spec["routeReflector"] = {"clusterID": cluster_id}
    if multihop:
        spec["ebgpConfig"] = {"multiHop": {"ttl": multihop}}
    return _obj("BGPSession", name, spec, labels)


def advertisement(name, prefixes, communities=None, local_pref=None,
                  peer_selector=None, endpoint_selector=None):
    spec = {"prefixes": list(prefixes)}
    if communities:
        spec["communities"] = list(communities)
    if local_pref is not None:
        spec["localPref"] = local_pref
    if peer_selector:
        spec["peerSelector"] = peer_selector
    if endpoint_selector:
        spec["endpointSelector"] = endpoint_selector
    return _obj("BGPAdvertisement", name, spec)


def route_policy(name, type_, statements, peer_selector=None):
    spec = {"type": type_, "statements": statements}
    if peer_selector:
        spec["peerSelector"] = peer_selector
    return _obj("BGPRoutePolicy", name, spec)


def peering_policy(name, selector, mode="mesh", hold=9, keepalive=3, rr=None):
    spec = {"selector": selector, "mode": mode,
            "sessionTemplate": {"holdTime": hold, "keepaliveTime": keepalive}}
    if rr:
        spec["routeReflectorConfig"] = rr
    return _obj("BGPPeeringPolicy", name, spec)
