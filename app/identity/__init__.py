"""Persons, enterprises, staff and departments; sign-in; validation of ID numbers and codes."""
