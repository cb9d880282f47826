"""Everything the bot says, in one place, so tone can be reviewed in one read.

Rules: short, warm, plain words, never shaming. Nothing clinical in anything a buddy or a
group chat could see.
"""

from __future__ import annotations

from bot.kinds import Role

# (command, description) per role: the /help text and the per-chat command menu.
COMMANDS: dict[Role, tuple[tuple[str, str], ...]] = {
    Role.UNKNOWN: (
        ("start", "Start with your personal invite link"),
        ("privacy", "What I keep and who sees it"),
        ("help", "What I can do"),
    ),
    Role.PATIENT: (
        ("schedule", "Your sessions in the next 7 days"),
        ("calendar", "Your next 4 weeks for your phone's calendar"),
        ("absent", "Tell your care team you'll miss a session"),
        ("catchup", "Material for sessions you missed"),
        ("settings", "When I remind you, and how reminders look"),
        ("name", "What I call you: /name Alex"),
        ("buddy", "Invite a friend to get reminder nudges"),
        ("letter", "A letter that confirms your attendance"),
        ("fees", "Your account with the clinic"),
        ("privacy", "What I keep and who sees it"),
        ("mydata", "A copy of everything I keep about you"),
        ("language", "Switch between English and Spanish"),
        ("help", "What I can do"),
    ),
    Role.THERAPIST: (
        ("today", "Today's sessions and who is coming"),
        ("attendance", "Mark attendance for a session"),
        ("materials", "Add catch-up material (recordings, readings)"),
        ("patient", "One patient's attendance: /patient NAME"),
        ("report", "Attendance report (CSV and chart)"),
        ("slots", "Catch-up slots patients can book"),
        ("schedule", "Sessions you lead in the next 7 days"),
        ("language", "Switch between English and Spanish"),
        ("help", "What I can do"),
    ),
    Role.BUDDY: (
        ("stop", "Stop the reminders"),
        ("privacy", "What I keep and who sees it"),
        ("help", "What I can do"),
    ),
}

PRIVATE_ONLY = "Hi! I only talk in private chats. Please message me directly: @{username}"

START_WITHOUT_CODE = (
    "Hi! 👋 To get started, please open the personal invite link you were sent. "
    "If you don't have one, ask the person who told you about me."
)
WELCOME_BACK = "Welcome back, {name}! 😊 Here is what I can do:\n\n{commands}"

INVITE_UNKNOWN = (
    "I couldn't find that invite. Please check you opened the whole link, "
    "or ask whoever sent it for a new one."
)
INVITE_USED = (
    "This invite link has already been used. If that wasn't you, or you need a new one, "
    "please ask whoever sent it."
)
INVITE_EXPIRED = "This invite link has expired. Please ask whoever sent it for a fresh one. 🙏"
INVITE_WRONG_ROLE = (
    "This link is for a {invite_role}, but you're already set up here as a {your_role}. "
    "Please ask your clinic for the right link."
)
INVITE_ALREADY_SET_UP = "You're already set up, {name}. Nothing more to do! Try /help."

THERAPIST_WELCOME = (
    "Welcome, {name}! You're registered as a therapist for {program}.\n\n"
    "Here is what you can do:\n\n{commands}"
)

BUDDY_PRIVACY = (
    "As a reminder buddy, I keep your first name, this chat and your time zone, only to send "
    "the short reminders you agreed to. Telegram carries our messages. Nothing else about you "
    "is kept, and you learn nothing about your friend but when they have an appointment. "
    "Send /stop at any time and the reminders end."
)
# Before consent nothing names the person or the program: a forwarded link shows no one else
# whose it is or what it is for.
CONSENT = (
    "Hi! You've been invited to a reminder service. 👋\n\n{privacy}\n\nIs that okay with you?"
)
PRIVACY = (
    "Here is what I keep and who sees it:\n"
    "• your name, your appointments and your time zone;\n"
    "• what you tell me about coming to them (for example that you'll miss one, and why, "
    "if you choose to say), and anything you ask me to pass on.\n\n"
    "Who sees it: your care team; the clinic's attendance records, which go to billing and "
    "your insurance; and letters (for example for court, probation or work) only when you "
    "ask for one. Telegram carries our messages, as it does all your chats. Nothing goes to "
    "anyone else, and I never post anything in group chats. A friend you invite as a "
    "reminder buddy only ever learns that you have an appointment and when. Once you've "
    "joined, /mydata sends you a copy of everything I keep."
)
MY_DATA_CAPTION = (
    "Here is everything I keep about you, as a file (JSON). It's private: keep it somewhere "
    "safe. To have your data removed, ask your care team."
)
CONSENT_YES = "Yes, that's okay"
CONSENT_NO = "No, thanks"
CONSENT_DECLINED = (
    "That's completely okay. I haven't saved anything about you. "
    "If you change your mind, just open your invite link again, or talk to your care team."
)

TIMEZONE_QUESTION = (
    "Thanks! One last thing: which time zone are you in? "
    "I'll show your session times in it. (Right now it's {local_time} in {zone_label}.)"
)
TIMEZONE_PROGRAM_MARK = "✅ {label}"
ASK_NAME = "What would you like me to call you? Tap {name}, or send me the name you'd like."
NAME_NOT_USABLE = "Could you send just the name, on one line (up to 40 letters)?"
NAME_SET = "Okay, I'll call you {name}. 🙂"
NAME_USAGE = "Send /name followed by what you'd like me to call you, e.g. /name Alex"
PATIENT_WELCOME = (
    "You're all set, {name}! 🎉\n\n"
    "I'll keep track of your sessions with {therapist} and remind you before each one.\n\n"
    "{next_sessions}\n\n"
    "Here is what you can do:\n\n{commands}"
)
NEXT_SESSIONS_HEADER = "Your sessions in the next 7 days:"
NO_SESSIONS_THIS_WEEK = "You have no sessions in the next 7 days."
THERAPIST_NO_SESSIONS = "You lead no sessions in the next 7 days."
THERAPIST_SESSIONS_HEADER = "Sessions you lead in the next 7 days:"
TIMES_SHOWN_IN = "Times are in {zone_label}."

PRESS_A_BUTTON = "Please tap one of the buttons above. 🙂 (Or send /cancel to stop.)"
ONBOARDING_CANCELLED = (
    "Okay, I've stopped. Nothing was saved. Open your invite link again whenever you're ready."
)
INVITE_REPLACED = "You've opened another invite link since, so let's go on with that one. 🙂"
INVITE_TAKEN_MEANWHILE = (
    "Sorry, this invite can't be used any more. Please ask your clinic for a new link."
)

# Strangers, would-be buddies and former buddies see these: nothing about a clinic or care.
UNKNOWN_USER = (
    "Hi! I don't think we've met yet. 👋 To get started, please open the personal invite "
    "link you were sent."
)
NOT_FOR_YOUR_ROLE = "Sorry, that isn't something I can do for you. Try /help to see what I can do."
UNKNOWN_COMMAND = "I don't know that command, sorry. Try /help to see what I can do."
FREE_TEXT_STAFF = (
    "Thanks! I don't read free-text messages from staff, so please use the commands "
    "below.\n\n{commands}"
)
MEDIA_NOT_SUPPORTED = (
    "Thanks! I can only read text messages, so I can't open that. "
    "Could you type what you'd like to tell me?"
)
EDITED_MESSAGE = (
    "I noticed you edited a message. I only read new messages, so if something changed, "
    "please send it again. 🙂"
)
BUTTON_EXPIRED = "That button has expired. Try /help to see what you can do now."
ERROR_APOLOGY = (
    "Sorry, something went wrong on my side. 😔 Please try again in a moment. "
    "If it keeps happening, mention this code when you ask for help: {reference}"
)
HELP_HEADER = "Here is what I can do:\n\n{commands}"


def command_list(role: Role) -> str:
    return "\n".join(f"/{command} – {description}" for command, description in COMMANDS[role])


# --- absences, late notices and confirmations (patients)

PATIENT_TIP = (
    "You can also just write to me, like “can't make it Thursday, work shift” or "
    "“running 10 min late”."
)
CONFIRM_UPCOMING = "Just to check: you can't make it to {session}?"
CONFIRM_MISSED = "Is this about {session}?"
CONFIRM_YES = "Yes, that's the one"
CONFIRM_OTHER = "No, a different one"
PICK_UPCOMING = "Which session can't you make?"
PICK_MISSED = "Which session did you miss?"
PICK_NONE_THAT_DAY = "I don't see a session of yours on {day}. Did you mean one of these?"
PICK_NONE_OF_THESE = "None of these"
PICK_MISSED_INSTEAD = "One I already missed"
NO_SESSIONS_TO_PICK = (
    "I couldn't find a session of yours that fits. If something's off, please tell your "
    "care team directly. 🙏"
)
PICK_GAVE_UP = (
    "No problem. If you want to tell your care team something else, just write to me, "
    "or send /absent."
)
ASK_REASON = (
    "Thanks for telling me. Would you like to share why? It helps your therapist support "
    "you. You can tap a button, write a few words, or skip."
)
REASON_LABELS = {
    "work": "Work",
    "school": "School",
    "health": "Health",
    "family": "Family",
    "transport": "Getting there",
    "technology": "Tech trouble",
    "childcare": "Childcare",
    "motivation": "Not feeling up to it",
    "legal": "Court / legal",
    "other": "Something else",
}
REASON_SKIP = "Skip"
ABSENCE_RECORDED_UPCOMING = (
    "Thanks for letting me know, {name} 💙 I've told {therapist} you can't make it to {session}."
)
ABSENCE_RECORDED_MISSED = (
    "Thanks for telling me, {name} 💙 It happens, and I'm glad you got in touch. "
    "I've let {therapist} know you couldn't make it to {session}."
)
ABSENCE_ALREADY_REPORTED = "You'd already told me about {session}, so nothing else to do. 💙"
CATCH_UP_PROMISE = "I'll send you the recording and reading for it, so you can catch up."
ABSENCE_CANCELLED = "Okay, I've stopped. Nothing was sent."
# Fees: the way to avoid one comes first, and a worry about cost has somewhere to go.
POLICY_LATE_CANCEL = (
    "If you come to a make-up session by {deadline}, there's no fee. Otherwise a "
    "late-cancellation fee of {fee} may apply, as this is less than {hours} hours before the "
    "session. Tell {{therapist}} if cost is a worry."
)
POLICY_MISSED = (
    "If you come to a make-up session by {deadline}, there's no fee. Otherwise a "
    "missed-session fee of {fee} may apply. Tell {{therapist}} if cost is a worry."
)
HEALTH_ACK = "I hope you feel better soon."
WITHDRAWN = "That's great news! 😊 I've let {therapist} know you'll be at {session} after all."
TOO_LATE_TO_WITHDRAW = "{session} has already started. If you can, you're welcome to join now."
TOO_LATE_TO_WITHDRAW_WITH_LINK = TOO_LATE_TO_WITHDRAW + "\nJoin here: {link}"
ATTENDANCE_CONFIRMED = "Great, see you at {session}! 😊"
# After crisis words (the pause): nothing cheerful, just the facts.
ATTENDANCE_CONFIRMED_QUIET = "Thank you for letting me know. You're down for {session}."
NO_UPCOMING_SESSION = "I don't see an upcoming session of yours{when}. Try /schedule."
LATE_RECORDED = (
    "Thanks for the heads-up! I've told {therapist} you'll be {late} late to {session}. "
    "Join whenever you can. 💙"
)
LATE_RECORDED_WITH_LINK = LATE_RECORDED + "\nJoin here: {link}"
LATE_SOME = "a little"
RESCHEDULE_FIRST = (
    "Let's find you another time for {session}. First, shall I tell your care team you can't "
    "make it? Then I'll show you what's open, or you can ask your therapist."
)
RESCHEDULE_CANT_MAKE_IT = "Yes, I can't make it"
RESCHEDULE_FORWARDED_NO_SESSION = (
    "I've passed your message on to {therapist}. They'll get back to you about a new time. 🙂"
)
NOT_UNDERSTOOD = (
    "I'm not sure I understood, sorry! I can help you tell your care team that you'll "
    "miss a session or be late, or show your /schedule. Would you like me to send your "
    "message to {therapist}?\n\n{help_line}"
)
SEND_TO_THERAPIST = "Send this to my therapist"
FORWARDED = "Sent to {therapist}. ✅ {read}\n\n{help_line}"
READ_SOON = "They'll read it and get back to you."
READ_WHEN_BACK = "They're not working right now, so they'll read it when they're back {when}."
ALREADY_FORWARDED = "That message has already been sent."

CRISIS_REPLY = (
    "Thank you for telling me. You don't have to face this alone.\n\n"
    "If you are in danger, or someone has taken too much of something, call 911 now, and use "
    "naloxone if you have it. You can call or text 988, or chat at 988lifeline.org, any time, "
    "day or night. En español: llama al 988 y marca 2, o envía AYUDA al 988. Outside the US, "
    "call your local emergency number.\n\n"
    "{crisis_text}\n\n"
    "I'm an automated helper, so I can't call you myself. {therapist_line}"
)
CRISIS_THERAPIST_TOLD = "{therapist} has been told and will get back to you as soon as they can."
CRISIS_THERAPIST_AWAY = (
    "{therapist} has been told. They're not working right now, so they'll see it when "
    "they're back {when}."
)
CRISIS_ON_CALL_LATER = " If nobody can answer soon, the therapist on call will be told."
CRISIS_ON_CALL_TOLD = "I've also let the therapist on call know, so they can reach out to you."
CRISIS_NO_THERAPIST = "Please also reach out to someone you trust."

# --- alerts for therapists (their own patients only)

# Staff alerts: the first line (what a phone's lock screen shows) names nobody and says
# nothing clinical; the details follow.
ALERT_ABSENCE_UPCOMING = (
    "🔔 New absence report\n{patient} can't make it to {session}.\n"
    "Reason: {reason}\nReported {lead}.\nMissed sessions in the last 30 days: {misses}."
)
ALERT_ABSENCE_MISSED = (
    "🔔 New absence report\n{patient} missed {session}.\n"
    "Reason: {reason}\nReported {lead}.\nMissed sessions in the last 30 days: {misses}."
)
ALERT_WITHDRAWN = "↩️ An absence was withdrawn\n{patient} can make it after all to {session}."
ALERT_LATE = "⏰ Running late\n{patient} will be {late} late to {session}."
ALERT_RESCHEDULE = "📅 A request to reschedule\n{patient} asks to move {session}: “{text}”"
ALERT_RESCHEDULE_NO_SESSION = "📅 A request to reschedule\n{patient} wrote: “{text}”"
ALERT_NOTE = "💬 A message for you\nFrom {patient}: “{text}”"
ALERT_CRISIS = (
    "🚨 Urgent: a patient may need help — open the chat\n"
    "{patient} sent a message that may mean they are in crisis: “{text}”\n"
    "They were given the crisis line details. Please reach out to them as soon as you can."
)
REASON_NOT_GIVEN = "not given"

# --- therapists: roster and attendance

TODAY_NONE = "You lead no sessions today. 🙂"
TODAY_HEADER = "Today's sessions ({zone_label}):"
ROSTER_NOBODY = "   nobody enrolled yet"
STATUS_WORDS = {
    "confirmed": "✅ {name} — coming",
    "present": "✅ {name} — present",
    "late": "⏰ {name} — late{minutes}",
    "absent": "❌ {name} — absent{reason}",
    None: "▫️ {name} — no answer yet",
}
MARK_HEADER = (
    "📝 Attendance · {session}\n"
    "Tap a name to change it: ✅ present → ⏰ late → ❌ absent. Tap Done when finished."
)
MARK_ICONS = {"present": "✅", "late": "⏰", "absent": "❌", "confirmed": "▫️", None: "▫️"}
MARK_DONE = "Done"
MARK_SAVED = (
    "📝 Attendance saved · {session}\n{counts}\nYou can change it any time with /attendance."
)
MARK_COUNTS = "{present} present, {late} late, {absent} absent, {unmarked} not marked"
MARK_NOT_STARTED = "This session hasn't started yet, so attendance can't be marked."
MARK_NOT_YOURS = "Sorry, you can only mark sessions you lead."
ATTENDANCE_PICK = "Which session? (your sessions from the last 14 days)"
ATTENDANCE_NONE = "You have no sessions from the last 14 days to mark."

# --- therapists: catch-up material

MATERIALS_PICK = "Which session is the material for? (your sessions from the last 14 days)"
MATERIALS_NONE = "You have no recent sessions to add material to."
MATERIALS_SCOPE = "Should it be for this session only, or for every {title} session?"
MATERIALS_THIS_ONE = "This session only"
MATERIALS_ALL = "Every {title} session"
MATERIALS_ASK = (
    "Send me the links (recording, reading) or files for {target}, one per message. "
    "A first line before a link is used as its title, e.g.\n\nRecording\nhttps://...\n\n"
    "Send /done when you're finished."
)
MATERIALS_STORED = "✔️ Stored: {title}"
MATERIALS_NOT_A_LINK = (
    "I couldn't find a link in that. Links must start with http:// or https://, "
    "or you can send a file. Send /done when you're finished."
)
MATERIALS_SEND_AS_FILE = (
    "Please send it as a file (📎 → File) or as a link, so patients can open it."
)
MATERIALS_DONE = (
    "Saved {count} item(s) for {target}:\n{items}\n\nPatients who missed it will get it."
)
MATERIALS_DONE_EMPTY = "Okay, nothing was added."
MATERIALS_TARGET_SERIES = "every {title} session"

# --- patients: follow-up and catch-up

FOLLOWUP = "Hi {name}, just checking in after {session}. 💙 How are you doing?"
FOLLOWUP_DISCREET = "Hi {name}, just checking in. 💙 How are you doing?\n(After {session}.)"
FOLLOWUP_MATERIAL = "Send me the catch-up material"
FOLLOWUP_TALK = "I'd like to talk to my therapist"
FOLLOWUP_OKAY = "I'm okay"
FOLLOWUP_OKAY_REPLY = "Glad to hear it. 😊 See you at the next session!"
FOLLOWUP_TALK_REPLY = "I've let {therapist} know you'd like to talk. {read}\n\n{help_line}"
FOLLOWUP_NO_MATERIAL = (
    "There's no catch-up material for {session} yet. I'll send it as soon as {therapist} adds it."
)
ALERT_TALK = (
    "💬 A request to talk\n{patient} would like to talk with you (after missing {session})."
)
MATERIAL_HEADER = "📚 Catch-up for {session}:"
MATERIAL_HEADER_DISCREET = "📚 Something to catch up on\nFor {session}:"
MATERIAL_LINK = "• {title}: {url}"
MATERIAL_FILE = "• {title} (file: send /catchup to get it)"
CAUGHT_UP = "Done, I've caught up"
CAUGHT_UP_REPLY = "Well done! ✅ I've noted that you caught up on {session}."
CAUGHT_UP_ALREADY = "You've already caught up on that one. ✅"
CATCHUP_NONE = "You haven't missed any sessions recently. 🙌"
CATCHUP_HEADER = "Sessions you missed recently:"
CATCHUP_ITEM_DONE = "✅ {session} — caught up"
CATCHUP_ITEM_OPEN = "▫️ {session}"
CATCHUP_ITEM_NO_MATERIAL = "   (no material yet)"

# --- patients: reminder buttons and settings

REMINDER_ANSWER_COMING = "✔️ You'll be there"
REMINDER_ANSWER_LATE = "✔️ Running late"
HOW_LATE = "Roughly how late will you be?"
LATE_CHOICES = {"5": "About 5 min", "15": "About 15 min", "30": "About 30 min", "0": "Not sure"}
SESSION_CANCELLED = "That session was cancelled, so there's nothing to do. 🙂"
SESSION_OVER = "That session is already over."

# --- patients: reminder settings

SETTINGS = (
    "When should I remind you before each session? Tap to turn a reminder on or off.\n"
    "Now: {current}"
)
SETTINGS_NONE = "no reminders"
SETTINGS_DEFAULT = "Use the clinic's usual times"
SETTINGS_DISCREET = {
    True: "🔒 Discreet first lines: on",
    False: "🔓 Discreet first lines: off",
}
SETTINGS_DISCREET_ABOUT = (
    '\nDiscreet first lines: a locked phone shows only "your appointment"; the details '
    "follow when you open the chat."
)
SETTINGS_QUIET = {
    True: "🌙 Quiet nights: on",
    False: "🔔 Quiet nights: off",
}
SETTINGS_QUIET_ABOUT = "\nQuiet nights: from {start} to {end}, messages arrive without a sound."
SETTINGS_DONE = "Done"
SETTINGS_SAVED = "Saved. I'll remind you: {current}. 🙂"
SETTINGS_SAVED_NONE = (
    "Saved: no reminders for now. You can turn them back on any time with /settings."
)
LEAD_LABELS = {"48h": "2 days before", "24h": "1 day before", "3h": "3 hours before",
               "1h": "1 hour before", "30m": "30 minutes before"}  # fmt: skip

# --- reminder buddies (anything a buddy can see: no clinical words, ever)

BUDDY_INTRO = (
    "A reminder buddy is a friend or family member who gets a short nudge before your "
    "sessions, like: “Reminder: {first} has an appointment at 6:00 pm today.” Nothing else: "
    "never what it's for, never whether you went. Either of you can stop it any time."
)
BUDDY_ACTIVE = "Your buddies now: {names}."
BUDDY_NONE = "You have no reminder buddy yet."
BUDDY_INVITE = "Invite a buddy"
BUDDY_STOP = "Stop reminders for {name}"
BUDDY_FORWARD_THIS = (
    "Forward the next message to the person you'd like as your buddy. "
    "The link works once, for {days} days."
)
BUDDY_INVITATION = (
    "Hi! {first} would like you as their reminder buddy: you'd get a short message before "
    "their appointments. Tap to say yes or no: {link}"
)
BUDDY_OFFER = (
    "Hi! 👋 {first} invited you to be their reminder buddy.\n\n"
    "You'd get a short message before each of their appointments, like:\n"
    "“Reminder: {first} has an appointment at 6:00 pm today.”\n\n"
    "Nothing else. You can stop any time with /stop."
)
BUDDY_YES = "Yes, I'll help"
BUDDY_NO = "No, thanks"
BUDDY_ACCEPTED = (
    "Thank you! 💙 You'll get a short reminder before {first}'s appointments. Send /stop any time."
)
BUDDY_DECLINED = "No problem. You won't get any messages about this."
BUDDY_LINK_NOT_FOR_YOU = (
    "This link is for a friend or family member who doesn't use this bot yet. "
    "Please forward it to them. 🙂"
)
BUDDY_LINK_USED = "This link has already been used or has expired. Ask for a new one if you like."
BUDDY_STOPPED = "Done. You won't get any more reminders. Thank you for being there! 💙"
BUDDY_NOTHING_TO_STOP = "You aren't getting any reminders from me."
STOP_IS_FOR_BUDDIES = "To change or turn off your own reminders, use /settings. 🙂"
BUDDY_ENDED_BY_PATIENT = "{first} has turned off the reminders. Thank you for being there! 💙"
BUDDY_ONLY_REMINDERS = (
    "I only send the reminders you agreed to, and nobody reads messages here. Send /stop to "
    "stop them.\n\n{help_line}"
)
PATIENT_BUDDY_ACCEPTED = "{name} said yes: they'll get a short reminder before your sessions. 💙"
PATIENT_BUDDY_DECLINED = "{name} said no thanks to the reminders. That's okay!"
PATIENT_BUDDY_STOPPED = "{name} has stopped the reminders."
PATIENT_BUDDY_ENDED = "Okay, {name} won't get any more reminders."

# --- outbox: reminders, check-ins, buddy nudges, staff notices
# {when} and {until} are filled in at send time (render_text). Buddy texts must never name
# the session, its kind, the clinic or anything clinical (42 CFR Part 2).

REMINDER = "⏰ Reminder: {title} {{when}}{{until}}."
# Discreet versions (on by default): a locked phone shows "your appointment", details below.
REMINDER_DISCREET = "⏰ Reminder: your appointment {{when}}{{until}}.\n{title}"
BUTTON_CONFIRM = "I'll be there"
BUTTON_ABSENT = "Can't make it"
BUTTON_LATE = "Running late"
CHECKIN = "{title} is starting now. We'd love to see you there! 💙"
CHECKIN_WITH_LINK = "{title} starts now — join here: {link}"
CHECKIN_DISCREET = "Your appointment is starting now. We'd love to see you there! 💙\n{title}"
CHECKIN_WITH_LINK_DISCREET = "Your appointment is starting now.\n{title}: join here: {link}"
BUDDY_NUDGE = (
    "👋 Reminder: {name} has an appointment {{when}}.\n\n"
    "Send /stop if you'd rather not get these reminders."
)
STAFF_UNREACHABLE = (
    "⚠️ Someone can't be reached\n"
    "{name} can't be reached on Telegram any more (they may have blocked the bot). "
    "Reminders to them are paused; please contact them another way."
)

# --- therapists: prompts and reports

ATTENDANCE_PROMPT = "📝 Time to mark attendance\n{session} has ended. Mark who was there?"
ATTENDANCE_PROMPT_BUTTON = "Mark attendance"

RISK_CONSECUTIVE = (
    "⚠️ A patient may need a check-in\n"
    "{patient} has missed {value} sessions in a row. It may be a good moment to reach out."
)
RISK_INSURANCE = (
    "⚠️ A patient may need a check-in\n"
    "{patient} has missed {value} sessions in the last {days} days. "
    "Insurance coverage may be at risk."
)
PATIENT_USAGE = "Send /patient followed by a name, e.g. /patient Alex"
PATIENT_NOT_FOUND = "I couldn't find a patient called “{query}” in your caseload."
PATIENT_WHICH = "Which one?"
PATIENT_SUMMARY = (
    "📋 {name} ({handle})\n"
    "Last 30 days: {a30} attended, {m30} missed, {u30} not marked{r30}\n"
    "Last 90 days: {a90} attended, {m90} missed, {u90} not marked{r90}\n"
    "Missed in a row: {streak}\n"
    "Missed and not caught up yet: {open}\n"
    "{flags}"
)
PATIENT_NO_FLAGS = "No risk flags."
PATIENT_PAUSED = "\n⏸️ Routine reminders are paused after a worrying message, until {until}."
PAUSE_LIFT_BUTTON = "Lift the pause"
PAUSE_LIFTED = "Reminders resume for {name}"
PATIENT_FLAGS = "Flags: {flags}"
FLAG_LABELS = {
    "consecutive_misses": "⚠️ misses in a row",
    "insurance_window": "⚠️ insurance: misses in {days} days",
}

REPORT_PICK = "Which period should the attendance report cover?"
REPORT_PERIODS = {"7": "Last 7 days", "28": "Last 4 weeks", "91": "Last 13 weeks"}
REPORT_CAPTION_CSV = "Attendance {first} to {last}: {rows} (one per patient and session)."
REPORT_ROWS = ("{n} row", "{n} rows")
REPORT_CAPTION_PNG = "Attendance rate per week, {first} to {last}."
REPORT_EMPTY = "No sessions of your caseload between {first} and {last}."

DIGEST = (
    "🗓️ Your week, {first} to {last}\n"
    "Sessions: {sessions} · attended {attended}, missed {missed}, not marked {unmarked}{rate}\n"
    "Absences by reason: {reasons}\n"
    "Patients at risk:{risk}"
)
DIGEST_NONE = "none"

SESSION_CANCELLED_NOTICE = "📅 Change: {title} on {day} at {time} is cancelled."
SESSION_MOVED_NOTICE = (
    "📅 Change: {title} on {day} at {time} has moved to {new_day} at {new_time}."
)
SESSION_CANCELLED_NOTICE_DISCREET = (
    "📅 A change to your appointment\n{title} on {day} at {time} is cancelled."
)
SESSION_MOVED_NOTICE_DISCREET = (
    "📅 A change to your appointment\n"
    "{title} on {day} at {time} has moved to {new_day} at {new_time}."
)

# --- words inside other texts (bot.labels)

WHEN_TODAY = "today"
WHEN_TOMORROW = "tomorrow"
WHEN_ON_DAY = "on {day}"
WHEN_AT = "{day} at {time}"
UNTIL = " (in {amount})"
LEAD_AHEAD = "{amount} ahead"
LEAD_AFTER_START = "{amount} after it started"
YOUR_CARE_TEAM = "your care team"
LATE_ABOUT_MINUTES = "about {minutes} minutes"

# --- attendance chart (PNG) and report labels

CHART_TITLE = "Attendance rate per week, {first} to {last}"
CHART_Y_LABEL = "Attendance (%)"
CHART_X_LABEL = "Week starting (Monday)"
CHART_EMPTY = "No sessions in this period"
INDIVIDUAL_SESSIONS = "Individual sessions"
MATERIAL_ITEM = "• {title} ({what})"
MATERIAL_IS_LINK = "link"
MATERIAL_IS_FILE = "file"

# --- the safety net: safety checks, urgent alerts, "I'm on it", a worried buddy

SAFETY_CHECK = (
    "Thank you for telling me. It sounds like things may be really hard right now, and you "
    "don't have to go through it alone.\n\n{crisis_text}"
)
SAFETY_QUESTION = "Are you safe right now?"
SAFETY_SAFE_BUTTON = "I'm safe"
SAFETY_HELP_BUTTON = "I need help now"
SAFETY_SAFE_REPLY = (
    "I'm glad you're safe.{told} If that changes, help is there any time:\n\n{crisis_text}"
)
SAFETY_TOLD = " I've let {therapist} know you reached out, so they can check in."
SAFETY_HELP_REPLY = "{told}\n\n{crisis_text}"
SAFETY_HELP_TOLD = "I've told {therapist} right now that you need help."
SAFETY_CHECK_EXPIRED = "Thank you. If you need help now:\n\n{crisis_text}"
CRISIS_ALSO_ABSENCE = "I've also let {therapist} know you won't be at {session}."
ALERT_SAFETY_URGENT = (
    "🚨 Urgent: a patient may need help — open the chat\n"
    "{patient} may need help now. They wrote: “{text}”\n"
    "They were asked “Are you safe right now?” and did not answer that they are safe. "
    "They have the crisis line details. Press “I'm on it” when you take this."
)
ALERT_SAFETY_HELP = (
    "🚨 Urgent: a patient may need help — open the chat\n"
    "{patient} pressed “I need help now” after writing: “{text}”\n"
    "They have the crisis line details. Press “I'm on it” when you take this."
)
ALERT_SAFETY_ESCALATION = (
    "🚨 Urgent: a patient may need help — open the chat\n"
    "Not yet taken after {minutes} minutes: {patient} (care team: {therapist}) may need help "
    "now. They wrote: “{text}”\nPress “I'm on it” if you take this."
)
ALERT_SAFETY_SAFE = (
    "💬 A check-in would help\n"
    "{patient} wrote something worrying: “{text}”\nThey were asked if they are safe and "
    "answered “I'm safe”. A check-in when you can would help."
)
SAFETY_TAKE_BUTTON = "I'm on it"
SAFETY_TAKEN = "Thank you: you're on it. Anyone else who was alerted has been told."
SAFETY_TAKEN_ALREADY = "{therapist} is already on it."
SAFETY_NOT_YOURS = "This alert is for {patient}'s care team and the on-call therapists."
SAFETY_TAKEN_NOTICE = (
    "✅ An urgent alert was taken\n{therapist} is on it: the alert about {patient}."
)
BUDDY_WORRY_REPLY = (
    "Thank you for looking out for them. If someone is in danger right now, help is there "
    "any time, for them or for you:\n\n{crisis_text}\n\n"
    "If you like, I can pass your message to their care team."
)
BUDDY_WORRY_BUTTON = "Pass it to {first}'s care team"
BUDDY_WORRY_PASSED = "Passed on. Their care team will see it. Thank you for caring. 💙"
ALERT_BUDDY_WORRY = (
    "💬 A support contact is worried\n{patient}'s support contact {buddy} wrote: “{text}”"
)

# --- asking when unsure, and never dropping a message

CLARIFY_QUESTION = "Just to be sure I get this right: which one do you mean?"
CLARIFY_OPTIONS = {
    "absence_upcoming": "I can't make it{when}",
    "absence_missed": "I missed a session{when}",
    "late": "I'll be late{when}",
    "reschedule": "I'd like to move a session{when}",
    "attend_confirm": "I'll be there{when}",
}
CLARIFY_WHEN = " on {day}"
CLARIFY_SOMETHING_ELSE = "Something else: send it to my therapist"
NO_SESSION_FITS = (
    "I couldn't find a session of yours that fits. I can send your message to {therapist} "
    "so they can sort it out."
)

# --- patients: the calendar file (/calendar, bot.schedule.calendar)
# With discretion on, a calendar event (which others may see on a shared or locked phone) is
# only an appointment: its title, alarms and notes never name the therapy.

CALENDAR_CAPTION = (
    "📅 Your sessions for the next 4 weeks. Open this file to add them to your calendar. "
    "If a session changes, open a newer one (/calendar) and it updates them."
)
CALENDAR_EMPTY = "You have no sessions in the next 4 weeks, so there's nothing to add yet. 🙂"
CALENDAR_TITLE_DISCREET = "Appointment"
CALENDAR_JOIN = "Join here: {link}"
CALENDAR_UPDATE_BUTTON = "Update my calendar"
# --- attendance letters (/letter): the chat, the therapist's decision and the PDF itself.
# The PDF says only attendance facts: never diagnoses, reasons, session titles or the
# program's focus (sessions are named by kind alone, below).

LETTER_RECIPIENTS = {
    "employer": "An employer",
    "court": "A court or probation officer",
    "school": "A school",
    "other": "Someone else",
}
LETTER_ASK_RECIPIENT = (
    "I can make a letter that confirms the sessions you attended. Your therapist checks it "
    "first. Who is it for?"
)
LETTER_PERIODS = {
    "30": "Last 30 days",
    "tm": "This month",
    "lm": "Last month",
}
LETTER_ASK_PERIOD = (
    "Which period should it cover? Tap one, or type two dates like 2026-11-01 2026-11-30."
)
LETTER_BAD_DATES = (
    "I couldn't read those dates. Please type the first and last day like "
    "2026-11-01 2026-11-30, or tap one of the buttons."
)
LETTER_FUTURE = "The period can't end after today ({today}). Please try other dates."
LETTER_REVERSED = "The first date should come before the last one. Please try again."
LETTER_TOO_LONG = "A letter can cover at most one year. Please pick a shorter period."
LETTER_SENT_FOR_REVIEW = (
    "Thanks! I've asked {therapist} to check your letter ({first} to {last}). "
    "I'll send it here as soon as it's approved."
)
LETTER_NO_THERAPIST = (
    "I can't find a therapist to approve your letter yet. Please ask the clinic, and try "
    "again later."
)
LETTER_CANCELLED = "Okay, no letter for now. You can ask any time with /letter."
ALERT_LETTER_REQUEST = (
    "📄 New letter request\n{patient} asks for an attendance letter for {recipient}, "
    "{first} to {last}.\nIn that period: {attended} attended, {missed} missed, {unmarked} not "
    "marked. The letter lists attended sessions only (no titles, no reasons)."
)
LETTER_APPROVE = "Approve"
LETTER_CHANGE = "Change the period"
LETTER_DECLINE = "Decline"
LETTER_ASK_NEW_PERIOD = (
    "Which period should {patient}'s letter cover? Tap one, or type two dates like "
    "2026-11-01 2026-11-30."
)
LETTER_ASK_NOTE = (
    "Would you like to add a note for {patient}? Type it, or tap the button to decline "
    "without one."
)
LETTER_NO_NOTE = "Decline without a note"
LETTER_ISSUED_STAFF = "✅ Approved: {patient}'s letter ({first} to {last}) is on its way to them."
LETTER_DECLINED_STAFF = "Done: {patient}'s request was declined and they were told kindly."
LETTER_REVIEW_LATER = "Okay. The request is still waiting; its buttons work whenever you're ready."
LETTER_ALREADY_HANDLED = "That request has already been handled, or isn't yours to decide."
LETTER_NOT_DELIVERED = (
    "The letter was approved but I couldn't deliver it to {patient} right now. "
    "They can ask again with /letter."
)
LETTER_READY = "📄 Here is your attendance letter ({first} to {last}). {therapist} approved it."
LETTER_READY_CHANGED = (
    "📄 Here is your attendance letter. {therapist} changed the period to {first} to {last} "
    "(you asked for {asked_first} to {asked_last})."
)
LETTER_DECLINED = (
    "{therapist} couldn't approve your letter this time. That's okay, you can talk it over "
    "at your next session or ask again with /letter."
)
LETTER_DECLINED_NOTE = "{therapist} couldn't approve your letter this time. Their note: “{note}”"
LETTER_FILENAME = "attendance-letter-{first}-to-{last}.pdf"

# The PDF. Session kinds are all a letter may say about a session.
LETTER_SESSION_LABELS = {
    "group": "Group session",
    "psychoeducation": "Group session",
    "support": "Group session",
    "individual": "Individual session",
    "family": "Family session",
}
LETTER_PDF_TITLE = "Attendance letter"
LETTER_PDF_DATE = "Date: {today}"
LETTER_PDF_FOR = "For: {recipient}"
LETTER_PDF_RECIPIENTS = {
    "employer": "Employer",
    "court": "Court or probation officer",
    "school": "School",
    "other": "To whom it may concern",
}
LETTER_PDF_INTRO = (
    "This letter confirms the attendance of {patient} at scheduled sessions at {clinic} "
    "from {first} to {last}."
)
LETTER_PDF_TABLE = ("Date", "Session", "Start", "Length")
LETTER_PDF_NONE = "No attended sessions are recorded in this period."
LETTER_PDF_RATE = (
    "Attendance rate: {rate} ({attended} of {marked} sessions with recorded attendance)."
)
LETTER_PDF_NO_RATE = "No attendance was recorded in this period, so no rate can be given."
LETTER_PDF_TOTAL = "Sessions attended: {attended}, in total {length}."
LETTER_PDF_SIGNED = "{therapist}"
LETTER_PDF_SIGNATURE = "Signature: ______________________________    Date: ______________"
LETTER_PDF_FOOTER = "Only attendance is stated in this letter."


# --- make-ups, catch-up sessions and asking for another time (bot.usecases.makeups)

CATCHUP_SESSION_TITLE = "Catch-up session"
MAKEUP_SESSION_TITLE = "Make-up session"
MAKEUP_OFFER = "Would you like to make it up? Here's what's open until {until}:"
MAKEUP_OFFER_NONE = (
    "There's no open make-up seat or catch-up slot until {until}, but you can ask "
    "{therapist} for another time."
)
MAKEUP_OFFER_BUTTON = "Book a make-up or catch-up"
MAKEUP_SLOT_BUTTON = "Catch-up with {therapist}: {when}"
MAKEUP_ASK_BUTTON = "Ask my therapist"
MAKEUP_BOOKED = "You're booked for {session}. 💙 I'll remind you before it, and {therapist} knows."
MAKEUP_ALREADY = "You've already booked {session} to make this one up. 💙"
MAKEUP_ALREADY_BOOKED = "You've already booked a session to make this one up. 💙"
MAKEUP_FULL = "Sorry, someone just took that one."
MAKEUP_GONE = "That time isn't open any more."
MAKEUP_PAST = "That time has already passed."
MAKEUP_OUT_OF_WINDOW = "That's after {until}, the end of the time to make this one up."
MAKEUP_CLASH = "That's at the same time as another of your sessions."
MAKEUP_STILL_OPEN = "Here's what's still open:"
MAKEUP_NOT_MISSED = "I don't have that session down as missed, so there's nothing to make up. 🙂"
MAKEUP_ASKED = "I've asked {therapist} for another time. I'll let you know what they say. 💙"
MAKEUP_ASKED_ALREADY = (
    "You've already asked {therapist} about this one. I'll let you know as soon as they answer."
)
MAKEUP_NO_THERAPIST = "I can't find your therapist yet. Please ask the clinic."
MAKEUP_WITHDRAW_BUTTON = "I don't need another time"
MAKEUP_WITHDRAWN = "Okay, I've let {therapist} know you don't need another time."
MAKEUP_WITHDRAW_TOO_LATE = "That request has already been answered."
ALERT_MAKEUP_BOOKED = "📅 A make-up was booked\n{patient} will make up {missed} at {session}."
ALERT_MAKEUP_REQUEST = (
    "📅 A request for another time\n{patient} would like to make up {session}.{asked}{words}"
)
ALERT_PROPOSAL_DECLINED = (
    "📅 That time doesn't work\n{patient} can't make the time you suggested to make up "
    "{session}.{asked}{words}"
)
ALERT_REQUEST_WITHDRAWN = (
    "📅 No longer needed\n{patient} doesn't need another time for {session} after all."
)
REQUEST_ASKED_FOR = " They asked for {when}."
REQUEST_APPROVE = "Approve as asked"
REQUEST_PROPOSE = "Suggest a time"
REQUEST_DECLINE = "Decline"
REQUEST_NO_NOTE = "Decline without a note"
REQUEST_ASK_TIME = (
    "What time would you like to suggest to {patient}? Write a day and a time, like "
    "“tue 4pm” or “Dec 8 10:30am”."
)
REQUEST_BAD_TIME = "I couldn't read a day and a time there. Try something like “tue 4pm”."
REQUEST_ASK_NOTE = "Would you like to add a short note for {patient}? Type it, or tap the button."
REQUEST_PROPOSED_STAFF = "I've asked {patient} if {when} works. I'll tell you what they say."
REQUEST_BOOKED_STAFF = "Booked: {patient}, {session}."
REQUEST_DECLINED_STAFF = "Okay, I've let {patient} know."
REQUEST_HANDLED = "This request has already been answered or withdrawn."
REQUEST_PAST = "That time has already passed. Please suggest a later one."
REQUEST_OUT_OF_WINDOW = (
    "That's after the time {patient} has to make this session up. Please suggest an earlier time."
)
REQUEST_CLASH = "{patient} has another session then. Please suggest another time."
REQUEST_NOT_MISSED = "{patient} is no longer marked absent there, so there's nothing to make up."
REQUEST_ALREADY = "{patient} has already booked a make-up for this session."
REQUEST_FULL = "That time was just taken. Please suggest another one."
REQUEST_GONE = "That session isn't open any more. You can suggest a time instead."
REQUEST_LATER = "Okay. The request stays open; its buttons still work."
REQUEST_BOOKED_PATIENT = (
    "Good news, {name}! 💙 You're booked for {session}. I'll remind you before it."
)
REQUEST_PROPOSED_PATIENT = (
    "{therapist} suggests {when} to make up {session}. Does that work for you?"
)
REQUEST_DECLINED_PATIENT = (
    "{therapist} couldn't find another time for {session}. The recording and reading can "
    "still help you catch up (/catchup). 💙"
)
REQUEST_NOTE = "{therapist} wrote: “{note}”"
PROPOSAL_ACCEPT = "Yes, that works"
PROPOSAL_DECLINE = "That doesn't work for me"
PROPOSAL_DECLINED = "Okay, I've let {therapist} know. They may suggest another time."
PROPOSAL_GONE = "That suggestion isn't open any more."
PROPOSAL_NO_LONGER = (
    "That time doesn't work any more, so I've asked {therapist} to suggest another one."
)

SLOTS_HEADER = "Your catch-up slots ({zone_label}):"
SLOTS_NONE = "You have no catch-up slots coming up."
SLOT_LINE = "• {when}"
SLOT_BOOKED = "• {when} (booked)"
SLOTS_ADD_BUTTON = "Add a slot"
SLOT_REMOVE_BUTTON = "Remove {when}"
SLOTS_ASK_TIME = (
    "When? Write a day and a time, like “thu 4pm”. A slot is {minutes} minutes; "
    "patients who missed a session can book it."
)
SLOT_ADDED = "Added a catch-up slot: {when}."
SLOT_EXISTS = "You already have a slot at {when}."
SLOT_PAST = "That time has already passed. Please pick a later one."
SLOT_REMOVED = "Removed the slot on {when}."
SLOT_GONE = "That slot is booked or already removed."
# --- fees (/fees, a charge, a waiver): kind, never shaming; the way to avoid a fee first.
FEE_HEADS_UP = (
    "💙 We missed you at {session}. If you come to a make-up session by {deadline}, there's "
    "no fee. Otherwise a missed-session fee of {fee} may apply. Tell {therapist} if cost is a "
    "worry: they can help."
)
FEE_HEADS_UP_DISCREET = (
    "💙 A note about your appointment\n{session}: if you come to a make-up by {deadline}, "
    "there's no fee. Otherwise a fee of {fee} may apply. Tell {therapist} if cost is a worry."
)
FEE_CHARGED = (
    "A note about {session}: a {what} fee of {fee} has been added, as there was no make-up "
    "by {deadline}. You can see it any time with /fees. If cost is a worry, please tell "
    "{therapist}: they can help. 💙"
)
FEE_CHARGED_DISCREET = (
    "A note about your appointment\n{session}: a fee of {fee} has been added. You can see it "
    "any time with /fees. If cost is a worry, please tell {therapist}: they can help. 💙"
)
FEE_WAIVED_PATIENT = (
    "Good news: {therapist} has waived the {fee} fee for {session}. You don't owe it. 😊"
)
FEE_WAIVED_PATIENT_DISCREET = (
    "Good news about your appointment\n{therapist} has waived the {fee} fee for {session}. "
    "You don't owe it. 😊"
)
FEE_REASONS = {
    "no_show": "missed without notice",
    "late_cancel": "cancelled less than {hours} hours before",
}
FEES_NONE = "You have no fees. 😊"
FEES_NOT_CHARGED = "There are no fees for you. 😊"
FEES_HEADER = "Your balance: {balance}"
FEES_LINE = "• {day}: {what}, {fee}"
FEES_LINE_WAIVED = "• {day}: {what}, {fee} (waived)"
FEES_FOOTER = "If cost is a worry, please tell {therapist}: they can help."
# Therapists: /patient → Fees → Waive → a typed reason.
FEES_BUTTON = "Fees"
FEES_STAFF_HEADER = "💳 Fees for {name}: {balance} open"
FEES_STAFF_LINE = "• {day}: {what}, {fee}"
FEES_STAFF_LINE_WAIVED = "• {day}: {what}, {fee} (waived by {by}: {reason})"
FEES_STAFF_NONE = "{name} has no fees."
FEE_WAIVE_BUTTON = "Waive {day} ({fee})"
FEE_ASK_REASON = (
    "Why are you waiving the {fee} fee for {name} ({day})? Send a short reason on one line "
    "(up to 200 characters), or /cancel."
)
FEE_REASON_PROBLEM = "Please send the reason on one line, 1 to 200 characters (or /cancel)."
FEE_WAIVED_STAFF = "Done: the {fee} fee for {name} ({day}) is waived. {name} will be told."
FEE_ALREADY_HANDLED = "That fee is already waived, or isn't one you can waive."
FEE_WAIVE_LATER = "Okay, nothing was waived."
# A supportive note when misses pile up (never a warning, never about money or insurance).
SUPPORT_NOTE = (
    "Hi {name}, it's been a tough few weeks, hasn't it? 💙 Your care team is here to help "
    "you get back on track. If it's hard to come to sessions right now, tell {therapist}: "
    "together you can find something that works."
)
SUPPORT_NOTE_DISCREET = (
    "Hi {name}, thinking of you 💙\nYour care team is here to help you get back on track. If "
    "it's hard to come right now, tell {therapist}: together you can find what works."
)
FEE_WAIVED_CORRECTED = "attendance corrected: not absent after all"
FEE_WAIVED_MADE_UP = "made up: the make-up session was attended"

# --- language (bot.i18n): /language, the /settings toggle, and words inside other texts

LANGUAGE_BUTTON = "🌐 Español"  # names the other language, in that language
LANGUAGE_SET = "Okay, I'll write to you in English from now on. 🙂"
UNITS = {
    "day": ("{n} day", "{n} days"),
    "hour": ("{n} hour", "{n} hours"),
    "minute": ("{n} minute", "{n} minutes"),
}
ROLE_NAMES = {"therapist": "therapist", "patient": "patient", "buddy": "buddy", "unknown": "guest"}
# The time zones patients pick from (bot.timezones), by the names people use for them.
ZONE_NAMES = {
    "America/New_York": "Eastern time",
    "America/Chicago": "Central time",
    "America/Denver": "Mountain time",
    "America/Phoenix": "Arizona time",
    "America/Los_Angeles": "Pacific time",
    "America/Anchorage": "Alaska time",
    "Pacific/Honolulu": "Hawaii time",
    "America/Puerto_Rico": "Atlantic time (Puerto Rico)",
}
AGENDA_JOIN = "   Join: {link}"  # under a session in /schedule and the welcome
TYPED_ANSWER_CLOSED = (
    "That question was closed when you started another one, so I didn't use that message. "
    "If it was for the newer one, please send it again."
)
