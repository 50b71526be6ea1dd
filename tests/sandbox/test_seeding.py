"""Demo data: what it holds, and the ways it gets into a database."""

from __future__ import annotations

import sqlite3

import pytest

from sandbox import demo
from sandbox.__main__ import main
from sandbox.app import create_sandbox_app


def count_profiles(path):
    with sqlite3.connect(path) as connection:
        return connection.execute("SELECT COUNT(*) FROM profiles").fetchone()[0]


def test_demo_data_covers_both_campaigns_and_an_unserved_experience(api):
    by_date = {
        day: api.search({"experience_date": day}).get_json()["data"]
        for day in ("2021-03-31", "2021-04-10", "2021-04-12")
    }

    names = {
        day: {p["attributes"]["experience"]["name"] for p in found}
        for day, found in by_date.items()
    }
    assert names == {
        "2021-03-31": {"Monster Mash"},
        "2021-04-10": {"Single Malt Tasting"},
        "2021-04-12": {"Distillery Walk"},
    }
    assert len(demo.PROFILE_IDS) >= 12


@pytest.mark.parametrize(
    "booking_id, slug",
    [
        (demo.DOC_BOOKING_ID, "monster-mash"),
        (demo.TASTING_BOOKING_ID, "tasting-follow-up"),
        (demo.UNSERVED_BOOKING_ID, None),
    ],
)
def test_experiences_join_the_campaign_that_lists_them(settings, booking_id, slug):
    create_sandbox_app(settings)

    with sqlite3.connect(settings["SANDBOX_DATABASE"]) as connection:
        [found] = connection.execute(
            "SELECT e.campaign_slug FROM bookings b "
            "JOIN experiences e ON e.id = b.experience_id WHERE b.id = ?",
            (booking_id,),
        ).fetchall()

    assert found[0] == slug


def test_demo_profile_ids_are_stable_and_exported():
    assert demo.PROFILE_IDS[demo.DOC_BOOKING_ID] == demo.DOC_PROFILE_ID
    assert demo.profile_id_for(2001) == demo.TASTING_PROFILE_ID
    assert len(set(demo.PROFILE_IDS.values())) == len(demo.PROFILE_IDS)


def test_without_seed_flag_the_database_stays_empty(settings):
    settings["SANDBOX_SEED"] = "0"
    create_sandbox_app(settings)

    assert count_profiles(settings["SANDBOX_DATABASE"]) == 0


def test_seed_flag_does_not_reseed_a_database_with_data(settings, api):
    api.patch(demo.DOC_PROFILE_ID, {"referrer_medium": "email"})

    again = create_sandbox_app(settings).test_client()

    response = again.get(
        f"/external/api/v1/customer_profile/{demo.DOC_PROFILE_ID}",
        headers={"X-API-KEY": demo.DEMO_API_KEY},
    )
    assert response.get_json()["data"]["attributes"]["referrer_medium"] == "email"


def test_flask_seed_command_fills_an_empty_database(settings):
    settings["SANDBOX_SEED"] = False
    runner = create_sandbox_app(settings).test_cli_runner()

    result = runner.invoke(args=["seed"])

    assert result.exit_code == 0, result.output
    assert "Seeded" in result.output
    assert count_profiles(settings["SANDBOX_DATABASE"]) == len(demo.PROFILE_IDS)


def test_flask_seed_command_leaves_data_alone_unless_reset(runner, api, settings):
    api.patch(demo.DOC_PROFILE_ID, {"referrer_medium": "email"})

    kept = runner.invoke(args=["seed"])
    after_kept = api.get(demo.DOC_PROFILE_ID).get_json()
    reset = runner.invoke(args=["seed", "--reset"])
    after_reset = api.get(demo.DOC_PROFILE_ID).get_json()

    assert "already holds data" in kept.output
    assert after_kept["data"]["attributes"]["referrer_medium"] == "email"
    assert reset.exit_code == 0, reset.output
    assert after_reset["data"]["attributes"]["referrer_medium"] is None


def test_module_seed_command_fills_the_named_file(tmp_path, capsys):
    path = tmp_path / "nested" / "demo.sqlite3"

    assert main(["seed", "--db", str(path)]) == 0
    assert main(["seed", "--db", str(path)]) == 0

    assert count_profiles(path) == len(demo.PROFILE_IDS)
    assert capsys.readouterr().out.splitlines() == [
        "Seeded.",
        "Already seeded; use --reset to start over.",
    ]


@pytest.mark.parametrize("value", ["maybe", "2"])
def test_unreadable_seed_flag_stops_start_up_naming_it(settings, value):
    settings["SANDBOX_SEED"] = value

    with pytest.raises(ValueError, match="SANDBOX_SEED"):
        create_sandbox_app(settings)
