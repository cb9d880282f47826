-- A patient's seat at another session that makes up for one they missed: a make-up (a
-- seat at a session of the same kind that allows make-ups) or a catch-up (a half hour with a
-- therapist, booked from one of their slots). One live booking per seat and per missed
-- session; a cancelled booking stays as history.
CREATE TABLE bookings (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    patient_id INTEGER NOT NULL REFERENCES people(id),
    occurrence_id INTEGER NOT NULL REFERENCES occurrences(id),
    missed_occurrence_id INTEGER NOT NULL REFERENCES occurrences(id),
    kind TEXT NOT NULL CHECK (kind IN ('makeup', 'catchup')),
    status TEXT NOT NULL DEFAULT 'booked' CHECK (status IN ('booked', 'cancelled')),
    booked_at TEXT NOT NULL,
    cancelled_at TEXT
);
CREATE UNIQUE INDEX bookings_seat ON bookings(occurrence_id, patient_id) WHERE status = 'booked';
CREATE UNIQUE INDEX bookings_missed ON bookings(patient_id, missed_occurrence_id)
    WHERE status = 'booked';
CREATE INDEX bookings_missed_lookup ON bookings(missed_occurrence_id);

-- Catch-up slots a therapist offers ([[slots]] in the schedule file, or /slots). Booking one
-- creates a one-patient session (series 'catchup-<slot id>') and links it here.
CREATE TABLE slots (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    therapist_id INTEGER NOT NULL REFERENCES people(id),
    starts_at TEXT NOT NULL,
    ends_at TEXT NOT NULL,
    timezone TEXT NOT NULL,
    source TEXT NOT NULL CHECK (source IN ('file', 'chat')),
    occurrence_id INTEGER REFERENCES occurrences(id),
    removed_at TEXT,
    UNIQUE (therapist_id, starts_at)
);
CREATE INDEX slots_free ON slots(starts_at) WHERE occurrence_id IS NULL AND removed_at IS NULL;

-- A patient's request to their therapist for another time for a missed (or soon missed)
-- session: 'draft' while the patient looks at the options their words brought up, 'open'
-- once sent, 'proposed' when the therapist offers a time, then 'booked', 'declined' or
-- 'withdrawn'. asked_starts_at: the time the patient asked for, when the words named one.
-- awaiting: what the therapist's next typed message is ('time' or 'note').
CREATE TABLE reschedule_requests (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    patient_id INTEGER NOT NULL REFERENCES people(id),
    therapist_id INTEGER NOT NULL REFERENCES people(id),
    missed_occurrence_id INTEGER NOT NULL REFERENCES occurrences(id),
    asked_text TEXT,
    asked_starts_at TEXT,
    status TEXT NOT NULL DEFAULT 'draft'
        CHECK (status IN ('draft', 'open', 'proposed', 'booked', 'declined', 'withdrawn')),
    awaiting TEXT CHECK (awaiting IN ('time', 'note')),
    proposed_starts_at TEXT,
    note TEXT,
    booking_id INTEGER REFERENCES bookings(id),
    created_at TEXT NOT NULL,
    answered_at TEXT
);
CREATE INDEX reschedule_requests_patient ON reschedule_requests(patient_id, status);

-- Make-up guests are expected at the session they booked, like its members.
DROP VIEW expected_patients;
CREATE VIEW expected_patients (occurrence_id, patient_id) AS
SELECT o.id, m.patient_id
FROM occurrences o
JOIN series s ON s.id = o.series_id
JOIN memberships m ON m.group_id = s.group_id
    AND m.joined_at <= o.starts_at AND (m.left_at IS NULL OR o.starts_at < m.left_at)
UNION ALL
SELECT o.id, s.patient_id
FROM occurrences o
JOIN series s ON s.id = o.series_id
WHERE s.patient_id IS NOT NULL
UNION ALL
SELECT b.occurrence_id, b.patient_id FROM bookings b WHERE b.status = 'booked';
