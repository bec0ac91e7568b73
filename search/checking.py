"""``search check``'s comparison, shared by the backends: the database's documents against the
fingerprints an index holds."""

from __future__ import annotations

from collections.abc import Callable

from marketplace.extensions import db
from search.spec import CheckReport, IndexSpec

BATCH = 500


def chunks(items: list, size: int = BATCH):
    for start in range(0, len(items), size):
        yield items[start:start + size]


def compare(spec: IndexSpec, indexed: dict[str, str | None], signature: Callable[[str, dict], str],
            progress: Callable[[int], None] | None = None) -> CheckReport:
    """Missing (in the database, not in the index), stale (a different fingerprint) and extra (in the
    index only) documents. ``indexed``: {key: fingerprint} of the index; ``signature(key, doc)``:
    the fingerprint the backend would write for ``doc`` now."""
    report = CheckReport(spec.name)
    ids = list(spec.all_ids())
    db.session.rollback()
    expected: set[str] = set()
    for chunk in chunks(ids):
        for obj_id, doc in spec.load_documents(chunk):
            if doc is None:
                continue
            key = str(obj_id)
            expected.add(key)
            if key not in indexed:
                report.missing.append(obj_id)
            elif indexed[key] != signature(key, doc):
                report.stale.append(obj_id)
        db.session.rollback()
        if progress:
            progress(len(chunk))
    report.extra = sorted((spec.id_type(k) for k in set(indexed) - expected), key=str)
    return report
