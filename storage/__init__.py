"""The SQLite data layer: all SQL of the project lives in this package."""
