"""Vocabularies shared by the schedule, message understanding and storage."""

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
