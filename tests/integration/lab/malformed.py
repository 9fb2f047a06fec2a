"""Crafted UPDATE messages, valid and malformed, for RFC 7606 tests.

Each builder takes (prefix, asn, next_hop) and returns the whole message
(header included)."""
import struct

from . import rawbgp as rb


def valid(prefix, asn, nh, comms=("65003:1",), large=("65003:1:1",)):
    attrs = (rb.a_origin(0) + rb.a_as_path([asn]) + rb.a_next_hop(nh)
             + rb.a_communities(comms) + rb.a_large(large))
    return rb.message(rb.UPDATE, rb.update(attrs=attrs, nlri_bytes=rb.nlri([prefix])))


# ---- treat-as-withdraw (RFC 7606): the session stays up, the prefix goes.
def bad_origin(prefix, asn, nh):
    """ORIGIN value 3 (RFC 7606 7.1)."""
    attrs = rb.a_origin(3) + rb.a_as_path([asn]) + rb.a_next_hop(nh)
    return rb.message(rb.UPDATE, rb.update(attrs=attrs, nlri_bytes=rb.nlri([prefix])))


def origin_bad_length(prefix, asn, nh):
    """ORIGIN with length 2 (RFC 7606 7.1: attribute length error)."""
    attrs = (rb.attr(rb.F_TRANS, rb.ORIGIN, b"\x00\x00") + rb.a_as_path([asn])
             + rb.a_next_hop(nh))
    return rb.message(rb.UPDATE, rb.update(attrs=attrs, nlri_bytes=rb.nlri([prefix])))


def attr_length_overrun(prefix, asn, nh):
    """The last attribute claims more bytes than the path attributes field
    holds (RFC 7606 section 4: treat-as-withdraw)."""
    comm = struct.pack("!BBB", rb.F_OPT | rb.F_TRANS, rb.COMMUNITIES, 8) + b"\x00\x01\x00\x02"
    attrs = rb.a_origin(0) + rb.a_as_path([asn]) + rb.a_next_hop(nh) + comm
    return rb.message(rb.UPDATE, rb.update(attrs=attrs, nlri_bytes=rb.nlri([prefix])))


def missing_next_hop(prefix, asn, nh):
    """IPv4 NLRI without the mandatory NEXT_HOP (RFC 7606 3.d)."""
    attrs = rb.a_origin(0) + rb.a_as_path([asn])
    return rb.message(rb.UPDATE, rb.update(attrs=attrs, nlri_bytes=rb.nlri([prefix])))


def missing_as_path(prefix, asn, nh):
    """No AS_PATH (RFC 7606 3.d)."""
    attrs = rb.a_origin(0) + rb.a_next_hop(nh)
    return rb.message(rb.UPDATE, rb.update(attrs=attrs, nlri_bytes=rb.nlri([prefix])))


TREAT_AS_WITHDRAW = {
    "bad-origin": bad_origin,
    "origin-bad-length": origin_bad_length,
    "attr-length-overrun": attr_length_overrun,
    "missing-next-hop": missing_next_hop,
    "missing-as-path": missing_as_path,
}


# ---- session reset: NOTIFICATION (code, subcode) expected.
def bad_marker(prefix, asn, nh):
    m = bytearray(valid(prefix, asn, nh))
    m[5] = 0
    return bytes(m)


def bad_message_length(prefix, asn, nh):
    """Header length 18, below the minimum of 19 (RFC 4271 6.1)."""
    return rb.message(rb.UPDATE, rb.update(), length=18)


def truncated_nlri(prefix, asn, nh):
    """A /24 NLRI with only one octet of prefix."""
    attrs = rb.a_origin(0) + rb.a_as_path([asn]) + rb.a_next_hop(nh)
    return rb.message(rb.UPDATE, rb.update(attrs=attrs, nlri_bytes=b"\x18\x0a"))


def nlri_length_too_long(prefix, asn, nh):
    """An IPv4 NLRI with prefix length 33."""
    attrs = rb.a_origin(0) + rb.a_as_path([asn]) + rb.a_next_hop(nh)
    return rb.message(rb.UPDATE, rb.update(
        attrs=attrs, nlri_bytes=b"\x21\x0a\x42\x00\x00\x00"))


def total_attr_length_overrun(prefix, asn, nh):
    """Total Path Attribute Length beyond the end of the message
    (RFC 7606 section 4: session reset, Malformed Attribute List)."""
    attrs = rb.a_origin(0) + rb.a_as_path([asn]) + rb.a_next_hop(nh)
    body = struct.pack("!H", 0) + struct.pack("!H", len(attrs) + 40) + attrs
    return rb.message(rb.UPDATE, body)


# Expected answers as sets of (code, subcode). A truncated NLRI is
# "syntactically incorrect" (RFC 4271 6.3: Invalid Network Field, 3/10);
# BIRD answers Malformed Attribute List (3/1); both are UPDATE errors that
# reset the session as RFC 7606 5.3 demands.
SESSION_RESET = {
    "bad-marker": (bad_marker, {(1, 1)}),
    "bad-message-length": (bad_message_length, {(1, 2)}),
    "truncated-nlri": (truncated_nlri, {(3, 10), (3, 1)}),
    "nlri-length-too-long": (nlri_length_too_long, {(3, 10)}),
    "total-attr-length-overrun": (total_attr_length_overrun, {(3, 1)}),
}
