-- Quiet nights: routine messages to a patient inside [reminders] patient_quiet_hours (their
-- zone) arrive silently. On by default; /settings turns it off.
ALTER TABLE people ADD COLUMN quiet INTEGER NOT NULL DEFAULT 1 CHECK (quiet IN (0, 1));
