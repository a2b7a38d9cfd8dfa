"""Domain errors shared by the sign-in providers.

Each one derives from a base in ``app.errors``, so every channel already knows how to
answer it; the subclasses let the login flow and the logs tell the cases apart.
"""

from __future__ import annotations

from app.errors import Unauthenticated, Unavailable
from app.i18n import N_


class SignInCodeInvalid(Unauthenticated):
    """The one-time code from ``wx.login`` / ``my.getAuthCode`` is unknown, expired or used."""

    default_message = N_("The sign-in code is invalid or has already been used. Please try again.")


class ProviderBusy(Unavailable):
    """The provider is rate limiting us or says it is busy: retrying a little later helps."""

    default_message = N_("The sign-in service is busy. Please wait a moment and try again.")


class ProviderMisconfigured(Unavailable):
    """The provider refused our credentials or signature: an operator must fix the settings."""


class ProviderResponseInvalid(Unavailable):
    """The provider's answer could not be read or verified, so nothing in it is trusted."""


class EncryptedDataInvalid(Unauthenticated):
    """Encrypted mini-program data did not decrypt or did not belong to this app."""

    default_message = N_(
        "The data from the mini-program could not be verified. Please sign in again."
    )
