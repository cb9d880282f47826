-- What a patient chooses about how the bot talks to them: the name it uses (asked when they
-- join, changed with /name), and discreet first lines on a locked phone (on by default).
ALTER TABLE people ADD COLUMN preferred_name TEXT;
ALTER TABLE people ADD COLUMN discreet INTEGER NOT NULL DEFAULT 1 CHECK (discreet IN (0, 1));
