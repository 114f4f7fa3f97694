#!/usr/bin/env python3
"""moto's own server, as `moto_server` runs it, without three costs it pays per request.

    moto-server.py -H <host> -p <port>

- werkzeug writes an access-log line per request. Nothing reads them: the console only
  shows moto's output when it fails to start, and errors are still logged.
- moto finds a request's service by listing its own package directory and then trying
  every service's URL patterns, under a lock that serializes the server's threads. The
  answer depends only on the host name, and the SDK sends a handful: it is kept per host.

- ListObjectVersions deep-copies every version of every object in the bucket (their
  contents included) before it looks at the prefix or the page's key marker. Here it
  copies only the names it could return: those under the prefix, from the key marker on.
  Its answer is the same, since moto itself skips every other name.

In a profile of the integration tests' moto they were 12 %, 17 % and 21 % of its samples
(docs/BENCHMARKS.md). If a later moto moves what a change relies on, that part of the
server runs as moto ships it.
"""
import functools
import logging
import sys
import threading

from moto.server import main

logging.getLogger("werkzeug").setLevel(logging.WARNING)

try:
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication

    DomainDispatcherApplication.get_backend_for_host = functools.lru_cache(maxsize=256)(
        DomainDispatcherApplication.get_backend_for_host
    )
except (ImportError, AttributeError):
    pass

try:
    from moto.s3.models import S3Backend
    from moto.s3.utils import _VersionedKeyStore

    _listing = threading.local()
    _every_list = _VersionedKeyStore.iterlists
    _list_object_versions = S3Backend.list_object_versions

    def _lists_a_listing_can_return(self):
        wanted = getattr(_listing, "wanted", None)
        return (entry for entry in _every_list(self) if wanted is None or wanted(entry[0]))

    def _list_object_versions_of_wanted_names(
        self, bucket_name, delimiter=None, key_marker=None, max_keys=1000, prefix="", version_id_marker=None
    ):
        _listing.wanted = lambda name: name.startswith(prefix or "") and (not key_marker or name >= key_marker)
        try:
            return _list_object_versions(
                self,
                bucket_name,
                delimiter=delimiter,
                key_marker=key_marker,
                max_keys=max_keys,
                prefix=prefix,
                version_id_marker=version_id_marker,
            )
        finally:
            _listing.wanted = None

    _VersionedKeyStore.iterlists = _lists_a_listing_can_return
    S3Backend.list_object_versions = _list_object_versions_of_wanted_names
except (ImportError, AttributeError):
    pass

if __name__ == "__main__":
    main(sys.argv[1:])
