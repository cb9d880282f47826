-- Group membership has dates: a patient is expected at a group's session only while they
-- belong to it (joined_at <= start < left_at). A patient who leaves and comes back gets a
-- second row; at most one row per patient and group is open (left_at NULL).
CREATE TABLE memberships (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    group_id TEXT NOT NULL REFERENCES groups(id),
    patient_id INTEGER NOT NULL REFERENCES people(id),
    joined_at TEXT NOT NULL,
    left_at TEXT,
    CHECK (left_at IS NULL OR left_at >= joined_at)
);
CREATE UNIQUE INDEX memberships_open ON memberships(group_id, patient_id) WHERE left_at IS NULL;
CREATE INDEX memberships_patient ON memberships(patient_id, group_id);
CREATE INDEX memberships_group ON memberships(group_id, joined_at);

-- Members before this migration joined when the clinic first knew them (their invite or the
-- schedule import that named them): the best date there is.
INSERT INTO memberships (group_id, patient_id, joined_at)
SELECT m.group_id, m.patient_id, p.created_at
FROM group_members m JOIN people p ON p.id = m.patient_id;
DROP TABLE group_members;

-- Who is expected at each session: a group's members on its date, or a one-patient series'
-- patient. Make-up guests and former members are not here; their attendance rows are.
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
WHERE s.patient_id IS NOT NULL;

-- A session keeps the title, kind and zone it had when it happened: a later schedule import
-- updates future sessions only. NULL never stays: every insert sets them.
ALTER TABLE occurrences ADD COLUMN kind TEXT;
ALTER TABLE occurrences ADD COLUMN title TEXT;
ALTER TABLE occurrences ADD COLUMN timezone TEXT;
UPDATE occurrences SET
    kind = (SELECT s.kind FROM series s WHERE s.id = occurrences.series_id),
    title = (SELECT s.title FROM series s WHERE s.id = occurrences.series_id),
    timezone = (SELECT s.timezone FROM series s WHERE s.id = occurrences.series_id);

-- Each time a risk flag went up or down, with the value that crossed the threshold.
CREATE TABLE risk_crossings (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    patient_id INTEGER NOT NULL REFERENCES people(id),
    kind TEXT NOT NULL CHECK (kind IN ('consecutive_misses', 'insurance_window')),
    direction TEXT NOT NULL CHECK (direction IN ('up', 'down')),
    value INTEGER NOT NULL,
    threshold INTEGER NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX risk_crossings_patient ON risk_crossings(patient_id, at);

-- Marks a therapist changed on an attendance sheet, waiting until they press Done or leave
-- the sheet alone for a while: only the mark they leave has consequences (follow-up,
-- catch-up material, risk flags), not the ones they tapped through.
CREATE TABLE unsettled_marks (
    occurrence_id INTEGER NOT NULL REFERENCES occurrences(id),
    patient_id INTEGER NOT NULL REFERENCES people(id),
    settle_at TEXT NOT NULL,
    PRIMARY KEY (occurrence_id, patient_id)
);
CREATE INDEX unsettled_marks_due ON unsettled_marks(settle_at);
