/*
 * pace.c: how often one object may be written. A token bucket: a burst of
 * writes goes out at once (an object's first changes, such as a session
 * going Configured then Established, must not wait), after that one write
 * per interval, so a flapping session costs the server one write an
 * interval however fast it flaps. Pure: the caller keeps the state.
 */
#include "kube/kube_int.h"

long long
pace_take(const struct pace *p, struct pace_state *s, long long now)
{
	long long add;

	if (!s->started) {
		s->started = 1;
		s->tokens = p->burst;
		s->at = now;
	}
	add = now > s->at ? (now - s->at) / p->gap_ms : 0;
	if (add > 0) {
		s->tokens += add;
		s->at += add * p->gap_ms;
		if (s->tokens >= p->burst) {
			s->tokens = p->burst;
			s->at = now;
		}
	}
	if (s->tokens > 0) {
		s->tokens--;
		return 0;
	}
	return s->at + p->gap_ms - now;
}
