from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from ..errors import Conflict
from ..extensions import db, limiter
from ..security import safe_next
from . import services
from .forms import LoginForm, RegisterForm
from .models import Role

bp = Blueprint("accounts", __name__, url_prefix="/tai-khoan")


def _login_key() -> str:
    # Counted per typed account, whatever address it comes from (spread-out guessing).
    return "login:" + (request.form.get("login", "") or "").strip().lower()[:254]


def _landing_for(user) -> str:
    if user.is_staff:
        return url_for("admin.index")
    if user.role == Role.PRODUCER:
        return url_for("producer.dashboard")
    return url_for("catalog.home")


def _start_session(user, remember: bool = False) -> None:
    # A fresh session at login: nothing an attacker planted before survives (session fixation).
    lang = session.get("lang")
    cart = session.get("cart")
    session.clear()
    if lang:
        session["lang"] = lang
    if cart:
        session["cart"] = cart
    login_user(user, remember=remember)


@bp.route("/dang-nhap", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"], key_func=_login_key)
def login():
    form = LoginForm()
    next_url = request.args.get("next") or request.form.get("next")
    if form.validate_on_submit():
        user = services.authenticate(form.login.data, form.password.data)
        if user is None:
            # One message for an unknown account and a wrong password: no account enumeration.
            form.password.errors.append(_("Thông tin đăng nhập không đúng."))
        else:
            db.session.commit()
            _start_session(user, remember=form.remember.data)
            flash(_("Xin chào %(name)s!", name=user.display_name), "success")
            return redirect(safe_next(next_url, _landing_for(user)))
    return render_template("accounts/login.html", form=form, next_url=next_url if next_url and safe_next(next_url, "") else "")


@bp.route("/dang-ky", methods=["GET", "POST"])
@limiter.limit("20 per hour", methods=["POST"])
def register():
    form = RegisterForm()
    if form.validate_on_submit():
        role = Role.PRODUCER if form.is_producer.data else Role.BUYER
        try:
            user = services.register(form.display_name.data, form.login.data, form.password.data, role)
        except Conflict:
            db.session.rollback()
            # Same wording whether or not the account exists: registration must not reveal members.
            form.login.errors.append(_("Không thể tạo tài khoản với thông tin này. Nếu đã có tài khoản, hãy đăng nhập."))
        else:
            db.session.commit()
            _start_session(user)
            flash(_("Đã tạo tài khoản."), "success")
            if role == Role.PRODUCER:
                return redirect(url_for("producer.onboarding"))
            return redirect(url_for("catalog.home"))
    return render_template("accounts/register.html", form=form)


@bp.post("/dang-xuat")
def logout():
    logout_user()
    session.clear()
    flash(_("Bạn đã đăng xuất."), "info")
    return redirect(url_for("catalog.home"))


@bp.post("/dang-xuat-moi-noi")
@login_required
def logout_everywhere():
    services.log_out_everywhere(current_user)
    db.session.commit()
    logout_user()
    session.clear()
    flash(_("Đã đăng xuất trên mọi thiết bị."), "info")
    return redirect(url_for("accounts.login"))
