"""Config loading: the example is valid, every mistake is one clear line."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from bot.cli import main
from bot.config import EXAMPLE_CONFIG, load_config
from bot.errors import ConfigError

ROOT_EXAMPLE = Path(__file__).parents[1] / "config.example.toml"


def test_the_example_config_is_valid_and_complete() -> None:
    config = load_config(ROOT_EXAMPLE, environ={})

    assert ROOT_EXAMPLE.read_text() == EXAMPLE_CONFIG.read_text()
    assert config.reminders.lead_times == (timedelta(hours=24), timedelta(hours=1))
    assert config.policy.no_show_fee == Decimal("0")
    assert config.program.timezone.key == "America/New_York"
    assert "988" in config.safety.crisis_text
    assert config.storage.path == ROOT_EXAMPLE.parent / "data" / "iop-bot.sqlite3"


def test_token_from_the_environment_wins(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[telegram]\ntoken = "from-file"\n')

    assert load_config(path, environ={"IOP_BOT_TOKEN": "from-env"}).telegram.token == "from-env"
    assert load_config(path, environ={}).telegram.token == "from-file"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[reminders]\nlead_times = ['25x']", "[reminders] lead_times '25x' is not a duration"),
        ("[reminders]\nlead_times = '24h'", "[reminders] lead_times must be a list"),
        ("[program]\ntimezone = 'Mars/Base'", "[program] timezone 'Mars/Base' is not a time zone"),
        ("[policy]\nno_show_fee = -5", "[policy] no_show_fee -5 must be zero or more"),
        ("[policy]\nlate_cancel_hours = '24'", "[policy] late_cancel_hours must be a whole num"),
        ("[policy]\nrisk_consecutive_misses = 0", "[policy] risk_consecutive_misses must be at"),
        ("[policy]\nlate_cancel_hour = 24", "[policy] late_cancel_hour is not a known key"),
        ("[telegraph]\ntoken = ''", "[telegraph] is not a known section"),
        ("[telegram]\nbase_url = 'ftp://x'", "[telegram] base_url 'ftp://x' must start with http"),
        ("[reminders]\nbuddy_quiet_hours = ['9pm', '8am']", "buddy_quiet_hours '9pm' is not a"),
        ("storage = 3", "storage must be a [section] table"),
        ("[reminders]\nbuddy_quiet_hours = ['21:00+05:00', '08:00']", "(no offset, no seconds)"),
        ("[reminders]\nlead_times = ['30d']", "at most 7d before a session"),
        ("[reminders]\nfollowup_after = '99999999999999d'", "is longer than 366 days"),
        ("[policy]\nlate_cancel_hours = 99999999999999999999", "too large (at most 10000)"),
        ("[reports]\ndigest_day = 'monkey'", "'monkey' is not a weekday"),
        ("[safety]\ncheck_above = 1.5", "[safety] check_above 1.5 must be from 0 to 1"),
        ("[safety]\non_call = 'lee'", "[safety] on_call must be a list of handles"),
        ("[safety]\nescalate_after = '5s'", "[safety] escalate_after '5s' is not a duration"),
        ("[understanding]\nclarify_below = 'high'", "must be a number from 0 to 1"),
        ("[program\nname = 'x'", "not valid TOML"),
        ("[program]\nclinic_contact = 5", "[program] clinic_contact must be a string"),
        ("[program]\nclinic_name = '" + "x" * 201 + "'", "clinic_name must be at most 200"),
        ("[program]\nclinic_name = 'a\tb'", "must be plain text"),
    ],
)
def test_mistakes_name_file_key_and_problem(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "config.toml"
    path.write_text(text)

    with pytest.raises(ConfigError) as caught:
        load_config(path, environ={})

    assert str(caught.value).startswith(f"{path}: ")
    assert message in str(caught.value)


def test_cli_reports_a_config_error_in_one_line_with_exit_code_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "config.toml"
    path.write_text("[policy]\nno_show_fee = 'lots'\n")

    code = main(["--config", str(path), "schedule", "list"])

    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1
    assert err.startswith(f"iop-bot: {path}: [policy] no_show_fee 'lots' is not an amount")


def test_missing_config_says_how_to_create_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["--config", str(tmp_path / "nope.toml"), "invite", "--role", "therapist"])
    assert code == 2
    assert "not found (run `iop-bot init` to create it)" in capsys.readouterr().err


def test_a_byte_order_mark_is_fine(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_bytes("\ufeff[program]\nname = 'Riverside'\n".encode())
    assert load_config(path, environ={}).program.name == "Riverside"


def test_safety_and_understanding_settings_are_read(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        "[safety]\ncheck_above = 0.3\ncheck_timeout = '5m'\nescalate_after = '20m'\n"
        "on_call = ['Kim', 'ray']\n[understanding]\nclarify_below = 0.5\n"
    )

    config = load_config(path, environ={})

    assert config.safety.check_above == 0.3 and config.safety.on_call == ("kim", "ray")
    assert config.safety.check_timeout.total_seconds() == 300
    assert config.safety.escalate_after.total_seconds() == 1200
    assert config.understanding.clarify_below == 0.5
