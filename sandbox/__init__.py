"""A local stand-in for AnyRoad's Customer Profile API.

Partners and our own tests need an upstream that answers exactly as the
published contract says, holds demo bookings, and can be told to
misbehave on purpose. ``create_sandbox_app`` builds it; ``python -m
sandbox`` serves it alone.
"""
