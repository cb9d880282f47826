-- The language the bot writes in ('en' or 'es'), per person and per reminder buddy. NULL:
-- not chosen yet, so the bot follows the language of their Telegram app (language_code);
-- an admin may set it at invite (--lang), and /settings or /language change it.
ALTER TABLE people ADD COLUMN language TEXT CHECK (language IN ('en', 'es'));
ALTER TABLE buddies ADD COLUMN language TEXT CHECK (language IN ('en', 'es'));
