"""The public trace page (/trace/<batch code>): what a buyer sees after scanning a certificate's QR
code: the certificate, the chain of batches back to the producer, the test results (never the
private report files) and whether the batch is recalled. Unknown or unpublished codes are a 404."""

from __future__ import annotations

from flask import abort, render_template

from trace import bp, queries
from trace.certificates import COMMITMENTS, commitment_texts
from trace.transform import chain


@bp.get("/trace/<code>")
def public_batch(code: str):
    batch = queries.public_batch(code)
    if batch is None:
        abort(404)
    links = [(depth, node, used, queries.is_public(node)) for depth, node, used in chain(batch)]
    return render_template("trace/public.html", batch=batch, cert=batch.certificate, chain=links,
                           commitments=commitment_texts(batch.certificate.commitments), all_commitments=COMMITMENTS)
