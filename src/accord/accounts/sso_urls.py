"""Single sign-on's two URLs (accord.accounts.oidc): they answer 404 while SSO is off."""

from django.urls import path

from accord.accounts.oidc import SignInCallback, SignInStart

urlpatterns = [
    path("start/", SignInStart.as_view(), name="oidc_authentication_init"),
    path("callback/", SignInCallback.as_view(), name="oidc_authentication_callback"),
]
