"""Sign-up, sign-in, sign-out and password change. Thin views: form -> service -> flash -> redirect."""
from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required, login_user, logout_user

from .. import confirming
from ..errors import Conflict, InvalidInput
from ..extensions import db, limiter
from ..places import Province
from ..security import is_safe_next, safe_next
from ..validators import show_on_form
from . import addresses, limits, notices, notifications, organisations, recovery, services, sessions
from .forms import (
    AddressForm,
    ChangePasswordForm,
    ForgotPasswordForm,
    LoginForm,
    LogoutEverywhereForm,
    NotificationChannelsForm,
    OrganisationForm,
    RegisterForm,
    ResetWithCodeForm,
    ResetWithLinkForm,
    VerifyPhoneForm,
)
from .models import Role

bp = Blueprint("accounts", __name__, url_prefix="/tai-khoan")


@bp.record_once
def _carry_organisation(state) -> None:
    # Whether the account buys for an organisation comes with the account, in the loader's statement.
    organisations.register_carried()
    state.app.jinja_env.globals.update(organisation_kind_label=organisations.kind_label)


def _config_limit(name: str):
    return lambda: current_app.config[name]


def _user_key() -> str:
    return f"user:{current_user.id}" if current_user.is_authenticated else get_remote_address()


def _remember_cookie_name() -> str:
    return current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")


def _landing_for(user) -> str:
    if user.has_staff_area:
        return url_for("admin.index")
    if user.role == Role.PRODUCER:
        return url_for("producer.dashboard")
    return url_for("catalog.home")


def _clear_session() -> None:
    session.clear()
    # Flask-WTF caches the signed token in g: drop it with the session it belonged to.
    g.pop("csrf_token", None)


def _start_session(user, remember: bool = False) -> None:
    """Open a server-side login session and commit it, then a fresh cookie session for it.

    Nothing planted before survives (session fixation) and the cookie after login differs from the one
    before. Only the cart and language are carried over.
    """
    sessions.open_session(user, remember=remember)
    db.session.commit()
    keep = {k: session[k] for k in ("lang", "cart") if k in session}
    _clear_session()
    session.update(keep)
    login_user(user, remember=remember)


@bp.route("/dang-nhap", methods=["GET", "POST"])
# Failed sign-ins only (limits.py): per account + address, per account (slower), per address (generous).
@limiter.limit(_config_limit("LOGIN_RATE_LIMIT"), methods=["POST"], key_func=limits.account_address_key,
               deduct_when=limits.failed, on_breach=limits.locked_out)
@limiter.limit(_config_limit("LOGIN_ACCOUNT_RATE_LIMIT"), methods=["POST"], key_func=limits.account_key,
               deduct_when=limits.failed, on_breach=limits.locked_out)
@limiter.limit(_config_limit("LOGIN_ADDRESS_RATE_LIMIT"), methods=["POST"], key_func=limits.address_key,
               deduct_when=limits.failed, on_breach=limits.locked_out, exempt_when=limits.address_exempt)
def login():
    form = LoginForm()
    next_url = request.args.get("next") or request.form.get("next")
    if form.validate_on_submit():
        user = services.authenticate(form.login.data, form.password.data)
        if user is None:
            # One message for an unknown account and a wrong password: no account enumeration.
            form.password.errors.append(_("Thông tin đăng nhập không đúng."))
        else:
            _start_session(user, remember=bool(form.remember.data))
            flash(_("Xin chào %(name)s!", name=user.display_name), "success")
            # This browser is now trusted for the account: its owner is not locked out by others' guesses.
            return limits.remember_device(redirect(safe_next(next_url, _landing_for(user))), user)
    elif request.method == "GET" and current_user.is_authenticated:
        return redirect(safe_next(next_url, _landing_for(current_user)))
    return render_template("accounts/login.html", form=form, next_url=next_url if is_safe_next(next_url) else "")


def _code_send_key() -> str:
    # Codes sent to one e-mail address or phone, whoever asks and from wherever: no SMS bombing of a number.
    return "code-send:" + services.login_key(request.form.get("login", ""))


@bp.route("/dang-ky", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["REGISTER_RATE_LIMIT"], methods=["POST"])
@limiter.limit(_config_limit("CODE_SEND_RATE_LIMIT"), methods=["POST"], key_func=_code_send_key)
def register():
    form = RegisterForm()
    next_url = request.args.get("next") or request.form.get("next")
    next_url = next_url if is_safe_next(next_url) else ""
    if form.validate_on_submit():
        role = Role.PRODUCER if form.is_producer.data else Role.BUYER
        if form.is_organisation.data and role == Role.BUYER:
            # The organisation's details come next, on the organisation page, once the account exists.
            next_url = url_for("accounts.organisation", next=next_url or None)
            session["after_registration"] = next_url
        kind, value = services.normalise_login(form.login.data)
        if kind == "phone":
            return _register_by_phone(form, value, role)
        try:
            user = services.register(form.display_name.data, form.login.data, form.password.data, role)
            notices.welcome(user)
        except InvalidInput as exc:
            db.session.rollback()
            form.login.errors.append(exc.message)
            return render_template("accounts/register.html", form=form, next_url=next_url)
        except Conflict:
            # The account exists: nothing about it changes and the password typed is not tried. The answer says
            # only "if you already have an account" and points at the reset link, as it would for a typo.
            db.session.rollback()
            flash(
                _(
                    "Chưa tạo được tài khoản mới với email này. Nếu bạn đã có tài khoản, hãy đăng nhập bằng mật "
                    "khẩu cũ; quên mật khẩu thì bấm “Quên mật khẩu?” bên dưới để nhận mã đặt lại."
                ),
                "info",
            )
            return redirect(url_for("accounts.login", next=next_url or None))
        # A new account: signed in at once (one commit opens its session), so a first-timer goes on shopping.
        _start_session(user)
        flash(_("Chào mừng %(name)s! Tài khoản đã được tạo và bạn đã đăng nhập.", name=user.display_name),
              "success")
        return limits.remember_device(redirect(safe_next(next_url, _landing_for(user))), user)
    return render_template("accounts/register.html", form=form, next_url=next_url)


@bp.post("/dang-xuat")
def logout():
    if current_user.is_authenticated:
        # The session's row goes: any copy of this browser's session or remember-me cookie is now
        # worthless, while the account's other devices stay signed in.
        sessions.end_session(current_user)
        db.session.commit()
    # Clear first: logout_user() then marks the remember cookie for deletion in the fresh session.
    _clear_session()
    logout_user()
    flash(_("Bạn đã đăng xuất."), "info")
    return redirect(url_for("catalog.home"))


@bp.route("/doi-mat-khau", methods=["GET", "POST"])
@login_required
@limiter.limit("10 per hour", methods=["POST"], key_func=_user_key)
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(current_user, form.current_password.data, form.new_password.data)
        except InvalidInput as exc:
            db.session.rollback()
            form.current_password.errors.append(exc.message)
        else:
            user = current_user._get_current_object()
            # Every session of the account has ended; this browser alone gets a new one (one commit).
            _start_session(user, remember=bool(request.cookies.get(_remember_cookie_name())))
            flash(_("Đã đổi mật khẩu. Các thiết bị khác đã được đăng xuất."), "success")
            return redirect(url_for("accounts.change_password"))
    return render_template("accounts/password.html", form=form, logout_form=LogoutEverywhereForm(),
                           organisation=organisations.organisation_of(current_user))


@bp.route("/to-chuc", methods=["GET", "POST"])
@login_required
def organisation():
    """A buyer registers as (or turns their account into) an organisation buyer, or edits its details."""
    if current_user.role != Role.BUYER:
        abort(403)
    org = organisations.organisation_of(current_user)
    form = OrganisationForm(obj=org)
    form.kind.choices = [("", _("— Chọn loại tổ chức —"))] + [
        (str(k), organisations.kind_label(k)) for k in organisations.KIND_LABELS]
    if request.method == "GET" and org is None:
        form.contact_name.data = current_user.display_name
    if request.method == "GET" and org is not None and org.contact_phone:
        form.contact_phone.data = "0" + org.contact_phone[3:]
    next_url = request.args.get("next") or request.form.get("next")
    status = 200
    if form.validate_on_submit():
        try:
            organisations.save(current_user, organisations.OrganisationData(
                form.kind.data or "", form.legal_name.data or "", form.tax_code.data or "",
                form.invoice_address.data or "", form.contact_name.data or "", form.contact_phone.data or ""))
        except InvalidInput as err:
            db.session.rollback()
            status = show_on_form(form, err)
        else:
            db.session.commit()
            session.pop("after_registration", None)
            flash(_("Đã lưu thông tin tổ chức. Bạn có thể mua số lượng lớn và yêu cầu báo giá."), "success")
            return redirect(safe_next(next_url, url_for("accounts.change_password")))
    elif form.is_submitted():
        status = 400
    return render_template("accounts/organisation.html", form=form, organisation=org,
                           next_url=next_url if is_safe_next(next_url) else ""), status


@bp.route("/thong-bao", methods=["GET", "POST"])
@login_required
def notifications_page():
    user = current_user._get_current_object()
    form = NotificationChannelsForm(obj=user)
    status = 200
    if form.validate_on_submit():
        notifications.set_channels(user, form.notify_email.data, form.notify_sms.data)
        services.set_message_locale(user, form.locale.data or user.locale)
        db.session.commit()
        flash(_("Đã lưu cách nhận tin."), "success")
        return redirect(url_for("accounts.notifications_page"))
    if form.is_submitted():
        status = 400
    return render_template("accounts/notifications.html", form=form, messages=notifications.messages_of(user),
                           kinds=notifications.KIND_LABELS, states=notifications.STATE_LABELS), status


@bp.post("/dang-xuat-moi-noi")
@login_required
def logout_everywhere():
    form = LogoutEverywhereForm()
    if not form.validate_on_submit():  # pragma: no cover - CSRFProtect refuses first
        return redirect(url_for("accounts.change_password"))
    services.log_out_everywhere(current_user)
    db.session.commit()
    _clear_session()
    logout_user()
    flash(_("Đã đăng xuất trên mọi thiết bị."), "info")
    return redirect(url_for("accounts.login"))


def _register_by_phone(form, phone: str, role: str):
    """Sign-up by phone waits for the SMS code; a number with an account gets the very same screen."""
    try:
        registration_id = recovery.start_phone_registration(form.display_name.data, phone, form.password.data, role)
    except InvalidInput as exc:
        db.session.rollback()
        form.login.errors.append(exc.message)
        return render_template("accounts/register.html", form=form)
    db.session.commit()
    session["phone_registration"] = {"id": registration_id, "phone": phone}
    flash(_("Chúng tôi vừa gửi mã xác nhận qua SMS tới %(phone)s.", phone=phone), "info")
    return redirect(url_for("accounts.verify_phone"))


@bp.route("/xac-nhan-so-dien-thoai", methods=["GET", "POST"])
@limiter.limit(_config_limit("CODE_CHECK_RATE_LIMIT"), methods=["POST"])
def verify_phone():
    pending = session.get("phone_registration")
    if not isinstance(pending, dict) or not isinstance(pending.get("id"), int):
        return redirect(url_for("accounts.register"))
    form = VerifyPhoneForm()
    if form.validate_on_submit():
        try:
            user = recovery.confirm_phone_registration(pending["id"], form.code.data)
        except recovery.InvalidCode as exc:
            db.session.commit()  # the wrong try is counted (and nothing else was changed)
            form.code.errors.append(exc.message)
        else:
            session.pop("phone_registration", None)
            after = session.pop("after_registration", None)  # the organisation page, when the buyer asked for it
            _start_session(user)  # commits the account with its first session
            flash(_("Chào mừng %(name)s! Đã xác nhận số điện thoại, tài khoản đã được tạo và bạn đã đăng nhập.",
                    name=user.display_name), "success")
            return limits.remember_device(redirect(safe_next(after, _landing_for(user))), user)
    return render_template("accounts/verify_phone.html", form=form, phone=pending.get("phone", ""))


# ---------------------------------------------------------------- password reset (and unlock)
@bp.route("/quen-mat-khau", methods=["GET", "POST"])
@limiter.limit(_config_limit("RECOVERY_RATE_LIMIT"), methods=["POST"])
@limiter.limit(_config_limit("CODE_SEND_RATE_LIMIT"), methods=["POST"], key_func=_code_send_key)
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        recovery.request_password_reset(form.login.data)
        db.session.commit()
        session["recovery_login"] = form.login.data.strip()[:254]
        # The same words whether or not the account exists: no enumeration.
        flash(_("Nếu email hoặc số điện thoại này có tài khoản, chúng tôi vừa gửi tới đó một mã đặt lại mật khẩu "
                "(hiệu lực 30 phút)."), "info")
        return redirect(url_for("accounts.reset_with_code"))
    return render_template("accounts/forgot.html", form=form)


def _after_reset():
    # Every session of the account ended in the service; this browser starts anonymous too.
    _clear_session()
    logout_user()
    flash(_("Đã đặt lại mật khẩu. Mọi phiên đăng nhập cũ đã kết thúc; hãy đăng nhập bằng mật khẩu mới."), "success")
    return redirect(url_for("accounts.login"))


@bp.route("/dat-lai-mat-khau", methods=["GET", "POST"])
@limiter.limit(_config_limit("CODE_CHECK_RATE_LIMIT"), methods=["POST"])
def reset_with_code():
    form = ResetWithCodeForm()
    if request.method == "GET":
        form.login.data = session.get("recovery_login", "")
    if form.validate_on_submit():
        unlock_only = form.unlock_only
        try:
            if unlock_only:
                user = recovery.use_reset_code(form.login.data, form.code.data)
            else:
                user = recovery.reset_with_code(form.login.data, form.code.data, form.new_password.data)
        except recovery.InvalidCode as exc:
            db.session.commit()  # the wrong try is counted (and nothing else was changed)
            form.code.errors.append(exc.message)
        else:
            db.session.commit()
            if unlock_only:
                flash(_("Đã mở khoá đăng nhập trên trình duyệt này. Hãy đăng nhập bằng mật khẩu của bạn."), "success")
                response = redirect(url_for("accounts.login"))
            else:
                response = _after_reset()
            # The code reached the owner here: trust this browser, past any lockout others caused.
            return limits.remember_device(response, user)
    return render_template("accounts/reset_code.html", form=form)


@bp.route("/dat-lai-mat-khau/<token>", methods=["GET", "POST"])
@limiter.limit(_config_limit("CODE_CHECK_RATE_LIMIT"), methods=["POST"])
def reset_with_link(token: str):
    form: ResetWithLinkForm | None = ResetWithLinkForm()
    status = 200
    if not recovery.reset_link_is_live(token):
        form, status = None, 410
    elif form is not None and form.validate_on_submit():
        try:
            user = recovery.reset_with_link(token, form.new_password.data)
        except recovery.InvalidCode:
            db.session.rollback()
            form, status = None, 410
        else:
            db.session.commit()
            return limits.remember_device(_after_reset(), user)
    response = make_response(render_template("accounts/reset_link.html", form=form), status)
    # The token is in this page's address: never hand it to another site in a Referer.
    response.headers["Referrer-Policy"] = "no-referrer"
    return response



# ---------------------------------------------------------------- address book (issue 14)
def address_form(address=None) -> AddressForm:
    form = AddressForm(obj=address) if address is not None and request.method == "GET" else AddressForm()
    form.province_id.choices = addresses.province_choices()
    if address is not None and request.method == "GET":
        form.phone.data = "0" + address.phone[3:]
    return form


def _address_data(form: AddressForm) -> addresses.AddressData:
    return addresses.AddressData(contact_name=form.contact_name.data, phone=form.phone.data,
                                 address_line=form.address_line.data, commune=form.commune.data,
                                 province_id=form.province_id.data)


def _save_address(form: AddressForm, address=None):
    """One save for adding and editing: None when saved (the caller redirects), else the form with its message."""
    if not form.validate_on_submit():
        return form
    try:
        addresses.save(current_user, _address_data(form), address, make_default=bool(form.is_default.data))
    except InvalidInput as exc:
        db.session.rollback()
        form.address_line.errors.append(exc.message)
        return form
    db.session.commit()
    return None


@bp.route("/dia-chi", methods=["GET", "POST"])
@login_required
def address_book():
    form = address_form()
    if request.method == "POST":
        if _save_address(form) is None:
            flash(_("Đã lưu địa chỉ."), "success")
            return redirect(url_for("accounts.address_book"))
    return render_template("accounts/addresses.html", form=form, addresses=addresses.addresses_of(current_user),
                           communes=_communes_for(form)), 400 if form.errors else 200


@bp.route("/dia-chi/<id:address_id>", methods=["GET", "POST"])
@login_required
def edit_address(address_id: int):
    address = addresses.address_of(current_user, address_id)
    form = address_form(address)
    if request.method == "POST":
        if _save_address(form, address) is None:
            flash(_("Đã lưu địa chỉ."), "success")
            return redirect(url_for("accounts.address_book"))
    return render_template("accounts/address_edit.html", form=form, address=address,
                           communes=_communes_for(form)), 400 if form.errors else 200


@bp.post("/dia-chi/<id:address_id>/mac-dinh")
@login_required
def default_address(address_id: int):
    addresses.set_default(current_user, address_id)
    db.session.commit()
    flash(_("Đã đặt làm địa chỉ mặc định."), "success")
    return redirect(url_for("accounts.address_book"))


@bp.route("/dia-chi/<id:address_id>/xoa", methods=["GET", "POST"])
@login_required
def delete_address(address_id: int):
    """Deleting asks first (issue 14): the book links here, and only the confirm page's POST deletes."""
    address = addresses.address_of(current_user, address_id)
    if confirming.is_confirmed():
        addresses.delete(current_user, address.id)
        db.session.commit()
        flash(_("Đã xoá địa chỉ."), "info")
        return redirect(url_for("accounts.address_book"))
    return confirming.page(confirming.Question(
        title=_("Xoá địa chỉ này?"),
        question=_("Địa chỉ sẽ bị xoá khỏi sổ địa chỉ. Các đơn đã giao tới đó vẫn giữ địa chỉ của mình."),
        button=_("Có, xoá địa chỉ"),
        back_url=url_for("accounts.address_book"),
        facts=[(_("Người nhận"), f"{address.contact_name} · 0{address.phone[3:]}"),
               (_("Địa chỉ"), f"{address.address_line}, {address.commune}, {address.province.name}")]
        + ([(_("Mặc định"), _("Có — địa chỉ dùng gần đây nhất sẽ thành mặc định"))] if address.is_default else []),
    ))


@bp.get("/dia-chi/xa-phuong/<id:province_id>")
def province_communes(province_id: int):
    """The communes of a province, for the commune field's choices (app.js fills a <datalist> with them)."""
    if db.session.get(Province, province_id) is None:
        abort(404)
    resp = jsonify(communes=addresses.communes_of(province_id))
    resp.headers["Cache-Control"] = "public, max-age=86400"
    return resp


def _communes_for(form) -> list[str]:
    province_id = form.province_id.data
    return addresses.communes_of(province_id) if isinstance(province_id, int) else []
