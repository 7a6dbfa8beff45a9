"""Files on a case (材料, field photos): the upload and download handling that the citizen's routes
(``/cases``) and the office's (``/office/cases``) share; they differ only in who sees which file."""

from __future__ import annotations

from flask import request, send_file
from werkzeug.datastructures import FileStorage

from api.context import settings, storage
from api.security import FILE_POLICY, INLINE_TYPES
from models.accounts.user import User
from models.cases.case import Attachment, Case
from models.cases.casework import add_attachment
from models.errors import N_, NotFound, ValidationFailed


def uploaded_file() -> FileStorage:
    """The multipart field ``file`` (422 without it)."""
    upload = request.files.get("file")
    if upload is None:
        raise ValidationFailed({"file": [N_("Attach a file in the multipart field 'file'.")]})
    return upload


def store_upload(session, case: Case, uploader: User, upload: FileStorage, **details) -> Attachment:
    """Keep the file on the case (``details``: ``material``, ``visibility``), within ``MAX_UPLOAD_MB``."""
    return add_attachment(session, storage(), case, uploader, upload.stream, filename=upload.filename or "",
                          max_size=settings().max_upload_bytes, **details)


def send_attachment(session, case: Case, attachment_id: int, *, internal: bool):
    """The file itself; internal files only when ``internal`` (staff), any other answers 404. A download
    (``attachment``) except images, which may show inline; never sniffed, never able to run as a page."""
    attachment = session.get(Attachment, attachment_id)
    if attachment is None or attachment.case_id != case.id or not (internal or attachment.visibility == "public"):
        raise NotFound()
    response = send_file(storage().open(attachment.storage_key), mimetype=attachment.content_type,
                         download_name=attachment.filename, etag=attachment.sha256,
                         as_attachment=attachment.content_type not in INLINE_TYPES)
    response.headers["Content-Security-Policy"] = FILE_POLICY
    return response
