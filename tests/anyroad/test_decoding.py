"""Base64 guest fields decode robustly (case C8)."""

import pytest

from anyroad.decoding import decode_text


@pytest.mark.parametrize(
    "encoded, text",
    [
        ("T+KAmUJyaWVu", "O’Brien"),
        ("T-KAmUJyaWVu", "O’Brien"),
        ("Wm_Dqw", "Zoë"),
        ("Wm/Dqw==", "Zoë"),
        ("Wm/Dqw=", "Zoë"),
        ("TcO8bGxlcg", "Müller"),
        ("TcO8bGxlcg==", "Müller"),
        ("TfxsbGVy", None),
        ("QU$$JD", None),
        ("Qm9i", "Bob"),
        ("Ym9iQGxhd2Jsb2cuY29t", "bob@lawblog.com"),
        ("Ym9iQGxh\nd2Jsb2cu\r\nY29t\n", "bob@lawblog.com"),
        ("  Qm9i  ", "Bob"),
        ("Qm9", "Bo"),
        ("Q", None),
        ("Qm9i=Qm9i", None),
        ("Qm9i===", None),
        ("", None),
        ("AA==", None),
        ("Qm9iAA==", None),
        ("7aCA", None),
        ("Sm9zw6kgTsO6w7Fleg==", "José Núñez"),
        (None, None),
        (1234, None),
        (["Qm9i"], None),
    ],
)
def test_decode_text(encoded, text):
    assert decode_text(encoded) == text
