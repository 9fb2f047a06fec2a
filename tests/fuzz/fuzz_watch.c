/*
 * fuzz_watch.c: libFuzzer target for what a watch stream delivers: bytes
 * cut into reads at places the input chooses -> line reassembly -> watch
 * events (JSON) -> each object through its kind's validation into a
 * store -> the model build, plus the status and finalizer merge patches
 * computed against the object as the API source does.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bgp/log.h"
#include "kube/kube_int.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static int
fuzz_line(void *arg, const char *line, size_t len)
{
	struct store *s = arg;
	struct kobj_version v;
	struct kerrs e;
	json_t *ev = json_loadb(line, len, 0, NULL), *o, *p, *want;
	char why[200];

	o = json_object_get(ev, "object");
	memset(&e, 0, sizeof(e));
	memset(&v, 0, sizeof(v));
	if (json_is_object(o) && object_parse(o, &v, &e, why, sizeof(why)) ==
	    1 && v.kind != NULL)
		store_put(s, &v, &e, NULL, 0);
	object_version_clear(&v);
	kerr_clear(&e);
	want = json_object_get(o, "status");
	want = want ? json_incref(want) : json_object();
	p = patch_status(json_object_get(o, "status"), want, "T");
	json_decref(p);
	json_decref(want);
	if (json_is_object(o)) {
		p = patch_finalizers(o, "bgp.miloapis.com/speaker-a", 1);
		json_decref(p);
		p = patch_finalizers(o, "bgp.miloapis.com/speaker-a", 0);
		json_decref(p);
	}
	json_decref(ev);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int once;
	struct linebuf lb;
	struct build_out out;
	struct store *s;
	size_t off = 0, step;

	if (!once) {
		log_init(LOG_ERROR, 0);
		once = 1;
	}
	if (size == 0)
		return 0;
	/* The first byte picks the read size, so splits land everywhere. */
	step = (size_t)data[0] % 61 + 1;
	data++;
	size--;
	memset(&lb, 0, sizeof(lb));
	lb.max = 1 << 16;
	s = store_new();
	while (off < size) {
		size_t n = size - off < step ? size - off : step;

		linebuf_feed(&lb, (const char *)data + off, n, fuzz_line, s);
		off += n;
	}
	linebuf_free(&lb);
	build_model_opt(s, "a", 0, &out);
	build_out_clear(&out);
	store_free(s);
	return 0;
}
