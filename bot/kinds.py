"""Vocabularies shared by the schedule, message understanding, storage and the handlers."""

from enum import StrEnum


class SessionKind(StrEnum):
    GROUP = "group"
    INDIVIDUAL = "individual"
    FAMILY = "family"
    PSYCHOEDUCATION = "psychoeducation"
    SUPPORT = "support"


class Reason(StrEnum):
    WORK = "work"
    SCHOOL = "school"
    HEALTH = "health"
    FAMILY = "family"
    TRANSPORT = "transport"
    TECHNOLOGY = "technology"
    CHILDCARE = "childcare"
    MOTIVATION = "motivation"
    LEGAL = "legal"
    OTHER = "other"


class Role(StrEnum):
    """Who someone is to the bot. People are stored as therapists or patients; a buddy is
    someone with a buddy link, and anyone else is unknown."""

    THERAPIST = "therapist"
    PATIENT = "patient"
    BUDDY = "buddy"
    UNKNOWN = "unknown"


class AuditAction(StrEnum):
    """What staff did that the audit trail records (besides attendance edits and crisis
    acknowledgements, which are recorded where they happen)."""

    VIEWED_SUMMARY = "viewed a patient summary"
    EXPORTED_REPORT = "exported an attendance report"
    FORGOT_PATIENT = "forgot a patient"
    LETTER_ISSUED = "issued an attendance letter"
    WAIVED_FEE = "waived a fee"
    EXPORTED_FEES = "exported the fees ledger"


# The roles an admin can invite with ``iop-bot invite --role``.
PERSON_ROLES = (Role.THERAPIST, Role.PATIENT)


class Payer(StrEnum):
    """Who pays for a patient's care; decides whether a missed-session fee may be charged."""

    MEDICAID = "medicaid"  # never charged for a missed appointment (42 CFR 447.15)
    MEDICARE = "medicare"  # charged like everyone: the policy is the same for every patient
    COMMERCIAL = "commercial"
    SELF_PAY = "self_pay"


class ChargeReason(StrEnum):
    NO_SHOW = "no_show"  # missed without notice (or told after the start)
    LATE_CANCEL = "late_cancel"  # told less than late_cancel_hours ahead
