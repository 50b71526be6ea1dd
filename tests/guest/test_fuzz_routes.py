"""Hypothesis throws generated requests at every route: none may end in a 500.

Posts carry random fields, types, encodings and sizes, with and without
valid page tokens, so the generator's and the views' error paths are all
reached. Under CI=true the examples are derandomized, so a run is
repeatable; elsewhere each run explores new ones.
"""

from __future__ import annotations

import logging
from urllib.parse import quote, urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sandbox import demo
from tests.conftest import (
    IN_CI,
    app_settings,
    build_app,
    form_fields,
    page,
    start_seeded_sandbox,
)

BOOKING_SYSTEM_TOKEN = "fuzz-booking-system-token"
FUZZ = settings(
    max_examples=60,
    deadline=None,
    derandomize=IN_CI,
    database=None if IN_CI else settings.default.database,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@pytest.fixture(scope="module")
def fuzz_app(tmp_path_factory):
    """One sandbox and one app for every example: starting them is the slow part."""
    folder = tmp_path_factory.mktemp("fuzz")
    sandbox = start_seeded_sandbox(folder)
    app = build_app(
        app_settings(
            sandbox,
            folder,
            LOOKUP_LIMIT_PER_IP="100000 per minute",
            LOOKUP_LIMIT_PER_BOOKING="100000 per minute",
            BOOKING_SYSTEM_TOKEN=BOOKING_SYSTEM_TOKEN,
        )
    )
    yield app
    sandbox.stop()


@pytest.fixture(scope="module")
def tokens(fuzz_app):
    """Valid lookup, state and deep-link tokens, for posts that get past them."""
    client = fuzz_app.test_client()
    lookup = form_fields(page(client.get("/f/monster-mash")))
    form = client.post(
        "/f/monster-mash",
        data={
            **lookup,
            "booking_id": "1234",
            "last_name": "Loblaw",
            "experience_date": "2021-03-31",
        },
    )
    tasting_lookup = form_fields(page(client.get("/f/tasting-follow-up")))
    tasting_form = client.post(
        "/f/tasting-follow-up",
        data={
            **tasting_lookup,
            "booking_id": str(demo.TASTING_BOOKING_ID),
            "last_name": "Müller",
            "experience_date": "2021-04-10",
        },
    )
    deep_link = fuzz_app.extensions["signer"].sign_deep_link(
        "monster-mash", demo.DOC_PROFILE_ID, "email"
    )
    return {
        "__lookup": lookup["__lookup"],
        "__state": form_fields(page(form))["__state"],
        "tasting_state": form_fields(page(tasting_form))["__state"],
        "deep_link": deep_link,
    }


@pytest.fixture(scope="module")
def crashes():
    """Collect 'Unhandled error' records from guestform's error handler."""
    caught = []

    class Catcher(logging.Handler):
        def emit(self, record):
            caught.append(record)

    handler = Catcher(logging.ERROR)
    logging.getLogger("guest.errors").addHandler(handler)
    yield caught
    logging.getLogger("guest.errors").removeHandler(handler)


KNOWN_NAMES = [
    "__state",
    "__lookup",
    "homepage_url",
    "booking_id",
    "last_name",
    "experience_date",
    "embed",
    "source",
    "f-flavor_profile",
    "f-custom_attribute",
    "f-rating",
    "f-favourite_dram",
    "f-would_recommend",
    "f-next_visit",
    "f-spend",
    "f-bottles_bought",
    "f-tasting_notes",
    "f-friend_email",
]
names = st.one_of(st.sampled_from(KNOWN_NAMES), st.text(max_size=30))
values = st.one_of(
    st.text(max_size=200),
    st.integers().map(str),
    st.floats(allow_nan=True).map(str),
    st.sampled_from(["", "0", "-1", "1e309", "true", "null", "[]", "{}", "2021-02-30"]),
    st.integers(min_value=0, max_value=70_000).map(lambda n: "x" * n),
)
fields = st.lists(st.tuples(names, values), max_size=12)

PATHS = [
    "/",
    "/f/monster-mash",
    "/f/tasting-follow-up",
    "/f/monster-mash/answers",
    "/f/tasting-follow-up/answers",
    "/f/monster-mash/thanks",
    "/f/monster-mash/theme.css",
    "/f/monster-mash/link?t={deep_link}",
    "/f/monster-mash/link?t=not-a-token",
    "/api/deep-links",
    "/healthz",
    "/embed.js",
    "/f/no-such-campaign",
    "/no/such/path",
]
paths = st.one_of(
    st.sampled_from(PATHS),
    st.text(min_size=1, max_size=40).map(lambda text: "/" + quote(text)),
    st.text(max_size=20).map(lambda text: "/f/monster-mash/link?t=" + quote(text, "")),
)
methods = st.sampled_from(["GET", "POST", "POST", "POST", "HEAD", "PUT", "DELETE"])
content_types = st.sampled_from(
    [
        "application/x-www-form-urlencoded",
        "application/x-www-form-urlencoded; charset=latin-1",
        "multipart/form-data",
        "multipart/form-data; boundary=xyz",
        "application/json",
        "text/plain",
        "",
    ]
)


def send(client, method, path, tokens, query=(), **kwargs):
    path, _, fixed = path.format(**tokens).partition("?")
    query_string = "&".join(part for part in (fixed, urlencode(list(query))) if part)
    return client.open(
        path,
        method=method,
        query_string=query_string,
        headers={"Authorization": f"Bearer {BOOKING_SYSTEM_TOKEN}"},
        **kwargs,
    )


def assert_no_crash(response, crashes):
    body = response.get_data(as_text=True)
    assert response.status_code < 500, body[:300]
    assert "Traceback" not in body
    assert crashes == []


@FUZZ
@given(
    method=methods,
    path=paths,
    query=fields,
    posted=fields,
    with_tokens=st.sets(st.sampled_from(["__state", "__lookup"])),
)
def test_form_posts_with_random_fields_never_crash(
    fuzz_app, tokens, crashes, method, path, query, posted, with_tokens
):
    data = [(name, tokens[name]) for name in sorted(with_tokens)] + posted

    response = send(
        fuzz_app.test_client(),
        method,
        path,
        tokens,
        query=query,
        data=urlencode(data).encode(),
        content_type="application/x-www-form-urlencoded",
    )

    assert_no_crash(response, crashes)


@FUZZ
@given(
    method=methods,
    path=paths,
    body=st.one_of(
        st.binary(max_size=2_000),
        st.integers(min_value=60_000, max_value=80_000).map(
            lambda n: b"a=" + b"\xff" * n
        ),
        st.lists(st.sampled_from([b"%", b"%zz", b"%ff", b"&", b"=", b"+", b"a"])).map(
            b"".join
        ),
    ),
    content_type=content_types,
    state_first=st.booleans(),
)
def test_raw_bodies_in_any_encoding_never_crash(
    fuzz_app, tokens, crashes, method, path, body, content_type, state_first
):
    if state_first:
        body = b"__state=" + tokens["__state"].encode() + b"&" + body

    response = send(
        fuzz_app.test_client(),
        method,
        path,
        tokens,
        data=body,
        content_type=content_type,
    )

    assert_no_crash(response, crashes)


@FUZZ
@given(
    posted=st.lists(
        st.tuples(
            st.sampled_from([n for n in KNOWN_NAMES if n.startswith("f-")]),
            st.one_of(
                values, st.text(alphabet=st.characters(codec="utf-8"), max_size=50)
            ),
        ),
        max_size=10,
    ),
    campaign=st.sampled_from(["monster-mash", "tasting-follow-up"]),
    multipart=st.booleans(),
)
def test_answers_under_a_valid_page_token_never_crash(
    fuzz_app, tokens, crashes, posted, campaign, multipart
):
    token = tokens["__state" if campaign == "monster-mash" else "tasting_state"]
    data = {"__state": token}
    for name, value in posted:
        data.setdefault(name, value)
    kind = "multipart/form-data" if multipart else "application/x-www-form-urlencoded"

    response = fuzz_app.test_client().post(
        f"/f/{campaign}/answers", data=data, content_type=kind
    )

    assert_no_crash(response, crashes)
    assert response.status_code in ({415} if multipart else {200, 303, 413})
