/*
 * fuzz_manifest.c: libFuzzer target for the manifest path: bytes -> YAML
 * documents -> objects (every kind's validation) -> the store -> the
 * cross-object checks -> the model of every endpoint in it, as the
 * directory source runs them on a file it was given.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bgp/log.h"
#include "kube/kube_int.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
fuzz_build(const struct store *s, const char *local)
{
	struct build_out out;

	build_model(s, local, &out);
	if (out.model != NULL) {
		struct model *d = model_dup(out.model);

		if (!model_equal(d, out.model))
			abort();
		model_free(d);
	}
	build_out_clear(&out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int once;
	struct load_set set;
	struct load_file lf;
	struct store *s;
	struct kerrs e;
	char err[256];
	size_t i, n;

	if (!once) {
		log_init(LOG_ERROR, 0);
		once = 1;
	}
	memset(&lf, 0, sizeof(lf));
	if (yaml_docs_parse((const char *)data, size, &lf.docs, err,
	    sizeof(err)) != 0)
		return 0;
	lf.name = lf.path = (char *)(uintptr_t)"fuzz.yaml";
	set.v = &lf;
	set.n = 1;
	memset(&e, 0, sizeof(e));
	s = store_new();
	load_store(&set, s, &e, &e);
	/* A second pass exercises the last-valid-version bookkeeping. */
	load_store(&set, s, &e, &e);
	check_store(s, &e);
	n = store_count(s, KIND_ENDPOINT);
	for (i = 0; i < n && i < 8; i++)
		fuzz_build(s, store_at(s, KIND_ENDPOINT, i)->name);
	fuzz_build(s, "no-such-endpoint");
	kerr_clear(&e);
	store_free(s);
	yaml_docs_free(&lf.docs);
	return 0;
}
