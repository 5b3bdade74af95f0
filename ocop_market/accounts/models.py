from __future__ import annotations

import datetime as dt
import enum

from flask_login import UserMixin
from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, Integer, String, false, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import Model
from ..places import Commune
from ..timeutil import UTCDateTime, utcnow
from ..validators import PLAIN_TEXT

#: the languages a person's messages can be written in (the site's own); Vietnamese first, the default
MESSAGE_LOCALES = ("vi", "en")


class Role(enum.StrEnum):
    BUYER = "buyer"
    PRODUCER = "producer"
    STAFF = "staff"
    ADMIN = "admin"
    #: cán bộ xã: a commune's officer, who sees and changes only the producers, households, listings awaiting
    #: review and programme reports of their commune (`User.commune_id`); the rest of the staff area is closed
    COMMUNE_OFFICER = "commune_officer"


#: the roles of the staff area (verification, programmes, orders); `User.is_staff` and the blueprint guards use it.
#: A commune officer is not among them: only the staff views marked `permissions.open_to_communes` let them in.
STAFF_ROLES = (Role.STAFF, Role.ADMIN)


class User(UserMixin, Model):
    """An account (tài khoản). Logs in by email or Vietnamese mobile number."""

    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint("email IS NOT NULL OR phone IS NOT NULL", name="has_login"),
        CheckConstraint("role IN ('buyer','producer','staff','admin','commune_officer')", name="role_known"),
        # a commune officer without a commune would see nothing, or, worse, a query might forget the filter
        CheckConstraint("role <> 'commune_officer' OR commune_id IS NOT NULL", name="commune_officer_has_commune"),
        CheckConstraint("locale IN ('vi','en')", name="locale_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: lower-cased email, unique when present
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    #: mobile number stored as +84XXXXXXXXX
    phone: Mapped[str | None] = mapped_column(String(16), unique=True)
    display_name: Mapped[str] = mapped_column(String(120), info=PLAIN_TEXT)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16), default=Role.BUYER)
    #: bumped on password change and "log out everywhere": old cookies stop matching
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    active: Mapped[bool] = mapped_column(default=True)
    #: staff belong to a province; admin and other roles leave it empty
    province_id: Mapped[int | None] = mapped_column(ForeignKey("provinces.id"))
    #: a commune officer's commune (their whole scope); their province_id is that commune's province
    commune_id: Mapped[int | None] = mapped_column(ForeignKey("communes.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_login_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    #: when the owner proved the number is theirs with an SMS code (sign-up by phone, or a reset by SMS)
    phone_verified_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    #: the channels the person chose for news of their orders, listings and promotions (codes always go out)
    notify_email: Mapped[bool] = mapped_column(default=True, server_default=true())
    notify_sms: Mapped[bool] = mapped_column(default=True, server_default=true())
    #: the language their e-mails and SMS are written in, whoever set off the event: the site's language when
    #: they signed up, then what they pick on their notifications page or with the site's language switch
    locale: Mapped[str] = mapped_column(String(2), default="vi", server_default="vi")

    commune_ref: Mapped[Commune | None] = relationship(Commune)

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive accounts at login...
        return bool(self.active)

    @property
    def is_authenticated(self) -> bool:  # ...and a session opened before deactivation stops counting
        return bool(self.active)

    @property
    def login_session_key(self) -> str | None:
        """The server-side login session this object was loaded for (not a column: set by
        `sessions.open_session` and the user loader), carried in the cookies through `get_id()`."""
        return self.__dict__.get("_login_session_key")

    @login_session_key.setter
    def login_session_key(self, key: str | None) -> None:
        self.__dict__["_login_session_key"] = key

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}:{self.login_session_key or ''}"

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF_ROLES

    @property
    def is_commune_officer(self) -> bool:
        return self.role == Role.COMMUNE_OFFICER

    @property
    def has_staff_area(self) -> bool:
        """Staff, admin and commune officers enter the staff area (the officers only its commune-scoped pages)."""
        return self.is_staff or self.is_commune_officer

    def may_review(self, commune_id: int | None) -> bool:
        """Staff review producers and listings anywhere; a commune officer only those of their own commune."""
        if self.is_staff:
            return True
        return self.is_commune_officer and self.commune_id is not None and self.commune_id == commune_id

    @property
    def login_name(self) -> str:
        return self.email or self.phone or ""


class LoginSession(Model):
    """One signed-in browser (phiên đăng nhập). The session and remember-me cookies carry its random key;
    logging out deletes the row, so a copy of either cookie stops working for good."""

    __tablename__ = "login_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: SHA-256 of the key in the cookie: a copy of the table alone signs nobody in
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: opened with "remember me" (it then lives as long as the remember cookie)
    remember: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class CodePurpose(enum.StrEnum):
    PASSWORD_RESET = "password_reset"  # noqa: S105 - a purpose name, not a password
    PHONE_REGISTRATION = "phone_registration"


class AccountCode(Model):
    """A one-time code sent to an e-mail address or phone (mã xác nhận): a password reset (or login unlock), or a
    sign-up by phone waiting for its number to be confirmed.

    Only keyed hashes are stored (HMAC with the app's secret key): a copy of the table reveals no code. Valid
    30 minutes, used once (`used_at` set by a conditional UPDATE), void after a few wrong tries.
    """

    __tablename__ = "account_codes"
    __table_args__ = (
        CheckConstraint("purpose IN ('password_reset','phone_registration')", name="purpose_known"),
        CheckConstraint("channel IN ('email','sms')", name="channel_known"),
        Index("ix_account_codes_recipient_purpose", "recipient", "purpose"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    purpose: Mapped[str] = mapped_column(String(24))
    #: the account it recovers; empty for a sign-up by phone (the account is created once the code is right)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(8))
    #: where the code went: a lower-cased e-mail address or +84… number
    recipient: Mapped[str] = mapped_column(String(254))
    code_hash: Mapped[str] = mapped_column(String(64))
    #: the long token of an e-mailed link, when there is one
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    #: a sign-up by phone: name, password hash and role of the account to create
    payload: Mapped[dict | None] = mapped_column(JSON)
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class DeliveryAddress(Model):
    """A buyer's saved delivery address (sổ địa chỉ): several per account, at most one the default. Checkout fills
    its form from the default, else the one used last, and remembers each address an order went to."""

    __tablename__ = "delivery_addresses"
    __table_args__ = (Index("ix_delivery_addresses_user_default", "user_id", "is_default"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    contact_name: Mapped[str] = mapped_column(String(120), info=PLAIN_TEXT)
    #: mobile number stored as +84XXXXXXXXX
    phone: Mapped[str] = mapped_column(String(16))
    address_line: Mapped[str] = mapped_column(String(200), info=PLAIN_TEXT)
    #: the commune as the buyer wrote or picked it; `commune_code` when it names one of the official list
    commune: Mapped[str] = mapped_column(String(120), info=PLAIN_TEXT)
    commune_code: Mapped[str | None] = mapped_column(String(8))
    province_id: Mapped[int] = mapped_column(ForeignKey("provinces.id"))
    is_default: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    province = relationship("Province")


class OrganisationKind(enum.StrEnum):
    COMPANY = "company"
    SCHOOL = "school"
    AGENCY = "agency"
    COOPERATIVE_BUYER = "cooperative_buyer"


class Organisation(Model):
    """An organisation buyer (khách hàng tổ chức): a company, a school, an agency or a cooperative buying by the case
    through one buyer account. It may order more than a person's 99 of a product and ask producers for quotes
    (orders/wholesale.py); its VAT details fill the VAT invoice request. The tax code's shape is checked, not its
    existence (the seller checks that with the tax office before invoicing)."""

    __tablename__ = "organisations"
    __table_args__ = (
        CheckConstraint("kind IN ('company','school','agency','cooperative_buyer')", name="kind_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: one organisation per account: the account is the organisation's buyer
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    #: tên đơn vị, as on its registration
    legal_name: Mapped[str] = mapped_column(String(200), info=PLAIN_TEXT)
    #: mã số thuế: "0101234567", or "0101234567-001" for a branch
    tax_code: Mapped[str] = mapped_column(String(14), index=True)
    invoice_address: Mapped[str] = mapped_column(String(300), info=PLAIN_TEXT)
    contact_name: Mapped[str] = mapped_column(String(120), info=PLAIN_TEXT)
    #: +84XXXXXXXXX, when the contact person is not the account's own number
    contact_phone: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    user: Mapped[User] = relationship(User)
