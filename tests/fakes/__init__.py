"""Local servers that speak the protocols of external parties (and a software passkey
authenticator), for integration tests.

Each server is a real HTTP server on 127.0.0.1 that checks what a client sends as the real
party would, and answers in the real party's format. None of them returns a canned answer.
"""
