/*
 * test_wire_msg.c: message header, OPEN, KEEPALIVE, NOTIFICATION,
 * ROUTE-REFRESH and capabilities (RFC 4271 4 and 6.1-6.2, RFC 5492,
 * RFC 9072, RFC 9003, RFC 2918).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "bgp/wire.h"

#define FF16	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, \
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff

struct hdr_case {
	const char	*what;
	uint8_t		 msg[19];
	size_t		 maxlen;
	int		 ok;
	uint8_t		 subcode;
	uint16_t	 datalen;
};

static const struct hdr_case hdr_cases[] = {
	{ .what = "keepalive", .msg = { FF16, 0, 19, 4 }, .maxlen = 4096,
	  .ok = 1 },
	{ .what = "bad marker", .msg = { 0xff, 0xfe, 0xff, 0xff, 0xff, 0xff,
	  0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 19,
	  4 }, .maxlen = 4096, .subcode = ERR_HDR_SYNC },
	{ .what = "length 18", .msg = { FF16, 0, 18, 4 }, .maxlen = 4096,
	  .subcode = ERR_HDR_LEN, .datalen = 2 },
	{ .what = "length 4097", .msg = { FF16, 0x10, 0x01, 2 },
	  .maxlen = 4096, .subcode = ERR_HDR_LEN, .datalen = 2 },
	{ .what = "length 4097 extended", .msg = { FF16, 0x10, 0x01, 2 },
	  .maxlen = 65535, .ok = 1 },
	{ .what = "keepalive of 20", .msg = { FF16, 0, 20, 4 },
	  .maxlen = 4096, .subcode = ERR_HDR_LEN, .datalen = 2 },
	{ .what = "open of 28", .msg = { FF16, 0, 28, 1 }, .maxlen = 4096,
	  .subcode = ERR_HDR_LEN, .datalen = 2 },
	{ .what = "open of 29", .msg = { FF16, 0, 29, 1 }, .maxlen = 4096,
	  .ok = 1 },
	{ .what = "update of 22", .msg = { FF16, 0, 22, 2 }, .maxlen = 4096,
	  .subcode = ERR_HDR_LEN, .datalen = 2 },
	{ .what = "notification of 20", .msg = { FF16, 0, 20, 3 },
	  .maxlen = 4096, .subcode = ERR_HDR_LEN, .datalen = 2 },
	{ .what = "route refresh of 22", .msg = { FF16, 0, 22, 5 },
	  .maxlen = 4096, .subcode = ERR_HDR_LEN, .datalen = 2 },
	{ .what = "type 0", .msg = { FF16, 0, 19, 0 }, .maxlen = 4096,
	  .subcode = ERR_HDR_TYPE, .datalen = 1 },
	{ .what = "type 6", .msg = { FF16, 0, 23, 6 }, .maxlen = 4096,
	  .subcode = ERR_HDR_TYPE, .datalen = 1 },
};

static void
test_header(void **state)
{
	const struct hdr_case *t;
	struct notif err;
	struct cur c;
	uint16_t len;
	uint8_t type;
	size_t i;
	int r;

	(void)state;
	for (i = 0; i < sizeof(hdr_cases) / sizeof(hdr_cases[0]); i++) {
		t = &hdr_cases[i];
		memset(&err, 0, sizeof(err));
		cur_init(&c, t->msg, sizeof(t->msg));
		r = wire_header(&c, t->maxlen, &len, &type, &err);
		print_message("header: %s\n", t->what);
		if (t->ok) {
			assert_int_equal(r, 0);
			assert_int_equal(len, t->msg[16] << 8 | t->msg[17]);
			assert_int_equal(type, t->msg[18]);
			assert_int_equal(cur_left(&c), 0);
			continue;
		}
		assert_int_equal(r, -1);
		assert_int_equal(err.code, ERR_HEADER);
		assert_int_equal(err.subcode, t->subcode);
		assert_int_equal(err.datalen, t->datalen);
		if (t->subcode == ERR_HDR_LEN)
			assert_memory_equal(err.data, t->msg + 16, 2);
		if (t->subcode == ERR_HDR_TYPE)
			assert_int_equal(err.data[0], t->msg[18]);
	}
}

/* Encode, check the header, decode the body. */
static void
open_roundtrip(const struct open_msg *in, struct open_msg *out)
{
	uint8_t buf[4096];
	struct wbuf w;
	struct notif err;
	struct cur c;
	uint16_t len;
	uint8_t type;

	wbuf_fixed(&w, buf, sizeof(buf));
	assert_int_equal(wire_open_encode(&w, in), 0);
	cur_init(&c, buf, w.len);
	assert_int_equal(wire_header(&c, 4096, &len, &type, &err), 0);
	assert_int_equal(type, BGP_T_OPEN);
	assert_int_equal(len, w.len);
	assert_int_equal(wire_open_decode(&c, out, &err), 0);
}

static void
test_open_roundtrip(void **state)
{
	struct open_msg in, out;

	(void)state;
	memset(&in, 0, sizeof(in));
	in.version = 4;
	in.my_as = 65001;
	in.hold_time = 90;
	in.bgp_id = 0x0a000001;
	in.capas = (struct capas){ .mp_v4 = 1, .mp_v6 = 1,
	    .route_refresh = 1, .as4 = 1, .as4_number = 65001, .ext_msg = 1,
	    .gr = 1, .gr_time = 120, .gr_v4 = 1, .gr_v6 = 1 };
	open_roundtrip(&in, &out);
	assert_int_equal(out.version, 4);
	assert_int_equal(out.my_as, 65001);
	assert_int_equal(out.hold_time, 90);
	assert_int_equal(out.bgp_id, 0x0a000001);
	assert_true(out.has_capas);
	assert_memory_equal(&out.capas, &in.capas, sizeof(in.capas));

	/* A 4-octet AS puts AS_TRANS in the 2-octet field. */
	in.capas.as4_number = 4200000000u;
	in.capas.gr_restarting = 1;
	in.capas.gr_v4_fwd = 1;
	in.capas.mp_v6 = 0;
	in.capas.gr_v6 = 0;
	open_roundtrip(&in, &out);
	assert_int_equal(out.my_as, AS_TRANS);
	assert_int_equal(out.capas.as4_number, 4200000000u);
	assert_memory_equal(&out.capas, &in.capas, sizeof(in.capas));

	/* No capabilities at all. */
	memset(&in.capas, 0, sizeof(in.capas));
	open_roundtrip(&in, &out);
	assert_false(out.has_capas);
	assert_int_equal(out.my_as, 65001);
}

struct open_case {
	const char	*what;
	uint8_t		 body[64];
	size_t		 len;
	int		 ok;
	uint8_t		 code, subcode;
};

#define OPEN_BODY(...)	.body = { __VA_ARGS__ }, \
			.len = sizeof((uint8_t[]){ __VA_ARGS__ })

static const struct open_case open_cases[] = {
	{ "plain", OPEN_BODY(4, 0xfd, 0xe9, 0, 90, 10, 0, 0, 1, 0), 1, 0, 0 },
	{ "version 3", OPEN_BODY(3, 0xfd, 0xe9, 0, 90, 10, 0, 0, 1, 0), 0,
	  ERR_OPEN, ERR_OPEN_VERSION },
	{ "hold time 1", OPEN_BODY(4, 0xfd, 0xe9, 0, 1, 10, 0, 0, 1, 0), 0,
	  ERR_OPEN, ERR_OPEN_HOLD },
	{ "hold time 2", OPEN_BODY(4, 0xfd, 0xe9, 0, 2, 10, 0, 0, 1, 0), 0,
	  ERR_OPEN, ERR_OPEN_HOLD },
	{ "hold time 0", OPEN_BODY(4, 0xfd, 0xe9, 0, 0, 10, 0, 0, 1, 0), 1,
	  0, 0 },
	{ "hold time 3", OPEN_BODY(4, 0xfd, 0xe9, 0, 3, 10, 0, 0, 1, 0), 1,
	  0, 0 },
	{ "BGP identifier 0", OPEN_BODY(4, 0xfd, 0xe9, 0, 90, 0, 0, 0, 0, 0),
	  0, ERR_OPEN, ERR_OPEN_BGPID },
	{ "unknown optional parameter 1", OPEN_BODY(4, 0xfd, 0xe9, 0, 90, 10,
	  0, 0, 1, 3, 1, 1, 0), 0, ERR_OPEN, ERR_OPEN_OPT },
	{ "parameter overruns its length", OPEN_BODY(4, 0xfd, 0xe9, 0, 90,
	  10, 0, 0, 1, 3, 2, 4, 0), 0, ERR_OPEN, 0 },
	{ "bytes after the parameters", OPEN_BODY(4, 0xfd, 0xe9, 0, 90, 10,
	  0, 0, 1, 0, 0), 0, ERR_OPEN, 0 },
	{ "capability overruns the parameter", OPEN_BODY(4, 0xfd, 0xe9, 0,
	  90, 10, 0, 0, 1, 4, 2, 2, 65, 4), 0, ERR_OPEN, 0 },
	{ "unknown capability skipped", OPEN_BODY(4, 0xfd, 0xe9, 0, 90, 10,
	  0, 0, 1, 6, 2, 4, 99, 2, 1, 2), 1, 0, 0 },
	{ "RFC 9072 extended parameters", OPEN_BODY(4, 0xfd, 0xe9, 0, 90, 10,
	  0, 0, 1, 255, 255, 0, 9, 2, 0, 6, 65, 4, 0, 1, 0, 0), 1, 0, 0 },
	{ "RFC 9072 length overrun", OPEN_BODY(4, 0xfd, 0xe9, 0, 90, 10, 0,
	  0, 1, 255, 255, 0, 10, 2, 0, 6, 65, 4, 0, 1, 0, 0), 0, ERR_OPEN,
	  0 },
	{ "truncated fixed part", OPEN_BODY(4, 0xfd, 0xe9, 0, 90, 10, 0, 0),
	  0, ERR_HEADER, ERR_HDR_LEN },
};

static void
test_open_cases(void **state)
{
	const struct open_case *t;
	struct open_msg o;
	struct notif err;
	struct cur c;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(open_cases) / sizeof(open_cases[0]); i++) {
		t = &open_cases[i];
		print_message("open: %s\n", t->what);
		cur_init(&c, t->body, t->len);
		memset(&err, 0, sizeof(err));
		if (t->ok) {
			assert_int_equal(wire_open_decode(&c, &o, &err), 0);
			continue;
		}
		assert_int_equal(wire_open_decode(&c, &o, &err), -1);
		assert_int_equal(err.code, t->code);
		assert_int_equal(err.subcode, t->subcode);
		if (t->subcode == ERR_OPEN_VERSION) {
			assert_int_equal(err.datalen, 2);
			assert_int_equal(err.data[1], 4);
		}
	}
	/* The RFC 9072 case carried a 4-octet AS of 65536. */
	cur_init(&c, open_cases[12].body, open_cases[12].len);
	assert_int_equal(wire_open_decode(&c, &o, &err), 0);
	assert_true(o.capas.as4);
	assert_int_equal(o.capas.as4_number, 65536);
}

struct capa_case {
	const char	*what;
	uint8_t		 tlv[32];
	size_t		 len;
	struct capas	 want;
};

#define TLV(...)	.tlv = { __VA_ARGS__ }, \
			.len = sizeof((uint8_t[]){ __VA_ARGS__ })

static const struct capa_case capa_cases[] = {
	{ "mp ipv4", TLV(1, 4, 0, 1, 0, 1), { .mp_v4 = 1 } },
	{ "mp ipv6", TLV(1, 4, 0, 2, 0, 1), { .mp_v6 = 1 } },
	{ "mp ipv4 multicast ignored", TLV(1, 4, 0, 1, 0, 2), { 0 } },
	{ "mp bad length ignored", TLV(1, 3, 0, 1, 0), { 0 } },
	{ "route refresh", TLV(2, 0), { .route_refresh = 1 } },
	{ "old route refresh", TLV(128, 0), { .route_refresh = 1 } },
	{ "enhanced route refresh", TLV(70, 0), { .enhanced_rr = 1 } },
	{ "as4", TLV(65, 4, 0xfa, 0x56, 0xea, 0), { .as4 = 1,
	  .as4_number = 4200000000u } },
	{ "as4 zero ignored", TLV(65, 4, 0, 0, 0, 0), { 0 } },
	{ "extended message", TLV(6, 0), { .ext_msg = 1 } },
	{ "add-path seen", TLV(69, 4, 0, 1, 1, 3), { .addpath_seen = 1 } },
	{ "graceful restart", TLV(64, 10, 0x80, 0x78, 0, 1, 1, 0x80, 0, 2,
	  1, 0), { .gr = 1, .gr_time = 120, .gr_restarting = 1, .gr_v4 = 1,
	  .gr_v4_fwd = 1, .gr_v6 = 1 } },
	{ "graceful restart, no families", TLV(64, 2, 0, 90),
	  { .gr = 1, .gr_time = 90 } },
	{ "unknown skipped", TLV(200, 2, 1, 2, 2, 0),
	  { .route_refresh = 1 } },
};

static void
test_capa_cases(void **state)
{
	const struct capa_case *t;
	struct capas c;
	struct cur cur;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(capa_cases) / sizeof(capa_cases[0]); i++) {
		t = &capa_cases[i];
		print_message("capability: %s\n", t->what);
		memset(&c, 0, sizeof(c));
		cur_init(&cur, t->tlv, t->len);
		assert_int_equal(wire_capa_decode(&cur, &c), 0);
		assert_memory_equal(&c, &t->want, sizeof(c));
	}
}

static void
test_keepalive(void **state)
{
	static const uint8_t want[] = { FF16, 0, 19, 4 };
	uint8_t buf[64];
	struct wbuf w;

	(void)state;
	wbuf_fixed(&w, buf, sizeof(buf));
	assert_int_equal(wire_keepalive_encode(&w), 0);
	assert_int_equal(w.len, 19);
	assert_memory_equal(buf, want, 19);
	/* A buffer too small reports it. */
	wbuf_fixed(&w, buf, 10);
	assert_int_equal(wire_keepalive_encode(&w), -1);
}

static void
test_notification(void **state)
{
	struct notif n, out;
	uint8_t buf[512];
	char name[96], longmsg[400];
	struct wbuf w;
	struct cur c;
	uint16_t len;
	uint8_t type;
	size_t k;

	(void)state;
	wire_notif_shutdown(&n, ERR_CEASE_ADMIN_DOWN, "maintenance");
	assert_int_equal(n.code, ERR_CEASE);
	assert_int_equal(n.datalen, 12);
	assert_int_equal(n.data[0], 11);
	assert_memory_equal(n.data + 1, "maintenance", 11);
	wbuf_fixed(&w, buf, sizeof(buf));
	assert_int_equal(wire_notification_encode(&w, &n), 0);
	assert_int_equal(w.len, 19 + 2 + 12);
	cur_init(&c, buf, w.len);
	assert_int_equal(wire_header(&c, 4096, &len, &type, &out), 0);
	assert_int_equal(type, BGP_T_NOTIFICATION);
	assert_int_equal(wire_notification_decode(&c, &out), 0);
	assert_memory_equal(&out, &n, sizeof(n));

	/* 255 bytes at most, cut on a character boundary (3-byte chars). */
	memset(longmsg, 0, sizeof(longmsg));
	for (k = 0; k + 3 < sizeof(longmsg); k += 3)
		memcpy(longmsg + k, "\xe2\x82\xac", 3);
	wire_notif_shutdown(&n, ERR_CEASE_ADMIN_RESET, longmsg);
	assert_int_equal(n.data[0], 255);
	assert_int_equal(n.datalen, 256);
	wire_notif_shutdown(&n, ERR_CEASE_ADMIN_RESET, "\xe2\x82\xac" "ab");
	assert_int_equal(n.data[0], 5);
	memset(longmsg, 'x', 254);
	memcpy(longmsg + 254, "\xe2\x82\xac", 4);
	wire_notif_shutdown(&n, ERR_CEASE_ADMIN_DOWN, longmsg);
	assert_int_equal(n.data[0], 254);
	/* Other Cease subcodes carry no text. */
	wire_notif_shutdown(&n, ERR_CEASE_COLLISION, "ignored");
	assert_int_equal(n.datalen, 0);

	/* Reading the text back for the log. */
	wire_notif_shutdown(&n, ERR_CEASE_ADMIN_DOWN, "going\tdown \xc3\xa9t\xc3\xa9");
	assert_string_equal(wire_notif_shutdown_text(&n, name, sizeof(name)),
	    "going?down \xc3\xa9t\xc3\xa9");
	assert_string_equal(wire_notif_shutdown_text(&n, name, 6), "going");
	n.data[0] = 200;		/* overruns the data */
	assert_null(wire_notif_shutdown_text(&n, name, sizeof(name)));
	wire_notif_shutdown(&n, ERR_CEASE_ADMIN_RESET, "bad \xc3(");
	assert_null(wire_notif_shutdown_text(&n, name, sizeof(name)));
	wire_notif_shutdown(&n, ERR_CEASE_ADMIN_RESET, "");
	assert_null(wire_notif_shutdown_text(&n, name, sizeof(name)));
	wire_notif_shutdown(&n, ERR_CEASE_COLLISION, "x");
	assert_null(wire_notif_shutdown_text(&n, name, sizeof(name)));

	assert_string_equal(wire_notif_name(6, 2, name, sizeof(name)),
	    "Cease/Administrative Shutdown");
	assert_string_equal(wire_notif_name(3, 11, name, sizeof(name)),
	    "UPDATE Message Error/Malformed AS_PATH");
	assert_string_equal(wire_notif_name(4, 0, name, sizeof(name)),
	    "Hold Timer Expired");
	assert_string_equal(wire_notif_name(1, 9, name, sizeof(name)),
	    "Message Header Error/9");
	assert_string_equal(wire_notif_name(42, 1, name, sizeof(name)),
	    "Unknown/1");

	/* A body shorter than code and subcode. */
	cur_init(&c, buf, 1);
	assert_int_equal(wire_notification_decode(&c, &out), -1);
}

static void
test_refresh(void **state)
{
	static const uint8_t want[] = { FF16, 0, 23, 5, 0, 2, 0, 1 };
	uint8_t buf[64];
	struct notif err;
	struct wbuf w;
	struct cur c;
	uint16_t len, afi;
	uint8_t type, safi;

	(void)state;
	wbuf_fixed(&w, buf, sizeof(buf));
	assert_int_equal(wire_refresh_encode(&w, AFI_IPV6, SAFI_UNICAST), 0);
	assert_int_equal(w.len, sizeof(want));
	assert_memory_equal(buf, want, sizeof(want));
	cur_init(&c, buf, w.len);
	assert_int_equal(wire_header(&c, 4096, &len, &type, &err), 0);
	assert_int_equal(wire_refresh_decode(&c, &afi, &safi), 0);
	assert_int_equal(afi, AFI_IPV6);
	assert_int_equal(safi, SAFI_UNICAST);
	cur_init(&c, want + 19, 3);
	assert_int_equal(wire_refresh_decode(&c, &afi, &safi), -1);
	cur_init(&c, buf + 19, 5);
	assert_int_equal(wire_refresh_decode(&c, &afi, &safi), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_header),
		cmocka_unit_test(test_open_roundtrip),
		cmocka_unit_test(test_open_cases),
		cmocka_unit_test(test_capa_cases),
		cmocka_unit_test(test_keepalive),
		cmocka_unit_test(test_notification),
		cmocka_unit_test(test_refresh),
	};

	return cmocka_run_group_tests_name("wire_msg", tests, NULL, NULL);
}
