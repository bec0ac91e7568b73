"""``flask media init|copy|verify``: a machine's local media moved into the S3 bucket (SeaweedFS),
resumably and verified byte for byte."""

from __future__ import annotations

import uuid

import pytest

from marketplace import create_app
from marketplace.storage import FileSystemStorage
from tests.s3_server import s3_settings


@pytest.fixture
def app_config(app_config, s3_server):
    app_config.update(s3_settings(s3_server), MEDIA_S3_BUCKET=f"copy-{uuid.uuid4().hex[:12]}")
    return app_config


def _run(app, *args):
    return app.test_cli_runner().invoke(args=["media", *args])


def test_copy_is_resumable_and_verified(app, app_config):
    local = FileSystemStorage(app_config["MEDIA_DIR"])
    files = {f"public/products/{n:02d}/{uuid.uuid4().hex}-800.webp": f"photo {n}".encode() for n in range(5)}
    files["private/licences/ab/营业执照-full.webp"] = b"licence"
    for key, data in files.items():
        local.save(key, data)

    assert "ready" in _run(app, "init").output
    unverified = _run(app, "verify")
    assert unverified.exit_code == 1 and "6 missing" in unverified.output

    copied = _run(app, "copy")
    assert copied.exit_code == 0 and "Copied 6 file(s); 0 were already" in copied.output
    again = _run(app, "copy")  # a second run (or a resumed one) copies nothing twice
    assert "Copied 0 file(s); 6 were already" in again.output
    verified = _run(app, "verify")
    assert verified.exit_code == 0 and "All 6 file(s)" in verified.output

    from marketplace.storage import get_storage

    bucket = get_storage()
    key = next(iter(files))
    bucket.save(key, b"tampered")
    tampered = _run(app, "verify")
    assert tampered.exit_code == 1 and "different in the bucket: " + key in tampered.output
    assert bucket.open("private/licences/ab/营业执照-full.webp") == b"licence"


def test_the_commands_explain_what_to_do(app_config):
    """On the filesystem store the commands say which settings to set; with the server gone they
    say what to check and that a rerun resumes."""
    filesystem = create_app({**app_config, "MEDIA_STORAGE": "filesystem"})
    result = filesystem.test_cli_runner().invoke(args=["media", "copy"])
    assert result.exit_code == 2 and "MEDIA_STORAGE=s3" in result.output

    down = create_app({**app_config, "MEDIA_S3_ENDPOINT_URL": "http://127.0.0.1:9"})
    FileSystemStorage(app_config["MEDIA_DIR"]).save("public/a/b.webp", b"x")
    result = down.test_cli_runner().invoke(args=["media", "copy"])
    assert result.exit_code == 1 and "cannot be reached" in result.output and "run the same command again" in result.output
