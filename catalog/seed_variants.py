"""Building blocks of the demo catalogue (catalog.seed_agri, catalog.seed_industry).

A product spec is (title, category code, origin region name, subtitle, attributes, certifications,
variants); a variant is (name, unit, price in yuan, stock, moq, step, grams per unit or None,
tiers), where tiers is None for the default ladder (10+ at 95%, 100+ at 90%), () for none, or
[(qty, yuan)]. What tells two otherwise equal goods apart — grade, size, colour, vintage, pack —
is a variant of one product with its own price, tiers, stock and MOQ, never a second product
(tests/catalog/test_demo_catalogue.py checks it).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import ROUND_HALF_UP
from decimal import Decimal as D

#: Grades as Chinese wholesale lists them, with the price factor of each against 一级.
GRADE = {"特级": D("1.25"), "精品": D("1.2"), "一级": D("1.0"), "二级": D("0.85"), "统货": D("0.75")}
GRADES = ("特级", "一级", "二级")

#: A pack: (name, unit, price multiplier of the base price, stock, moq, step, grams, tiers), where
#: tiers is None, (), or a callable taking the pack's price (Decimal yuan) -> [(qty, Decimal yuan)].
Pack = tuple[str, str, D, int, int, int, int | None, object]


def yuan(value) -> str:
    """Yuan with two decimals, rounded half up (Decimal arithmetic: prices never pass through float)."""
    return str(D(value).quantize(D("0.01"), rounding=ROUND_HALF_UP))


def ladder(*steps: tuple[int, str]) -> Callable[[D], list[tuple[int, D]]]:
    """Tiers as shares of the variant's price: ladder((20, "0.96"), (100, "0.92"))."""
    return lambda price: [(qty, price * D(share)) for qty, share in steps]


def grid(levels: Sequence[tuple[str, D | str | int]], packs: Sequence[Pack], base) -> list[tuple]:
    """One variant per level (a grade, size, colour or vintage, with its price factor) and pack,
    named "特级 · 25kg 编织袋"; the stock of the dearer levels is smaller."""
    out = []
    base = D(base)
    for rank, (level, factor) in enumerate(levels):
        for name, unit, mult, stock, moq, step, grams, tiers in packs:
            price = base * D(factor) * D(mult)
            label = " · ".join(x for x in (level, name) if x)
            steps = tiers(price) if callable(tiers) else tiers
            if steps:
                steps = [(q, yuan(p)) for q, p in steps]
            out.append((label, unit, yuan(price), max(stock // (2 if rank == 0 and len(levels) > 2 else 1), moq * 2),
                        moq, step, grams, steps))
    return out


def graded(grades: Sequence[str], packs: Sequence[Pack], base) -> list[tuple]:
    """grid() over grades with their usual price factors."""
    return grid([(g, GRADE[g]) for g in grades], packs, base)


def product(title: str, category: str, origin: str, subtitle: str, attributes: list, certs: list,
            variants: list[tuple]) -> tuple:
    return (title, category, origin, subtitle, attributes, certs, variants)
