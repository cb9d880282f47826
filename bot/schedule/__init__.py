"""Schedule files, recurrence, syncing occurrences into storage, and agendas."""
