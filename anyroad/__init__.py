"""A client for AnyRoad's Customer Profile API.

``anyroad.client`` talks HTTP, ``anyroad.models`` reads the answers into
frozen dataclasses, and ``anyroad.errors`` is the one exception family the
app has to handle.
"""
