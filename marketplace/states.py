"""Explicit state machines: a transition table and one check that refuses any other move."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping


class InvalidTransition(Exception):
    """A status move the transition table does not allow (HTTP 409 in the API)."""

    def __init__(self, machine: str, current: enum.Enum, target: enum.Enum):
        self.machine = machine
        self.current = current
        self.target = target
        super().__init__(f"{machine}: {current.value} -> {target.value} is not allowed")


class StateMachine:
    """A named table of allowed moves; domain set_status() functions call check()."""

    def __init__(self, name: str, transitions: Mapping[enum.Enum, Iterable[enum.Enum]]):
        self.name = name
        self.transitions = {state: frozenset(targets) for state, targets in transitions.items()}

    def allowed(self, current: enum.Enum) -> frozenset:
        return self.transitions.get(current, frozenset())

    def can(self, current: enum.Enum, target: enum.Enum) -> bool:
        return target in self.allowed(current)

    def check(self, current: enum.Enum, target: enum.Enum) -> None:
        if not self.can(current, target):
            raise InvalidTransition(self.name, current, target)
