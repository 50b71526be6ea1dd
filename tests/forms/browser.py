"""A small stand-in for a browser: fill rendered questions and post them.

It follows the HTML form-submission rules that matter here: unchecked
boxes and radios send nothing, a select with nothing selected sends its
first option, textareas lose one leading newline when parsed and send
line breaks as CRLF, and nothing inside a <template> or a disabled
control is sent.
"""

from __future__ import annotations

import re
from datetime import UTC

from bs4 import BeautifulSoup, Tag
from werkzeug.datastructures import MultiDict

from forms.schema import segment_for

TEXT_TYPES = {"text", "email", "url", "date", "time", "datetime-local", None}


def field_id(path) -> str:
    """Give the id a question has for a JSON path, e.g. f-address-zip."""
    return "-".join(
        ["f", *(str(p) if isinstance(p, int) else segment_for(p) for p in path)]
    )


def controls(soup: BeautifulSoup) -> list[Tag]:
    """List the form controls a browser would consider, in tree order."""
    found = []
    for tag in soup.find_all(["input", "select", "textarea"]):
        if tag.find_parent("template") is not None or tag.has_attr("disabled"):
            continue
        found.append(tag)

    return found


def serialize(soup: BeautifulSoup) -> MultiDict:
    """Encode the controls as a browser posts them."""
    pairs = []
    for tag in controls(soup):
        name = tag.get("name")
        if not name:
            continue
        if tag.name == "textarea":
            text = tag.string or ""
            text = text.removeprefix("\n")
            pairs.append((name, text.replace("\r\n", "\n").replace("\n", "\r\n")))
        elif tag.name == "select":
            options = tag.find_all("option")
            chosen = [o for o in options if o.has_attr("selected")] or options[:1]
            pairs.extend((name, o.get("value", o.get_text())) for o in chosen[:1])
        elif tag.get("type") in ("checkbox", "radio"):
            if tag.has_attr("checked"):
                pairs.append((name, tag.get("value", "on")))
        elif tag.get("type") == "hidden":
            pairs.append((name, tag.get("value", "")))
        elif tag.get("type") in TEXT_TYPES:
            pairs.append((name, tag.get("value", "")))

    return MultiDict(pairs)


def type_into(soup: BeautifulSoup, element_id: str, text: str) -> None:
    """Type text into an input or textarea, replacing what was there."""
    tag = soup.find(id=element_id)
    assert tag is not None, f"no input with id {element_id}"
    if tag.name == "textarea":
        tag.string = "\n" + text
    else:
        tag["value"] = text


def tick(soup: BeautifulSoup, element_id: str, on: bool = True) -> None:
    """Tick or untick one checkbox or radio by id."""
    tag = soup.find(id=element_id)
    assert tag is not None, f"no input with id {element_id}"
    if tag.get("type") == "radio" and on:
        for other in soup.find_all("input", attrs={"name": tag["name"]}):
            other.attrs.pop("checked", None)
    if on:
        tag["checked"] = ""
    else:
        tag.attrs.pop("checked", None)


def pick(soup: BeautifulSoup, group_id: str, label: str) -> None:
    """Choose the option labelled ``label`` in a radio group, checklist or select."""
    group = soup.find(id=group_id)
    assert group is not None, f"no question with id {group_id}"
    if group.name == "select":
        for option in group.find_all("option"):
            option.attrs.pop("selected", None)
        for option in group.find_all("option"):
            if option.get_text() == label:
                option["selected"] = ""
                return
        raise AssertionError(f"no option {label!r} in {group_id}")

    for box in group.find_all("input"):
        text = group.find("label", attrs={"for": box["id"]}).get_text()
        if text == label:
            tick(soup, box["id"])
            return
    raise AssertionError(f"no option {label!r} in {group_id}")


def add_row(soup: BeautifulSoup, rows_id: str) -> str:
    """Add a row as form.js does, from the template; return its id prefix."""
    rows = soup.find(id=rows_id)
    template = rows.find("template", recursive=False)
    listing = rows.find(attrs={"data-row-list": True}, recursive=False)
    used = [
        int(m.group(1))
        for tag in listing.find_all(attrs={"name": True})
        if (m := re.match(re.escape(rows_id) + r"-(\d+)", tag["name"]))
    ]
    index = max(used, default=-1) + 1
    markup = template.decode_contents().replace("__index__", str(index))
    fragment = BeautifulSoup(markup, "html.parser")
    listing.append(fragment)

    return f"{rows_id}-{index}"


def row_ids(soup: BeautifulSoup, rows_id: str) -> list[str]:
    """List the id prefixes of the rows shown for a list, in page order."""
    rows = soup.find(id=rows_id)
    listing = rows.find(attrs={"data-row-list": True}, recursive=False)
    found = []
    for row in listing.find_all(attrs={"data-row": True}, recursive=False):
        first = row.find(attrs={"id": re.compile(re.escape(rows_id) + r"-\d+")})
        match = re.match(re.escape(rows_id) + r"-(\d+)", first["id"])
        found.append(f"{rows_id}-{match.group(1)}")

    return found


def local_date_time(value: str, zone_name: str) -> str:
    """Give what a guest picks in a datetime-local input for a stored value."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    zone = UTC if zone_name in ("", "UTC") else ZoneInfo(zone_name)
    moment = datetime.fromisoformat(value).astimezone(zone)
    return moment.replace(tzinfo=None).isoformat()


def typed_text(node, value, zone_name: str) -> str:
    """Give the text a guest types for a value."""
    if node.format == "date-time":
        return local_date_time(value, zone_name)
    if isinstance(value, float):
        return repr(value)

    return str(value)


def label_of(node, value) -> str:
    """Find the label a guest reads for an option's value."""
    for choice in node.choices:
        if type(choice.value) is type(value) and choice.value == value:
            return choice.label

    raise AssertionError(f"{value!r} is not an option of {node.key}")


def fill(
    soup: BeautifulSoup, node, value, path=(), zone_name: str = "", grow=add_row
) -> None:
    """Answer the questions of an empty form as a guest would, by label.

    An optional radio question left out is answered "No answer". A list
    short of rows gets them from ``grow(soup, list_id)``: by default as
    form.js adds them; a test without scripts raises to post the page.
    """
    element_id = field_id(path) if path else None
    if node.kind == "group":
        for child in node.children:
            if child.hidden:
                continue
            child_path = (*path, child.key)
            if child.key in value:
                fill(soup, child, value[child.key], child_path, zone_name, grow)
            elif child.none_label:
                pick(soup, field_id(child_path), child.none_label)
    elif node.kind == "rows":
        shown = row_ids(soup, element_id)
        while len(shown) < len(value):
            grow(soup, element_id)
            shown = row_ids(soup, element_id)
        for row_id, item in zip(shown, value):
            index = int(row_id.rsplit("-", 1)[1])
            fill(soup, node.item, item, (*path, index), zone_name, grow)
    elif node.kind == "checklist":
        for item in value:
            pick(soup, element_id, label_of(node, item))
    elif node.kind == "choice":
        pick(soup, element_id, label_of(node, value))
    elif node.kind == "boolean":
        tick(soup, element_id, value is True)
    elif value is not None:
        type_into(soup, element_id, typed_text(node, value, zone_name))
