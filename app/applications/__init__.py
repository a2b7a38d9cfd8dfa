"""Applications (办件): drafts before submission; the state machine after it (issue 5)."""
