"""A whole call's deadline: its socket is shut down when the time is up."""

from __future__ import annotations

import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from anyroad.client import ProfileClient
from anyroad.deadlines import deadline_for_call
from anyroad.errors import UpstreamUnavailable

USER_ANSWER = b'{"data": {"id": "u-1", "attributes": {"first_name": "Bob"}}}'


@pytest.fixture
def pair():
    ours, theirs = socket.socketpair()
    yield ours, theirs
    ours.close()
    theirs.close()


def test_a_read_waiting_past_the_deadline_returns_at_once(pair):
    ours, _ = pair
    started = time.monotonic()

    with deadline_for_call(0.1) as deadline:
        deadline.watch(ours)
        read = ours.recv(10)

    assert read == b""
    assert deadline.passed
    assert time.monotonic() - started < 2


def test_a_call_over_in_time_leaves_its_socket_to_the_next_call(pair):
    ours, theirs = pair

    with deadline_for_call(0.05) as deadline:
        deadline.watch(ours)
    time.sleep(0.3)
    theirs.sendall(b"still here")

    assert ours.recv(10) == b"still here"
    assert not deadline.passed


def test_a_socket_shown_after_the_deadline_is_shut_down_at_once(pair):
    ours, _ = pair

    with deadline_for_call(0.01) as deadline:
        time.sleep(0.3)
        deadline.watch(ours)
        read = ours.recv(10)

    assert read == b""


@pytest.fixture
def use_proxy(monkeypatch):
    """Send the client's HTTPS calls through a proxy at the given address."""
    import anyroad.client as client_module

    def route(address: str) -> None:
        monkeypatch.setenv("HTTPS_PROXY", address)
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)
        client_module.environment_settings.cache_clear()

    yield route
    client_module.environment_settings.cache_clear()


def seconds_until_timed_out(client: ProfileClient) -> float:
    started = time.monotonic()
    with pytest.raises(UpstreamUnavailable, match="timed out"):
        client.user()

    return time.monotonic() - started


class KeepAlive(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    connections: list[int] = []

    def setup(self) -> None:
        super().setup()
        self.connections.append(1)

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(USER_ANSWER)))
        self.end_headers()
        self.wfile.write(USER_ANSWER)

    def log_message(self, *args) -> None:
        pass


def test_calls_in_time_keep_one_connection_alive_past_their_deadlines():
    KeepAlive.connections = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), KeepAlive)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/api"
    client = ProfileClient(url, "key", connect_timeout=0.1, read_timeout=0.1)

    answers = []
    for _ in range(3):
        answers.append(client.user())
        time.sleep(0.3)  # each call's deadline passes in the pool

    server.shutdown()
    server.server_close()
    assert answers == [{"id": "u-1", "first_name": "Bob"}] * 3
    assert len(KeepAlive.connections) == 1


def test_one_watchdog_thread_serves_every_call():
    for _ in range(50):
        with deadline_for_call(5):
            pass

    names = [t.name for t in threading.enumerate()]
    assert names.count("anyroad-deadlines") == 1


@pytest.fixture
def tls_files(tmp_path):
    """A self-signed certificate for 127.0.0.1, and its key."""
    import datetime
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .sign(key, hashes.SHA256())
    )
    cert_file = tmp_path / "cert.pem"
    key_file = tmp_path / "key.pem"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


def test_an_answer_trickling_over_tls_is_cut_off_at_the_deadline(
    tls_files, monkeypatch
):
    import ssl

    cert_file, key_file = tls_files
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def trickle_headers() -> None:
        conn, _ = listener.accept()
        with context.wrap_socket(conn, server_side=True) as tls:
            tls.recv(65536)
            try:
                tls.sendall(b"HTTP/1.1 200 OK\r\n")
                for _ in range(60):
                    time.sleep(0.2)
                    tls.sendall(b"X-Pad: a\r\n")
            except OSError:
                pass  # the client gave up

    server = threading.Thread(target=trickle_headers, daemon=True)
    server.start()
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(cert_file))
    client = ProfileClient(
        f"https://127.0.0.1:{port}/api", "key", connect_timeout=0.5, read_timeout=0.5
    )

    elapsed = seconds_until_timed_out(client)

    listener.close()
    server.join(timeout=30)
    assert elapsed < 0.5 + 0.5 + 0.5


def test_a_proxy_trickling_its_answer_to_connect_is_cut_off_at_the_deadline(
    use_proxy,
):
    listener = socket.create_server(("127.0.0.1", 0))

    def trickle_connect_answer() -> None:
        conn, _ = listener.accept()
        with conn:
            conn.recv(65536)
            try:
                conn.sendall(b"HTTP/1.1 200 Connection established\r\n")
                for _ in range(100):
                    time.sleep(0.2)
                    conn.sendall(b"X-Pad: a\r\n")
            except OSError:
                pass  # the client gave up

    proxy = threading.Thread(target=trickle_connect_answer, daemon=True)
    proxy.start()
    use_proxy(f"http://127.0.0.1:{listener.getsockname()[1]}")
    client = ProfileClient(
        "https://127.0.0.1:9/api", "key", connect_timeout=0.5, read_timeout=0.5
    )

    elapsed = seconds_until_timed_out(client)

    listener.close()
    proxy.join(timeout=30)
    assert elapsed < 0.5 + 0.5 + 0.5


def test_a_connection_pooled_before_its_deadline_passes_serves_the_next_call(
    monkeypatch,
):
    import anyroad.client as client_module

    KeepAlive.connections = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), KeepAlive)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/api"
    client = ProfileClient(url, "key", connect_timeout=0.1, read_timeout=0.1)
    session = client_module.get_session()
    request = session.request

    def request_then_linger(*args, **kwargs):
        # The answer is read and its connection pooled; the deadline passes
        # before the call ends, while another thread could take it.
        response = request(*args, **kwargs)
        time.sleep(0.4)
        return response

    monkeypatch.setattr(session, "request", request_then_linger)
    with pytest.raises(UpstreamUnavailable, match="timed out"):
        client.user()
    monkeypatch.setattr(session, "request", request)

    answer = client.user()

    server.shutdown()
    server.server_close()
    assert answer == {"id": "u-1", "first_name": "Bob"}
    assert len(KeepAlive.connections) == 1


def test_a_tls_handshake_trickling_through_a_proxy_is_cut_off_at_the_deadline(
    use_proxy,
):
    listener = socket.create_server(("127.0.0.1", 0))

    def slow_tunnel_then_slow_handshake() -> None:
        conn, _ = listener.accept()
        with conn:
            conn.recv(65536)
            try:
                answer = b"HTTP/1.1 200 Connection established\r\nX-Pad: a\r\n\r\n"
                for byte in answer:  # the tunnel opens at 0.9 s
                    time.sleep(0.9 / len(answer))
                    conn.sendall(bytes([byte]))
                conn.recv(65536)  # the client's hello
                for byte in b"\x16\x03\x03\x3f\xff" + b"\x00" * 200:
                    time.sleep(0.1)
                    conn.sendall(bytes([byte]))
            except OSError:
                pass  # the client gave up

    proxy = threading.Thread(target=slow_tunnel_then_slow_handshake, daemon=True)
    proxy.start()
    use_proxy(f"http://127.0.0.1:{listener.getsockname()[1]}")
    client = ProfileClient(
        "https://127.0.0.1:9/api", "key", connect_timeout=0.5, read_timeout=0.5
    )

    elapsed = seconds_until_timed_out(client)

    listener.close()
    proxy.join(timeout=30)
    # Bounded per read only, the handshake would end near 0.9 + 0.5 s.
    assert elapsed < 1.25


def test_watching_calls_leaves_no_descriptor_open():
    import os

    KeepAlive.connections = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), KeepAlive)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/api"
    client = ProfileClient(url, "key", connect_timeout=1, read_timeout=1)
    client.user()
    before = len(os.listdir("/proc/self/fd"))

    for _ in range(50):
        client.user()
    after = len(os.listdir("/proc/self/fd"))

    server.shutdown()
    server.server_close()
    # One left open per call would be 50 more; other tests' sockets may
    # close meanwhile, so a few either way are not ours.
    assert after <= before + 5
    assert len(KeepAlive.connections) == 1


def test_a_call_through_a_tls_proxy_to_a_tls_upstream_is_watched_and_answered(
    tls_files, monkeypatch, use_proxy
):
    import select
    import ssl

    cert_file, key_file = tls_files
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    upstream = ThreadingHTTPServer(("127.0.0.1", 0), KeepAlive)
    upstream.socket = context.wrap_socket(upstream.socket, server_side=True)
    threading.Thread(target=upstream.serve_forever, daemon=True).start()
    listener = socket.create_server(("127.0.0.1", 0))

    def tunnel() -> None:
        conn, _ = listener.accept()
        with context.wrap_socket(conn, server_side=True) as client_side:
            request = client_side.recv(65536)
            host, port = request.split()[1].decode().rsplit(":", 1)
            with socket.create_connection((host, int(port))) as far:
                client_side.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
                ends = {client_side: far, far: client_side}
                while True:
                    ready, _, _ = select.select(list(ends), [], [], 5)
                    data = ready[0].recv(65536) if ready else b""
                    if not data:
                        return
                    ends[ready[0]].sendall(data)

    threading.Thread(target=tunnel, daemon=True).start()
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(cert_file))
    use_proxy(f"https://127.0.0.1:{listener.getsockname()[1]}")
    port = upstream.server_address[1]
    client = ProfileClient(f"https://127.0.0.1:{port}/api", "key", 1, 1)

    try:
        answer = client.user()
    finally:
        upstream.shutdown()
        upstream.server_close()
        listener.close()

    assert answer == {"id": "u-1", "first_name": "Bob"}
