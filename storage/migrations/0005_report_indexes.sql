-- A patient's past sessions (storage/reports.py PATIENT_QUERY) and a series' future ones
-- (schedule sync) are a time range within a series: without this index every occurrence of
-- the series, past and up to the horizon, is read and filtered by starts_at.
-- The period report itself needs no new index: occurrences_starts_at, the group_members and
-- attendance primary keys and absences_live already cover it.
CREATE INDEX occurrences_series_start ON occurrences(series_id, starts_at);
