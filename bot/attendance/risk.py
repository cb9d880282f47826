"""Risk flags: alert a patient's therapist once when a flag goes up, not on every miss."""

from __future__ import annotations

from bot import texts
from bot.attendance.summary import RiskFlag, RiskThresholds, patient_summary, risk_crossings
from bot.services import Services
from storage import reports as report_store
from storage import risk as risk_store
from storage.records import Person


async def check_risk(s: Services, patient: Person) -> None:
    """Re-evaluate one patient's flags; the therapist hears about each crossing once."""
    db, notifier, policy, now = s.db, s.notifier, s.config.policy, s.clock.now()
    marks = await report_store.patient_marks(db, patient.id, now)
    summary = patient_summary(marks, now, insurance_window_days=policy.insurance_window_days)
    previous = frozenset(RiskFlag(flag) for flag in await risk_store.get_flags(db, patient.id))
    flags, crossings = risk_crossings(
        previous, summary.risk_inputs, RiskThresholds.from_policy(policy)
    )
    for crossing in crossings:
        if crossing.flag is RiskFlag.CONSECUTIVE_MISSES:
            text = texts.RISK_CONSECUTIVE.format(patient=patient.name, value=crossing.value)
        else:
            text = texts.RISK_INSURANCE.format(
                patient=patient.name, value=crossing.value, days=policy.insurance_window_days
            )
        stamp = f"{now:%Y%m%dT%H%M%S}"
        await notifier.alert(
            [patient.therapist_id] if patient.therapist_id else [],
            lambda _, text=text: text,
            patient_id=patient.id,
            tag=f"risk:{crossing.flag.value}:{patient.id}:{stamp}",
        )
    # Flags are stored after their alerts are queued: a crash in between can repeat an
    # alert, never lose one.
    await risk_store.set_flags(db, patient.id, [flag.value for flag in flags], now)
