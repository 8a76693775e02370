"""Reliability drills (issue 17): each script runs a bounded fault drill and prints its figure.
docs/reliability.md says what each one shows and how to run it."""
