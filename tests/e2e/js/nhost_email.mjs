// Magic link and email one-time code with the real @nhost/nhost-js v4 SDK (docs/email.md).
// The messages are read from the server's dev outbox (GET /dev/outbox, AUTHWARD_DEV_MODE=true).
//
// Run by tests/e2e/test_nhost_js_flows.py:  AUTH_URL=.../v1 SERVER_URL=... node nhost_email.mjs
import { createClient } from '@nhost/nhost-js';
import {
  AUTH_URL,
  check,
  claimsOf,
  expectFetchError,
  report,
  script,
  step,
  uniqueEmail,
  waitForMessage,
} from './harness.mjs';

script('nhost_email');
const results = {};
const email = uniqueEmail('nhost-js-email');

/** Opens a mailed link as a browser would, without following the redirect; returns the Location. */
async function follow(link) {
  const response = await fetch(link, { redirect: 'manual' });
  const location = response.headers.get('location');
  check(location, `${link} answered ${response.status} without a Location`);
  return { status: response.status, location: new URL(location) };
}

// --- magic link: ask, read the link, follow it, exchange the refresh token ---
step('magic link: ask');
const asked = await createClient({ authUrl: AUTH_URL }).auth.signInPasswordlessEmail({
  email,
  options: { displayName: 'Magic Link', redirectTo: 'http://localhost:3000/welcome?from=mail' },
});
step('magic link: read the outbox');
const mailed = await waitForMessage(email, /(https?:\/\/\S+\/verify\?\S+)/);
const link = new URL(mailed.match[1]);
step('magic link: follow it');
const followed = await follow(link);
const refreshToken = followed.location.searchParams.get('refreshToken');
step('magic link: exchange the refresh token');
const nhost = createClient({ authUrl: AUTH_URL });
const linkSession = (await nhost.auth.refreshToken({ refreshToken })).body;
const linkClaims = claimsOf(linkSession.accessToken);
results.magicLink = {
  askStatus: asked.status,
  askBody: asked.body,
  subject: mailed.message.subject,
  ticketType: link.searchParams.get('ticket')?.split(':')[0] ?? null,
  linkType: link.searchParams.get('type'),
  linkRedirectTo: link.searchParams.get('redirectTo'),
  redirectStatus: followed.status,
  redirectedTo: `${followed.location.origin}${followed.location.pathname}`,
  keptQuery: followed.location.searchParams.get('from'),
  type: followed.location.searchParams.get('type'),
  hasRefreshToken: Boolean(refreshToken),
  email: linkSession.user.email,
  emailVerified: linkSession.user.emailVerified,
  displayName: linkSession.user.displayName,
  amr: linkClaims.amr,
  storedBySdk: nhost.getUserSession()?.user?.id === linkSession.user.id,
};
step('magic link: follow it again');
const followedAgain = await follow(link);
results.magicLinkReused = {
  status: followedAgain.status,
  error: followedAgain.location.searchParams.get('error'),
  hasRefreshToken: followedAgain.location.searchParams.has('refreshToken'),
};

// --- email code: ask, a wrong code, the right one, the right one again ---
step('email OTP: ask');
const otpClient = createClient({ authUrl: AUTH_URL });
const otpAsked = await otpClient.auth.signInOTPEmail({ email });
step('email OTP: read the outbox');
const coded = await waitForMessage(email, /code is:\s*(\d{6})\b/);
const otp = coded.match[1];
step('email OTP: a wrong code');
const wrong = String((Number(otp) + 1) % 1_000_000).padStart(6, '0');
results.otpWrongCode = await expectFetchError(
  () => otpClient.auth.verifySignInOTPEmail({ email, otp: wrong }),
  'verifying a wrong email code',
);
step('email OTP: the right code');
const verified = await otpClient.auth.verifySignInOTPEmail({ email, otp });
const otpSession = verified.body.session;
results.otp = {
  askStatus: otpAsked.status,
  askBody: otpAsked.body,
  subject: coded.message.subject,
  verifyStatus: verified.status,
  mfa: verified.body.mfa ?? null,
  email: otpSession.user.email,
  emailVerified: otpSession.user.emailVerified,
  sameUserAsMagicLink: otpSession.user.id === linkSession.user.id,
  amr: claimsOf(otpSession.accessToken).amr,
  storedBySdk: otpClient.getUserSession()?.refreshToken === otpSession.refreshToken,
};
step('email OTP: the right code again');
results.otpReused = await expectFetchError(
  () => otpClient.auth.verifySignInOTPEmail({ email, otp }),
  'verifying a used email code',
);

report(results);
