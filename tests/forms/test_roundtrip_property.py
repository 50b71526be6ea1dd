"""Properties over random models: answers survive the page, and nothing bad is sent.

Models are drawn from the whole supported subset. Instances are drawn in
the form's canonical shape (docs/campaigns.md, "How answers are read"):
every checkbox of a sent group is present, checklists follow page order,
optional blanks are absent, and text has no outer spaces.
"""

from __future__ import annotations

import math
import string

from bs4 import BeautifulSoup
from hypothesis import HealthCheck, assume, given
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict

from forms.formats import build_validator
from forms.generator import build_form
from tests.forms.browser import controls, fill, serialize
from tests.forms.conftest import FORMS_SETTINGS, make_campaign

SETTINGS = FORMS_SETTINGS.__class__(
    FORMS_SETTINGS,
    # render is a stateless function; sharing it across examples is fine.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
NAMES = ["name", "size", "data", "first name", "a-b", "ümlaut", "x1", "errors", "tags"]
WORDS = (
    st.text(string.ascii_letters + string.digits + " .'é", min_size=1, max_size=12)
    .map(str.strip)
    .filter(bool)
)
PATTERNS = {
    "^[a-z]+$": st.from_regex(r"\A[a-z]{1,8}\Z"),
    "^[0-9]{3}$": st.from_regex(r"\A[0-9]{3}\Z"),
}
ENUM_POOLS = [
    ["red", "white", "rosé"],
    [1, 2, 3, 4, 5, 6],
    ["a", 1, True, 2.5],
    ["one", "two"],
]


# Models.


@st.composite
def text_schemas(draw):
    schema = {"type": "string"}
    kind = draw(st.sampled_from(["plain", "pattern", "format", "length"]))
    if kind == "pattern":
        schema["pattern"] = draw(st.sampled_from(sorted(PATTERNS)))
        schema["description"] = "Letters and digits in the shape shown."
    elif kind == "format":
        schema["format"] = draw(
            st.sampled_from(["date", "date-time", "time", "email", "uri"])
        )
    elif kind == "length":
        schema["minLength"] = draw(st.integers(1, 3))
        schema["maxLength"] = draw(st.integers(4, 12))
    if draw(st.booleans()) and kind == "plain":
        schema["type"] = ["string", "null"]

    return schema


@st.composite
def number_schemas(draw):
    kind = draw(st.sampled_from(["integer", "number"]))
    schema = {"type": kind}
    if draw(st.booleans()):
        schema["minimum"] = draw(st.integers(-5, 5))
        schema["exclusiveMinimum"] = draw(st.booleans())
    if draw(st.booleans()):
        schema["maximum"] = draw(st.integers(10, 1000))
        schema["exclusiveMaximum"] = draw(st.booleans())
    if draw(st.booleans()):
        schema["multipleOf"] = draw(
            st.sampled_from([2, 5] if kind == "integer" else [0.5, 0.25, 3])
        )
    if draw(st.booleans()) and "multipleOf" not in schema:
        schema["type"] = [kind, "null"]

    return schema


@st.composite
def choice_schemas(draw):
    pool = draw(st.sampled_from(ENUM_POOLS))
    values = draw(
        st.lists(
            st.sampled_from(pool), min_size=1, max_size=len(pool), unique_by=json_key
        )
    )
    if draw(st.booleans()):
        return {
            "oneOf": [
                {"enum": [v], "title": f"Option {i}"} for i, v in enumerate(values)
            ]
        }
    schema = {"enum": values}
    if draw(st.booleans()):
        schema["enum"] = [*values, None]

    return schema


def leaf_schemas():
    return st.one_of(
        text_schemas(),
        number_schemas(),
        choice_schemas(),
        st.just({"type": "boolean"}),
        st.just({"type": "boolean", "enum": [True]}),
        st.just({"type": ["boolean", "null"]}),
    )


@st.composite
def list_schemas(draw, depth):
    kind = draw(
        st.sampled_from(
            ["checklist", "rows", "object-rows"] if depth else ["checklist", "rows"]
        )
    )
    if kind == "checklist":
        pool = draw(st.sampled_from(ENUM_POOLS))
        schema = {
            "type": "array",
            "items": {"enum": pool},
            "uniqueItems": draw(st.booleans()),
        }
    elif kind == "rows":
        schema = {
            "type": "array",
            "items": draw(st.one_of(text_schemas(), number_schemas())),
        }
        schema["items"]["type"] = _not_null(schema["items"]["type"])
    else:
        schema = {"type": "array", "items": draw(object_schemas(depth - 1))}
    if draw(st.booleans()):
        schema["minItems"] = draw(st.integers(0, 2))
    # Rows of groups always carry maxItems: with lists inside, 100 rows of
    # them could ask a post to check more than the model may (see
    # forms.schema.MAX_CHECKED_FULL), and such a model is refused.
    if kind == "object-rows" or draw(st.booleans()):
        schema["maxItems"] = draw(st.integers(2, 5))

    return schema


def _not_null(types):
    return next(t for t in types if t != "null") if isinstance(types, list) else types


@st.composite
def object_schemas(draw, depth=2):
    children = (
        leaf_schemas()
        if depth == 0
        else st.one_of(leaf_schemas(), list_schemas(depth), object_schemas(depth - 1))
    )
    names = draw(st.lists(st.sampled_from(NAMES), min_size=1, max_size=4, unique=True))
    properties = {name: draw(children) for name in names}
    required = [n for n in names if draw(st.booleans())]
    schema = {"type": "object", "properties": properties}
    if required:
        schema["required"] = required
    if draw(st.booleans()):
        schema["additionalProperties"] = False

    return schema


# Instances in the form's canonical shape.


def types_of(schema):
    types = schema.get("type", [])
    return types if isinstance(types, list) else [types]


@st.composite
def values_for(draw, schema, required):
    """Draw a value for a property; None means "leave it out"."""
    types = types_of(schema)
    nullable = "null" in types
    if schema.get("enum") == [True]:
        return True  # A must-tick box: unticked sends false, an error (C2).
    if "boolean" in types and not nullable:
        return draw(st.booleans())
    if "enum" in schema or "oneOf" in schema:
        options = schema.get("enum") or [o["enum"][0] for o in schema["oneOf"]]
        if not required and draw(st.booleans()):
            return _ABSENT
        return draw(st.sampled_from(options))
    if "boolean" in types:
        if not required and draw(st.booleans()):
            return _ABSENT
        return draw(st.sampled_from([True, False, None]))
    if "object" in types:
        return draw(objects_for(schema, required))
    if "array" in types:
        return draw(arrays_for(schema, required))

    if not required and draw(st.booleans()):
        return _ABSENT
    if nullable and required and draw(st.booleans()):
        return None
    if "string" in types:
        return draw(strings_for(schema))

    return draw(numbers_for(schema, "integer" in types))


_ABSENT = object()


def json_key(value):
    return (type(value).__name__, value)


def strings_for(schema):
    fmt = schema.get("format")
    if fmt == "date":
        return st.dates().map(lambda d: d.isoformat()).filter(lambda s: len(s) == 10)
    if fmt == "date-time":
        return (
            st.datetimes()
            .map(lambda d: d.replace(microsecond=0).isoformat() + "Z")
            .filter(lambda s: len(s) == 20)
        )
    if fmt == "time":
        return st.times().map(lambda t: t.replace(microsecond=0).isoformat())
    if fmt == "email":
        return st.from_regex(r"\A[a-z]{1,6}\.?[a-z]{1,4}@[a-z]{1,8}\.(com|org)\Z")
    if fmt == "uri":
        return st.from_regex(r"\Ahttps://[a-z]{1,8}\.example/[a-z]{0,6}\Z")
    if "pattern" in schema:
        return PATTERNS[schema["pattern"]]

    low, high = schema.get("minLength", 1), schema.get("maxLength", 12)
    return WORDS.filter(lambda s: low <= len(s) <= high)


def numbers_for(schema, whole):
    low = schema.get("minimum", -1000)
    high = schema.get("maximum", 10**6)
    step = schema.get("multipleOf", 1 if whole else None)
    if step:
        found = st.integers(math.ceil(low / step), math.floor(high / step)).map(
            lambda n: n * step
        )
    else:
        found = st.one_of(
            st.integers(math.ceil(low), math.floor(high)),
            st.floats(low, high).map(lambda x: round(x, 3)),
        )

    return found.filter(
        lambda x: (
            low < x < high
            or (
                (x != low or not schema.get("exclusiveMinimum"))
                and (x != high or not schema.get("exclusiveMaximum"))
                and low <= x <= high
            )
        )
    )


@st.composite
def arrays_for(draw, schema, required):
    items = schema["items"]
    if "enum" in items:
        chosen = draw(st.lists(st.sampled_from(items["enum"]), unique_by=json_key))
        picked = {json_key(c) for c in chosen}
        value = [v for v in items["enum"] if json_key(v) in picked]
    else:
        value = draw(st.lists(values_for(items, True), max_size=4))
        value = [v for v in value if v is not _ABSENT and has_content(items, v)]
    if not value and not required:
        return _ABSENT

    return value


@st.composite
def objects_for(draw, schema, required):
    result = {}
    for name, sub in schema["properties"].items():
        value = draw(values_for(sub, name in schema.get("required", [])))
        if value is not _ABSENT:
            result[name] = value
    if not required and not has_content(schema, result):
        return _ABSENT

    return result


def has_content(schema, value) -> bool:
    """Tell whether a guest would have typed, ticked or chosen anything."""
    types = types_of(schema)
    if "boolean" in types and "null" in types:
        return True
    if "object" in types and isinstance(value, dict):
        return any(has_content(schema["properties"][k], v) for k, v in value.items())
    if "array" in types:
        return bool(value)
    if "boolean" in types and "null" not in types and "enum" not in schema:
        return value is True
    if schema.get("enum") == [True]:
        return value is True

    return value is not None or "enum" in schema or "oneOf" in schema


@st.composite
def models_and_instances(draw):
    model = draw(object_schemas())
    instance = draw(objects_for(model, True))
    assume(build_validator(model).is_valid(instance))

    return model, instance


# Properties.


@SETTINGS
@given(models_and_instances())
def test_instance_typed_into_the_empty_form_comes_back_exactly(render, case):
    model, instance = case
    generated = build_form(make_campaign(model))
    page = render(generated.make_form())

    fill(page, generated.root, instance)
    form = generated.make_form(formdata=serialize(page))

    assert generated.validate(form) == instance, form.error_summary


class NeedsRow(Exception):
    """Raised by ``fill`` when a list needs a row a script would have added."""


def ask_for_row(soup, list_id):
    raise NeedsRow(list_id)


@SETTINGS
@given(models_and_instances())
def test_instance_typed_without_scripts_comes_back_exactly(render, case):
    model, instance = case
    generated = build_form(make_campaign(model))
    page = render(generated.make_form())

    # Each missing row costs a post through "Add another", as without
    # scripts; the blank page is posted, so answers are typed at the end.
    for _ in range(80):
        filled = BeautifulSoup(str(page), "html.parser")
        try:
            fill(filled, generated.root, instance, grow=ask_for_row)
            break
        except NeedsRow as need:
            formdata = serialize(page)
            formdata.add("_action", f"add:{need.args[0]}")
            action = generated.pending_action(formdata)
            form = generated.make_form(formdata=formdata)
            assert generated.apply_action(form, action)
            page = render(form)
    form = generated.make_form(formdata=serialize(filled))

    assert generated.pending_action(serialize(filled)) is None
    assert generated.validate(form) == instance, form.error_summary


@SETTINGS
@given(models_and_instances())
def test_instance_saved_and_shown_again_comes_back_exactly(render, case):
    model, instance = case
    generated = build_form(make_campaign(model))

    page = render(generated.make_form(data_set=instance))
    form = generated.make_form(formdata=serialize(page))

    assert generated.validate(form) == instance, form.error_summary
    assert_integers_stay_integers(model, generated.validate(form))


def assert_integers_stay_integers(schema, value):
    types = types_of(schema)
    if "integer" in types and value is not None:
        assert type(value) is int
    elif "object" in types and isinstance(value, dict):
        for key, sub in value.items():
            assert_integers_stay_integers(schema["properties"][key], sub)
    elif "array" in types and isinstance(value, list):
        for item in value:
            assert_integers_stay_integers(schema["items"], item)


JUNK = st.one_of(
    st.text(max_size=8),
    st.sampled_from(
        ["", " ", "0", "-1", "1e400", "nan", "true", "null", "٣", "1,5", "2021-02-30"]
    ),
)


@SETTINGS
@given(object_schemas(), st.data())
def test_random_posts_never_crash_and_never_send_what_the_model_refuses(
    render, model, data
):
    generated = build_form(make_campaign(model))
    page = render(generated.make_form())
    names = sorted({tag["name"] for tag in controls(page) if tag.get("name")})
    options = {
        tag["name"]: tag.get("value") for tag in controls(page) if tag.get("value")
    }
    actions = [
        button["value"]
        for button in page.find_all("button", attrs={"name": "_action"})
        if button.find_parent("template") is None
    ]
    names.append("_action")
    options["_action"] = " ".join(actions[:3]) or "add:f-ghost"
    pairs = data.draw(
        st.lists(
            st.tuples(
                st.sampled_from([*names, "f-ghost", "f-tags-99"]),
                st.one_of(JUNK, st.sampled_from(sorted(options.values()) or [""])),
            ),
            max_size=12,
        )
    )

    form = generated.make_form(formdata=MultiDict(pairs))
    action = generated.pending_action(MultiDict(pairs))
    if action is not None:
        generated.apply_action(form, action)
        render(form)
        action = data.draw(st.sampled_from(actions or ["add:f-ghost"]))
        generated.apply_action(form, action)
        render(form)
        return

    data_set = generated.validate(form)

    if data_set is None:
        assert form.error_summary
    else:
        assert build_validator(model).is_valid(data_set)
        render(form)
