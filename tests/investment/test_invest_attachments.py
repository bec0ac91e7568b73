"""Attachments: photos through the image pipeline, PDFs judged by content, served as downloads."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
import sqlalchemy as sa
from invest_helpers import pdf_bytes, png_bytes

from investment.models import ProjectAttachment, ProjectStatus


def upload(client, project, data: bytes, filename: str, **fields):
    return client.post(f"/invest/office/projects/{project.id}/attachments",
                       data={"file": (io.BytesIO(data), filename), **fields},
                       content_type="multipart/form-data", follow_redirects=True)


def attachments(db):
    return list(db.session.scalars(sa.select(ProjectAttachment)))


def png_bomb(width=30000, height=30000) -> bytes:
    """A tiny PNG whose header claims a huge canvas (decompression bomb)."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    raw = zlib.compress(b"\x00" * 1024)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", raw) + chunk(b"IEND", b""))


@pytest.fixture
def draft(make_project):
    return make_project(ProjectStatus.DRAFT)


def test_photo_is_reencoded_and_public(client, db, login, officer, draft, app):
    login(officer)
    response = upload(client, draft, png_bytes(), "厂区.png", caption="厂区鸟瞰")
    assert "附件已上传" in response.get_data(as_text=True)
    [att] = attachments(db)
    assert att.kind.value == "photo" and att.key.startswith("public/invest/") and att.key.endswith(".webp")
    media = client.get("/media/" + att.key)
    assert media.status_code == 200 and media.headers["X-Content-Type-Options"] == "nosniff"
    media.close()


def test_pdf_is_stored_and_downloaded_safely(client, db, login, officer, reviewer, draft):
    login(officer)
    upload(client, draft, pdf_bytes(), "../../可行性研究报告.pdf", caption="可研报告", public="y")
    [att] = attachments(db)
    assert att.kind.value == "pdf" and att.key.startswith("public/invest-docs/")
    assert att.filename == "可行性研究报告.pdf"  # path parts dropped
    client.post("/account/logout")
    # a draft's document is not public yet
    assert client.get(f"/invest/attachments/{att.id}").status_code == 404
    from investment.services import projects as svc
    for target in (ProjectStatus.IN_REVIEW, ProjectStatus.PUBLISHED):
        svc.set_status(reviewer, draft, target)
    db.session.commit()
    response = client.get(f"/invest/attachments/{att.id}")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.data.startswith(b"%PDF-")


def test_internal_pdf_is_private(client, db, login, officer, reviewer, draft):
    login(officer)
    upload(client, draft, pdf_bytes(b"% internal\n"), "内部测算.pdf")  # public box unticked
    [att] = attachments(db)
    assert not att.public and att.key.startswith("private/")
    from investment.services import projects as svc
    for target in (ProjectStatus.IN_REVIEW, ProjectStatus.PUBLISHED):
        svc.set_status(reviewer, draft, target)
    db.session.commit()
    assert client.get(f"/invest/attachments/{att.id}").status_code == 200  # office staff
    client.post("/account/logout")
    assert client.get(f"/invest/attachments/{att.id}").status_code == 404
    assert "内部测算" not in client.get(f"/invest/projects/{draft.id}").get_data(as_text=True)
    assert client.get("/media/" + att.key).status_code == 404


@pytest.mark.parametrize(("data", "filename", "message"), [
    (b"<html><script>alert(1)</script></html>", "report.pdf", "不是支持的图片"),
    (b"<!doctype html><title>x</title>%PDF-1.4", "report.pdf", "不是支持的图片"),
    (b"%PDF-1.4\n<script>truncated", "report.pdf", "PDF 文件已损坏"),
    (b"GIF89a" + b"\x00" * 50, "photo.png", "不是支持的图片"),
    (b"MZ\x90\x00" + b"\x00" * 100, "photo.jpg", "不是支持的图片"),
    (png_bomb(), "bomb.png", "图片尺寸过大"),
    (b"", "empty.pdf", "文件是空的"),
])
def test_disguised_files_and_bombs_are_refused(client, db, login, officer, draft, data, filename, message):
    login(officer)
    response = upload(client, draft, data, filename)
    assert message in response.get_data(as_text=True)
    assert attachments(db) == []


def test_pdf_size_limit(app, client, db, login, officer, draft):
    app.config["INVEST_PDF_MAX_BYTES"] = 2048
    login(officer)
    response = upload(client, draft, pdf_bytes(b"%" + b"x" * 4096 + b"\n"), "big.pdf")
    assert "文件太大" in response.get_data(as_text=True)
    assert attachments(db) == []


def test_photo_size_limit(app, client, db, login, officer, draft):
    app.config["UPLOAD_IMAGE_MAX_BYTES"] = 100
    login(officer)
    response = upload(client, draft, png_bytes((200, 200)), "big.png")
    assert "文件太大" in response.get_data(as_text=True)
    assert attachments(db) == []


def test_delete_attachment(client, db, login, officer, draft, app):
    login(officer)
    upload(client, draft, pdf_bytes(), "a.pdf", public="y")
    [att] = attachments(db)
    key = att.key
    client.post(f"/invest/office/attachments/{att.id}/delete")
    assert attachments(db) == []
    from marketplace.media import get_storage
    assert not get_storage().exists(key)
