"""Reading an HTML form post (application/x-www-form-urlencoded) without python-multipart.

Starlette's `request.form()` needs the python-multipart package even for url-encoded bodies;
our forms are plain text fields, which the standard library parses.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from fastapi import HTTPException, Request, status

# A definition may be 1 MB (publishing.MAX_DEFINITION_BYTES); url-encoding can triple it.
MAX_FORM_BYTES = 4 * 1024 * 1024


async def read_form(request: Request) -> dict[str, str]:
    """The posted fields; a repeated field keeps its last value."""
    content_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if content_type != "application/x-www-form-urlencoded":
        raise HTTPException(
            status.HTTP_415_UNSUPPORTED_MEDIA_TYPE, "post the page's form (url-encoded fields)"
        )
    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, "the form is too large")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "the form is not UTF-8") from error
    return dict(parse_qsl(text, keep_blank_values=True))
