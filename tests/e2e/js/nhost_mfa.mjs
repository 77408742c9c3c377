// TOTP two-factor authentication with the real @nhost/nhost-js v4 SDK and otplib codes (docs/2fa.md).
//
// Run by tests/e2e/test_nhost_js_flows.py:  AUTH_URL=.../v1 SERVER_URL=... node nhost_mfa.mjs
import { createClient } from '@nhost/nhost-js';
import { generate } from 'otplib';
import { AUTH_URL, check, claimsOf, expectFetchError, report, script, step, uniqueEmail } from './harness.mjs';

script('nhost_mfa');
const results = {};
const email = uniqueEmail('nhost-js-mfa');
const password = 'correct horse battery staple';
const nowSeconds = () => Math.floor(Date.now() / 1000);

// --- sign up: a fresh (elevated) session, which generating a secret needs ---
step('sign up');
const nhost = createClient({ authUrl: AUTH_URL });
const signUp = await nhost.auth.signUpEmailPassword({ email, password });
const userId = signUp.body.session.user.id;

// --- generate a secret: a QR code as a data URL, and the secret itself ---
step('generate TOTP secret');
const generated = await nhost.auth.changeUserMfa();
const { imageUrl, totpSecret } = generated.body;
results.generate = {
  status: generated.status,
  imageUrlPrefix: imageUrl.slice(0, 'data:image/png;base64,'.length),
  pngMagic: Buffer.from(imageUrl.split(',')[1], 'base64').subarray(1, 4).toString('latin1'),
  secretIsBase32: /^[A-Z2-7]+=*$/.test(totpSecret),
  secretLength: totpSecret.length,
};

// --- activate with a code computed here ---
step('activate TOTP');
const activationCode = await generate({ secret: totpSecret });
const activated = await nhost.auth.verifyChangeUserMfa({ code: activationCode, activeMfaType: 'totp' });
const userAfter = await nhost.auth.getUser();
results.activate = { status: activated.status, body: activated.body, activeMfaType: userAfter.body.activeMfaType };

// --- sign in: no session yet, an MFA ticket instead ---
step('sign in with TOTP active');
const mfaClient = createClient({ authUrl: AUTH_URL });
const challenged = await mfaClient.auth.signInEmailPassword({ email, password });
const ticket = challenged.body.mfa?.ticket;
results.signIn = {
  status: challenged.status,
  session: challenged.body.session ?? null,
  ticketPrefix: ticket?.split(':')[0] ?? null,
  sdkStoredNothing: mfaClient.getUserSession() === null,
};

// --- the activation code is spent: the server remembers the step it last accepted ---
step('activation code replayed');
results.activationCodeReplayed = await expectFetchError(
  () => mfaClient.auth.verifySignInMfaTotp({ ticket, otp: activationCode }),
  'completing the sign-in with the code that activated TOTP',
);

// --- the next 30-s step's code completes it (the server accepts one step of skew) ---
step('complete sign-in');
const nextCode = await generate({ secret: totpSecret, epoch: nowSeconds() + 30 });
check(nextCode !== activationCode, 'the next step gave another code');
const completed = await mfaClient.auth.verifySignInMfaTotp({ ticket, otp: nextCode });
const mfaSession = completed.body.session;
const claims = claimsOf(mfaSession.accessToken);
results.complete = {
  status: completed.status,
  sameUser: mfaSession.user.id === userId,
  activeMfaType: mfaSession.user.activeMfaType,
  amr: claims.amr,
  elevated: claims.hasura['x-hasura-auth-elevated'] === userId,
  storedBySdk: mfaClient.getUserSession()?.refreshToken === mfaSession.refreshToken,
};

// --- the same code again, on a new ticket, is refused ---
step('replay on a new ticket');
const again = await createClient({ authUrl: AUTH_URL }).auth.signInEmailPassword({ email, password });
results.replayedOnNewTicket = await expectFetchError(
  () => nhost.auth.verifySignInMfaTotp({ ticket: again.body.mfa.ticket, otp: nextCode }),
  'replaying a used TOTP code on a new ticket',
);
results.usedTicket = await expectFetchError(
  () => nhost.auth.verifySignInMfaTotp({ ticket, otp: nextCode }),
  'completing a sign-in with a ticket already used',
);

report(results);
