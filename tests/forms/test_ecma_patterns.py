"""Draft 4 patterns are ECMA 262 patterns, even where Python reads them otherwise.

Each expected answer was checked once by hand against Node's RegExp (no
flags), which is what the upstream API and the browser go by. A pattern ECMA
refuses must be refused when the campaign is read, naming the file, the
keyword's JSON pointer and the offending construct.
"""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from forms.campaign import CampaignError, load_campaign
from forms.cli import check_campaigns_command
from forms.formats import build_validator
from tests.forms.conftest import object_model

ECMA_SPACES = [
    "\t", "\x0b", "\x0c", " ", "\xa0", "\u1680", "\u2000", "\u2005", "\u200a",
    "\u2028", "\u2029", "\u202f", "\u205f", "\u3000", "\ufeff", "\n", "\r",
]  # fmt: skip
NOT_ECMA_SPACES = ["\x1c", "\x1f", "\x85", "\u180e", "\u200b", "x"]


def fits(pattern: str, value: str) -> bool:
    return build_validator({"type": "string", "pattern": pattern}).is_valid(value)


def write_campaign(folder, model: dict):
    """Write sample.json with ``model`` as its data model; give its path."""
    path = folder / "sample.json"
    campaign = {"name": "Sample", "data_model": model}
    path.write_text(json.dumps(campaign), encoding="utf-8")
    return path


def code_model(pattern: str) -> dict:
    code = {"type": "string", "pattern": pattern, "description": "The code."}
    return object_model({"code": code})


@pytest.mark.parametrize(
    ("pattern", "value", "valid"),
    [
        # \B holds at the one position of an empty answer, as in ECMA.
        (r"^\B$", "", True),
        (r"a\Bb", "ab", True),
        (r"a\Bb", "a b", False),
        # A reference to a group inside a repetition that turns at most once
        # reads the same in both.
        (r"^(?:(a)|b)?\1$", "a", False),
        (r"^(?:(a)|b){1}\1$", "aa", True),
        (r"^(a)*\1$", "aa", True),
        # Nesting up to the limit.
        ("^" + "(" * 100 + "a" + ")" * 100 + "$", "a", True),
        # Python's anchors are identity escapes in ECMA: the letters.
        (r"\Aabc\Z", "AabcZ", True),
        (r"\Aabc\Z", "abc", False),
        (r"^a\z$", "az", True),
        (r"^\Ga$", "Ga", True),
        # Other escapes ECMA does not define are the character itself.
        (r"^\a\e\N\p$", "aeNp", True),
        (r"^\a$", "\x07", False),
        (r"^\k$", "k", True),
        (r"^\-\/$", "-/", True),
        (r"^\8$", "8", True),
        # A brace that starts no quantifier is text.
        (r"^a{,2}$", "a{,2}", True),
        (r"^a{,2}$", "aa", False),
        (r"^a{,}$", "a{,}", True),
        (r"^x{$", "x{", True),
        (r"^a{2}$", "aa", True),
        (r"^a{1,2}?$", "aa", True),
        # Escapes ECMA does define.
        (r"^\0$", "\x00", True),
        (r"^\101$", "A", True),
        (r"^\1$", "\x01", True),
        (r"^\cJ$", "\n", True),
        (r"^\c1$", "\\c1", True),
        (r"^\x41\u0042$", "AB", True),
        (r"^\x4$", "x4", True),
        (r"^\v\t$", "\x0b\t", True),
        (r"^[\b]$", "\b", True),
        (r"^[\B]$", "B", True),
        (r"^[\c1]$", "\x11", True),
        # A class escape at either end of a range makes the dash a member.
        (r"^[\d-z]+$", "1-z", True),
        (r"^[\d-z]+$", "m", False),
        (r"^[]$", "", False),
        (r"^[^]$", "\n", True),
        # "." stops at every ECMA line terminator, not only at "\n".
        (r"^.$", "\r", False),
        (r"^.$", "\u2028", False),
        (r"^.$", "\x85", True),
        # A backreference to a group that has not matched matches nothing.
        (r"^(a)?b\1$", "b", True),
        (r"^\1(a)$", "a", True),
        (r"^(a\1)$", "a", True),
        (r"^(a)\1$", "aa", True),
        (r"^(?<x>a)\k<x>$", "aa", True),
        # Without the unicode flag ECMA sees UTF-16 code units.
        (r"^.{2}$", "\U0001f600", True),
        (r"^.$", "\U0001f600", False),
        (r"^\ud83d\ude00$", "\U0001f600", True),
        # What already held keeps holding.
        (r"^\d{3}$", "٣٣٣", False),
        (r"^\w+$", "ümlaut", False),
        (r"^[$]5$", "$5", True),
        (r"^\$5$", "$5\n", False),
    ],
)
def test_a_pattern_matches_what_ecma_262_matches(pattern, value, valid):
    assert fits(pattern, value) is valid


@pytest.mark.parametrize("space", ECMA_SPACES)
def test_backslash_s_takes_every_ecma_space_and_line_terminator(space):
    assert fits(r"^\s$", space)
    assert fits(r"^[\s]$", space)
    assert fits(r"^[^\S]$", space)
    assert not fits(r"^\S$", space)
    assert not fits(r"^[\S]$", space)
    assert not fits(r"^[^\s]$", space)
    assert not fits(r"^[a\S]$", space)


@pytest.mark.parametrize("other", NOT_ECMA_SPACES)
def test_backslash_s_refuses_what_ecma_does_not_call_space(other):
    assert not fits(r"^\s$", other)
    assert not fits(r"^[\s]$", other)
    assert fits(r"^\S$", other)
    assert fits(r"^[\S]$", other)
    assert fits(r"^[a\S]$", other)


@pytest.mark.parametrize(
    ("pattern", "construct"),
    [
        (r"(?i)^abc$", "'(?i)' at offset 0 is an inline flag"),
        (r"(?x)^a b$", "'(?x)' at offset 0 is an inline flag"),
        (r"^(?i:a)$", "'(?i:' at offset 1 is an inline flag"),
        (r"^(?P<x>a)$", "'(?P<x>' at offset 1 is a Python named group"),
        (r"^(a)(?P=x)$", "'(?P=x)' at offset 4 is a Python backreference"),
        (r"^a++$", "'++' at offset 2 is a Python possessive quantifier"),
        (r"^a*+$", "'*+' at offset 2 is a Python possessive quantifier"),
        (r"^a?+$", "'?+' at offset 2 is a Python possessive quantifier"),
        (r"^a{2}+$", "'{2}+' at offset 2 is a Python possessive quantifier"),
        (r"^(?>a)$", "'(?>' at offset 1 is a Python atomic group"),
        (r"^a(?#note)$", "'(?#note)' at offset 2 is a Python comment"),
        (r"^(a)?(?(1)b|c)$", "'(?(1)' at offset 5 is a Python conditional"),
        (r"^a**$", "'**' at offset 2 repeats a repetition"),
        (r"^a{2}{3}$", "'{2}{3}' at offset 2 repeats a repetition"),
        (r"^*a$", "'^*' at offset 0 repeats an assertion"),
        (r"{2}", "'{2}' at offset 0 repeats nothing"),
        (r"^a{2,1}$", "'{2,1}' at offset 2 has its bounds out of order"),
        (r"^[z-a]$", "'z-a' at offset 2 is a range out of order"),
        (r"^(?<x>a)\k<y>$", "'\\\\k' at offset 8 names no group of the pattern"),
        (r"^(?<a>x)(?<a>y)$", "'(?<a>' at offset 8 names a group a second time"),
        ("(" * 101 + "a" + ")" * 101, "'(' at offset 100 nests groups more than 100"),
        (r"^(?:(a)|b)*\1$", "'\\\\1' at offset 11 refers to a group inside a"),
        (r"^(?:(a)|b){2}\1$", "'\\\\1' at offset 13 refers to a group inside a"),
        (r"^(?:x(?:(a)|b))+\1$", "refers to a group inside a repetition"),
        (r"^(?:(?<n>a)|b)+\k<n>$", "refers to a group inside a repetition"),
    ],
)
def test_syntax_ecma_262_refuses_stops_the_campaign(tmp_path, pattern, construct):
    path = write_campaign(tmp_path, code_model(pattern))

    with pytest.raises(CampaignError) as refused:
        load_campaign(path)

    message = str(refused.value)
    assert message.startswith(
        f"{path}: /data_model/properties/code/pattern (keyword: pattern) "
        f"cannot be a form: {pattern!r} is not an ECMA 262 regular expression: "
    )
    assert construct in message


def test_a_refused_pattern_is_pointed_at_where_it_is_written(tmp_path):
    model = object_model(
        {"code": {"$ref": "#/definitions/code"}},
        definitions={"code": code_model("^a++$")["properties"]["code"]},
    )

    with pytest.raises(CampaignError, match="possessive") as refused:
        load_campaign(write_campaign(tmp_path, model))

    assert "/data_model/definitions/code/pattern (keyword: pattern)" in str(
        refused.value
    )


@pytest.mark.parametrize(
    "placement",
    [
        lambda code: {"allOf": [code]},
        lambda code: {"type": "array", "items": code},
        lambda code: {"type": "object", "properties": {"inner": code}},
    ],
    ids=["allOf", "items", "nested"],
)
def test_a_pattern_anywhere_in_the_model_is_judged_as_ecma_reads_it(
    tmp_path, placement
):
    code = {"type": "string", "pattern": "(?i)^abc$"}
    path = write_campaign(tmp_path, object_model({"code": placement(code)}))

    with pytest.raises(CampaignError, match="is an inline flag"):
        load_campaign(path)


def test_check_campaigns_reports_python_only_patterns_and_passes_ecma_ones(tmp_path):
    for slug, pattern in [("anchors", r"\Aabc\Z"), ("flags", r"(?i)^abc$")]:
        campaign = {"name": slug, "data_model": code_model(pattern), "ui": {}}
        (tmp_path / f"{slug}.json").write_text(json.dumps(campaign), encoding="utf-8")

    result = CliRunner().invoke(check_campaigns_command, [str(tmp_path)])

    assert result.exit_code == 1
    assert "anchors.json" not in result.output
    assert (
        "flags.json: /data_model/properties/code/pattern (keyword: pattern) "
        "cannot be a form: '(?i)^abc$' is not an ECMA 262 regular expression: "
        "'(?i)' at offset 0 is an inline flag; Draft 4 patterns take no flags."
    ) in result.output


@pytest.mark.parametrize(
    "pattern", [r"^\z$", r"^[]?a$", r"^(?<n>a)\k<n>$", r"^[\B]$", r"^\c1$"]
)
def test_a_campaign_file_loads_with_ecma_patterns_python_cannot_compile(
    tmp_path, pattern
):
    path = tmp_path / "codes.json"
    campaign = {"name": "codes", "data_model": code_model(pattern)}
    path.write_text(json.dumps(campaign), encoding="utf-8")

    loaded = load_campaign(path)

    assert loaded.data_model["properties"]["code"]["pattern"] == pattern


def test_a_campaign_file_names_an_unbalanced_pattern_as_ecma_reads_it(tmp_path):
    path = tmp_path / "codes.json"
    campaign = {"name": "codes", "data_model": code_model("^a(b$")}
    path.write_text(json.dumps(campaign), encoding="utf-8")

    with pytest.raises(CampaignError) as refused:
        load_campaign(path)

    assert str(refused.value).startswith(
        f"{path}: /data_model/properties/code/pattern (keyword: pattern) cannot "
        "be a form: '^a(b$' is not an ECMA 262 regular expression: "
    )
