"""Models of the probes app."""
