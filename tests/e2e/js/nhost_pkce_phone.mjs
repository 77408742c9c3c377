// PKCE exchange and phone numbers with the real @nhost/nhost-js v4 SDK (docs/email.md, docs/sms.md).
// nhost-js 4.3.0 sends `codeChallenge` as any body field; it predates the spec's tokenExchange,
// changeUserPhoneNumber, verifyChangeUserPhoneNumber and deanonymizeUserSms, so those are called the way
// its generated client calls every operation: its fetch chain (the stored access token attached by its
// middleware), its FetchError for error answers, its session storage for the exchanged session.
//
// Run by tests/e2e/test_nhost_js_flows.py:  AUTH_URL=.../v1 SERVER_URL=... node nhost_pkce_phone.mjs
import { createHash, randomBytes } from 'node:crypto';
import { createClient } from '@nhost/nhost-js';
import { attachAccessTokenMiddleware, createEnhancedFetch, FetchError } from '@nhost/nhost-js/fetch';
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

script('nhost_pkce_phone');
const results = {};

/** A spec operation nhost-js 4.3.0 lacks, built as its generated client builds `POST` operations. */
function specOperation(nhost, path) {
  const fetch = createEnhancedFetch([attachAccessTokenMiddleware(nhost.sessionStorage)]);
  return async (body) => {
    const res = await fetch(`${AUTH_URL}${path}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
    const text = await res.text();
    const payload = text ? JSON.parse(text) : {};
    if (res.status >= 300) throw new FetchError(payload, res.status, res.headers);
    return { body: payload, status: res.status, headers: res.headers };
  };
}

async function follow(link) {
  const response = await fetch(link, { redirect: 'manual' });
  const location = response.headers.get('location');
  check(location, `${link} answered ${response.status} without a Location`);
  return { status: response.status, location: new URL(location) };
}

/** The newest message to `to` matching `pattern` that is none of `seen` (message ids), polled. */
async function newMessage(to, pattern, seen) {
  for (let i = 0; i < 200; i += 1) {
    const found = await waitForMessage(to, pattern);
    if (!seen.includes(found.message.id)) return found;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`no new message to ${to}`);
}

function pkcePair() {
  const verifier = randomBytes(48).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

// --- magic link with a code challenge: the redirect carries a code, the exchange gives the session ---
step('PKCE: ask for a magic link with a code challenge');
const email = uniqueEmail('nhost-js-pkce');
const { verifier, challenge } = pkcePair();
const nhost = createClient({ authUrl: AUTH_URL });
const asked = await nhost.auth.signInPasswordlessEmail({
  email,
  codeChallenge: challenge,
  options: { redirectTo: 'http://localhost:3000/callback' },
});
step('PKCE: follow the link');
const mailed = await waitForMessage(email, /(https?:\/\/\S+\/verify\?\S+)/);
const followed = await follow(mailed.match[1]);
const code = followed.location.searchParams.get('code');
step('PKCE: a wrong verifier');
const tokenExchange = specOperation(nhost, '/token/exchange');
results.pkceWrongVerifier = await expectFetchError(
  () => tokenExchange({ code, codeVerifier: pkcePair().verifier }),
  'exchanging with a wrong verifier',
);
step('PKCE: ask again, exchange with the right verifier');
const second = pkcePair();
await nhost.auth.signInPasswordlessEmail({ email, codeChallenge: second.challenge });
const mailedAgain = await newMessage(email, /(https?:\/\/\S+\/verify\?\S+)/, [mailed.message.id]);
const secondCode = (await follow(mailedAgain.match[1])).location.searchParams.get('code');
const exchanged = await tokenExchange({ code: secondCode, codeVerifier: second.verifier });
nhost.sessionStorage.set(exchanged.body.session);
const me = await nhost.auth.getUser(); // nhost-js attaches the exchanged access token
results.pkce = {
  askStatus: asked.status,
  redirectStatus: followed.status,
  redirectedTo: `${followed.location.origin}${followed.location.pathname}`,
  type: followed.location.searchParams.get('type'),
  hasCode: Boolean(code),
  hasRefreshToken: followed.location.searchParams.has('refreshToken'),
  exchangeStatus: exchanged.status,
  email: me.body.email,
  emailVerified: me.body.emailVerified,
  amr: claimsOf(exchanged.body.session.accessToken).amr,
  refreshWorks: (await nhost.auth.refreshToken({ refreshToken: exchanged.body.session.refreshToken })).status,
};
step('PKCE: the code again');
results.pkceReplayed = await expectFetchError(
  () => tokenExchange({ code: secondCode, codeVerifier: second.verifier }),
  'exchanging a used code',
);

// --- phone-number change: a fresh sign-in (elevated), a code to the new number, verify ---
step('phone: sign up');
const phoneUser = createClient({ authUrl: AUTH_URL });
const password = 'correct horse battery staple';
const phoneEmail = uniqueEmail('nhost-js-phone');
await phoneUser.auth.signUpEmailPassword({ email: phoneEmail, password });
const newNumber = `+1415555${String(Math.floor(Math.random() * 9000) + 1000)}`;
step('phone: change');
const changeUserPhoneNumber = specOperation(phoneUser, '/user/phone-number/change');
const verifyChangeUserPhoneNumber = specOperation(phoneUser, '/user/phone-number/change/verify');
const changed = await changeUserPhoneNumber({ newPhoneNumber: newNumber });
const texted = await waitForMessage(newNumber, /\b(\d{6})\b/);
step('phone: a wrong code');
const wrong = String((Number(texted.match[1]) + 1) % 1_000_000).padStart(6, '0');
results.phoneWrongCode = await expectFetchError(
  () => verifyChangeUserPhoneNumber({ newPhoneNumber: newNumber, otp: wrong }),
  'verifying a wrong phone-change code',
);
step('phone: verify');
const verified = await verifyChangeUserPhoneNumber({ newPhoneNumber: newNumber, otp: texted.match[1] });
const after = (await phoneUser.auth.getUser()).body;
step('phone: the number signs in');
const smsClient = createClient({ authUrl: AUTH_URL });
await smsClient.auth.signInPasswordlessSms({ phoneNumber: newNumber });
const signInCode = (await newMessage(newNumber, /\b(\d{6})\b/, [texted.message.id])).match[1];
const smsSession = (await smsClient.auth.verifySignInPasswordlessSms({ phoneNumber: newNumber, otp: signInCode }))
  .body.session;
results.phone = {
  changeStatus: changed.status,
  changeBody: changed.body,
  verifyStatus: verified.status,
  verifyBody: verified.body,
  phoneNumber: after.phoneNumber,
  phoneNumberVerified: after.phoneNumberVerified,
  sameUserBySms: smsSession.user.id === after.id,
};
step('phone: a number in use');
const other = createClient({ authUrl: AUTH_URL });
await other.auth.signUpEmailPassword({ email: uniqueEmail('nhost-js-phone2'), password });
results.phoneTaken = await expectFetchError(
  () => specOperation(other, '/user/phone-number/change')({ newPhoneNumber: newNumber }),
  'changing to a number in use',
);

report(results);
