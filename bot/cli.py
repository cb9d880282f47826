"""The ``iop-bot`` command line. Errors are one line on stderr and a non-zero exit."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import shutil
import sqlite3
import sys
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import TextIO
from zoneinfo import ZoneInfo

from bot.attendance.export import build_report
from bot.config import EXAMPLE_CONFIG, Config, config_path, load_config
from bot.errors import ConfigError, IopBotError, ScheduleError
from bot.i18n import LANGUAGES
from bot.invites import issue_invite
from bot.kinds import PERSON_ROLES, Payer, Role
from bot.labels import local_day_bounds
from bot.memberships import add_member, list_members, remove_member
from bot.outbox.replan import replan
from bot.schedule.file import load_schedule_file
from bot.schedule.sync import extend_occurrences, format_listing_line, import_schedule
from bot.tomlvalues import EARLIEST, LATEST, parse_zone
from bot.usecases.privacy import NotAPatient, forget
from storage import audit
from storage import people as people_store
from storage import schedule as schedule_store
from storage.db import AlreadyRunning, Database, run_lock
from storage.personal_data import forgotten_name

USAGE_ERROR = 2
FAILURE = 1


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit 2, like every other error
        self.exit(USAGE_ERROR, f"iop-bot: {message} (see iop-bot --help)\n")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="iop-bot", description="Telegram bot for a virtual IOP.")
    parser.add_argument("--config", help="config file (default: $IOP_BOT_CONFIG or ./config.toml)")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    commands.add_parser(
        "init", help="create config.toml if missing and create/migrate the database"
    )
    commands.add_parser("run", help="run the bot (long polling) until Ctrl+C or SIGTERM")
    demo = commands.add_parser(
        "demo", help="play a scripted week offline and print the transcript"
    )
    demo.add_argument(
        "--lang", choices=LANGUAGES, default="en", help="the language Alex and their buddy use"
    )
    shell = commands.add_parser(
        "shell", help="chat with the bot in this terminal, offline (no token needed)"
    )
    speaker = shell.add_mutually_exclusive_group(required=True)
    speaker.add_argument("--as", dest="handle", help="speak as this patient or therapist")
    speaker.add_argument(
        "--new-patient", action="store_true", help="a new patient opening their invite link"
    )
    speaker.add_argument("--therapist", action="store_true", help="speak as the therapist")
    shell.add_argument(
        "--db", type=Path, help="play in this database (default: a throw-away demo clinic)"
    )
    shell.add_argument(
        "--lang", choices=LANGUAGES, default="en", help="the language of your Telegram app"
    )

    invite = commands.add_parser("invite", help="print a one-time invite link")
    invite.add_argument("--role", required=True, choices=[r.value for r in PERSON_ROLES])
    invite.add_argument("--handle", help="short id used by schedule files (default: from --name)")
    invite.add_argument("--name", help="name shown in the chat")
    invite.add_argument("--therapist", help="the patient's therapist (handle)")
    invite.add_argument("--group", action="append", default=[], help="a group id; repeatable")
    invite.add_argument(
        "--since", type=_iso_date, help="member of the groups since this day (default: now)"
    )
    invite.add_argument(
        "--payer",
        choices=[p.value for p in Payer],
        help="who pays for a patient's care (medicaid is never charged a fee)",
    )
    invite.add_argument(
        "--lang",
        choices=LANGUAGES,
        help="the language the bot writes to them in (default: their Telegram app's)",
    )

    member = commands.add_parser("member", help="add a patient to a group, or end it, with dates")
    member_commands = member.add_subparsers(dest="action", required=True, parser_class=_Parser)
    adder = member_commands.add_parser("add", help="a patient joins a group")
    adder.add_argument("--since", type=_iso_date, help="first day in the group (default: now)")
    remover = member_commands.add_parser("remove", help="a patient leaves a group")
    remover.add_argument("--last-day", type=_iso_date, help="last day in it (default: now)")
    for action in (adder, remover):
        action.add_argument("--patient", required=True, help="the patient's handle")
        action.add_argument("--group", required=True, help="the group id")
    member_lister = member_commands.add_parser("list", help="memberships with their dates")
    member_lister.add_argument("--patient", help="only this patient (handle)")
    member_lister.add_argument("--group", help="only this group")

    schedule = commands.add_parser("schedule", help="import or list the schedule")
    schedule_commands = schedule.add_subparsers(dest="action", required=True, parser_class=_Parser)
    importer = schedule_commands.add_parser("import", help="load a schedule TOML file")
    importer.add_argument("file", type=Path)
    lister = schedule_commands.add_parser("list", help="print occurrences")
    lister.add_argument("--from", dest="first", type=_iso_date, help="first date (default today)")
    lister.add_argument("--to", dest="last", type=_iso_date, help="last date (default +6 days)")

    report = commands.add_parser("report", help="attendance export or chart")
    report_kinds = report.add_subparsers(dest="report", required=True, parser_class=_Parser)
    attendance = report_kinds.add_parser("attendance", help="attendance per patient and session")
    attendance.add_argument("--from", dest="first", type=_iso_date, help="default: 29 days ago")
    attendance.add_argument("--to", dest="last", type=_iso_date, help="default: today")
    attendance.add_argument("--format", choices=["csv", "png"], default="csv")
    attendance.add_argument("--out", type=Path, help="file to write (default: stdout for csv)")
    fees = report_kinds.add_parser("fees", help="the fees ledger as CSV, for billing")
    fees.add_argument("--from", dest="first", type=_iso_date, help="default: 29 days ago")
    fees.add_argument("--to", dest="last", type=_iso_date, help="default: today")
    fees.add_argument("--out", type=Path, help="file to write (default: stdout)")

    backup = commands.add_parser(
        "backup", help="copy the database to a new file, even while running"
    )
    backup.add_argument("target", type=Path)

    forget = commands.add_parser(
        "forget", help="remove a patient's name, Telegram account and words (keeps counts)"
    )
    forget.add_argument("--patient", required=True, help="the patient's handle")
    forget.add_argument("--yes", action="store_true", help="confirm: this cannot be undone")

    trail = commands.add_parser(
        "audit", help="who viewed, exported or changed patients' records, and when"
    )
    trail.add_argument("--patient", help="only about this patient (handle)")
    trail.add_argument("--from", dest="first", type=_iso_date, help="from this date (UTC)")

    letter = commands.add_parser(
        "letter", help="an attendance letter (PDF) for one patient and period (audited)"
    )
    letter.add_argument("--patient", required=True, help="the patient's handle")
    letter.add_argument("--from", dest="first", required=True, type=_iso_date, help="first day")
    letter.add_argument("--to", dest="last", required=True, type=_iso_date, help="last day")
    letter.add_argument("--out", required=True, type=Path, help="the PDF file to write")
    letter.add_argument(
        "--for",
        dest="recipient",
        choices=["employer", "court", "school", "other"],
        default="other",
        help="who it is for (default: other, 'to whom it may concern')",
    )

    parse = commands.add_parser("parse", help="show how the bot reads a message, as JSON")
    parse.add_argument("text", nargs="?", help="the message")
    parse.add_argument("--now", type=_iso_datetime, help="ISO date-time (default: now)")
    parse.add_argument("--tz", help="IANA time zone (default: the program's)")
    parse.add_argument("--jsonl", type=Path, help='file of {"text","now","tz"} lines')
    return parser


def _iso_date(text: str) -> date:
    try:
        value = date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2026-11-30") from None
    if not EARLIEST <= value <= LATEST:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not between {EARLIEST.year} and {LATEST.year}"
        )
    return value


def _iso_datetime(text: str) -> datetime:
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a date-time like 2026-12-03T19:40:00-05:00"
        ) from None


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return _dispatch(args)
    except ConfigError as error:
        print(f"iop-bot: {error}", file=sys.stderr)
        return USAGE_ERROR
    except IopBotError as error:
        print(f"iop-bot: {error}", file=sys.stderr)
        return FAILURE
    except sqlite3.Error as error:
        print(f"iop-bot: {_database_problem(error)}", file=sys.stderr)
        return FAILURE
    except OSError as error:
        print(f"iop-bot: {error.strerror or error} ({error.filename or 'file'})", file=sys.stderr)
        return FAILURE
    except OverflowError:
        print("iop-bot: that date is too far away", file=sys.stderr)
        return USAGE_ERROR
    except KeyboardInterrupt:
        return FAILURE


def _database_problem(error: sqlite3.Error) -> str:
    """One line an admin can act on; SQLite says "disk I/O error" when the disk is full."""
    text = str(error)
    if "disk is full" in text or "disk I/O error" in text:
        return (
            "the database could not write: the disk is probably full. Free some space "
            "(or move [storage] path to a bigger disk) and run the command again; "
            "nothing was half-written."
        )
    return f"the database cannot be used ({text})"


def _dispatch(args: argparse.Namespace) -> int:
    path = config_path(args.config)
    if args.command == "init":
        config = _create_config(path)
        return asyncio.run(_init_database(config))
    if args.command == "demo":
        from bot.demo import run_demo  # imported late: it pulls in the whole application

        run_demo(sys.stdout, args.lang)
        return 0
    if args.command == "shell":
        from bot.shell import ShellChoice, run_shell  # late: it pulls in the whole application

        choice = ShellChoice(args.handle, args.new_patient, args.therapist, args.db, args.lang)
        # With --db, the config (if there is one) says the program's name, zone and policy.
        config = load_config(path) if args.db and path.exists() else None
        return run_shell(choice, config, sys.stdout)
    if args.command == "parse":
        return _parse(args, path, sys.stdout)
    config = load_config(path)
    if args.command == "run":
        return _run(config)
    if args.command == "invite":
        return asyncio.run(_invite(config, args))
    if args.command == "backup":
        return asyncio.run(_backup(config, args.target))
    if args.command == "report":
        return asyncio.run(_report(config, args))
    if args.command == "audit":
        return asyncio.run(_audit(config, args.patient, args.first))
    if args.command == "forget":
        return asyncio.run(_forget(config, args.patient, args.yes))
    if args.command == "member":
        return asyncio.run(_member(config, args))
    if args.command == "letter":
        return asyncio.run(_letter(config, args))
    if args.action == "import":
        return asyncio.run(_schedule_import(config, args.file))
    return asyncio.run(_schedule_list(config, args.first, args.last))


def _create_config(path: Path) -> Config:
    if path.exists():
        print(f"{path} already exists; leaving it as it is.")
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(EXAMPLE_CONFIG, path)
        path.chmod(0o600)  # it may hold the bot token
        print(f"Created {path}. Edit it: at least [telegram] bot_username and the token.")
    return load_config(path)


async def _init_database(config: Config) -> int:
    db = await Database.open(config.storage.path)
    await db.close()
    print(f"Database ready: {config.storage.path}")
    return 0


def _run(config: Config) -> int:
    from telegram.error import InvalidToken, NetworkError

    from bot.app import run_polling

    if not config.telegram.token:
        raise ConfigError(f"{config.source}: [telegram] token is empty (set it or IOP_BOT_TOKEN)")
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    # httpx logs every request URL at INFO, and the URL contains the bot token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    # APScheduler logs every job run ("Running job ...") at INFO: noise for an operator.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    try:
        with run_lock(config.storage.path):
            asyncio.run(run_polling(config))
    except AlreadyRunning as holder:
        raise IopBotError(
            f"the bot is already running on {config.storage.path} ({holder}); "
            "stop it first (only one bot may send from a database)"
        ) from None
    except InvalidToken:
        raise IopBotError(
            "Telegram did not accept the bot token; check [telegram] token"
        ) from None
    except NetworkError as error:
        raise IopBotError(f"cannot reach the Telegram Bot API ({error})") from None
    return 0


async def _invite(config: Config, args: argparse.Namespace) -> int:
    db = await Database.open(config.storage.path)
    try:
        invite = await issue_invite(
            db,
            role=Role(args.role),
            now=datetime.now(UTC),
            valid_for=config.invites.expire_after,
            handle=args.handle,
            name=args.name,
            therapist=args.therapist,
            groups=tuple(args.group),
            since=args.since,
            payer=Payer(args.payer) if args.payer else None,
            language=args.lang,
        )
    finally:
        await db.close()
    person = invite.person
    username = config.telegram.bot_username or "<bot_username>"
    print(f"Invite for {person.role} {person.handle} ({person.name}),")
    print(f"valid until {invite.expires_at:%Y-%m-%d %H:%M} UTC. It works once; send it privately.")
    print(invite.link(username))
    print(f"code: {invite.code}")
    if not config.telegram.bot_username:
        print(f"(set [telegram] bot_username in {config.source} to get a complete link)")
    return 0


async def _member(config: Config, args: argparse.Namespace) -> int:
    db = await Database.open(config.storage.path)
    try:
        now = datetime.now(UTC)
        if args.action == "list":
            rows = await list_members(db, args.patient, args.group)
        else:
            if args.action == "add":
                await add_member(db, args.patient, args.group, args.since, now)
            else:
                await remove_member(db, args.patient, args.group, args.last_day, now)
            # Reminders follow at once; a running bot sends what is due within a minute.
            await replan(db, config.reminders, config.program.timezone, now)
            rows = await list_members(db, args.patient, args.group)
    finally:
        await db.close()
    print(f"{'patient':<20} {'group':<20} {'joined (UTC)':<17} left (UTC)")
    for row in rows:
        left = f"{row.left_at:%Y-%m-%d %H:%M}" if row.left_at else "-"
        print(
            f"{row.patient_handle:<20} {row.group_id:<20} {row.joined_at:%Y-%m-%d %H:%M}  {left}"
        )
    if not rows:
        print("none")
    return 0


async def _report(config: Config, args: argparse.Namespace) -> int:
    if args.report == "fees":
        return await _fees_report(config, args)
    now = datetime.now(UTC)
    first, last = _report_period(config, args, now)
    if args.format == "png" and args.out is None:
        raise IopBotError("--format png needs --out FILE.png")
    db = await Database.open(config.storage.path)
    try:
        report = await build_report(db, first, last, now, chart=args.format == "png")
    finally:
        await db.close()
    if args.out is None:
        sys.stdout.write(report.csv)
        return 0
    _write_private(args.out, report.png if args.format == "png" else report.csv.encode("utf-8"))
    print(f"Wrote {args.out}: attendance {first} to {last}, {report.rows} rows.")
    return 0


def _report_period(config: Config, args: argparse.Namespace, now: datetime) -> tuple[date, date]:
    """``--from``/``--to``, by default the 30 days up to today in the program's zone."""
    last = args.last or now.astimezone(config.program.timezone).date()
    first = args.first or last - timedelta(days=29)
    if last < first:
        raise IopBotError(f"--to {last} is before --from {first}")
    return first, last


async def _fees_report(config: Config, args: argparse.Namespace) -> int:
    from bot.attendance.ledger import fees_report

    now = datetime.now(UTC)
    first, last = _report_period(config, args, now)
    db = await Database.open(config.storage.path)
    try:
        report = await fees_report(db, first, last, now)
    finally:
        await db.close()
    if args.out is None:
        sys.stdout.write(report.csv)
        return 0
    _write_private(args.out, report.csv.encode("utf-8"))
    print(f"Wrote {args.out}: fees for sessions {first} to {last}, {report.rows} charges.")
    return 0


async def _letter(config: Config, args: argparse.Namespace) -> int:
    from bot.usecases.letters import make_letter, record_cli_letter

    if args.last < args.first:
        raise IopBotError(f"--to {args.last} is before --from {args.first}")
    now = datetime.now(UTC)
    db = await Database.open(config.storage.path)
    try:
        patient = await people_store.find_by_handle(db, args.patient)
        if patient is None or patient.role is not Role.PATIENT:
            raise IopBotError(f"no patient has the handle {args.patient!r}")
        therapist = (
            await people_store.get_person(db, patient.therapist_id)
            if patient.therapist_id is not None
            else None
        )
        made = await make_letter(
            db, config, patient, therapist_name=therapist.name if therapist else "",
            recipient=args.recipient, first=args.first, last=args.last, now=now,
        )  # fmt: skip
        _write_private(args.out, made.pdf)
        await record_cli_letter(db, patient, made, now)
    finally:
        await db.close()
    facts = made.facts
    print(
        f"Wrote {args.out}: attendance letter for {args.patient}, {args.first} to {args.last}, "
        f"{facts.attended} sessions attended; sha256 {made.sha256} (recorded in the audit trail)."
    )
    return 0


def _write_private(path: Path, data: bytes) -> None:
    """Write a file only its owner can read (exports hold names and reasons); a failure is
    the one-line "cannot write" error."""
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.fchmod(descriptor, 0o600)  # an existing file keeps its mode through O_CREAT
        with os.fdopen(descriptor, "wb") as out:
            out.write(data)
    except OSError as error:
        raise IopBotError(f"cannot write {path} ({error})") from None


async def _forget(config: Config, handle: str, confirmed: bool) -> int:
    if not confirmed:
        raise ConfigError(
            f"forgetting {handle} cannot be undone (a backup made before keeps the old data);"
            " run it again with --yes"
        )
    db = await Database.open(config.storage.path)
    try:
        person, forgotten = await forget(db, handle, datetime.now(UTC))
    except NotAPatient:
        raise IopBotError(f"no patient has the handle {handle!r}") from None
    finally:
        await db.close()
    print(f"Forgot {handle}: they are now {forgotten_name(person.id)!r}.")
    print("Removed: " + (_counts(forgotten.removed) or "nothing else was stored"))
    print("Kept, without their name or words: " + (_counts(forgotten.kept) or "nothing"))
    return 0


async def _audit(config: Config, handle: str | None, first: date | None) -> int:
    db = await Database.open(config.storage.path)
    try:
        patient_id = None
        if handle is not None:
            person = await people_store.find_by_handle(db, handle)
            if person is None or person.role is not Role.PATIENT:
                raise IopBotError(f"no patient has the handle {handle!r}")
            patient_id = person.id
        since = datetime.combine(first, time(0), tzinfo=UTC) if first else None
        entries = await audit.trail(db, patient_id=patient_id, since=since)
    finally:
        await db.close()
    if not entries:
        print("Nothing recorded.")
    for entry in entries:
        about = f" about {entry.patient}" if entry.patient else ""
        detail = f" ({entry.detail})" if entry.detail else ""
        who = entry.actor or "command line"
        print(f"{entry.at:%Y-%m-%d %H:%M} UTC  {who}: {entry.action}{about}{detail}")
    return 0


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{label} {number}" for label, number in counts.items())


async def _backup(config: Config, target: Path) -> int:
    db = await Database.open(config.storage.path)
    try:
        await db.backup(target)
    except (FileExistsError, OSError) as error:
        raise IopBotError(f"cannot write the backup: {error}") from None
    finally:
        await db.close()
    print(f"Backed up {config.storage.path} to {target} (readable only by you).")
    return 0


async def _schedule_import(config: Config, file: Path) -> int:
    spec = load_schedule_file(file, config.program.timezone)
    db = await Database.open(config.storage.path)
    try:
        now = datetime.now(UTC)
        try:
            summary = await import_schedule(db, spec, now)
        except ScheduleError as error:  # found against the database: name the file too
            raise ScheduleError(f"{file}: {error}") from None
        # The same re-plan as the bot's: reminders follow the new schedule, therapists get
        # their end-of-session attendance prompts, and patients already reminded of a session
        # that was cancelled or moved are told; a running bot sends it all within a minute.
        await replan(db, config.reminders, config.program.timezone, now)
    finally:
        await db.close()
    print(
        f"Imported {file}: {summary.groups} groups, {summary.series} series and sessions, "
        f"{summary.cancels} cancellations."
    )
    print(
        f"Upcoming occurrences: {summary.occurrences_added} added, "
        f"{summary.occurrences_changed} moved or restored, "
        f"{summary.occurrences_cancelled} cancelled; past ones were left as they were."
    )
    if summary.people_added:
        print("Not invited yet: " + ", ".join(summary.people_added) + " (use `iop-bot invite`).")
    return 0


async def _schedule_list(config: Config, first: date | None, last: date | None) -> int:
    zone = config.program.timezone
    now = datetime.now(UTC)
    first = first or now.astimezone(zone).date()
    last = last or first + timedelta(days=6)
    if last < first:
        raise IopBotError(f"--to {last} is before --from {first}")
    start, end = local_day_bounds(first, last, zone)
    db = await Database.open(config.storage.path)
    try:
        await extend_occurrences(db, now, end)
        occurrences = await schedule_store.occurrences_between(db, start, end)
    finally:
        await db.close()
    print(f"Sessions from {first} to {last} (times in each session's own zone):")
    for occurrence in occurrences:
        print("  " + format_listing_line(occurrence))
    if not occurrences:
        print("  none")
    return 0


def _parse(args: argparse.Namespace, path: Path, out: TextIO) -> int:
    from bot.understanding.engine import MessageReader, Thresholds, parse_jsonl_line

    # Without a config file, parse still works: New York and the default thresholds.
    config = load_config(path) if path.exists() else None
    zone = _parse_zone(args.tz, config)
    if args.jsonl is None and args.text is None:
        raise IopBotError("give the message TEXT or --jsonl FILE")
    reader = MessageReader(Thresholds.from_config(config) if config else Thresholds())
    if args.jsonl is not None:
        try:
            lines = args.jsonl.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as error:
            raise IopBotError(f"{args.jsonl}: cannot be read ({error})") from None
        for line in lines:
            if line.strip():
                out.write(json.dumps(parse_jsonl_line(reader, line, zone), ensure_ascii=False))
                out.write("\n")
        return 0
    now = args.now or datetime.now(UTC)
    if now.tzinfo is None:
        now = now.replace(tzinfo=zone)
    understanding = reader.read(args.text, now, zone)
    out.write(json.dumps(understanding.to_json(), ensure_ascii=False) + "\n")
    return 0


def _parse_zone(name: str | None, config: Config | None) -> ZoneInfo:
    """--tz, else the program's zone if there is a config, else New York."""
    if name:
        try:
            return parse_zone(name)
        except ValueError as error:
            raise IopBotError(f"--tz {error}") from None
    return config.program.timezone if config else ZoneInfo("America/New_York")


if __name__ == "__main__":
    raise SystemExit(main())
