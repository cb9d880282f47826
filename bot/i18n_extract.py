"""Bring the catalogues up to date with ``bot/texts.py``: ``python -m bot.i18n_extract``.

Every string in ``bot/texts.py`` becomes a message whose context is the constant's name
(``REASON_LABELS[work]``). A new string is added untranslated; a string whose English changed
keeps its old translation marked fuzzy (it is not used until a translator checks it); a string
removed from ``texts.py`` is dropped. ``tests/test_spanish.py`` fails while any message is
untranslated or fuzzy, or its placeholders differ from the English.
"""

from __future__ import annotations

import sys
from pathlib import Path

from bot.i18n import DOMAIN, ENGLISH, LANGUAGES, LOCALE_DIR, english_messages

HEADER = """\
# What iop-bot says, translated. Each msgctxt is the name of the constant in bot/texts.py
# (REASON_LABELS[work]: an item of a dict). Regenerate with `python -m bot.i18n_extract`,
# then translate what is new or fuzzy: warm, plain, never shaming; informal tú in Spanish;
# keep every {placeholder} and emoji. tests/test_spanish.py checks both."""


def update_catalogue(language: str, seed: dict[str, str] | None = None) -> Path:
    """Rewrite ``language``'s ``.po`` from ``texts.py``, keeping translations (or ``seed``)."""
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import read_po, write_po

    path = LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    old: dict[str, tuple[str, str, bool]] = {}
    created = None
    if path.exists():
        with path.open("rb") as file:
            previous = read_po(file, locale=language)
        created = previous.creation_date  # a rerun with nothing new changes nothing
        for message in previous:
            if message.id and message.context:
                old[message.context] = (message.id, message.string, message.fuzzy)
    catalogue = Catalog(
        locale=language,
        domain=DOMAIN,
        project="iop-bot",
        fuzzy=False,
        header_comment=HEADER,
        **({"creation_date": created} if created else {}),
    )
    for context, english in english_messages().items():
        was_id, string, fuzzy = old.get(context, (english, "", False))
        if seed and context in seed:
            was_id, string, fuzzy = english, seed[context], False
        flags = ["fuzzy"] if fuzzy or (string and was_id != english) else []
        catalogue.add(english, string, context=context, flags=flags)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as file:
        write_po(file, catalogue, width=99, omit_header=False, sort_output=False)
    return path


def main() -> int:
    for language in LANGUAGES:
        if language != ENGLISH:
            print(update_catalogue(language))
    return 0


if __name__ == "__main__":
    sys.exit(main())
