"""OneThing: 一件事一次办 — a city's one-thing-done-once government service platform."""
