"""Campaign files: one JSON document per campaign, named by its slug.

The app and the sandbox read the same files, so this module only parses
and checks what both need; rendering checks live in the generator.
"""

from __future__ import annotations

import difflib
import functools
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jsonschema import Draft4Validator, FormatChecker
from jsonschema.exceptions import best_match

from forms.patterns import PatternError, as_python_regex

SLUG_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
DEFAULT_SOURCES = ("web",)
# How deep a campaign file may nest objects and lists. A form twenty groups
# deep needs about forty; checking a file much deeper than this would
# exhaust Python's recursion limit inside jsonschema.
MAX_NESTING = 64
# Every top-level key a campaign file may have. load_campaign reads all but
# "example", which check-campaigns and the gallery read from the file.
CAMPAIGN_KEYS = (
    "name", "data_model", "display_label", "display_key", "experiences",
    "sources", "approved_ips", "ui", "example",
)  # fmt: skip


class CampaignError(ValueError):
    """A campaign file cannot be used; the message names the file and why."""


@dataclass(frozen=True)
class Campaign:
    """What one campaign file says, checked."""

    slug: str
    name: str
    data_model: dict[str, Any]
    display_label: str = ""
    display_key: str = ""
    experiences: tuple[str, ...] = ()
    sources: tuple[str, ...] = DEFAULT_SOURCES
    approved_ips: tuple[str, ...] = ()
    ui: dict[str, Any] = field(default_factory=dict)
    path: str = ""

    def serves(self, experience_name: str) -> bool:
        """Tell whether a booking for this experience may use the form."""
        if not self.experiences:
            return True

        return experience_name in self.experiences

    def source_for(self, requested: str | None) -> str:
        """Pick the referrer medium to record for a requested source."""
        if requested and requested in self.sources:
            return requested

        return "web"


def json_pointer(parts) -> str:
    """Render a path of keys and indexes as an RFC 6901 JSON pointer."""
    escaped = (str(p).replace("~", "~0").replace("/", "~1") for p in parts)
    return "/" + "/".join(escaped) if parts else ""


def load_campaign(path: Path) -> Campaign:
    """Read and check one campaign file.

    Raises CampaignError naming the file, the JSON pointer and the keyword
    of the first problem found.
    """
    slug = path.stem
    if not SLUG_PATTERN.match(slug):
        raise CampaignError(
            f"{path}: the file name {slug!r} is not a usable slug; use "
            "lowercase letters, digits and hyphens."
        )

    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CampaignError(f"{path}: cannot read JSON: {exc}") from exc
    except RecursionError:
        raise CampaignError(
            f"{path}: cannot read JSON: it nests objects and lists too deep "
            f"to read; a campaign file needs no more than {MAX_NESTING} levels."
        ) from None

    if not isinstance(raw, dict):
        raise CampaignError(f"{path}: the top level must be a JSON object.")

    too_deep = _too_deep(raw, MAX_NESTING)
    if too_deep is not None:
        raise CampaignError(
            f"{path}: {json_pointer(too_deep)} nests objects and lists more "
            f"than {MAX_NESTING} deep; a campaign file needs no more, and "
            "checking it would exhaust Python's recursion limit."
        )

    _check_known_keys(path, raw)
    for key in ("name", "data_model"):
        if key not in raw:
            raise CampaignError(f"{path}: missing required key {key!r}.")

    model = raw["data_model"]
    _check_draft4(path, model)

    return Campaign(
        slug=slug,
        name=_text(path, raw, "name"),
        data_model=model,
        display_label=_text(path, raw, "display_label", ""),
        display_key=_text(path, raw, "display_key", ""),
        experiences=_strings(path, raw, "experiences", ()),
        sources=_strings(path, raw, "sources", DEFAULT_SOURCES),
        approved_ips=_strings(path, raw, "approved_ips", ()),
        ui=_object(path, raw, "ui"),
        path=str(path),
    )


def _too_deep(document: Any, limit: int) -> list | None:
    """Give the path of the first place nested deeper than ``limit``, or None.

    It walks with a stack of its own, so any depth json could read is safe.
    """
    stack: list[tuple[Any, list]] = [(document, [])]
    while stack:
        value, where = stack.pop()
        if len(where) > limit:
            return where
        if isinstance(value, dict):
            stack.extend((sub, [*where, key]) for key, sub in value.items())
        elif isinstance(value, list):
            stack.extend((sub, [*where, index]) for index, sub in enumerate(value))

    return None


def campaign_files(directory: str | Path) -> list[Path]:
    """List the campaign files of a folder, in a stable order."""
    folder = Path(directory)
    if not folder.is_dir():
        what = "is not a folder" if folder.exists() else "does not exist"
        raise CampaignError(
            f"Campaign folder {folder} {what}; set CAMPAIGNS_DIR to a folder "
            "of campaign JSON files."
        )

    return sorted(folder.glob("*.json"))


def load_campaigns(directory: str | Path) -> dict[str, Campaign]:
    """Read every ``*.json`` campaign in a folder, keyed by slug."""
    campaigns = {}
    for path in campaign_files(directory):
        campaign = load_campaign(path)
        campaigns[campaign.slug] = campaign

    return campaigns


def _check_known_keys(path: Path, raw: dict) -> None:
    """Refuse a key nothing reads: a misspelt setting would be silently lost."""
    for key in raw:
        if key not in CAMPAIGN_KEYS:
            raise CampaignError(
                f"{path}: {json_pointer([key])} (keyword: {key}): not a "
                f"campaign key, so it would be ignored; {_nearest_key(key)}"
            )


def _nearest_key(word: str) -> str:
    """Suggest the known key a typo most likely meant, else list them all."""
    nearest = difflib.get_close_matches(word, CAMPAIGN_KEYS, n=1)
    if nearest:
        return f"did you mean {nearest[0]!r}?"

    return f"the keys are {', '.join(CAMPAIGN_KEYS)}."


def _check_draft4(path: Path, model: Any) -> None:
    if not isinstance(model, dict) or model.get("type") != "object":
        raise CampaignError(
            f"{path}: /data_model must be a JSON Schema object with "
            '"type": "object" (keyword: type).'
        )

    error = best_match(_metaschema().iter_errors(model))
    if error is None:
        return

    pointer = json_pointer(["data_model", *error.path])
    if isinstance(error.cause, PatternError):
        raise CampaignError(
            f"{path}: {pointer} (keyword: pattern) cannot be a form: "
            f"{error.instance!r} is not an ECMA 262 regular expression: "
            f"{error.cause}."
        ) from error.cause

    raise CampaignError(
        f"{path}: {pointer} is not valid JSON Schema Draft 4 "
        f"(keyword: {error.validator}): {error.message}"
    )


@functools.cache
def _metaschema() -> Draft4Validator:
    """Check models against Draft 4's own schema, patterns read as ECMA 262.

    jsonschema's own "regex" check compiles a pattern with Python's re,
    which refuses some ECMA patterns (``[]``, ``\\z``) and takes some that
    ECMA refuses; the API reads them as ECMA does.
    """
    checker = FormatChecker(Draft4Validator.FORMAT_CHECKER.checkers)
    checker.checks("regex", raises=PatternError)(as_python_regex)

    return Draft4Validator(Draft4Validator.META_SCHEMA, format_checker=checker)


def _text(path: Path, raw: dict, key: str, default: str | None = None) -> str:
    value = raw.get(key, default)
    if not isinstance(value, str):
        raise CampaignError(f"{path}: /{key} must be a string.")

    return value


def _strings(path: Path, raw: dict, key: str, default: tuple) -> tuple:
    value = raw.get(key, list(default))
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise CampaignError(f"{path}: /{key} must be a list of strings.")

    return tuple(value)


def _object(path: Path, raw: dict, key: str) -> dict:
    value = raw.get(key, {})
    if not isinstance(value, dict):
        raise CampaignError(f"{path}: /{key} must be a JSON object.")

    return value
