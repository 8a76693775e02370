"""Email sent to people about their accounts: the invitation with its link."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from accord.accounts.models import Invitation
from accord.core.links import absolute_url


def invitation_link(token: str) -> str:
    """The absolute link of an invitation, on the configured base URL (never the request's Host
    header, which a client chooses)."""
    return absolute_url(reverse("accept_invitation", args=[token]))


def send_invitation(invitation: Invitation, token: str) -> None:
    """Email the invitation's link to the person invited (raises when the mail server does),
    in the site's default language: the person has no account, so no language of their own."""
    with translation.override(settings.LANGUAGE_CODE):
        subject, message = _invitation_text(invitation, token)
    send_mail(
        subject=subject,
        message=message,
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[invitation.email],
    )


def _invitation_text(invitation: Invitation, token: str) -> tuple[str, str]:
    inviter = invitation.invited_by
    organisation = invitation.organisation.name if invitation.organisation else gettext("the staff")
    context = {
        "invitation": invitation,
        "inviter": inviter.get_full_name() or inviter.email,
        "organisation": organisation,
        "link": invitation_link(token),
    }
    subject = gettext("You are invited to Accord (%(organisation)s)") % {
        "organisation": organisation
    }
    return subject, render_to_string("accounts/invitation_email.txt", context)
