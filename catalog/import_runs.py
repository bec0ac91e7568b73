"""A confirmed CSV import runs as a background job ("catalog.import"), so a long import of thousands
of rows and photos neither holds a web worker nor times out, and the merchant watches its progress.

The preview stashes the files in the media storage (marketplace.stash: ``private/imports/<shop>/``),
where any machine's worker can read them; the token names the stash and only opens it for its own
shop. Confirming makes an ImportRun and enqueues the job; the job imports all or
nothing (catalog.csv_io.import_csv, one transaction) and reports progress through the cache
(Redis when there is one, shared with every machine; in-process otherwise, where the job runs in
the same process), since the import's own transaction is invisible until it commits.
"""

from __future__ import annotations

import logging

import sqlalchemy as sa

from catalog.models import ImportRun
from marketplace.cache import cache
from marketplace.db import atomic, utcnow
from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.jobs import enqueue, register_job
from marketplace.stash import TOKEN_RE, Stash

log = logging.getLogger(__name__)

JOB = "catalog.import"


def _stash(shop_id: int) -> Stash:
    return Stash("imports", shop_id)


def stash(shop, csv_data: bytes, zip_data: bytes | None) -> str:
    """Keep a checked file (and its photos) until the merchant confirms; its token."""
    return _stash(shop.id).put({".csv": csv_data, ".zip": zip_data})


def unstash(shop_id: int, token: str) -> tuple[bytes, bytes | None] | None:
    """The stashed files, or None for a token that is malformed, expired, used or another shop's."""
    csv_data = _stash(shop_id).get(token, ".csv")
    return None if csv_data is None else (csv_data, _stash(shop_id).get(token, ".zip"))


def discard(shop_id: int, token: str) -> None:
    _stash(shop_id).discard(token, ".csv", ".zip")


def start(shop, actor, token: str) -> ImportRun | None:
    """Queue the import of a stashed preview; None when the stash is gone. A second confirm of the
    same token (a double submit) gives the run the first one made."""
    if not TOKEN_RE.match(token or ""):
        return None
    existing = db.session.scalar(sa.select(ImportRun).where(ImportRun.shop_id == shop.id, ImportRun.token == token))
    if existing is not None:
        return existing
    if unstash(shop.id, token) is None:
        return None
    with atomic():
        run = ImportRun(shop_id=shop.id, actor_id=getattr(actor, "id", None), token=token, status="queued",
                        created_at=utcnow())
        db.session.add(run)
        db.session.flush()
        enqueue(JOB, run_id=run.id)
    return run


def progress(run: ImportRun) -> tuple[int, int]:
    """(rows done, rows in all) while it runs, from the cache; (0, 0) before it starts."""
    try:
        done = cache.get(f"import-progress:{run.id}")
    except Exception:  # noqa: BLE001 - Redis down: the page shows no figure, not an error
        done = None
    return tuple(done) if done else (0, run.total_rows)


def _set_progress(run_id: int, done: int, total: int) -> None:
    try:
        cache.set(f"import-progress:{run_id}", (done, total), timeout=3600)
    except Exception:  # noqa: BLE001
        log.warning("import %s: progress could not be written", run_id)


def run_import(run_id: int) -> str:
    """The job: import the run's stash, record the outcome, delete the stash (a retry of a run
    that has finished does nothing)."""
    from catalog.csv_io import CsvFileError, import_csv
    from marketplace.accounts.models import User
    from marketplace.shops.models import Shop

    claimed = db.session.execute(sa.update(ImportRun).where(ImportRun.id == run_id, ImportRun.status == "queued")
                                 .values(status="running")).rowcount
    db.session.commit()
    if not claimed:
        return "not queued"
    run = db.session.get(ImportRun, run_id)
    shop, actor = db.session.get(Shop, run.shop_id), db.session.get(User, run.actor_id) if run.actor_id else None
    files = unstash(run.shop_id, run.token)
    if files is None:
        return _finish(run_id, errors=[[0, "", _expired_message()]])
    csv_data, zip_data = files
    total, done = [0], [0]

    def step(rows: int) -> None:
        done[0] += rows
        _set_progress(run_id, done[0], total[0])

    try:
        from catalog.csv_io.importer import read_rows, table_rows

        total[0] = len(read_rows(table_rows(csv_data))[1])
        _set_progress(run_id, 0, total[0])
        report = import_csv(shop, actor, csv_data, zip_data=zip_data, progress=step)
    except (CsvFileError, DomainError) as exc:  # a file that cannot be read, a shop suspended meanwhile
        db.session.rollback()
        return _finish(run_id, total=total[0], errors=[[0, "", str(exc)]])
    except Exception:
        db.session.rollback()
        _finish(run_id, total=total[0], errors=[[0, "", _failed_message()]])
        raise  # logged, and recorded in job_runs for the admin
    if not report.ok:
        return _finish(run_id, total=total[0], errors=[[e.row, e.column, e.message] for e in report.errors])
    discard(run.shop_id, run.token)
    return _finish(run_id, total=total[0], result={
        "products_created": report.products_created, "products_updated": report.products_updated,
        "variants_created": report.variants_created, "variants_updated": report.variants_updated,
        "images_added": report.images_added})


def _failed_message() -> str:
    from flask_babel import gettext as _

    return _("导入时出错，没有任何改动，请稍后重试")


def _expired_message() -> str:
    from flask_babel import gettext as _

    return _("预览已过期，请重新上传文件")


def _finish(run_id: int, *, total: int = 0, result: dict | None = None, errors: list | None = None) -> str:
    status = "failed" if errors else "done"
    with atomic():
        db.session.execute(sa.update(ImportRun).where(ImportRun.id == run_id).values(
            status=status, total_rows=total, result=result, errors=errors, finished_at=utcnow()))
    _set_progress(run_id, total, total)
    return status


def register(app) -> None:
    register_job(app, JOB, run_import, retries=0)  # all or nothing: a failed run says why; the merchant reruns
    app.config.setdefault("CATALOG_IMPORT_POLL_SECONDS", 2)
