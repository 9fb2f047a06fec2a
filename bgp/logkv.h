/*
 * logkv.h: reading a logfmt tail (k=v k="v w") back into pairs, for the
 * JSON writer and for the repeat limiter's idea of "the same line".
 */
#ifndef BGP_LOGKV_H
#define BGP_LOGKV_H

#include <stddef.h>

struct logkv {
	const char	*k, *v;		/* v without its quotes, escapes kept */
	size_t		 kn, vn;
	int		 has_v;		/* "k=" seen; a bare word has none */
};

/* The next pair of *p, advancing *p; 0 at the end of the tail. */
int	 logkv_next(const char **p, struct logkv *);

#endif
