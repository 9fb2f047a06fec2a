"""A stand-in Kubernetes API server for bgpd's tests (see tests/kube/README.md)."""
