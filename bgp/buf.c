/*
 * buf.c: bounded cursors and write buffers (see buf.h).
 */
#include <stdlib.h>
#include <string.h>

#include "bgp/buf.h"
#include "bgp/log.h"

int
cur_u8(struct cur *c, uint8_t *v)
{
	if (c->len < 1)
		return -1;
	*v = c->p[0];
	c->p++;
	c->len--;
	return 0;
}

int
cur_u16(struct cur *c, uint16_t *v)
{
	if (c->len < 2)
		return -1;
	*v = (uint16_t)(c->p[0] << 8 | c->p[1]);
	c->p += 2;
	c->len -= 2;
	return 0;
}

int
cur_u32(struct cur *c, uint32_t *v)
{
	if (c->len < 4)
		return -1;
	*v = (uint32_t)c->p[0] << 24 | (uint32_t)c->p[1] << 16 |
	    (uint32_t)c->p[2] << 8 | c->p[3];
	c->p += 4;
	c->len -= 4;
	return 0;
}

int
cur_bytes(struct cur *c, void *out, size_t n)
{
	if (c->len < n)
		return -1;
	if (n)
		memcpy(out, c->p, n);
	c->p += n;
	c->len -= n;
	return 0;
}

int
cur_skip(struct cur *c, size_t n)
{
	if (c->len < n)
		return -1;
	c->p += n;
	c->len -= n;
	return 0;
}

int
cur_sub(struct cur *c, size_t n, struct cur *sub)
{
	if (c->len < n)
		return -1;
	sub->p = c->p;
	sub->len = n;
	c->p += n;
	c->len -= n;
	return 0;
}

void
wbuf_fixed(struct wbuf *w, void *p, size_t cap)
{
	memset(w, 0, sizeof(*w));
	w->p = p;
	w->cap = cap;
	w->max = cap;
	w->fixed = 1;
}

void
wbuf_dyn(struct wbuf *w, size_t max)
{
	memset(w, 0, sizeof(*w));
	w->max = max;
}

void
wbuf_free(struct wbuf *w)
{
	if (!w->fixed)
		free(w->p);
	w->p = NULL;
	w->len = w->cap = 0;
}

void
wbuf_reset(struct wbuf *w)
{
	w->len = 0;
	w->err = 0;
}

/* Make room for n more bytes; 0 on success. */
static int
wbuf_room(struct wbuf *w, size_t n)
{
	size_t ncap;
	uint8_t *np;

	if (w->err)
		return -1;
	if (w->len + n > w->max) {
		w->err = 1;
		return -1;
	}
	if (w->len + n <= w->cap)
		return 0;
	if (w->fixed) {
		w->err = 1;
		return -1;
	}
	ncap = w->cap ? w->cap * 2 : 256;
	while (ncap < w->len + n)
		ncap *= 2;
	if (ncap > w->max)
		ncap = w->max;
	if ((np = realloc(w->p, ncap)) == NULL)
		fatal("%s: out of memory", __func__);
	w->p = np;
	w->cap = ncap;
	return 0;
}

int
wbuf_u8(struct wbuf *w, uint8_t v)
{
	if (wbuf_room(w, 1) == -1)
		return -1;
	w->p[w->len++] = v;
	return 0;
}

int
wbuf_u16(struct wbuf *w, uint16_t v)
{
	if (wbuf_room(w, 2) == -1)
		return -1;
	w->p[w->len++] = (uint8_t)(v >> 8);
	w->p[w->len++] = (uint8_t)v;
	return 0;
}

int
wbuf_u32(struct wbuf *w, uint32_t v)
{
	if (wbuf_room(w, 4) == -1)
		return -1;
	w->p[w->len++] = (uint8_t)(v >> 24);
	w->p[w->len++] = (uint8_t)(v >> 16);
	w->p[w->len++] = (uint8_t)(v >> 8);
	w->p[w->len++] = (uint8_t)v;
	return 0;
}

int
wbuf_bytes(struct wbuf *w, const void *p, size_t n)
{
	if (wbuf_room(w, n) == -1)
		return -1;
	if (n)
		memcpy(w->p + w->len, p, n);
	w->len += n;
	return 0;
}

size_t
wbuf_reserve(struct wbuf *w, size_t n)
{
	size_t off = w->len;

	if (wbuf_room(w, n) == -1)
		return off;
	memset(w->p + w->len, 0, n);
	w->len += n;
	return off;
}

void
wbuf_set_u8(struct wbuf *w, size_t off, uint8_t v)
{
	if (w->err || off + 1 > w->len)
		return;
	w->p[off] = v;
}

void
wbuf_set_u16(struct wbuf *w, size_t off, uint16_t v)
{
	if (w->err || off + 2 > w->len)
		return;
	w->p[off] = (uint8_t)(v >> 8);
	w->p[off + 1] = (uint8_t)v;
}
