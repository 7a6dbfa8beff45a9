"""Active content hidden in uploaded materials: a file whose first bytes say JPEG, PNG or PDF may still carry
markup a browser would run (an SVG or HTML polyglot) or, in a PDF, scripts and launch actions."""

from __future__ import annotations

import re
from typing import BinaryIO

CHUNK = 256 * 1024
OVERLAP = 64  # longer than any marker, so a marker split between two chunks is still found
_MARKUP = re.compile(rb"<\s*(?:script|svg|html|body|iframe|object|embed|!doctype|\?xml|a\s+href)\b", re.IGNORECASE)
_PDF_ACTIONS = re.compile(rb"/(?:JavaScript|JS|Launch|EmbeddedFile|RichMedia)\b")


def has_active_content(stream: BinaryIO, content_type: str) -> bool:
    """Whether the file holds markup (or, for a PDF, script or launch actions); the stream is read to its
    end and rewound."""
    patterns = [_MARKUP, _PDF_ACTIONS] if content_type == "application/pdf" else [_MARKUP]
    stream.seek(0)
    tail = b""
    try:
        while chunk := stream.read(CHUNK):
            window = tail + chunk
            if any(pattern.search(window) for pattern in patterns):
                return True
            tail = window[-OVERLAP:]
        return False
    finally:
        stream.seek(0)
