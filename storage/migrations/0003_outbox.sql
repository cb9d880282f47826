-- Reminder buddies: a friend a patient invites to receive plain "appointment" nudges.
-- The invite code is stored only as a SHA-256 hash; telegram_id, chat_id, name and timezone
-- are the buddy's own and stay NULL until they accept. A link is never reused: ending it and
-- inviting again makes a new row.
CREATE TABLE buddies (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    patient_id INTEGER NOT NULL REFERENCES people(id),
    code_hash TEXT NOT NULL UNIQUE,
    status TEXT NOT NULL DEFAULT 'invited'
        CHECK (status IN ('invited', 'active', 'declined', 'ended')),
    telegram_id INTEGER,
    chat_id INTEGER,
    name TEXT,
    timezone TEXT,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    accepted_at TEXT,
    ended_at TEXT,
    -- who ended it: the patient, the buddy, or the system (the buddy blocked the bot)
    ended_by TEXT CHECK (ended_by IN ('patient', 'buddy', 'system')),
    CHECK ((status = 'active') = (chat_id IS NOT NULL AND ended_at IS NULL))
);
CREATE INDEX buddies_patient ON buddies(patient_id);
CREATE INDEX buddies_telegram ON buddies(telegram_id) WHERE telegram_id IS NOT NULL;
-- One live link per patient and friend.
CREATE UNIQUE INDEX buddies_active_pair ON buddies(patient_id, telegram_id)
    WHERE status = 'active';

-- A patient's own reminder lead times, e.g. '24h,1h' ('' = no reminders); no row = config.
CREATE TABLE reminder_preferences (
    patient_id INTEGER PRIMARY KEY REFERENCES people(id),
    lead_times TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- The durable notification outbox: every reminder, check-in, nudge and alert is a row here
-- before anything is sent, and the scheduler only wakes the dispatcher at min(due_at).
--
-- kind:           reminder | checkin | buddy_nudge (planned from the schedule),
--                 staff_alert | material | followup | notice (enqueued by events; never
--                 re-planned; material and followup go only while the patient is absent)
-- recipient_key:  'p:<people.id>' or 'b:<buddies.id>'; exactly one of person_id / buddy_id
-- patient_id:     the patient the row is about (absence and enrolment checks at send time)
-- variant:        tells apart rows with the same kind, occurrence and recipient:
--                 the lead time ('24h', '1h'), 'start', or an event tag for alerts
-- session_starts_at: the session start the row was planned for; if the session has moved
--                 since, the row is withdrawn at send time until it is re-planned
-- expires_at:     never sent at or after this moment (NULL: never stale)
-- status:         pending -> sending (claimed, attempts + 1, BEFORE the send)
--                 -> sent | skipped (stale or withdrawn) | failed; pending -> cancelled
-- failures:       transient send errors so far (429 is not one); drives backoff
-- payload:        JSON {"text", "buttons": [[{"text", "callback_data"}]], "when", "tag"}
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL CHECK (kind IN ('reminder', 'checkin', 'buddy_nudge', 'staff_alert',
        'material', 'followup', 'notice')),
    occurrence_id INTEGER REFERENCES occurrences(id),
    recipient_key TEXT NOT NULL,
    person_id INTEGER REFERENCES people(id),
    buddy_id INTEGER REFERENCES buddies(id),
    patient_id INTEGER REFERENCES people(id),
    chat_id INTEGER NOT NULL,
    variant TEXT NOT NULL DEFAULT '',
    session_starts_at TEXT,
    due_at TEXT NOT NULL,
    expires_at TEXT,
    status TEXT NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'sending', 'sent', 'skipped', 'failed', 'cancelled')),
    attempts INTEGER NOT NULL DEFAULT 0,
    failures INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    telegram_message_id INTEGER,
    payload TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    sent_at TEXT,
    CHECK ((person_id IS NULL) <> (buddy_id IS NULL))
);
-- The idempotency key. ifnull: SQLite treats NULLs as distinct in UNIQUE, and an alert with
-- no occurrence must still be planned only once.
CREATE UNIQUE INDEX outbox_idempotency
    ON outbox(kind, ifnull(occurrence_id, 0), recipient_key, variant);
CREATE INDEX outbox_due ON outbox(due_at) WHERE status = 'pending';
CREATE INDEX outbox_in_flight ON outbox(status) WHERE status = 'sending';
CREATE INDEX outbox_occurrence ON outbox(occurrence_id);
CREATE INDEX outbox_person ON outbox(person_id) WHERE person_id IS NOT NULL;
CREATE INDEX outbox_buddy ON outbox(buddy_id) WHERE buddy_id IS NOT NULL;
