"""Role checks. Staff areas deny by default: the blueprint guard runs before any view.

A commune officer (cán bộ xã) is let into a guarded blueprint only on the views marked `@open_to_communes`;
every other staff page answers 403 for them, so a new staff route is closed to them until someone decides
otherwise. The marked views still filter what they show to the officer's commune (their queries take the user).
"""
from __future__ import annotations

from functools import wraps

from flask import abort, current_app, request
from flask_login import current_user

from ..extensions import login_manager
from .models import STAFF_ROLES, Role


def has_role(*roles: str) -> bool:
    return current_user.is_authenticated and current_user.role in roles


def roles_required(*roles: str):
    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def open_to_communes(view):
    """Mark a staff view as open to commune officers as well (it must scope its records to their commune)."""
    view.open_to_communes = True
    return view


def _open_to_communes(endpoint: str | None = None) -> bool:
    view = current_app.view_functions.get(endpoint or request.endpoint or "")
    return bool(getattr(view, "open_to_communes", False))


def may_open(endpoint: str) -> bool:
    """Whether the signed-in account may open a staff page (the staff menu shows a commune officer only theirs)."""
    if not current_user.is_authenticated:
        return False
    if current_user.is_staff:
        return True
    return current_user.is_commune_officer and _open_to_communes(endpoint)


def guard_blueprint(bp, *roles: str) -> None:
    """Every route of `bp` requires one of `roles`; a new route cannot forget the check. A commune officer passes
    only on views marked `open_to_communes`."""

    @bp.before_request
    def _guard():
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        if current_user.role in roles:
            return None
        if current_user.role == Role.COMMUNE_OFFICER and current_user.commune_id and _open_to_communes():
            return None
        abort(403)


def guard_blueprint_for(bp, admits) -> None:
    """Every route of `bp` requires a signed-in user that `admits(user)` lets in (e.g. a member of an open hub,
    whatever their role): the login page for a visitor, 403 for anyone else."""

    @bp.before_request
    def _guard():
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        if not admits(current_user):
            abort(403)
        return None


__all__ = ["STAFF_ROLES", "guard_blueprint", "guard_blueprint_for", "has_role", "may_open", "open_to_communes", "roles_required"]
