"""The signed tokens that replace cookies between the steps of the flow."""

from __future__ import annotations

import json
import time
from dataclasses import replace

import pytest
from itsdangerous import URLSafeTimedSerializer
from itsdangerous.encoding import base64_decode

from guest.tokens import FORM_SALT, FormState, TokenInvalid, TokenSigner, TokenTooOld

STATE = FormState(
    campaign="monster-mash",
    profile_id="56c934fa-03c2-46f4-b7f9-6d44bafdd5a2",
    source="email",
    submission_key="k1",
    experience_name="Monster Mash",
    experience_date="2021-03-31",
    experience_time="15:00",
)


def signer(max_age=60, renew_within=3600, secret="s3cret"):
    return TokenSigner(secret, max_age=max_age, renew_within=renew_within)


def test_state_round_trips_through_the_token():
    token = signer().sign_state(STATE)

    assert signer().read_state(token, "monster-mash") == (STATE, False)


def test_state_token_is_plain_signed_json_without_compression():
    token = signer().sign_state(STATE)

    payload = token.split(".")[0]
    assert json.loads(base64_decode(payload)) == vars(STATE)


def test_a_compressed_token_signed_before_still_opens():
    compressing = URLSafeTimedSerializer("s3cret")
    token = compressing.dumps(vars(STATE), salt=FORM_SALT)

    assert token.startswith(".")  # itsdangerous marks a zlib payload so
    assert signer().read_state(token, "monster-mash") == (STATE, False)


def test_state_token_holds_no_guest_name_or_email():
    token = signer().sign_state(STATE)

    assert "Loblaw" not in token and "@" not in token


@pytest.mark.parametrize(
    "tamper",
    [
        lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"),
        lambda t: "x" + t,
        lambda t: "",
        lambda t: "not-a-token",
    ],
)
def test_altered_state_token_is_refused(tamper):
    token = signer().sign_state(STATE)

    with pytest.raises(TokenInvalid):
        signer().read_state(tamper(token), "monster-mash")


def test_state_token_signed_with_another_secret_is_refused():
    token = signer(secret="other").sign_state(STATE)

    with pytest.raises(TokenInvalid):
        signer().read_state(token, "monster-mash")


def test_state_token_for_another_campaign_is_refused():
    token = signer().sign_state(replace(STATE, campaign="tasting-follow-up"))

    with pytest.raises(TokenInvalid):
        signer().read_state(token, "monster-mash")


def test_expired_state_token_is_returned_as_expired(monkeypatch):
    token = signer().sign_state(STATE)
    later = time.time() + 120
    monkeypatch.setattr(time, "time", lambda: later)

    assert signer(max_age=60).read_state(token, "monster-mash") == (STATE, True)


def test_state_token_past_renewal_window_is_too_old(monkeypatch):
    token = signer().sign_state(STATE)
    later = time.time() + 7200
    monkeypatch.setattr(time, "time", lambda: later)

    with pytest.raises(TokenTooOld):
        signer(max_age=60, renew_within=3600).read_state(token, "monster-mash")


def test_lookup_token_carries_source_and_embedding():
    token = signer().sign_lookup("monster-mash", "iframe", True)

    payload = signer().read_lookup(token, "monster-mash")

    assert payload == {"c": "monster-mash", "s": "iframe", "e": True}


@pytest.mark.parametrize(
    "campaign, tamper", [("tasting-follow-up", ""), ("monster-mash", "x")]
)
def test_a_lookup_token_of_another_page_is_invalid_not_old(campaign, tamper):
    token = signer().sign_lookup("monster-mash", "iframe", True)

    with pytest.raises(TokenInvalid):
        signer().read_lookup(token + tamper, campaign)


def test_a_lookup_token_past_its_renewal_window_is_too_old(monkeypatch):
    token = signer(renew_within=3600).sign_lookup("monster-mash", "web", False)
    later = time.time() + 3601
    monkeypatch.setattr(time, "time", lambda: later)

    with pytest.raises(TokenTooOld):
        signer(renew_within=3600).read_lookup(token, "monster-mash")


def test_deep_link_expires_after_its_age(monkeypatch):
    token = signer().sign_deep_link("monster-mash", STATE.profile_id, "email")
    assert signer().read_deep_link(token, "monster-mash", max_age=60)["p"] == (
        STATE.profile_id
    )

    later = time.time() + 120
    monkeypatch.setattr(time, "time", lambda: later)
    with pytest.raises(TokenTooOld):
        signer().read_deep_link(token, "monster-mash", max_age=60)
