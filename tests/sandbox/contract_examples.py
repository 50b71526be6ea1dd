"""The contract's example requests and answers, transcribed as data."""

DOC_PROFILE_ID = "56c934fa-03c2-46f4-b7f9-6d44bafdd5a2"

KEY_ANSWER = {
    "data": {"type": "users", "id": "123", "attributes": {"key": "example-key-1234"}}
}

USER_ANSWER = {
    "data": {
        "type": "users",
        "id": "123",
        "attributes": {
            "first_name": "Jane",
            "last_name": "Doe",
            "email": "jane.doe@example.com",
        },
    }
}

BOOKING = {
    "guest_email": "Ym9iQGxhd2Jsb2cuY29t",
    "guest_first_name": "Qm9i",
    "guest_last_name": "TG9ibGF3",
    "id": 1234,
    "number_guests_booked": 2,
    "tickets": {"adult": 1, "child": 1},
}

EXPERIENCE = {"date": "2021-03-31", "name": "Monster Mash", "time": "15:00"}

GET_ANSWER = {
    "data": {
        "attributes": {
            "booking": BOOKING,
            "captured_at": None,
            "data_set": None,
            "experience": EXPERIENCE,
            "id": DOC_PROFILE_ID,
            "referrer_medium": None,
        },
        "id": DOC_PROFILE_ID,
        "type": "customer_profile",
    }
}

PATCH_BODY = (
    '{"data_set":{"custom_attribute":"red"},"referrer_medium":"email",'
    '"captured_at":"2021-03-01 00:00:00-08"}'
)

PATCHED_RESOURCE = {
    "attributes": {
        "booking": BOOKING,
        "captured_at": "2021-03-01T08:00:00Z",
        "data_set": {"custom_attribute": "red"},
        "experience": EXPERIENCE,
        "id": DOC_PROFILE_ID,
        "referrer_medium": "email",
    },
    "id": DOC_PROFILE_ID,
    "type": "customer_profile",
}

PATCH_ANSWER = {"data": PATCHED_RESOURCE}

SEARCH_ANSWER = {"data": [PATCHED_RESOURCE]}

INVALID_KEY = {"error": "Invalid API key."}
FORBIDDEN = {"error": "Forbidden."}
