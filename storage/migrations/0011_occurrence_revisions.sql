-- Calendar files (/calendar): an occurrence's revision goes up each time its time or status
-- changes (SEQUENCE in the file), and updated_at is when that last happened (LAST-MODIFIED),
-- so a calendar app that imports a newer file updates the event instead of adding another.
-- Rows stored before this migration keep revision 0 and no updated_at until they change.
ALTER TABLE occurrences ADD COLUMN revision INTEGER NOT NULL DEFAULT 0;
ALTER TABLE occurrences ADD COLUMN updated_at TEXT;
