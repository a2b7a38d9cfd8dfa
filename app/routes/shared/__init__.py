"""Page helpers shared by more than one page channel."""
