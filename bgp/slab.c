/*
 * slab.c: fixed-size object pools (see slab.h).
 *
 * Objects are carved from chunks of about 64 KiB and recycled through a
 * free list threaded through the free objects themselves. Chunks are only
 * returned when a slab empties completely: the RIB's objects come and go in
 * bulk (a peer's table), and a chunk-level free map would cost more than it
 * saves.
 */
#include <stdlib.h>
#include <string.h>

#include "bgp/log.h"
#include "bgp/slab.h"

#define SLAB_CHUNK_BYTES	65536

void
slab_init(struct slab *s, const char *name, size_t size, size_t align,
    int by_index)
{
	size_t per;

	if (align == 0 || (align & (align - 1)) != 0)
		fatal("%s: %s: bad alignment %zu", __func__, name, align);
	if (size < (by_index ? sizeof(uint32_t) : sizeof(void *)))
		size = by_index ? sizeof(uint32_t) : sizeof(void *);
	size = (size + align - 1) & ~(align - 1);
	if (size > SLAB_CHUNK_BYTES / 16)
		fatal("%s: %s: object of %zu bytes too big", __func__, name,
		    size);
	memset(s, 0, sizeof(*s));
	s->name = name;
	s->size = (uint32_t)size;
	s->by_index = by_index != 0;
	for (per = 1, s->shift = 0; per * 2 * size <= SLAB_CHUNK_BYTES;
	    per *= 2)
		s->shift++;
	s->next = s->by_index;		/* index 0 stays unused */
}

void
slab_fini(struct slab *s)
{
	uint32_t i;

	for (i = 0; i < s->nchunks; i++)
		free(s->chunks[i]);
	free(s->chunks);
	s->chunks = NULL;
	s->nchunks = s->cchunks = 0;
	s->next = s->by_index;
	s->free_ptr = NULL;
	s->free_idx = 0;
	s->inuse = 0;
}

/* A never-used object: the next slot, with a new chunk when needed. */
static uint32_t
slab_fresh(struct slab *s)
{
	uint32_t idx = s->next;

	if ((idx >> s->shift) >= s->nchunks) {
		if (s->nchunks == UINT32_MAX >> s->shift)
			fatal("%s: %s: index space exhausted", __func__,
			    s->name);
		if (s->nchunks == s->cchunks) {
			uint32_t n = s->cchunks ? s->cchunks * 2 : 16;
			uint8_t **c = realloc(s->chunks, n * sizeof(*c));

			if (c == NULL)
				fatal("%s: %s: out of memory", __func__,
				    s->name);
			s->chunks = c;
			s->cchunks = n;
		}
		s->chunks[s->nchunks] = malloc((size_t)s->size << s->shift);
		if (s->chunks[s->nchunks] == NULL)
			fatal("%s: %s: out of memory", __func__, s->name);
		s->nchunks++;
	}
	s->next++;
	return idx;
}

void *
slab_alloc(struct slab *s)
{
	void *p;

	if (s->by_index)
		fatal("%s: %s is an index slab", __func__, s->name);
	if ((p = s->free_ptr) != NULL)
		memcpy(&s->free_ptr, p, sizeof(void *));
	else
		p = slab_ptr(s, slab_fresh(s));
	s->inuse++;
	s->allocs++;
	memset(p, 0, s->size);
	return p;
}

void
slab_free(struct slab *s, void *p)
{
	if (s->by_index || p == NULL || s->inuse == 0)
		fatal("%s: %s: bad free", __func__, s->name);
	if (--s->inuse == 0) {
		slab_fini(s);
		return;
	}
	memcpy(p, &s->free_ptr, sizeof(void *));
	s->free_ptr = p;
}

uint32_t
slab_get(struct slab *s)
{
	uint32_t idx;

	if (!s->by_index)
		fatal("%s: %s is a pointer slab", __func__, s->name);
	if ((idx = s->free_idx) != 0)
		memcpy(&s->free_idx, slab_ptr(s, idx), sizeof(uint32_t));
	else
		idx = slab_fresh(s);
	s->inuse++;
	s->allocs++;
	memset(slab_ptr(s, idx), 0, s->size);
	return idx;
}

void
slab_put(struct slab *s, uint32_t idx)
{
	if (!s->by_index || idx == 0 || idx >= s->next || s->inuse == 0)
		fatal("%s: %s: bad free of %u", __func__, s->name, idx);
	if (--s->inuse == 0) {
		slab_fini(s);
		return;
	}
	memcpy(slab_ptr(s, idx), &s->free_idx, sizeof(uint32_t));
	s->free_idx = idx;
}

size_t
slab_bytes(const struct slab *s)
{
	return ((size_t)s->nchunks * s->size << s->shift) +
	    s->cchunks * sizeof(*s->chunks);
}
