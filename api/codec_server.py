"""`POST /codec/decode`: a codec server, so people can read encrypted payloads in Temporal's tools.

With the payload codec on, Temporal's UI and CLI show ciphertext. Both can send the payloads
they display to a "codec endpoint" (`{endpoint}/decode`) and show what comes back; this is that
endpoint, decrypting with the API's own keys. The body and the answer are Temporal's JSON form
of `Payloads`: `{"payloads": [{"metadata": {"encoding": "<base64>"}, "data": "<base64>"}]}`.

Admin-only (`api/app.py` includes it with the admin group): whoever may call it may read every
prospect's data in every history. There is deliberately no `/encode`. Payloads that are not
encrypted come back unchanged, as do all of them when no key is configured.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, HTTPException, status
from google.protobuf import json_format
from temporalio.api.common.v1 import Payloads

from api.deps import TemporalDep
from nurture.codec import PayloadDecryptionError

router = APIRouter(prefix="/codec", tags=["privacy"])

MAX_PAYLOADS = 1000


@router.post(
    "/decode",
    responses={
        400: {"description": "A payload could not be decrypted (unknown key id, altered)."},
        422: {"description": "Not Temporal's JSON form of Payloads."},
    },
)
async def decode(temporal: TemporalDep, body: Annotated[dict[str, Any], Body()]) -> dict[str, Any]:
    """Decrypt payloads as Temporal's UI (Settings → Codec Server) or CLI (`--codec-endpoint`,
    `--codec-auth "Bearer <admin key>"`) sends them."""
    try:
        payloads = json_format.ParseDict(body, Payloads())
    except json_format.ParseError as error:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(error)) from error
    if len(payloads.payloads) > MAX_PAYLOADS:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT, f"at most {MAX_PAYLOADS} payloads at once"
        )
    codec = temporal.data_converter.payload_codec
    if codec is not None:
        try:
            await codec.decode_wrapper(payloads)
        except PayloadDecryptionError as error:
            raise HTTPException(status.HTTP_400_BAD_REQUEST, str(error)) from error
    decoded: dict[str, Any] = json_format.MessageToDict(payloads)
    return decoded
