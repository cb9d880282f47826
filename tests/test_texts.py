"""The words the bot sends, read as a reviewer would: what a locked phone shows first."""

from __future__ import annotations

import string

import pytest

from bot import texts

# Everything a therapist receives without asking: alerts, notices, prompts and flags.
STAFF_MESSAGES = sorted(
    name
    for name in dir(texts)
    if name.startswith(("ALERT_", "RISK_"))
    or name in ("STAFF_UNREACHABLE", "SAFETY_TAKEN_NOTICE", "ATTENDANCE_PROMPT")
)
CLINICAL = ("therapy", "crisis", "suicid", "treatment", "relapse", "overdose", "session", "group")
SAMPLE = {
    "patient": "Alex R.",
    "name": "Alex R.",
    "session": "Group Therapy, Mon 30 Nov, 6:00 pm",
    "text": "I want to die",
    "therapist": "Dr. Lee",
    "buddy": "Sam",
    "title": "Group Therapy",
}


def _fill(template: str) -> str:
    fields = {f for _, f, _, _ in string.Formatter().parse(template) if f}
    return template.format(**{f: SAMPLE.get(f, "7") for f in fields})


def test_every_staff_message_kind_is_listed() -> None:
    assert len(STAFF_MESSAGES) >= 16


@pytest.mark.parametrize("name", STAFF_MESSAGES)
def test_a_staff_message_s_first_line_names_nobody_and_nothing_clinical(name: str) -> None:
    first = _fill(getattr(texts, name)).split("\n")[0].lower()
    assert "alex" not in first and "sam" not in first
    assert not [word for word in CLINICAL if word in first], first


# What a patient gets unasked in discreet mode (the default): reminders, check-ins, etc.
DISCREET_PATIENT_MESSAGES = sorted(
    name
    for name in dir(texts)
    if name.endswith("_DISCREET") and isinstance(getattr(texts, name), str)
)


def test_every_discreet_patient_message_kind_is_listed() -> None:
    assert len(DISCREET_PATIENT_MESSAGES) >= 7


@pytest.mark.parametrize("name", DISCREET_PATIENT_MESSAGES)
def test_a_discreet_patient_message_s_first_line_is_only_about_an_appointment(name: str) -> None:
    first = _fill(getattr(texts, name)).split("\n")[0].lower()
    assert not [word for word in CLINICAL if word in first], first


@pytest.mark.parametrize(
    "name", ["CRISIS_REPLY", "SAFETY_CHECK", "SAFETY_QUESTION", "SAFETY_HELP_REPLY"]
)
def test_crisis_texts_carry_no_emoji(name: str) -> None:
    assert not any(ord(ch) > 0x2FFF for ch in getattr(texts, name))
