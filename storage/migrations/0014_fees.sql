-- Fees: who pays for a patient's care (payer rules), and the ledger of fees charged for
-- missed sessions. A patient with no payer set is charged per the clinic's policy;
-- 'medicaid' is never charged (42 CFR 447.15).
ALTER TABLE people ADD COLUMN payer TEXT
    CHECK (payer IN ('medicaid', 'medicare', 'commercial', 'self_pay'));

-- One charge per patient and missed session, ever: a re-run of the job never adds another.
-- `amount` is a decimal string in `currency` (never a float). A waived charge keeps its row
-- (when, by whom, why). `waiving_by` is the therapist whose next typed message is the
-- reason for waiving it, so a restart in the middle loses nothing.
CREATE TABLE charges (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    patient_id INTEGER NOT NULL REFERENCES people(id),
    occurrence_id INTEGER NOT NULL REFERENCES occurrences(id),
    reason TEXT NOT NULL CHECK (reason IN ('no_show', 'late_cancel')),
    amount TEXT NOT NULL,
    currency TEXT NOT NULL,
    payer TEXT,
    created_at TEXT NOT NULL,
    waived_at TEXT,
    waived_by INTEGER REFERENCES people(id),
    waive_reason TEXT,
    waiving_by INTEGER REFERENCES people(id),
    UNIQUE (patient_id, occurrence_id)
);
CREATE INDEX charges_created ON charges(created_at);
CREATE INDEX charges_waiving ON charges(waiving_by) WHERE waiving_by IS NOT NULL;
