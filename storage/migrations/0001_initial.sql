-- People: therapists and patients, known by a handle that schedule files and the CLI use.
-- A person exists before they open Telegram (created by an invite or a schedule import);
-- telegram_id is set when they register.
CREATE TABLE people (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    handle TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL CHECK (role IN ('therapist', 'patient')),
    name TEXT NOT NULL,
    therapist_id INTEGER REFERENCES people(id),
    telegram_id INTEGER UNIQUE,
    chat_id INTEGER,
    timezone TEXT,
    consented_at TEXT,
    registered_at TEXT,
    created_at TEXT NOT NULL
);

-- One-time invite codes, stored only as a SHA-256 hash.
CREATE TABLE invites (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    code_hash TEXT NOT NULL UNIQUE,
    person_id INTEGER NOT NULL REFERENCES people(id),
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    claimed_by INTEGER,
    used_at TEXT,
    revoked_at TEXT
);
CREATE INDEX invites_person ON invites(person_id);
CREATE INDEX invites_claimed_by ON invites(claimed_by) WHERE claimed_by IS NOT NULL;

CREATE TABLE groups (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    therapist_id INTEGER NOT NULL REFERENCES people(id),
    timezone TEXT NOT NULL
);

CREATE TABLE group_members (
    group_id TEXT NOT NULL REFERENCES groups(id),
    patient_id INTEGER NOT NULL REFERENCES people(id),
    PRIMARY KEY (group_id, patient_id)
);
CREATE INDEX group_members_patient ON group_members(patient_id);

-- Weekly series and one-off sessions (weekdays = '' and first_date = last_date).
CREATE TABLE series (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL
        CHECK (kind IN ('group', 'individual', 'family', 'psychoeducation', 'support')),
    title TEXT NOT NULL,
    group_id TEXT REFERENCES groups(id),
    patient_id INTEGER REFERENCES people(id),
    therapist_id INTEGER NOT NULL REFERENCES people(id),
    timezone TEXT NOT NULL,
    weekdays TEXT NOT NULL,
    start_time TEXT NOT NULL,
    duration_minutes INTEGER NOT NULL CHECK (duration_minutes > 0),
    first_date TEXT NOT NULL,
    last_date TEXT,
    link TEXT,
    capacity INTEGER,
    makeup INTEGER NOT NULL DEFAULT 0,
    CHECK ((group_id IS NULL) <> (patient_id IS NULL))
);
CREATE INDEX series_group ON series(group_id);
CREATE INDEX series_patient ON series(patient_id);
CREATE INDEX series_therapist ON series(therapist_id);

CREATE TABLE cancellations (
    series_id TEXT NOT NULL REFERENCES series(id),
    local_date TEXT NOT NULL,
    PRIMARY KEY (series_id, local_date)
);

-- Materialised occurrences: attendance and notifications refer to these ids, so a changed
-- schedule updates future rows in place and never touches past ones.
CREATE TABLE occurrences (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    series_id TEXT NOT NULL REFERENCES series(id),
    local_date TEXT NOT NULL,
    starts_at TEXT NOT NULL,
    ends_at TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'scheduled' CHECK (status IN ('scheduled', 'cancelled')),
    UNIQUE (series_id, local_date)
);
CREATE INDEX occurrences_starts_at ON occurrences(starts_at);

-- ConversationHandler states, so a dialog survives a restart.
CREATE TABLE conversations (
    name TEXT NOT NULL,
    key TEXT NOT NULL,
    state TEXT NOT NULL,
    PRIMARY KEY (name, key)
);
