"""WTForms fields for each kind of question in an outline.

The fields only read and show answers. Whether the answers together are
valid is decided afterwards by jsonschema on the assembled data set (see
``forms.generator``), so none of these fields carries WTForms validators.
Each field knows its ``node`` and reports ``answer`` (a JSON value or
``EMPTY``) and ``problem`` (the guest message when its text cannot be read).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import tzinfo
from typing import Any

from markupsafe import Markup
from wtforms import Field, FieldList, Form, FormField
from wtforms.utils import unset_value

from forms import messages
from forms.formats import is_date
from forms.schema import ROWS_CAP, Choice, Node, is_left_out_unticked, rows_at_most
from forms.values import (
    LONG_TEXT_CAP,
    NUMBER_CAP,
    TEXT_CAP,
    AnswerError,
    read_local_date_time,
    read_number,
    read_text,
    read_whole_number,
    show_local_date_time,
    show_number,
)


class Empty:
    """The answer of a question left blank; never sent upstream."""

    def __repr__(self) -> str:
        return "EMPTY"


EMPTY = Empty()
FALSE_WORDS = frozenset({"", "false", "0", "off", "no", "n"})
INPUT_TYPES = {
    "date": "date",
    "date-time": "datetime-local",
    "time": "time",
    "email": "email",
    "uri": "url",
}
# Inputs with a picker: the browser empties a value it cannot read (such
# as 2021-02-30), and Chrome posts an impossible typed date as "".
PICKER_TYPES = frozenset({"date", "time", "datetime-local"})
HOUR_MINUTE = re.compile(r"^\d{2}:\d{2}$", re.ASCII)
# HTML's "valid time string": the only shapes a time input keeps.
PICKER_TIME = re.compile(r"^(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,3})?)?$", re.ASCII)
SPARE_ROWS = 3
# Posted by every row, named "<row id>-_row": "_" followed by letters that
# are not hex digits, so no property's segment can take the name.
ROW_MARKER = "_row"
ACTION_FIELD = "_action"


class SchemaForm(Form):
    """Base of every generated form class; the app has its own page token."""

    class Meta:
        csrf = False

    error_summary: list[dict[str, str | None]]

    def questions_html(self) -> Markup:
        """Render every question, as ``render_fields`` in fields.html shows them."""
        from forms.markup import render_questions  # It builds on this module.

        return render_questions(self)


class Shown:
    """What the field macros ask of every kind of field."""

    node: Node
    id: str
    errors: list[str]

    def described_by(self) -> str | None:
        """List the ids of the hint and error that explain the question."""
        ids = []
        if self.node.help:
            ids.append(f"{self.id}--hint")
        if self.format_hint():
            ids.append(f"{self.id}--format")
        if self.errors:
            ids.append(f"{self.id}--error")

        return " ".join(ids) or None

    def is_marked_optional(self) -> bool:
        return is_marked_optional(self.node)

    def format_hint(self) -> str:
        """Give the shape of a date or time typed as text, or ""."""
        return ""

    def focus_id(self) -> str:
        """Give the id an error summary link should move focus to.

        A fieldset cannot take focus without a script, so a link to a group
        of radios or checkboxes goes to its first option instead.
        """
        node = self.node
        if node.kind == "checklist" or (
            node.kind == "choice" and node.widget == "radio"
        ):
            return f"{self.id}--0"

        return self.id

    def dependency_ids(self) -> str | None:
        """Give the ids of the sibling questions that make this one required."""
        segments = self.node.pieces.dependency_segments
        if not segments:
            return None

        parent = self.id[: len(self.id) - len(self.node.segment)]
        return " ".join(parent + segment for segment in segments)


class AnswerField(Shown, Field):
    """A question with one input; subclasses read and show its text."""

    def __init__(self, label=None, node: Node | None = None, zone=None, **kwargs):
        super().__init__(label, **kwargs)
        self.node = node
        self.zone: tzinfo | None = zone
        self.answer: Any = EMPTY
        self.problem = ""
        self.text = ""
        self.errors = []

    def process_data(self, value: Any) -> None:
        self.answer, self.text = EMPTY, ""
        if value is None and not self.node.nullable or value is unset_value:
            return
        try:
            self.text = self.show(value)
        except (TypeError, ValueError):
            return  # A saved value the form cannot show is simply not prefilled.
        self.answer = value

    def process_formdata(self, valuelist: list[str]) -> None:
        raw = valuelist[0] if valuelist else ""
        self.text = raw
        self.problem = ""
        try:
            self.answer = self.read(raw)
        except ValueError as exc:
            self.answer = EMPTY
            known = isinstance(exc, AnswerError) and str(exc)
            self.problem = known or messages.type_message(self.node)

    def read(self, raw: str) -> Any:
        raise NotImplementedError

    def show(self, value: Any) -> str:
        raise NotImplementedError

    def attributes(self) -> dict[str, Any]:
        """Gather the HTML attributes of this question's input."""
        fixed = self.node.pieces.attributes
        attributes: dict[str, Any] = {
            "id": self.id,
            "name": self.name,
            "autocomplete": fixed["autocomplete"],
            "placeholder": fixed["placeholder"],
            "aria-describedby": self.described_by(),
            "aria-invalid": "true" if self.errors else None,
            "required": fixed["required"],
        }
        if "type" in fixed:
            attributes["maxlength"] = fixed.get("maxlength")
            attributes["type"] = fixed["type"]
            if fixed["type"] in PICKER_TYPES:
                attributes["type"] = self.input_type()
            if attributes["type"] in PICKER_TYPES:
                attributes["maxlength"] = None  # A picker ignores it.
            attributes["value"] = self.text
        elif "maxlength" in fixed:
            attributes["maxlength"] = fixed["maxlength"]
        for name in ("pattern", "inputmode", "spellcheck", "autocapitalize"):
            if name in fixed:
                attributes[name] = fixed[name]

        return attributes

    def input_type(self) -> str:
        """Give the input's type; a picker whose value it would drop is text."""
        input_type = INPUT_TYPES.get(self.node.format, "text")
        if input_type in PICKER_TYPES and self.should_type_as_text():
            return "text"

        return input_type

    def should_type_as_text(self) -> bool:
        """Tell whether a date or time must be shown in a plain text input.

        A picker shows an answer it cannot read as blank, so the guest
        would see their answer vanish; after an error the picker could
        also be what made the answer unreadable.
        """
        if self.node.kind != "text":
            return False  # Options are chosen, never typed, whatever their format.
        if INPUT_TYPES.get(self.node.format) not in PICKER_TYPES:
            return False

        return bool(self.errors) or not fits_picker(self.node.format, self.text)

    def format_hint(self) -> str:
        if not self.should_type_as_text():
            return ""

        return messages.FORMAT_HINTS[self.node.format]

    def has_content(self) -> bool:
        """Tell whether the guest put anything here, readable or not."""
        return self.answer is not EMPTY or bool(self.problem)

    @property
    def data(self) -> Any:
        return self.answer

    @data.setter
    def data(self, value: Any) -> None:
        pass  # WTForms assigns data while processing; answer is the source.


class TextField(AnswerField):
    """Free text, one line or many, with an optional format."""

    def read(self, raw: str) -> Any:
        multiline = self.node.widget == "textarea"
        cap = self.cap()
        if len(raw) > cap * 2:
            raise AnswerError(messages.too_long(cap))

        text = read_text(raw, multiline, constrained=has_fixed_shape(self.node))
        if not text:
            return EMPTY
        if len(text) > cap and "maxLength" not in self.node.schema:
            raise AnswerError(messages.too_long(cap))
        if self.node.format == "date-time":
            try:
                return read_local_date_time(text, self.zone)
            except AnswerError as exc:
                hint = str(exc) or messages.FORMAT_EXAMPLES["date-time"]
                raise AnswerError(hint) from exc
        if self.node.format == "time" and HOUR_MINUTE.match(text):
            # A time input sends HH:MM; RFC 3339 partial-time has seconds.
            return f"{text}:00"

        return text

    def show(self, value: Any) -> str:
        if not isinstance(value, str):
            raise TypeError("not text")
        if self.node.format == "date-time":
            return show_local_date_time(value, self.zone)

        return value

    def cap(self) -> int:
        """Give the most characters accepted, even when the model sets no limit."""
        return cap_for(self.node)


class WholeNumberField(AnswerField):
    """A whole number typed as digits; sent as a JSON integer."""

    def read(self, raw: str) -> Any:
        text = read_text(raw, constrained=True)
        if not text:
            return EMPTY

        return read_whole_number(text)

    def show(self, value: Any) -> str:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise TypeError("not a number")

        return show_number(value)


class NumberField(AnswerField):
    """A decimal number typed with a point."""

    def read(self, raw: str) -> Any:
        text = read_text(raw, constrained=True)
        if not text:
            return EMPTY

        try:
            return read_number(text)
        except AnswerError as exc:
            if str(exc) == "comma":
                raise AnswerError(messages.UNCLEAR_COMMA) from exc
            raise

    show = WholeNumberField.show


class TickField(AnswerField):
    """A single checkbox: ticked is true, unticked is false.

    An optional box whose rules refuse false leaves its answer out when
    unticked instead (``forms.schema.is_left_out_unticked``).
    """

    def process_data(self, value: Any) -> None:
        self.answer = value is True
        self.text = "true" if self.answer else ""

    def read(self, raw: str) -> Any:
        if raw.strip().lower() not in FALSE_WORDS:
            return True

        return EMPTY if is_left_out_unticked(self.node) else False

    def has_content(self) -> bool:
        return self.answer is True


class ChoiceField(AnswerField):
    """One option from a list, as radios or a select.

    An optional group of radios ends with a "No answer" radio posting "";
    ``declined`` notes that the guest chose it, so that a page shown again
    keeps it checked. A saved data set never checks it: an absent answer
    may as well have been skipped.
    """

    declined = False

    def process_data(self, value: Any) -> None:
        super().process_data(value)
        self.declined = False

    def process_formdata(self, valuelist: list[str]) -> None:
        super().process_formdata(valuelist)
        self.declined = bool(self.node.none_label) and valuelist[:1] == [""]

    def read(self, raw: str) -> Any:
        if raw == "":
            return EMPTY

        for choice in self.node.choices:
            if choice.token == raw:
                return choice.value

        raise AnswerError(messages.NOT_A_CHOICE)

    def show(self, value: Any) -> str:
        return self.token_for(value)

    def token_for(self, value: Any) -> str:
        for choice in self.node.choices:
            if _same(choice.value, value):
                return choice.token

        raise ValueError("not an option")

    def options(self) -> list[tuple[Choice, bool]]:
        """Pair each option with whether it is selected now."""
        found = [(c, c.token == self.text) for c in self.node.choices]
        if self.node.none_label:
            found.append((Choice("", EMPTY, self.node.none_label), self.declined))

        return found


class ChecklistField(AnswerField):
    """Any number of options, as checkboxes; sent as a list in page order."""

    def process_data(self, value: Any) -> None:
        self.answer, self.text = EMPTY, ""
        self.chosen: set[str] = set()
        if isinstance(value, list):
            picked = [
                c for c in self.node.choices if any(_same(c.value, v) for v in value)
            ]
            self.chosen = {c.token for c in picked}
            self.answer = [c.value for c in picked] if picked else EMPTY

    def process_formdata(self, valuelist: list[str]) -> None:
        self.problem = ""
        self.chosen = set(valuelist)
        known = {c.token for c in self.node.choices}
        if self.chosen - known:
            self.problem = messages.NOT_A_CHOICE
        picked = [c.value for c in self.node.choices if c.token in self.chosen]
        self.answer = picked if picked else EMPTY

    def options(self) -> list[tuple[Choice, bool]]:
        return [(c, c.token in self.chosen) for c in self.node.choices]


class GroupField(Shown, FormField):
    """A nested object, shown as a fieldset of its own questions."""

    # FormField reads errors from its subform and cannot be given any;
    # a group has errors of its own (a dependency, a count).
    errors: Sequence[str] = ()

    def __init__(self, form_class, label=None, node: Node | None = None, **kwargs):
        super().__init__(form_class, label, **kwargs)
        self.node = node
        self.errors = []
        self.problem = ""

    def has_content(self) -> bool:
        return any(f.has_content() for f in self.form)


class RowsField(Shown, FieldList):
    """A list a guest can add entries to; blank rows are ignored.

    Without JavaScript the guest gets ``SPARE_ROWS`` blank rows to fill,
    and "Add another" and "Remove" buttons that post the form back (see
    ``forms.generator.GeneratedForm.apply_action``); form.js trims the
    blank rows to one and adds rows from the ``template_row`` instead.
    Every row posts a marker (``ROW_MARKER``), so a post says which rows
    the guest saw even when a row's blank radios send nothing.
    """

    def __init__(self, unbound_field, label=None, node: Node | None = None, **kwargs):
        super().__init__(unbound_field, label, max_entries=ROWS_CAP, **kwargs)
        self.node = node
        self.errors = []
        self.problem = ""
        # False once a button changed the rows: the page then shows just
        # the rows the guest asked for, with no fresh spares.
        self.offers_spares = True

    def row_limit(self) -> int:
        """Give the most rows the list may show: maxItems, within our cap."""
        return row_limit(self.node)

    def add_row(self) -> bool:
        """Add one blank row, unless the list is full; tell whether it did."""
        self.offers_spares = False
        if len(self.entries) >= self.row_limit():
            return False

        self.append_entry()
        return True

    def remove_row(self, row_id: str) -> bool:
        """Remove the row with this id; tell whether there was one."""
        self.offers_spares = False
        for entry in self.entries:
            if entry.id == row_id:
                self.entries.remove(entry)
                return True

        return False

    def process(self, formdata, data=unset_value, extra_filters=None) -> None:
        # Spare blank rows are not bound here: forms.markup draws them
        # from the node, the same for every guest.
        super().process(formdata, data if isinstance(data, list) else unset_value)

    def has_content(self) -> bool:
        return any(entry.has_content() for entry in self.entries)

    def spare_entries(self) -> list[Field]:
        """Bind the blank rows offered after the entries, for the macros."""
        count = spare_count(self.node, self.entries) if self.offers_spares else 0
        first = self.last_index + 1
        return [self._blank_entry(str(first + n)) for n in range(count)]

    def template_row(self) -> Field:
        """Bind one blank row named with ``__index__`` for form.js to copy."""
        return self._blank_entry("__index__")

    def _blank_entry(self, index: str) -> Field:
        options = {
            "name": f"{self.name}-{index}",
            "id": f"{self.id}-{index}",
            "_meta": self.meta,
            "translations": self._translations,
        }
        field = self.meta.bind_field(self._form, self.unbound_field, options)
        field.process(None)
        return field


def spare_count(node: Node, entries: Sequence) -> int:
    """Count the blank rows to offer after a list's entries.

    Without scripts a guest can only fill rows the page already has, so up
    to ``SPARE_ROWS`` blank ones follow the last answered row, never past
    ``maxItems``.
    """
    limit = row_limit(node)
    blank = 0
    for entry in reversed(entries):
        if entry.has_content():
            break
        blank += 1

    return max(0, min(SPARE_ROWS - blank, limit - len(entries)))


def row_limit(node: Node) -> int:
    """Give the most rows a list may show: its maxItems, within ROWS_CAP."""
    return rows_at_most(node.schema)


def fixed_attributes(node: Node) -> dict[str, Any]:
    """Work out the input attributes a node's schema and hints fix.

    Numbers are text inputs with ``inputmode``: a browser's number input
    empties itself on text it cannot read (such as "4,5"), which would post
    nothing and lose the answer without a word.
    """
    attributes: dict[str, Any] = {
        "autocomplete": node.autocomplete or None,
        "placeholder": node.placeholder or None,
        "required": "required" if is_required(node) else None,
    }
    if node.kind == "text":
        attributes["maxlength"] = input_cap(node)
        if node.widget != "textarea":
            attributes["type"] = INPUT_TYPES.get(node.format, "text")
            attributes["pattern"] = html_pattern(node.schema.get("pattern"))
        if node.format in ("email", "uri"):
            attributes["spellcheck"] = "false"
            attributes["autocapitalize"] = "none"
    elif node.kind in ("integer", "number"):
        attributes["maxlength"] = NUMBER_CAP
        attributes["type"] = "text"
        attributes["inputmode"] = "numeric" if node.kind == "integer" else "decimal"
        attributes["spellcheck"] = "false"

    return attributes


def cap_for(node: Node) -> int:
    """Give the most characters a text answer may have, model limit or ours."""
    default = LONG_TEXT_CAP if node.widget == "textarea" else TEXT_CAP
    return node.schema.get("maxLength", default)


def input_cap(node: Node) -> int:
    """Give the ``maxlength`` of a text control: twice the answer's cap.

    A browser counts UTF-16 units, and an emoji is two of them, so a
    maxlength of the cap itself silently cut 600 pasted emoji to 500 when
    1,000 were allowed. Twice the cap lets every sound answer through; a
    longer one reaches the server and gets its message beside the field.
    """
    return 2 * cap_for(node)


def has_fixed_shape(node: Node) -> bool:
    """Tell whether a text answer must fit a format or a pattern.

    Such an answer is matched character by character, so an invisible
    character pasted into it is dropped rather than judged (see
    ``forms.values.read_text``).
    """
    return bool(node.format) or "pattern" in node.schema


def is_required(node: Node) -> bool:
    """Tell whether a question must be answered whenever the form is sent.

    A question inside an optional group is only required once the group is
    started, so it is not marked; neither is a plain checkbox, whose
    unticked state is an answer (false), nor a checklist, where the
    attribute would demand every box.
    """
    if node.kind == "boolean":
        return node.always_required and is_must_tick(node)

    return node.always_required and node.kind in ("text", "integer", "number", "choice")


def is_must_tick(node: Node) -> bool:
    """Tell whether a checkbox only accepts being ticked (enum [true])."""
    return node.kind == "boolean" and [c.value for c in node.choices] == [True]


def is_marked_optional(node: Node) -> bool:
    """Tell whether to show "(optional)" beside a question's label."""
    if node.kind == "boolean" or node.depends_on:
        return False

    return not node.required


SAFE_PATTERN = re.compile(
    r"(?:[A-Za-z0-9 _@.,:']"
    r"|\\[dDwWsS.+()\[\]{}?*|/^$]"
    r"|\[\^?(?:[A-Za-z0-9 _']|\\[dDwWs.\-]|[A-Za-z0-9]-[A-Za-z0-9])+\]"
    r"|\((?:\?:)?|\)|\||[?*+]|\{[0-9]+(?:,[0-9]*)?\})*"
)


def html_pattern(pattern: str | None) -> str | None:
    """Give a model's pattern as an HTML pattern attribute, when that is safe.

    HTML anchors the pattern itself and compiles it with the ``v`` flag,
    which refuses some characters that Draft 4 (ECMA 262 without flags)
    allows, such as an unescaped "-" in a class or "\\-" outside one. We
    only pass on patterns anchored at both ends and made of letters,
    digits, spaces, simple escapes, classes of those, groups, alternation
    and quantifiers; the server checks every pattern regardless.
    """
    if not pattern or not (pattern.startswith("^") and pattern.endswith("$")):
        return None

    body = pattern[1:-1]
    if body.endswith("\\") or not SAFE_PATTERN.fullmatch(body):
        return None
    if _has_top_level_alternation(body):
        return None  # "^a|b$" means "starts with a, or ends with b".

    return body


def fits_picker(fmt: str, text: str) -> bool:
    """Tell whether a date or time input would keep ``text`` as its value.

    Blank fits: the picker shows it as it is. HTML accepts a real calendar
    day YYYY-MM-DD, a time HH:MM with optional seconds and milliseconds,
    and the two joined by "T" or a space.
    """
    if not text:
        return True
    if fmt == "date":
        return is_date(text)
    if fmt == "time":
        return _fits_time(text)

    day, _, clock = text.replace("T", " ", 1).partition(" ")
    return is_date(day) and _fits_time(clock)


def _fits_time(text: str) -> bool:
    match = PICKER_TIME.match(text)
    if not match:
        return False

    hour, minute, second = match.groups()
    return int(hour) < 24 and int(minute) < 60 and int(second or 0) < 60


def _has_top_level_alternation(body: str) -> bool:
    depth, escaped, in_class = 0, False, False
    for char in body:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "|" and depth == 0:
            return True

    return False


def _same(left: Any, right: Any) -> bool:
    """Compare JSON values as JSON does: true is not 1, "1" is not 1."""
    if isinstance(left, bool) or isinstance(right, bool) or None in (left, right):
        return left is right
    if isinstance(left, str) or isinstance(right, str):
        return left == right

    return left == right
