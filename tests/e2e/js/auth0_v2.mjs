// The real `auth0` npm SDK at major 2 (auth0@2.44.1, installed as the alias `auth0-v2`): its
// AuthenticationClient against authward's Auth0 face over HTTPS, legacy endpoints included (docs/auth0.md).
//
// Run by tests/e2e/test_auth0_sdk.py with NODE_EXTRA_CA_CERTS=<the test CA> and DOMAIN=localhost:PORT etc.
// (see auth0_common.mjs). Every SDK call's outcome is recorded as JSON; pytest asserts it. v2 sends JSON
// everywhere; a grant through `OAUthWithIDTokenValidation` (passwordGrant, oauth/ro sign-ins, the OTP grant)
// resolves only once the SDK has verified the `id_token` (jsonwebtoken + jwks-rsa against
// https://DOMAIN/.well-known/jwks.json by `kid`, iss https://DOMAIN/, aud = client id).
import auth0 from 'auth0-v2';
import {
  BASE, ISSUER, PASSWORD, USER_SCOPE, codeIn, email, enrolTotp, env, followLink, http, installedVersion, jwt, linkIn,
  outboxMessage, record, recordFailure, report, results, skipped, tokenSet,
} from './auth0_common.mjs';

const { AuthenticationClient } = auth0;
const MFA_OTP = 'http://auth0.com/oauth/grant-type/mfa-otp';
const MFA_RECOVERY = 'http://auth0.com/oauth/grant-type/mfa-recovery-code';
const DELEGATION_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

const client = (clientId, clientSecret, domain = env.DOMAIN) => new AuthenticationClient({ domain, clientId, clientSecret });
const main = client(env.CLIENT_ID, env.CLIENT_SECRET);
const restricted = client(env.RESTRICTED_CLIENT_ID, env.RESTRICTED_CLIENT_SECRET);
const noLegacy = client(env.NO_LEGACY_CLIENT_ID, env.NO_LEGACY_CLIENT_SECRET);

/** A grant v2 has no method for (mfa-*, token-exchange), through the SDK's own validating token client. */
const sdkGrant = (sdk, body) => sdk.oauth.oauthWithIDTokenValidation.create({ type: 'token' }, {
  client_id: sdk.oauth.clientId, client_secret: sdk.oauth.clientSecret, ...body,
});

// v2 warns on stderr whenever /oauth/ro is used; keep stdout for the JSON.
console.warn = (...args) => process.stderr.write(`${args.join(' ')}\n`);

results.sdk = { major: 2, entry: 'auth0-v2', version: installedVersion('auth0-v2') };

// --- database connection: sign-up, duplicate, short password ---
const user = {
  email: email('v2-db'), password: PASSWORD, connection: env.CONNECTION, username: `v2user${env.RUN_ID}`,
  given_name: 'Ada', family_name: 'Lovelace', name: 'Ada Lovelace', nickname: 'ada',
  picture: 'https://example.com/ada.png', user_metadata: { plan: 'gold' },
};
const signUp = await record('signUp', async () => ({ data: await main.database.signUp(user), sent: { email: user.email } }));
await recordFailure('signUpDuplicate', () => main.database.signUp(user));
await recordFailure('signUpShortPassword', () =>
  main.database.signUp({ email: email('v2-short'), password: 'short', connection: env.CONNECTION }));

// --- password grant and its ID token, validated by the SDK ---
let password = null;
if (signUp) {
  password = await record('passwordGrant', async () => {
    const data = await main.passwordGrant({ username: user.email, password: PASSWORD, scope: USER_SCOPE, audience: env.AUDIENCE });
    return { validatedBySdk: true, ...tokenSet(data), raw: data };
  });
  await recordFailure('passwordGrantWrongPassword', () =>
    main.passwordGrant({ username: user.email, password: `${PASSWORD}!`, scope: USER_SCOPE }));
  // The same server under another name: the SDK fetches the keys and refuses the issuer.
  const [, port] = env.DOMAIN.split(':');
  const otherName = client(env.CLIENT_ID, env.CLIENT_SECRET, `127.0.0.1:${port}`);
  await recordFailure('idTokenOtherDomain', () => otherName.passwordGrant({ username: user.email, password: PASSWORD, scope: 'openid' }));
} else {
  skipped('passwordGrant', 'signUp');
}

// --- userinfo, before the revocation below ends this session (users.getInfo, alias getProfile) ---
if (password) {
  await record('userinfo', async () => ({ data: await main.getProfile(password.raw.access_token) }));
} else {
  skipped('userinfo', 'passwordGrant');
}

// --- password-realm (realm = the database connection) ---
let realm = null;
if (signUp) {
  realm = await record('passwordRealm', async () => {
    const data = await main.passwordGrant({ username: user.email, password: PASSWORD, realm: env.CONNECTION, scope: USER_SCOPE });
    return { validatedBySdk: true, ...tokenSet(data), raw: data };
  });
} else {
  skipped('passwordRealm', 'signUp');
}

// --- /oauth/ro with the database connection (database.signIn; legacy) ---
if (signUp) {
  await record('roDatabase', async () => {
    const data = await main.database.signIn({ username: user.email, password: PASSWORD, connection: env.CONNECTION });
    return { validatedBySdk: true, ...tokenSet(data) };
  });
} else {
  skipped('roDatabase', 'signUp');
}

// --- refresh, then revoke and the refresh refused ---
if (password?.raw.refresh_token) {
  const refresh = await record('refresh', async () => {
    const data = await main.refreshToken({ refresh_token: password.raw.refresh_token });
    return { ...tokenSet(data), raw: data };
  });
  const live = refresh?.raw.refresh_token ?? password.raw.refresh_token;
  const revoked = await record('revoke', async () => ({ body: (await main.tokens.revokeRefreshToken({ token: live })) ?? null }));
  if (revoked) {
    await recordFailure('refreshAfterRevoke', () => main.refreshToken({ refresh_token: live }));
  } else {
    skipped('refreshAfterRevoke', 'revoke');
  }
  if (refresh) delete refresh.raw;
} else {
  for (const name of ['refresh', 'revoke', 'refreshAfterRevoke']) skipped(name, 'passwordGrant refresh_token');
}

// --- client credentials (and a wrong secret) ---
await record('clientCredentials', async () => tokenSet(await main.clientCredentialsGrant({ audience: env.AUDIENCE })));
await recordFailure('clientCredentialsWrongSecret', () =>
  client(env.CLIENT_ID, `${env.CLIENT_SECRET}x`).clientCredentialsGrant({ audience: env.AUDIENCE }));

// --- change password: Auth0's answer and a reset mail ---
if (signUp) {
  await record('changePassword', async () => {
    const answer = await main.requestChangePasswordEmail({ email: user.email, connection: env.CONNECTION });
    const mail = await outboxMessage(user.email);
    return { text: answer, mail: { subject: mail.subject, hasLink: /https?:\/\//.test(mail.text ?? ''), link: linkIn(mail) } };
  });
} else {
  skipped('changePassword', 'signUp');
}

// --- passwordless email code: the OTP grant (verifyEmailCode) and /oauth/ro (passwordless.signIn) ---
const codeEmail = email('v2-code');
await record('passwordlessEmailCode', async () => {
  const sent = await main.requestEmailCode({ email: codeEmail });
  const code = codeIn(await outboxMessage(codeEmail));
  // verifyEmailCode({email, otp}) without a scope; the same call with one, to read the email claims:
  const data = await main.passwordless.signIn({ username: codeEmail, otp: code, realm: 'email', scope: 'openid profile email' });
  return { sent: sent ?? null, email: codeEmail, validatedBySdk: true, ...tokenSet(data) };
});
const roEmail = email('v2-ro-code');
await record('roEmailCode', async () => {
  await main.requestEmailCode({ email: roEmail });
  const code = codeIn(await outboxMessage(roEmail));
  const data = await main.passwordless.signIn({ username: roEmail, password: code, connection: 'email', scope: 'openid profile email' });
  return { email: roEmail, validatedBySdk: true, ...tokenSet(data) };
});

// --- passwordless SMS code: the OTP grant (verifySMSCode with otp) and /oauth/ro (verifySMSCode with code) ---
await record('passwordlessSmsCode', async () => {
  const sent = await main.requestSMSCode({ phone_number: env.PHONE_1 });
  const code = codeIn(await outboxMessage(env.PHONE_1, { channel: 'sms' }));
  const data = await main.verifySMSCode({ phone_number: env.PHONE_1, otp: code });
  return { sent: sent ?? null, phone: env.PHONE_1, validatedBySdk: true, ...tokenSet(data) };
});
await record('roSmsCode', async () => {
  await main.requestSMSCode({ phone_number: env.PHONE_2 });
  const code = codeIn(await outboxMessage(env.PHONE_2, { channel: 'sms' }));
  const data = await main.verifySMSCode({ phone_number: env.PHONE_2, code });
  return { phone: env.PHONE_2, validatedBySdk: true, ...tokenSet(data) };
});

// --- magic link ---
const linkEmail = email('v2-link');
await record('magicLink', async () => {
  await main.requestMagicLink({ email: linkEmail });
  const link = linkIn(await outboxMessage(linkEmail));
  return { email: linkEmail, linkPath: new URL(link).pathname, followed: await followLink(link) };
});

// --- delegation (getDelegationToken: the ID token for another client) and tokeninfo ---
const idToken = (realm ?? password)?.raw.id_token;
if (idToken) {
  await record('delegation', async () => {
    const data = await main.getDelegationToken({
      id_token: idToken, target: env.RESTRICTED_CLIENT_ID, api_type: 'app', scope: 'openid', grant_type: DELEGATION_GRANT,
    });
    return { keys: Object.keys(data).sort(), token_type: data.token_type ?? null, expires_in: data.expires_in ?? null,
             idToken: jwt(data.id_token), subjectIdToken: jwt(idToken) };
  });
  await record('tokeninfo', async () => ({ data: await main.tokens.getInfo(idToken) }));
} else {
  skipped('delegation', 'passwordGrant id_token');
  skipped('tokeninfo', 'passwordGrant id_token');
}

// --- MFA: TOTP active -> 403 mfa_required with an mfa_token -> /mfa/challenge -> mfa-otp / mfa-recovery-code ---
const mfaUser = { email: email('v2-mfa'), password: PASSWORD, connection: env.CONNECTION };
const enrolled = await record('mfaEnrol', async () => {
  await main.database.signUp(mfaUser);
  return enrolTotp(mfaUser.email, PASSWORD);
});
if (enrolled) {
  const required = await recordFailure('mfaRequired', () =>
    main.passwordGrant({ username: mfaUser.email, password: PASSWORD, scope: USER_SCOPE }));
  const mfaToken = required.body?.mfa_token;
  if (mfaToken) {
    await record('mfaChallenge', async () => {
      const answer = await http('POST', '/mfa/challenge', {
        json: { mfa_token: mfaToken, client_id: env.CLIENT_ID, client_secret: env.CLIENT_SECRET, challenge_type: 'otp' },
      });
      return { status: answer.status, body: answer.body };
    });
    await record('mfaOtp', async () => {
      const data = await sdkGrant(main, { grant_type: MFA_OTP, mfa_token: mfaToken, otp: enrolled.nextCode });
      return { validatedBySdk: true, ...tokenSet(data) };
    });
  } else {
    skipped('mfaChallenge', 'mfaRequired mfa_token');
    skipped('mfaOtp', 'mfaRequired mfa_token');
  }
  const again = await recordFailure('mfaRequiredAgain', () =>
    main.passwordGrant({ username: mfaUser.email, password: PASSWORD, scope: USER_SCOPE }));
  if (again.body?.mfa_token && enrolled.recoveryCodes.length) {
    await record('mfaRecoveryCode', async () => tokenSet(await sdkGrant(main, {
      grant_type: MFA_RECOVERY, mfa_token: again.body.mfa_token, recovery_code: enrolled.recoveryCodes[0],
    })));
  } else {
    skipped('mfaRecoveryCode', 'mfaRequiredAgain mfa_token');
  }
} else {
  for (const name of ['mfaRequired', 'mfaChallenge', 'mfaOtp', 'mfaRecoveryCode']) skipped(name, 'mfaEnrol');
}

// --- every grant refused for a client not allowed it (403 unauthorized_client) ---
const refusals = {};
const refused = async (name, call) => {
  refusals[name] = await recordFailure(`refused.${name}`, call);
  delete results[`refused.${name}`];
};
await refused('password', () => restricted.passwordGrant({ username: user.email, password: PASSWORD }));
await refused('password-realm', () => restricted.passwordGrant({ username: user.email, password: PASSWORD, realm: env.CONNECTION }));
await refused('refresh_token', () => restricted.refreshToken({ refresh_token: realm?.raw.refresh_token ?? 'not-a-token' }));
await refused('client_credentials', () => restricted.clientCredentialsGrant({ audience: env.AUDIENCE }));
await refused('passwordless/otp email', () => restricted.verifyEmailCode({ email: codeEmail, otp: '000000' }));
await refused('passwordless/otp sms', () => restricted.verifySMSCode({ phone_number: env.PHONE_1, otp: '000000' }));
await refused('token-exchange', () => sdkGrant(restricted, {
  grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange', subject_token: password?.raw.access_token ?? 'x',
  subject_token_type: 'urn:ietf:params:oauth:token-type:access_token', audience: env.AUDIENCE,
}));
await refused('mfa-otp', () => sdkGrant(restricted, { grant_type: MFA_OTP, mfa_token: 'x', otp: '000000' }));
await refused('mfa-recovery-code', () => sdkGrant(restricted, { grant_type: MFA_RECOVERY, mfa_token: 'x', recovery_code: 'x' }));
results.refusals = refusals;

// --- the legacy endpoints, refused for a client registered without --legacy-endpoints ---
const legacyRefusals = {};
const legacyRefused = async (name, call) => {
  legacyRefusals[name] = await recordFailure(`legacy.${name}`, call);
  delete results[`legacy.${name}`];
};
const noLegacyTokens = await record('noLegacyPasswordGrant', async () => {
  const data = await noLegacy.passwordGrant({ username: user.email, password: PASSWORD, scope: 'openid profile email' });
  return { validatedBySdk: true, hasIdToken: typeof data.id_token === 'string', raw: data };
});
await legacyRefused('oauth/ro database', () =>
  noLegacy.database.signIn({ username: user.email, password: PASSWORD, connection: env.CONNECTION }));
await legacyRefused('oauth/ro sms', () => noLegacy.verifySMSCode({ phone_number: env.PHONE_2, code: '000000' }));
const noLegacyIdToken = noLegacyTokens?.raw.id_token;
if (noLegacyIdToken) {
  await legacyRefused('delegation', () => noLegacy.getDelegationToken({
    id_token: noLegacyIdToken, target: env.CLIENT_ID, api_type: 'app', scope: 'openid', grant_type: DELEGATION_GRANT,
  }));
  await legacyRefused('tokeninfo', () => noLegacy.tokens.getInfo(noLegacyIdToken));
  delete noLegacyTokens.raw;
}
results.legacyRefusals = legacyRefusals;

for (const step of [password, realm]) if (step) delete step.raw;
results.meta = { base: BASE, issuer: ISSUER };
report();
