"""OneThing as an OpenID Connect provider (一次认证、全网通行).

Other government apps sign their users in here with the authorization code flow (PKCE with
S256 always). authlib's core ``AuthorizationServer``, ``AuthorizationCodeGrant``,
``CodeChallenge`` and ``OpenIDCode`` do the protocol; ``server`` wires them to plain request
snapshots, since authlib integrates with Flask and Django only. authlib is synchronous, so
``service`` reads what a request may need from the database and Redis first, runs authlib,
then writes what authlib issued (see ``server.Exchange``).

- ``keys``: ES256 signing keys; ``clients``: registered relying parties;
- ``store``: codes and access tokens in Redis (hashes only); ``consents``: remembered consent;
- ``claims``: pairwise subjects and claims by scope; ``discovery``: provider metadata.
"""
