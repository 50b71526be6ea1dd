"""Forms generated from a campaign's data model.

``build_form`` runs once per campaign at start-up and refuses anything a
guest could not fill in. The ``GeneratedForm`` it returns makes WTForms
forms for each request and turns a posted form into the ``data_set`` sent
upstream, or into errors placed beside the questions they concern.

Reading an answer and judging it are kept apart: fields only read text
into JSON values; the assembled data set is then judged by jsonschema on
the campaign's own model, so the form can never accept what the Customer
Profile API would refuse.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfoNotFoundError

from jsonschema import ValidationError
from werkzeug.datastructures import MultiDict
from wtforms import Field
from wtforms.fields.core import UnboundField
from wtforms.utils import unset_value

from forms import messages
from forms.campaign import Campaign, CampaignError
from forms.fields import (
    ACTION_FIELD,
    EMPTY,
    ChecklistField,
    ChoiceField,
    GroupField,
    NumberField,
    RowsField,
    SchemaForm,
    TextField,
    TickField,
    WholeNumberField,
)
from forms.formats import build_validator
from forms.hints import apply_hints
from forms.markup import prepare_pieces
from forms.schema import Node, is_sent_blank, outline_model
from forms.sizes import largest_answers
from forms.values import zone_named

FORM_PREFIX = "f"
# Longer than any id a list button can carry (ids follow the model's
# nesting, and no model nests that deep); the rest is ignored.
ACTION_CAP = 1_000
FIELD_CLASSES = {
    "text": TextField,
    "integer": WholeNumberField,
    "number": NumberField,
    "boolean": TickField,
    "choice": ChoiceField,
    "checklist": ChecklistField,
}
# When one question breaks several rules, the guest hears about the one
# to fix first: an answer must exist and be the right kind before its
# size or shape matters.
KEYWORD_PRIORITY = (
    "required", "type", "enum", "oneOf", "anyOf", "format", "minimum", "maximum",
    "multipleOf", "minLength", "maxLength", "pattern", "minItems", "maxItems",
    "uniqueItems",
)  # fmt: skip


def build_form(campaign: Campaign) -> GeneratedForm:
    """Turn a campaign into a form factory, once, at start-up.

    Raises CampaignError naming the campaign file, the JSON pointer and the
    keyword of anything that cannot be a form, and of UI hints that name
    unknown fields or widgets a field cannot have.
    """
    source = campaign.path or campaign.slug
    root = outline_model(campaign.data_model, source)
    apply_hints(root, campaign.ui, campaign.data_model, source)
    try:
        zone = zone_named(campaign.ui.get("timezone", ""))
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise CampaignError(
            f"{source}: /ui/timezone (keyword: timezone): "
            f"{campaign.ui['timezone']!r} is not an IANA time zone name such "
            "as Europe/London."
        ) from exc

    defaults = default_answers(root, campaign.data_model, source)
    return GeneratedForm(campaign, root, zone, defaults)


class GeneratedForm:
    """Everything needed to show, read and judge one campaign's form."""

    def __init__(self, campaign: Campaign, root: Node, zone, defaults: dict):
        self.campaign = campaign
        self.root = root
        self.zone = zone
        self.defaults = defaults
        self.validator = build_validator(campaign.data_model)
        prepare_pieces(root)
        self.form_class = self._form_class(root)
        self.largest_answers = largest_answers(root)

    def make_form(
        self, formdata: MultiDict | None = None, data_set: dict | None = None
    ) -> SchemaForm:
        """Make a form for one request.

        :param formdata: the posted form (``request.form``), or None to show
            a fresh form.
        :param data_set: a saved data set to prefill when the guest comes
            back; None shows the model's defaults instead.
        """
        initial = self.defaults if data_set is None else data_set
        data = prefill(self.root, initial if isinstance(initial, dict) else {})
        form = self.form_class(formdata=formdata, prefix=FORM_PREFIX, data=data)
        form.error_summary = []
        form.generated = self

        return form

    def pending_action(self, formdata: MultiDict | None) -> str | None:
        """Tell which list button a post pressed, or None for a real submit.

        Without scripts, "Add another" and "Remove" are submit buttons
        named ``_action`` (values ``add:<list id>``, ``remove:<row id>``).
        Any non-blank ``_action`` means the guest is still filling in the
        form: show it again after ``apply_action`` and send nothing, even
        when the value names no list (a page older than the campaign).
        """
        if formdata is None:
            return None

        action = formdata.get(ACTION_FIELD, "").strip()
        return action[:ACTION_CAP] or None

    def apply_action(self, form: SchemaForm, action: str) -> bool:
        """Add or remove the row a list button asked for, in a posted form.

        :param form: the form ``make_form`` made from the same post.
        :param action: what ``pending_action`` returned.
        :returns: whether a row was added or removed; False for an action
            that names no list or row of this form, or a full list.

        The form is not validated, so it shows no errors. Every list shows
        the rows the guest saw (each row posts a marker), no fresh spare
        rows, and the one list the button belongs to one row more or fewer.
        """
        lists = [item for item in walk_fields(form) if isinstance(item, RowsField)]
        for item in lists:
            item.offers_spares = False

        verb, _, target = action.partition(":")
        for item in lists:
            if verb == "add" and item.id == target:
                return item.add_row()
            if verb == "remove" and any(e.id == target for e in item.entries):
                return item.remove_row(target)

        return False

    def validate(self, form: SchemaForm) -> dict | None:
        """Assemble and judge a posted form.

        Returns the data set when every answer is acceptable. Otherwise
        returns None, puts a guest message on each field at fault
        (``field.errors``) and lists every message, in page order, in
        ``form.error_summary`` as ``{"message", "field_id"}``.
        """
        book = Ledger()
        data = book.collect_group(iter(form), self.root, ())

        for error in self.validator.iter_errors(data):
            book.place(error)
        book.settle()
        form.error_summary = summarize(form, book.loose)
        if form.error_summary:
            return None

        return data

    def _form_class(self, node: Node) -> type[SchemaForm]:
        attributes = {
            f"q{index}": self._unbound(child, with_name=True)
            for index, child in enumerate(node.children)
            if not child.hidden
        }
        return type(f"{node.kind.title()}Form", (SchemaForm,), attributes)

    def _unbound(self, node: Node, with_name: bool) -> UnboundField:
        name = {"name": node.segment} if with_name else {}
        if node.kind == "group":
            return GroupField(self._form_class(node), node.label, node=node, **name)
        if node.kind == "rows":
            return RowsField(
                self._unbound(node.item, False), node.label, node=node, **name
            )

        # WTForms' default default is None, which a nullable choice would
        # show as its "No preference" option already chosen.
        return FIELD_CLASSES[node.kind](
            node.label, node=node, zone=self.zone, default=unset_value, **name
        )


@dataclass
class Ledger:
    """What one validation found: where each answer went, and what is wrong."""

    fields: dict[tuple, Field] = field(default_factory=dict)
    found: dict[int, list[tuple[str, Field]]] = field(default_factory=dict)
    loose: list[str] = field(default_factory=list)

    def collect_group(self, fields: Iterator[Field], node: Node, path: tuple) -> dict:
        """Build the object a group of fields answers; blanks are left out."""
        result = {}
        for item in fields:
            child = item.node
            child_path = (*path, child.key)
            self.fields[child_path] = item
            value = self.collect(item, child_path)
            if value is EMPTY:
                value = blank_answer(child)
            if value is not EMPTY:
                result[child.key] = value
        for child in node.children:
            if child.hidden:
                result[child.key] = copy.deepcopy(child.fixed)

        return result

    def collect(self, item: Field, path: tuple) -> Any:
        if item.problem:
            self.note(item, "problem", item.problem)
            return EMPTY
        if isinstance(item, GroupField):
            if not item.has_content() and not item.node.required:
                return EMPTY
            if not item.has_content() and item.node.nullable:
                return None
            return self.collect_group(iter(item.form), item.node, path)
        if isinstance(item, RowsField):
            rows = []
            for entry in item.entries:
                if not entry.has_content():
                    continue
                entry_path = (*path, len(rows))
                self.fields[entry_path] = entry
                rows.append(self.collect(entry, entry_path))
            return rows if rows else EMPTY

        return item.answer

    def note(self, item: Field, keyword: str, message: str) -> None:
        self.found.setdefault(id(item), []).append((keyword, item, message))

    def place(self, error: ValidationError) -> None:
        """Put one jsonschema error beside the question it concerns."""
        path = tuple(error.absolute_path)
        if error.validator == "required":
            for name in error.validator_value:
                if isinstance(error.instance, dict) and name not in error.instance:
                    self.place_at((*path, name), "required")
            return
        if error.validator == "dependencies":
            for trigger, needs in error.validator_value.items():
                if trigger not in error.instance or not isinstance(needs, list):
                    continue
                for name in needs:
                    if name not in error.instance:
                        self.place_at((*path, name), "required")
            return

        self.place_at(path, error.validator)

    def place_at(self, path: tuple, keyword: str) -> None:
        while path and path not in self.fields:
            path = path[:-1]
        if not path:
            self.loose.append(
                messages.UNKNOWN
                if keyword != "required"
                else (messages.ANSWER_REQUIRED)
            )
            return

        item = self.fields[path]
        self.note(item, keyword, messages.message_for(item.node, keyword))

    def settle(self) -> None:
        """Keep one message per question: the first rule to fix."""
        for notes in self.found.values():
            notes.sort(key=lambda n: _priority(n[0]))
            _, item, message = notes[0]
            item.errors = [message]


def _priority(keyword: str) -> int:
    if keyword == "problem":
        return -1
    if keyword in KEYWORD_PRIORITY:
        return KEYWORD_PRIORITY.index(keyword)

    return len(KEYWORD_PRIORITY)


def blank_answer(node: Node) -> Any:
    """Give what an unanswered question sends, if anything.

    A required question that may be null sends null when left blank
    (except choices, where null is an option of its own); a required list
    sends an empty list, so the model's minItems decides; anything else
    unanswered is left out.
    """
    if not is_sent_blank(node):
        return EMPTY

    return None if node.nullable and node.kind != "choice" else []


def walk_fields(fields) -> Iterator[Field]:
    """Yield every field in page order, groups before what they hold."""
    for item in fields:
        yield item
        if isinstance(item, GroupField):
            yield from walk_fields(item.form)
        elif isinstance(item, RowsField):
            yield from walk_fields(item.entries)


def summarize(form: SchemaForm, loose: list[str]) -> list[dict[str, str | None]]:
    """List every error in page order for the summary at the top.

    Each entry names its question as the page shows it ("Guests 3, Name"):
    the messages beside the fields ("Enter an answer to this question.")
    read alike, and a screen reader going down the summary hears no field.
    """
    summary = [
        {"message": m, "field_id": None, "question": None} for m in dict.fromkeys(loose)
    ]
    for item, question in named_fields(form, ""):
        for message in item.errors:
            summary.append(
                {"message": message, "field_id": item.focus_id(), "question": question}
            )

    return summary


def named_fields(fields, within: str) -> Iterator[tuple[Field, str]]:
    """Yield every field in page order with the name the page shows for it.

    A list's entries are numbered as on the page; a question inside a
    group or an entry is named after it too.
    """
    for item in fields:
        name = _within(within, _label(item))
        yield item, name
        if isinstance(item, GroupField):
            yield from named_fields(item.form, name)
        elif isinstance(item, RowsField):
            yield from named_entries(item, within)


def named_entries(rows: RowsField, within: str) -> Iterator[tuple[Field, str]]:
    """Name a list's entries as the page numbers them: "Guest 3".

    Entries with no title of their own take the list's name.
    """
    for number, entry in enumerate(rows.entries, start=1):
        label = _label(entry) or _label(rows)
        name = _within(within, f"{label} {number}")
        yield entry, name
        if isinstance(entry, GroupField):
            yield from named_fields(entry.form, name)
        elif isinstance(entry, RowsField):
            yield from named_entries(entry, name)


def _label(field: Field) -> str:
    node = getattr(field, "node", None)
    return node.label if node is not None else ""


def _within(outer: str, name: str) -> str:
    return f"{outer}, {name}" if outer and name else outer or name


def prefill(node: Node, value: Any) -> Any:
    """Turn saved JSON into the data WTForms expects for each field."""
    if node.kind == "group":
        if not isinstance(value, dict):
            return {}
        return {
            f"q{index}": prefill(child, value[child.key])
            for index, child in enumerate(node.children)
            if child.key in value and not child.hidden
        }
    if node.kind == "rows":
        if not isinstance(value, list):
            return []
        return [prefill(node.item, v) for v in value]

    return value


def default_answers(root: Node, model: dict, source: str) -> dict:
    """Gather the model's defaults as the data set a fresh form starts from.

    Defaults inside optional groups or list entries are refused: they would
    make every guest's group look started, and then demand its required
    answers.
    """

    def gather(node: Node, optional_above: bool) -> Any:
        if "default" in node.schema and node is not root:
            if optional_above:
                raise CampaignError(
                    f"{source}: {node.pointer}/default (keyword: default): a "
                    "default inside an optional group or a list would start it "
                    "for every guest; drop the default or make the group required."
                )
            default = node.schema["default"]
            schema = {**node.schema, "definitions": model.get("definitions", {})}
            if not build_validator(schema).is_valid(default):
                raise CampaignError(
                    f"{source}: {node.pointer}/default (keyword: default): "
                    f"{default!r} is not a valid answer to its own question."
                )
            return default
        if node.kind == "group":
            found = {}
            for child in node.children:
                optional = optional_above or (node is not root and not node.required)
                value = gather(child, optional)
                if value is not EMPTY:
                    found[child.key] = value
            return found if found else EMPTY
        if node.item is not None:
            gather(node.item, True)

        return EMPTY

    found = gather(root, False)
    return found if found is not EMPTY else {}
