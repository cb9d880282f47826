"""Everything the bot says, in one place, so tone can be reviewed in one read.

Rules: short, warm, plain words, never shaming. Nothing clinical in anything a buddy or a
group chat could see.
"""

from __future__ import annotations

from bot.roles import Role

# (command, description) per role: the /help text and the per-chat command menu.
COMMANDS: dict[Role, tuple[tuple[str, str], ...]] = {
    Role.UNKNOWN: (
        ("start", "Start with the invite link from your clinic"),
        ("help", "What I can do"),
    ),
    Role.PATIENT: (
        ("schedule", "Your sessions in the next 7 days"),
        ("help", "What I can do"),
    ),
    Role.THERAPIST: (
        ("schedule", "Sessions you lead in the next 7 days"),
        ("help", "What I can do"),
    ),
    Role.BUDDY: (("help", "What I can do"),),
}

PRIVATE_ONLY = "Hi! I only talk in private chats. Please message me directly: @{username}"

START_WITHOUT_CODE = (
    "Hi, I'm the assistant for {program}. 👋\n\n"
    "To get started, please open the personal invite link your clinic sent you. "
    "If you don't have one, ask your care team."
)
WELCOME_BACK = "Welcome back, {name}! 😊 Here is what I can do:\n\n{commands}"

INVITE_UNKNOWN = (
    "I couldn't find that invite. Please check you opened the whole link, "
    "or ask your clinic for a new one."
)
INVITE_USED = (
    "This invite link has already been used. If that wasn't you, or you need a new one, "
    "please ask your clinic."
)
INVITE_EXPIRED = "This invite link has expired. Please ask your clinic for a fresh one. 🙏"
INVITE_WRONG_ROLE = (
    "This link is for a {invite_role}, but you're already set up here as a {your_role}. "
    "Please ask your clinic for the right link."
)
INVITE_ALREADY_SET_UP = "You're already set up, {name}. Nothing more to do! Try /help."

THERAPIST_WELCOME = (
    "Welcome, {name}! You're registered as a therapist for {program}.\n\n"
    "Here is what you can do:\n\n{commands}"
)

CONSENT = (
    "Hi {name}, welcome to {program}. 👋\n\n"
    "Before we start, here is what I keep and who sees it:\n"
    "• your name, your sessions and your time zone;\n"
    "• what you tell me about coming to sessions (for example that you'll miss one, "
    "and why, if you choose to say).\n\n"
    "Only you and your care team can see this. I never share it with anyone else, and "
    "I never post anything in group chats.\n\n"
    "Is that okay with you?"
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
INVITE_TAKEN_MEANWHILE = (
    "Sorry, this invite can't be used any more. Please ask your clinic for a new link."
)

UNKNOWN_USER = (
    "Hi! I don't think we've met yet. 👋 To get started, please open the personal invite "
    "link your clinic sent you."
)
NOT_FOR_YOUR_ROLE = "Sorry, that isn't something I can do for you. Try /help to see what I can do."
UNKNOWN_COMMAND = "I don't know that command, sorry. Try /help to see what I can do."
FREE_TEXT_NOT_YET = (
    "Thanks for your message. I can't read free text yet, so please use the commands "
    "below, or contact your care team directly.\n\n{commands}"
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
    "If it keeps happening, tell your care team this code: {reference}"
)
HELP_HEADER = "Here is what I can do:\n\n{commands}"


def command_list(role: Role) -> str:
    return "\n".join(f"/{command} – {description}" for command, description in COMMANDS[role])
