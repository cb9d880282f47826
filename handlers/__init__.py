"""python-telegram-bot handlers: thin translations from updates to domain calls."""
