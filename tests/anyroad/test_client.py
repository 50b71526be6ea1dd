"""ProfileClient and fetch_api_key against the sandbox over loopback HTTP."""

from __future__ import annotations

import logging
import socket
import threading
import time
from datetime import date, datetime

import pytest
import requests
from werkzeug.security import generate_password_hash

from anyroad.client import ProfileClient, encode_body, fetch_api_key
from anyroad.errors import (
    ApiError,
    DataRejected,
    Forbidden,
    InvalidApiKey,
    ProfileNotFound,
    UpstreamUnavailable,
)
from sandbox import demo, store
from sandbox.server import start_sandbox
from tests.anyroad.conftest import READ_TIMEOUT
from tests.sandbox.conftest import set_approved_ips

DOC_BODY = {
    "data_set": {"custom_attribute": "red"},
    "referrer_medium": "email",
    "captured_at": "2021-03-01 00:00:00-08",
}
DEAD_URL = "http://127.0.0.1:9/external/api/v1"


def test_fetch_api_key_returns_the_accounts_key(sandbox):
    key = fetch_api_key(sandbox.base_url, demo.DEMO_EMAIL, demo.DEMO_PASSWORD)

    assert key == demo.DEMO_API_KEY


def test_fetch_api_key_with_wrong_password_is_refused(sandbox):
    with pytest.raises(InvalidApiKey) as caught:
        fetch_api_key(sandbox.base_url, demo.DEMO_EMAIL, "guess", timeout=1)

    assert caught.value.status == 401
    assert "guess" not in str(caught.value)


@pytest.mark.parametrize("password", ["pässwörd", "€uro-Pass", "密码"])
def test_fetch_api_key_sends_credentials_in_utf_8(sandbox, sandbox_config, password):
    connection = store.connect(sandbox_config["SANDBOX_DATABASE"])
    with store.transaction(connection):
        store.add_user(
            connection,
            store.User(
                id="user-utf8",
                account_id=demo.DEMO_ACCOUNT_ID,
                first_name="Zoë",
                last_name="Ünal",
                email="zoë@example.com",
                password_hash=generate_password_hash(password, demo.PASSWORD_METHOD),
                api_key="key-of-zoe",
            ),
        )
    connection.close()

    key = fetch_api_key(sandbox.base_url, "zoë@example.com", password)

    assert key == "key-of-zoe"


def test_user_describes_the_keys_owner(client):
    assert client.user() == {
        "id": "123",
        "first_name": "Jane",
        "last_name": "Doe",
        "email": "jane.doe@example.com",
    }


def test_get_decodes_the_booking(client):
    profile = client.get(demo.TASTING_PROFILE_ID)

    assert profile.id == demo.TASTING_PROFILE_ID
    assert profile.booking.id == demo.TASTING_BOOKING_ID
    assert (profile.booking.first_name, profile.booking.last_name) == ("Zoë", "Müller")
    assert profile.booking.email == "zoe.mueller@example.de"
    assert profile.experience.name == "Single Malt Tasting"
    assert profile.experience.date == date(2021, 4, 10)
    assert profile.data_set is None


@pytest.mark.parametrize(
    "criteria, booking_ids",
    [
        ({"booking_id": 1234}, [1234]),
        ({"last_name": "o'brien"}, [1236, 2003]),
        ({"experience_date": date(2021, 4, 10)}, [2001, 2002]),
        ({"experience_date": "2021-04-10", "last_name": "Nunez"}, [2002]),
        (
            {"booking_id": 1234, "last_name": "Smith", "experience_date": "2021-03-01"},
            [],
        ),
    ],
)
def test_search_returns_matching_profiles(client, criteria, booking_ids):
    found = client.search(**criteria)

    assert [p.booking.id for p in found] == booking_ids


def test_search_without_criteria_is_a_developer_error(client, sandbox):
    with pytest.raises(ValueError):
        client.search()

    assert sandbox.stats()["requests"]["search"] == 0


def test_patch_sends_encoded_body_and_returns_the_stored_profile(client, sandbox):
    profile = client.patch(demo.DOC_PROFILE_ID, DOC_BODY)

    assert profile.data_set == {"custom_attribute": "red"}
    assert profile.captured_at == "2021-03-01T08:00:00Z"
    assert profile.referrer_medium == "email"
    received = sandbox.stats()["patches"][demo.DOC_PROFILE_ID]
    assert received["bodies"] == [encode_body(DOC_BODY).decode("utf-8")]


def test_patch_raw_sends_the_bytes_unchanged(client, sandbox):
    raw = '{"referrer_medium": "kiosk" }'.encode()

    profile = client.patch_raw(demo.TASTING_PROFILE_ID, raw)

    assert profile.referrer_medium == "kiosk"
    assert sandbox.stats()["patches"][demo.TASTING_PROFILE_ID]["bodies"] == [
        raw.decode()
    ]


def test_wrong_key_raises_invalid_api_key(sandbox):
    client = ProfileClient(sandbox.base_url, "not-the-key", read_timeout=1)

    with pytest.raises(InvalidApiKey) as caught:
        client.get(demo.DOC_PROFILE_ID)

    assert caught.value.status == 401


@pytest.mark.parametrize(
    "profile_id, status",
    [
        ("00000000-0000-4000-8000-000000000000", 404),
        (demo.OTHER_PROFILE_ID, 404),
        ("../users/key", None),
        ("", None),
    ],
)
def test_unknown_profile_raises_profile_not_found(client, sandbox, profile_id, status):
    with pytest.raises(ProfileNotFound) as caught:
        client.get(profile_id)

    assert caught.value.status == status
    if status is None:
        assert sandbox.stats()["requests"]["get"] == 0


def test_caller_outside_approved_ips_raises_forbidden(sandbox_config, campaigns_dir):
    set_approved_ips(campaigns_dir, "monster-mash", ["192.0.2.10"])
    sandbox_config["CAMPAIGNS_DIR"] = str(campaigns_dir)
    with start_sandbox(sandbox_config) as running:
        client = ProfileClient(running.base_url, demo.DEMO_API_KEY, read_timeout=1)

        with pytest.raises(Forbidden) as caught:
            client.patch(demo.DOC_PROFILE_ID, DOC_BODY)

    assert caught.value.status == 403


def test_invalid_data_raises_data_rejected_with_reasons(client):
    with pytest.raises(DataRejected) as caught:
        client.patch(
            demo.TASTING_PROFILE_ID,
            {
                "data_set": {
                    "favourite_dram": "none",
                    "rating": 4,
                    "friend_email": "ana.lima@",
                }
            },
        )

    assert caught.value.status == 422
    assert [r["pointer"] for r in caught.value.reasons] == ["/data_set/friend_email"]
    assert "ana.lima" not in str(caught.value)


def test_unchangeable_attribute_raises_data_rejected_from_400(client):
    with pytest.raises(DataRejected) as caught:
        client.patch(demo.DOC_PROFILE_ID, {"booking": {"id": 1}})

    assert caught.value.status == 400
    assert caught.value.reasons[0]["pointer"] == "/booking"


@pytest.mark.parametrize(
    "status, error",
    [
        (500, UpstreamUnavailable),
        (502, UpstreamUnavailable),
        (503, UpstreamUnavailable),
        (504, UpstreamUnavailable),
        (429, UpstreamUnavailable),
        (401, InvalidApiKey),
        (403, Forbidden),
    ],
)
def test_injected_status_maps_to_its_error(client, sandbox, status, error):
    sandbox.set_faults({"get": {"error_rate": 1, "error_status": status}})

    with pytest.raises(error) as caught:
        client.get(demo.DOC_PROFILE_ID)

    assert caught.value.status == status


def test_search_answered_with_html_raises_upstream_unavailable(client, sandbox):
    sandbox.set_faults({"search": {"garbage_rate": 1}})

    with pytest.raises(UpstreamUnavailable) as caught:
        client.search(booking_id=1234)

    assert caught.value.status == 200


def test_dropped_connection_raises_upstream_unavailable(client, sandbox):
    sandbox.set_faults({"get": {"drop_rate": 1}})

    with pytest.raises(UpstreamUnavailable) as caught:
        client.get(demo.DOC_PROFILE_ID)

    assert caught.value.status is None
    assert caught.value.sent is True  # the upstream may have acted on it


def test_refused_connection_raises_upstream_unavailable():
    client = ProfileClient(DEAD_URL, demo.DEMO_API_KEY, connect_timeout=1)

    with pytest.raises(UpstreamUnavailable) as caught:
        client.search(booking_id=1234)

    assert caught.value.status is None
    assert caught.value.sent is False  # nothing reached the upstream


def test_a_connection_that_never_opens_times_out_with_nothing_sent():
    # A listener that accepts nothing, with its queue already full: the
    # next connection waits for the handshake until connect_timeout.
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    waiting = []
    for _ in range(3):
        queued = socket.socket()
        queued.setblocking(False)
        queued.connect_ex(listener.getsockname())
        waiting.append(queued)
    port = listener.getsockname()[1]
    client = ProfileClient(
        f"http://127.0.0.1:{port}/api", "key", connect_timeout=0.3, read_timeout=5
    )

    try:
        with pytest.raises(UpstreamUnavailable, match="timed out") as caught:
            client.user()
    finally:
        for queued in waiting:
            queued.close()
        listener.close()

    assert isinstance(caught.value.__cause__, requests.ConnectTimeout)
    assert caught.value.sent is False  # no request went out


def test_search_that_never_answers_gives_up_within_the_read_timeout(client, sandbox):
    sandbox.set_faults({"search": {"delay": 30}})
    started = time.monotonic()

    with pytest.raises(UpstreamUnavailable):
        client.search(last_name="Loblaw")

    assert time.monotonic() - started < READ_TIMEOUT + 1.0


class TricklingUpstream:
    """A loopback server that sends its answer in pieces, a gap before each.

    Each piece comes well inside the read timeout, so only a limit on the
    whole call can stop the client from waiting for all of them.
    """

    def __init__(self, pieces: list[bytes], gap: float) -> None:
        self.pieces, self.gap = pieces, gap
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}/api"
        self.thread = threading.Thread(target=self._answer_one, daemon=True)
        self.thread.start()

    def _answer_one(self) -> None:
        conn, _ = self.listener.accept()
        with conn:
            conn.recv(65536)
            try:
                for piece in self.pieces:
                    time.sleep(self.gap)
                    conn.sendall(piece)
            except OSError:
                pass  # the client gave up and closed

    def close(self) -> None:
        self.listener.close()
        self.thread.join(timeout=30)


USER_ANSWER = b'{"data": {"id": "u-1", "attributes": {"first_name": "Bob"}}}'
JSON_HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
CHUNKED = JSON_HEAD + b"Transfer-Encoding: chunked\r\n\r\n"
# A gzip header with a file name: no byte of the body comes out of the
# decoder until the name ends.
GZIP_NAMED = b"\x1f\x8b\x08\x08\x00\x00\x00\x00\x00\xff"


def by_the_byte(data: bytes) -> list[bytes]:
    return [data[i : i + 1] for i in range(len(data))]


SLOW_ANSWERS = {
    "headers, a line at a time": [b"HTTP/1.1 200 OK\r\n"] + [b"X-Pad: a\r\n"] * 60,
    "a body with its length": [
        JSON_HEAD + f"Content-Length: {40 * len(USER_ANSWER)}\r\n\r\n".encode(),
        *by_the_byte(USER_ANSWER * 40)[:100],
    ],
    "a chunk size with a long extension": [CHUNKED, b"5;e=", *[b"a"] * 60],
    "trailers after the last chunk": [
        CHUNKED + b"5\r\nhello\r\n0\r\n",
        *[b"X-Trailer: a\r\n"] * 60,
    ],
    "a gzip header with a long file name": [
        JSON_HEAD + b"Content-Encoding: gzip\r\nContent-Length: 100000\r\n\r\n",
        GZIP_NAMED,
        *[b"n"] * 60,
    ],
}


@pytest.mark.parametrize("pieces", SLOW_ANSWERS.values(), ids=SLOW_ANSWERS.keys())
def test_an_answer_that_trickles_in_gives_up_within_both_timeouts_together(
    pieces,
):
    upstream = TricklingUpstream(pieces, gap=0.2)
    client = ProfileClient(upstream.url, "key", connect_timeout=0.3, read_timeout=0.5)
    started = time.monotonic()

    with pytest.raises(UpstreamUnavailable, match="timed out"):
        client.user()

    elapsed = time.monotonic() - started
    upstream.close()
    assert elapsed < 0.3 + 0.5 + 0.5  # each piece alone came within 0.5 s


def test_an_answer_that_comes_in_pieces_within_the_timeouts_is_read_whole():
    head = JSON_HEAD + f"Content-Length: {len(USER_ANSWER)}\r\n\r\n".encode()
    pieces = [head, USER_ANSWER[:20], USER_ANSWER[20:40], USER_ANSWER[40:]]
    upstream = TricklingUpstream(pieces, gap=0.05)
    client = ProfileClient(upstream.url, "key", connect_timeout=1, read_timeout=1)

    user = client.user()

    upstream.close()
    assert user == {"id": "u-1", "first_name": "Bob"}


def test_lost_answer_to_applied_patch_is_resent_byte_identical(client, sandbox):
    body = encode_body(DOC_BODY)
    sandbox.set_faults({"patch": {"apply_then_drop_rate": 1}})
    with pytest.raises(UpstreamUnavailable):
        client.patch_raw(demo.DOC_PROFILE_ID, body)

    sandbox.set_faults({})
    profile = client.patch_raw(demo.DOC_PROFILE_ID, body)

    assert profile.captured_at == "2021-03-01T08:00:00Z"
    received = sandbox.stats()["patches"][demo.DOC_PROFILE_ID]
    assert received["applied"] == 2
    assert received["bodies"] == [body.decode("utf-8")]


def test_client_never_retries_by_itself(client, sandbox):
    sandbox.set_faults({"patch": {"drop_rate": 1}})

    with pytest.raises(UpstreamUnavailable):
        client.patch(demo.DOC_PROFILE_ID, DOC_BODY)

    assert sandbox.stats()["patches"][demo.DOC_PROFILE_ID]["received"] == 1


def test_every_error_is_an_api_error_with_a_status_attribute():
    for error in (
        InvalidApiKey,
        Forbidden,
        ProfileNotFound,
        DataRejected,
        UpstreamUnavailable,
    ):
        assert issubclass(error, ApiError)
        assert error("message", 418).status == 418


def test_logs_and_errors_hold_no_key_or_guest_data(sandbox, caplog):
    caplog.set_level(logging.DEBUG)
    secret_key = "secret-key-4321"
    wrong = ProfileClient(sandbox.base_url, secret_key, read_timeout=1)
    right = ProfileClient(sandbox.base_url, demo.DEMO_API_KEY, read_timeout=1)
    sandbox.set_faults({"search": {"error_rate": 1, "error_status": 503}})
    errors = []

    for call in (
        lambda: wrong.get(demo.DOC_PROFILE_ID),
        lambda: right.search(last_name="Loblaw", experience_date="2021-03-31"),
        lambda: right.patch(
            demo.TASTING_PROFILE_ID, {"data_set": {"friend_email": "zoe@"}}
        ),
    ):
        with pytest.raises(ApiError) as caught:
            call()
        errors.append(str(caught.value))

    written = caplog.text + " ".join(errors) + repr(wrong) + repr(right)
    for secret in (secret_key, demo.DEMO_API_KEY, "Loblaw", "zoe@"):
        assert secret not in written
    assert "anyroad.client" in {r.name for r in caplog.records}


@pytest.mark.parametrize("key", ["example-key-1234\n", "exam\rple", "clé"])
def test_a_key_no_header_can_carry_is_refused_at_once(key):
    with pytest.raises(ValueError, match="copy it again"):
        ProfileClient("http://127.0.0.1:9", key)


@pytest.mark.parametrize(
    "criteria",
    [
        {"booking_id": 1234, "last_name": ""},
        {"booking_id": 1234, "experience_date": datetime(2021, 3, 31, 15, 0)},
    ],
)
def test_search_sends_blank_names_as_absent_and_days_without_times(client, criteria):
    [profile] = client.search(**criteria)

    assert profile.booking.id == 1234


def test_base_url_must_be_http():
    with pytest.raises(ValueError, match="http"):
        ProfileClient("127.0.0.1:5050/external/api/v1", demo.DEMO_API_KEY)


def test_trailing_slash_in_base_url_is_harmless(sandbox):
    client = ProfileClient(sandbox.base_url + "/", demo.DEMO_API_KEY, read_timeout=1)

    assert client.get(demo.DOC_PROFILE_ID).booking.id == demo.DOC_BOOKING_ID


def test_timeouts_are_passed_as_connect_and_read():
    client = ProfileClient(DEAD_URL, "k", connect_timeout=1.5, read_timeout=7)

    assert client.timeout == (1.5, 7)


@pytest.mark.parametrize(
    "kind, call",
    [
        ("user", lambda c: c.user()),
        ("get", lambda c: c.get(demo.DOC_PROFILE_ID)),
        ("patch", lambda c: c.patch(demo.DOC_PROFILE_ID, {})),
    ],
)
def test_html_instead_of_json_raises_upstream_unavailable(client, sandbox, kind, call):
    sandbox.set_faults({kind: {"garbage_rate": 1}})

    with pytest.raises(UpstreamUnavailable):
        call(client)


def test_a_redirect_to_an_unreadable_location_is_an_unreadable_answer():
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class BrokenRedirect(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(302)
            self.send_header("Location", "http://[not-an-address/")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), BrokenRedirect)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    client = ProfileClient(f"http://127.0.0.1:{port}/api", "key", 1, 1)

    try:
        with pytest.raises(UpstreamUnavailable, match="unreadable answer"):
            client.user()
    finally:
        server.shutdown()
        server.server_close()
