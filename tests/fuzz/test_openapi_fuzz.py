"""Every operation of the OpenAPI schema, fuzzed with generated requests against the real app.

Each operation of the app's `/openapi.json` is one test: property-based requests (its examples,
boundary values, valid and invalid shapes), and every answer must not be a 5xx, must have a
status code the operation documents, the documented content type and headers, and a body that
matches the documented schema. Nothing is excluded: what the fuzzer finds is fixed in the API.

How the sync and async halves meet: schemathesis' tests are synchronous (blocking HTTP) while
the real dependencies are async session fixtures (the Temporal dev server). So the app runs on
a thread of its own (`live_app.py`): uvicorn, a worker, its own Temporal client and engine, on
the session's dev server, a SQLite file and an SMTP sink, seeded over HTTP once per module
(`conftest.py`, `seed.py`); the tests call it over real HTTP. Driving hypothesis by hand inside
one async test would have shared the session's loop, at the price of re-implementing
schemathesis' phases and per-operation reports. The document is taken from the app itself at
import (`served_openapi_document`), so each operation is a test of its own (schemathesis'
fixture-loaded schemas do not run on this pytest).

Budget: `NURTURE_FUZZ_EXAMPLES` (default 50) generated requests per operation, besides the
operations' examples and boundary values: about 45 s on a 2-core machine. Derandomized, so CI
sends the same requests every run; raise the variable for a longer hunt (400: some 7 minutes).
"""

from __future__ import annotations

import os
from typing import Any

import pytest
import schemathesis
import yaml
from hypothesis import HealthCheck, settings
from schemathesis import Case, SerializationContext
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.fuzz.conftest import FuzzTarget
from tests.fuzz.known_values import mix_in_seeded_values
from tests.fuzz.live_app import served_openapi_document
from tests.fuzz.seed import Seeded

EXAMPLES = int(os.environ.get("NURTURE_FUZZ_EXAMPLES", "50"))

YAML_MEDIA_TYPES = (
    "text/yaml",
    "text/x-yaml",
    "text/vnd.yaml",
    "text/yml",
    "application/yaml",
    "application/x-yaml",
)

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]

SCHEMATHESIS_CONFIG = schemathesis.Config.from_dict(
    {
        # Stateful runs need links between operations, which the schema does not declare.
        "phases": {"stateful": {"enabled": False}},
    }
)


@schemathesis.serializer("message/rfc822")
def _raw_message(_: SerializationContext, value: object) -> bytes:
    """`POST /inbound/email` takes a raw message: generated text is sent as its bytes."""
    text = value if isinstance(value, str) else repr(value)
    return text.encode("utf-8", "surrogatepass")


# Every YAML type: schemathesis picks the first serializer of the YAML family it knows.
@schemathesis.serializer(*YAML_MEDIA_TYPES)
def _yaml_text(_: SerializationContext, value: object) -> bytes:
    """A journey's YAML body is documented as a string, the text itself: sent as it is (the
    built-in serializer would quote it into a YAML string scalar); anything else is dumped."""
    text = value if isinstance(value, str) else yaml.safe_dump(value)
    return text.encode("utf-8", "surrogatepass")


schema = schemathesis.openapi.from_dict(served_openapi_document(), config=SCHEMATHESIS_CONFIG)
SEEDED = Seeded()
mix_in_seeded_values(schema, SEEDED)


@pytest.fixture(autouse=True, scope="module")
def _seeded(fuzz_target: FuzzTarget) -> None:
    """The app is up and seeded before the first request is generated."""
    SEEDED.fill(fuzz_target.seeded)


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    # Every example is a real HTTP request into a real stack: slow by hypothesis' measure.
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_every_answer_is_documented_and_no_server_error(
    case: Case[Any], fuzz_target: FuzzTarget
) -> None:
    case.call_and_validate(
        base_url=fuzz_target.base_url, headers=fuzz_target.headers, checks=CHECKS
    )
