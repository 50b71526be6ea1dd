"""UI hints: how a campaign wants its questions worded and shown.

Hints name questions by property, with dots for nested ones
(``address.zip``; for a list of groups, ``guests.name`` names the field in
every entry). A hint that names no question, or asks for a widget the
question cannot have, stops start-up: a typo there would otherwise show
guests the raw property name without anyone noticing. So does a name that
fits two questions, such as a property "p.q" beside "q" inside "p".
"""

from __future__ import annotations

import json
from typing import Any

from forms.campaign import CampaignError, json_pointer
from forms.formats import build_validator
from forms.schema import (
    NONE_LABEL,
    Node,
    choice_text,
    mark_always_required,
    settle_follow_ups,
)

UI_KEYS = frozenset({"title", "intro", "order", "fields", "hidden", "timezone"})
# Hints read by the page rather than the form (guest/ and templates/guest/);
# a new page hint goes here, or start-up will refuse it as a typo.
PAGE_KEYS = frozenset({"theme", "venue", "frame_ancestors"})
FIELD_KEYS = frozenset(
    {"label", "help", "placeholder", "widget", "enum_labels", "autocomplete",
     "pattern_message", "none_label"}
)  # fmt: skip
WIDGETS = {
    "radio": ("choice",),
    "select": ("choice",),
    "checkboxes": ("checklist",),
    "textarea": ("text",),
}
RADIO_LIMIT = 5


def apply_hints(
    root: Node, ui: dict[str, Any], model: dict[str, Any], source: str
) -> None:
    """Check a campaign's ``ui`` hints against its outline and apply them.

    Raises CampaignError naming the file, the pointer into ``ui`` and the
    hint at fault.
    """

    def fail(pointer: str, keyword: str, reason: str) -> CampaignError:
        return CampaignError(f"{source}: {pointer} (keyword: {keyword}): {reason}.")

    for key in ui:
        if key not in UI_KEYS | PAGE_KEYS:
            raise fail(
                f"/ui/{key}",
                key,
                "not a known UI hint; use one of "
                + ", ".join(sorted(UI_KEYS | PAGE_KEYS)),
            )
    for key in ("title", "intro", "timezone"):
        if not isinstance(ui.get(key, ""), str):
            raise fail(f"/ui/{key}", key, "must be a string")

    root.label = ui.get("title", "")
    root.help = ui.get("intro", "")
    paths = properties_by_hint_path(root)
    none_hints: dict[int, str] = {}

    fields = ui.get("fields", {})
    if not isinstance(fields, dict):
        raise fail("/ui/fields", "fields", "must be an object keyed by field name")
    for path, hints in fields.items():
        here = "/ui/fields" + json_pointer([path])
        refuse_ambiguous_path(paths, path, here, "fields", fail)
        if path not in paths:
            raise fail(here, "fields", f"the data model has no field {as_json(path)}")
        _, node = paths[path][0]
        if not isinstance(hints, dict):
            raise fail(here, "fields", "must be an object of hints")
        for key, value in hints.items():
            if key not in FIELD_KEYS:
                raise fail(
                    f"{here}/{key}",
                    key,
                    "not a known field hint; use one "
                    "of " + ", ".join(sorted(FIELD_KEYS)),
                )
            if key != "enum_labels" and not isinstance(value, str):
                raise fail(f"{here}/{key}", key, "must be a string")
        widget = hints.get("widget", "")
        if widget and node.kind not in WIDGETS.get(widget, ()):
            raise fail(
                f"{here}/widget",
                "widget",
                f"{as_json(widget)} cannot show a {node.kind} question",
            )
        if widget == "textarea" and node.format:
            raise fail(
                f"{here}/widget",
                "widget",
                "a formatted answer needs its own input, not a textarea",
            )
        labels = hints.get("enum_labels", {})
        if not isinstance(labels, dict) or not all(
            isinstance(v, str) for v in labels.values()
        ):
            raise fail(f"{here}/enum_labels", "enum_labels", "must map options to text")
        known = {choice_text(c.value): c for c in node.choices}
        for option, label in labels.items():
            if option not in known:
                raise fail(
                    f"{here}/enum_labels",
                    "enum_labels",
                    f"{as_json(option)} is not one of the options",
                )
            known[option].label = label

        node.label = hints.get("label", node.label)
        node.help = hints.get("help", node.help)
        node.placeholder = hints.get("placeholder", "")
        node.autocomplete = hints.get("autocomplete", "")
        node.pattern_message = hints.get("pattern_message", "")
        node.widget = widget
        if "none_label" in hints:
            node.none_label = hints["none_label"]
            none_hints[id(node)] = f"{here}/none_label"

    apply_order(root, ui.get("order", []), fail)
    apply_hidden(root, ui.get("hidden", {}), model, fail)
    # Hidden answers are always sent, so they settle which follow-ups are
    # required, and required questions offer no "No answer".
    settle_follow_ups(root)
    mark_always_required(root, True)
    apply_widgets(root, none_hints, fail)
    check_patterns_explained(root, fail)


def apply_widgets(root: Node, none_hints: dict[int, str], fail) -> None:
    """Give each question its default widget and its "No answer" radio."""
    for node in root.walk():
        if node.kind == "choice" and not node.widget:
            node.widget = "radio" if len(node.choices) <= RADIO_LIMIT else "select"
        if offers_no_answer(node):
            node.none_label = node.none_label or NONE_LABEL
        elif id(node) in none_hints:
            raise fail(
                none_hints[id(node)],
                "none_label",
                "only a question shown as radios that may be left out has a "
                '"No answer" option to label',
            )
        if node.kind == "checklist":
            node.widget = "checkboxes"
        if node.kind == "rows" and node.item is not None and node.item.kind != "group":
            node.item.label = node.item.label or node.label
            node.item.widget = node.item.widget or node.widget
            node.item.pattern_message = node.pattern_message
        if node.kind == "rows" and node.item is not None and not node.item.label:
            node.item.label = node.label


def properties_by_hint_path(root: Node) -> dict[str, list[tuple[str, Node]]]:
    """Map each hint path to the questions it names, each with a pointer.

    Dots join property names, so a property named "p.q" and a property "q"
    inside "p" share the path "p.q". The pointer leads to the property
    through ``properties`` and ``items`` from ``/data_model``, so it tells
    the two apart even when both are written as the same ``$ref``.
    """
    found: dict[str, list[tuple[str, Node]]] = {}

    def visit(node: Node, pointer: str) -> None:
        for child in node.children:
            here = f"{pointer}/properties{json_pointer([child.key])}"
            found.setdefault(child.hint_path, []).append((here, child))
            visit(child, here)
        if node.item is not None:
            visit(node.item, f"{pointer}/items")

    visit(root, "/data_model")
    return found


def refuse_ambiguous_path(
    paths: dict[str, list[tuple[str, Node]]], path: str, here: str, keyword: str, fail
) -> None:
    """Refuse a hint whose name fits more than one property.

    Picking one would silently word, show or fill the other's question
    differently from what the campaign's author meant.
    """
    named = paths.get(path, [])
    if len(named) < 2:
        return

    pointers = " or the one at ".join(pointer for pointer, _ in named)
    raise fail(
        here,
        keyword,
        f"{as_json(path)} could mean the property at {pointers}; "
        "rename one of them so that each has a hint path of its own",
    )


def as_json(value: Any) -> str:
    """Write a value from a campaign file as the file spells it."""
    return json.dumps(value, ensure_ascii=False)


def offers_no_answer(node: Node) -> bool:
    """Tell whether a question ends with a "No answer" radio.

    Once a radio is chosen a browser offers no way to unchoose it, so an
    optional group of radios needs an option that leaves the answer out.
    So does a required one inside an optional group or a list's row: a
    guest who chose it by mistake could otherwise not leave the group out
    without scripts. A select has its own blank first option; a question
    required whenever the form is sent would refuse the blank anyway.
    """
    return (
        node.kind == "choice"
        and node.widget == "radio"
        and node.key is not None  # not the options of a checklist
        and not node.always_required
    )


def apply_order(root: Node, order: Any, fail) -> None:
    """Put the top-level questions in the order the hints list them."""
    if not isinstance(order, list) or not all(isinstance(n, str) for n in order):
        raise fail("/ui/order", "order", "must be a list of field names")
    if len(set(order)) != len(order):
        raise fail("/ui/order", "order", "names a field twice")
    for position, name in enumerate(order):
        if root.child(name) is None:
            raise fail(
                f"/ui/order/{position}",
                "order",
                f"the data model has no top-level field {as_json(name)}",
            )

    listed = [root.child(name) for name in order]
    rest = [n for n in root.children if n.key not in order]
    root.children = [*listed, *rest]


def apply_hidden(root: Node, hidden: Any, model: dict[str, Any], fail) -> None:
    """Check the fixed answers the form adds without asking.

    A hidden answer is named like a ``fields`` hint: ``source``, or
    ``visit.source`` inside a group. It is sent whenever its group is:
    always at the top level, and with an optional group's other answers
    once the guest starts it. A list's rows cannot hold one, since the
    guest decides how many rows there are. A group whose questions are all
    hidden is hidden itself and always sent.
    """
    if not isinstance(hidden, dict):
        raise fail("/ui/hidden", "hidden", "must be an object of fixed values")

    paths = properties_by_hint_path(root)
    index = dict(group_members(root))
    for path, value in hidden.items():
        here = "/ui/hidden" + json_pointer([path])
        refuse_ambiguous_path(paths, path, here, "hidden", fail)
        node = index.get(path)
        if node is None:
            raise fail(here, "hidden", hidden_path_problem(root, path))
        schema = {**node.schema, "definitions": model.get("definitions", {})}
        if not build_validator(schema).is_valid(value):
            raise fail(
                here,
                "hidden",
                f"{as_json(value)} is not a valid value for {as_json(path)}",
            )
        node.hidden, node.fixed = True, value

    hide_groups_with_nothing_to_ask(root)


def group_members(node: Node):
    """Yield each question reached through groups only, by its hint path."""
    for child in node.children:
        yield child.hint_path, child
        if child.kind == "group":
            yield from group_members(child)


def hidden_path_problem(root: Node, path: str) -> str:
    """Say why a hidden answer's name finds no question it can fill."""
    if any(n.hint_path == path for n in root.walk() if n.key is not None):
        return f"{as_json(path)} is inside a list; a hidden answer cannot be"

    return f"the data model has no field {as_json(path)}"


def hide_groups_with_nothing_to_ask(node: Node) -> None:
    """Hide a group whose questions are all hidden, with their answers."""
    for child in node.children:
        if child.kind != "group" or child.hidden:
            continue
        hide_groups_with_nothing_to_ask(child)
        if child.children and all(c.hidden for c in child.children):
            child.hidden = True
            child.fixed = {c.key: c.fixed for c in child.children}


def check_patterns_explained(root: Node, fail) -> None:
    """Refuse a ``pattern`` the guest is never told about.

    Without a hint or a message of its own, a guest whose answer does not
    match only reads "Enter the answer in the format asked for.", and the
    page never asks for a format.
    """

    def check(node: Node, list_help: str) -> None:
        if "pattern" in node.schema and not (
            node.help or node.pattern_message or list_help
        ):
            raise fail(
                f"{node.pointer}/pattern",
                "pattern",
                "say which answers fit the pattern: give the question a "
                '"help" hint (or a description) or a "pattern_message" in '
                "ui.fields",
            )
        for child in node.children:
            check(child, "")
        if node.item is not None:
            # A list of plain answers shows its hint once, above the rows.
            check(node.item, node.help if node.item.kind != "group" else "")

    check(root, "")
