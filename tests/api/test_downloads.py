"""Files are downloads that no browser runs, and uploads that hide a page or a script are refused
(issue #12, item 7); every API answer forbids documents, framing and sniffing."""

from __future__ import annotations

import io

import pytest

from tests.factories import png_bytes
from tests.helpers import assert_problem

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
POLYGLOTS = {
    "pdf-html.pdf": PDF[:9] + b"<html><body><script>alert(document.cookie)</script></body></html>\n" + PDF[9:],
    "svg.png": png_bytes()[:16] + b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>' + b"\x00" * 300,
    "script.pdf": PDF.replace(b"<<>>endobj", b"<</S /JavaScript /JS (app.alert(1))>>endobj", 1),
    "late-markup.png": png_bytes() + b"\x00" * (600 * 1024) + b"<SCRIPT >fetch('/')</script>",
}


def upload(client, headers, case_no, content: bytes, name: str, office: bool = False):
    prefix = "/api/v1/office/cases" if office else "/api/v1/cases"
    return client.post(f"{prefix}/{case_no}/attachments", headers=headers, content_type="multipart/form-data",
                       data={"file": (io.BytesIO(content), name)})


@pytest.mark.parametrize("name", sorted(POLYGLOTS))
def test_a_file_that_hides_markup_or_scripts_is_refused(client, filed, name):
    number, headers = filed
    body = assert_problem(upload(client, headers, number, POLYGLOTS[name], name), 415)
    assert "脚本" in body["detail"]


def test_pdfs_are_downloads_images_inline_and_nothing_is_sniffed_or_run(client, filed, accounts):
    number, headers = filed
    pdf_id = upload(client, headers, number, PDF, "证明.pdf").get_json()["id"]
    png_id = upload(client, headers, number, png_bytes(), "photo.png").get_json()["id"]
    _, officer = accounts.officer("SCJG")
    for prefix, who in (("/api/v1/cases", headers), ("/api/v1/office/cases", officer)):
        pdf = client.get(f"{prefix}/{number}/attachments/{pdf_id}", headers=who)
        assert pdf.status_code == 200 and pdf.data == PDF
        assert pdf.headers["Content-Disposition"].startswith("attachment;")
        png = client.get(f"{prefix}/{number}/attachments/{png_id}", headers=who)
        assert png.headers["Content-Disposition"].startswith("inline;")
        for response in (pdf, png):
            assert response.headers["X-Content-Type-Options"] == "nosniff"
            assert "sandbox" in response.headers["Content-Security-Policy"]
            assert "default-src 'none'" in response.headers["Content-Security-Policy"]


def test_every_api_answer_forbids_documents_framing_and_sniffing(client, session):
    for response in (client.get("/api/v1/services"), client.get("/api/v1/nope"), client.get("/healthz"),
                     client.get("/api/v1/swagger.json")):
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["Content-Security-Policy"].startswith("default-src 'none'; frame-ancestors 'none'")
    docs = client.get("/api/v1/docs")
    assert docs.status_code == 200 and "script-src 'self' 'unsafe-inline'" in docs.headers["Content-Security-Policy"]
