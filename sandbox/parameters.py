"""Parameters that may come from the query string, the JSON body, or both.

The contract lists the search criteria and the PATCH attributes under
"Query Params", yet its examples send them as JSON bodies, so the sandbox
takes either. One name can then arrive more than once (twice in the query
string, once in each place, or twice in the body's own object). The
copies are compared after they are read, so ``01234`` and ``1234`` agree
while ``1234`` and ``1235`` are refused, rather than one of them being
picked silently.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Hashable
from itertools import chain
from typing import Any
from urllib.parse import parse_qsl

from flask import request
from werkzeug.exceptions import RequestEntityTooLarge

from forms.campaign import json_pointer
from sandbox.problems import Problem

# Python refuses to turn longer digit strings into an int (its default
# int_max_str_digits), so a longer JSON integer cannot be read at all.
MAX_INTEGER_DIGITS = 4300
# json.loads turns a "\ud800" escape, or bytes encoding a surrogate, into a
# lone UTF-16 surrogate: a code point that is no character, cannot be
# written as UTF-8 again, and so could be neither stored nor searched for.
LONE_SURROGATE = re.compile("[\ud800-\udfff]")


class JsonObject(dict):
    """A JSON object that also keeps every name-value pair as sent.

    json.loads keeps only the last copy of a repeated name. Keeping the
    pairs lets a repeated name be judged like any other copy instead of
    one copy being picked silently.
    """

    def __init__(self, pairs: list[tuple[str, Any]]) -> None:
        super().__init__(pairs)
        self.pairs = pairs


def read_json_text(text: str | bytes, what: str) -> Any:
    """Parse JSON text strictly, or refuse with 400 naming ``what``.

    NaN and Infinity are not JSON. A number too large for a float would be
    read as infinity and written back out as ``Infinity``, and an integer
    longer than Python reads cannot be stored, so both are refused too. A
    string holding a lone surrogate, as a key or a value at any depth, is
    not text, so it is refused like bytes that are not text.
    """
    try:
        value = json.loads(
            text,
            parse_constant=_refuse_constant,
            parse_float=_read_finite_float,
            parse_int=_read_integer,
            object_pairs_hook=JsonObject,
        )
    except RecursionError:
        raise Problem(400, f"{what} nests too deeply to read.") from None
    except (ValueError, UnicodeDecodeError):
        raise Problem(400, f"{what} is not valid JSON.") from None

    if not is_all_text(value):
        raise Problem(400, f"{what} is not valid JSON.")

    return value


def is_all_text(value: Any) -> bool:
    """Tell whether no key or string inside a JSON value holds a lone surrogate.

    The walk keeps its own stack: a value nested as deeply as json.loads
    allows would overflow Python's if the walk recursed.
    """
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str) and LONE_SURROGATE.search(item):
            return False
        if isinstance(item, dict):
            pending.extend(chain.from_iterable(pairs_of(item)))
        elif isinstance(item, list):
            pending.extend(item)

    return True


def refuse_differing_copies(value: Any, path: tuple[str, ...] = ()) -> None:
    """Refuse with 400 a name repeated in a JSON object with differing values.

    Copies that agree count as one. ``path`` names where ``value`` sits.
    With no path, ``value`` is the body itself: its repeated names are
    copies of parameters, which the caller compares once read (``01234``
    agrees with 1234), so only the objects inside it are judged here. Any
    deeper value is stored as sent, so its copies must be the same JSON.
    """
    pending: list[tuple[tuple[Any, ...], Any]] = [(path, value)]
    while pending:
        where, item = pending.pop()
        if isinstance(item, dict):
            children: Any = pairs_of(item)
            if where and len(children) > len(item):
                _refuse_differing_pairs(where, children)
        elif isinstance(item, list):
            children = enumerate(item)
        else:
            continue

        pending.extend(
            ((*where, key), child)
            for key, child in children
            if isinstance(child, (dict, list))
        )


def pairs_of(value: dict[str, Any]) -> list[tuple[str, Any]]:
    """List an object's name-value pairs, repeated names included."""
    if isinstance(value, JsonObject):
        return value.pairs

    return list(value.items())


def read_body() -> bytes:
    """Return the raw request body, refusing one over the size limit with 413.

    Werkzeug refuses a Content-Length over MAX_CONTENT_LENGTH, but a body
    sent without one (chunked) is only cut off at the limit and handed
    over as if complete, so it would be judged "not valid JSON" instead of
    too large. One more byte read past the limit tells the two apart.
    """
    body = request.get_data()
    limit = request.max_content_length
    if limit is None or request.content_length is not None or len(body) < limit:
        return body

    if request.environ["wsgi.input"].read(1):
        raise RequestEntityTooLarge()

    return body


def read_json_object() -> dict[str, Any]:
    """Parse the body as a JSON object, or refuse with 400."""
    if not request.is_json:
        raise Problem(400, "Send a JSON body with Content-Type: application/json.")

    body = read_json_text(read_body(), "The body")
    if not isinstance(body, dict):
        raise Problem(400, "The body must be a JSON object.")

    refuse_differing_copies(body)
    return body


def refuse_query_that_is_not_text() -> None:
    """Refuse with 400 a query string whose bytes are not UTF-8.

    Werkzeug leaves such bytes percent-encoded, so ``?referrer_medium=caf%E9``
    would be read as the text "caf%E9", while the same bytes in a body are
    refused; query values are judged like body values. Call this before
    ``request.args`` is read: raw bytes that are not UTF-8 break it.
    """
    try:
        parse_qsl(
            request.query_string.decode("utf-8"),
            keep_blank_values=True,
            errors="strict",
        )
    except UnicodeDecodeError:
        raise Problem(400, "The query string is not valid UTF-8.") from None


def gather_copies(body: dict[str, Any]) -> dict[str, list[Any]]:
    """List every copy of each parameter: the query string's, then the body's."""
    copies = {name: request.args.getlist(name) for name in request.args}
    for name, value in pairs_of(body):
        copies.setdefault(name, []).append(value)

    return copies


def pick_agreed(
    name: str, values: list[Any], key: Callable[[Any], Hashable] | None = None
) -> Any:
    """Return the value every copy of a parameter shares; None if none given.

    ``values`` are the copies already read. They are compared by ``key``,
    by default their canonical JSON text, which tells 1 from 1.0 and from
    true where Python's ``==`` would not. Raises Problem 400 when they
    differ.
    """
    compare = key or canonical_json
    if len({compare(value) for value in values}) > 1:
        raise Problem(400, f"{name} is given twice with different values.")

    return values[0] if values else None


def canonical_json(value: Any) -> str:
    """Write a value as JSON text that two equal values always share."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def _refuse_differing_pairs(where: tuple[Any, ...], pairs: list) -> None:
    texts: dict[str, set[str]] = {}
    for name, value in pairs:
        texts.setdefault(name, set()).add(canonical_json(value))

    for name, seen in texts.items():
        if len(seen) > 1:
            pointer = json_pointer([*where, name]).lstrip("/")
            raise Problem(400, f"{pointer} is given twice with different values.")


def _read_finite_float(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise Problem(400, f"The number {text[:40]} is too large to store.")

    return number


def _read_integer(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INTEGER_DIGITS:
        raise Problem(
            400,
            f"A number has more than {MAX_INTEGER_DIGITS} digits, too many to store.",
        )

    return int(text)


def _refuse_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON.")
