"""The durable outbox: planning rows, notices, the dispatcher and its Telegram sender."""
