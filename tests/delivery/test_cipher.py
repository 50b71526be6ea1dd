import pytest
from cryptography.fernet import Fernet, InvalidToken

from delivery.cipher import build_cipher

OLD = Fernet.generate_key().decode()
NEW = Fernet.generate_key().decode()


def test_first_key_seals_and_every_key_opens():
    sealed_by_old = build_cipher(OLD).encrypt(b"answers")

    both = build_cipher(f"{NEW}, {OLD}")

    assert both.decrypt(sealed_by_old) == b"answers"
    assert Fernet(NEW.encode()).decrypt(both.encrypt(b"answers")) == b"answers"


def test_a_list_of_keys_works_like_the_comma_separated_string():
    sealed = build_cipher([NEW, OLD]).encrypt(b"answers")

    assert build_cipher(NEW).decrypt(sealed) == b"answers"


def test_without_the_sealing_key_a_body_cannot_be_opened():
    sealed = build_cipher(OLD).encrypt(b"answers")

    with pytest.raises(InvalidToken):
        build_cipher(NEW).decrypt(sealed)


@pytest.mark.parametrize(
    ("keys", "message"),
    [
        ("", "OUTBOX_KEY is empty"),
        (" , ", "OUTBOX_KEY is empty"),
        (f"{NEW},short", "Key 2 of OUTBOX_KEY is not a Fernet key"),
    ],
)
def test_unusable_keys_are_refused_with_a_sentence(keys, message):
    with pytest.raises(ValueError, match=message):
        build_cipher(keys)
