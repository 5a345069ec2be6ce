"""A shared vault's object store: one bucket and prefix of an S3-compatible store (AWS S3,
MinIO, Ceph RGW, SeaweedFS, Backblaze B2), through boto3 (DR027).

Only ciphertext and MAC'd files are ever put here. Credentials come from boto3's standard
places (the AWS environment, ``~/.aws/credentials`` and ``~/.aws/config``); the endpoint from
the location. Every failure to reach the store, or a refusal of our credentials or bucket, is a
:class:`StoreUnavailable` that says so; a missing object is ``None`` or ``False`` to the caller.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import BinaryIO, Iterator

from studio.core.errors import StoreUnavailable

_MISSING = {"404", "NoSuchKey", "NotFound"}
_REFUSED = {"AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch", "403", "Forbidden",
            "InvalidToken", "ExpiredToken"}


class ObjectStore:
    def __init__(self, bucket: str, prefix: str, endpoint: str | None) -> None:
        import boto3
        from botocore.config import Config

        self.bucket, self.prefix, self.endpoint = bucket, prefix, endpoint
        session = boto3.session.Session()
        config = Config(
            connect_timeout=5, read_timeout=60, retries={"max_attempts": 3, "mode": "standard"},
            # checksums only where the API requires them: many S3-compatible stores reject the
            # trailing checksums newer boto3 sends by default
            request_checksum_calculation="when_required", response_checksum_validation="when_required",
            s3={"addressing_style": "path"} if endpoint else None,
        )
        self._client = session.client("s3", endpoint_url=endpoint, config=config,
                                      region_name=session.region_name or "us-east-1")

    def describe(self) -> str:
        where = f" at {self.endpoint}" if self.endpoint else ""
        return f"the object store{where} (bucket {self.bucket})"

    def key(self, name: str) -> str:
        return f"{self.prefix}/{name}" if self.prefix else name

    # -- small files and blobs -----------------------------------------------------------------
    def get(self, name: str, limit: int | None = None) -> bytes | None:
        """The object's bytes (at most ``limit`` + 1 of them), or None when there is none."""
        with self._errors():
            try:
                extra = {"Range": f"bytes=0-{limit}"} if limit is not None else {}
                body = self._client.get_object(Bucket=self.bucket, Key=self.key(name), **extra)["Body"]
            except self._client.exceptions.NoSuchKey:
                return None
            except Exception as exc:
                if _code(exc) in _MISSING:
                    return None
                raise
            with contextlib.closing(body):
                return body.read()

    @contextlib.contextmanager
    def reading(self, name: str) -> Iterator[BinaryIO | None]:
        """The object as a stream (None: no such object)."""
        with self._errors():
            try:
                body = self._client.get_object(Bucket=self.bucket, Key=self.key(name))["Body"]
            except Exception as exc:
                if _code(exc) in _MISSING:
                    yield None
                    return
                raise
        with contextlib.closing(body), self._errors():
            yield body

    def put_bytes(self, name: str, data: bytes) -> None:
        with self._errors():
            self._client.put_object(Bucket=self.bucket, Key=self.key(name), Body=data)

    def put_file(self, name: str, path: Path) -> None:
        """Upload a file (multipart when large): the object appears whole or not at all."""
        with self._errors():
            self._client.upload_file(str(path), self.bucket, self.key(name))

    def exists(self, name: str) -> bool:
        with self._errors():
            try:
                self._client.head_object(Bucket=self.bucket, Key=self.key(name))
            except Exception as exc:
                if _code(exc) in _MISSING:
                    return False
                raise
            return True

    def size(self, name: str) -> int | None:
        """The object's size in bytes, or None when there is no such object."""
        with self._errors():
            try:
                head = self._client.head_object(Bucket=self.bucket, Key=self.key(name))
            except Exception as exc:
                if _code(exc) in _MISSING:
                    return None
                raise
            return int(head["ContentLength"])

    def holds_anything(self) -> bool:
        """Whether any object lies under the prefix (the whole bucket when there is none)."""
        start = f"{self.prefix}/" if self.prefix else ""
        with self._errors():
            page = self._client.list_objects_v2(Bucket=self.bucket, Prefix=start, MaxKeys=1)
        return bool(page.get("Contents"))

    def delete(self, name: str) -> None:
        with self._errors():
            self._client.delete_object(Bucket=self.bucket, Key=self.key(name))

    def names(self, under: str) -> Iterator[str]:
        """Every object's name below ``under/`` (relative to it)."""
        start = self.key(under) + "/"
        paginator = self._client.get_paginator("list_objects_v2")
        with self._errors():
            for page in paginator.paginate(Bucket=self.bucket, Prefix=start):
                for item in page.get("Contents", ()):
                    yield item["Key"][len(start):]

    def abort_uploads(self, under: str, keep: set[str]) -> int:
        """Abort unfinished multipart uploads below ``under/`` (a station that died mid-upload),
        except those of names in ``keep`` (a live writer's). Returns how many."""
        start = self.key(under) + "/"
        aborted = 0
        with self._errors():
            paginator = self._client.get_paginator("list_multipart_uploads")
            for page in paginator.paginate(Bucket=self.bucket, Prefix=start):
                for up in page.get("Uploads", ()):
                    if up["Key"][len(start):] in keep:
                        continue
                    self._client.abort_multipart_upload(Bucket=self.bucket, Key=up["Key"], UploadId=up["UploadId"])
                    aborted += 1
        return aborted

    def check_bucket(self) -> None:
        """Raise :class:`StoreUnavailable` unless the bucket is there and ours to use."""
        with self._errors():
            self._client.head_bucket(Bucket=self.bucket)

    # -- errors --------------------------------------------------------------------------------
    @contextlib.contextmanager
    def _errors(self) -> Iterator[None]:
        from boto3.exceptions import S3UploadFailedError
        from botocore import exceptions as bx

        try:
            yield
        except StoreUnavailable:
            raise
        except bx.NoCredentialsError:
            raise StoreUnavailable(f"no credentials for {self.describe()}: set AWS_ACCESS_KEY_ID and "
                                   "AWS_SECRET_ACCESS_KEY, or AWS_PROFILE with ~/.aws/credentials") from None
        except (bx.EndpointConnectionError, bx.ConnectTimeoutError, bx.ReadTimeoutError,
                bx.ConnectionClosedError, bx.ConnectionError) as exc:
            raise StoreUnavailable(f"{self.describe()} cannot be reached ({type(exc).__name__}); nothing "
                                   "half-written is visible: try again when it is back") from None
        except bx.ClientError as exc:
            code = _code(exc)
            if code in ("NoSuchBucket",) or (code == "404" and "Bucket" in str(exc)):
                raise StoreUnavailable(f"{self.describe()} has no bucket {self.bucket!r}") from None
            if code in _REFUSED:
                raise StoreUnavailable(f"{self.describe()} refused our credentials ({code})") from None
            raise StoreUnavailable(f"{self.describe()} answered with an error: {code}") from None
        except S3UploadFailedError as exc:
            raise StoreUnavailable(f"{self.describe()} did not take an upload ({exc}); nothing half-written "
                                   "is visible") from None
        except OSError as exc:  # a socket error below botocore, or S3Transfer's wrapping of one
            if isinstance(exc, FileNotFoundError) and exc.filename:
                raise
            raise StoreUnavailable(f"{self.describe()} cannot be reached ({exc})") from None


def _code(exc: BaseException) -> str:
    response = getattr(exc, "response", None) or {}
    return str(response.get("Error", {}).get("Code", ""))
