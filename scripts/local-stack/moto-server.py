#!/usr/bin/env python3
"""moto's own server, as `moto_server` runs it, without four costs it pays per request.

    moto-server.py -H <host> -p <port>

- werkzeug writes an access-log line per request. Nothing reads them: the console only
  shows moto's output when it fails to start, and errors are still logged.
- moto finds a request's service by listing its own package directory and then trying
  every service's URL patterns, under a lock that serializes the server's threads. The
  answer depends only on the host name, and the SDK sends a handful: it is kept per host.
- werkzeug closes the connection after every response, because its server cannot tell
  where an unread request body ends and the next request begins, and waits for the
  client to hang up. Each request then pays a new TCP connection and a new thread on
  both sides. Here a connection stays open when the request says how long its body is:
  whatever the app left unread of it is read off before the next request. Nagle's
  algorithm is off, or a response's body would wait for the client to acknowledge its
  headers on a connection that stays open.
- ListObjectVersions deep-copies every version of every object in the bucket (their
  contents included) before it looks at the prefix or the page's key marker. Here it
  copies only the names it could return: those under the prefix, from the key marker on.
  Its answer is the same, since moto itself skips every other name.

What each saved is in docs/BENCHMARKS.md. If a later moto or werkzeug moves what a change
relies on, that part of the server runs as they ship it.
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

try:
    import werkzeug.serving as _serving

    class _CountingReader:
        """The request's input, counting what the app read of it."""

        def __init__(self, raw):
            self.raw = raw
            self.taken = 0

        def _count(self, data):
            self.taken += len(data)
            return data

        def read(self, size=-1):
            return self._count(self.raw.read(size))

        def read1(self, size=-1):
            return self._count(self.raw.read1(size))

        def readline(self, size=-1):
            return self._count(self.raw.readline(size))

        def readinto(self, buffer):
            n = self.raw.readinto(buffer)
            self.taken += n or 0
            return n

        def __getattr__(self, name):
            return getattr(self.raw, name)

    class _NoDrain:
        """Stands in for werkzeug's drain, which reads until the client hangs up and would eat the next request."""

        def __init__(self, *_args):
            pass

        def register(self, *_args):
            pass

        def select(self, timeout=None):
            return []

        def close(self):
            pass

    _keeping = threading.local()

    class _Selectors:
        EVENT_READ = _serving.selectors.EVENT_READ

        @staticmethod
        def DefaultSelector():
            return _NoDrain() if getattr(_keeping, "open", False) else _serving_selectors.DefaultSelector()

    _serving_selectors = _serving.selectors
    _handler = _serving.WSGIRequestHandler
    _run_wsgi = _handler.run_wsgi
    _send_header = _handler.send_header

    def _run_wsgi_keeping_the_connection(self):
        length = self.headers.get("Content-Length", "0")
        keep = (
            self.request_version == "HTTP/1.1"
            and not self.close_connection
            and "chunked" not in self.headers.get("Transfer-Encoding", "").lower()
            and length.isdigit()
        )
        if not keep:
            return _run_wsgi(self)
        raw = self.rfile
        body = self.rfile = _CountingReader(raw)
        _keeping.open = True
        try:
            _run_wsgi(self)
        finally:
            _keeping.open = False
            self.rfile = raw
        left = int(length) - body.taken
        if left > 0 and not self.close_connection:
            raw.read(left)
        elif left < 0:
            # Read past its body: the next request's start is gone.
            self.close_connection = True

    def _send_header_keeping_the_connection(self, keyword, value):
        if getattr(_keeping, "open", False) and keyword.lower() == "connection" and value.lower() == "close":
            return
        _send_header(self, keyword, value)

    _serving.selectors = _Selectors
    _handler.disable_nagle_algorithm = True
    _handler.run_wsgi = _run_wsgi_keeping_the_connection
    _handler.send_header = _send_header_keeping_the_connection
except (ImportError, AttributeError):
    pass

if __name__ == "__main__":
    main(sys.argv[1:])
