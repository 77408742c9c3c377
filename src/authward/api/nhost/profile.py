"""The spec's `SignUpOptions` as the services' `ProfileOptions` (shared by every sign-up route)."""

from __future__ import annotations

from authward.api.nhost.schemas import SignUpOptions
from authward.services.users import ProfileOptions


def profile_options(options: SignUpOptions | None) -> ProfileOptions:
    if options is None:
        return ProfileOptions()
    return ProfileOptions(
        display_name=options.displayName,
        locale=options.locale,
        default_role=options.defaultRole,
        allowed_roles=options.allowedRoles,
        metadata=options.metadata or {},
        redirect_to=options.redirectTo,
    )
