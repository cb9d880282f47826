"""Telling a patient's care team: every staff alert is an outbox row queued from here."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

from bot.i18n import texts
from bot.labels import staff_session_label
from bot.services import Services
from storage import people
from storage.records import Occurrence, Person

QUOTE_LIMIT = 1000  # keep alerts well under Telegram's 4,096 characters


def quote(text: str) -> str:
    """A patient's words on one line, cut to a length an alert can carry."""
    text = " ".join(text.split())
    return text if len(text) <= QUOTE_LIMIT else text[: QUOTE_LIMIT - 1] + "…"


def care_team(patient: Person, *extra_therapist_ids: int | None) -> set[int]:
    """The patient's own therapist and, where different, whoever leads the session."""
    return {i for i in (patient.therapist_id, *extra_therapist_ids) if i is not None}


async def alert_care_team(
    s: Services,
    patient: Person,
    render: Callable[[ZoneInfo], str],
    *,
    tag: str,
    session_therapist_id: int | None = None,
    **options: Any,
) -> int:
    """Queue one alert per therapist of the care team, each in their own zone.

    ``tag`` names the event (``absence:42``): one alert per event and therapist. ``options``
    go to ``Notifier.alert`` (a later due time, buttons, a safety event, a priority).
    """
    team = care_team(patient, session_therapist_id)
    return await s.notifier.alert(team, render, patient_id=patient.id, tag=tag, **options)


async def alert_about_session(
    s: Services,
    patient: Person,
    occurrence: Occurrence,
    template: str,
    *,
    tag: str,
    **fields: object,
) -> int:
    """Alert the care team (and whoever leads the session) with the text named ``template``
    (``"ALERT_LATE"``), whose ``{patient}`` and ``{session}`` are filled in each therapist's
    own zone and language; a callable field is called then, to be worded in it too."""

    def render(zone: ZoneInfo) -> str:
        values = {name: value() if callable(value) else value for name, value in fields.items()}
        return getattr(texts, template).format(
            patient=patient.name, session=staff_session_label(occurrence, zone), **values
        )

    return await alert_care_team(
        s,
        patient,
        render,
        tag=tag,
        session_therapist_id=occurrence.therapist_id,
    )


async def therapist_name(s: Services, patient: Person) -> str:
    """The name the patient knows their therapist by ("your care team" if none)."""
    if patient.therapist_id is None:
        return texts.YOUR_CARE_TEAM
    return (await people.get_person(s.db, patient.therapist_id)).name
