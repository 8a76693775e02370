"""A tiny OpenID Connect provider (django-oauth-toolkit) for the SSO tests, run in its own
process by tests/sso/conftest.py: `python -m provider.serve`."""
