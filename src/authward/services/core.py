"""The shared services every sign-in method is built from, constructed once per process.

Explicit fields, built in dependency order by `build_core`; a method takes what it needs from here
in its own `build` (methods/<name>/__init__.py), so adding a method edits no central list of services.
"""

from __future__ import annotations

from dataclasses import dataclass

from authward.background import Background
from authward.clock import Clock, utc_now
from authward.delivery.compose import EmailComposer
from authward.delivery.email import build_mailer
from authward.delivery.postman import Postman
from authward.delivery.sms import SmsSender, build_sms_sender
from authward.delivery.templates import EmailTemplates
from authward.delivery.webhooks import WebhookDispatcher
from authward.security.breached_passwords import BreachedPasswords
from authward.security.captcha import CaptchaVerifier
from authward.security.jwt import AccessTokenCodec
from authward.security.passwords import PasswordHasher
from authward.security.ratelimit import RateLimiter, build_storage
from authward.security.redirects import RedirectPolicy
from authward.security.revocations import Revocations
from authward.security.secretbox import SecretBox, load_or_create_secret_key
from authward.services.claims import AccessClaims, HasuraClaims
from authward.services.elevation import ElevationRule
from authward.services.email_change import EmailChangeService
from authward.services.email_verification import EmailVerificationService
from authward.services.exchange_codes import ExchangeCodes
from authward.services.keys import KeyRing
from authward.services.oauth.browser_sessions import BrowserSessions
from authward.services.passwordless_email import PasswordlessEmail
from authward.services.recovery_codes import RecoveryCodes
from authward.services.security_notices import SecurityNotices
from authward.services.sessions import SessionService
from authward.services.sign_in import SignInCompletion
from authward.services.sign_in_attempts import SignInAttempts
from authward.services.sign_in_policy import SignInPolicy
from authward.services.ticket_mail import TicketMail
from authward.services.tickets import TicketService
from authward.settings import Settings
from authward.storage.db import Database


@dataclass
class Core:
    settings: Settings
    clock: Clock
    db: Database
    box: SecretBox
    keys: KeyRing
    codec: AccessTokenCodec
    revocations: Revocations  # disabled users' access tokens, refused on every instance (with Redis)
    claims: AccessClaims
    hasher: PasswordHasher
    sessions: SessionService
    tickets: TicketService
    sign_in: SignInCompletion
    exchange_codes: ExchangeCodes  # PKCE: a one-time code in a redirect instead of a session
    elevation: ElevationRule
    redirects: RedirectPolicy
    background: Background
    postman: Postman
    mail: TicketMail
    email_verification: EmailVerificationService
    email_change: EmailChangeService
    passwordless_email: PasswordlessEmail
    recovery_codes: RecoveryCodes
    sms_sender: SmsSender
    browser_sessions: BrowserSessions
    limiter: RateLimiter
    attempts: SignInAttempts
    webhooks: WebhookDispatcher
    notices: SecurityNotices
    breached: BreachedPasswords
    captcha: CaptchaVerifier

    async def close(self) -> None:
        await self.postman.close()
        await self.webhooks.aclose()
        self.hasher.close()
        await self.breached.aclose()
        await self.captcha.aclose()
        await self.sms_sender.aclose()
        await self.revocations.aclose()
        await self.db.dispose()


def build_core(settings: Settings, clock: Clock = utc_now) -> Core:
    db = Database(settings.database.url, pool_size=settings.database.pool_size,
                  replica_url=settings.database.replica_url,
                  sqlite_synchronous=settings.database.sqlite_synchronous.value.upper())
    secret = load_or_create_secret_key(
        settings.server.secret_key.get_secret_value() if settings.server.secret_key else None, settings.server.data_dir
    )
    box = SecretBox(secret)
    tokens = settings.tokens
    keys = KeyRing(db, box, tokens.jwt_algorithm.value, tokens.access_token_expires_in, tokens.key_cache_seconds, clock)
    hasura = HasuraClaims(settings.tokens.jwt_claims_namespace)  # the Nhost face's default claim set
    revocations = Revocations(settings.redis.url, settings.ratelimit.key_prefix, clock=lambda: clock().timestamp())
    codec = AccessTokenCodec(keys, settings.issuer, accept=hasura.is_user_token, revocations=revocations)
    hasher = PasswordHasher(
        settings.passwords.hash_time_cost, settings.passwords.hash_memory_kib, settings.passwords.hash_parallelism
    )
    policy = SignInPolicy(settings.users.email_verification_required, settings.security.pat_skips_mfa)
    claims = AccessClaims(settings.issuer, [hasura])
    sessions = SessionService(db, codec, claims, policy, settings,
                              box.derive(b"authward/refresh-successor/v1"), clock)
    # One key for every code: email codes keep working across the upgrade that unified the tickets.
    tickets = TicketService(box.derive(b"authward/email-otp/v1"), clock)
    # The hosted pages are redirect targets too (a reset link lands on /reset-password).
    redirects = RedirectPolicy(settings.server.client_url,
                               [*settings.server.allowed_redirect_urls, settings.server.public_url])
    templates = EmailTemplates(settings.email.templates_dir, settings.users.default_locale)
    templates.check(settings.users.allowed_locales)
    background = Background()
    postman = Postman(db, build_mailer(settings), settings, background, clock)
    limiter = RateLimiter(build_storage(settings.redis.url), settings.ratelimit.key_prefix)
    attempts = SignInAttempts(limiter, settings)
    composer = EmailComposer(templates, settings)
    mail = TicketMail(tickets, composer, postman, attempts.may_send)
    sign_in = SignInCompletion(sessions, tickets, policy, clock)
    return Core(
        settings=settings, clock=clock, db=db, box=box, keys=keys, codec=codec, revocations=revocations,
        claims=claims, hasher=hasher,
        sessions=sessions, tickets=tickets, sign_in=sign_in, exchange_codes=ExchangeCodes(db, tickets, sign_in, clock),
        elevation=ElevationRule(settings, clock), redirects=redirects, background=background, postman=postman,
        mail=mail, email_verification=EmailVerificationService(db, mail, redirects, background, settings),
        email_change=EmailChangeService(db, mail, redirects, settings, clock),
        passwordless_email=PasswordlessEmail(db, mail, redirects, background, settings, clock),
        recovery_codes=RecoveryCodes(box.derive(b"authward/recovery-codes/v1")),
        sms_sender=build_sms_sender(settings, db, clock),
        browser_sessions=BrowserSessions(db, policy, clock),
        limiter=limiter, attempts=attempts, webhooks=WebhookDispatcher(db, box, settings, clock),
        notices=SecurityNotices(composer, postman, settings),
        breached=BreachedPasswords(settings.passwords), captcha=CaptchaVerifier(settings.captcha),
    )
