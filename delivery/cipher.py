"""Encryption of the answers that wait in the outbox.

A waiting row holds a guest's answers for as long as the upstream is down,
possibly days, so the body is sealed with Fernet before it reaches the
database. Several keys may be configured, newest first: the first seals,
any of them opens, which lets an operator rotate the key without losing
rows sealed under the old one.
"""

from __future__ import annotations

from collections.abc import Iterable

from cryptography.fernet import Fernet, MultiFernet


def build_cipher(keys: str | Iterable[str]) -> MultiFernet:
    """Make the cipher for a comma-separated key string or a list of keys.

    :param keys: Fernet keys (url-safe Base64 of 32 bytes), newest first.
    :raises ValueError: when no key is given or one is not a Fernet key.
    """
    if isinstance(keys, str):
        keys = keys.split(",")

    names = [key.strip() for key in keys if key and key.strip()]
    if not names:
        raise ValueError(
            "OUTBOX_KEY is empty: set it to a Fernet key, e.g. the output of "
            "Fernet.generate_key(); separate several keys with commas."
        )

    fernets = []
    for position, key in enumerate(names, start=1):
        try:
            fernets.append(Fernet(key.encode()))
        except ValueError as exc:
            raise ValueError(
                f"Key {position} of OUTBOX_KEY is not a Fernet key: each key "
                "must be 32 url-safe Base64 bytes, as Fernet.generate_key() "
                "makes them."
            ) from exc

    return MultiFernet(fernets)
