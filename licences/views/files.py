"""The private scan of a licence: streamed to its shop's members, admins and the regulator only."""

from __future__ import annotations

from flask_login import current_user, login_required

from licences import bp
from licences.models import ScanKind
from licences.policy import visible_or_404
from marketplace.media import private_image, read_or_404, resolve
from marketplace.pdf import pdf_headers


@bp.get("/licences/<int:licence_id>/scan")
@login_required
def scan(licence_id: int):
    licence = visible_or_404(current_user, licence_id)
    if licence.scan_kind == ScanKind.IMAGE:
        return private_image(licence.scan_key)
    data = read_or_404(resolve(licence.scan_key))  # the store down: 503 (the page around it still works)
    return data, 200, pdf_headers(f"licence-{licence.id}.pdf")
