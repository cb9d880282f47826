-- Every change a therapist makes to attendance (who, when, old -> new), for audits.
CREATE TABLE attendance_audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    patient_id INTEGER NOT NULL REFERENCES people(id),
    occurrence_id INTEGER NOT NULL REFERENCES occurrences(id),
    old_status TEXT,
    new_status TEXT NOT NULL,
    changed_by INTEGER NOT NULL REFERENCES people(id),
    changed_at TEXT NOT NULL
);
CREATE INDEX attendance_audit_occurrence ON attendance_audit(occurrence_id, patient_id);

-- Catch-up material: a link (recording, reading) or a Telegram document, for one occurrence
-- or for every occurrence of a series.
CREATE TABLE materials (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    occurrence_id INTEGER REFERENCES occurrences(id),
    series_id TEXT REFERENCES series(id),
    title TEXT NOT NULL,
    url TEXT,
    file_id TEXT,
    added_by INTEGER NOT NULL REFERENCES people(id),
    added_at TEXT NOT NULL,
    CHECK ((occurrence_id IS NULL) <> (series_id IS NULL)),
    CHECK ((url IS NULL) <> (file_id IS NULL))
);
CREATE INDEX materials_occurrence ON materials(occurrence_id);
CREATE INDEX materials_series ON materials(series_id);

-- A patient has caught up on a session they missed.
CREATE TABLE catchups (
    patient_id INTEGER NOT NULL REFERENCES people(id),
    occurrence_id INTEGER NOT NULL REFERENCES occurrences(id),
    completed_at TEXT NOT NULL,
    PRIMARY KEY (patient_id, occurrence_id)
);

-- Risk flags are on while their condition holds; the therapist is alerted when one turns on.
CREATE TABLE risk_flags (
    patient_id INTEGER NOT NULL REFERENCES people(id),
    kind TEXT NOT NULL CHECK (kind IN ('consecutive_misses', 'insurance_window')),
    raised_at TEXT NOT NULL,
    PRIMARY KEY (patient_id, kind)
);

-- Which therapist conversation step is waiting for material for which occurrence/series.
CREATE TABLE material_drafts (
    therapist_id INTEGER PRIMARY KEY REFERENCES people(id),
    occurrence_id INTEGER REFERENCES occurrences(id),
    series_id TEXT REFERENCES series(id),
    created_at TEXT NOT NULL
);
