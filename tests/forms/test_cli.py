"""``flask check-campaigns``: every problem printed, a non-zero exit."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from forms.cli import check_campaigns_command

REPO = Path(__file__).resolve().parents[2]


def write_campaign(folder: Path, slug: str, **overrides) -> Path:
    campaign = {
        "name": slug,
        "data_model": {"type": "object", "properties": {"name": {"type": "string"}}},
        "ui": {},
    }
    campaign.update(overrides)
    path = folder / f"{slug}.json"
    path.write_text(json.dumps(campaign), encoding="utf-8")
    return path


@pytest.fixture
def runner():
    return CliRunner()


@pytest.mark.parametrize("folder", ["campaigns", "gallery"])
def test_shipped_campaigns_and_gallery_pass_the_check(runner, folder):
    result = runner.invoke(check_campaigns_command, [str(REPO / folder)])

    assert result.exit_code == 0, result.output
    assert "can be shown as forms" in result.output


def test_every_bad_file_is_reported_and_the_exit_is_non_zero(runner, tmp_path):
    write_campaign(tmp_path, "good")
    write_campaign(tmp_path, "bad-hint", ui={"fields": {"nmae": {"label": "Name"}}})
    write_campaign(
        tmp_path,
        "bad-model",
        data_model={
            "type": "object",
            "properties": {"x": {"type": "object", "patternProperties": {}}},
        },
    )
    write_campaign(
        tmp_path, "bad-draft4", data_model={"type": "object", "required": "x"}
    )
    write_campaign(tmp_path, "bad-example", example={"name": 5})

    result = runner.invoke(check_campaigns_command, [str(tmp_path)])
    lines = result.output.strip().splitlines()

    assert result.exit_code == 1
    assert len(lines) == 4
    assert (
        "bad-draft4.json: /data_model/required is not valid JSON Schema Draft 4"
        in lines[0]
    )
    assert (
        "bad-example.json: /example/name does not fit the data model (keyword: type)"
        in lines[1]
    )
    assert "bad-hint.json: /ui/fields/nmae (keyword: fields)" in lines[2]
    assert "bad-model.json: /data_model/properties/x/patternProperties" in lines[3]


def test_named_files_are_checked_and_missing_ones_reported(runner, tmp_path):
    good = write_campaign(tmp_path, "good")

    result = runner.invoke(
        check_campaigns_command, [str(good), str(tmp_path / "gone.json")]
    )

    assert result.exit_code == 1
    assert "gone.json: no such campaign file." in result.output


def test_default_folder_comes_from_campaigns_dir(runner, tmp_path, monkeypatch):
    write_campaign(tmp_path, "bad-hint", ui={"order": ["ghost"]})
    monkeypatch.setenv("CAMPAIGNS_DIR", str(tmp_path))

    result = runner.invoke(check_campaigns_command, [])

    assert result.exit_code == 1
    assert "/ui/order/0 (keyword: order)" in result.output


def test_pattern_without_a_hint_or_message_is_reported(runner, tmp_path):
    write_campaign(
        tmp_path,
        "unexplained",
        data_model={
            "type": "object",
            "properties": {"code": {"type": "string", "pattern": "^[A-Z]{3}$"}},
        },
    )

    result = runner.invoke(check_campaigns_command, [str(tmp_path)])

    assert result.exit_code == 1
    assert (
        "unexplained.json: /data_model/properties/code/pattern (keyword: pattern)"
        in result.output
    )


def test_allof_question_closed_out_by_another_part_is_reported(runner, tmp_path):
    contact = {
        "type": "object",
        "additionalProperties": False,
        "properties": {"name": {"type": "string"}},
    }
    write_campaign(
        tmp_path,
        "closed",
        data_model={
            "type": "object",
            "definitions": {"contact": contact},
            "allOf": [
                {"$ref": "#/definitions/contact"},
                {"properties": {"dietary": {"type": "string"}}},
            ],
        },
    )

    result = runner.invoke(check_campaigns_command, [str(tmp_path)])

    assert result.exit_code == 1
    assert (
        "closed.json: /data_model/definitions/contact/additionalProperties "
        "(keyword: additionalProperties)" in result.output
    )
    assert "'dietary'" in result.output
