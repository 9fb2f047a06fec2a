#!/usr/bin/python3
"""Stand-in Kubernetes API server for bgpd's tests.

    /usr/bin/python3 tests/kube/apiserver.py --port 0 --crds manifests/crds \
        --kubeconfig-out /tmp/kc --token T [--bind 127.0.0.1] [--extra-san 10.99.0.1] \
        [--bookmark-interval 1] [--state FILE] [--port-file FILE] [--cert-dir DIR]

Prints the chosen HTTPS port on stdout. See tests/kube/README.md.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from standin.server import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
