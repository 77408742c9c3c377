// Anonymous users, personal access tokens and SMS codes with the real @nhost/nhost-js v4 SDK
// (docs/anonymous.md, docs/pat.md, docs/sms.md). The server runs with AUTHWARD_REQUIRE_ELEVATED_CLAIM=true,
// so creating a PAT needs a fresh sign-in; the SMS provider is `log`, so the code is in the dev outbox.
//
// Run by tests/e2e/test_nhost_js_flows.py:  AUTH_URL=.../v1 SERVER_URL=... node nhost_more.mjs
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

script('nhost_more');
const results = {};
const email = uniqueEmail('nhost-js-anon');
const password = 'correct horse battery staple';
const phoneNumber = '+14155552671';

// --- anonymous sign-in: the SDK stores the session; the token says the user is anonymous ---
step('anonymous sign-in');
const anon = createClient({ authUrl: AUTH_URL });
const anonSignIn = await anon.auth.signInAnonymous({ displayName: 'Guest', metadata: { cart: [42] } });
const anonSession = anonSignIn.body.session;
const anonId = anonSession.user.id;
const anonClaims = claimsOf(anonSession.accessToken);
results.anonymous = {
  status: anonSignIn.status,
  isAnonymous: anonSession.user.isAnonymous,
  email: anonSession.user.email ?? null,
  defaultRole: anonSession.user.defaultRole,
  claimIsAnonymous: anonClaims.hasura['x-hasura-user-is-anonymous'],
  claimDefaultRole: anonClaims.hasura['x-hasura-default-role'],
  claimAllowedRoles: anonClaims.hasura['x-hasura-allowed-roles'],
  sdkDecodedIsAnonymous: anon.getUserSession()?.decodedToken?.['https://hasura.io/jwt/claims']?.[
    'x-hasura-user-is-anonymous'
  ],
  amr: anonClaims.amr,
};
step('anonymous user asks for a PAT');
results.anonymousCreatePat = await expectFetchError(
  () => anon.auth.createPAT({ expiresAt: new Date(Date.now() + 3600_000).toISOString(), metadata: {} }),
  'an anonymous user creating a PAT',
);

// --- deanonymize with email and password (the SDK sends the stored anonymous token) ---
step('deanonymize');
const deanonymized = await anon.auth.deanonymizeUser({ signInMethod: 'email-password', email, password });
step('sign in with the new email and password');
const registered = createClient({ authUrl: AUTH_URL });
const signedIn = (await registered.auth.signInEmailPassword({ email, password })).body.session;
const registeredClaims = claimsOf(signedIn.accessToken);
results.deanonymize = {
  status: deanonymized.status,
  body: deanonymized.body,
  sameUserId: signedIn.user.id === anonId,
  isAnonymous: signedIn.user.isAnonymous,
  email: signedIn.user.email,
  metadata: signedIn.user.metadata,
  defaultRole: signedIn.user.defaultRole,
  claimIsAnonymous: registeredClaims.hasura['x-hasura-user-is-anonymous'],
  claimDefaultRole: registeredClaims.hasura['x-hasura-default-role'],
};

// --- PATs: a refreshed token is not elevated; a fresh sign-in is ---
step('PAT with a refreshed (not elevated) token');
const expiresAt = new Date(Date.now() + 24 * 3600_000).toISOString();
await registered.refreshSession(0); // rotates now: the new access token has no elevation claim
check(registered.getUserSession().refreshToken !== signedIn.refreshToken, 'refreshSession rotated the session');
results.createPatNotElevated = await expectFetchError(
  () => registered.auth.createPAT({ expiresAt, metadata: { name: 'nhost-js' } }),
  'creating a PAT with a refreshed token',
);
step('PAT with a fresh sign-in');
await registered.auth.signInEmailPassword({ email, password });
const created = await registered.auth.createPAT({ expiresAt, metadata: { name: 'nhost-js' } });
const { id: patId, personalAccessToken } = created.body;
step('sign in with the PAT');
const scriptClient = createClient({ authUrl: AUTH_URL });
const patSignIn = await scriptClient.auth.signInPAT({ personalAccessToken });
const patSession = patSignIn.body.session;
const patClaims = claimsOf(patSession.accessToken);
results.pat = {
  createStatus: created.status,
  hasId: typeof patId === 'string' && patId.length > 0,
  tokenShape: /^[0-9a-f-]+$/.test(personalAccessToken),
  signInStatus: patSignIn.status,
  sameUser: patSession.user.id === anonId,
  amr: patClaims.amr,
  elevated: 'x-hasura-auth-elevated' in patClaims.hasura,
  storedBySdk: scriptClient.getUserSession()?.refreshToken === patSession.refreshToken,
};
step('a PAT session creating a PAT');
results.createPatFromPatSession = await expectFetchError(
  () => scriptClient.auth.createPAT({ expiresAt, metadata: {} }),
  'creating a PAT from a session opened with a PAT',
);
step('an unknown PAT');
results.unknownPat = await expectFetchError(
  () => createClient({ authUrl: AUTH_URL }).auth.signInPAT({
    personalAccessToken: `${personalAccessToken.slice(0, -1)}${personalAccessToken.endsWith('0') ? '1' : '0'}`,
  }),
  'signing in with an unknown PAT',
);

// --- SMS: ask, read the code from the outbox (channel sms), verify ---
step('SMS: ask');
const sms = createClient({ authUrl: AUTH_URL });
const smsAsked = await sms.auth.signInPasswordlessSms({ phoneNumber, options: { displayName: 'Sam' } });
step('SMS: read the outbox');
const texted = await waitForMessage(phoneNumber, /\b(\d{6})\b/);
step('SMS: verify');
const smsVerified = await sms.auth.verifySignInPasswordlessSms({ phoneNumber, otp: texted.match[1] });
const smsSession = smsVerified.body.session;
results.sms = {
  askStatus: smsAsked.status,
  askBody: smsAsked.body,
  channel: texted.message.channel,
  outboxTo: texted.message.to,
  verifyStatus: smsVerified.status,
  mfa: smsVerified.body.mfa ?? null,
  phoneNumber: smsSession.user.phoneNumber,
  phoneNumberVerified: smsSession.user.phoneNumberVerified,
  displayName: smsSession.user.displayName,
  amr: claimsOf(smsSession.accessToken).amr,
  storedBySdk: sms.getUserSession()?.refreshToken === smsSession.refreshToken,
};
step('SMS: the code again');
results.smsReused = await expectFetchError(
  () => sms.auth.verifySignInPasswordlessSms({ phoneNumber, otp: texted.match[1] }),
  'verifying a used SMS code',
);

report(results);
