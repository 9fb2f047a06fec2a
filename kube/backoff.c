/*
 * backoff.c: how long to wait before retrying the API server. Doubling
 * up to a cap, with jitter so that many speakers that lost the server at
 * the same moment do not come back at the same moment.
 */
#include "kube/kube_int.h"

unsigned
backoff_next(struct backoff *b, uint32_t rnd)
{
	unsigned d;

	if (b->cur_ms == 0)
		b->cur_ms = b->base_ms ? b->base_ms : 1;
	d = b->cur_ms / 2 + rnd % (b->cur_ms - b->cur_ms / 2 + 1);
	b->cur_ms = b->cur_ms >= b->cap_ms / 2 ? b->cap_ms : b->cur_ms * 2;
	return d;
}

void
backoff_reset(struct backoff *b)
{
	b->cur_ms = 0;
}
