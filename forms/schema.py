"""The outline of a data model: which questions it asks, and how.

A Draft 4 data model can say far more than a form can ask. ``outline_model``
walks the model once, resolves local ``$ref`` and ``allOf``, refuses what a
guest could never fill in, and returns a tree of ``Node`` objects that the
generator turns into fields. Validation itself is left to jsonschema on the
original model, so the outline only needs to be right about what to show.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any
from urllib.parse import unquote

from forms.campaign import CampaignError, json_pointer
from forms.formats import SUPPORTED_FORMATS, build_validator

ANNOTATIONS = frozenset(
    {"title", "description", "default", "$schema", "$comment", "examples"}
)
SUPPORTED_KEYWORDS = frozenset(
    {
        "type", "enum", "format", "title", "description", "default",
        "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum",
        "multipleOf", "minLength", "maxLength", "pattern",
        "properties", "required", "additionalProperties",
        "items", "minItems", "maxItems", "uniqueItems",
        "$ref", "definitions", "allOf", "oneOf", "anyOf", "dependencies",
    }
)  # fmt: skip
REFUSALS = {
    "patternProperties": "a form cannot ask for answers under names it does "
    "not know in advance",
    "additionalItems": "a form cannot ask for a list whose entries differ by position",
    "not": "a form cannot show what an answer must not be",
    "minProperties": "a form cannot count how many questions were answered; "
    "use required instead",
    "maxProperties": "a form cannot count how many questions were answered",
    "const": "Draft 4 has no const, so it would accept anything; use "
    '"enum": [value] instead',
}
TYPES = ("string", "integer", "number", "boolean", "object", "array")
# The one draft answers are checked against; "$schema" naming any other
# would have its later keywords misread as Draft 4.
DRAFT4_URIS = (
    "http://json-schema.org/draft-04/schema#",
    "http://json-schema.org/draft-04/schema",
)
# The types each keyword applies to: Draft 4 ignores it on any other type.
APPLIES_TO = {
    **dict.fromkeys(("minLength", "maxLength", "pattern", "format"), {"string"}),
    **dict.fromkeys(
        ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"),
        {"integer", "number"},
    ),
    **dict.fromkeys(
        ("items", "additionalItems", "minItems", "maxItems", "uniqueItems"),
        {"array"},
    ),
    **dict.fromkeys(
        (
            "properties", "required", "additionalProperties", "patternProperties",
            "minProperties", "maxProperties", "dependencies",
        ),
        {"object"},
    ),
}  # fmt: skip
# Number bounds, each with its Draft 4 exclusive flag and the way the
# tighter of two is chosen.
NUMBER_BOUNDS = (
    ("minimum", "exclusiveMinimum", max),
    ("maximum", "exclusiveMaximum", min),
)
BOUND_KEYWORDS = frozenset(k for bound, flag, _ in NUMBER_BOUNDS for k in (bound, flag))
# Lower and upper bounds on a length or a count.
COUNT_BOUNDS = (
    ("minLength", "maxLength"),
    ("minItems", "maxItems"),
    ("minProperties", "maxProperties"),
)
# What lists a question's options rather than judging its answer.
CHOICE_KEYWORDS = frozenset(
    {"enum", "oneOf", "anyOf", "title", "description", "default", "examples"}
)
NULL_LABEL = "No preference"
NONE_LABEL = "No answer"


@dataclass
class Choice:
    """One option of a choice: what is posted, what is sent, what is shown."""

    token: str
    value: Any
    label: str


@dataclass
class Node:
    """One question (or group or list of questions) in the outline."""

    key: str | None
    segment: str
    hint_path: str
    pointer: str
    schema: dict[str, Any]
    kind: str
    base_type: str
    nullable: bool = False
    required: bool = False
    always_required: bool = False
    hidden: bool = False
    # The answer a hidden question always gives (forms.hints, "hidden").
    fixed: Any = None
    label: str = ""
    help: str = ""
    placeholder: str = ""
    widget: str = ""
    autocomplete: str = ""
    pattern_message: str = ""
    # The last radio of an optional choice, which leaves the answer out;
    # "" when the question offers none (forms.hints decides).
    none_label: str = ""
    choices: list[Choice] = field(default_factory=list)
    children: list[Node] = field(default_factory=list)
    item: Node | None = None
    depends_on: tuple[str, ...] = ()
    # A checkbox whose own rules refuse false, such as "enum": [true].
    refuses_false: bool = False
    # The markup this node shows every guest (forms.markup.Pieces), made
    # once by the generator so that requests only fill in answers.
    pieces: Any = field(default=None, repr=False, compare=False)

    @property
    def format(self) -> str:
        return self.schema.get("format", "")

    def child(self, key: str) -> Node | None:
        """Find the direct child question answering ``key``."""
        for node in self.children:
            if node.key == key:
                return node

        return None

    def walk(self):
        """Yield this node and every node below it."""
        yield self
        for node in self.children:
            yield from node.walk()
        if self.item is not None:
            yield from self.item.walk()


def segment_for(key: str) -> str:
    """Make a property name safe for HTML names and ids, without collisions.

    Plain names (a letter, then letters, digits and underscores) are kept;
    anything else becomes ``_`` and its UTF-8 in hex, which cannot clash
    with a plain name or with a list index.
    """
    if re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", key):
        return key

    return "_" + key.encode("utf-8").hex()


def humanize(key: str) -> str:
    """Turn ``favourite_dram`` into ``Favourite dram`` for a default label."""
    words = re.sub(r"[_\s]+", " ", key).strip()
    return words[:1].upper() + words[1:] if words else key


def choice_text(value: Any) -> str:
    """Write one enum value as guests post it and as hints address it."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value

    return repr(value) if isinstance(value, float) else str(value)


# How deep groups and lists may nest, how many schemas one model may
# expand into through $ref and allOf, and how many $refs one path through
# the model may follow. All are far beyond a form a guest could fill in;
# they keep a file that nests or expands without end from holding
# start-up for minutes or ending in Python's recursion limit.
MAX_DEPTH = 20
MAX_EXPANSION = 20_000
MAX_REFS = 32
# How many schemas jsonschema may visit to check any post (about 10 to 15
# us a visit: some 60 ms), and one with every list full, which only a
# crafted post would send. The largest model shipped visits under eighty.
MAX_CHECKED = 5_000
MAX_CHECKED_FULL = 50_000
# The most rows a list of groups takes (forms.fields keeps the same cap).
ROWS_CAP = 100


class Reached(dict):
    """A subschema taken from one allOf part, with the $refs that reached it.

    allOf merges its parts into one schema, but a question from one part
    was reached only through that part's $refs. Each part's questions and
    list items carry their own trail here, so that a definition used by one
    part and again below another is not taken for a cycle. It is a dict in
    every other way: the generator and jsonschema read it as the schema.
    """

    seen: frozenset[str] = frozenset()


def reached(schema: Any, seen: frozenset[str]) -> Any:
    if not isinstance(schema, dict):
        return schema

    marked = Reached(schema)
    marked.seen = seen
    return marked


def traced_parts(schema: dict[str, Any], seen: frozenset[str]) -> dict[str, Any]:
    """Mark each question and the list item of a resolved part with its trail."""
    marked = dict(schema)
    if isinstance(schema.get("properties"), dict):
        marked["properties"] = {
            name: reached(sub, seen) for name, sub in schema["properties"].items()
        }
    if "items" in schema:
        marked["items"] = reached(schema["items"], seen)

    return marked


class Outliner:
    """Walk one data model; carries the model root and the file for errors."""

    def __init__(self, model: dict[str, Any], source: str):
        self.model = model
        self.source = source
        # A definition resolves the same way for the same trail, so a
        # definition that several parts use is resolved once.
        self.followed: dict[tuple[str, frozenset[str]], tuple] = {}
        self.expanded = 0
        self.depth = 0

    def fail(self, pointer: str, keyword: str, reason: str) -> CampaignError:
        return CampaignError(
            f"{self.source}: {pointer} (keyword: {keyword}) cannot be a form: {reason}."
        )

    def outline(self) -> Node:
        if "id" in self.model and not isinstance(self.model["id"], str):
            raise self.fail("/data_model/id", "id", "id must be a string")

        root = self.node(None, "", self.model, "/data_model", frozenset())
        if root.kind != "group":
            raise self.fail("/data_model", "type", 'the top level must be "object"')

        root.required = True
        mark_always_required(root, True)
        self.check_everywhere(self.model, "/data_model")
        self.check_validation_size()
        return root

    def check_validation_size(self) -> None:
        """Refuse a model whose validation would visit too many schemas.

        jsonschema follows every $ref and allOf part on each post, afresh:
        a chain whose every level names the next definition twice is a few
        lines long, yet doubles the work at each level. The outline reads
        each definition once, so it would not notice. Two counts: the
        schemas any post visits (each list's entry schema once), and those
        a post with every list full visits (each entry on its own).
        """
        sizes: dict[str, tuple[int, int]] = {}

        def size(schema: Any, pointer: str) -> tuple[int, int]:
            if not isinstance(schema, dict):
                return 0, 0

            once, full = 1, 1
            ref = schema.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/definitions/"):
                target = json_pointer(["data_model", *ref_segments(ref)])
                if target not in sizes:
                    sizes[target] = (0, 0)  # a cycle, refused by the outline
                    sizes[target] = size(self.schema_at(ref), target)
                once, full = once + sizes[target][0], full + sizes[target][1]
            for sub_pointer, sub in _subschemas(schema, pointer):
                if sub_pointer.startswith(f"{pointer}/definitions/"):
                    continue
                sub_once, sub_full = size(sub, sub_pointer)
                is_items = sub_pointer == f"{pointer}/items"
                rows = rows_at_most(schema) if is_items else 1
                once, full = once + sub_once, full + rows * sub_full
            self.check_checked(pointer, once, full)

            return once, full

        size(self.model, "/data_model")

    def check_checked(self, pointer: str, once: int, full: int) -> None:
        if once > MAX_CHECKED:
            raise self.fail(
                pointer,
                "allOf",
                f"checking any post would visit more than {MAX_CHECKED:,} "
                "schemas through its $refs and allOf parts; a definition is "
                "likely used twice at every level of a chain. Merge the "
                "repeated parts",
            )
        if full > MAX_CHECKED_FULL:
            raise self.fail(
                pointer,
                "maxItems",
                f"checking a post with every list full would visit more than "
                f"{MAX_CHECKED_FULL:,} schemas, each entry checked on its own; "
                "lower maxItems, or make what each entry holds simpler",
            )

    def schema_at(self, ref: str) -> Any:
        target: Any = self.model
        for part in ref_segments(ref):
            target = target.get(part) if isinstance(target, dict) else None

        return target

    def check_everywhere(self, schema: Any, pointer: str) -> None:
        """Check the keywords of every schema in the model, asked or not.

        The outline only visits what the form asks, so a definition that no
        $ref uses would otherwise keep a typo or a later draft's keyword
        unseen until someone starts using it.
        """
        if not isinstance(schema, dict):
            raise self.fail(pointer, "type", "each schema must be a JSON object")

        self.check_keywords(schema, pointer)
        for sub_pointer, sub in _subschemas(schema, pointer):
            self.check_everywhere(sub, sub_pointer)

    # Resolving $ref and allOf into one plain schema per node.

    def resolve(
        self, schema: Any, pointer: str, seen: frozenset[str]
    ) -> tuple[dict[str, Any], str, frozenset[str]]:
        """Give one plain schema, where it lives, and the $refs followed."""
        if not isinstance(schema, dict):
            raise self.fail(pointer, "type", "each schema must be a JSON object")

        self.count_expansion(pointer)
        if isinstance(schema, Reached):
            seen = schema.seen
        if "$ref" in schema:
            schema, pointer, seen = self.follow(schema, pointer, seen)

        self.check_keywords(schema, pointer)
        if "allOf" in schema:
            merged = {k: v for k, v in schema.items() if k != "allOf"}
            parts = [(pointer, merged)]
            # Each part is followed from here: a $ref a sibling part also
            # followed is no cycle. What a part brings to the merged schema
            # keeps that part's own trail of $refs (Reached).
            for index, part in enumerate(schema["allOf"]):
                part_pointer = f"{pointer}/allOf/{index}"
                resolved, where, part_seen = self.resolve(part, part_pointer, seen)
                parts.append((where, resolved))
                traced = traced_parts(resolved, part_seen)
                merged = self.merge(merged, traced, part_pointer)
            self.check_closed_parts(parts, merged)
            schema = merged
            self.check_merged_intent(schema, pointer)

        return schema, pointer, seen

    @contextmanager
    def nested(self, pointer: str, keyword: str) -> Iterator[None]:
        """Go one level deeper into groups and lists, or say it is too deep."""
        if self.depth >= MAX_DEPTH:
            raise self.fail(
                pointer,
                keyword,
                f"groups and lists nest more than {MAX_DEPTH} deep here; no "
                "guest could find their way through such a form",
            )

        self.depth += 1
        try:
            yield
        finally:
            self.depth -= 1

    def count_expansion(self, pointer: str) -> None:
        """Stop a model whose $refs and allOf expand into too many schemas."""
        self.expanded += 1
        if self.expanded > MAX_EXPANSION:
            raise self.fail(
                pointer,
                "allOf",
                f"the model's $refs and allOf parts expand into more than "
                f"{MAX_EXPANSION:,} schemas; a definition is likely used twice "
                "at every level of a chain. Merge the repeated parts",
            )

    def check_closed_parts(
        self, parts: list[tuple[str, dict[str, Any]]], merged: dict[str, Any]
    ) -> None:
        """Refuse a question that one allOf part's additionalProperties refuses.

        Draft 4 judges additionalProperties against the properties listed
        beside it, not those the other parts add, so a question another
        part adds could never be sent: the answer would always be refused.
        """
        for where, part in parts:
            if part.get("additionalProperties") is not False:
                continue
            own = part.get("properties", {})
            for name in merged.get("properties", {}):
                if name not in own:
                    raise self.fail(
                        f"{where}/additionalProperties",
                        "additionalProperties",
                        f"it refuses {name!r}, which another part of allOf "
                        "asks for, since Draft 4 only counts the properties "
                        "listed beside it; no answer could be sent. List "
                        f"{name!r} there too, or drop additionalProperties",
                    )

    def follow(
        self, schema: dict[str, Any], pointer: str, seen: frozenset[str]
    ) -> tuple[dict[str, Any], str, frozenset[str]]:
        ref = schema["$ref"]
        here = f"{pointer}/$ref"
        if not isinstance(ref, str) or not ref.startswith("#/definitions/"):
            raise self.fail(
                here,
                "$ref",
                f"only references into #/definitions/ are supported, not {ref!r}",
            )
        segments = ref_segments(ref)
        target_pointer = json_pointer(["data_model", *segments])
        if target_pointer in seen:
            raise self.fail(here, "$ref", f"{ref} refers back to itself")
        if len(seen) >= MAX_REFS:
            raise self.fail(
                here,
                "$ref",
                f"{ref} is reached through more than {MAX_REFS} $refs, one "
                "inside the next; point a $ref straight at what a chain of "
                "them ends in",
            )

        extra = set(schema) - {"$ref"} - ANNOTATIONS
        if extra:
            raise self.fail(
                pointer,
                min(extra),
                "Draft 4 ignores keywords next to "
                "$ref; move them into an allOf with the $ref",
            )

        target: Any = self.model
        for part in segments:
            if not isinstance(target, dict) or part not in target:
                raise self.fail(
                    here,
                    "$ref",
                    f"{ref} does not exist: it names {target_pointer}, read as "
                    "a URI fragment (percent-decoded) and then a JSON pointer, "
                    "as validators read it",
                )
            target = target[part]

        key = (target_pointer, seen)
        if key not in self.followed:
            self.followed[key] = self.resolve(
                target, target_pointer, seen | {target_pointer}
            )
        resolved, pointer, seen = self.followed[key]
        notes = {k: v for k, v in schema.items() if k in ANNOTATIONS}
        return {**resolved, **notes}, pointer, seen

    def check_keywords(self, schema: dict[str, Any], pointer: str) -> None:
        for keyword in schema:
            if keyword in SUPPORTED_KEYWORDS or keyword in ANNOTATIONS:
                continue
            if keyword.startswith("x-") or (
                keyword == "id" and pointer == "/data_model"
            ):
                continue
            reason = REFUSALS.get(keyword, "guestform does not support this keyword")
            raise self.fail(f"{pointer}/{keyword}", keyword, reason)

        extra = schema.get("additionalProperties", False)
        if isinstance(extra, dict) and extra:
            raise self.fail(
                f"{pointer}/additionalProperties",
                "additionalProperties",
                "a form cannot ask for answers under names it does not know "
                "in advance; use true, false or list the properties",
            )
        if isinstance(schema.get("items"), list):
            raise self.fail(
                f"{pointer}/items",
                "items",
                "a form cannot ask for a list "
                "whose entries differ by position; give items one schema",
            )
        step = schema.get("multipleOf")
        if isinstance(step, float) and not _is_exact_step(step):
            raise self.fail(
                f"{pointer}/multipleOf",
                "multipleOf",
                f"{step} has no exact "
                "binary value, so validators would refuse right answers; use "
                "a whole number (for example pence instead of pounds)",
            )
        fmt = schema.get("format")
        if fmt is not None and fmt not in SUPPORTED_FORMATS:
            raise self.fail(
                f"{pointer}/format",
                "format",
                f"{fmt!r} is not one of {', '.join(SUPPORTED_FORMATS)}",
            )
        # Patterns were judged as ECMA 262 when the file was read
        # (forms.campaign, the "regex" format of Draft 4's own schema).
        self.check_draft(schema, pointer)
        self.check_intent(schema, pointer)

    def check_draft(self, schema: dict[str, Any], pointer: str) -> None:
        """Refuse a $schema of another draft: its rules would be misread."""
        if "$schema" in schema and schema["$schema"] not in DRAFT4_URIS:
            raise self.fail(
                f"{pointer}/$schema",
                "$schema",
                f"{schema['$schema']!r} is not Draft 4, and answers are "
                f"checked as Draft 4 only; use {DRAFT4_URIS[0]!r} or leave "
                "$schema out",
            )

    def check_intent(self, schema: dict[str, Any], pointer: str) -> None:
        """Refuse keywords Draft 4 would ignore, and rules no answer can meet.

        Either way the author's intent is lost without a word: the form
        would accept what the keyword meant to refuse, or refuse everything.
        """
        problem = next(_lost_intent(schema), None)
        if problem is not None:
            keyword, reason = problem
            raise self.fail(f"{pointer}/{keyword}", keyword, reason)

    def check_merged_intent(self, schema: dict[str, Any], pointer: str) -> None:
        """Check intent again once allOf is merged: parts can clash."""
        problem = next(_lost_intent(schema), None)
        if problem is not None:
            keyword, reason = problem
            raise self.fail(pointer, keyword, f"once allOf is merged, {reason}")

    def merge(
        self, base: dict[str, Any], extra: dict[str, Any], pointer: str
    ) -> dict[str, Any]:
        merged = dict(base)
        for bound, flag, tighter in NUMBER_BOUNDS:
            merge_bound(merged, extra, bound, flag, tighter)
        for key, value in extra.items():
            if key in BOUND_KEYWORDS:
                continue  # Merged in pairs above.
            if key not in merged or key in ANNOTATIONS:
                merged.setdefault(key, value)
            elif key == "properties":
                props = dict(merged[key])
                for name, sub in value.items():
                    props[name] = both_of(props[name], sub) if name in props else sub
                merged[key] = props
            elif key == "items":
                merged[key] = both_of(merged[key], value)
            elif key == "required":
                merged[key] = list(dict.fromkeys([*merged[key], *value]))
            elif key == "type":
                mine = _as_list(merged[key])
                both = [
                    t
                    for t in mine
                    if t in _as_list(value)
                    or (t == "number" and "integer" in _as_list(value))
                ]
                if "integer" in _as_list(value) and "number" in mine:
                    both = [t if t != "number" else "integer" for t in both]
                if not both:
                    raise self.fail(
                        pointer, "type", "allOf asks for types no answer can have"
                    )
                merged[key] = both
            elif key == "enum":
                common = [v for v in merged[key] if _contains(value, v)]
                if not common:
                    raise self.fail(pointer, "enum", "allOf leaves no option")
                merged[key] = common
            elif key in ("minLength", "minItems"):
                merged[key] = max(merged[key], value)
            elif key in ("maxLength", "maxItems"):
                merged[key] = min(merged[key], value)
            elif key == "uniqueItems":
                merged[key] = bool(merged[key]) or bool(value)
            elif key == "additionalProperties":
                merged[key] = merged[key] if merged[key] is False else value
            elif key == "dependencies":
                merged[key] = merge_dependencies(merged[key], value)
            elif key == "definitions":
                continue
            elif merged[key] != value:
                raise self.fail(
                    pointer,
                    key,
                    f"allOf gives two different values for {key}; keep one",
                )

        return merged

    # Building nodes.

    def node(
        self,
        key: str | None,
        hint_path: str,
        raw: Any,
        pointer: str,
        seen: frozenset[str],
    ) -> Node:
        schema, pointer, seen = self.resolve(raw, pointer, seen)
        choices = self.choices(schema, pointer)
        base_type, nullable = self.base_type(schema, pointer)
        node = Node(
            key=key,
            segment=segment_for(key) if key is not None else "",
            hint_path=hint_path,
            pointer=pointer,
            schema=schema,
            kind="",
            base_type=base_type,
            nullable=nullable,
            label=schema.get("title") or (humanize(key) if key else ""),
            help=schema.get("description", ""),
        )
        if choices is not None and base_type in ("object", "array"):
            raise self.fail(
                pointer, "enum", "options must be plain values, not lists or objects"
            )
        if choices is not None:
            self.choose_kind(node, self.typed_choices(schema, choices, pointer))
        elif base_type == "object":
            self.fill_group(node, schema, pointer, seen)
        elif base_type == "array":
            self.fill_list(node, schema, pointer, seen)
        elif base_type == "boolean":
            node.kind = "choice" if nullable else "boolean"
            if nullable:
                node.choices = self.label_choices([True, False, None])
        else:
            node.kind = {"string": "text"}.get(base_type, base_type)

        if node.kind == "boolean":
            node.refuses_false = not build_validator(schema).is_valid(False)
        if "format" in schema and not has_text_answers(node):
            raise self.fail(
                f"{pointer}/format", "format", "formats apply to text answers only"
            )
        return node

    def base_type(self, schema: dict[str, Any], pointer: str) -> tuple[str, bool]:
        declared = schema.get("type")
        if declared is None:
            values = self.choice_values(schema)
            if values is not None:
                declared = sorted({_json_type(v) for v in values})
            elif "properties" in schema:
                declared = "object"
            elif "items" in schema:
                declared = "array"
            else:
                raise self.fail(pointer, "type", "say which type of answer this is")

        types = _as_list(declared)
        nullable = "null" in types
        rest = [t for t in types if t != "null"]
        if set(rest) == {"integer", "number"}:
            rest = ["number"]
        if len(rest) > 1 and self.choice_values(schema) is not None:
            return "mixed", nullable
        if len(rest) != 1 or rest[0] not in TYPES:
            raise self.fail(
                f"{pointer}/type",
                "type",
                f'{declared!r} must be one type, optionally with "null"',
            )

        return rest[0], nullable

    def choice_values(self, schema: dict[str, Any]) -> list[Any] | None:
        if "enum" in schema:
            return list(schema["enum"])

        for keyword in ("oneOf", "anyOf"):
            if keyword in schema:
                return [self.titled_value(s) for s in schema[keyword]]

        return None

    def titled_value(self, option: Any) -> Any:
        enum = option.get("enum") if isinstance(option, dict) else None
        if isinstance(enum, list) and len(enum) == 1:
            return enum[0]

        return _NOT_TITLED

    def choices(self, schema: dict[str, Any], pointer: str) -> list[Choice] | None:
        for keyword in ("oneOf", "anyOf"):
            if keyword not in schema:
                continue
            if "enum" in schema:
                raise self.fail(
                    pointer,
                    keyword,
                    f"give either enum or titled {keyword} options, not both",
                )
            labels = {}
            for index, option in enumerate(schema[keyword]):
                here = f"{pointer}/{keyword}/{index}"
                value = self.titled_value(option)
                allowed = {"enum", "title", "description", "type"}
                if value is _NOT_TITLED or set(option) - allowed:
                    raise self.fail(
                        here,
                        keyword,
                        "only a list of options, "
                        'each {"enum": [value], "title": ...}, can '
                        "be a choice",
                    )
                labels[choice_text(value)] = option.get("title", "")
            values = self.choice_values(schema)
            return self.label_choices(values, labels)

        if "enum" in schema:
            return self.label_choices(schema["enum"])

        return None

    def label_choices(
        self, values: list[Any], labels: dict[str, str] | None = None
    ) -> list[Choice]:
        texts = [choice_text(v) for v in values]
        plain = len(set(texts)) == len(texts) and "" not in texts
        choices = []
        for value, text in zip(values, texts):
            token = text if plain else _json_token(value)
            label = (labels or {}).get(text) or _default_label(value)
            choices.append(Choice(token=token, value=value, label=label))

        return choices

    def typed_choices(
        self, schema: dict[str, Any], choices: list[Choice], pointer: str
    ) -> list[Choice]:
        """Refuse an option the question's own rules would refuse.

        A guest could pick it and would only ever be told it is wrong: an
        option of another type, one longer than maxLength, one outside
        minimum and maximum or not matching the pattern.
        """
        types = _declared_types(schema)
        if types is not None and not any(_json_type(c.value) in types for c in choices):
            raise self.fail(pointer, "enum", "no option has the declared type")

        rules = {k: v for k, v in schema.items() if k not in CHOICE_KEYWORDS}
        if "definitions" in self.model:
            # An object option's properties may use a definition.
            rules["definitions"] = self.model["definitions"]
        judge = build_validator(rules)
        for choice in choices:
            broken = next(iter(judge.iter_errors(choice.value)), None)
            if broken is not None:
                raise self.fail(
                    f"{pointer}/enum" if "enum" in schema else pointer,
                    "enum",
                    f"the option {_json_token(choice.value)} breaks the "
                    f"question's own {broken.validator}, so a guest who "
                    "chose it could never send it",
                )

        return choices

    def choose_kind(self, node: Node, choices: list[Choice]) -> None:
        """Make a checkbox of [true] or [true, false]; else a list of options.

        Titled options are always a choice: their titles are the words the
        campaign wants guests to read for yes and for no.
        """
        values = [c.value for c in choices]
        titled = "oneOf" in node.schema or "anyOf" in node.schema
        if node.base_type == "boolean" and True in values and None not in values:
            node.kind = "choice" if titled else "boolean"
        else:
            node.kind = "choice"
        node.choices = choices

    def fill_group(
        self, node: Node, schema: dict[str, Any], pointer: str, seen: frozenset[str]
    ) -> None:
        node.kind = "group"
        properties = schema.get("properties", {})
        required = set(schema.get("required", []))
        for name in required - set(properties):
            raise self.fail(
                f"{pointer}/required",
                "required",
                f"{name!r} is required but is not one of the properties",
            )

        dependents = self.dependents(schema, pointer, properties)
        with self.nested(pointer, "properties"):
            for name, sub in properties.items():
                path = f"{node.hint_path}.{name}" if node.hint_path else name
                here = f"{pointer}/properties/{json_pointer([name])[1:]}"
                child = self.node(name, path, sub, here, seen)
                child.required = name in required
                child.depends_on = tuple(dependents.get(name, ()))
                node.children.append(child)

        for trigger in schema.get("dependencies", {}):
            box = node.child(trigger)
            if box.kind == "boolean" and not is_left_out_unticked(box):
                here = f"{pointer}/dependencies/{json_pointer([trigger])[1:]}"
                raise self.fail(
                    here,
                    "dependencies",
                    f"{trigger!r} is a checkbox, "
                    "and an unticked box is sent as false, so it would "
                    "always count as answered; use a choice instead",
                )

    def dependents(
        self, schema: dict[str, Any], pointer: str, properties: dict[str, Any]
    ) -> dict[str, list[str]]:
        """Map each property to the properties whose answer makes it required."""
        found: dict[str, list[str]] = {}
        for trigger, needs in schema.get("dependencies", {}).items():
            here = f"{pointer}/dependencies/{json_pointer([trigger])[1:]}"
            if isinstance(needs, dict):
                if set(needs) - {"required"}:
                    raise self.fail(
                        here,
                        "dependencies",
                        "a dependency may only name required properties",
                    )
                needs = needs.get("required", [])
            for name in [trigger, *needs]:
                if name not in properties:
                    raise self.fail(
                        here, "dependencies", f"{name!r} is not one of the properties"
                    )
            for name in needs:
                found.setdefault(name, []).append(trigger)

        return found

    def fill_list(
        self, node: Node, schema: dict[str, Any], pointer: str, seen: frozenset[str]
    ) -> None:
        if "items" not in schema:
            raise self.fail(pointer, "items", "say what each entry of the list is")

        with self.nested(pointer, "items"):
            item = self.node(
                None, node.hint_path, schema["items"], f"{pointer}/items", seen
            )
        if item.kind == "choice":
            node.kind = "checklist"
            node.choices = item.choices
        elif item.kind == "boolean":
            raise self.fail(
                f"{pointer}/items",
                "items",
                "a list of yes/no answers cannot be asked; use an enum of options",
            )
        else:
            node.kind = "rows"
            item.required = True
            item.label = item.schema.get("title", "")
        node.item = item


_NOT_TITLED = object()


def merge_bound(
    merged: dict[str, Any], extra: dict[str, Any], bound: str, flag: str, tighter
) -> None:
    """Keep the tighter of two number bounds, with the flag that came with it.

    Draft 4's exclusiveMinimum and exclusiveMaximum belong to the bound
    beside them: merging "minimum 0, exclusive" with "minimum 5" allows 5.
    At equal bounds the exclusive one is the tighter.
    """
    if bound not in extra:
        return

    theirs = (extra[bound], extra.get(flag) is True)
    if bound in merged:
        mine = (merged[bound], merged.get(flag) is True)
        value = tighter(mine[0], theirs[0])
        exclusive = any(v == value and open_ for v, open_ in (mine, theirs))
    else:
        value, exclusive = theirs

    merged[bound] = value
    merged.pop(flag, None)
    if exclusive:
        merged[flag] = True


def mark_always_required(node: Node, always: bool) -> None:
    """Note which questions must be answered whenever the form is sent."""
    node.always_required = always
    for child in node.children:
        mark_always_required(child, always and child.required)
    if node.item is not None:
        mark_always_required(node.item, False)


def has_text_answers(node: Node) -> bool:
    """Tell whether a question's answers can be text, which a format judges.

    A choice of text options may have a format too: each option is checked
    against it when the model is read (``Outliner.typed_choices``).
    """
    if node.kind == "choice":
        return any(isinstance(choice.value, str) for choice in node.choices)

    return node.kind == "text"


def ref_segments(ref: str) -> list[str]:
    """Split a local $ref into the keys it names, as jsonschema reads it.

    What follows "#" is a URI fragment, so it is percent-decoded first
    (RFC 3986), and only then split and unescaped as a JSON pointer (RFC
    6901: "~1" is "/", "~0" is "~"). So "#/definitions/Guest%20Details"
    names "Guest Details", and no $ref can name a definition called
    "party%20size" without writing its "%" as "%25".
    """
    pointer = unquote(ref.partition("#")[2])
    return [
        part.replace("~1", "/").replace("~0", "~") for part in pointer.split("/")[1:]
    ]


def is_sent_blank(node: Node) -> bool:
    """Tell whether a question left blank is still sent, as null or [].

    A required answer that may be null is sent as null (a choice offers
    null as an option of its own instead), and a required list or
    checklist as [], so that the model's minItems decides.
    """
    if not node.required:
        return False

    return node.kind in ("checklist", "rows") or (
        node.nullable and node.kind != "choice"
    )


def is_left_out_unticked(node: Node) -> bool:
    """Tell whether an unticked box is left out rather than sent as false.

    An optional box whose own rules refuse false (``"enum": [true]``,
    directly or through allOf) would otherwise block every guest who
    leaves it unticked with "Tick this box", though the model lets them
    leave it out.
    """
    return node.kind == "boolean" and node.refuses_false and not node.required


def is_always_sent(node: Node) -> bool:
    """Tell whether a question's key is in every data set its group is in.

    A hidden answer is added without asking, an unticked box is sent as
    false (unless ``is_left_out_unticked``), and a required group or a
    required blank that ``is_sent_blank`` is sent whatever the guest does.
    """
    if node.hidden:
        return True
    if node.kind == "boolean":
        return not is_left_out_unticked(node)

    return (node.required and node.kind == "group") or is_sent_blank(node)


def settle_follow_ups(node: Node) -> None:
    """Ask a follow-up outright when its trigger's key is always sent.

    Draft 4 requires a follow-up whenever its trigger's key is present,
    answered or not. form.js hides a follow-up until its trigger looks
    answered on the page, so one whose trigger is always sent (a hidden
    answer, a required list, a blank sent as null), or one the group
    requires anyway, would be demanded while hidden and disabled, and the
    guest could never send. Such a follow-up is required, and shown, like
    any required question; being required may in turn make it a trigger
    that is always sent, so this repeats until nothing changes. Follow-ups
    that trigger each other are shown from the start: each would wait for
    another that waits for it.
    """
    for child in node.children:
        settle_follow_ups(child)
    if node.item is not None:
        settle_follow_ups(node.item)

    changed = True
    while changed:
        changed = False
        for child in node.children:
            triggers = [node.child(key) for key in child.depends_on]
            if child.depends_on and (
                child.required or any(is_always_sent(t) for t in triggers)
            ):
                child.required, child.depends_on = True, ()
                changed = True

    for child in [c for c in node.children if is_own_trigger(node, c)]:
        child.depends_on = ()


def is_own_trigger(group: Node, follow_up: Node) -> bool:
    """Tell whether a follow-up's triggers, followed back, lead to itself."""
    seen: set[str] = set()
    waiting = list(follow_up.depends_on)
    while waiting:
        key = waiting.pop()
        if key == follow_up.key:
            return True
        if key not in seen:
            seen.add(key)
            waiting.extend(group.child(key).depends_on)

    return False


def merge_dependencies(first: dict[str, Any], second: dict[str, Any]) -> dict:
    """Join two parts' dependencies: a trigger needs what either part asks."""
    merged = dict(first)
    for trigger, needs in second.items():
        mine = merged.get(trigger)
        if mine is None:
            merged[trigger] = needs
        elif _names_only(mine) and _names_only(needs):
            both = [*_names(mine), *_names(needs)]
            merged[trigger] = list(dict.fromkeys(both))
        else:
            # Left whole for the outline, which refuses schema dependencies.
            merged[trigger] = {"allOf": [mine, needs]}

    return merged


def _names_only(needs: Any) -> bool:
    return isinstance(needs, list) or (
        isinstance(needs, dict) and set(needs) <= {"required"}
    )


def _names(needs: Any) -> list:
    return needs.get("required", []) if isinstance(needs, dict) else needs


def rows_at_most(schema: dict[str, Any]) -> int:
    """Give the most entries a list's answer can hold.

    A list of rows takes up to ROWS_CAP; a list of boxes to tick (its
    entries chosen from options) at most one entry per option.
    """
    most = schema.get("maxItems")
    rows = ROWS_CAP
    if isinstance(most, int) and not isinstance(most, bool) and most >= 0:
        rows = min(most, ROWS_CAP)

    item = schema.get("items")
    if isinstance(item, dict):
        for keyword in ("enum", "oneOf", "anyOf"):
            if isinstance(item.get(keyword), list):
                rows = min(rows, len(item[keyword]))

    return rows


def both_of(first: Any, second: Any) -> Any:
    """Ask for two schemas at once; one of two identical ones is enough."""
    if first == second and getattr(first, "seen", None) == getattr(
        second, "seen", None
    ):
        return first

    return {"allOf": [first, second]}


def outline_model(model: dict[str, Any], source: str) -> Node:
    """Outline a data model, or raise CampaignError naming pointer and keyword."""
    try:
        return Outliner(model, source).outline()
    except RecursionError:
        raise CampaignError(
            f"{source}: /data_model cannot be a form: its groups, lists, "
            "allOf parts and $refs lead one inside another too deep to "
            "follow; flatten the model"
        ) from None


def _subschemas(schema: dict[str, Any], pointer: str):
    """Yield the pointer and schema of each schema nested right inside one."""
    for keyword in ("properties", "definitions", "dependencies"):
        members = schema.get(keyword)
        if not isinstance(members, dict):
            continue
        for name, sub in members.items():
            if keyword != "dependencies" or isinstance(sub, dict):
                yield f"{pointer}/{keyword}/{json_pointer([name])[1:]}", sub

    for keyword in ("allOf", "anyOf", "oneOf"):
        parts = schema.get(keyword)
        for index, sub in enumerate(parts if isinstance(parts, list) else []):
            yield f"{pointer}/{keyword}/{index}", sub

    if isinstance(schema.get("items"), dict):
        yield f"{pointer}/items", schema["items"]


def _lost_intent(schema: dict[str, Any]):
    """Yield each keyword whose intent is lost, and why, in the schema's order."""
    types = _declared_types(schema)
    if types is not None:
        yield from _misplaced_keywords(schema, types)
        yield from _enum_outside_type(schema, types)
    yield from _crossed_number_bounds(schema)
    if types is not None and types - {"null"} == {"integer"}:
        yield from _no_whole_number(schema)
    yield from _crossed_count_bounds(schema)


def _declared_types(schema: dict[str, Any]) -> set[str] | None:
    """Give the declared types (number covering integer), or None if none."""
    if "type" not in schema:
        return None

    declared = _as_list(schema["type"])
    if not all(isinstance(t, str) for t in declared):
        return None

    types = set(declared)
    if "number" in types:
        types.add("integer")
    return types


def _misplaced_keywords(schema: dict[str, Any], types: set[str]):
    """Yield keywords that apply to none of the declared types."""
    for keyword in schema:
        applies = APPLIES_TO.get(keyword)
        if applies is not None and not applies & types:
            yield (
                keyword,
                f"{keyword} applies only to {_or_list(applies)} answers and "
                f"the type is {_type_text(schema['type'])}, so Draft 4 would "
                "ignore it; remove it or change the type",
            )


def _enum_outside_type(schema: dict[str, Any], types: set[str]):
    """Yield enum when none of its options has a declared type."""
    options = schema.get("enum")
    if isinstance(options, list) and options:
        if not any(_json_type(option) in types for option in options):
            yield (
                "enum",
                f"no option has the type {_type_text(schema['type'])}, so no "
                "answer could be accepted",
            )


def _crossed_number_bounds(schema: dict[str, Any]):
    """Yield minimum when no number lies between minimum and maximum."""
    low, high = schema.get("minimum"), schema.get("maximum")
    if not (_is_number(low) and _is_number(high)):
        return

    if low > high:
        yield "minimum", f"minimum {low} is above maximum {high}, so no answer fits"
    elif low == high:
        for flag in ("exclusiveMinimum", "exclusiveMaximum"):
            if schema.get(flag) is True:
                yield (
                    flag,
                    f"minimum and maximum are both {low} and {flag} leaves "
                    f"out {low} itself, so no answer fits",
                )
                return


def _no_whole_number(schema: dict[str, Any]):
    """Yield minimum when an integer question's bounds hold no whole number."""
    low, high = schema.get("minimum"), schema.get("maximum")
    if not (_is_number(low) and _is_number(high)) or low > high:
        return

    lowest = (
        math.floor(low) + 1
        if schema.get("exclusiveMinimum") is True
        else math.ceil(low)
    )
    highest = (
        math.ceil(high) - 1
        if schema.get("exclusiveMaximum") is True
        else math.floor(high)
    )
    if lowest > highest:
        yield (
            "minimum",
            f"no whole number lies between minimum {low} and maximum {high}, "
            "so no answer fits",
        )


def _crossed_count_bounds(schema: dict[str, Any]):
    """Yield the lower bound of a length or count that exceeds its upper one."""
    for low_key, high_key in COUNT_BOUNDS:
        low, high = schema.get(low_key), schema.get(high_key)
        if _is_number(low) and _is_number(high) and low > high:
            yield (
                low_key,
                f"{low_key} {low} is above {high_key} {high}, so no answer fits",
            )


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _or_list(types: set[str]) -> str:
    """Name types for a message, in a stable order: "integer or number"."""
    return " or ".join(sorted(types))


def _type_text(declared: Any) -> str:
    return json.dumps(declared)


def _as_list(value: Any) -> list[str]:
    return list(value) if isinstance(value, list) else [value]


def _contains(values: list[Any], value: Any) -> bool:
    return any(_json_token(v) == _json_token(value) for v in values)


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"

    return {str: "string", list: "array", dict: "object"}[type(value)]


def _json_token(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def _default_label(value: Any) -> str:
    if value is None:
        return NULL_LABEL
    if isinstance(value, bool):
        return "Yes" if value else "No"

    return choice_text(value)


def _is_exact_step(step: float) -> bool:
    """Tell whether a fractional step is a whole multiple of a power of two."""
    if not math.isfinite(step):
        return False

    return Fraction(step).limit_denominator(10**6) == Fraction(step)
