"""Signatures of data-exchange requests: a fixed vector, computed here by hand."""

from __future__ import annotations

import base64
import hashlib
import hmac

from app.records.signing import (
    APP_HEADER,
    NONCE_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    sign,
    signed_headers,
)

BODY = b'{"source":"marriage"}'
# The vector: secret "exchange-secret", POST /exchange/v1/query at 1795000000, nonce 4f1c2a9e.
BODY_DIGEST = "9e21032cbed8ed18519a1c7449ade40e9456ae20a50ee442c4f06297f09b06be"
SIGNATURE = "Q7I7HumhytQwCikErC0ffat06w1Hp7+hahpUJUuRJqM="


def test_the_fixed_vector_matches_a_signature_computed_by_hand() -> None:
    assert hashlib.sha256(BODY).hexdigest() == BODY_DIGEST
    message = f"POST\n/exchange/v1/query\n1795000000\n4f1c2a9e\n{BODY_DIGEST}".encode()
    by_hand = base64.b64encode(hmac.new(b"exchange-secret", message, "sha256").digest()).decode()
    assert by_hand == SIGNATURE
    assert sign("exchange-secret", "POST", "/exchange/v1/query", 1795000000, "4f1c2a9e", BODY) == (
        SIGNATURE
    )


def test_every_part_of_the_request_changes_the_signature() -> None:
    base = ("exchange-secret", "POST", "/exchange/v1/query", 1795000000, "4f1c2a9e", BODY)
    variants = [
        ("other-secret", *base[1:]),
        (base[0], "PUT", *base[2:]),
        (*base[:2], "/exchange/v1/corrections", *base[3:]),
        (*base[:3], 1795000001, *base[4:]),
        (*base[:4], "4f1c2a9f", base[5]),
        (*base[:5], b'{"source":"tax"}'),
    ]
    assert all(sign(*variant) != SIGNATURE for variant in variants)  # type: ignore[arg-type]


def test_headers_carry_the_app_the_time_a_fresh_nonce_and_the_signature() -> None:
    first = signed_headers(
        app_id="app", secret="s", method="POST", path="/p", body=BODY, now=1795000000.9
    )
    second = signed_headers(
        app_id="app", secret="s", method="POST", path="/p", body=BODY, now=1795000000.9
    )
    assert first[APP_HEADER] == "app"
    assert first[TIMESTAMP_HEADER] == "1795000000"
    assert first[NONCE_HEADER] != second[NONCE_HEADER]
    nonce = first[NONCE_HEADER]
    assert first[SIGNATURE_HEADER] == sign("s", "POST", "/p", 1795000000, nonce, BODY)
