/*
 * model.c: the desired-state value: construction, deep copy, comparison,
 * and the community syntax shared by kube/ and the speaker.
 *
 * Arrays grow one element at a time by realloc: a model is built once per
 * configuration change, never on the route path, so simplicity wins.
 */
#include <stdlib.h>
#include <string.h>

#include "bgp/log.h"
#include "bgp/model.h"

static void *
model_xrealloc(void *p, size_t n, size_t size)
{
	void *r;

	if (size != 0 && n > SIZE_MAX / size)
		fatal("%s: size overflow", __func__);
	if ((r = realloc(p, n * size == 0 ? 1 : n * size)) == NULL)
		fatal("%s: out of memory", __func__);
	return r;
}

static void *
model_xcalloc(size_t n, size_t size)
{
	void *r;

	if ((r = calloc(n == 0 ? 1 : n, size == 0 ? 1 : size)) == NULL)
		fatal("%s: out of memory", __func__);
	return r;
}

char *
model_strdup(const char *s)
{
	char *r;

	if (s == NULL)
		return NULL;
	if ((r = strdup(s)) == NULL)
		fatal("%s: out of memory", __func__);
	return r;
}

struct model *
model_new(void)
{
	struct model *m = model_xcalloc(1, sizeof(*m));

	m->max_paths = 1;
	return m;
}

static void
model_strv_free(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static char **
model_strv_dup(char *const *v, size_t n)
{
	char **r;
	size_t i;

	if (n == 0)
		return NULL;
	r = model_xcalloc(n, sizeof(*r));
	for (i = 0; i < n; i++)
		r[i] = model_strdup(v[i]);
	return r;
}

static void *
model_mem_dup(const void *p, size_t n, size_t size)
{
	void *r;

	if (n == 0 || p == NULL)
		return NULL;
	r = model_xcalloc(n, size);
	memcpy(r, p, n * size);
	return r;
}

static void
model_peer_clear(struct model_peer *p)
{
	free(p->name);
	free(p->remote_endpoint);
	model_strv_free(p->import, p->nimport);
	model_strv_free(p->export, p->nexport);
}

static void
model_advert_clear(struct model_advert *a)
{
	free(a->name);
	free(a->prefixes);
	free(a->communities);
	free(a->large);
	model_strv_free(a->peers, a->npeers);
}

static void
model_policy_clear(struct model_policy *p)
{
	size_t i;

	free(p->name);
	for (i = 0; i < p->nst; i++)
		free(p->st[i].set);
	free(p->st);
}

void
model_free(struct model *m)
{
	size_t i;

	if (m == NULL)
		return;
	free(m->local_endpoint);
	for (i = 0; i < m->npeers; i++)
		model_peer_clear(&m->peers[i]);
	free(m->peers);
	for (i = 0; i < m->nadverts; i++)
		model_advert_clear(&m->adverts[i]);
	free(m->adverts);
	for (i = 0; i < m->npolicies; i++)
		model_policy_clear(&m->policies[i]);
	free(m->policies);
	free(m);
}

static void
model_peer_copy(struct model_peer *d, const struct model_peer *s)
{
	*d = *s;
	d->name = model_strdup(s->name);
	d->remote_endpoint = model_strdup(s->remote_endpoint);
	d->import = model_strv_dup(s->import, s->nimport);
	d->export = model_strv_dup(s->export, s->nexport);
}

static void
model_advert_copy(struct model_advert *d, const struct model_advert *s)
{
	*d = *s;
	d->name = model_strdup(s->name);
	d->prefixes = model_mem_dup(s->prefixes, s->nprefixes,
	    sizeof(*s->prefixes));
	d->communities = model_mem_dup(s->communities, s->ncommunities,
	    sizeof(*s->communities));
	d->large = model_mem_dup(s->large, s->nlarge, sizeof(*s->large));
	d->peers = model_strv_dup(s->peers, s->npeers);
}

static void
model_policy_copy(struct model_policy *d, const struct model_policy *s)
{
	size_t i;

	*d = *s;
	d->name = model_strdup(s->name);
	d->st = model_mem_dup(s->st, s->nst, sizeof(*s->st));
	for (i = 0; i < s->nst; i++)
		d->st[i].set = model_mem_dup(s->st[i].set, s->st[i].nset,
		    sizeof(*s->st[i].set));
}

struct model *
model_dup(const struct model *s)
{
	struct model *d = model_xcalloc(1, sizeof(*d));
	size_t i;

	*d = *s;
	d->local_endpoint = model_strdup(s->local_endpoint);
	d->peers = s->npeers ? model_xcalloc(s->npeers, sizeof(*d->peers)) :
	    NULL;
	for (i = 0; i < s->npeers; i++)
		model_peer_copy(&d->peers[i], &s->peers[i]);
	d->adverts = s->nadverts ?
	    model_xcalloc(s->nadverts, sizeof(*d->adverts)) : NULL;
	for (i = 0; i < s->nadverts; i++)
		model_advert_copy(&d->adverts[i], &s->adverts[i]);
	d->policies = s->npolicies ?
	    model_xcalloc(s->npolicies, sizeof(*d->policies)) : NULL;
	for (i = 0; i < s->npolicies; i++)
		model_policy_copy(&d->policies[i], &s->policies[i]);
	return d;
}

struct model_peer *
model_add_peer(struct model *m)
{
	m->peers = model_xrealloc(m->peers, m->npeers + 1, sizeof(*m->peers));
	memset(&m->peers[m->npeers], 0, sizeof(m->peers[0]));
	return &m->peers[m->npeers++];
}

struct model_advert *
model_add_advert(struct model *m)
{
	m->adverts = model_xrealloc(m->adverts, m->nadverts + 1,
	    sizeof(*m->adverts));
	memset(&m->adverts[m->nadverts], 0, sizeof(m->adverts[0]));
	return &m->adverts[m->nadverts++];
}

struct model_policy *
model_add_policy(struct model *m)
{
	m->policies = model_xrealloc(m->policies, m->npolicies + 1,
	    sizeof(*m->policies));
	memset(&m->policies[m->npolicies], 0, sizeof(m->policies[0]));
	return &m->policies[m->npolicies++];
}

static int
model_str_cmp(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b ? 0 : (a == NULL ? -1 : 1);
	return strcmp(a, b);
}

static int
model_policy_cmp(const void *a, const void *b)
{
	const struct model_policy *x = a, *y = b;

	return model_str_cmp(x->name, y->name);
}

void
model_sort_policies(struct model *m)
{
	if (m->npolicies > 1)
		qsort(m->policies, m->npolicies, sizeof(*m->policies),
		    model_policy_cmp);
}

const struct model_peer *
model_find_peer(const struct model *m, const char *name)
{
	size_t i;

	for (i = 0; i < m->npeers; i++)
		if (model_str_cmp(m->peers[i].name, name) == 0)
			return &m->peers[i];
	return NULL;
}

const struct model_advert *
model_find_advert(const struct model *m, const char *name)
{
	size_t i;

	for (i = 0; i < m->nadverts; i++)
		if (model_str_cmp(m->adverts[i].name, name) == 0)
			return &m->adverts[i];
	return NULL;
}

const struct model_policy *
model_find_policy(const struct model *m, const char *name)
{
	struct model_policy key;

	if (name == NULL || m->npolicies == 0)
		return NULL;
	memset(&key, 0, sizeof(key));
	key.name = (char *)(uintptr_t)name;
	return bsearch(&key, m->policies, m->npolicies, sizeof(*m->policies),
	    model_policy_cmp);
}

int
model_peer_needs_reset(const struct model_peer *a, const struct model_peer *b)
{
	if (addr_cmp(&a->local_addr, &b->local_addr) != 0 ||
	    addr_cmp(&a->remote_addr, &b->remote_addr) != 0)
		return 1;
	if (a->remote_port != b->remote_port || a->remote_as != b->remote_as)
		return 1;
	if (a->hold_time != b->hold_time || a->keepalive != b->keepalive)
		return 1;
	if (!a->rr_client != !b->rr_client ||
	    (a->rr_client && a->cluster_id != b->cluster_id))
		return 1;
	if (a->multihop_ttl != b->multihop_ttl || a->gtsm_ttl != b->gtsm_ttl)
		return 1;
	if (!a->v4 != !b->v4 || !a->v6 != !b->v6 || !a->passive != !b->passive)
		return 1;
	return 0;
}

static int
model_strv_equal(char *const *a, size_t na, char *const *b, size_t nb)
{
	size_t i;

	if (na != nb)
		return 0;
	for (i = 0; i < na; i++)
		if (model_str_cmp(a[i], b[i]) != 0)
			return 0;
	return 1;
}

static int
model_mem_equal(const void *a, size_t na, const void *b, size_t nb,
    size_t size)
{
	if (na != nb)
		return 0;
	return na == 0 || memcmp(a, b, na * size) == 0;
}

int
model_advert_equal(const struct model_advert *a, const struct model_advert *b)
{
	size_t i;

	if (model_str_cmp(a->name, b->name) != 0 || a->nprefixes != b->nprefixes)
		return 0;
	for (i = 0; i < a->nprefixes; i++)
		if (prefix_cmp(&a->prefixes[i], &b->prefixes[i]) != 0)
			return 0;
	if (!model_mem_equal(a->communities, a->ncommunities, b->communities,
	    b->ncommunities, sizeof(*a->communities)))
		return 0;
	for (i = 0; a->nlarge == b->nlarge && i < a->nlarge; i++)
		if (a->large[i].global != b->large[i].global ||
		    a->large[i].local1 != b->large[i].local1 ||
		    a->large[i].local2 != b->large[i].local2)
			return 0;
	if (a->nlarge != b->nlarge || !a->has_local_pref != !b->has_local_pref)
		return 0;
	if (a->has_local_pref && a->local_pref != b->local_pref)
		return 0;
	if (!a->all_peers != !b->all_peers)
		return 0;
	return a->all_peers ||
	    model_strv_equal(a->peers, a->npeers, b->peers, b->npeers);
}

static int
model_statement_equal(const struct model_statement *a,
    const struct model_statement *b)
{
	size_t i;

	if (!a->any != !b->any || !a->accept != !b->accept ||
	    a->nset != b->nset)
		return 0;
	for (i = 0; i < a->nset; i++)
		if (prefix_cmp(&a->set[i].pfx, &b->set[i].pfx) != 0 ||
		    a->set[i].min != b->set[i].min ||
		    a->set[i].max != b->set[i].max)
			return 0;
	return 1;
}

int
model_policy_equal(const struct model_policy *a, const struct model_policy *b)
{
	size_t i;

	if (model_str_cmp(a->name, b->name) != 0 || a->type != b->type ||
	    a->nst != b->nst)
		return 0;
	for (i = 0; i < a->nst; i++)
		if (!model_statement_equal(&a->st[i], &b->st[i]))
			return 0;
	return 1;
}

int
model_peer_policies_equal(const struct model_peer *a,
    const struct model_peer *b)
{
	return model_strv_equal(a->import, a->nimport, b->import, b->nimport) &&
	    model_strv_equal(a->export, a->nexport, b->export, b->nexport);
}

int
model_peer_equal(const struct model_peer *a, const struct model_peer *b)
{
	return model_str_cmp(a->name, b->name) == 0 &&
	    model_str_cmp(a->remote_endpoint, b->remote_endpoint) == 0 &&
	    !model_peer_needs_reset(a, b) && model_peer_policies_equal(a, b);
}

int
model_equal(const struct model *a, const struct model *b)
{
	size_t i;

	if (a == NULL || b == NULL)
		return a == b;
	if (model_str_cmp(a->local_endpoint, b->local_endpoint) != 0 ||
	    a->local_as != b->local_as || a->router_id != b->router_id ||
	    a->listen_port != b->listen_port ||
	    addr_cmp(&a->local_addr, &b->local_addr) != 0 ||
	    !a->v4 != !b->v4 || !a->v6 != !b->v6 ||
	    a->max_paths != b->max_paths)
		return 0;
	if (a->npeers != b->npeers || a->nadverts != b->nadverts ||
	    a->npolicies != b->npolicies)
		return 0;
	for (i = 0; i < a->npeers; i++)
		if (!model_peer_equal(&a->peers[i], &b->peers[i]))
			return 0;
	for (i = 0; i < a->nadverts; i++)
		if (!model_advert_equal(&a->adverts[i], &b->adverts[i]))
			return 0;
	for (i = 0; i < a->npolicies; i++)
		if (!model_policy_equal(&a->policies[i], &b->policies[i]))
			return 0;
	return 1;
}

static const struct {
	const char	*name;
	uint32_t	 value;
} model_wellknown[] = {
	{ "no-export",		0xffffff01 },	/* RFC 1997 */
	{ "no-advertise",	0xffffff02 },
	{ "no-export-subconfed", 0xffffff03 },
	{ "blackhole",		0xffff029a },	/* RFC 7999 */
};

/* A decimal field without sign, spaces or leading junk, up to max. */
static int
model_parse_u32(const char *s, size_t len, uint32_t max, uint32_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (len == 0 || len > 10)
		return -1;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (v > max)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

int
model_parse_community(const char *s, uint32_t *std, struct model_large *large)
{
	const char *c1, *c2;
	uint32_t a, b, c;
	size_t i;

	if (s == NULL)
		return -1;
	for (i = 0; i < sizeof(model_wellknown) / sizeof(model_wellknown[0]);
	    i++)
		if (strcmp(s, model_wellknown[i].name) == 0) {
			*std = model_wellknown[i].value;
			return 0;
		}
	if ((c1 = strchr(s, ':')) == NULL)
		return -1;
	if ((c2 = strchr(c1 + 1, ':')) == NULL) {
		if (model_parse_u32(s, (size_t)(c1 - s), 0xffff, &a) == -1 ||
		    model_parse_u32(c1 + 1, strlen(c1 + 1), 0xffff, &b) == -1)
			return -1;
		*std = a << 16 | b;
		return 0;
	}
	if (model_parse_u32(s, (size_t)(c1 - s), UINT32_MAX, &a) == -1 ||
	    model_parse_u32(c1 + 1, (size_t)(c2 - c1 - 1), UINT32_MAX, &b) == -1 ||
	    model_parse_u32(c2 + 1, strlen(c2 + 1), UINT32_MAX, &c) == -1)
		return -1;
	large->global = a;
	large->local1 = b;
	large->local2 = c;
	return 1;
}
