/*
 * fuzz_open.c: an OPEN message (header included) through the header
 * check and the OPEN and capability decoders. What was accepted is encoded
 * again and must decode to the same values.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bgp/wire.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
fuzz_check(int ok)
{
	if (!ok)
		abort();
}

/* The capabilities our encoder writes must survive a round trip. */
static void
fuzz_same_capas(const struct capas *a, const struct capas *b)
{
	fuzz_check(a->mp_v4 == b->mp_v4 && a->mp_v6 == b->mp_v6);
	fuzz_check(a->route_refresh == b->route_refresh);
	fuzz_check(a->as4 == b->as4 && a->as4_number == b->as4_number);
	fuzz_check(a->ext_msg == b->ext_msg && a->gr == b->gr);
	if (!a->gr)
		return;
	fuzz_check(a->gr_time == b->gr_time);
	fuzz_check(a->gr_restarting == b->gr_restarting);
	fuzz_check(a->gr_v4 == b->gr_v4 && a->gr_v6 == b->gr_v6);
	fuzz_check(a->gr_v4_fwd == b->gr_v4_fwd);
	fuzz_check(a->gr_v6_fwd == b->gr_v6_fwd);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t buf[BGP_MAX_LEN];
	struct open_msg o, o2;
	struct notif err;
	struct wbuf w;
	struct cur c, body;
	uint16_t len;
	uint8_t type;

	if (size < BGP_HDR_LEN)
		return 0;
	cur_init(&c, data, size);
	if (wire_header(&c, BGP_MAX_LEN, &len, &type, &err) == -1 ||
	    type != BGP_T_OPEN || cur_sub(&c, len - BGP_HDR_LEN, &body) == -1)
		return 0;
	if (wire_open_decode(&body, &o, &err) == -1) {
		fuzz_check(err.code == ERR_OPEN || err.code == ERR_HEADER);
		return 0;
	}
	fuzz_check(o.version == 4 && o.bgp_id != 0);
	wbuf_fixed(&w, buf, sizeof(buf));
	fuzz_check(wire_open_encode(&w, &o) == 0);
	cur_init(&c, buf, w.len);
	fuzz_check(wire_header(&c, BGP_MAX_LEN, &len, &type, &err) == 0);
	fuzz_check(wire_open_decode(&c, &o2, &err) == 0);
	fuzz_check(o2.hold_time == o.hold_time && o2.bgp_id == o.bgp_id);
	if (!o.capas.as4)
		fuzz_check(o2.my_as == o.my_as);
	fuzz_same_capas(&o.capas, &o2.capas);
	return 0;
}
