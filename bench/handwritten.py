"""The group-booking gallery form, written by hand with stock WTForms fields.

This is the baseline the generated form is measured against: what an
engineer would write for ``gallery/group-booking.json`` without a
generator, with plain WTForms fields and validators. So that both render
through the very same ``templates/forms/fields.html``, each field carries
the few things that template reads (``node``, ``text``, ``attributes()``
and friends), declared by hand here instead of derived from a schema.

``bench.run`` checks before measuring that this form and the generated one
produce the same controls; a change to the gallery file shows up there.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    IntegerField,
    StringField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional, Regexp

EMAIL = r"^[^\s@]{1,64}@[^\s@.]+(\.[^\s@.]+)+$"
PHONE = r"^\+?[0-9 ]{7,20}$"


@dataclass(frozen=True)
class Question:
    """What the shared template reads about a question, written out by hand."""

    kind: str
    label: str
    help: str = ""
    widget: str = ""
    optional: bool = False
    schema: dict[str, Any] = field(default_factory=dict)
    choices: tuple = ()


class Shown:
    """The methods the shared template calls on every field."""

    node: Question
    id: str
    errors: list[str]

    def described_by(self) -> str | None:
        ids = []
        if self.node.help:
            ids.append(f"{self.id}--hint")
        if self.errors:
            ids.append(f"{self.id}--error")

        return " ".join(ids) or None

    def is_marked_optional(self) -> bool:
        return self.node.optional

    def dependency_ids(self) -> None:
        return None


class Input(Shown):
    """A one-line input whose fixed HTML attributes are given by hand."""

    def __init__(self, *args, node: Question, html: dict[str, Any], **kwargs):
        super().__init__(*args, **kwargs)
        self.node = node
        self.html = html

    @property
    def text(self) -> str:
        return self._value()

    @property
    def answer(self) -> Any:
        return self.data

    def attributes(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "aria-describedby": self.described_by(),
            "aria-invalid": "true" if self.errors else None,
            **self.html,
            "value": self._value(),
        }


class TextInput(Input, StringField):
    pass


class WholeNumberInput(Input, IntegerField):
    pass


class TickInput(Input, BooleanField):
    pass


class Group(Shown, FormField):
    """A fieldset of its own questions."""

    errors: ClassVar[list[str]] = []

    def __init__(self, form_class, *args, node: Question, **kwargs):
        super().__init__(form_class, *args, **kwargs)
        self.node = node
        self.errors = []


class Rows(Shown, FieldList):
    """A list of entries with a blank template row for form.js to copy."""

    def __init__(self, unbound_field, *args, node: Question, **kwargs):
        super().__init__(unbound_field, *args, **kwargs)
        self.node = node
        self.errors = []

    def template_row(self):
        options = {
            "name": f"{self.name}-__index__",
            "id": f"{self.id}-__index__",
            "_meta": self.meta,
            "translations": self._translations,
        }
        row = self.meta.bind_field(self._form, self.unbound_field, options)
        row.process(None)

        return row


NUMBER = {
    "maxlength": 64,
    "type": "text",
    "inputmode": "numeric",
    "spellcheck": "false",
}
# maxlength is twice each text answer's cap, as guestform writes it:
# browsers count UTF-16 units, and an emoji is two (forms.fields.input_cap);
# a number's input takes 64 (forms.values.NUMBER_CAP).


class LeadForm(Form):
    name = TextInput(
        "Full name",
        [InputRequired(), Length(min=2, max=120)],
        node=Question("text", "Full name"),
        html={
            "autocomplete": "name",
            "required": "required",
            "maxlength": 240,
            "type": "text",
        },
    )
    email = TextInput(
        "Email",
        [InputRequired(), Length(max=254), Regexp(EMAIL)],
        node=Question("text", "Email"),
        html={
            "autocomplete": "email",
            "required": "required",
            "maxlength": 508,
            "type": "email",
            "spellcheck": "false",
            "autocapitalize": "none",
        },
    )
    phone = TextInput(
        "Phone",
        [Optional(), Regexp(PHONE)],
        node=Question("text", "Phone", optional=True),
        html={
            "autocomplete": "tel",
            "maxlength": 4000,
            "type": "text",
            "pattern": r"\+?[0-9 ]{7,20}",
        },
    )


class GuestForm(Form):
    name = TextInput(
        "Name",
        [InputRequired(), Length(max=120)],
        node=Question("text", "Name"),
        html={"maxlength": 240, "type": "text"},
    )
    age = WholeNumberInput(
        "Age",
        [Optional(), NumberRange(min=0, max=120)],
        node=Question("integer", "Age", optional=True),
        html=NUMBER,
    )
    child = TickInput("Under 18", node=Question("boolean", "Under 18"), html={})


class GroupBookingForm(Form):
    """The group-booking questions, in the order the campaign's UI lists them."""

    party_size = WholeNumberInput(
        "How many people, including you?",
        [InputRequired(), NumberRange(min=2, max=40)],
        node=Question("integer", "How many people, including you?"),
        html={"required": "required", **NUMBER},
    )
    lead = Group(LeadForm, "Group lead", node=Question("group", "Group lead"))
    guests = Rows(
        Group(GuestForm, "Guest", node=Question("group", "Guest")),
        "Other guests",
        min_entries=3,
        max_entries=39,
        node=Question(
            "rows",
            "Other guests",
            help="Add each guest's name so we can print badges.",
            optional=True,
            schema={"maxItems": 39},
        ),
    )
    arrival_day = TextInput(
        "Arrival day",
        [Optional(), Regexp(r"^\d{4}-\d{2}-\d{2}$")],
        node=Question("text", "Arrival day", optional=True),
        html={"type": "date"},
    )
    arrival_time = TextInput(
        "Arrival time",
        [Optional(), Regexp(r"^\d{2}:\d{2}(:\d{2})?$")],
        node=Question("text", "Arrival time", optional=True),
        html={"type": "time"},
    )

    error_summary: ClassVar[list[dict[str, str | None]]] = []


def make_handwritten_form() -> GroupBookingForm:
    """Make a fresh hand-written form, named like the generated one (``f-``)."""
    form = GroupBookingForm(prefix="f")
    form.error_summary = []

    return form
