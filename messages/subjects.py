"""The conversation subjects: what a conversation is about, described by the domain that owns it.

``messages`` sits just above the shell and never imports the domains above it; each of them
registers its kinds from its own ``init_app``::

    from messages.subjects import Card, register_subject

    register_subject("product", card=product_cards, may_discuss=product_shop)

* ``card(ids) -> {id: Card}``: the context cards of several subjects at once (one or two queries for
  a whole inbox page, whatever its length); an id that no longer exists is simply left out (the
  conversation then shows "no longer available"). A card is seen by both parties: no contact
  details (phone, address) in it.
* ``may_discuss(user, id, shop_id) -> shop id | None``: may ``user`` (the buyer) open a conversation
  about this subject, and with which shop? ``shop_id`` is the shop the buyer asked for (a request
  discussed with one of the shops that quoted it), or None; return the conversation's shop id, or
  None to refuse (the page and the API then answer 404: a subject one may not discuss does not
  exist for him).

The kind "" (no subject) is a general question to a shop; it needs no registration.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from flask import current_app

#: The kind of a general question to a shop (no subject).
GENERAL = ""


@dataclass(frozen=True)
class Card:
    """A subject's context card: a title, a link (``shop_url``: the shop side's, when it differs, as
    an order's merchant page does), a thumbnail URL, a line or two of facts."""

    title: str
    url: str | None = None
    shop_url: str | None = None
    thumbnail: str | None = None
    facts: tuple[str, ...] = ()


@dataclass(frozen=True)
class SubjectKind:
    kind: str
    card: Callable[[list[int]], dict[int, Card]]
    may_discuss: Callable[..., int | None]
    label: object = field(default="")


def _kinds() -> dict[str, SubjectKind]:
    return current_app.extensions.setdefault("message_subjects", {})


def register_subject(kind: str, *, card: Callable[[list[int]], dict[int, Card]],
                     may_discuss: Callable[..., int | None], label: object = "", app=None) -> None:
    """Declare a subject kind (from the owning domain's ``init_app``; ``app`` defaults to the current
    one). ``label`` names the kind on pages ("商品", "订单"). A kind registered twice is an error."""
    if not kind or len(kind) > 20:
        raise ValueError(f"subject kind must be 1 to 20 characters, not {kind!r}")
    kinds = (app or current_app).extensions.setdefault("message_subjects", {})
    if kind in kinds:
        raise RuntimeError(f"conversation subject {kind!r} is registered twice")
    kinds[kind] = SubjectKind(kind, card, may_discuss, label)


def known(kind: str) -> bool:
    return kind == GENERAL or kind in _kinds()


def label(kind: str) -> str:
    found = _kinds().get(kind)
    return str(found.label) if found and found.label else ""


def shop_for(kind: str, subject_id: int, user, shop_id: int | None) -> int | None:
    """The shop ``user`` may discuss this subject with, or None (unknown kind, refused, not found)."""
    if kind == GENERAL:
        return shop_id
    found = _kinds().get(kind)
    if found is None:
        return None
    return found.may_discuss(user, subject_id, shop_id)


def cards(pairs: Iterable[tuple[str, int]]) -> dict[tuple[str, int], Card]:
    """The cards of many (kind, id) subjects: one ``card`` call per kind."""
    wanted: dict[str, set[int]] = {}
    for kind, ident in pairs:
        if kind:
            wanted.setdefault(kind, set()).add(ident)
    found: dict[tuple[str, int], Card] = {}
    for kind, ids in wanted.items():
        subject = _kinds().get(kind)
        if subject is None:
            continue
        for ident, card in subject.card(sorted(ids)).items():
            found[(kind, ident)] = card
    return found
