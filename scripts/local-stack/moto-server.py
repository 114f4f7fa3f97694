#!/usr/bin/env python3
"""moto's own server, as `moto_server` runs it, without two costs it pays on every request.

    moto-server.py -H <host> -p <port>

- werkzeug writes an access-log line per request. Nothing reads them: the console only
  shows moto's output when it fails to start, and errors are still logged.
- moto finds a request's service by listing its own package directory and then trying
  every service's URL patterns, under a lock that serializes the server's threads. The
  answer depends only on the host name, and the SDK sends a handful: it is kept per host.

In a profile of the integration tests' moto they were 12 % and 17 % of its samples
(docs/BENCHMARKS.md). If a later moto moves what the second change relies on, the server
runs as moto ships it.
"""
import functools
import logging
import sys

from moto.server import main

logging.getLogger("werkzeug").setLevel(logging.WARNING)

try:
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication

    DomainDispatcherApplication.get_backend_for_host = functools.lru_cache(maxsize=256)(
        DomainDispatcherApplication.get_backend_for_host
    )
except (ImportError, AttributeError):
    pass

if __name__ == "__main__":
    main(sys.argv[1:])
