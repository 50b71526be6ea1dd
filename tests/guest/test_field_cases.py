"""Cases C9 and C10 from the field, through the whole app.

C9: cookies, tokens and email links. C10: an upstream that misbehaves.
(C1–C7 are in tests/forms, C8 in tests/anyroad.)
"""

from __future__ import annotations

import json

from sqlalchemy import update

from delivery.schema import submissions
from sandbox import demo
from tests.guest.helpers import DOC


def test_c9_post_with_valid_token_and_no_cookies_is_accepted(guest, sandbox):
    guest.find_booking(*DOC)
    guest.client._cookies.clear()

    response = guest.submit({"flavor_profile": "red"})

    assert response.status_code == 303
    assert sandbox.stats()["patches"][demo.DOC_PROFILE_ID]["applied"] == 1


def test_c9_opening_links_changes_nothing_and_later_submit_lands_once(
    guest, client, sandbox
):
    email_link = (
        "/f/monster-mash?booking_id=1234&last_name=Loblaw"
        "&experience_date=2021-03-31&source=email"
    )
    for _ in range(3):
        assert client.get(email_link).status_code == 200
    assert sandbox.stats()["requests"]["search"] == 0

    guest.find_booking(*DOC, query="?source=email")
    guest.submit({"flavor_profile": "red"})

    assert sandbox.stats()["patches"][demo.DOC_PROFILE_ID]["applied"] == 1


def test_c10_patch_dropped_after_apply_is_resent_byte_identical(app, guest, sandbox):
    sandbox.set_faults({"patch": {"apply_then_drop_rate": 1}})
    guest.find_booking(*DOC)

    response = guest.submit({"flavor_profile": "red"})

    assert response.status_code == 303
    sandbox.set_faults(None)
    outbox = app.extensions["outbox"]
    held = outbox.get(1)
    # The upstream may still have applied it: the row is held for a lease.
    # The test lets that time pass at once.
    with outbox.engine.begin() as conn:
        conn.execute(update(submissions).values(lease_until=None))
    outcome = outbox.deliver(1, app.extensions["profile_client"])

    assert (held.state, held.is_claimed) == ("pending", True)
    assert outcome == "delivered"
    patches = sandbox.stats()["patches"][demo.DOC_PROFILE_ID]
    assert patches["received"] == 2
    assert len(patches["bodies"]) == 1
    assert json.loads(patches["bodies"][0])["data_set"] == {"flavor_profile": "red"}
