"""The benchmarks' server: gunicorn on loopback with the repo's config, its workers and their memory."""

from __future__ import annotations

import http.client
import os
import shutil
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(env: dict, port: int, workers: int) -> subprocess.Popen:
    gunicorn = shutil.which("gunicorn", path=str(ROOT / ".venv" / "bin")) or "gunicorn"
    # production answers only its public host: here, the loopback address wrk and the scripts call
    env = {"MARKETPLACE_PUBLIC_BASE_URL": "https://127.0.0.1", **env}
    proc = subprocess.Popen([gunicorn, "-c", str(ROOT / "gunicorn.conf.py"), "marketplace:create_app()"],
                            cwd=ROOT, env={**os.environ, **env, "WEB_CONCURRENCY": str(workers),
                                           "GUNICORN_BIND": f"127.0.0.1:{port}", "GUNICORN_MAX_REQUESTS": "0"},
                            stdout=subprocess.DEVNULL, stderr=open(os.path.join(env["MARKETPLACE_DATA_DIR"], "gunicorn.log"), "w"))  # noqa: SIM115
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/bench/hello")
            if conn.getresponse().status == 200:
                return proc
        except OSError:
            time.sleep(0.3)
        if proc.poll() is not None:
            raise SystemExit(f"gunicorn exited; see {env['MARKETPLACE_DATA_DIR']}/gunicorn.log")
    proc.terminate()
    raise SystemExit("gunicorn did not answer within 60 s")


def worker_pids(master: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(master)], capture_output=True, text=True).stdout
    return [int(x) for x in out.split()]


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def pss_uss_mb(pid: int) -> tuple[float, float]:
    """(PSS, USS) in MB: shared pages (preloaded dictionaries) counted once / not at all."""
    pss = uss = 0
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            key, _, rest = line.partition(":")
            if key == "Pss":
                pss = int(rest.split()[0])
            elif key in ("Private_Clean", "Private_Dirty"):
                uss += int(rest.split()[0])
    except OSError:
        return float("nan"), float("nan")
    return pss / 1024, uss / 1024


class MemorySampler(threading.Thread):
    """Samples every worker's PSS and USS once a second; keeps the maxima."""

    def __init__(self, master: int):
        super().__init__(daemon=True)
        self.master, self.stop, self.peak = master, threading.Event(), {}

    def run(self):
        while not self.stop.wait(1.0):
            for pid in worker_pids(self.master):
                pss, uss = pss_uss_mb(pid)
                old = self.peak.get(pid, (0.0, 0.0))
                self.peak[pid] = (max(old[0], pss), max(old[1], uss))


def stop_server(proc: subprocess.Popen) -> None:
    """SIGTERM (gunicorn's graceful stop), then SIGKILL after 30 s."""
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
