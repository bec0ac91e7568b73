"""Test-only speed-up of building an app (imported by tests/conftest.py)."""

from __future__ import annotations


def compile_each_url_builder_once() -> None:
    """Every test builds an app, and three quarters of create_app's time was Werkzeug compiling a
    URL builder for each of ~330 routes (an ast, then compile()). A builder depends only on the
    rule's parsed text, its defaults and its converters' kinds, so the suite compiles each once and
    every later app binds the same function to its own Rule (as Werkzeug does with a fresh one)."""
    from werkzeug.routing.rules import Rule

    original = Rule._compile_builder
    builders: dict = {}

    def compile_builder(self, append_unknown: bool = True):
        key = (self.rule, self.subdomain, self.host, self.map.host_matching, append_unknown, tuple(self._trace),
               repr(sorted((self.defaults or {}).items())),
               tuple((name, type(conv).__name__, repr({k: v for k, v in vars(conv).items() if k != "map"}))
                     for name, conv in self._converters.items()))
        builder = builders.get(key)
        if builder is None:
            builder = builders[key] = original(self, append_unknown)
        return builder

    Rule._compile_builder = compile_builder
