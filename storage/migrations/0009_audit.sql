-- Who looked at or exported a patient's records. Attendance edits (attendance_audit) and
-- crisis acknowledgements and lifted pauses (safety_log) are already recorded where they
-- happen; `iop-bot audit` reads all three. actor_id NULL: the command line (an admin).
CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    actor_id INTEGER REFERENCES people(id),
    action TEXT NOT NULL,
    patient_id INTEGER REFERENCES people(id),
    detail TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_patient ON audit_log(patient_id, at);
CREATE INDEX audit_log_at ON audit_log(at);
