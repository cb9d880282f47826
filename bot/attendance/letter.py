"""Attendance letters: the period asked for, the facts a letter states, and the PDF.

Pure: storage reads the marks (``storage.reports.patient_marks``) and the sessions' kind and
times (``storage.letters.session_times``); this module decides what the letter says. A
letter states attendance only: attended sessions (present or late) by date, kind ("Group
session", never the series title) and length, and the rate (attended out of marked, as a
whole percent rounded half up). Never reasons, absences' details or clinical words.
fpdf2 is imported only when a PDF is drawn.
"""

from __future__ import annotations

import importlib.util
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.attendance.reports import mark_of, whole_percent
from bot.attendance.summary import count_marks
from bot.i18n import current_language, texts
from bot.labels import format_clock, full_date, local_day_bounds, weekday_short
from storage.letters import SessionTimes
from storage.reports import PatientMark

MAX_DAYS = 366
_TYPED_PERIOD = re.compile(
    r"^\s*(\d{4}-\d{2}-\d{2})\s*(?:to|until|till|-|–|—|\.\.)?\s*(\d{4}-\d{2}-\d{2})\s*$",
    re.IGNORECASE,
)


class PeriodProblem(ValueError):
    """A typed period the letter cannot cover; ``text`` says why, kindly."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text


def preset_period(code: str, today: date) -> tuple[date, date]:
    """The period of a button: last 30 days, this month (so far) or last month."""
    if code == "30":
        return today - timedelta(days=29), today
    if code == "tm":
        return today.replace(day=1), today
    if code == "lm":
        last = today.replace(day=1) - timedelta(days=1)
        return last.replace(day=1), last
    raise ValueError(f"unknown period {code!r}")


def typed_period(text: str, today: date) -> tuple[date, date]:
    """Two ISO dates typed by a person; ``PeriodProblem`` says kindly what is wrong."""
    match = _TYPED_PERIOD.match(text)
    try:
        if match is None:
            raise ValueError
        first, last = date.fromisoformat(match[1]), date.fromisoformat(match[2])
    except ValueError:
        raise PeriodProblem(texts.LETTER_BAD_DATES) from None
    if last < first:
        raise PeriodProblem(texts.LETTER_REVERSED)
    if last > today:
        raise PeriodProblem(texts.LETTER_FUTURE.format(today=today.isoformat()))
    if (last - first).days >= MAX_DAYS:
        raise PeriodProblem(texts.LETTER_TOO_LONG)
    return first, last


def describe_length(minutes: int) -> str:
    """'3 hours', '1 hour 30 minutes', '45 minutes' (in the reader's language)."""
    hours, rest = divmod(minutes, 60)
    parts = []
    if hours:
        parts.append(_count("hour", hours))
    if rest or not hours:
        parts.append(_count("minute", rest))
    return " ".join(parts)


def _count(unit: str, n: int) -> str:
    one, many = texts.UNITS[unit]
    return (one if n == 1 else many).format(n=n)


@dataclass(frozen=True)
class AttendedSession:
    day: date
    label: str  # the kind only: "Group session"
    start: str  # "6:00 pm" in the patient's zone
    minutes: int


@dataclass(frozen=True)
class LetterFacts:
    """Everything a letter states, and nothing else."""

    clinic_name: str
    clinic_contact: str
    patient_name: str
    therapist_name: str
    recipient: str  # employer | court | school | other
    first: date
    last: date
    issued_on: date
    sessions: tuple[AttendedSession, ...]
    attended: int
    missed: int
    unmarked: int

    @property
    def rate(self) -> int | None:
        return whole_percent(self.attended, self.attended + self.missed)


def letter_facts(
    marks: Sequence[PatientMark],
    times: dict[int, SessionTimes],
    *,
    first: date,
    last: date,
    zone: ZoneInfo,
    now: datetime,
    clinic_name: str,
    clinic_contact: str,
    patient_name: str,
    therapist_name: str,
    recipient: str,
) -> LetterFacts:
    """The facts of one patient's letter for the local days ``first`` to ``last``."""
    start, end = local_day_bounds(first, last, zone)
    until = min(end, now)
    # A letter states what happened in the period, session by session: the table and the
    # counts come from the same sessions (a make-up is a session attended when it took place;
    # the session it made up is then neither attended nor missed).
    in_period = [m for m in marks if start <= m.starts_at < until]
    counts = count_marks([replace(m, is_makeup=False) for m in in_period], start, until)
    sessions = []
    for mark in in_period:
        if not mark_of(mark.status, mark.by_therapist).attended:
            continue
        session = times[mark.occurrence_id]
        local = session.starts_at.astimezone(zone)
        sessions.append(
            AttendedSession(
                day=local.date(),
                label=texts.LETTER_SESSION_LABELS[session.kind.value],
                start=format_clock(local),
                minutes=int((session.ends_at - session.starts_at).total_seconds() // 60),
            )
        )
    return LetterFacts(
        clinic_name=clinic_name,
        clinic_contact=clinic_contact,
        patient_name=patient_name,
        therapist_name=therapist_name,
        recipient=recipient,
        first=first,
        last=last,
        issued_on=now.astimezone(zone).date(),
        sessions=tuple(sessions),
        attended=len(sessions),
        missed=counts.missed,
        unmarked=counts.unmarked,
    )


def letter_day(day: date) -> str:
    """'30 November 2026' ('30 de noviembre de 2026'): unambiguous for any reader."""
    return full_date(day)


def _unicode_fonts() -> tuple[Path, Path] | None:
    """DejaVu Sans (regular, bold), which matplotlib ships, so any name prints; found
    without importing matplotlib."""
    spec = importlib.util.find_spec("matplotlib")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        fonts = Path(folder) / "mpl-data" / "fonts" / "ttf"
        regular, bold = fonts / "DejaVuSans.ttf", fonts / "DejaVuSans-Bold.ttf"
        if regular.is_file() and bold.is_file():
            return regular, bold
    return None


def render_pdf(facts: LetterFacts, created: datetime) -> bytes:
    """The letter as a one- or few-page A4 PDF with a real text layer, titled, in the
    language being written in (the patient's)."""
    from fpdf import FPDF  # heavy: only when a letter is made

    pdf = FPDF(format="A4")
    pdf.set_lang(current_language())
    pdf.set_title(texts.LETTER_PDF_TITLE)
    pdf.set_author(facts.clinic_name)
    pdf.set_creator(facts.clinic_name)  # never the software's name: it says "IOP"
    pdf.set_creation_date(created)
    fonts = _unicode_fonts()
    family = "Helvetica"
    if fonts is not None:
        family = "DejaVu"
        pdf.add_font(family, "", str(fonts[0]))
        pdf.add_font(family, "B", str(fonts[1]))
    else:  # the core font holds Latin-1 only
        facts = _latin1(facts)
    pdf.set_margins(20, 20, 20)
    pdf.add_page()
    width = pdf.epw

    def line(text: str, size: float = 11, height: float = 6, gap: float = 0) -> None:
        pdf.set_font(family, size=size)
        pdf.multi_cell(width, height, text, new_x="LMARGIN", new_y="NEXT")
        if gap:
            pdf.ln(gap)

    line(facts.clinic_name, size=15, height=8)
    if facts.clinic_contact:
        line(facts.clinic_contact, size=10, height=5)
    pdf.ln(8)
    line(texts.LETTER_PDF_TITLE, size=14, height=8, gap=2)
    line(texts.LETTER_PDF_DATE.format(today=letter_day(facts.issued_on)))
    recipient = texts.LETTER_PDF_RECIPIENTS.get(
        facts.recipient, texts.LETTER_PDF_RECIPIENTS["other"]
    )
    line(texts.LETTER_PDF_FOR.format(recipient=recipient), gap=4)
    line(
        texts.LETTER_PDF_INTRO.format(
            patient=facts.patient_name,
            clinic=facts.clinic_name,
            first=letter_day(facts.first),
            last=letter_day(facts.last),
        ),
        gap=4,
    )
    if facts.sessions:
        pdf.set_font(family, size=10)
        with pdf.table(col_widths=(45, 55, 30, 40), text_align="LEFT") as table:
            table.row(texts.LETTER_PDF_TABLE)
            for session in facts.sessions:
                table.row(
                    (
                        f"{weekday_short(session.day)} {letter_day(session.day)}",
                        session.label,
                        session.start,
                        describe_length(session.minutes),
                    )
                )
        pdf.ln(4)
        total = describe_length(sum(s.minutes for s in facts.sessions))
        line(texts.LETTER_PDF_TOTAL.format(attended=facts.attended, length=total))
    else:
        line(texts.LETTER_PDF_NONE)
    rate = facts.rate
    if rate is None:
        line(texts.LETTER_PDF_NO_RATE, gap=14)
    else:
        marked = facts.attended + facts.missed
        line(
            texts.LETTER_PDF_RATE.format(rate=f"{rate}%", attended=facts.attended, marked=marked),
            gap=14,
        )
    line(texts.LETTER_PDF_SIGNATURE, gap=2)
    line(texts.LETTER_PDF_SIGNED.format(therapist=facts.therapist_name), gap=10)
    line(texts.LETTER_PDF_FOOTER, size=8, height=4)
    return bytes(pdf.output())


def _latin1(facts: LetterFacts) -> LetterFacts:
    from dataclasses import replace

    def clean(text: str) -> str:
        return text.encode("latin-1", "replace").decode("latin-1")

    return replace(
        facts,
        clinic_name=clean(facts.clinic_name),
        clinic_contact=clean(facts.clinic_contact),
        patient_name=clean(facts.patient_name),
        therapist_name=clean(facts.therapist_name),
    )
