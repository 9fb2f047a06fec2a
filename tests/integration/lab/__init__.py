"""Test lab for bgpd integration tests: network namespaces, real BGP
peers (BIRD 2, FRR, GoBGP, OpenBGPD, ExaBGP), a raw BGP speaker for
crafted messages, and a driver for bgpd itself."""
