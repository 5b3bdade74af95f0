"""Role checks. Staff areas deny by default: the blueprint guard runs before any view."""
from __future__ import annotations

from functools import wraps

from flask import abort
from flask_login import current_user

from ..extensions import login_manager
from .models import STAFF_ROLES


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


def guard_blueprint(bp, *roles: str) -> None:
    """Every route of `bp` requires one of `roles`; a new route cannot forget the check."""

    @bp.before_request
    def _guard():
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        if current_user.role not in roles:
            abort(403)


__all__ = ["STAFF_ROLES", "guard_blueprint", "has_role", "roles_required"]
