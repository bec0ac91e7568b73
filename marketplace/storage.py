"""Media storage behind one interface: the filesystem (embedded default) or S3-compatible object
storage through boto3 (``MEDIA_STORAGE=s3``, for several machines).

Keys are paths such as ``public/ab/abcd…-800.webp`` or ``private/licences/…``. ``public/`` keys are
product photos and logos: content-hashed, so immutable, served by ``/media/public/<key>`` with a
year's cache (or, with ``MEDIA_PUBLIC_BASE_URL``, straight from the bucket or a CDN in front of it).
``private/`` keys (licences, slips, invoices, project files) have no URL at all: only the views that
check permission send them, through :func:`send`.

Failures: a missing object raises ``FileNotFoundError``; a store that cannot be reached raises
:class:`StorageUnavailable`. Both are ``OSError``: the views turn the first into 404, and
marketplace.errors turns the second, wherever it is raised (an upload in any domain, a file sent),
into 503 with a message saying so in the visitor's language, after rolling the transaction back (no
row is left pointing to an object that was never stored). The page around an image still renders.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

from flask import Response, abort, current_app, send_file


class StorageUnavailable(OSError):
    """The object store cannot be reached (or refused us): serve what can be served, 503 the rest."""


class Storage(Protocol):
    """What every media store offers. Keys are relative paths; data is bytes (uploads are
    size-limited, so reading whole is fine and no open handle outlives a response)."""

    def save(self, key: str, data: bytes) -> str: ...

    def open(self, key: str) -> bytes: ...

    def exists(self, key: str) -> bool: ...

    def size(self, key: str) -> int | None: ...

    def delete(self, key: str) -> None: ...

    def keys(self, prefix: str = "") -> Iterator[str]: ...

    def url(self, key: str) -> str | None: ...

    def local_path(self, key: str) -> Path | None: ...

    def check(self) -> dict: ...


class FileSystemStorage:
    """Files under one root folder (MEDIA_DIR)."""

    def __init__(self, root: str | os.PathLike):
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if self.root.resolve() not in path.parents:
            raise FileNotFoundError(key)  # outside the root: there is no such object
        return path

    def save(self, key: str, data: bytes) -> str:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists():  # content-hashed keys: same key, same bytes
            fd, tmp = tempfile.mkstemp(dir=path.parent)
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, path)
        return key

    def open(self, key: str) -> bytes:
        return self._path(key).read_bytes()

    def exists(self, key: str) -> bool:
        try:
            return self._path(key).is_file()
        except FileNotFoundError:
            return False

    def size(self, key: str) -> int | None:
        try:
            return self._path(key).stat().st_size
        except FileNotFoundError:
            return None

    def delete(self, key: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            self._path(key).unlink(missing_ok=True)

    def keys(self, prefix: str = "") -> Iterator[str]:
        if not self.root.is_dir():
            return
        for path in sorted(self.root.rglob("*")):
            key = path.relative_to(self.root).as_posix()
            if path.is_file() and key.startswith(prefix) and not path.name.startswith("tmp"):
                yield key

    def url(self, key: str) -> str | None:
        return None  # served by the app

    def local_path(self, key: str) -> Path | None:
        return self._path(key)

    def check(self) -> dict:
        self.root.mkdir(parents=True, exist_ok=True)
        return {"ok": os.access(self.root, os.W_OK), "backend": "filesystem"}


class S3Storage:
    """One bucket of an S3-compatible store (AWS S3, SeaweedFS, MinIO, Ceph, OSS/COS in S3 mode).

    Credentials and region come from boto3's standard environment (AWS_ACCESS_KEY_ID,
    AWS_SECRET_ACCESS_KEY, AWS_DEFAULT_REGION); the bucket and endpoint from MEDIA_S3_BUCKET and
    MEDIA_S3_ENDPOINT_URL. Timeouts are short and retries few: a request must not hang on a store
    that is down, it answers 503 instead.
    """

    def __init__(self, bucket: str, *, endpoint_url: str | None = None, public_base_url: str | None = None,
                 client=None):
        import boto3
        from botocore.config import Config

        self.bucket = bucket
        self.public_base_url = (public_base_url or "").rstrip("/") or None
        self.client = client or boto3.client(
            "s3", endpoint_url=endpoint_url or None,
            config=Config(connect_timeout=2, read_timeout=10, retries={"max_attempts": 2, "mode": "standard"},
                          s3={"addressing_style": "path"}, signature_version="s3v4"))

    def _call(self, method: str, **kwargs):
        from botocore.exceptions import BotoCoreError, ClientError

        key = kwargs.get("Key")
        if key is not None and (not key or key.startswith("/") or ".." in key.split("/")):
            raise FileNotFoundError(key)  # as on the filesystem: no object outside the store's tree
        try:
            return getattr(self.client, method)(Bucket=self.bucket, **kwargs)
        except ClientError as exc:
            code = str(exc.response.get("Error", {}).get("Code", ""))
            if code in ("NoSuchKey", "404", "NotFound"):
                raise FileNotFoundError(kwargs.get("Key", "")) from exc
            raise StorageUnavailable(f"s3 {method}: {code or 'error'}") from exc
        except BotoCoreError as exc:
            raise StorageUnavailable(f"s3 {method}: {type(exc).__name__}") from exc

    def save(self, key: str, data: bytes) -> str:
        content_type = _content_type(key)
        extra = {"ContentType": content_type} if content_type else {}
        self._call("put_object", Key=key, Body=data, **extra)
        return key

    def open(self, key: str) -> bytes:
        return self._call("get_object", Key=key)["Body"].read()

    def exists(self, key: str) -> bool:
        return self.size(key) is not None

    def size(self, key: str) -> int | None:
        try:
            return int(self._call("head_object", Key=key)["ContentLength"])
        except FileNotFoundError:
            return None

    def delete(self, key: str) -> None:
        self._call("delete_object", Key=key)

    def keys(self, prefix: str = "") -> Iterator[str]:
        token = None
        while True:
            kwargs = {"Prefix": prefix, **({"ContinuationToken": token} if token else {})}
            page = self._call("list_objects_v2", **kwargs)
            for item in page.get("Contents", []):
                yield item["Key"]
            if not page.get("IsTruncated"):
                return
            token = page.get("NextContinuationToken")

    def url(self, key: str) -> str | None:
        if self.public_base_url and key.startswith("public/"):
            return f"{self.public_base_url}/{key}"
        return None

    def local_path(self, key: str) -> Path | None:
        return None

    def check(self) -> dict:
        self._call("head_bucket")
        return {"ok": True, "backend": "s3"}

    def ensure_bucket(self) -> None:
        """Create the bucket when it does not exist (``flask media init``; the tests' server)."""
        try:
            self._call("head_bucket")
        except (FileNotFoundError, StorageUnavailable):
            self._call("create_bucket")


def _content_type(key: str) -> str | None:
    return {"webp": "image/webp", "pdf": "application/pdf", "png": "image/png",
            "jpg": "image/jpeg"}.get(key.rsplit(".", 1)[-1].lower())


def make_storage(config) -> Storage:
    """The store the configuration names: MEDIA_STORAGE = "filesystem" (default) or "s3"."""
    kind = (config.get("MEDIA_STORAGE") or "filesystem").lower()
    if kind == "filesystem":
        return FileSystemStorage(config["MEDIA_DIR"])
    if kind == "s3":
        bucket = config.get("MEDIA_S3_BUCKET")
        if not bucket:
            raise RuntimeError("MEDIA_STORAGE=s3 needs MEDIA_S3_BUCKET (and usually MEDIA_S3_ENDPOINT_URL)")
        return S3Storage(bucket, endpoint_url=config.get("MEDIA_S3_ENDPOINT_URL"),
                         public_base_url=config.get("MEDIA_PUBLIC_BASE_URL"))
    raise RuntimeError(f"unknown MEDIA_STORAGE {kind!r}: use 'filesystem' or 's3'")


def get_storage() -> Storage:
    ext = current_app.extensions
    if "media_storage" not in ext:
        ext["media_storage"] = make_storage(current_app.config)
    return ext["media_storage"]


def read_or_404(key: str) -> bytes:
    """A private object's bytes for a view that has checked who may see it: 404 when it is missing,
    StorageUnavailable (503, said to be the file store) when the store cannot be read."""
    try:
        return get_storage().open(key)
    except FileNotFoundError:
        abort(404)
    except StorageUnavailable:
        raise
    except OSError as exc:
        raise StorageUnavailable(f"read {type(exc).__name__}") from exc


def send(key: str, *, mimetype: str, public: bool, as_attachment: bool = False,
         download_name: str | None = None) -> Response:
    """The response for one stored object whose view has checked who may see it.

    Public (content-hashed, immutable) objects are cached for a year and answer If-None-Match with
    304; private ones are never cached. Both are never sniffed. A missing object is a 404, a store
    that cannot be reached a 503 (the error pages say so in the user's language).
    """
    storage = get_storage()
    try:
        path = storage.local_path(key) if public else None
        if path is not None:  # a photo from the disk: sent by the server's sendfile
            if not path.is_file():
                raise FileNotFoundError(key)
            source = path
        else:  # read whole (uploads are size-limited): no open handle outlives the response
            source = io.BytesIO(storage.open(key))
    except FileNotFoundError:
        abort(404)
    except StorageUnavailable:
        raise  # marketplace.errors answers 503, saying it is the file store
    except OSError as exc:  # a disk that cannot be read: the same answer
        raise StorageUnavailable(f"read {type(exc).__name__}") from exc
    etag = hashlib.blake2b(key.encode(), digest_size=16).hexdigest() if public else False
    response = send_file(source, mimetype=mimetype, conditional=public, etag=etag, max_age=31536000 if public else 0,
                         as_attachment=as_attachment, download_name=download_name)
    response.headers["Cache-Control"] = ("public, max-age=31536000, immutable" if public
                                         else "private, no-store, max-age=0")
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
