-- Attendance letters (/letter): a patient's request, their therapist's decision, and the
-- letter's SHA-256 once issued. A row is a 'draft' while the patient is still choosing,
-- 'pending' while it waits for the therapist, then 'issued' or 'declined'. `awaiting` is
-- what the therapist's next typed message is for ('period' or 'note'), so a restart in the
-- middle of a decision loses nothing.
CREATE TABLE letters (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    patient_id INTEGER NOT NULL REFERENCES people(id),
    therapist_id INTEGER REFERENCES people(id),
    recipient TEXT CHECK (recipient IN ('employer', 'court', 'school', 'other')),
    first_day TEXT,
    last_day TEXT,
    requested_first_day TEXT,
    requested_last_day TEXT,
    status TEXT NOT NULL DEFAULT 'draft'
        CHECK (status IN ('draft', 'pending', 'issued', 'declined', 'dropped')),
    awaiting TEXT CHECK (awaiting IN ('period', 'note')),
    created_at TEXT NOT NULL,
    requested_at TEXT,
    decided_at TEXT,
    decided_by INTEGER REFERENCES people(id),
    note TEXT,
    sha256 TEXT
);
CREATE INDEX letters_patient ON letters(patient_id, status);
CREATE INDEX letters_therapist ON letters(therapist_id, status);
