-- The safety net (issue "understanding and a safety net"): every crisis or possible crisis
-- becomes an event that someone must take; its outbox rows point at it, so a row is withdrawn
-- at send time once the event is settled (the patient said they are safe, or a therapist
-- pressed "I'm on it").
CREATE TABLE safety_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    patient_id INTEGER NOT NULL REFERENCES people(id),
    -- check: "Are you safe right now?" asked; urgent: the care team alerted at once.
    level TEXT NOT NULL CHECK (level IN ('check', 'urgent')),
    -- open: waiting for the patient's answer; safe: they said so; urgent: an urgent alert.
    status TEXT NOT NULL CHECK (status IN ('open', 'safe', 'urgent')),
    -- The patient's words that opened it, for the calm note after "I'm safe".
    message TEXT NOT NULL,
    created_at TEXT NOT NULL,
    answered_at TEXT,
    acknowledged_by INTEGER REFERENCES people(id),
    acknowledged_at TEXT,
    -- Routine reminders, check-ins and nudges are held back until then (a therapist can
    -- lift the pause sooner).
    paused_until TEXT
);
CREATE INDEX safety_events_patient ON safety_events(patient_id, created_at);

-- What happened to each event, in order: the audit trail a clinic can show.
CREATE TABLE safety_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id INTEGER NOT NULL REFERENCES safety_events(id),
    at TEXT NOT NULL,
    what TEXT NOT NULL,
    person_id INTEGER REFERENCES people(id)
);
CREATE INDEX safety_log_event ON safety_log(event_id, id);

ALTER TABLE outbox ADD COLUMN safety_event_id INTEGER REFERENCES safety_events(id);
-- Lower goes first among due rows: 0 crisis and safety alerts, 1 other alerts, 2 the rest.
ALTER TABLE outbox ADD COLUMN priority INTEGER NOT NULL DEFAULT 2;

-- A buddy's worried words about the patient they support, kept apart from the patient's own
-- notes: passed to the care team only when the buddy presses the button.
CREATE TABLE buddy_worries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    buddy_id INTEGER NOT NULL REFERENCES buddies(id),
    text TEXT NOT NULL,
    created_at TEXT NOT NULL,
    passed_at TEXT
);
