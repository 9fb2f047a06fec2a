/*
 * logkv.c: the logfmt tail tokenizer. Callers quote values with spaces
 * (log_q), so a pair ends at a space outside quotes.
 */
#include "bgp/logkv.h"

static const char *
logkv_value(const char *p, struct logkv *kv)
{
	if (*p == '"') {
		kv->v = ++p;
		while (*p && *p != '"') {
			if (*p == '\\' && p[1])
				p++;
			p++;
		}
		kv->vn = (size_t)(p - kv->v);
		return *p == '"' ? p + 1 : p;
	}
	kv->v = p;
	while (*p && *p != ' ')
		p++;
	kv->vn = (size_t)(p - kv->v);
	return p;
}

int
logkv_next(const char **pp, struct logkv *kv)
{
	const char *p = *pp;

	while (*p == ' ')
		p++;
	if (*p == '\0') {
		*pp = p;
		return 0;
	}
	kv->k = p;
	while (*p && *p != '=' && *p != ' ')
		p++;
	kv->kn = (size_t)(p - kv->k);
	kv->v = p;
	kv->vn = 0;
	kv->has_v = *p == '=';
	if (kv->has_v)
		p = logkv_value(p + 1, kv);
	*pp = p;
	return 1;
}
