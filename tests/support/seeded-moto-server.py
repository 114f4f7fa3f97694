#!/usr/bin/env python3
"""moto_server, started with one bucket already holding empty objects, for a test that only lists them.

    LAZARUS_MOTO_SEED=<file> seeded-moto-server.py -H <host> -p <port>

The file's first line names the bucket, each further line is an object key. Put through
HTTP, 12,000 objects keep moto busy for well over a minute on a loaded machine (most of it
request handling in moto and signing in the SDK); put into moto's own S3 backend they take
a second or two, and a listing of the bucket is the same. Everything after the seed goes
through the server as usual.
"""
import os
import sys

from moto.core import DEFAULT_ACCOUNT_ID
from moto.s3.models import s3_backends
from moto.server import main

with open(os.environ["LAZARUS_MOTO_SEED"], encoding="utf-8") as seed:
    bucket, *keys = seed.read().splitlines()
backend = s3_backends[DEFAULT_ACCOUNT_ID]["global"]
backend.create_bucket(bucket, "us-east-1")
for key in keys:
    backend.put_object(bucket, key, b"")
main(sys.argv[1:])
