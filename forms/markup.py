"""HTML for a generated form's questions, put together in Python.

Rendering the questions through Jinja macros cost most of a form page
(issue 6): six macro calls per question, and the same labels, hints and
attributes worked out for every guest. Everything a campaign fixes is
escaped once, when its form is built, into the ``Pieces`` of each node;
a request only adds ids, the guest's text, errors and what is ticked.

The markup matches the macros in ``templates/forms/fields.html``, which
remain for forms not made by ``forms.generator``; tests compare the two.
Every value that reaches the page goes through ``markupsafe.escape``.
"""

from __future__ import annotations

from typing import Any

from markupsafe import Markup, escape

from forms.fields import (
    ACTION_FIELD,
    EMPTY,
    PICKER_TYPES,
    ROW_MARKER,
    fixed_attributes,
    is_marked_optional,
    is_required,
    row_limit,
    spare_count,
)
from forms.schema import Node, segment_for

# Cached rows are keyed by id, and ids inside a list of lists carry the
# outer row's index, which a post chooses; this keeps such caches small.
CACHE_LIMIT = 64
OPTIONAL_MARK = ' <span class="optional">(optional)</span>'
ERROR_PREFIX = '<span class="visually-hidden">Error:</span> '
# Pressing Enter in a text input clicks the form's first submit button.
# Left to the list buttons, that would be a "Remove", so each list starts
# with a plain submit button that only the keyboard's Enter reaches.
DEFAULT_BUTTON = (
    '  <button type="submit" class="visually-hidden" tabindex="-1" '
    'aria-hidden="true">Send</button>\n'
)


class Pieces:
    """The markup one node shows to every guest, escaped once at build time."""

    def __init__(self, node: Node):
        self.label = str(escape(node.label))
        self.help = str(escape(node.help)) if node.help else ""
        self.optional = OPTIONAL_MARK if is_marked_optional(node) else ""
        self.required = is_required(node)
        self.dependency_segments = tuple(segment_for(k) for k in node.depends_on)
        self.attributes = fixed_attributes(node)
        self.leading = _attribute_text(self.attributes, ("autocomplete", "placeholder"))
        self.trailing = _attribute_text(
            self.attributes, ("pattern", "inputmode", "spellcheck", "autocapitalize")
        )
        self.options = [
            (c.token, str(escape(c.token)), str(escape(c.label))) for c in node.choices
        ]
        if node.none_label:
            self.options.append(("", "", str(escape(node.none_label))))
        self.max_rows = node.schema.get("maxItems") if node.kind == "rows" else None
        self.row_limit = row_limit(node) if node.kind == "rows" else 0
        self.rows: dict[tuple, str] = {}

    def cache_row(self, key: tuple, html: str) -> str:
        """Keep a spare row's markup, while the cache is small."""
        if len(self.rows) < CACHE_LIMIT:
            self.rows[key] = html

        return html


def prepare_pieces(root: Node) -> None:
    """Give every node of an outline its ``Pieces``, once per campaign."""
    for node in root.walk():
        node.pieces = Pieces(node)


class Blank:
    """A question of a spare row: nothing typed, nothing wrong.

    Spare rows are the same for every guest, so they are drawn from the
    node instead of being bound as WTForms fields.
    """

    errors: tuple[str, ...] = ()
    text = ""
    declined = False
    offers_spares = True
    answer = EMPTY
    chosen: frozenset[str] = frozenset()
    entries: tuple = ()
    last_index = -1

    def __init__(self, node: Node, id: str):
        self.node = node
        self.id = id

    @property
    def form(self) -> list[Blank]:
        return [
            Blank(child, f"{self.id}-{child.segment}")
            for child in self.node.children
            if not child.hidden
        ]

    def format_hint(self) -> str:
        return ""


def render_questions(fields) -> Markup:
    """Render every question of a form as ``render_fields`` would."""
    out = ['<div class="generated-fields" data-generated-form>']
    for field in fields:
        out.append("\n")
        out.append(render_question(field, None))

    out.append("\n</div>")
    return Markup("".join(out))


def render_question(field, number: str | int | None) -> str:
    """Render one question of any kind; ``number`` labels a list entry."""
    node = field.node
    kind = node.kind
    if kind == "group":
        return _group(field, number)
    if kind == "rows":
        return _rows(field)
    if kind == "checklist" or (kind == "choice" and node.widget == "radio"):
        return _options(field, number)
    if kind == "boolean":
        return _tick(field, number)
    if kind == "choice":
        return _dropdown(field, number)

    return _single(field, number)


def _single(field, number) -> str:
    node = field.node
    pieces: Pieces = node.pieces
    id = str(escape(field.id))
    errors = field.errors
    format_hint = field.format_hint()
    out = [
        _wrapper_open("div", "field", field, pieces),
        f'>\n  <label class="label" for="{id}">',
        _label_text(pieces, number),
        "</label>\n",
        _hint(id, pieces),
    ]
    if format_hint:
        out.append(f'  <p class="hint" id="{id}--format">{escape(format_hint)}</p>\n')
    out.append(_error(id, errors))

    fixed = pieces.attributes
    tag = "textarea" if node.widget == "textarea" else "input"
    out.append(f'  <{tag} class="input" id="{id}" name="{id}"{pieces.leading}')
    out.append(_aria(id, pieces, errors, bool(format_hint)))
    if pieces.required:
        out.append(' required="required"')
    if tag == "textarea":
        out.append(f' maxlength="{fixed["maxlength"]}" rows="5">\n')
        out.append(f"{escape(field.text)}</textarea>\n</div>")
        return "".join(out)

    input_type = "text" if format_hint else fixed["type"]
    if input_type not in PICKER_TYPES and "maxlength" in fixed:
        out.append(f' maxlength="{fixed["maxlength"]}"')
    out.append(f' type="{input_type}" value="{escape(field.text)}"')
    out.append(pieces.trailing)
    out.append(">\n</div>")
    return "".join(out)


def _tick(field, number) -> str:
    pieces: Pieces = field.node.pieces
    id = str(escape(field.id))
    errors = field.errors
    out = [
        _wrapper_open("div", "field choice", field, pieces),
        ">\n",
        _error(id, errors),
        f'  <input type="checkbox" id="{id}" name="{id}" value="true"',
        " checked" if field.answer is True else "",
        " required" if pieces.required else "",
        _aria(id, pieces, errors, False),
    ]
    out.append(f'>\n  <label for="{id}">{_label_text(pieces, number)}</label>\n')
    out.append(_hint(id, pieces))
    out.append("</div>")
    return "".join(out)


def _dropdown(field, number) -> str:
    pieces: Pieces = field.node.pieces
    id = str(escape(field.id))
    errors = field.errors
    out = [
        _wrapper_open("div", "field", field, pieces),
        f'>\n  <label class="label" for="{id}">{_label_text(pieces, number)}</label>\n',
        _hint(id, pieces),
        _error(id, errors),
        f'  <select class="input" id="{id}" name="{id}"',
        " required" if pieces.required else "",
        pieces.leading,
        _aria(id, pieces, errors, False),
    ]
    out.append('>\n    <option value="">Choose an option</option>\n')
    text = field.text
    for token, value, label in pieces.options:
        selected = " selected" if token == text else ""
        out.append(f'    <option value="{value}"{selected}>{label}</option>\n')
    out.append("  </select>\n</div>")
    return "".join(out)


def _options(field, number) -> str:
    node = field.node
    pieces: Pieces = node.pieces
    id = str(escape(field.id))
    if node.kind == "checklist":
        input_type, required = "checkbox", ""
        chosen = field.chosen
    else:
        input_type = "radio"
        required = " required" if pieces.required else ""
        # The "No answer" radio posts "", so it is checked only when chosen.
        chosen = {field.text} if field.text or field.declined else set()
    invalid = ' aria-invalid="true"' if field.errors else ""
    out = _fieldset_open("field", field, id, pieces, number)
    for index, (token, value, label) in enumerate(pieces.options):
        checked = " checked" if token in chosen else ""
        option_id = f"{id}--{index}"
        out.append(
            f'  <div class="choice">\n    <input type="{input_type}" '
            f'id="{option_id}" name="{id}" value="{value}"'
            f"{checked}{required}{invalid}>\n"
            f'    <label for="{option_id}">{label}</label>\n  </div>\n'
        )
    out.append("</fieldset>")
    return "".join(out)


def _group(field, number) -> str:
    pieces: Pieces = field.node.pieces
    id = str(escape(field.id))
    out = _fieldset_open("field form-group", field, id, pieces, number)
    for sub in field.form:
        out.append(render_question(sub, None))
        out.append("\n")
    out.append("</fieldset>")
    return "".join(out)


def _rows(field) -> str:
    node = field.node
    pieces: Pieces = node.pieces
    id = str(escape(field.id))
    errors = field.errors
    described = _described_by(id, pieces, errors, False)
    out = [
        _wrapper_open("fieldset", "field form-group", field, pieces),
        f' id="{id}" data-rows',
    ]
    if pieces.max_rows is not None:
        out.append(f' data-max-rows="{pieces.max_rows}"')
    if described:
        out.append(f' aria-describedby="{described}"')
    out.append(f">\n  <legend>{_label_text(pieces, None)}</legend>\n")
    out.append(_hint(id, pieces))
    out.append(_error(id, errors))
    out.append(DEFAULT_BUTTON)
    out.append("  <div data-row-list>\n")
    item_label = node.item.pieces.label
    number = 0
    for number, entry in enumerate(field.entries, start=1):
        row_id = str(escape(entry.id))
        html = render_question(entry, number)
        out.append(_row(html, row_id, item_label, number))

    index = field.last_index
    spares = spare_count(node, field.entries) if field.offers_spares else 0
    for _ in range(spares):
        index += 1
        number += 1
        out.append(_blank_row(node, id, index, number))
    out.append("  </div>\n")
    out.append(
        f'  <button type="submit" class="button secondary row-add" '
        f'name="{ACTION_FIELD}" value="add:{id}" formnovalidate'
        f"{' disabled' if number >= pieces.row_limit else ''}>Add another"
        f'<span class="visually-hidden"> to {pieces.label}</span></button>\n'
    )
    out.append("  <template data-row-template>")
    out.append(_blank_row(node, id, "__index__", ""))
    out.append("</template>\n</fieldset>")
    return "".join(out)


def _blank_row(node: Node, rows_id: str, index: int | str, number: int | str) -> str:
    pieces: Pieces = node.pieces
    key = (rows_id, index, number)
    html = pieces.rows.get(key)
    if html is None:
        row_id = f"{rows_id}-{index}"
        blank = Blank(node.item, row_id)
        html = render_question(blank, number)
        row = _row(html, row_id, node.item.pieces.label, number)
        html = pieces.cache_row(key, row)

    return html


def _row(html: str, row_id: str, label: str, number: int | str) -> str:
    """Wrap one row with its marker and its "Remove" button."""
    return (
        f'  <div class="row" data-row><input type="hidden" '
        f'name="{row_id}-{ROW_MARKER}" value="">{html}'
        f'<button type="submit" class="button secondary row-remove" '
        f'name="{ACTION_FIELD}" value="remove:{row_id}" formnovalidate>Remove'
        f'<span class="visually-hidden"> {label} '
        f"<span data-row-number>{number}</span></span></button></div>\n"
    )


def _wrapper_open(tag: str, classes: str, field, pieces: Pieces) -> str:
    error_class = " has-error" if field.errors else ""
    text = f'<{tag} class="{classes}{error_class}"'
    if pieces.dependency_segments:
        parent = field.id[: len(field.id) - len(field.node.segment)]
        ids = " ".join(parent + s for s in pieces.dependency_segments)
        text += f' data-depends-on="{escape(ids)}"'

    return text


def _fieldset_open(classes: str, field, id: str, pieces: Pieces, number) -> list[str]:
    """Open a group's or an option list's fieldset, up to its error."""
    described = _described_by(id, pieces, field.errors, False)
    return [
        _wrapper_open("fieldset", classes, field, pieces),
        f' id="{id}"',
        f' aria-describedby="{described}"' if described else "",
        f">\n  <legend>{_label_text(pieces, number)}</legend>\n",
        _hint(id, pieces),
        _error(id, field.errors),
    ]


def _label_text(pieces: Pieces, number) -> str:
    if number is None:
        return pieces.label + pieces.optional

    return f"{pieces.label} <span data-row-number>{number}</span>{pieces.optional}"


def _hint(id: str, pieces: Pieces) -> str:
    if not pieces.help:
        return ""

    return f'  <p class="hint" id="{id}--hint">{pieces.help}</p>\n'


def _error(id: str, errors) -> str:
    if not errors:
        return ""

    return (
        f'  <p class="error-message" id="{id}--error">'
        f"{ERROR_PREFIX}{escape(errors[0])}</p>\n"
    )


def _described_by(id: str, pieces: Pieces, errors, format_hint: bool) -> str:
    ids = []
    if pieces.help:
        ids.append(f"{id}--hint")
    if format_hint:
        ids.append(f"{id}--format")
    if errors:
        ids.append(f"{id}--error")

    return " ".join(ids)


def _aria(id: str, pieces: Pieces, errors, format_hint: bool) -> str:
    described = _described_by(id, pieces, errors, format_hint)
    text = f' aria-describedby="{described}"' if described else ""
    if errors:
        text += ' aria-invalid="true"'

    return text


def _attribute_text(attributes: dict[str, Any], names: tuple[str, ...]) -> str:
    return "".join(
        f' {name}="{escape(attributes[name])}"'
        for name in names
        if attributes.get(name) is not None
    )
