"""wrk, the load generator: its Lua scripts, its runs at several connection counts, py-spy profiles."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def lua_get(paths: list[str], cookies: list[str] | None = None, shuffle: bool = False) -> str:
    """GET the paths in turn (``shuffle``: one at random per request, so the runs at several
    connection counts do not replay the same sequence into the page cache), each with one of
    ``cookies`` if given; counts the page cache's hits and misses (its X-Page-Cache header) and
    prints them at the end (``PAGE-CACHE hits misses``)."""
    items = ",".join(json.dumps(p) for p in paths)
    jar = ",".join(json.dumps(c) for c in cookies or [])
    pick = "paths[math.random(#paths)]" if shuffle else "paths[(i % #paths) + 1]"
    return f"""
local paths = {{{items}}}
local cookies = {{{jar}}}
local i = 0
local threads = {{}}
setup = function(thread)
  table.insert(threads, thread)
end
init = function(args)
  math.randomseed(os.time() + math.floor(os.clock() * 1000000))
  hits = 0
  misses = 0
end
request = function()
  i = i + 1
  local path = {pick}
  if #cookies > 0 then
    return wrk.format("GET", path, {{["Cookie"] = cookies[(i % #cookies) + 1]}})
  end
  return wrk.format("GET", path)
end
response = function(status, headers, body)
  local state = headers["X-Page-Cache"]
  if state == "hit" or state == "blocks" then hits = hits + 1 elseif state == "miss" then misses = misses + 1 end
end
done = function(summary, latency, requests)
  local h, m = 0, 0
  for _, thread in ipairs(threads) do
    h = h + (thread:get("hits") or 0)
    m = m + (thread:get("misses") or 0)
  end
  io.write(string.format("PAGE-CACHE %d %d\\n", h, m))
end
"""


def lua_cart(variants: list[int], first_token: int, tokens: int) -> str:
    items = ",".join(str(v) for v in variants)
    return f"""
local variants = {{{items}}}
local counter = 0
local thread_counter = 0
setup = function(thread)
  thread:set("tid", thread_counter)
  thread_counter = thread_counter + 1
end
init = function(args)
  nthreads = tonumber(args[1]) or 1
  tid = tid or 0
end
request = function()
  counter = counter + 1
  local k = {first_token} + ((counter * nthreads + tid) % {tokens})
  local v = variants[(counter % #variants) + 1]
  return wrk.format("POST", "/api/v1/cart", {{["Authorization"] = "Bearer bench-token-" .. k,
    ["Content-Type"] = "application/json"}}, '{{"variant_id": ' .. v .. ', "quantity": 1}}')
end
"""


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _ms(text: str) -> float:
    m = re.match(r"([\d.]+)(us|ms|s)", text)
    return float(m.group(1)) * _UNITS[m.group(2)] if m else float("nan")


def run_wrk(base: str, script: str, connections: int, duration: int, threads: int = 1) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as fh:
        fh.write(script)
        path = fh.name
    try:
        cmd = ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{duration}s", "--latency", "--timeout", "10s",
               "-s", path, base, "--", str(threads)]
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=duration + 30).stdout
    finally:
        os.unlink(path)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    lat = dict(re.findall(r"^\s+(50|99)%\s+(\S+)", out, re.M))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    total = re.search(r"(\d+) requests in", out)
    cache = re.search(r"PAGE-CACHE (\d+) (\d+)", out)
    errors = (int(non2xx.group(1)) if non2xx else 0) + (sum(int(x) for x in sock.groups()) if sock else 0)
    return {"rps": rps, "p50": _ms(lat.get("50", "nan")), "p99": _ms(lat.get("99", "nan")), "errors": errors,
            "requests": int(total.group(1)) if total else 0, "connections": connections,
            "cache_hits": int(cache.group(1)) if cache else 0, "cache_misses": int(cache.group(2)) if cache else 0}


def profile_summary(raw: str, top: int = 12) -> list[tuple[float, str]]:
    """py-spy's collapsed stacks -> the frames with the largest inclusive share of samples."""
    total, inclusive = 0, {}
    for line in raw.splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        n = int(count)
        total += n
        for frame in set(stack.split(";")):
            inclusive[frame] = inclusive.get(frame, 0) + n
    interesting = [(n / total, f) for f, n in inclusive.items()
                   if total and (f"{ROOT}/" in f or "psycopg" in f or "babel" in f or "jinja2" in f)
                   and "bench/" not in f]
    return sorted(interesting, reverse=True)[:top]


def record_profile(pid: int, seconds: int, out_path: str) -> subprocess.Popen | None:
    spy = shutil.which("py-spy", path=str(ROOT / ".venv" / "bin")) or shutil.which("py-spy")
    if not spy:
        return None
    return subprocess.Popen([spy, "record", "--pid", str(pid), "--duration", str(seconds), "--rate", "200",
                             "--format", "raw", "--output", out_path, "--nonblocking"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def sweep(base: str, script: str, levels: list[int], duration: int, profile: tuple[int, str] | None = None) -> dict:
    spy = None
    if profile:  # sample one worker with py-spy during the highest load level
        runs = [run_wrk(base, script, c, duration) for c in levels[:-1]]
        spy = record_profile(profile[0], max(1, duration - 1), profile[1])
        runs.append(run_wrk(base, script, levels[-1], duration))
        if spy:
            spy.wait(timeout=60)
    else:
        runs = [run_wrk(base, script, c, duration) for c in levels]
    peak = max(runs, key=lambda r: r["rps"])
    at80 = next(r for r in runs if r["rps"] >= 0.8 * peak["rps"])
    return {"peak": peak, "at80": at80, "runs": runs, "errors": sum(r["errors"] for r in runs),
            "requests": sum(r["requests"] for r in runs), "cache_hits": sum(r["cache_hits"] for r in runs)}


# --- the checkout through HTTP ----------------------------------------------------------------
