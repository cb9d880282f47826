"""Risk flags follow attendance both ways: they go up when misses cross a threshold (the
therapist is alerted once per crossing) and down when the patient attends again or misses
age out of the window. Every change is stored (``risk_crossings``)."""

from __future__ import annotations

from datetime import timedelta

from bot.attendance.summary import RiskFlag, RiskThresholds, patient_summary, risk_crossings
from bot.i18n import texts, worded, writing_for
from bot.outbox.rows import NotificationKind, person_event, quiet_field
from bot.services import Services
from storage import people
from storage import reports as report_store
from storage import risk as risk_store
from storage import safety as safety_store
from storage.records import Person


async def check_risk(s: Services, patient: Person) -> None:
    """Re-evaluate one patient's flags; the therapist hears about each upward crossing once."""
    db, notifier, policy, now = s.db, s.notifier, s.config.policy, s.clock.now()
    marks = await report_store.patient_marks(db, patient.id, now)
    summary = patient_summary(marks, now, insurance_window_days=policy.insurance_window_days)
    previous = frozenset(RiskFlag(flag) for flag in await risk_store.get_flags(db, patient.id))
    thresholds = RiskThresholds.from_policy(policy)
    flags, crossings = risk_crossings(previous, summary.risk_inputs, thresholds)
    for crossing in crossings:
        if crossing.flag is RiskFlag.CONSECUTIVE_MISSES:
            text = worded("RISK_CONSECUTIVE", patient=patient.name, value=crossing.value)
        else:
            text = worded(
                "RISK_INSURANCE",
                patient=patient.name,
                value=crossing.value,
                days=policy.insurance_window_days,
            )
        stamp = f"{now:%Y%m%dT%H%M%S}"
        await notifier.alert(
            [patient.therapist_id] if patient.therapist_id else [],
            lambda _, text=text: text(),  # in the therapist's language
            patient_id=patient.id,
            tag=f"risk:{crossing.flag.value}:{patient.id}:{stamp}",
        )
        if crossing.flag is RiskFlag.INSURANCE_WINDOW:
            await _support_patient(s, patient, stamp)
    inputs = summary.risk_inputs
    values = {
        RiskFlag.CONSECUTIVE_MISSES: (inputs.consecutive_misses, thresholds.consecutive_misses),
        RiskFlag.INSURANCE_WINDOW: (inputs.window_misses, thresholds.window_misses),
    }
    changes = [
        risk_store.FlagChange(flag.value, "up" if flag in flags else "down", *values[flag])
        for flag in sorted(flags ^ previous)
    ]
    # Flags are stored after their alerts are queued: a crash in between can repeat an
    # alert, never lose one.
    await risk_store.set_flags(db, patient.id, [flag.value for flag in flags], changes, now)


async def _support_patient(s: Services, patient: Person, stamp: str) -> None:
    """A supportive note (not a warning) to a patient whose misses piled up; it waits for
    the end of a pause after a crisis, and is silent at night like other routine notes."""
    if patient.chat_id is None:
        return
    now = s.clock.now()
    paused = await safety_store.paused_until(s.db, patient.id, now)
    therapist = (
        (await people.get_person(s.db, patient.therapist_id)).name
        if patient.therapist_id
        else None
    )
    with writing_for(patient.language):
        template = texts.SUPPORT_NOTE_DISCREET if patient.discreet else texts.SUPPORT_NOTE
        text = template.format(name=patient.call_name, therapist=therapist or texts.YOUR_CARE_TEAM)
    hours = s.config.reminders.patient_quiet_hours if patient.quiet else None
    row = person_event(
        NotificationKind.NOTICE,
        person_id=patient.id,
        chat_id=patient.chat_id,
        variant=f"support:{stamp}",
        payload={
            "text": text,
            **quiet_field(s.zone_of(patient).key, hours),
        },
        due_at=max(now, paused or now),
        patient_id=patient.id,
    )
    await s.notifier.enqueue([row])


async def recheck_flags(s: Services) -> int:
    """Re-evaluate everyone whose flags could change without a new mark: misses ageing out
    of the insurance window, and absences reported ahead whose session has now passed.
    Returns how many patients were checked."""
    now = s.clock.now()
    window = timedelta(days=max(s.config.policy.insurance_window_days, 1))
    # A day more than the window, so a run missed while the bot was down is caught up.
    patient_ids = await risk_store.patients_to_recheck(s.db, now - window - timedelta(days=1), now)
    for patient_id in patient_ids:
        await check_risk(s, await people.get_person(s.db, patient_id))
    return len(patient_ids)
