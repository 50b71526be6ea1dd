"""Draft 4 patterns, read the way ECMA 262 reads them.

Draft 4's ``pattern`` is an ECMA 262 regular expression, and the upstream
API judges answers by ECMA's reading. ``as_python_regex`` translates one
construct at a time into the Python that means the same, and refuses with
PatternError what ECMA refuses, so that no pattern is quietly read the
Python way.
"""

from __future__ import annotations

import functools
import re

# ECMA 262's \s: its white space (Zs and three more) and its line terminators.
LINE_TERMINATORS = "\n\r\u2028\u2029"
ECMA_SPACES = frozenset(
    "\t\x0b\x0c \xa0\u1680\u202f\u205f\u3000\ufeff"
    + "".join(chr(code) for code in range(0x2000, 0x200B))
    + LINE_TERMINATORS
)
# Python refuses bounds from 2**32 - 1 on; no answer is that long anyway.
LONGEST_REPEAT = 2**31 - 1
# Deeper nesting is refused: the translation reads groups recursively, and
# no pattern a form needs comes near it.
DEEPEST_NESTING = 100
BRACED_QUANTIFIER = re.compile(r"\{([0-9]+)(,([0-9]*))?\}")
GROUP_NAME = re.compile(r"<([^>]*)>")
HEX_DIGITS = "0123456789abcdefABCDEF"
OCTAL_DIGITS = "01234567"
CONTROL_ESCAPES = {"f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\x0b"}
ASCII_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
# Groups that Python has and ECMA 262 has not; ECMA reads each as an error.
PYTHON_GROUPS = (
    (
        re.compile(r"\(\?P<[^>]*>?"),
        "is a Python named group; ECMA 262 writes (?<name>…)",
    ),
    (re.compile(r"\(\?P=[^)]*\)?"), "is a Python backreference; ECMA writes \\k<name>"),
    (re.compile(r"\(\?>"), "is a Python atomic group; ECMA 262 has none"),
    (re.compile(r"\(\?#[^)]*\)?"), "is a Python comment; ECMA 262 has none"),
    (re.compile(r"\(\?\([^)]*\)?"), "is a Python conditional; ECMA 262 has none"),
    (
        re.compile(r"\(\?[a-zA-Z-]+[:)]?"),
        "is an inline flag; Draft 4 patterns take no flags",
    ),
)


class PatternError(ValueError):
    """A pattern that ECMA 262 refuses, so the real API would never take it.

    The message names the construct and says why; callers add where the
    pattern is.
    """


def matches_ecma(pattern: str, text: str) -> bool:
    """Tell whether ECMA 262 finds ``pattern`` anywhere in ``text``."""
    return as_python_regex(pattern).search(as_code_units(text)) is not None


def as_code_units(text: str) -> str:
    """Spell astral characters as surrogate pairs, the units ECMA matches.

    Without the unicode flag an ECMA pattern sees UTF-16 code units, so
    ``.`` takes half an emoji and ``^.{2}$`` fits one.
    """
    if all(ord(char) < 0x10000 for char in text):
        return text

    return "".join(_surrogates(char) for char in text)


@functools.lru_cache(maxsize=256)
def as_python_regex(pattern: str) -> re.Pattern:
    """Compile an ECMA 262 pattern so that Python matches what ECMA does.

    The result expects subjects passed through ``as_code_units``. Raises
    PatternError for a pattern that ECMA 262 refuses (Python's inline
    flags, named groups, possessive quantifiers and the like).
    """
    python = EcmaTranslation(pattern).translate()
    try:
        return re.compile(python, re.ASCII)
    except (re.error, OverflowError) as exc:
        raise PatternError(f"cannot be checked the ECMA 262 way here: {exc}") from exc


class EcmaTranslation:
    """Read one ECMA 262 pattern (no flags, Annex B) and write it for Python.

    Each construct is written so that it means in Python what it means in
    ECMA: ``$`` is the end of input, ``.`` stops at all four line
    terminators, ``\\s`` is ECMA's wide white space, an unknown escape is
    the character itself, and ``{,2}`` is text. Python-only syntax is
    refused rather than read the Python way.
    """

    def __init__(self, pattern: str):
        self.source = as_code_units(pattern)
        self.pos = 0
        self.names = _group_names(self.source)
        self.group_count = _count_groups(self.source)
        self.opened = 0
        self.closed: set[int] = set()
        # Every group, capturing or not, by the order it opens: the groups
        # around each capturing one, and those repeated more than once.
        self.groups_seen = 0
        self.around: list[int] = []
        self.enclosing: dict[int, tuple[int, ...]] = {}
        self.repeated: set[int] = set()
        self.last_group = 0
        self.references: list[tuple[int, int]] = []
        self.named: set[str] = set()

    def translate(self) -> str:
        python = self.disjunction()
        if self.pos < len(self.source):
            raise self.refuse(self.pos, self.pos + 1, "closes no open group")

        self.refuse_forgotten_captures()
        return python

    def refuse_forgotten_captures(self) -> None:
        """Refuse a reference to a group inside a group repeated more than once.

        ECMA 262 forgets what the groups inside a repetition matched each
        time it starts over, and Python's re remembers, so the two judge
        such a reference differently: ``^(?:(a)|b)*\\1$`` takes "ab" in
        ECMA only, and "aba" here only.
        """
        for number, at in self.references:
            if self.repeated & set(self.enclosing.get(number, ())):
                raise self.refuse(
                    at,
                    at + 1 + len(str(number)),
                    "refers to a group inside a repetition, which ECMA 262 "
                    "forgets at each turn and this check cannot; write the "
                    "pattern without the reference",
                )

    def refuse(self, start: int, end: int, why: str) -> PatternError:
        """Make the error that names the offending text and its offset."""
        return PatternError(f"{self.source[start:end]!r} at offset {start} {why}")

    def peek(self, offset: int = 0) -> str:
        index = self.pos + offset
        return self.source[index] if index < len(self.source) else ""

    def disjunction(self) -> str:
        alternatives = [self.alternative()]
        while self.peek() == "|":
            self.pos += 1
            alternatives.append(self.alternative())

        return "|".join(alternatives)

    def alternative(self) -> str:
        terms = []
        while self.peek() not in ("", "|", ")"):
            terms.append(self.term())

        return "".join(terms)

    def term(self) -> str:
        start = self.pos
        self.last_group = 0
        atom, repeatable = self.atom()
        group = self.last_group
        quantifier_start = self.pos
        quantifier = self.quantifier()
        if quantifier and not repeatable:
            raise self.refuse(start, self.pos, "repeats an assertion")
        if group and _repeats_more_than_once(self.source[quantifier_start : self.pos]):
            self.repeated.add(group)

        return atom + quantifier

    def atom(self) -> tuple[str, bool]:
        """Read one atom; tell whether a quantifier may follow it."""
        char = self.peek()
        if char in "^$":
            self.pos += 1
            return ("^" if char == "^" else r"\Z"), False
        if char == ".":
            self.pos += 1
            return _python_set(frozenset(LINE_TERMINATORS), negated=True), True
        if char == "(":
            return self.group()
        if char == "[":
            return self.character_class(), True
        if char == "\\":
            return self.atom_escape()
        if char in "*+?" or BRACED_QUANTIFIER.match(self.source, self.pos):
            end = self.pos + len(self.quantifier_text())
            raise self.refuse(self.pos, end, "repeats nothing")

        self.pos += 1
        return re.escape(char), True

    def quantifier_text(self) -> str:
        """Give the quantifier starting here, or "" (``{,2}`` is none)."""
        braced = BRACED_QUANTIFIER.match(self.source, self.pos)
        if braced:
            return braced.group()

        return self.peek() if self.peek() in "*+?" else ""

    def quantifier(self) -> str:
        start = self.pos
        text = self.quantifier_text()
        if not text:
            return ""

        self.pos += len(text)
        python = _python_braces(text) if text.startswith("{") else text
        if python.startswith("{") and _is_out_of_order(text):
            raise self.refuse(start, self.pos, "has its bounds out of order")
        lazy = self.peek() == "?"
        if lazy:
            self.pos += 1
        if self.quantifier_text():
            why = "is a Python possessive quantifier; ECMA 262 has none"
            if lazy or self.peek() != "+":
                why = "repeats a repetition"
            raise self.refuse(start, self.pos + len(self.quantifier_text()), why)

        return python + "?" * lazy

    def group(self) -> tuple[str, bool]:
        start = self.pos
        if len(self.around) >= DEEPEST_NESTING:
            raise self.refuse(
                start, start + 1, f"nests groups more than {DEEPEST_NESTING} deep"
            )

        opening, repeatable, number = self.group_opening()
        self.groups_seen += 1
        this = self.groups_seen
        if number:
            self.enclosing[number] = tuple(self.around)
        self.around.append(this)
        body = self.disjunction()
        self.around.pop()
        if self.peek() != ")":
            raise self.refuse(start, self.pos, "opens a group that is never closed")

        self.pos += 1
        if number:
            self.closed.add(number)
        self.last_group = this
        return f"{opening}{body})", repeatable

    def group_opening(self) -> tuple[str, bool, int]:
        """Read ``(`` and what follows it: Python text, repeatable, number."""
        for ecma, python, repeatable in (
            ("(?:", "(?:", True),
            ("(?=", "(?=", True),
            ("(?!", "(?!", True),
            ("(?<=", "(?<=", False),
            ("(?<!", "(?<!", False),
        ):
            if self.source.startswith(ecma, self.pos):
                self.pos += len(ecma)
                return python, repeatable, 0

        if self.source.startswith("(?<", self.pos):
            self.pos = self.group_name_end()
        elif self.source.startswith("(?", self.pos):
            raise self.python_group()
        else:
            self.pos += 1
        self.opened += 1
        return "(", True, self.opened

    def group_name_end(self) -> int:
        """Find where ``(?<name>`` ends, refusing a name ECMA would refuse."""
        name = GROUP_NAME.match(self.source, self.pos + 2)
        if not name or not name.group(1).replace("$", "_").isidentifier():
            raise self.refuse(self.pos, self.pos + 3, "opens a group with no name")
        if name.group(1) in self.named:
            raise self.refuse(self.pos, name.end(), "names a group a second time")

        self.named.add(name.group(1))
        return name.end()

    def python_group(self) -> PatternError:
        for prefix, why in PYTHON_GROUPS:
            match = prefix.match(self.source, self.pos)
            if match:
                return self.refuse(self.pos, match.end(), why)

        return self.refuse(self.pos, self.pos + 3, "is no group ECMA 262 knows")

    def atom_escape(self) -> tuple[str, bool]:
        """Read an escape outside a class: assertion, backreference or unit."""
        letter = self.peek(1)
        if letter in ("b", "B"):
            self.pos += 2
            # Python's \B never matches an empty subject; ECMA's does.
            return ("\\b" if letter == "b" else r"(?:\B|\A\Z)"), False
        if letter and letter in "123456789":
            number = re.match(r"[0-9]+", self.source[self.pos + 1 :]).group()
            if int(number) <= self.group_count:
                at = self.pos
                self.pos += 1 + len(number)
                return self.backreference(int(number), at), True
        if letter == "k" and self.names:
            return self.named_backreference(), True

        return self.escape(in_class=False), True

    def backreference(self, number: int, at: int) -> str:
        """Refer back to a group, matching nothing if it has not matched.

        ECMA lets a reference to a group that did not take part, or is not
        closed yet, match the empty string; Python's would fail or refuse.
        """
        self.references.append((number, at))
        if number not in self.closed:
            return "(?:)"

        return f"(?({number})\\{number})"

    def named_backreference(self) -> str:
        name = GROUP_NAME.match(self.source, self.pos + 2)
        if not name or name.group(1) not in self.names:
            raise self.refuse(self.pos, self.pos + 2, "names no group of the pattern")

        at = self.pos
        self.pos = name.end()
        return self.backreference(self.names[name.group(1)], at)

    def escape(self, in_class: bool) -> str:
        """Read an escape that stands for characters, as Python set text."""
        letter = self.peek(1)
        if letter and letter in "dDwW":
            self.pos += 2
            return "\\" + letter
        if letter and letter in "sS":
            self.pos += 2
            return _python_spaces(negated=letter == "S", in_class=in_class)

        self.pos += 1
        return re.escape(self.escaped_unit(in_class))

    def escaped_unit(self, in_class: bool) -> str:
        """Read the code unit after a backslash; ``pos`` is past the ``\\``."""
        letter = self.peek()
        if not letter:
            raise self.refuse(self.pos - 1, self.pos, "ends the pattern")
        controls = ASCII_LETTERS + ("0123456789_" if in_class else "")
        if letter == "c" and self.peek(1) and self.peek(1) in controls:
            self.pos += 2
            return chr(ord(self.source[self.pos - 1]) % 32)
        if letter == "c":
            return "\\"
        for prefix, width in (("x", 2), ("u", 4)):
            digits = self.source[self.pos + 1 : self.pos + 1 + width]
            if letter == prefix and len(digits) == width:
                if all(digit in HEX_DIGITS for digit in digits):
                    self.pos += 1 + width
                    return chr(int(digits, 16))
        if _is_octal(letter):
            return self.legacy_octal()
        if letter == "b" and in_class:
            self.pos += 1
            return "\b"

        self.pos += 1
        return CONTROL_ESCAPES.get(letter, letter)

    def legacy_octal(self) -> str:
        """Read ``\\0`` or an old octal escape such as ``\\101``, up to 0o377."""
        digits = self.peek()
        longest = 3 if digits in "0123" else 2
        while len(digits) < longest and _is_octal(self.peek(len(digits))):
            digits += self.peek(len(digits))

        self.pos += len(digits)
        return chr(int(digits, 8))

    def character_class(self) -> str:
        """Read ``[...]``; ECMA's ``[]`` matches nothing, ``[^]`` anything."""
        start = self.pos
        self.pos += 1
        negated = self.peek() == "^"
        if negated:
            self.pos += 1
        items = []
        while self.peek() != "]":
            if not self.peek():
                raise self.refuse(start, self.pos, "opens a class that is never closed")
            items.append(self.class_ranges())

        self.pos += 1
        if not items:
            return "(?s:.)" if negated else "(?!)"
        return "[" + "^" * negated + "".join(items) + "]"

    def class_ranges(self) -> str:
        """Read a class member, or a range of two (``\\d-z`` is three)."""
        start = self.pos
        first, low = self.class_atom()
        if self.peek() != "-" or self.peek(1) in ("", "]"):
            return first

        self.pos += 1
        second, high = self.class_atom()
        if not (low and high):
            return first + r"\-" + second
        if low > high:
            raise self.refuse(start, self.pos, "is a range out of order")
        return f"{first}-{second}"

    def class_atom(self) -> tuple[str, str]:
        """Read one class member: Python text, and its code unit if single."""
        char = self.peek()
        if char != "\\":
            self.pos += 1
            return re.escape(char), char
        if self.peek(1) and self.peek(1) in "dDwWsS":
            return self.escape(in_class=True), ""

        self.pos += 1
        unit = self.escaped_unit(in_class=True)
        return re.escape(unit), unit


def _repeats_more_than_once(quantifier: str) -> bool:
    """Tell whether a quantifier (ECMA text, lazy or not) allows two turns."""
    braced = BRACED_QUANTIFIER.match(quantifier)
    if braced is None:
        return quantifier[:1] in ("*", "+")

    upper = braced.group(3) if braced.group(2) else braced.group(1)
    return upper == "" or int(upper) > 1


def _group_names(source: str) -> dict[str, int]:
    """Number ECMA's named groups ``(?<name>``, as Python will count them."""
    names, number = {}, 0
    for opening in _group_openings(source):
        number += 1
        if opening:
            names[opening] = number

    return names


def _count_groups(source: str) -> int:
    return sum(1 for _ in _group_openings(source))


def _group_openings(source: str):
    """Yield each capturing group's name ("" if none), in pattern order.

    ECMA decides whether ``\\12`` is a backreference by the number of
    groups in the whole pattern, so they are counted before translating.
    """
    index, in_class = 0, False
    while index < len(source):
        char = source[index]
        if char == "\\":
            index += 1
        elif char in "[]":
            in_class = char == "["
        elif char == "(" and not in_class:
            if not source.startswith("(?", index):
                yield ""
            elif source.startswith("(?<", index) and source[
                index + 3 : index + 4
            ] not in ("=", "!"):
                named = GROUP_NAME.match(source, index + 2)
                yield named.group(1) if named else ""
        index += 1


def _is_octal(char: str) -> bool:
    return bool(char) and char in OCTAL_DIGITS


def _python_spaces(negated: bool, in_class: bool) -> str:
    """Write ECMA's ``\\s`` (or ``\\S``) for Python, inside a class or not.

    Inside a class ``\\S`` cannot be a negated set, so it is written as
    the ranges of code units that are not ECMA white space.
    """
    if not in_class:
        return _python_set(ECMA_SPACES, negated)
    if not negated:
        return _set_items(ECMA_SPACES)

    return _set_items(ECMA_SPACES, complement=True)


def _python_set(units: frozenset[str], negated: bool) -> str:
    return "[" + "^" * negated + _set_items(units) + "]"


@functools.lru_cache(maxsize=8)
def _set_items(units: frozenset[str], complement: bool = False) -> str:
    """Write code units (or all the others) as Python set items and ranges."""
    runs = _runs(sorted(ord(unit) for unit in units))
    if complement:
        runs = _gaps(runs)
    return "".join(
        f"\\u{low:04x}" if low == high else f"\\u{low:04x}-\\u{high:04x}"
        for low, high in runs
    )


def _gaps(runs: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Give the runs of code units (up to U+FFFF) that ``runs`` leaves out."""
    gaps, after_last = [], 0
    for low, high in runs:
        if low > after_last:
            gaps.append((after_last, low - 1))
        after_last = high + 1
    if after_last <= 0xFFFF:
        gaps.append((after_last, 0xFFFF))

    return gaps


def _runs(codes: list[int]) -> list[tuple[int, int]]:
    """Group sorted code points into runs of consecutive ones."""
    runs: list[list[int]] = []
    for code in codes:
        if runs and runs[-1][1] == code - 1:
            runs[-1][1] = code
        else:
            runs.append([code, code])

    return [(low, high) for low, high in runs]


def _python_braces(text: str) -> str:
    """Cap a braced quantifier's bounds where Python's limit lies."""
    braced = BRACED_QUANTIFIER.fullmatch(text)
    low = min(int(braced.group(1)), LONGEST_REPEAT)
    if braced.group(2) is None:
        return f"{{{low}}}"
    if not braced.group(3):
        return f"{{{low},}}"

    return f"{{{low},{min(int(braced.group(3)), LONGEST_REPEAT)}}}"


def _is_out_of_order(text: str) -> bool:
    braced = BRACED_QUANTIFIER.fullmatch(text)
    upper = braced.group(3)
    return bool(upper) and int(upper) < int(braced.group(1))


def _surrogates(char: str) -> str:
    code = ord(char)
    if code < 0x10000:
        return char

    code -= 0x10000
    return chr(0xD800 + (code >> 10)) + chr(0xDC00 + (code & 0x3FF))
