-- What a patient told the bot about one occurrence: an absence (ahead or after the fact).
-- The original text is kept so the therapist can read it; parsed is the bot's reading (JSON).
CREATE TABLE absences (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    patient_id INTEGER NOT NULL REFERENCES people(id),
    occurrence_id INTEGER NOT NULL REFERENCES occurrences(id),
    kind TEXT NOT NULL CHECK (kind IN ('upcoming', 'missed')),
    reason TEXT CHECK (reason IN ('work', 'school', 'health', 'family', 'transport',
        'technology', 'childcare', 'motivation', 'legal', 'other')),
    reason_text TEXT,
    original_text TEXT,
    parsed TEXT,
    reported_at TEXT NOT NULL,
    lead_minutes INTEGER NOT NULL,
    status TEXT NOT NULL DEFAULT 'reported' CHECK (status IN ('reported', 'withdrawn')),
    withdrawn_at TEXT
);
-- At most one live report per patient and occurrence; withdrawn ones stay as history.
CREATE UNIQUE INDEX absences_live ON absences(patient_id, occurrence_id)
    WHERE status = 'reported';
CREATE INDEX absences_patient_time ON absences(patient_id, reported_at);

-- The latest known attendance of a patient at an occurrence.
-- confirmed: said they will come; late: said they will be late (late_minutes if given);
-- absent: reported or marked absent; present: marked present by the therapist.
CREATE TABLE attendance (
    patient_id INTEGER NOT NULL REFERENCES people(id),
    occurrence_id INTEGER NOT NULL REFERENCES occurrences(id),
    status TEXT NOT NULL CHECK (status IN ('confirmed', 'late', 'absent', 'present')),
    late_minutes INTEGER,
    source TEXT NOT NULL CHECK (source IN ('patient', 'therapist', 'system')),
    updated_at TEXT NOT NULL,
    PRIMARY KEY (patient_id, occurrence_id)
);
CREATE INDEX attendance_occurrence ON attendance(occurrence_id);

-- People who blocked the bot can't be reached; their therapist is told once.
ALTER TABLE people ADD COLUMN unreachable_at TEXT;

-- An absence report the patient is still confirming (which session, why). Kept in the
-- database, not in memory, so the dialog survives a restart.
CREATE TABLE absence_drafts (
    patient_id INTEGER PRIMARY KEY REFERENCES people(id),
    kind TEXT NOT NULL CHECK (kind IN ('upcoming', 'missed')),
    original_text TEXT,
    parsed TEXT,
    reason TEXT,
    occurrence_id INTEGER REFERENCES occurrences(id),
    created_at TEXT NOT NULL
);

-- Messages the bot could not place, which the patient chose to send to their therapist.
CREATE TABLE patient_notes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    patient_id INTEGER NOT NULL REFERENCES people(id),
    text TEXT NOT NULL,
    created_at TEXT NOT NULL,
    forwarded_at TEXT
);
