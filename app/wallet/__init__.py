"""The e-license wallet (电子证照): licenses, department signing keys, QR digital cards.

- ``models``: ``License``, ``SigningKey``, ``CardVerification``.
- ``keys``: each department's ES256 keys; the JWK Set published at ``/.well-known/jwks.json``.
- ``service``: ``WalletService`` issues, revokes, expires and lists licenses and makes cards.
- ``presentation``: the QR card's signed presentation (COSE_Sign1, base32) — pure code.
- ``verifier``: the public verifier (authentic / expired / revoked / tampered / unknown-key).
- ``offline``: the same verdict from a JWK Set document alone, without the database.
- ``rendering``: the card image (PNG and SVG) with the license's look.
"""
