"""Fees: the ledger, payer rules, /fees, waivers and the billing CSV, end to end.

Most tests miss the Thursday group of 29 Oct 2026 (6 pm EDT); with a 7-day window the
make-up deadline is Thu 5 Nov at 6 pm EST, across the end of US daylight time (1 Nov): 169
hours later, not 168.
"""

from __future__ import annotations

import asyncio
import csv
import io
import re
import sqlite3
import stat
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from bot import texts
from bot.attendance.fees import charge_reason, makeup_deadline
from bot.attendance.ledger import charge_due_fees
from bot.cli import main
from bot.clock import FakeClock
from bot.config import Config, PolicyConfig
from bot.errors import ScheduleError
from bot.fake_telegram import ChatUser
from bot.kinds import ChargeReason, Payer, Role
from bot.memberships import remove_member
from bot.schedule.file import parse_schedule
from bot.schedule.sync import import_schedule
from bot.services import Services
from bot.understanding.engine import MessageReader
from storage import audit, people
from storage import fees as fee_store
from storage.personal_data import forget_patient, patient_record
from storage.timestamps import to_db
from tests.helpers.clinic import NEW_YORK, SCHEDULE, BotHarness, onboard_patient, start_bot

FEE = PolicyConfig(no_show_fee=Decimal("25"), currency="USD")
DST_MONDAY = datetime(2026, 10, 26, 9, 0, tzinfo=NEW_YORK)
MISSED = datetime(2026, 10, 29, 18, 0, tzinfo=NEW_YORK)  # EDT (UTC-4)
DEADLINE = datetime(2026, 11, 5, 18, 0, tzinfo=NEW_YORK)  # EST (UTC-5)
THURSDAY_29 = "Group Therapy, Thu 29 Oct, 6:00 pm (Evening Group A)"
FEE_WORDS = re.compile(r"\bfees?\b", re.IGNORECASE)


@asynccontextmanager
async def fee_bot(
    config: Config, reader: MessageReader, start: datetime = DST_MONDAY, **policy: object
) -> AsyncIterator[BotHarness]:
    config = replace(config, policy=replace(FEE, **policy))
    async with start_bot(config, FakeClock(start), reader) as harness:
        yield harness


def services(bot: BotHarness) -> Services:
    return bot.application.bot_data["services"]


async def at(bot: BotHarness, moment: datetime) -> None:
    """Move the clock, run the fees job as the scheduler would, send what is due."""
    bot.clock.set(moment)
    await charge_due_fees(services(bot))
    await bot.notifier.run_due()


async def mark_absent(bot: BotHarness, therapist: ChatUser, label: str, when: datetime) -> None:
    bot.clock.set(when)
    await therapist.send("/attendance")
    await therapist.press(label)
    await therapist.press("▫️ Alex R.")  # present
    await therapist.press("✅ Alex R.")  # late
    await therapist.press("⏰ Alex R.")  # absent
    await therapist.press("Done")
    await bot.notifier.run_due()


async def mark_absent_as(
    bot: BotHarness, therapist: ChatUser, name: str, when: datetime, day_label: str = THURSDAY_29
) -> None:
    bot.clock.set(when)
    await therapist.send("/attendance")
    sheet = await therapist.press(day_label)
    for _ in range(3):  # present, late, absent
        await therapist.press(next(label for label in sheet[-1].labels if name in label))
    await therapist.press("Done")


async def ledger(bot: BotHarness) -> list[tuple[str, str, str, bool]]:
    rows = await bot.db.fetch_all(
        "SELECT o.local_date, c.reason, c.amount, c.waived_at IS NOT NULL AS waived"
        " FROM charges c JOIN occurrences o ON o.id = c.occurrence_id ORDER BY c.id"
    )
    return [(row[0], row[1], row[2], bool(row[3])) for row in rows]


def fee_texts(user: ChatUser) -> list[str]:
    """What the patient was told about fees (not the menu, where /fees is "your balance")."""
    return [m.text for m in user.inbox if FEE_WORDS.search((m.text or "").replace("/fees", ""))]


async def occurrence_id(bot: BotHarness, local_date: str) -> int:
    row = await bot.db.fetch_one(
        "SELECT id FROM occurrences WHERE series_id = 'evening-a-group' AND local_date = ?",
        (local_date,),
    )
    return row["id"]


async def no_show_on_the_29th(bot: BotHarness) -> tuple[ChatUser, ChatUser]:
    therapist, patient = await bot.joined_clinic()
    await mark_absent(bot, therapist, THURSDAY_29, MISSED + timedelta(hours=3, minutes=30))
    return therapist, patient


# --- the rules, without Telegram


def test_the_window_is_wall_clock_days_in_the_sessions_zone() -> None:
    deadline = makeup_deadline(MISSED.astimezone(UTC), NEW_YORK, 7)

    assert deadline == DEADLINE
    assert deadline - MISSED == timedelta(hours=169)  # the clocks went back an hour


@pytest.mark.parametrize(
    ("ahead", "reason"),
    [
        (None, ChargeReason.NO_SHOW),
        (timedelta(hours=-1), ChargeReason.NO_SHOW),
        (timedelta(0), ChargeReason.NO_SHOW),
        (timedelta(seconds=1), ChargeReason.LATE_CANCEL),
        (timedelta(hours=23, minutes=59, seconds=59), ChargeReason.LATE_CANCEL),
        (timedelta(hours=24), None),
        (timedelta(days=3), None),
    ],
)
def test_the_notice_decides_the_kind_of_charge(
    ahead: timedelta | None, reason: ChargeReason | None
) -> None:
    reported = None if ahead is None else MISSED - ahead
    assert charge_reason(MISSED, reported, 24) is reason


# --- the ledger, end to end


async def test_a_no_show_is_charged_exactly_when_the_window_ends_in_a_dst_week(
    config: Config, reader: MessageReader
) -> None:
    async with fee_bot(config, reader) as bot:
        _, patient = await no_show_on_the_29th(bot)
        await at(bot, MISSED + timedelta(hours=4))
        heads_up = fee_texts(patient)

        await at(bot, DEADLINE - timedelta(hours=1))  # 168 hours: a naive window ends here
        await at(bot, DEADLINE - timedelta(seconds=1))
        before = await ledger(bot)
        await at(bot, DEADLINE)
        after = await ledger(bot)
        await at(bot, DEADLINE + timedelta(hours=1))  # the job again: nothing new
        await at(bot, DEADLINE + timedelta(hours=6))
        again = await ledger(bot)
        told = fee_texts(patient)

    assert heads_up == [
        "💙 A note about your appointment\nGroup Therapy, Thu 29 Oct, 6:00 pm: if you come to "
        "a make-up by Thu 5 Nov, 6:00 pm, there's no fee. Otherwise a fee of $25.00 may "
        "apply. Tell Dr. Lee if cost is a worry."
    ]
    assert before == []
    assert after == again == [("2026-10-29", "no_show", "25", False)]
    assert [text.split("\n\n")[-1] for text in told[1:]] == [  # merged with a check-in
        "A note about your appointment\nGroup Therapy, Thu 29 Oct, 6:00 pm: a fee of $25.00 "
        "has been added. You can see it any time with /fees. If cost is a worry, please tell "
        "Dr. Lee: they can help. 💙"
    ]


@pytest.mark.parametrize(
    ("ahead", "expected", "note"),
    [
        (timedelta(hours=24), [], False),  # exactly late_cancel_hours ahead: no fee
        (timedelta(hours=23, minutes=59), [("2026-12-03", "late_cancel", "25", False)], True),
        (timedelta(hours=-1), [("2026-12-03", "no_show", "25", False)], True),  # after start
    ],
)
async def test_late_cancellation_against_a_timely_report(
    config: Config,
    reader: MessageReader,
    ahead: timedelta,
    expected: list[tuple[str, str, str, bool]],
    note: bool,
) -> None:
    session = datetime(2026, 12, 3, 18, 0, tzinfo=NEW_YORK)
    async with fee_bot(config, reader, start=datetime(2026, 11, 30, 9, 0, tzinfo=NEW_YORK)) as bot:
        _, patient = await bot.joined_clinic()
        bot.clock.set(session - ahead)
        words = (
            "sorry I missed group tonight" if ahead < timedelta(0) else "can't make it thursday"
        )
        await patient.send(words)
        done = await patient.press("Yes, that's the one")
        if "share why" in done[-1].text:
            done = await patient.press("Skip")
        confirmation = done[-1].text
        await at(bot, session + timedelta(days=7) - timedelta(seconds=1))
        early = await ledger(bot)
        await at(bot, session + timedelta(days=7))
        charged = await ledger(bot)

    assert ("by Thu 10 Dec, 6:00 pm" in confirmation) is note
    assert early == []
    assert charged == expected


@pytest.mark.parametrize(
    ("makeup_day", "status", "source", "booking", "charged"),
    [
        ("2026-11-02", "present", "therapist", "booked", False),  # Mon, inside the window
        ("2026-11-04", "late", "therapist", "booked", False),  # late still counts
        ("2026-11-05", "present", "therapist", "booked", False),  # starts at the deadline
        ("2026-11-02", "confirmed", "patient", "booked", True),  # said "I'll be there" only
        ("2026-11-02", "absent", "therapist", "booked", True),  # did not come
        ("2026-11-02", "present", "therapist", "cancelled", True),  # booking cancelled
        ("2026-11-09", "present", "therapist", "booked", True),  # after the window
    ],
)
async def test_only_an_attended_make_up_inside_the_window_avoids_the_fee(
    config: Config,
    reader: MessageReader,
    makeup_day: str,
    status: str,
    source: str,
    booking: str,
    charged: bool,
) -> None:
    async with fee_bot(config, reader) as bot:
        await no_show_on_the_29th(bot)
        alex = await people.find_by_handle(bot.db, "alex")
        missed, makeup = (
            await occurrence_id(bot, "2026-10-29"),
            await occurrence_id(bot, makeup_day),
        )
        async with bot.db.transaction() as conn:
            await conn.execute(
                "INSERT INTO bookings (patient_id, occurrence_id, missed_occurrence_id, kind,"
                " status, booked_at) VALUES (?, ?, ?, 'makeup', ?, ?)",
                (alex.id, makeup, missed, booking, to_db(MISSED)),
            )
            await conn.execute(
                "INSERT INTO attendance (patient_id, occurrence_id, status, source, updated_at)"
                " VALUES (?, ?, ?, ?, ?) ON CONFLICT DO UPDATE SET status = excluded.status,"
                " source = excluded.source",
                (alex.id, makeup, status, source, to_db(MISSED)),
            )
        await at(bot, DEADLINE + timedelta(days=5))  # after the make-up, whenever it was

        rows = [row for row in await ledger(bot) if row[0] == "2026-10-29"]

    # (A make-up missed is a missed session too, with its own charge.)
    assert rows == ([("2026-10-29", "no_show", "25", False)] if charged else [])


@pytest.mark.parametrize("payer", [None, *Payer])
async def test_each_payer(config: Config, reader: MessageReader, payer: Payer | None) -> None:
    async with fee_bot(config, reader) as bot:
        lee = await bot.invite(Role.THERAPIST, "lee", name="Dr. Lee")
        await bot.import_schedule()
        alex = await bot.invite(
            Role.PATIENT, "alex", name="Alex R.", therapist="lee", groups=("evening-a",),
            payer=payer,
        )  # fmt: skip
        therapist = bot.user(501, "Dr. Lee")
        await therapist.send(f"/start {lee.code}")
        patient = bot.user(777, "Alex")
        await patient.send(f"/start {alex.code}")
        await patient.press("Yes, that's okay")
        asked = await patient.press("✅ Eastern time")
        await patient.press(asked[-1].labels[0])
        bot.clock.set(MISSED + timedelta(hours=1))
        await patient.send("sorry I missed group tonight")
        await patient.press("Yes, that's the one")
        await patient.press("Skip")
        await at(bot, MISSED + timedelta(hours=4))
        await at(bot, DEADLINE)
        rows = await ledger(bot)
        told = fee_texts(patient)
        fees = (await patient.send("/fees"))[-1].text

    if payer is Payer.MEDICAID:
        assert rows == []
        assert told == []  # never told a fee may apply, nor that there is none unasked
        assert fees == "There are no fees for you. 😊"
    else:
        assert rows == [("2026-10-29", "no_show", "25", False)]
        assert len(told) == 2  # the policy note after the report, then the charge
        assert fees == (
            "Your balance: $25.00\n• Thu 29 Oct: missed without notice, $25.00\n\n"
            "If cost is a worry, please tell Dr. Lee: they can help."
        )


async def test_no_fee_configured_means_no_charges_and_no_words(
    config: Config, reader: MessageReader
) -> None:
    async with fee_bot(config, reader, no_show_fee=Decimal("0")) as bot:
        _, patient = await no_show_on_the_29th(bot)
        await at(bot, MISSED + timedelta(hours=4))
        await at(bot, DEADLINE + timedelta(days=1))
        rows = await ledger(bot)
        told = fee_texts(patient)
        fees = (await patient.send("/fees"))[-1].text

    assert rows == []
    assert told == []
    assert fees == "There are no fees for you. 😊"


# --- waivers


async def start_waiver(therapist: ChatUser) -> None:
    """/patient Alex, Fees, Waive the 29 Oct charge: the bot now waits for the reason."""
    await therapist.send("/patient Alex")
    await therapist.press("Fees")
    await therapist.press("Waive Thu 29 Oct ($25.00)")


async def charged(bot: BotHarness) -> tuple[ChatUser, ChatUser, int]:
    therapist, patient = await no_show_on_the_29th(bot)
    await at(bot, DEADLINE)
    (charge,) = await fee_store.patient_charges(bot.db, patient_id=2)
    return therapist, patient, charge.id


async def test_a_therapist_waives_a_fee_with_a_reason(
    config: Config, reader: MessageReader
) -> None:
    async with fee_bot(config, reader) as bot:
        therapist, patient, charge_id = await charged(bot)
        summary = (await therapist.send("/patient Alex"))[-1]
        listing = (await therapist.press("Fees"))[-1]
        asked = (await therapist.press("Waive Thu 29 Oct ($25.00)"))[-1].text
        too_long = (await therapist.send("x" * 201))[-1].text
        done = (await therapist.send("Car broke down; first miss in months"))[-1].text
        await bot.notifier.run_due()
        again = await therapist.press_data(f"fv:{charge_id}")
        fees = (await patient.send("/fees"))[-1].text
        trail = await audit.trail(bot.db)
        rows = await ledger(bot)
        (charge,) = await fee_store.patient_charges(bot.db, 2)

    assert summary.labels == ["Fees"]
    assert (
        listing.text
        == "💳 Fees for Alex R.: $25.00 open\n• Thu 29 Oct: missed without notice, $25.00"
    )
    assert asked.startswith("Why are you waiving the $25.00 fee for Alex R. (Thu 29 Oct)?")
    assert too_long == texts.FEE_REASON_PROBLEM
    assert done == "Done: the $25.00 fee for Alex R. (Thu 29 Oct) is waived. Alex R. will be told."
    assert patient.inbox[-2].text == (
        "Good news about your appointment\nDr. Lee has waived the $25.00 fee for Group Therapy, "
        "Thu 29 Oct, 6:00 pm. You don't owe it. 😊"
    )
    assert again == [] and bot.api.callback_answers[-1] == texts.FEE_ALREADY_HANDLED
    assert fees.startswith(
        "Your balance: $0.00\n• Thu 29 Oct: missed without notice, $25.00 (waived)"
    )
    assert rows == [("2026-10-29", "no_show", "25", True)]
    assert (
        charge.waived_by == "Dr. Lee"
        and charge.waive_reason == "Car broke down; first miss in months"
    )
    waived = [e for e in trail if e.action == "waived a fee"]
    assert [(e.actor, e.patient) for e in waived] == [("Dr. Lee", "Alex R.")]
    assert "Car broke down" not in waived[0].detail  # the reason stays with the charge


async def test_a_waiver_survives_a_restart_between_button_and_reason(
    config: Config, reader: MessageReader
) -> None:
    config = replace(config, policy=FEE)
    clock = FakeClock(DST_MONDAY)
    async with start_bot(config, clock, reader) as bot:
        therapist, _, charge_id = await charged(bot)
        await therapist.press_data(f"fv:{charge_id}")
        api = bot.api
    async with start_bot(config, clock, reader, api) as bot:
        therapist = bot.user(501, "Dr. Lee")
        done = (await therapist.send("Hospital stay"))[-1].text
        rows = await ledger(bot)

    assert done.startswith("Done: the $25.00 fee for Alex R. (Thu 29 Oct) is waived.")
    assert rows == [("2026-10-29", "no_show", "25", True)]


async def test_other_therapists_forged_buttons_and_bad_reasons_change_nothing(
    config: Config, reader: MessageReader
) -> None:
    async with fee_bot(config, reader) as bot:
        therapist, patient, charge_id = await charged(bot)
        kim = await bot.invite(Role.THERAPIST, "kim", name="Dr. Kim")
        other = bot.user(502, "Dr. Kim")
        await other.send(f"/start {kim.code}")

        await other.press_data(f"fv:{charge_id}")
        other_waive = bot.api.callback_answers[-1]
        await other.press_data("fs:2")
        other_list = bot.api.callback_answers[-1]
        await therapist.press_data("fv:999")
        forged = bot.api.callback_answers[-1]
        await patient.press_data(f"fv:{charge_id}")
        as_patient = bot.api.callback_answers[-1]
        await therapist.press_data(f"fv:{charge_id}")
        two_lines = (await therapist.send("one\ntwo"))[-1].text
        cancelled = (await therapist.send("/cancel"))[-1].text
        after_cancel = (await therapist.send("just words"))[-1].text
        rows = await ledger(bot)

    assert other_waive == texts.FEE_ALREADY_HANDLED
    assert other_list == texts.BUTTON_EXPIRED
    assert forged == texts.FEE_ALREADY_HANDLED
    assert as_patient == texts.NOT_FOR_YOUR_ROLE
    assert two_lines == texts.FEE_REASON_PROBLEM
    assert cancelled == texts.FEE_WAIVE_LATER
    assert "waived" not in after_cancel
    assert rows == [("2026-10-29", "no_show", "25", False)]


async def test_fees_for_a_patient_without_charges(bot: BotHarness) -> None:
    therapist, patient = await bot.joined_clinic()

    fees = (await patient.send("/fees"))[-1].text
    summary = (await therapist.send("/patient Alex"))[-1]

    assert fees == "There are no fees for you. 😊"  # the default policy charges nothing
    assert summary.labels == []


# --- payers in the schedule file and the invite


def test_payers_in_the_schedule_file_are_checked() -> None:
    spec = parse_schedule(
        {"payer": [{"patient": "alex", "payer": "Medicaid"}]}, Path("s.toml"), NEW_YORK
    )
    assert [(p.patient, p.payer) for p in spec.payers] == [("alex", Payer.MEDICAID)]

    with pytest.raises(ScheduleError) as bad:
        parse_schedule({"payer": [{"patient": "alex", "payer": "cash"}]}, Path("s.toml"), NEW_YORK)
    assert str(bad.value) == (
        "s.toml: payer #1: payer 'cash' is not a payer (medicaid|medicare|commercial|self_pay)"
    )
    with pytest.raises(ScheduleError, match="has a \\[\\[payer\\]\\] already"):
        parse_schedule(
            {"payer": [{"patient": "alex", "payer": "medicaid"}] * 2}, Path("s.toml"), NEW_YORK
        )
    with pytest.raises(ScheduleError, match="is not a known key"):
        parse_schedule({"payer": [{"patient": "alex", "fee": 0}]}, Path("s.toml"), NEW_YORK)


async def test_an_import_sets_payers_and_refuses_a_therapist(bot: BotHarness) -> None:
    await bot.clinic()
    summary = await bot.import_schedule(
        {
            "payer": [
                {"patient": "alex", "payer": "medicaid"},
                {"patient": "jo", "payer": "medicare"},
            ]
        }
    )
    alex, jo = (
        await people.find_by_handle(bot.db, "alex"),
        await people.find_by_handle(bot.db, "jo"),
    )

    assert await fee_store.payer_of(bot.db, alex.id) is Payer.MEDICAID
    assert await fee_store.payer_of(bot.db, jo.id) is Payer.MEDICARE
    assert summary.people_added == ("patient jo",)
    with pytest.raises(ScheduleError, match="'lee' is a therapist, not a patient"):
        await bot.import_schedule({"payer": [{"patient": "lee", "payer": "medicaid"}]})


# --- the billing CSV, /mydata and forget


async def test_the_fees_csv_is_private_audited_and_formula_safe(
    config: Config, reader: MessageReader, tmp_path: Path
) -> None:
    async with fee_bot(config, reader) as bot:
        await charged(bot)
        async with bot.db.transaction() as conn:
            await conn.execute("UPDATE people SET name = '=HYPERLINK(1)' WHERE handle = 'alex'")
        settings = tmp_path / "cli.toml"
        settings.write_text(f'[storage]\npath = "{config.storage.path}"\n')
        out = tmp_path / "fees.csv"
        code = await asyncio.to_thread(
            main,
            ["--config", str(settings), "report", "fees", "--from", "2026-10-01",
             "--to", "2026-10-31", "--out", str(out)],
        )  # fmt: skip
        empty = tmp_path / "none.csv"
        await asyncio.to_thread(
            main,
            ["--config", str(settings), "report", "fees", "--from", "2026-11-01",
             "--to", "2026-11-30", "--out", str(empty)],
        )  # fmt: skip
        trail = await audit.trail(bot.db)

    rows = list(csv.reader(io.StringIO(out.read_text())))
    assert code == 0
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert rows[0] == [
        "created_at", "session_date", "session_id", "patient", "patient_name", "payer",
        "reason", "amount", "currency", "waived_at", "waived_by", "waive_reason",
    ]  # fmt: skip
    assert rows[1][:2] == ["2026-11-05T23:00:00Z", "2026-10-29"]
    assert rows[1][3:] == [
        "alex", "'=HYPERLINK(1)", "", "no_show", "25.00", "USD", "", "", "",
    ]  # fmt: skip
    assert len(rows) == 2
    assert len(list(csv.reader(io.StringIO(empty.read_text())))) == 1
    exports = [e for e in trail if e.action == "exported the fees ledger"]
    assert [(e.actor, e.detail) for e in exports] == [
        (None, "2026-10-01 to 2026-10-31, 1 charges"),
        (None, "2026-11-01 to 2026-11-30, 0 charges"),
    ]


async def test_mydata_has_the_fees_and_forget_keeps_them_without_the_reason(
    config: Config, reader: MessageReader
) -> None:
    async with fee_bot(config, reader) as bot:
        therapist, _, _ = await charged(bot)
        await start_waiver(therapist)
        await therapist.send("Family emergency")
        record = await patient_record(bot.db, 2)
        forgotten = await forget_patient(bot.db, 2, bot.clock.now())
        (charge,) = await fee_store.patient_charges(bot.db, 2)

    assert [(f["reason"], f["amount"], f["waive_reason"]) for f in record["fees"]] == [
        ("no_show", "25", "Family emergency")
    ]
    assert forgotten.removed["reasons fees were waived"] == 1
    assert forgotten.kept["fees charged (billing record)"] == 1
    assert charge.waived and charge.waive_reason is None and charge.amount == Decimal("25")


# --- when misses pile up


async def test_a_supportive_note_when_misses_reach_the_insurance_threshold(
    config: Config, reader: MessageReader
) -> None:
    async with fee_bot(config, reader, risk_consecutive_misses=9) as bot:
        therapist, patient = await bot.joined_clinic()
        for label, when in (
            (
                "Group Therapy, Mon 26 Oct, 6:00 pm (Evening Group A)",
                datetime(2026, 10, 26, 21, 30, tzinfo=NEW_YORK),
            ),
            (
                "Group Therapy, Wed 28 Oct, 6:00 pm (Evening Group A)",
                datetime(2026, 10, 28, 21, 30, tzinfo=NEW_YORK),
            ),
            (THURSDAY_29, datetime(2026, 10, 29, 21, 30, tzinfo=NEW_YORK)),
        ):
            await mark_absent(bot, therapist, label, when)
        notes = [m.text for m in patient.inbox if "care team is here" in m.text]
        alerts = [m.text for m in therapist.inbox if m.text.startswith("⚠️")]

    assert notes == [
        "Hi Alex, thinking of you 💙\nYour care team is here to help you get back on track. If "
        "it's hard to come right now, tell Dr. Lee: together you can find what works."
    ]
    assert len(alerts) == 1 and "Insurance coverage may be at risk" in alerts[0]


async def test_fee_notes_wait_for_the_end_of_a_pause_after_a_crisis(
    config: Config, reader: MessageReader
) -> None:
    async with fee_bot(config, reader) as bot:
        _, patient = await no_show_on_the_29th(bot)
        bot.clock.set(MISSED + timedelta(hours=3, minutes=45))
        await patient.send("I want to die")
        await at(bot, MISSED + timedelta(hours=4))
        during = fee_texts(patient)
        await at(bot, MISSED + timedelta(hours=27, minutes=45))  # the 24h pause is over

        after = fee_texts(patient)

    assert during == []
    assert len(after) == 1 and "by Thu 5 Nov, 6:00 pm" in after[0]


def test_invite_sets_the_payer_and_only_for_patients(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("IOP_BOT_CONFIG", raising=False)
    assert main(["init"]) == 0
    assert main(["invite", "--role", "therapist", "--handle", "lee", "--name", "Dr. Lee"]) == 0
    code = main(
        ["invite", "--role", "patient", "--handle", "alex", "--name", "Alex R.",
         "--therapist", "lee", "--payer", "medicaid"]
    )  # fmt: skip
    refused = main(["invite", "--role", "therapist", "--handle", "kim", "--payer", "medicare"])
    wrong = capsys.readouterr().err
    with sqlite3.connect(tmp_path / "data" / "iop-bot.sqlite3") as db:
        payers = db.execute("SELECT handle, payer FROM people ORDER BY id").fetchall()

    assert code == 0 and refused == 1
    assert "--payer are only for patients" in wrong
    assert payers == [("lee", None), ("alex", "medicaid")]


async def test_correcting_the_mark_after_a_charge_waives_it(
    config: Config, reader: MessageReader
) -> None:
    async with fee_bot(config, reader) as bot:
        therapist, _ = await no_show_on_the_29th(bot)
        await at(bot, DEADLINE)
        assert await ledger(bot) == [("2026-10-29", "no_show", "25", False)]

        # Three days later the therapist sees it was a mistake: Alex was there.
        bot.clock.set(DEADLINE + timedelta(days=3))
        await therapist.send("/attendance")
        await therapist.press(THURSDAY_29)
        await therapist.press("❌ Alex R.")  # absent -> present
        await therapist.press("Done")

        assert await ledger(bot) == [("2026-10-29", "no_show", "25", True)]
        reason = await bot.db.fetch_one("SELECT waive_reason FROM charges")
        assert reason[0] == "attendance corrected: not absent after all"
        waived = [e for e in await audit.trail(bot.db) if e.action == "waived a fee"]
        assert [e.actor for e in waived] == ["Dr. Lee"]


async def test_a_make_up_marked_after_the_charge_takes_the_charge_back(
    config: Config, reader: MessageReader
) -> None:
    async with fee_bot(config, reader) as bot:
        therapist, _ = await no_show_on_the_29th(bot)
        alex = await people.find_by_handle(bot.db, "alex")
        missed = await occurrence_id(bot, "2026-10-29")
        makeup = await occurrence_id(bot, "2026-11-05")  # starts right at the deadline
        async with bot.db.transaction() as conn:
            await conn.execute(
                "INSERT INTO bookings (patient_id, occurrence_id, missed_occurrence_id, kind,"
                " booked_at) VALUES (?, ?, ?, 'makeup', ?)",
                (alex.id, makeup, missed, to_db(MISSED)),
            )
        await at(bot, DEADLINE + timedelta(hours=4))  # the make-up is over, not marked yet
        assert await ledger(bot) == []  # waiting for its mark
        await at(bot, DEADLINE + timedelta(days=1, hours=4))  # nobody marked it in a day
        assert await ledger(bot) == [("2026-10-29", "no_show", "25", False)]

        bot.clock.set(DEADLINE + timedelta(days=2))
        await therapist.send("/attendance")
        await therapist.press("Group Therapy, Thu 5 Nov, 6:00 pm (Evening Group A)")
        await therapist.press("▫️ Alex R.")  # present at the make-up
        await therapist.press("Done")

        assert await ledger(bot) == [("2026-10-29", "no_show", "25", True)]
        reason = await bot.db.fetch_one("SELECT waive_reason FROM charges")
        assert reason[0] == "made up: the make-up session was attended"


# --- found in review


async def test_a_patient_found_to_be_on_medicaid_after_a_charge_owes_nothing(
    config: Config, reader: MessageReader
) -> None:
    async with fee_bot(config, reader) as bot:
        _, patient = await no_show_on_the_29th(bot)
        await at(bot, DEADLINE)
        assert await ledger(bot) == [("2026-10-29", "no_show", "25", False)]
        raw = {"patient": "alex", "payer": "medicaid"}
        spec = parse_schedule(
            {"timezone": "America/New_York", "payer": [raw]}, Path("s.toml"), NEW_YORK
        )
        await import_schedule(bot.db, spec, bot.clock.now())

        assert await ledger(bot) == [("2026-10-29", "no_show", "25", True)]
        assert (await patient.send("/fees"))[-1].text == "There are no fees for you. 😊"
        waived = [e for e in await audit.trail(bot.db) if e.action == "waived a fee"]
        assert len(waived) == 1 and "Medicaid" in waived[0].detail


async def test_no_charge_for_a_group_left_nor_for_a_forgotten_patient(
    config: Config, reader: MessageReader
) -> None:
    async with fee_bot(config, reader) as bot:
        therapist, _ = await bot.joined_clinic()
        await bot.invite(Role.PATIENT, "jo", name="Jo P.", therapist="lee", groups=("evening-a",))
        bot.clock.set(MISSED - timedelta(hours=9))  # Thu 9 am
        await bot.user(777, "Alex").send("can't make it tonight")
        await bot.user(777, "Alex").press("Yes, that's the one")
        await bot.user(777, "Alex").press("Skip")
        bot.clock.advance(timedelta(hours=1))
        await remove_member(bot.db, "alex", "evening-a", None, bot.clock.now())
        await mark_absent_as(bot, therapist, "Jo P.", MISSED + timedelta(hours=3, minutes=30))
        jo = await people.find_by_handle(bot.db, "jo")
        await forget_patient(bot.db, jo.id, MISSED + timedelta(days=1))

        await at(bot, DEADLINE + timedelta(hours=1))

        assert await ledger(bot) == []


async def test_a_make_up_attended_earlier_the_same_day_counts(
    config: Config, reader: MessageReader
) -> None:
    async with fee_bot(config, reader) as bot:
        await no_show_on_the_29th(bot)
        alex = await people.find_by_handle(bot.db, "alex")
        missed = await occurrence_id(bot, "2026-10-29")
        earlier = await occurrence_id(bot, "2026-10-28")  # the day before, attended
        async with bot.db.transaction() as conn:
            await conn.execute(
                "INSERT INTO bookings (patient_id, occurrence_id, missed_occurrence_id, kind,"
                " booked_at) VALUES (?, ?, ?, 'makeup', ?)",
                (alex.id, earlier, missed, to_db(MISSED)),
            )
            await conn.execute(
                "INSERT INTO attendance (patient_id, occurrence_id, status, source, updated_at)"
                " VALUES (?, ?, 'present', 'therapist', ?)",
                (alex.id, earlier, to_db(MISSED)),
            )

        await at(bot, DEADLINE + timedelta(hours=1))

        assert await ledger(bot) == []


def test_an_amount_in_fractions_of_a_cent_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[policy]\nno_show_fee = "25.005"\n')

    assert main(["--config", str(config), "audit"]) == 2
    assert "more than 2 decimal places" in capsys.readouterr().err


async def test_a_waiver_reason_never_becomes_a_note_to_another_patient(
    config: Config, reader: MessageReader
) -> None:
    async with fee_bot(config, reader) as bot:
        therapist, _ = await no_show_on_the_29th(bot)
        invite = await bot.invite(
            Role.PATIENT, "jo", name="Jo P.", therapist="lee", groups=("evening-a",)
        )
        jo = bot.user(778, "Jo")
        await onboard_patient(bot, jo, invite.code, "✅ Eastern time")
        await at(bot, DEADLINE)  # Alex's no-show is charged
        await jo.send("sorry I missed tonight's group")
        await jo.press("Yes, that's the one")
        await jo.press("Skip")
        await jo.press("Ask my therapist")
        await therapist.press("Decline")  # the bot now waits for a note to Jo...
        await therapist.send("/patient alex")
        await therapist.press("Fees")
        await therapist.press("Waive Thu 29 Oct ($25.00)")  # ...until this new question

        first = await therapist.send("Alex was in hospital that week")
        second = await therapist.send("Alex was in hospital that week")

        assert first[-1].text == texts.TYPED_ANSWER_CLOSED
        assert second[-1].text.startswith("Done: the $25.00 fee for Alex R.")
        assert not any("hospital" in (m.text or "") for m in jo.inbox)
        assert await ledger(bot) == [("2026-10-29", "no_show", "25", True)]


async def test_a_fee_turned_on_or_raised_later_never_reaches_back(
    config: Config, reader: MessageReader
) -> None:
    # The 29 Oct no-show happens while the clinic charges nothing...
    free = replace(config, policy=replace(FEE, no_show_fee=Decimal("0")))
    async with start_bot(free, FakeClock(DST_MONDAY), reader) as bot:
        await no_show_on_the_29th(bot)
        await at(bot, MISSED + timedelta(days=1))
    # ...then fees are turned on ($25), and later raised to $40 from Thu 5 Nov, 6 pm.
    async with fee_bot(config, reader, start=MISSED + timedelta(days=2)) as bot:
        await at(bot, DEADLINE)
        assert await ledger(bot) == []  # missed before any fee was in force
    raised = replace(config, policy=replace(FEE, no_show_fee=Decimal("40")))
    async with start_bot(raised, FakeClock(DEADLINE), reader) as bot:
        therapist = bot.user(501, "Dr. Lee")
        await mark_absent_as(bot, therapist, "Alex R.", datetime(2026, 11, 5, 21, 30,
                             tzinfo=NEW_YORK), day_label="Group Therapy, Thu 5 Nov, 6:00 pm"
                             " (Evening Group A)")  # fmt: skip
        await at(bot, datetime(2026, 11, 12, 18, 0, tzinfo=NEW_YORK))
        assert await ledger(bot) == [("2026-11-05", "no_show", "40", False)]


async def test_cancel_means_the_next_message_is_not_a_waiver_reason(
    config: Config, reader: MessageReader
) -> None:
    async with fee_bot(config, reader) as bot:
        therapist, _, _ = await charged(bot)
        await start_waiver(therapist)

        cancelled = await therapist.send("/cancel")
        await therapist.send("thanks, talk tomorrow")

        assert cancelled[-1].text == texts.FEE_WAIVE_LATER
        assert await ledger(bot) == [("2026-10-29", "no_show", "25", False)]
        waiting = await bot.db.fetch_one("SELECT waiving_by FROM charges")
        assert waiting[0] is None


async def test_a_balance_in_two_currencies_is_never_added_up(
    config: Config, reader: MessageReader
) -> None:
    async with fee_bot(config, reader) as bot:
        _, patient = await bot.joined_clinic()
        alex = await people.find_by_handle(bot.db, "alex")
        days = (await occurrence_id(bot, "2026-10-28"), await occurrence_id(bot, "2026-10-29"))
        await fee_store.add_charges(
            bot.db,
            [
                fee_store.NewCharge(alex.id, days[0], ChargeReason.NO_SHOW, Decimal("25"),
                                    "USD", None),
                fee_store.NewCharge(alex.id, days[1], ChargeReason.NO_SHOW, Decimal("10"),
                                    "EUR", None),
            ],
            bot.clock.now(),
        )  # fmt: skip

        fees = (await patient.send("/fees"))[-1].text

        assert fees.startswith("Your balance: $25.00 + €10.00")


async def test_the_leader_of_a_session_a_guest_booked_has_them_in_their_caseload(
    config: Config, reader: MessageReader
) -> None:
    """So Dr. Kim can open /patient Alex and waive a fee for the make-up Alex missed."""
    async with fee_bot(config, reader) as bot:
        await bot.joined_clinic()
        await bot.invite(Role.THERAPIST, "kim", name="Dr. Kim")
        kims_group = {
            **SCHEDULE,
            "group": [*SCHEDULE["group"], {"id": "b", "name": "Group B", "therapist": "kim"}],
            "series": [*SCHEDULE["series"], {
                "id": "b-group", "kind": "group", "title": "Group B", "group": "b",
                "weekdays": ["fri"], "start": "12:00", "duration": "1h", "from": date(2026, 10, 2),
            }],
        }  # fmt: skip
        await bot.import_schedule(kims_group)
        alex = await people.find_by_handle(bot.db, "alex")
        kim = await people.find_by_handle(bot.db, "kim")
        assert alex.id not in {p.id for p in await people.caseload(bot.db, kim.id)}
        friday = await bot.db.fetch_one(
            "SELECT id FROM occurrences WHERE series_id = 'b-group' AND local_date = '2026-10-30'"
        )
        missed = await occurrence_id(bot, "2026-10-29")
        async with bot.db.transaction() as conn:
            await conn.execute(
                "INSERT INTO bookings (patient_id, occurrence_id, missed_occurrence_id, kind,"
                " booked_at) VALUES (?, ?, ?, 'makeup', ?)",
                (alex.id, friday[0], missed, to_db(MISSED)),
            )

        assert alex.id in {p.id for p in await people.caseload(bot.db, kim.id)}
