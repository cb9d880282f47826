-- The fee in force over time, as the bot saw the config: a missed session is charged the fee
-- that applied when it happened, and only if one did (turning fees on, or raising them, never
-- reaches back to sessions missed before). A row is added when the bot starts or the fees job
-- runs and the configured fee or currency differs from the latest row.
CREATE TABLE fee_terms (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    effective_at TEXT NOT NULL,
    amount TEXT NOT NULL,
    currency TEXT NOT NULL
);
