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
