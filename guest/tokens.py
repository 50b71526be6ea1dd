"""Signed, expiring tokens that carry the guest's place in the flow.

Browsers block third-party cookies inside iframes, so nothing between the
lookup, the form and the thank-you page relies on a cookie. The state
travels in a hidden field, signed with itsdangerous; a forged or altered
token fails the signature and an old one fails the age check.

Tokens are signed, not encrypted: they hold ids and the experience shown in
the page heading, never a guest's name, email or answers.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from datetime import datetime

from flask.sessions import SessionInterface
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from itsdangerous.encoding import base64_encode
from itsdangerous.url_safe import URLSafeSerializerMixin

FORM_SALT = "guestform.form-state"
LOOKUP_SALT = "guestform.lookup"
DEEP_LINK_SALT = "guestform.deep-link"


class TokenInvalid(Exception):
    """The token is missing, forged, altered or for another campaign."""


class TokenTooOld(Exception):
    """The token is genuine but older than any renewal allows."""


@dataclass(frozen=True)
class FormState:
    """Where a guest is: which profile, which campaign, which form instance.

    ``submission_key`` identifies this form instance; the outbox uses it to
    deliver a double-clicked or replayed post once.
    """

    campaign: str
    profile_id: str
    source: str
    submission_key: str
    experience_name: str = ""
    experience_date: str = ""
    experience_time: str = ""
    embedded: bool = False


def new_submission_key() -> str:
    """Make an unguessable id for one form instance."""
    return secrets.token_urlsafe(18)


class NoCookieSession(SessionInterface):
    """Flask's session, turned off: guestform's state rides in page tokens.

    Flask would otherwise build a signing serializer on every request to
    look for a session cookie that guestform never sets, about a twentieth
    of a request's CPU. A write to ``flask.session`` now fails loudly
    instead of setting a cookie that an iframe would lose.
    """

    def open_session(self, app, request) -> None:
        return None

    def save_session(self, app, session, response) -> None:
        return None


class UncompressedSerializer(URLSafeTimedSerializer):
    """A URL-safe timed serializer that never tries to compress.

    itsdangerous runs every payload through zlib and keeps the result if
    it is shorter. Our payloads are a few hundred bytes at most: zlib cost
    more (about 25 µs per token, two tokens per lookup) than the 100 bytes
    it saved in a hidden field were worth. Reading is unchanged, so a
    compressed token signed before still opens.
    """

    def dump_payload(self, obj: object) -> bytes:
        return base64_encode(super(URLSafeSerializerMixin, self).dump_payload(obj))


class TokenSigner:
    """Sign and check the tokens of the guest flow with the app's secret."""

    def __init__(self, secret_key: str, max_age: int, renew_within: int) -> None:
        self._serializer = UncompressedSerializer(secret_key)
        self.max_age = max_age
        self.renew_within = renew_within

    def sign_state(self, state: FormState) -> str:
        """Seal the form state for the page's hidden field."""
        # Every field is a str or a bool: a shallow copy is the whole
        # payload, without asdict's recursive deep copy on every page.
        return self._serializer.dumps(dict(vars(state)), salt=FORM_SALT)

    def read_state(self, token: str, campaign: str) -> tuple[FormState, bool]:
        """Check a posted form state; tell whether it has expired.

        An expired but genuine token is returned with ``True`` so that the
        guest's answers can be shown again under a fresh token (the guest
        may have spent an hour typing); a token beyond the renewal window
        raises TokenTooOld.
        """
        try:
            payload, signed_at = self._serializer.loads(
                token,
                salt=FORM_SALT,
                max_age=self.renew_within,
                return_timestamp=True,
            )
        except SignatureExpired as exc:
            raise TokenTooOld("The form token is too old to renew.") from exc
        except BadSignature as exc:
            raise TokenInvalid("The form token does not verify.") from exc

        expired = _age_seconds(signed_at) > self.max_age
        state = _state_from(payload)
        if state.campaign != campaign:
            raise TokenInvalid("The form token belongs to another campaign.")

        return state, expired

    def sign_lookup(self, campaign: str, source: str, embedded: bool) -> str:
        """Make the token that a lookup form posts back.

        It carries the form source and whether the page is embedded, so the
        lookup post needs no other hidden field.
        """
        payload = {"c": campaign, "s": source, "e": embedded}
        return self._serializer.dumps(payload, salt=LOOKUP_SALT)

    def read_lookup(self, token: str, campaign: str) -> dict:
        """Return a posted lookup token's payload.

        Raises TokenTooOld for a page left open past PAGE_TOKEN_RENEW_WITHIN,
        and TokenInvalid for one that does not verify or belongs to another
        campaign's page: the guest is told which.
        """
        try:
            payload = self._serializer.loads(
                token, salt=LOOKUP_SALT, max_age=self.renew_within
            )
        except SignatureExpired as exc:
            raise TokenTooOld("The lookup token is too old.") from exc
        except BadSignature as exc:
            raise TokenInvalid("The lookup token does not verify.") from exc

        if not isinstance(payload, dict) or payload.get("c") != campaign:
            raise TokenInvalid("The lookup token belongs to another campaign.")

        return payload

    def sign_deep_link(self, campaign: str, profile_id: str, source: str) -> str:
        """Make the token of a link that opens one profile's form."""
        payload = {"c": campaign, "p": profile_id, "s": source}
        return self._serializer.dumps(payload, salt=DEEP_LINK_SALT)

    def read_deep_link(self, token: str, campaign: str, max_age: int) -> dict:
        """Check a deep link token; raise TokenTooOld or TokenInvalid."""
        try:
            payload = self._serializer.loads(
                token, salt=DEEP_LINK_SALT, max_age=max_age
            )
        except SignatureExpired as exc:
            raise TokenTooOld("The link has expired.") from exc
        except BadSignature as exc:
            raise TokenInvalid("The link does not verify.") from exc

        if not isinstance(payload, dict) or payload.get("c") != campaign:
            raise TokenInvalid("The link belongs to another campaign.")

        return payload


def _age_seconds(signed_at: datetime) -> float:
    return time.time() - signed_at.timestamp()


def _state_from(payload) -> FormState:
    if not isinstance(payload, dict):
        raise TokenInvalid("The form token holds no state.")

    try:
        return FormState(**payload)
    except TypeError as exc:
        raise TokenInvalid("The form token holds unknown fields.") from exc
