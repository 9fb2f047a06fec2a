/*
 * buf.h: bounded byte cursors for reading peer bytes, and a growable or
 * fixed write buffer that accumulates errors.
 *
 * A leaf of bgp/. Every read returns -1 on overrun and leaves the cursor
 * where it was; a nested field gets a sub-cursor so it cannot read past its
 * own length. Writers set w->err once and keep going; check it at the end.
 */
#ifndef BGP_BUF_H
#define BGP_BUF_H

#include <stddef.h>
#include <stdint.h>

struct cur {
	const uint8_t	*p;
	size_t		 len;		/* bytes left */
};

static inline void
cur_init(struct cur *c, const void *p, size_t len)
{
	c->p = p;
	c->len = len;
}

static inline size_t
cur_left(const struct cur *c)
{
	return c->len;
}

int	 cur_u8(struct cur *, uint8_t *);
int	 cur_u16(struct cur *, uint16_t *);	/* network order in, host out */
int	 cur_u32(struct cur *, uint32_t *);
int	 cur_bytes(struct cur *, void *, size_t);
int	 cur_skip(struct cur *, size_t);
/* Take the next n bytes as their own cursor. */
int	 cur_sub(struct cur *, size_t n, struct cur *sub);

struct wbuf {
	uint8_t		*p;
	size_t		 len;
	size_t		 cap;
	size_t		 max;		/* hard limit (e.g. message size) */
	int		 fixed;		/* p is caller memory, never realloc'd */
	int		 err;
};

/* Wrap caller memory of size cap: writes past it set err. */
void	 wbuf_fixed(struct wbuf *, void *, size_t cap);
/* Heap-backed, grows up to max bytes. */
void	 wbuf_dyn(struct wbuf *, size_t max);
void	 wbuf_free(struct wbuf *);
void	 wbuf_reset(struct wbuf *);

int	 wbuf_u8(struct wbuf *, uint8_t);
int	 wbuf_u16(struct wbuf *, uint16_t);
int	 wbuf_u32(struct wbuf *, uint32_t);
int	 wbuf_bytes(struct wbuf *, const void *, size_t);
/* Reserve n bytes now, fill them later (lengths): returns the offset. */
size_t	 wbuf_reserve(struct wbuf *, size_t n);
void	 wbuf_set_u8(struct wbuf *, size_t off, uint8_t);
void	 wbuf_set_u16(struct wbuf *, size_t off, uint16_t);

#endif
