"""Every callback-data prefix and deep-link payload the bot uses, in one place.

Callback data is ``<prefix><fields>`` (Telegram allows 64 bytes); each pattern below is the
exact shape a handler accepts, so forged data never reaches a handler's code. Prefixes are
unique: no prefix starts another feature's prefix.
"""

from __future__ import annotations

# Ids are ASCII digits that fit SQLite's 64-bit integers (``\d`` would also take "１"), and a
# pattern ends at the end of the data (``$`` would also match before a final newline).
ID = "[0-9]{1,18}"
END = r"\Z"

# --- patient: absence dialog (handlers.patient.absence)
ABSENCE_CONFIRM_YES = "ab:yes"
ABSENCE_CONFIRM_OTHER = "ab:other"
ABSENCE_PICK = "ab:o:"  # ab:o:<occurrence>
ABSENCE_PICK_NONE = "ab:none"
ABSENCE_PICK_MISSED = "ab:missed"
ABSENCE_REASON = "ab:r:"  # ab:r:<reason value|skip>
ABSENCE_REASON_SKIP = ABSENCE_REASON + "skip"
ABSENCE_CONFIRM_PATTERN = rf"^({ABSENCE_CONFIRM_YES}|{ABSENCE_CONFIRM_OTHER}){END}"
ABSENCE_PICK_PATTERN = rf"^({ABSENCE_PICK}{ID}|{ABSENCE_PICK_NONE}|{ABSENCE_PICK_MISSED}){END}"
ABSENCE_REASON_PATTERN = rf"^{ABSENCE_REASON}"

# --- patient: reminder buttons (planned by bot.outbox.planning)
REMINDER_CONFIRM = "r:c:"  # r:c:<occurrence>
REMINDER_ABSENT = "r:a:"
REMINDER_LATE = "r:l:"
REMINDER_LATE_MINUTES = "r:m:"  # r:m:<occurrence>:<minutes>
REMINDER_PREFIXES = (REMINDER_CONFIRM, REMINDER_ABSENT, REMINDER_LATE)
REMINDER_CONFIRM_OR_LATE_PATTERN = rf"^({REMINDER_CONFIRM}|{REMINDER_LATE}){ID}{END}"
REMINDER_ABSENT_PATTERN = rf"^{REMINDER_ABSENT}{ID}{END}"
REMINDER_LATE_MINUTES_PATTERN = rf"^{REMINDER_LATE_MINUTES}{ID}:(0|5|15|30){END}"

# --- patient: a message the bot could not place ("Send this to my therapist")
FORWARD_NOTE = "fwd:"  # fwd:<note>
FORWARD_NOTE_PATTERN = rf"^{FORWARD_NOTE}{ID}{END}"

# --- patient: "which one do you mean?" (c = one of the readings offered)
CLARIFY = "cl:"  # cl:<note>:<u|m|l|r|c>
CLARIFY_PATTERN = rf"^cl:{ID}:[umlrc]{END}"
CLARIFY_CODES = {
    "absence_upcoming": "u",
    "absence_missed": "m",
    "late": "l",
    "reschedule": "r",
    "attend_confirm": "c",
}

# --- the safety net (handlers.crisis)
SAFETY_ANSWER = "sf:"  # sf:<s|h>:<event>: "I'm safe" / "I need help now"
SAFETY_ANSWER_PATTERN = rf"^sf:[sh]:{ID}{END}"
SAFETY_TAKE = "sa:"  # sa:<event>: a therapist's "I'm on it"
SAFETY_TAKE_PATTERN = rf"^sa:{ID}{END}"
BUDDY_WORRY = "bw:"  # bw:<note>: pass a buddy's worried message to the care team
BUDDY_WORRY_PATTERN = rf"^bw:{ID}{END}"

# --- patient: follow-up after a miss and catch-up material (bot.attendance.catchup)
FOLLOWUP = "fu:"  # fu:<m|t|o>:<occurrence>: material, talk, okay
FOLLOWUP_PATTERN = rf"^fu:[mto]:{ID}{END}"
CAUGHT_UP = "cu:"  # cu:<occurrence>
CAUGHT_UP_PATTERN = rf"^cu:{ID}{END}"

# --- patient: reminder settings
SETTINGS_TOGGLE = "st:t:"  # st:t:<lead time label>
SETTINGS_DEFAULT = "st:default"
SETTINGS_DONE = "st:done"
SETTINGS_DISCREET = "st:discreet"
SETTINGS_QUIET = "st:quiet"
SETTINGS_LANGUAGE = "st:lang"

# --- patient and buddy: reminder buddies
BUDDY_INVITE = "bd:invite"
BUDDY_END = "bd:end:"  # bd:end:<buddy>
BUDDY_PATIENT_PATTERN = rf"^({BUDDY_INVITE}|{BUDDY_END}{ID}){END}"
BUDDY_ANSWER = "bu:"  # bu:<y|n>:<buddy>:<first 16 hex of the code's hash>
BUDDY_ANSWER_PATTERN = rf"^bu:[yn]:{ID}:[0-9a-f]{{16}}{END}"

# --- onboarding
CONSENT = "consent:"  # consent:<y|n>:<invite>
CONSENT_PATTERN = rf"^consent:[yn]:{ID}{END}"
TIMEZONE = "tz:"  # tz:<choice>
NAME_KEEP = "nm:keep"  # the name suggested when joining is fine
NAME_KEEP_PATTERN = rf"^{NAME_KEEP}{END}"

# --- therapist: attendance sheet (the prompt after a session is planned by bot.outbox.notices)
ATTENDANCE_MARK = "at:"  # at:<occurrence>:<patient> toggles one patient
ATTENDANCE_OPEN = "at:open:"  # at:open:<occurrence> sends the marking message
ATTENDANCE_DONE = "at:done:"  # at:done:<occurrence>
ATTENDANCE_PATTERN = rf"^at:(open:{ID}|done:{ID}|{ID}:{ID}){END}"

# --- therapist: patients, reports, materials
PAUSE_LIFT = "pl:"  # pl:<patient>: lift the pause after a crisis
PAUSE_LIFT_PATTERN = rf"^pl:{ID}{END}"
PATIENT_PICK = "pt:"  # pt:<patient>
PATIENT_PICK_PATTERN = rf"^pt:{ID}{END}"
FEES_SHOW = "fs:"  # fs:<patient>: the patient's fees, under /patient
FEES_SHOW_PATTERN = rf"^fs:{ID}{END}"
FEE_WAIVE = "fv:"  # fv:<charge>: waive it (a typed reason follows)
FEE_WAIVE_PATTERN = rf"^fv:{ID}{END}"
REPORT_PERIOD = "rp:"  # rp:<days>
MATERIAL_PICK = "mt:o:"  # mt:o:<occurrence>
MATERIAL_SCOPE_ONE = "mt:one"
MATERIAL_SCOPE_SERIES = "mt:all"
MATERIAL_PICK_PATTERN = rf"^{MATERIAL_PICK}{ID}{END}"
MATERIAL_SCOPE_PATTERN = rf"^({MATERIAL_SCOPE_ONE}|{MATERIAL_SCOPE_SERIES}){END}"

# --- patient: "Update my calendar" on a change notice (handlers.patient.calendar)
CALENDAR_SEND = "cal:send"
CALENDAR_SEND_PATTERN = rf"^{CALENDAR_SEND}{END}"
# --- attendance letters: the patient's request (handlers.patient.letter) and the therapist's
# decision (handlers.therapist.letters)
LETTER_RECIPIENT = "lt:w:"  # lt:w:<letter>:<employer|court|school|other>
LETTER_PERIOD = "lt:p:"  # lt:p:<letter>:<30|tm|lm>
LETTER_RECIPIENT_PATTERN = rf"^lt:w:{ID}:(employer|court|school|other){END}"
LETTER_PERIOD_PATTERN = rf"^lt:p:{ID}:(30|tm|lm){END}"
LETTER_APPROVE = "lr:a:"  # lr:a:<letter>
LETTER_CHANGE = "lr:c:"  # lr:c:<letter>
LETTER_DECLINE = "lr:d:"  # lr:d:<letter>
LETTER_REVIEW_PATTERN = rf"^lr:[acd]:{ID}{END}"
LETTER_NEW_PERIOD = "lr:p:"  # lr:p:<letter>:<30|tm|lm>
LETTER_NEW_PERIOD_PATTERN = rf"^lr:p:{ID}:(30|tm|lm){END}"
LETTER_NO_NOTE = "lr:n:"  # lr:n:<letter>: decline without a note
LETTER_NO_NOTE_PATTERN = rf"^lr:n:{ID}{END}"

# --- make-ups and catch-up sessions: the patient's choices (handlers.patient.makeups)
MAKEUP_OPTIONS = "mk:o:"  # mk:o:<missed>: show what's open
MAKEUP_SEAT = "mk:s:"  # mk:s:<missed>:<occurrence>: a make-up seat
MAKEUP_SLOT = "mk:c:"  # mk:c:<missed>:<slot>: a catch-up slot
MAKEUP_ASK = "mk:a:"  # mk:a:<missed>: ask my therapist
MAKEUP_WITHDRAW = "mk:w:"  # mk:w:<request>
PROPOSAL_ACCEPT = "mk:y:"  # mk:y:<request>
PROPOSAL_DECLINE = "mk:n:"  # mk:n:<request>
MAKEUP_PATTERN = rf"^mk:([oaywn]:{ID}|[sc]:{ID}:{ID}){END}"
# --- the therapist's answer to a request for another time (handlers.therapist.makeups)
REQUEST_APPROVE = "mr:a:"  # mr:a:<request>
REQUEST_PROPOSE = "mr:p:"  # mr:p:<request>
REQUEST_DECLINE = "mr:d:"  # mr:d:<request>
REQUEST_REVIEW_PATTERN = rf"^mr:[apd]:{ID}{END}"
REQUEST_NO_NOTE = "mr:n:"  # mr:n:<request>
REQUEST_NO_NOTE_PATTERN = rf"^mr:n:{ID}{END}"
# --- catch-up slots (/slots)
SLOT_ADD = "sl:add"
SLOT_REMOVE = "sl:r:"  # sl:r:<slot>
SLOT_ADD_PATTERN = rf"^{SLOT_ADD}{END}"
SLOT_REMOVE_PATTERN = rf"^sl:r:{ID}{END}"

# --- deep links: https://t.me/<bot>?start=<payload>
BUDDY_LINK = "b-"  # b-<code>: a buddy invitation; any other payload is a person's invite


def deep_link(bot_username: str, payload: str) -> str:
    return f"https://t.me/{bot_username}?start={payload}"


def trailing_id(data: str) -> int:
    """The number after the last colon: ``r:c:42`` -> 42 (the pattern already matched)."""
    return int(data.rsplit(":", 1)[1])
