"""``flask --app marketplace media init|copy|verify``: move a machine's local media into the bucket.

A deployment that grows from one machine to several sets MEDIA_STORAGE=s3 and runs, once:
``flask media init`` (the bucket), ``flask media copy`` (every file under MEDIA_DIR into the bucket;
resumable: an object already there with the same size is skipped, so a run that stopped half-way
is simply started again) and ``flask media verify`` (every local file read back from the bucket
and compared byte for byte; exits 1 naming what differs).
"""

from __future__ import annotations

import hashlib
import sys

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from marketplace.storage import FileSystemStorage, S3Storage, StorageUnavailable, get_storage

media_cli = AppGroup("media", help="Media storage: create the bucket, copy local media into it, verify the copy.")


def _bucket() -> S3Storage:
    storage = get_storage()
    if not isinstance(storage, S3Storage):
        click.echo("MEDIA_STORAGE is not s3: set MEDIA_STORAGE=s3, MEDIA_S3_BUCKET and MEDIA_S3_ENDPOINT_URL "
                   "(and AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY), then run this again.", err=True)
        sys.exit(2)
    return storage


def _local() -> tuple[FileSystemStorage, list[str]]:
    local = FileSystemStorage(current_app.config["MEDIA_DIR"])
    return local, list(local.keys())


def _unreachable(exc: Exception) -> None:
    click.echo(f"The bucket cannot be reached ({exc}). Check MEDIA_S3_ENDPOINT_URL, the credentials and that "
               "the server runs, then run the same command again: what was copied stays copied.", err=True)
    sys.exit(1)


@media_cli.command("init")
def init_command() -> None:
    """Create the bucket named by MEDIA_S3_BUCKET when it does not exist."""
    bucket = _bucket()
    try:
        bucket.ensure_bucket()
    except StorageUnavailable as exc:
        _unreachable(exc)
    click.echo(f"Bucket {bucket.bucket!r} is ready.")


@media_cli.command("copy")
def copy_command() -> None:
    """Copy every file under MEDIA_DIR into the bucket (skips objects already there with the same size)."""
    bucket = _bucket()
    local, keys = _local()
    copied = skipped = 0
    try:
        with click.progressbar(keys, label=f"Copying {len(keys)} file(s)", file=sys.stderr) as bar:
            for key in bar:
                data = local.open(key)
                if bucket.size(key) == len(data):
                    skipped += 1
                    continue
                bucket.save(key, data)
                copied += 1
    except StorageUnavailable as exc:
        click.echo(f"Stopped after copying {copied} file(s).", err=True)
        _unreachable(exc)
    click.echo(f"Copied {copied} file(s); {skipped} were already in the bucket. Next: flask media verify")


@media_cli.command("verify")
def verify_command() -> None:
    """Read every local file back from the bucket and compare it byte for byte."""
    bucket = _bucket()
    local, keys = _local()
    missing: list[str] = []
    different: list[str] = []
    try:
        with click.progressbar(keys, label=f"Verifying {len(keys)} file(s)", file=sys.stderr) as bar:
            for key in bar:
                try:
                    remote = bucket.open(key)
                except FileNotFoundError:
                    missing.append(key)
                    continue
                if hashlib.sha256(remote).digest() != hashlib.sha256(local.open(key)).digest():
                    different.append(key)
    except StorageUnavailable as exc:
        _unreachable(exc)
    for label, found in (("missing from the bucket", missing), ("different in the bucket", different)):
        for key in found[:20]:
            click.echo(f"{label}: {key}", err=True)
    if missing or different:
        click.echo(f"{len(missing)} missing, {len(different)} different of {len(keys)}: run flask media copy "
                   "again, then verify.", err=True)
        sys.exit(1)
    click.echo(f"All {len(keys)} file(s) are in the bucket, byte for byte.")


def register(app: Flask) -> None:
    app.cli.add_command(media_cli)
