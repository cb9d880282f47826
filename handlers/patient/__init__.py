"""Patient conversations: free-text messages, absence reports, crisis support."""
