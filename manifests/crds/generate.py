#!/usr/bin/env python3
"""Write the six bgp.miloapis.com/v1alpha1 CustomResourceDefinitions.

The CRDs are committed; this script is how they are made, so that the
shared pieces (label selectors, conditions, address families) are written
once. Run it from anywhere: it writes next to itself.

Wire compatibility: group, version, kinds, names, scope, fields, defaults,
printer columns and the status subresource are those of the original API.
Extensions (all optional, additive): IPv4 wherever IPv6 was accepted,
BGPConfiguration spec.maxPaths (ECMP),
BGPEndpoint spec.port, BGPAdvertisement spec.endpointSelector and large /
well-known communities, BGPPeeringPolicy route-reflector mode, and
selectable fields spec.localEndpoint / spec.remoteEndpoint on BGPSession
(Kubernetes >= 1.31).
"""

import os

import yaml

GROUP = "bgp.miloapis.com"
VERSION = "v1alpha1"
HERE = os.path.dirname(os.path.abspath(__file__))


def s(desc, **kw):
    return dict(type="string", description=desc, **kw)


def i32(desc, **kw):
    return dict(type="integer", format="int32", description=desc, **kw)


def u32(desc, minimum=0):
    return dict(type="integer", format="int64", minimum=minimum,
                maximum=4294967295, description=desc)


def obj(desc, props, required=None, **kw):
    o = dict(type="object", description=desc, properties=props)
    if required:
        o["required"] = required
    o.update(kw)
    return o


def arr(desc, items, **kw):
    return dict(type="array", description=desc, items=items, **kw)


def selector(desc):
    return obj(desc, {
        "matchExpressions": arr(
            "matchExpressions is a list of label selector requirements. "
            "The requirements are ANDed.",
            obj("A label selector requirement: a key, an operator and "
                "values.", {
                    "key": s("key is the label key that the selector "
                             "applies to."),
                    "operator": s("operator is one of In, NotIn, Exists "
                                  "and DoesNotExist."),
                    "values": arr("values is a list of string values. In "
                                  "and NotIn need at least one; Exists "
                                  "and DoesNotExist take none.",
                                  {"type": "string"},
                                  **{"x-kubernetes-list-type": "atomic"}),
                }, ["key", "operator"]),
            **{"x-kubernetes-list-type": "atomic"}),
        "matchLabels": dict(
            type="object", additionalProperties={"type": "string"},
            description="matchLabels is a map of {key,value} pairs; each "
                        "one must be present on the object."),
    }, **{"x-kubernetes-map-type": "atomic"})


def families(desc):
    return arr(desc, obj("AddressFamily identifies a BGP address family.", {
        "afi": s("AFI is the Address Family Indicator.",
                 enum=["IPv4", "IPv6"]),
        "safi": s("SAFI is the Subsequent Address Family Indicator. "
                  "Multicast is accepted and reported as unsupported.",
                  enum=["Unicast", "Multicast"], default="Unicast"),
    }, ["afi"]))


def conditions(desc):
    cond = obj("Condition contains details for one aspect of the current "
               "state of this resource.", {
                   "lastTransitionTime": s(
                       "lastTransitionTime is the last time the condition "
                       "transitioned from one status to another.",
                       format="date-time"),
                   "message": s("message is a human readable message about "
                                "the transition. It may be empty.",
                                maxLength=32768),
                   "observedGeneration": dict(
                       type="integer", format="int64", minimum=0,
                       description="observedGeneration is the "
                                   ".metadata.generation the condition was "
                                   "set from."),
                   "reason": s("reason is a CamelCase identifier of the "
                               "cause of the last transition.",
                               maxLength=1024, minLength=1,
                               pattern=r"^[A-Za-z]([A-Za-z0-9_,:]*"
                                       r"[A-Za-z0-9_])?$"),
                   "status": s("status of the condition: True, False or "
                               "Unknown.", enum=["True", "False", "Unknown"]),
                   "type": s("type of condition in CamelCase or in "
                             "foo.example.com/CamelCase.", maxLength=316,
                             pattern=r"^([a-z0-9]([-a-z0-9]*[a-z0-9])?"
                                     r"(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?"
                                     r"(([A-Za-z0-9][-A-Za-z0-9_.]*)?"
                                     r"[A-Za-z0-9])$"),
               }, ["lastTransitionTime", "message", "reason", "status",
                   "type"])
    return arr(desc, cond, **{"x-kubernetes-list-map-keys": ["type"],
                              "x-kubernetes-list-type": "map"})


IP = [{"format": "ipv4"}, {"format": "ipv6"}]


def crd(kind, plural, short, desc, spec, status, columns=None,
        selectable=None):
    version = {
        "name": VERSION,
        "served": True,
        "storage": True,
        "subresources": {"status": {}},
        "schema": {"openAPIV3Schema": obj(desc, {
            "apiVersion": s("APIVersion defines the versioned schema of "
                            "this representation of an object."),
            "kind": s("Kind is the REST resource this object represents, "
                      "in CamelCase."),
            "metadata": {"type": "object"},
            "spec": spec,
            "status": status,
        }, ["spec"])},
    }
    if columns:
        version["additionalPrinterColumns"] = [
            {"jsonPath": p, "name": n, "type": t} for n, t, p in columns]
    if selectable:
        version["selectableFields"] = [{"jsonPath": p} for p in selectable]
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": "%s.%s" % (plural, GROUP)},
        "spec": {
            "group": GROUP,
            "names": {"kind": kind, "listKind": kind + "List",
                      "plural": plural, "singular": kind.lower(),
                      "shortNames": [short]},
            "scope": "Cluster",
            "versions": [version],
        },
    }


CONFIGURATION = crd(
    "BGPConfiguration", "bgpconfigurations", "bgpconfig",
    "BGPConfiguration declares the BGP speaker identity of the cluster. "
    "There is one, named default.",
    obj("BGPConfigurationSpec declares the local BGP speaker identity.", {
        "asNumber": u32("ASNumber is the local AS number. For single-cluster "
                        "iBGP all nodes share it.", minimum=1),
        "listenPort": i32("ListenPort is the TCP port the speakers listen "
                          "on. Defaults to 1790.", default=1790, minimum=1,
                          maximum=65535),
        "routerIDSource": s("RouterIDSource: NodeIP (default) derives the "
                            "router ID from the local endpoint's address "
                            "(IPv4, or the last 4 bytes of IPv6); Manual "
                            "uses routerID.", enum=["NodeIP", "Manual"],
                            default="NodeIP"),
        "routerID": s("RouterID is the BGP router ID in dotted-quad "
                      "notation. Required when routerIDSource is Manual."),
        "addressFamilies": families("AddressFamilies the speaker activates. "
                                    "Defaults to IPv6 unicast."),
        "maxPaths": i32("MaxPaths (extension) is how many equal-cost paths "
                        "of one neighbor AS are installed together in the "
                        "kernel (ECMP). Defaults to 1: the best path only.",
                        default=1, minimum=1, maximum=64),
    }, ["asNumber"]),
    obj("BGPConfigurationStatus is the speaker's view of its identity.", {
        "conditions": conditions("Conditions: SpeakerReady."),
        "observedASNumber": dict(type="integer", format="int64",
                                 description="The AS number in use."),
        "observedRouterID": s("The router ID in use."),
    }),
    columns=[("AS", "integer", ".spec.asNumber"),
             ("Port", "integer", ".spec.listenPort"),
             ("Ready", "string",
              '.status.conditions[?(@.type=="SpeakerReady")].status')])

ENDPOINT = crd(
    "BGPEndpoint", "bgpendpoints", "bgpep",
    "BGPEndpoint declares that a BGP speaker exists at an address with an "
    "AS number. Peering policies and peer selectors match their labels.",
    obj("BGPEndpointSpec declares the identity of a BGP speaker endpoint.", {
        "address": dict(type="string", anyOf=IP,
                        description="Address of this BGP speaker, IPv6 or "
                                    "(extension) IPv4."),
        "asNumber": u32("ASNumber is the AS number this endpoint belongs "
                        "to.", minimum=1),
        "port": i32("Port this speaker listens on (extension). Defaults to "
                    "the BGPConfiguration's listenPort.", minimum=1,
                    maximum=65535),
        "addressFamilies": families("AddressFamilies this endpoint "
                                    "supports. Defaults to IPv6 unicast."),
    }, ["address", "asNumber"]),
    obj("BGPEndpointStatus reflects the observed state of the endpoint.", {
        "conditions": conditions("Conditions: SpeakerReady, set by the "
                                 "speaker serving this endpoint."),
    }),
    columns=[("Address", "string", ".spec.address"),
             ("ASN", "integer", ".spec.asNumber")])

SESSION = crd(
    "BGPSession", "bgpsessions", "bgpsess",
    "BGPSession declares a BGP peering between two BGPEndpoints. Both "
    "speakers configure it, each from its own side.",
    obj("BGPSessionSpec declares a peering between two BGPEndpoints.", {
        "localEndpoint": s("LocalEndpoint names the local BGPEndpoint."),
        "remoteEndpoint": s("RemoteEndpoint names the remote BGPEndpoint."),
        "holdTime": i32("HoldTime in seconds. Defaults to 90.", default=90,
                        minimum=3),
        "keepaliveTime": i32("KeepaliveTime in seconds. Defaults to 30.",
                             default=30, minimum=1),
        "routeReflector": obj(
            "RouteReflector: the local side treats the remote side as a "
            "route-reflector client.",
            {"clusterID": s("ClusterID is the route reflector cluster ID "
                            "(dotted quad).")}, ["clusterID"]),
        "ebgpConfig": obj(
            "EBGPConfig holds eBGP session parameters. multiHop and "
            "ttlSecurity are mutually exclusive.", {
                "multiHop": obj("MultiHop allows peers that are not "
                                "directly connected.",
                                {"ttl": i32("TTL is the maximum number of "
                                            "hops (1-255).", minimum=1,
                                            maximum=255)}, ["ttl"]),
                "ttlSecurity": obj("TTLSecurity enables GTSM (RFC 5082).",
                                   {"ttl": i32("TTL: the hop count "
                                               "accepted (1-255).",
                                               minimum=1, maximum=255)},
                                   ["ttl"]),
            }),
    }, ["localEndpoint", "remoteEndpoint"]),
    obj("BGPSessionStatus reflects the observed session. Counters are "
        "metrics, not status.", {
            "conditions": conditions("Conditions: Configured, "
                                     "SessionEstablished."),
        }),
    columns=[("Local", "string", ".spec.localEndpoint"),
             ("Remote", "string", ".spec.remoteEndpoint"),
             ("Configured", "string",
              '.status.conditions[?(@.type=="Configured")].status'),
             ("Established", "string",
              '.status.conditions[?(@.type=="SessionEstablished")].status')],
    selectable=[".spec.localEndpoint", ".spec.remoteEndpoint"])

PEERING = crd(
    "BGPPeeringPolicy", "bgppeeringpolicies", "bgppp",
    "BGPPeeringPolicy generates BGPSessions between the BGPEndpoints its "
    "selector matches: every pair (mesh) or reflector to clients "
    "(route-reflector).",
    obj("BGPPeeringPolicySpec selects endpoints and the peering mode.", {
        "selector": selector("Selector selects the BGPEndpoints of this "
                             "policy."),
        "mode": s("Mode: mesh (one session per pair, the default) or "
                  "route-reflector.", enum=["mesh", "route-reflector"],
                  default="mesh"),
        "routeReflectorConfig": obj(
            "RouteReflectorConfig is required in route-reflector mode.", {
                "reflectorSelector": selector(
                    "ReflectorSelector must match exactly one selected "
                    "endpoint: the reflector."),
                "clusterID": s("ClusterID of the reflector (dotted quad); "
                               "its router ID when absent."),
            }, ["reflectorSelector"]),
        "sessionTemplate": obj("SessionTemplate: timers copied into the "
                               "generated sessions.", {
                                   "holdTime": i32("HoldTime in seconds."),
                                   "keepaliveTime": i32("KeepaliveTime in "
                                                        "seconds."),
                               }),
    }, ["selector"]),
    obj("BGPPeeringPolicyStatus, written by the lease holder.", {
        "activeSessions": i32("Sessions this policy generates."),
        "matchedEndpoints": i32("Endpoints the selector matches."),
        "conditions": conditions("Conditions: InvalidConfig."),
    }),
    columns=[("Mode", "string", ".spec.mode"),
             ("Endpoints", "integer", ".status.matchedEndpoints"),
             ("Sessions", "integer", ".status.activeSessions")])

ADVERTISEMENT = crd(
    "BGPAdvertisement", "bgpadvertisements", "bgpadvert",
    "BGPAdvertisement declares prefixes to originate into BGP.",
    obj("BGPAdvertisementSpec declares prefixes and their attributes.", {
        "prefixes": arr("Prefixes to advertise, IPv6 or (extension) IPv4 "
                        "CIDRs. Invalid ones are reported in the Advertised "
                        "condition and skipped.", {"type": "string"},
                        minItems=1),
        "communities": arr("Communities to attach: \"AS:value\"; extension: "
                           "no-export, no-advertise, no-export-subconfed, "
                           "blackhole, and large \"A:B:C\".",
                           {"type": "string"}),
        "localPref": u32("LocalPref sets LOCAL_PREF (iBGP only)."),
        "peerSelector": selector("PeerSelector limits the peers the "
                                 "prefixes go to: sessions, or (extension) "
                                 "remote endpoints, whose labels match. "
                                 "Empty: all peers."),
        "endpointSelector": selector("EndpointSelector (extension) limits "
                                     "origination to speakers whose own "
                                     "BGPEndpoint matches."),
    }, ["prefixes"]),
    obj("BGPAdvertisementStatus reflects what the speakers advertise.", {
        "advertisedPrefixCount": i32("Prefixes held in the RIB for this "
                                     "advertisement."),
        "conditions": conditions("Conditions: Advertised."),
    }))

ROUTE_POLICY = crd(
    "BGPRoutePolicy", "bgproutepolicies", "bgprp",
    "BGPRoutePolicy filters routes on import or export. Statements are "
    "evaluated in order; the first match wins; no match accepts.",
    obj("BGPRoutePolicySpec declares import/export filtering rules.", {
        "type": s("Type: Import or Export.", enum=["Import", "Export"]),
        "peerSelector": selector("PeerSelector selects the peers this "
                                 "policy applies to. Empty: all peers."),
        "statements": arr("Statements, evaluated in order.", obj(
            "A statement: a prefix set and an action.", {
                "prefixSet": arr(
                    "PrefixSet: the statement matches a prefix inside one "
                    "of these CIDRs with a length in [min, max]. Absent: "
                    "every prefix.", obj("A prefix range.", {
                        "cidr": s("CIDR, IPv6 or (extension) IPv4."),
                        "maskLengthMin": i32("Shortest length matched; "
                                             "defaults to the CIDR length."),
                        "maskLengthMax": i32("Longest length matched; "
                                             "defaults to the CIDR length, "
                                             "or to the address length when "
                                             "only maskLengthMin is set."),
                    }, ["cidr"])),
                "action": s("Action: Accept or Reject.",
                            enum=["Accept", "Reject"]),
            }, ["action"]), minItems=1),
    }, ["statements", "type"]),
    obj("BGPRoutePolicyStatus reflects whether the policy is in force.", {
        "conditions": conditions("Conditions: Accepted."),
    }))

ALL = [CONFIGURATION, ENDPOINT, SESSION, PEERING, ADVERTISEMENT,
       ROUTE_POLICY]


def structural(node, path="schema"):
    """The rules of a structural schema that a hand edit could break."""
    t = node.get("type")
    if t not in ("object", "array", "string", "integer", "boolean",
                 "number"):
        raise SystemExit("%s: no or bad type %r" % (path, t))
    if "properties" in node and "additionalProperties" in node:
        raise SystemExit("%s: properties and additionalProperties" % path)
    if ("properties" in node or "additionalProperties" in node) and \
            t != "object":
        raise SystemExit("%s: properties on a %s" % (path, t))
    if ("items" in node) != (t == "array"):
        raise SystemExit("%s: items and type array go together" % path)
    if "default" in node and "enum" in node and \
            node["default"] not in node["enum"]:
        raise SystemExit("%s: default not in enum" % path)
    for alt in node.get("anyOf", []):
        if "type" in alt or "properties" in alt:
            raise SystemExit("%s: anyOf may only hold value checks" % path)
    for r in node.get("required", []):
        if r not in node.get("properties", {}):
            raise SystemExit("%s: required %s is not a property" % (path, r))
    for k, v in node.get("properties", {}).items():
        structural(v, path + "." + k)
    if isinstance(node.get("additionalProperties"), dict):
        structural(node["additionalProperties"], path + "{}")
    if "items" in node:
        structural(node["items"], path + "[]")


class Dumper(yaml.SafeDumper):
    """Block style, keys in the order written above."""


def _dict(dumper, data):
    return dumper.represent_mapping("tag:yaml.org,2002:map", data.items())


Dumper.add_representer(dict, _dict)


def main():
    names = []
    for c in ALL:
        for v in c["spec"]["versions"]:
            structural(v["schema"]["openAPIV3Schema"],
                       c["spec"]["names"]["kind"])
        name = "%s_%s.yaml" % (GROUP, c["spec"]["names"]["plural"])
        with open(os.path.join(HERE, name), "w") as f:
            f.write("# Generated by generate.py: edit that, then re-run "
                    "it.\n---\n")
            yaml.dump(c, f, Dumper=Dumper, default_flow_style=False,
                      sort_keys=False, width=78)
        names.append(name)
    with open(os.path.join(HERE, "kustomization.yaml"), "w") as f:
        f.write("# The bgp.miloapis.com CRDs (generate.py writes this "
                "list).\n")
        yaml.dump({"apiVersion": "kustomize.config.k8s.io/v1beta1",
                   "kind": "Kustomization", "resources": names}, f,
                  Dumper=Dumper, default_flow_style=False, sort_keys=False)


if __name__ == "__main__":
    main()
