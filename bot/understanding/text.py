"""Normalise a patient's message so hand-written rules can match it.

Patients text in a hurry: texting spellings, missing apostrophes, typos, emoji, ALL CAPS, and
Spanish with or without accents. Every rule downstream matches the normalised form only, so the
rules stay short and one spelling fix helps every rule at once.
"""

import re
import unicodedata

# What may follow "sat"/"sun" for them to be weekdays: "sat's", "sat group".
_SESSION_AFTER = r"'s\b| (?:group|session|class|meeting|individual|family|support)\b"


def any_of(*alternatives: str) -> re.Pattern[str]:
    """One pattern matching any of these (each wrapped in its own group)."""
    return re.compile("|".join(f"(?:{a})" for a in alternatives))


def _spellings(variants: str, canonical: str) -> dict[str, str]:
    return dict.fromkeys(variants.split(), canonical)


# Single tokens rewritten to one canonical spelling. Keys are matched as whole words.
_TOKEN_MAP: dict[str, str] = {
    # tomorrow / tonight / yesterday
    **_spellings(
        "tmrw tmr tmrow tmrrw tmw tmro tmoro tomoro tomorow tommorow tommorrow tomorrrow tomm "
        "tomoz 2moro 2morrow 2morow 2mrw 2mro 2mrow tomrrow tomorrw tomrw",
        "tomorrow",
    ),
    **_spellings("2nite 2night tonite tonigh tonigth tonihgt tonght tn 2nit", "tonight"),
    **_spellings("yday ystrday yest yesterdy yesturday yesteday yesterady", "yesterday"),
    "2day": "today",
    "tday": "today",
    # weekdays ("sat" and "sun" are words too; see _PHRASE_RULES)
    **_spellings("mon mondy monady", "monday"),
    **_spellings("tues tue tuesdy teusday tusday", "tuesday"),
    **_spellings(
        "weds wed wednsday wensday wednesay wedensday wendsday wedsday wednes", "wednesday"
    ),
    **_spellings(
        "thurs thur thu thrs thurz thursdy thrusday thurday thursady thurdsay thusday", "thursday"
    ),
    **_spellings("fri firday fridy frday", "friday"),
    **_spellings("satur saturdy", "saturday"),
    "sundy": "sunday",
    # contractions typed without apostrophes
    "cant": "can't",
    "cannot": "can't",
    "wont": "won't",
    "dont": "don't",
    "didnt": "didn't",
    "couldnt": "couldn't",
    "wasnt": "wasn't",
    "isnt": "isn't",
    "wouldnt": "wouldn't",
    "shouldnt": "shouldn't",
    "doesnt": "doesn't",
    "havent": "haven't",
    "im": "i'm",
    "ive": "i've",
    "gonna": "going to",
    "gona": "going to",
    "wanna": "want to",
    "gotta": "got to",
    "tryna": "trying to",
    "u": "you",
    "r": "are",
    "ur": "your",
    "pls": "please",
    "plz": "please",
    "bc": "because",
    "bcuz": "because",
    "bcz": "because",
    "cuz": "because",
    "coz": "because",
    "cause": "because",
    "b4": "before",
    "l8": "late",
    "l8r": "later",
    "omw": "on my way",
    "ima": "i'm going to",
    "imma": "i'm going to",
    "resched": "reschedule",
    "rs": "reschedule",
    "frm": "from",
    "sry": "sorry",
    "srry": "sorry",
    "sory": "sorry",
    "sorri": "sorry",
    "missd": "missed",
    "mised": "missed",
    "runing": "running",
    "runnin": "running",
    "min": "minutes",
    "mins": "minutes",
    "minute": "minutes",
    "mn": "minutes",
    "hr": "hour",
    "hrs": "hours",
    "appt": "appointment",
    "apt": "appointment",
    "appointmnt": "appointment",
    "sesh": "session",
    "sesson": "session",
    "sessoin": "session",
    "grp": "group",
    "grouo": "group",
    "gorup": "group",
    "gruop": "group",
    "goup": "group",
    "grup": "group",
    # autocorrect turns "group" into these
    "grout": "group",
    "froup": "group",
    "yall": "y'all",
    "fam": "family",
    "runnign": "running",
    "indiv": "individual",
    "indv": "individual",
    "therapy's": "therapy",
    "bf": "boyfriend",
    "gf": "girlfriend",
    "mom's": "mom",
    "dad's": "dad",
    # Spanish texting
    "q": "que",
    "xq": "porque",
    "pq": "porque",
    "porq": "porque",
    "xfa": "por favor",
    "tmb": "tambien",
    "tb": "tambien",
    "toy": "estoy",
    "mnn": "manana",
    "mñn": "manana",
}
_TOKEN_RE = re.compile(
    r"(?<![\w'])("
    + "|".join(re.escape(k) for k in sorted(_TOKEN_MAP, key=len, reverse=True))
    + r")(?![\w'])"
)

# Rewrites that need a little context, applied in order before the token map.
_PHRASE_RULES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), repl)
    for pattern, repl in (
        (r"[’‘`´]", "'"),
        # Emoji that carry a reason.
        ("[\U0001f912\U0001f927\U0001f92e\U0001f637\U0001f922]", " sick "),
        (r"[“”]", '"'),
        (r"\bcan not\b", "can't"),
        (r"\bwill not\b", "won't"),
        (r"\bdo not\b", "don't"),
        (r"\bdid not\b", "didn't"),
        (r"\bcould not\b", "couldn't"),
        (r"\bwas not\b", "wasn't"),
        (r"\bi am\b", "i'm"),
        (r"\bi will\b", "i'll"),
        (r"\bb/c\b", "because"),
        (r"\bw/o\b", "without"),
        (r"\bw/", "with "),
        (r"\b(1:1|1-1|1 ?on ?1|1-on-1|one[ -]on[ -]one)\b", " individual "),
        # "ill" is a word meaning sick, so only read it as "i'll" before a verb.
        (
            r"\bill (?=(?:be|miss|make|come|join|try|log|get|see|need|have|call|text|let|"
            r"prob\w*|def\w*|just|still|not|attend|show|do|go|catch|hop|jump|reschedule)\b)",
            "i'll ",
        ),
        # "sat"/"sun" are also words; read them as weekdays only where a weekday fits.
        (r"\b(on|this|next|last|till|until|by) sat\b", r"\1 saturday"),
        (r"\b(on|this|next|last|till|until|by) sun\b", r"\1 sunday"),
        # "miss sat", "sat group", "sat's session": a weekday next to a session word or verb.
        (
            r"\b(miss|missed|missing|skip|skipped|for|do|make|after|before) sat\b",
            r"\1 saturday",
        ),
        (rf"\bsat(?={_SESSION_AFTER})", "saturday"),
        (r"\b(group|session|class|meeting|individual) sat\b", r"\1 saturday"),
        (rf"\bsun(?={_SESSION_AFTER})", "sunday"),
        (r"\b(?:ytd|yday|yest|yesterdy)\b", "yesterday"),
        (r"\b(\d+)\s*(?:mins?|minutes?|m)\b", r"\1 minutes"),
        (r"\b(\d+)\s*(?:hrs?|hours?)\b", r"\1 hours"),
        # "b there n 5": texting "be" and "in" only where no other reading fits.
        (r"\bb (?=there|late|on time)", "be "),
        (r"\b(be there|join|on) n (?=\d)", r"\1 in "),
        (r"\bsick (?:and|&|n) tired\b", "tired"),
        # Spanish "mañana" is both "tomorrow" and "morning".
        (r"\bpasado manana\b", "pasado_manana"),
        (r"\b(?:por|en|de|toda) la manana\b", "in the morning"),
        (r"\besta manana\b", "this morning"),
        (r"\bla manana\b", "the morning"),
    )
)

_SPACES_RE = re.compile(r"\s+")


def strip_invisible(text: str) -> str:
    """Drop format characters (zero-width spaces, soft hyphens, joiners, direction marks):
    invisible to a person, they would split a word for the reader."""
    return "".join(ch for ch in text if unicodedata.category(ch) != "Cf")


def strip_accents(text: str) -> str:
    """Drop combining marks so "mañana" and "manana" match the same rule."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def normalize(text: str) -> str:
    """Lowercase, strip accents and expand texting spellings; keep punctuation and emoji."""
    out = strip_accents(strip_invisible(text).lower())
    for pattern, repl in _PHRASE_RULES:
        out = pattern.sub(repl, out)
    out = _TOKEN_RE.sub(lambda m: _TOKEN_MAP[m.group(1)], out)
    return _SPACES_RE.sub(" ", out).strip()
