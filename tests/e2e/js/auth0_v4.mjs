// The real `auth0` npm SDK at major 4 — `AuthenticationClient` from `auth0/legacy` (auth0@7.1.0 re-exports
// auth0@4.37.1 there) — against authward's Auth0 face over HTTPS (docs/auth0.md).
//
// Run by tests/e2e/test_auth0_sdk.py with NODE_EXTRA_CA_CERTS=<the test CA> and DOMAIN=localhost:PORT etc.
// (see auth0_common.mjs). Every SDK call's outcome is recorded as JSON; pytest asserts it. A grant that
// resolves means the SDK's own ID-token validation passed: v4 validates every `id_token` in a grant answer
// (RS256 against https://DOMAIN/.well-known/jwks.json, iss https://DOMAIN/, aud, exp, iat, no stray nonce).
import { AuthenticationClient, UserInfoClient } from 'auth0/legacy';
import {
  BASE, ISSUER, PASSWORD, USER_SCOPE, codeIn, email, enrolTotp, env, followLink, http, installedVersion, jwt, linkIn,
  outboxMessage, record, recordFailure, report, results, skipped, tampered, tokenSet,
} from './auth0_common.mjs';

const MFA_OTP = 'http://auth0.com/oauth/grant-type/mfa-otp';
const MFA_RECOVERY = 'http://auth0.com/oauth/grant-type/mfa-recovery-code';
const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';

const auth0 = new AuthenticationClient({ domain: env.DOMAIN, clientId: env.CLIENT_ID, clientSecret: env.CLIENT_SECRET });
const userInfo = new UserInfoClient({ domain: env.DOMAIN });
const restricted = new AuthenticationClient({
  domain: env.DOMAIN, clientId: env.RESTRICTED_CLIENT_ID, clientSecret: env.RESTRICTED_CLIENT_SECRET,
});

/**
 * A grant node-auth0 v4 has no method for (mfa-otp, mfa-recovery-code), sent the way its own `grant()` sends
 * one: the SDK's transport and client authentication, form-encoded to /oauth/token, its error parsing, then
 * its ID-token validator on the answer.
 */
async function sdkGrant(client, grantType, body) {
  const oauth = client.oauth;
  const authenticated = await oauth.addClientAuthentication(body);
  const response = await oauth.request({
    path: '/oauth/token', method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ client_id: oauth.clientId, ...authenticated, grant_type: grantType }),
  }, {});
  const data = await response.json();
  if (data.id_token) await oauth.idTokenValidator.validate(data.id_token);
  return { status: response.status, data };
}

results.sdk = { major: 4, entry: 'auth0/legacy', auth0: installedVersion('auth0'), version: installedVersion('auth0-legacy', 'auth0/legacy') };

// --- discovery and keys over https, trusted through NODE_EXTRA_CA_CERTS ---
await record('discovery', async () => {
  const answer = await http('GET', '/.well-known/openid-configuration');
  const keys = await http('GET', '/.well-known/jwks.json');
  return {
    status: answer.status, issuer: answer.body.issuer, tokenEndpoint: answer.body.token_endpoint,
    jwksStatus: keys.status, kids: (keys.body.keys ?? []).map((k) => k.kid),
  };
});

// --- database connection: sign-up, duplicate, short password ---
const user = {
  email: email('v4-db'), password: PASSWORD, connection: env.CONNECTION, username: `v4user${env.RUN_ID}`,
  given_name: 'Ada', family_name: 'Lovelace', name: 'Ada Lovelace', nickname: 'ada',
  picture: 'https://example.com/ada.png', user_metadata: { plan: 'gold' },
};
const signUp = await record('signUp', async () => {
  const answer = await auth0.database.signUp(user);
  return { status: answer.status, data: answer.data, sent: { email: user.email } };
});
await recordFailure('signUpDuplicate', () => auth0.database.signUp(user));
await recordFailure('signUpShortPassword', () =>
  auth0.database.signUp({ email: email('v4-short'), password: 'short', connection: env.CONNECTION }));

// --- password grant (username = email) and its ID token, validated by the SDK ---
let password = null;
if (signUp) {
  password = await record('passwordGrant', async () => {
    const answer = await auth0.oauth.passwordGrant({
      username: user.email, password: PASSWORD, scope: USER_SCOPE, audience: env.AUDIENCE,
    });
    return { status: answer.status, validatedBySdk: true, ...tokenSet(answer.data), raw: answer.data };
  });
  await recordFailure('passwordGrantWrongPassword', () =>
    auth0.oauth.passwordGrant({ username: user.email, password: `${PASSWORD}!`, scope: USER_SCOPE }));
} else {
  skipped('passwordGrant', 'signUp');
}

if (password) {
  const idToken = password.raw.id_token;
  // The validator the SDK ran, run again on the same token: it passes, and refuses the token with its
  // signature changed (so the RS256 check against our JWKS is real) ...
  await record('idTokenRevalidated', async () => {
    await auth0.oauth.idTokenValidator.validate(idToken);
    return { valid: true };
  });
  await recordFailure('idTokenTampered', () => auth0.oauth.idTokenValidator.validate(tampered(idToken)));
  // ... and an SDK pointed at another name for the same server refuses the answer (iss is https://DOMAIN/).
  const [, port] = env.DOMAIN.split(':');
  const otherName = new AuthenticationClient({
    domain: `127.0.0.1:${port}`, clientId: env.CLIENT_ID, clientSecret: env.CLIENT_SECRET,
  });
  await recordFailure('idTokenOtherDomain', () =>
    otherName.oauth.passwordGrant({ username: user.email, password: PASSWORD, scope: 'openid' }));
}

// --- userinfo, before the revocation below ends this session (UserInfoClient, as v4 ships it) ---
if (password) {
  await record('userinfo', async () => {
    const answer = await userInfo.getUserInfo(password.raw.access_token);
    return { status: answer.status, data: answer.data };
  });
} else {
  skipped('userinfo', 'passwordGrant');
}

// --- password-realm (realm = the database connection) ---
if (signUp) {
  await record('passwordRealm', async () => {
    const answer = await auth0.oauth.passwordGrant({
      username: user.email, password: PASSWORD, realm: env.CONNECTION, scope: USER_SCOPE,
    });
    return { status: answer.status, ...tokenSet(answer.data), raw: answer.data };
  });
} else {
  skipped('passwordRealm', 'signUp');
}

// --- refresh, then revoke and the refresh refused ---
if (password?.raw.refresh_token) {
  const refresh = await record('refresh', async () => {
    const answer = await auth0.oauth.refreshTokenGrant({ refresh_token: password.raw.refresh_token });
    return { status: answer.status, ...tokenSet(answer.data), raw: answer.data };
  });
  const live = refresh?.raw.refresh_token ?? password.raw.refresh_token;
  const revoked = await record('revoke', async () => {
    const answer = await auth0.oauth.revokeRefreshToken({ token: live });
    return { status: answer.status };
  });
  if (revoked) {
    await recordFailure('refreshAfterRevoke', () => auth0.oauth.refreshTokenGrant({ refresh_token: live }));
  } else {
    skipped('refreshAfterRevoke', 'revoke');
  }
  if (refresh) delete refresh.raw;
} else {
  for (const name of ['refresh', 'revoke', 'refreshAfterRevoke']) skipped(name, 'passwordGrant refresh_token');
}

// --- client credentials (and a wrong secret) ---
await record('clientCredentials', async () => {
  const answer = await auth0.oauth.clientCredentialsGrant({ audience: env.AUDIENCE });
  return { status: answer.status, ...tokenSet(answer.data) };
});
const wrongSecret = new AuthenticationClient({
  domain: env.DOMAIN, clientId: env.CLIENT_ID, clientSecret: `${env.CLIENT_SECRET}x`,
});
await recordFailure('clientCredentialsWrongSecret', () => wrongSecret.oauth.clientCredentialsGrant({ audience: env.AUDIENCE }));

// --- change password: Auth0's text answer and a reset mail ---
if (signUp) {
  await record('changePassword', async () => {
    const answer = await auth0.database.changePassword({ email: user.email, connection: env.CONNECTION });
    const mail = await outboxMessage(user.email);
    return {
      status: answer.status, text: answer.data,
      mail: { subject: mail.subject, hasLink: /https?:\/\//.test(mail.text ?? ''), link: linkIn(mail) },
    };
  });
} else {
  skipped('changePassword', 'signUp');
}

// --- passwordless: email code (OTP grant, realm email) ---
const codeEmail = email('v4-code');
await record('passwordlessEmailCode', async () => {
  const sent = await auth0.passwordless.sendEmail({ email: codeEmail, send: 'code' });
  const code = codeIn(await outboxMessage(codeEmail));
  const answer = await auth0.passwordless.loginWithEmail({ email: codeEmail, code, scope: USER_SCOPE });
  return { sendStatus: sent.status, status: answer.status, email: codeEmail, ...tokenSet(answer.data) };
});
// --- passwordless: SMS code (OTP grant, realm sms) ---
await record('passwordlessSmsCode', async () => {
  const sent = await auth0.passwordless.sendSMS({ phone_number: env.PHONE_1 });
  const code = codeIn(await outboxMessage(env.PHONE_1, { channel: 'sms' }));
  const answer = await auth0.passwordless.loginWithSMS({ phone_number: env.PHONE_1, code, scope: 'openid profile' });
  return { sendStatus: sent.status, status: answer.status, phone: env.PHONE_1, ...tokenSet(answer.data) };
});
// --- passwordless: magic link ---
const linkEmail = email('v4-link');
await record('magicLink', async () => {
  const sent = await auth0.passwordless.sendEmail({ email: linkEmail, send: 'link' });
  const link = linkIn(await outboxMessage(linkEmail));
  return { sendStatus: sent.status, email: linkEmail, linkPath: new URL(link).pathname, followed: await followLink(link) };
});

// --- token exchange (RFC 8693): the user's access token for another audience ---
if (signUp) {
  await record('tokenExchange', async () => {
    const subject = await auth0.oauth.passwordGrant({ username: user.email, password: PASSWORD, scope: 'openid profile' });
    const exchanged = await auth0.tokenExchange.exchangeToken({
      subject_token: subject.data.access_token, subject_token_type: ACCESS_TOKEN_TYPE, audience: env.AUDIENCE,
    });
    return { subjectAccessToken: jwt(subject.data.access_token), ...tokenSet(exchanged),
             issued_token_type: exchanged.issued_token_type ?? null,
             differs: exchanged.access_token !== subject.data.access_token };
  });
} else {
  skipped('tokenExchange', 'signUp');
}

// --- MFA: TOTP active -> 403 mfa_required with an mfa_token -> /mfa/challenge -> mfa-otp / mfa-recovery-code ---
const mfaUser = { email: email('v4-mfa'), password: PASSWORD, connection: env.CONNECTION };
const enrolled = await record('mfaEnrol', async () => {
  await auth0.database.signUp(mfaUser);
  return enrolTotp(mfaUser.email, PASSWORD);
});
if (enrolled) {
  const required = await recordFailure('mfaRequired', () =>
    auth0.oauth.passwordGrant({ username: mfaUser.email, password: PASSWORD, scope: USER_SCOPE }));
  const mfaToken = required.body?.mfa_token;
  if (mfaToken) {
    await record('mfaChallenge', async () => {
      const answer = await http('POST', '/mfa/challenge', {
        json: { mfa_token: mfaToken, client_id: env.CLIENT_ID, client_secret: env.CLIENT_SECRET, challenge_type: 'otp' },
      });
      return { status: answer.status, body: answer.body };
    });
    await record('mfaOtp', async () => {
      const answer = await sdkGrant(auth0, MFA_OTP, { mfa_token: mfaToken, otp: enrolled.nextCode });
      return { status: answer.status, validatedBySdk: true, ...tokenSet(answer.data) };
    });
  } else {
    skipped('mfaChallenge', 'mfaRequired mfa_token');
    skipped('mfaOtp', 'mfaRequired mfa_token');
  }
  const again = await recordFailure('mfaRequiredAgain', () =>
    auth0.oauth.passwordGrant({ username: mfaUser.email, password: PASSWORD, scope: USER_SCOPE }));
  if (again.body?.mfa_token && enrolled.recoveryCodes.length) {
    await record('mfaRecoveryCode', async () => {
      const answer = await sdkGrant(auth0, MFA_RECOVERY, {
        mfa_token: again.body.mfa_token, recovery_code: enrolled.recoveryCodes[0],
      });
      return { status: answer.status, ...tokenSet(answer.data) };
    });
  } else {
    skipped('mfaRecoveryCode', 'mfaRequiredAgain mfa_token');
  }
} else {
  for (const name of ['mfaRequired', 'mfaChallenge', 'mfaOtp', 'mfaRecoveryCode']) skipped(name, 'mfaEnrol');
}

// --- GET /v2/logout ---
await record('logout', async () => {
  const allowed = await http('GET', `/v2/logout?client_id=${env.CLIENT_ID}&returnTo=${encodeURIComponent(env.LOGOUT_URI)}`);
  const other = await http('GET', `/v2/logout?client_id=${env.CLIENT_ID}&returnTo=${encodeURIComponent('https://evil.example/')}`);
  return { allowed: { status: allowed.status, location: allowed.location },
           unregistered: { status: other.status, location: other.location, body: other.body } };
});

// --- every grant refused for a client not allowed it (403 unauthorized_client) ---
const refusals = {};
const refused = async (name, call) => {
  refusals[name] = (await recordFailure(`refused.${name}`, call));
  delete results[`refused.${name}`];
};
await refused('password', () => restricted.oauth.passwordGrant({ username: user.email, password: PASSWORD }));
await refused('password-realm', () =>
  restricted.oauth.passwordGrant({ username: user.email, password: PASSWORD, realm: env.CONNECTION }));
await refused('refresh_token', () =>
  restricted.oauth.refreshTokenGrant({ refresh_token: results.passwordRealm?.raw?.refresh_token ?? 'not-a-token' }));
await refused('client_credentials', () => restricted.oauth.clientCredentialsGrant({ audience: env.AUDIENCE }));
await refused('passwordless/otp email', () => restricted.passwordless.loginWithEmail({ email: codeEmail, code: '000000' }));
await refused('passwordless/otp sms', () => restricted.passwordless.loginWithSMS({ phone_number: env.PHONE_1, code: '000000' }));
await refused('token-exchange', () => restricted.tokenExchange.exchangeToken({
  subject_token: password?.raw.access_token ?? 'x', subject_token_type: ACCESS_TOKEN_TYPE, audience: env.AUDIENCE,
}));
await refused('mfa-otp', () => sdkGrant(restricted, MFA_OTP, { mfa_token: 'x', otp: '000000' }));
await refused('mfa-recovery-code', () => sdkGrant(restricted, MFA_RECOVERY, { mfa_token: 'x', recovery_code: 'x' }));
results.refusals = refusals;

if (password) delete password.raw;
if (results.passwordRealm) delete results.passwordRealm.raw;
results.meta = { base: BASE, issuer: ISSUER };
report();
