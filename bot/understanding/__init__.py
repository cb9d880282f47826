"""Reading a patient's message: rules for what rules do well, see ``engine``."""
