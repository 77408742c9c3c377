// WebAuthn with the real @nhost/nhost-js v4 SDK, the browser's part played by soft_authenticator.mjs
// (docs/webauthn.md): passkey sign-up, sign-in without and with an email, a security key added,
// elevation, and refusals.
//
// Run by tests/e2e/test_nhost_js_webauthn.py:  AUTH_URL=.../v1 SERVER_URL=... ORIGIN=... node nhost_webauthn.mjs
import { createClient } from '@nhost/nhost-js';
import { AUTH_URL, check, claimsOf, expectFetchError, report, script, step, uniqueEmail } from './harness.mjs';
import { SoftAuthenticator } from './soft_authenticator.mjs';

script('nhost_webauthn');
const ORIGIN = process.env.ORIGIN;
check(ORIGIN, 'ORIGIN must be set');
const results = {};
const email = uniqueEmail('nhost-js-passkey');
const authenticator = new SoftAuthenticator(ORIGIN);

// --- sign up: the options, the authenticator's registration, the session ---
step('sign up options');
const nhost = createClient({ authUrl: AUTH_URL });
const creation = await nhost.auth.signUpWebauthn({ email, options: { displayName: 'Passkey Person' } });
results.signUpOptions = {
  status: creation.status,
  rp: creation.body.rp,
  userName: creation.body.user.name,
  userDisplayName: creation.body.user.displayName,
  challengeLength: creation.body.challenge.length,
  algorithms: creation.body.pubKeyCredParams.map((p) => p.alg),
};
step('sign up verify');
const signedUp = await nhost.auth.verifySignUpWebauthn({
  credential: authenticator.create(creation.body), nickname: 'node key',
});
const userId = signedUp.body.session.user.id;
results.signUp = {
  status: signedUp.status,
  email: signedUp.body.session.user.email,
  displayName: signedUp.body.session.user.displayName,
  amr: claimsOf(signedUp.body.session.accessToken).amr,
  storedBySdk: nhost.getUserSession()?.refreshToken === signedUp.body.session.refreshToken,
};

// --- sign in with a passkey alone: signInWebauthn() with no body at all ---
step('sign in without email');
const other = createClient({ authUrl: AUTH_URL });
const request = await other.auth.signInWebauthn();
const assertion = authenticator.get(request.body);
const signedIn = await other.auth.verifySignInWebauthn({ credential: assertion });
results.signInWithoutEmail = {
  status: signedIn.status,
  allowCredentials: request.body.allowCredentials,
  rpId: request.body.rpId,
  sameUser: signedIn.body.session.user.id === userId,
  amr: claimsOf(signedIn.body.session.accessToken).amr,
  storedBySdk: other.getUserSession()?.refreshToken === signedIn.body.session.refreshToken,
};

step('replayed assertion');
results.replayed = await expectFetchError(
  () => other.auth.verifySignInWebauthn({ credential: assertion }), 'replaying a used assertion',
);

// --- sign in with the email: the account's keys are listed ---
step('sign in with email');
const third = createClient({ authUrl: AUTH_URL });
const byEmail = await third.auth.signInWebauthn({ email });
const signedInByEmail = await third.auth.verifySignInWebauthn({ credential: authenticator.get(byEmail.body) });
results.signInWithEmail = {
  status: signedInByEmail.status,
  allowed: byEmail.body.allowCredentials.length,
  sameUser: signedInByEmail.body.session.user.id === userId,
};

step('wrong origin');
const wrongOrigin = await third.auth.signInWebauthn();
results.wrongOrigin = await expectFetchError(
  () => third.auth.verifySignInWebauthn({
    credential: authenticator.get(wrongOrigin.body, { origin: 'https://evil.example.net' }),
  }),
  'an assertion made for another origin',
);

// --- elevate the session with the key, then add a second key ---
step('elevate');
const elevation = await third.auth.elevateWebauthn();
const elevated = await third.auth.verifyElevateWebauthn({ credential: authenticator.get(elevation.body) });
const elevatedClaims = claimsOf(elevated.body.session.accessToken);
results.elevate = {
  status: elevated.status,
  allowed: elevation.body.allowCredentials.length,
  amr: elevatedClaims.amr,
  elevated: elevatedClaims.hasura['x-hasura-auth-elevated'] === userId,
};

step('add a security key');
const second = new SoftAuthenticator(ORIGIN);
const addOptions = await third.auth.addSecurityKey();
const added = await third.auth.verifyAddSecurityKey({ credential: second.create(addOptions.body), nickname: 'usb' });
results.addKey = {
  status: added.status,
  nickname: added.body.nickname,
  hasId: typeof added.body.id === 'string' && added.body.id.length === 36,
  excluded: addOptions.body.excludeCredentials.length,
};
const fourth = createClient({ authUrl: AUTH_URL });
const withSecond = await fourth.auth.verifySignInWebauthn({
  credential: second.get((await fourth.auth.signInWebauthn()).body),
});
results.signInWithSecondKey = { sameUser: withSecond.body.session.user.id === userId };

report(results);
