/*
 * model.h: the desired state of one speaker, as one plain C value.
 *
 * kube/ fills it (from the API server or a manifest directory), validates
 * everything once, and hands it to bgp_apply(). bgp/ defines it because bgp/
 * consumes it (the consumer owns the interface type). Label selectors are
 * already resolved by kube/: peers name the policies that apply to them, and
 * advertisements name the peers they go to. Everything here is owned by the
 * model and freed by model_free(); bgp_apply() copies what it keeps.
 */
#ifndef BGP_MODEL_H
#define BGP_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "bgp/addr.h"

enum model_policy_type { MODEL_IMPORT, MODEL_EXPORT };

struct model_range {			/* one prefixSet entry */
	struct prefix	 pfx;
	uint8_t		 min, max;	/* already defaulted per API.md */
};

struct model_statement {
	struct model_range	*set;
	size_t			 nset;
	int			 any;	/* no prefixSet: matches every prefix */
	int			 accept;
};

struct model_policy {
	char			*name;
	enum model_policy_type	 type;
	struct model_statement	*st;
	size_t			 nst;
};

struct model_large { uint32_t global, local1, local2; };

struct model_peer {
	char		*name;		/* BGPSession name: the key */
	char		*remote_endpoint;
	struct addr	 local_addr;	/* source address of the session */
	struct addr	 remote_addr;
	uint16_t	 remote_port;	/* where we connect to */
	uint32_t	 remote_as;
	uint16_t	 hold_time;	/* proposed, >= 3 */
	uint16_t	 keepalive;
	int		 rr_client;	/* remote is our route-reflector client */
	uint32_t	 cluster_id;	/* host order, when rr_client */
	uint8_t		 multihop_ttl;	/* 0: default (1 for eBGP) */
	uint8_t		 gtsm_ttl;	/* 0: off; else RFC 5082 hops */
	int		 v4, v6;	/* address families to negotiate */
	int		 passive;	/* never connect, only accept */
	char		**import;	/* policy names, evaluation order */
	size_t		 nimport;
	char		**export;
	size_t		 nexport;
};

struct model_advert {
	char			*name;
	struct prefix		*prefixes;
	size_t			 nprefixes;
	uint32_t		*communities;	/* standard, host order */
	size_t			 ncommunities;
	struct model_large	*large;
	size_t			 nlarge;
	int			 has_local_pref;
	uint32_t		 local_pref;
	int			 all_peers;	/* no peerSelector */
	char			**peers;	/* peer names, when !all_peers */
	size_t			 npeers;
};

struct model {
	char			*local_endpoint;
	uint32_t		 local_as;
	uint32_t		 router_id;	/* host order */
	uint16_t		 listen_port;
	struct addr		 local_addr;
	int			 v4, v6;	/* families of the speaker */
	uint32_t		 max_paths;	/* ECMP, 1 = off */
	struct model_peer	*peers;
	size_t			 npeers;
	struct model_advert	*adverts;
	size_t			 nadverts;
	struct model_policy	*policies;	/* sorted by name */
	size_t			 npolicies;
};

struct model	*model_new(void);
void		 model_free(struct model *);
struct model	*model_dup(const struct model *);

/* Append a zeroed element and return it (the arrays grow by realloc). */
struct model_peer	*model_add_peer(struct model *);
struct model_advert	*model_add_advert(struct model *);
struct model_policy	*model_add_policy(struct model *);
void			 model_sort_policies(struct model *);

const struct model_peer		*model_find_peer(const struct model *,
				    const char *);
const struct model_policy	*model_find_policy(const struct model *,
				    const char *);
const struct model_advert	*model_find_advert(const struct model *,
				    const char *);

/*
 * 1 when a running session must be reset to take the new settings
 * (addresses, AS, timers, families, TTL, RR role). Policy and
 * advertisement changes never reset a session.
 */
int	 model_peer_needs_reset(const struct model_peer *,
	    const struct model_peer *);
int	 model_advert_equal(const struct model_advert *,
	    const struct model_advert *);
int	 model_policy_equal(const struct model_policy *,
	    const struct model_policy *);
int	 model_peer_policies_equal(const struct model_peer *,
	    const struct model_peer *);
/* Every field equal (settings, policies, names): nothing to apply. */
int	 model_peer_equal(const struct model_peer *,
	    const struct model_peer *);
/* Whole models equal, element by element in order. */
int	 model_equal(const struct model *, const struct model *);

char	*model_strdup(const char *);

/*
 * Community syntax shared by the model builder and the speaker:
 * "A:B" (A, B 0..65535) or a well-known name (no-export, no-advertise,
 * no-export-subconfed, blackhole) -> 0; "A:B:C" large -> 1; else -1.
 */
int	 model_parse_community(const char *, uint32_t *std,
	    struct model_large *large);

#endif
