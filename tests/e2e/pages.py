"""The pages every browser pass visits (test_pages.py): who opens which URL and what they must
see there. A new page gets a line here, so it is opened in Chromium with JavaScript off and in
Firefox ESR.

`who` is a person of the test world (tests/conftest.py) or "visitor" (not signed in); `path`
may name the scene's ticket as `{ticket}`; `shows` is text the person must see on the page.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Visit:
    who: str
    path: str
    shows: str


VISITS: tuple[Visit, ...] = (
    Visit("visitor", "/status/", "Service status"),
    Visit("acme_reporter", "/tickets/", "Dashboard won't load"),
    Visit("acme_reporter", "/tickets/{ticket}/", "Dashboard won't load"),
    Visit("acme_admin", "/accounts/people/", "rita@acme.test"),
    Visit("acme_admin", "/accounts/settings/", "Time zone"),
    Visit("agent", "/queue/", "Dashboard won't load"),
    Visit("agent", "/tickets/{ticket}/", "Dashboard won't load"),
    # Accounts: password reset and change, people, two-factor sign-in
    Visit("visitor", "/accounts/password/reset/", "Reset your password"),
    Visit("acme_reporter", "/accounts/password/", "Change your password"),
    Visit("acme_admin", "/accounts/people/", "Change role"),
    Visit("acme_reporter", "/accounts/two-factor/", "Set up an authenticator app"),
    Visit("vendor_admin", "/accounts/two-factor/policy/", "Two-factor policy"),
    # Ownership and exports
    Visit("agent", "/queue/?view=mine", "Mine"),
    Visit("agent", "/queue/?view=unassigned", "Download CSV"),
    Visit("agent", "/tickets/{ticket}/", "Ownership"),
    Visit("agent", "/tickets/{ticket}/assign/", "Assign the ticket"),
    Visit("agent", "/agent-groups/", "Agent groups"),
    Visit("acme_reporter", "/tickets/{ticket}/", "Not yet assigned"),
    Visit("acme_admin", "/tickets/", "Download CSV"),
    # Status subscriptions
    Visit("visitor", "/status/subscribe/", "Status updates"),
)

# The scene's ticket, raised by Acme's reporter before the browsers start.
TICKET_SUMMARY = "Dashboard won't load"
