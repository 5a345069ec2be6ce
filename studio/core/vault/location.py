"""Where a vault is: a folder on this machine, or a shared vault — a catalog in PostgreSQL and
blobs in an S3-compatible object store (DR027).

A shared vault is named by two URLs and, for a store that is not AWS, its endpoint:
``postgresql://USER@HOST[:PORT]/DB`` and ``s3://BUCKET[/PREFIX]``. Credentials never appear in
either: PostgreSQL's come from libpq's environment (``PGPASSWORD``, ``PGPASSFILE``) or
``~/.pgpass``, the store's from the AWS environment and config files. A URL carrying a password
is refused, so that it cannot end up in a shell history, a process list or the recent-vaults list.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from studio.core.errors import InvalidInput

CATALOG_ENV = "STUDIO_CATALOG"
STORE_ENV = "STUDIO_STORE"
ENDPOINT_ENV = "AWS_ENDPOINT_URL"

# S3 bucket names (the rules every S3-compatible store shares)
_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_PREFIX_PART = re.compile(r"^[A-Za-z0-9._-]+$")


@dataclass(frozen=True)
class SharedLocation:
    """A shared vault: ``catalog`` (a PostgreSQL URL without password), ``bucket`` and
    ``prefix`` in the object store, and the store's ``endpoint`` (None: AWS's own)."""

    catalog: str
    bucket: str
    prefix: str
    endpoint: str | None = None

    @property
    def store(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}" if self.prefix else f"s3://{self.bucket}"

    def describe(self) -> str:
        """For titles and messages: the catalog's host and database, and the store."""
        parts = urlsplit(self.catalog)
        port = f":{parts.port}" if parts.port else ""
        where = f"{parts.hostname or 'local socket'}{port}{parts.path}"
        return f"{where} + {self.store}"

    def to_json(self) -> dict:
        return {"catalog": self.catalog, "store": self.store, "endpoint": self.endpoint}


def parse_catalog(url: str) -> str:
    """A PostgreSQL URL, checked: scheme ``postgresql`` (or ``postgres``), a database name, no
    password. Returned as given (``postgres://`` made ``postgresql://``)."""
    url = url.strip()
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 — raises on a port that is not a number
    except ValueError as exc:
        raise InvalidInput(f"the catalog URL {_masked(url)!r} is not a valid URL ({exc})") from None
    if parts.scheme not in ("postgresql", "postgres"):
        raise InvalidInput(f"the catalog must be a PostgreSQL URL (postgresql://USER@HOST/DATABASE), "
                           f"not {_masked(url)!r}")
    if parts.password is not None or _query_secret(parts.query):
        raise InvalidInput("the catalog URL must not contain a password: put it in ~/.pgpass or PGPASSFILE "
                           "(or PGPASSWORD), where PostgreSQL's own tools look for it")
    if not parts.path.strip("/"):
        raise InvalidInput(f"the catalog URL {url!r} names no database (postgresql://USER@HOST/DATABASE)")
    return "postgresql" + url[len(parts.scheme):]


def parse_store(url: str) -> tuple[str, str]:
    """``s3://BUCKET[/PREFIX]`` → (bucket, prefix without slashes at either end)."""
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme != "s3" or not parts.netloc:
        raise InvalidInput(f"the store must be an S3 URL (s3://BUCKET/PREFIX), not {_masked(url)!r}")
    if "@" in parts.netloc or parts.query or parts.fragment:
        raise InvalidInput("the store URL names only a bucket and a prefix: credentials come from the AWS "
                           "environment or config files, the endpoint from --store-endpoint or AWS_ENDPOINT_URL")
    bucket = parts.netloc
    if not _BUCKET.match(bucket) or ".." in bucket:
        raise InvalidInput(f"{bucket!r} is not a valid bucket name (3-63 lower-case letters, digits, dots, hyphens)")
    prefix = parts.path.strip("/")
    if prefix and not all(_PREFIX_PART.match(p) and p not in (".", "..") for p in prefix.split("/")):
        raise InvalidInput(f"the store prefix {prefix!r} may hold only letters, digits, '.', '_', '-' and '/'")
    return bucket, prefix


def parse_endpoint(url: str | None) -> str | None:
    if url is None or not url.strip():
        return None
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise InvalidInput(f"the store endpoint must be an http:// or https:// URL, not {_masked(url)!r}")
    if parts.password is not None or parts.username is not None or _query_secret(parts.query):
        raise InvalidInput("the store endpoint must not contain credentials: they come from the AWS environment "
                           "or config files")
    return url


def shared_location(catalog: str | None, store: str | None, endpoint: str | None = None) -> SharedLocation | None:
    """The shared vault the options (else ``STUDIO_CATALOG``/``STUDIO_STORE``) name, or None
    for a folder vault. One without the other is an error."""
    catalog = catalog if catalog is not None else os.environ.get(CATALOG_ENV) or None
    store = store if store is not None else os.environ.get(STORE_ENV) or None
    if catalog is None and store is None:
        return None
    if catalog is None or store is None:
        raise InvalidInput("a shared vault needs both a catalog (--catalog or STUDIO_CATALOG) and a store "
                           "(--store or STUDIO_STORE)")
    bucket, prefix = parse_store(store)
    endpoint = parse_endpoint(endpoint if endpoint is not None else os.environ.get(ENDPOINT_ENV))
    return SharedLocation(parse_catalog(catalog), bucket, prefix, endpoint)


def _masked(url: str) -> str:
    """``url`` with anything that may be a secret replaced, for an error message: a password or
    whole user-info part, and the query (libpq takes ``?password=``, S3 tools ``?secret=``)."""
    url = re.sub(r"(://)[^/@]*@", r"\1***@", url)
    return re.sub(r"\?.*$", "?***", url)


_SECRET_NAMES = ("password", "passwd", "secret", "token")  # not "sslkey": libpq's is a file's path


def _query_secret(query: str) -> bool:
    """Whether a URL's query carries something like a credential (``password=``, ``sslpassword=``, …)."""
    from urllib.parse import parse_qsl

    return any(any(k in name.lower() for k in _SECRET_NAMES) for name, _ in parse_qsl(query, keep_blank_values=True))


Location = Path | SharedLocation
