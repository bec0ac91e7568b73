"""Uploaded files that a preview has checked, kept until the user confirms (a CSV import and its
photo zip, a day's price file): in the media storage, under ``private/<area>/<owner>/``, so the
confirming request, or the job that imports, may run on any machine.

A token is ``<unix time>-<32 hex>``: it names the files and, by its time, lets a later stash of the
same owner delete what was never confirmed. It opens only its owner's folder, so another shop's or
market's token finds nothing.
"""

from __future__ import annotations

import re
import secrets
import time

from marketplace.storage import get_storage

TOKEN_RE = re.compile(r"^[0-9]{10}-[a-f0-9]{32}$")
#: Stashes never confirmed are deleted after this long (when the same owner stashes again).
KEEP_HOURS = 24


class Stash:
    def __init__(self, area: str, owner_id: int):
        self.prefix = f"private/{area}/{int(owner_id)}/"

    def put(self, files: dict[str, bytes | None]) -> str:
        """Keep ``{suffix: data}`` (a None is skipped); the token that finds them again."""
        storage = get_storage()
        cutoff = int(time.time()) - KEEP_HOURS * 3600
        for key in list(storage.keys(self.prefix)):
            stamp = key.rsplit("/", 1)[-1].split("-", 1)[0]
            if stamp.isdigit() and int(stamp) < cutoff:
                storage.delete(key)
        token = f"{int(time.time()):010d}-{secrets.token_hex(16)}"
        for suffix, data in files.items():
            if data is not None:
                storage.save(f"{self.prefix}{token}{suffix}", data)
        return token

    def get(self, token: str, suffix: str) -> bytes | None:
        """The stashed file, or None for a token that is malformed, expired, used or not this owner's."""
        if not TOKEN_RE.match(token or ""):
            return None
        try:
            return get_storage().open(f"{self.prefix}{token}{suffix}")
        except FileNotFoundError:
            return None

    def discard(self, token: str, *suffixes: str) -> None:
        if TOKEN_RE.match(token or ""):
            for suffix in suffixes:
                get_storage().delete(f"{self.prefix}{token}{suffix}")
