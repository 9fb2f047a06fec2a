/*
 * slab.h: a pool of fixed-size objects carved from large chunks (internal
 * to bgp/).
 *
 * The RIB holds millions of small objects of a few sizes (trie nodes,
 * paths); one malloc each would cost a header per object and scatter them.
 * A slab hands them out from chunks of about 64 KiB and keeps freed ones on
 * a free list. Each slab is one object type and counts what it holds, so the
 * owner can report bytes per type.
 *
 * Two ways to name an object, one per slab:
 *  - by pointer (slab_alloc/slab_free), objects of at least 8 bytes;
 *  - by 32-bit index (slab_get/slab_put/slab_ptr), objects of at least 4
 *    bytes, so that a structure can link objects with half the bytes of a
 *    pointer. Index 0 is never handed out: it means "none".
 * When the last object of a slab is freed its chunks are released.
 */
#ifndef BGP_SLAB_H
#define BGP_SLAB_H

#include <stddef.h>
#include <stdint.h>

struct slab {
	const char	*name;		/* the object type, for counters */
	uint32_t	 size;		/* bytes per object, aligned */
	uint8_t		 shift;		/* objects per chunk = 1 << shift */
	uint8_t		 by_index;
	uint8_t		**chunks;
	uint32_t	 nchunks, cchunks;
	uint32_t	 next;		/* first index never handed out */
	void		*free_ptr;	/* free list, pointer slabs */
	uint32_t	 free_idx;	/* free list, index slabs (0: empty) */
	size_t		 inuse;		/* objects handed out */
	uint64_t	 allocs;	/* objects ever handed out */
};

/* align is a power of two; by_index picks the naming scheme above. */
void		 slab_init(struct slab *, const char *name, size_t size,
		    size_t align, int by_index);
/* Release every chunk, whatever is still in use. */
void		 slab_fini(struct slab *);

void		*slab_alloc(struct slab *);		/* zeroed */
void		 slab_free(struct slab *, void *);

uint32_t	 slab_get(struct slab *);		/* zeroed, never 0 */
void		 slab_put(struct slab *, uint32_t);

static inline void *
slab_ptr(const struct slab *s, uint32_t idx)
{
	uint32_t mask = (1u << s->shift) - 1;

	return s->chunks[idx >> s->shift] + (size_t)(idx & mask) * s->size;
}

static inline size_t
slab_inuse(const struct slab *s)
{
	return s->inuse;
}

/* Bytes the slab holds from the system (chunks and their table). */
size_t		 slab_bytes(const struct slab *);

#endif
