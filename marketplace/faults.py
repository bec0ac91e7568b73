"""Crash points: named places where a test makes this process die at once, as a machine losing power
would, to prove that nothing is half-saved and that a retry elsewhere finishes the work once.

``crash_point("checkout.reserved")`` does nothing unless ``CRASH_AT`` (``MARKETPLACE_CRASH_AT``)
names that point; production refuses to start with it set (marketplace.config). ``os._exit`` skips
every handler, ``finally`` and commit, like a killed process.
"""

from __future__ import annotations

import logging
import os

from flask import current_app

log = logging.getLogger(__name__)

#: The points the code offers (a test naming another one is a typo).
POINTS = ("checkout.reserved",)


def crash_point(name: str) -> None:
    armed = current_app.config.get("CRASH_AT")
    if armed and armed == name:
        log.error("crash point %s reached: exiting on purpose (MARKETPLACE_CRASH_AT)", name)
        os._exit(70)
