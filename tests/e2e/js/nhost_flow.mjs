// Drives a running authward server with the real @nhost/nhost-js v4 SDK and jose.
//
// Run by tests/e2e/test_nhost_js.py:  AUTH_URL=http://127.0.0.1:PORT/v1 node nhost_flow.mjs
// The server must run with refresh_token_reuse_interval=0 (a rotated refresh token is refused at once).
// Prints one JSON object of observations on stdout; exits 1 with a message on stderr on the first failure.
import { createClient, createNhostClient } from '@nhost/nhost-js';
import {
  attachAccessTokenMiddleware,
  FetchError,
  sessionRefreshMiddleware,
  updateSessionFromResponseMiddleware,
} from '@nhost/nhost-js/fetch';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';

const AUTH_URL = process.env.AUTH_URL;
const ISSUER = process.env.ISSUER;
if (!AUTH_URL || !ISSUER) {
  console.error('AUTH_URL and ISSUER must be set');
  process.exit(2);
}

const results = {};
let currentStep = 'start';

/** Names the step running now, so a failure says where it happened. */
function step(name) {
  currentStep = name;
}

process.on('uncaughtException', (err) => {
  const detail = err instanceof FetchError ? ` (HTTP ${err.status}: ${JSON.stringify(err.body)})` : '';
  console.error(`nhost_flow failed at step "${currentStep}": ${err?.message ?? err}${detail}`);
  if (!(err instanceof FetchError) && err?.stack) console.error(err.stack);
  process.exit(1);
});

function check(condition, message) {
  if (!condition) throw new Error(`check failed: ${message}`);
}

/** Runs `call`, which must fail with the SDK's FetchError; returns {status, body} of the error. */
async function expectFetchError(call, what) {
  try {
    await call();
  } catch (err) {
    check(err instanceof FetchError, `${what}: expected a FetchError, got ${err}`);
    return { status: err.status, body: err.body, message: err.message };
  }
  throw new Error(`check failed: ${what} succeeded but should have failed`);
}

// The SDK's own session storage in Node is an in-memory backend (no localStorage).
const nhost = createClient({ authUrl: AUTH_URL });
const email = `nhost-js-${Date.now()}-${Math.random().toString(16).slice(2)}@Example.COM`;
const password = 'correct horse battery staple';

// --- sign up: a SessionPayload the SDK's middleware stores ---
step('sign up');
const signUp = await nhost.auth.signUpEmailPassword({
  email,
  password,
  options: { displayName: 'Nhost JS', locale: 'en', metadata: { from: 'nhost-js' } },
});
check(signUp.status === 200, `sign-up status ${signUp.status}`);
const firstSession = signUp.body.session;
check(firstSession && firstSession.accessToken && firstSession.refreshToken, 'sign-up returned a session');
results.signUp = {
  status: signUp.status,
  email: firstSession.user.email,
  displayName: firstSession.user.displayName,
  metadata: firstSession.user.metadata,
  storedBySdk: nhost.getUserSession()?.refreshToken === firstSession.refreshToken,
};

// --- duplicate sign-up (any letter case) ---
step('duplicate sign-up');
results.duplicateSignUp = await expectFetchError(
  () => nhost.auth.signUpEmailPassword({ email: email.toUpperCase(), password }),
  'duplicate sign-up',
);

// --- wrong password ---
step('wrong password');
results.wrongPassword = await expectFetchError(
  () => nhost.auth.signInEmailPassword({ email, password: `${password}!` }),
  'sign-in with a wrong password',
);

// --- sign in ---
step('sign in');
const signIn = await nhost.auth.signInEmailPassword({ email, password });
check(signIn.status === 200, `sign-in status ${signIn.status}`);
const session = signIn.body.session;
check(session, 'sign-in returned a session');
results.signIn = {
  status: signIn.status,
  mfa: signIn.body.mfa ?? null,
  userId: session.user.id,
  sameUser: session.user.id === firstSession.user.id,
  storedBySdk: nhost.getUserSession()?.refreshToken === session.refreshToken,
  decodedUserId: nhost.getUserSession()?.decodedToken?.['https://hasura.io/jwt/claims']?.['x-hasura-user-id'],
  decodedAllowedRoles: nhost.getUserSession()?.decodedToken?.['https://hasura.io/jwt/claims']?.['x-hasura-allowed-roles'],
};

// --- get user: the middleware attaches the stored access token ---
step('get user');
const user = await nhost.auth.getUser();
results.getUser = {
  status: user.status,
  id: user.body.id,
  email: user.body.email,
  defaultRole: user.body.defaultRole,
  roles: user.body.roles,
  isAnonymous: user.body.isAnonymous,
};

// --- verify token (explicit body and via the Authorization header) ---
step('verify token');
const verified = await nhost.auth.verifyToken({ token: session.accessToken });
const verifiedByHeader = await nhost.auth.verifyToken({});
results.verifyToken = { status: verified.status, body: verified.body, byHeaderBody: verifiedByHeader.body };
results.verifyBadToken = await expectFetchError(
  () => nhost.auth.verifyToken({ token: `${session.accessToken.slice(0, -4)}AAAA` }),
  'verifying a tampered token',
);

// --- JWKS + signature and issuer check with jose ---
step('JWKS and jose');
const jwksResponse = await nhost.auth.getJWKs();
const header = decodeProtectedHeader(session.accessToken);
const jwks = createRemoteJWKSet(new URL(`${AUTH_URL}/.well-known/jwks.json`));
const { payload, protectedHeader } = await jwtVerify(session.accessToken, jwks, { issuer: ISSUER });
results.jwks = {
  status: jwksResponse.status,
  kids: jwksResponse.body.keys.map((k) => k.kid),
  tokenKid: header.kid,
  alg: protectedHeader.alg,
  verifiedSub: payload.sub,
  verifiedIssuer: payload.iss,
  hasuraClaims: payload['https://hasura.io/jwt/claims'],
};
results.wrongIssuer = await jwtVerify(session.accessToken, jwks, { issuer: 'https://not-the-issuer' }).then(
  () => 'accepted',
  (err) => err.code,
);

// --- explicit refresh: rotates; the old token is refused (reuse interval 0) ---
step('explicit refresh');
const refreshed = await nhost.auth.refreshToken({ refreshToken: session.refreshToken });
check(refreshed.status === 200, `refresh status ${refreshed.status}`);
results.refresh = {
  status: refreshed.status,
  rotated: refreshed.body.refreshToken !== session.refreshToken,
  sameRefreshTokenId: refreshed.body.refreshTokenId === session.refreshTokenId,
  sameUser: refreshed.body.user?.id === session.user.id,
  storedBySdk: nhost.getUserSession()?.refreshToken === refreshed.body.refreshToken,
};
// A reuse of a rotated token revokes its family. A client without middleware (no stored session, no
// auto-refresh) presents raw tokens, so the SDK's own session handling cannot mask the server's answer.
const bare = createNhostClient({ authUrl: AUTH_URL, configure: [] });
results.oldRefreshToken = await expectFetchError(
  () => bare.auth.refreshToken({ refreshToken: session.refreshToken }),
  'refreshing with the rotated (old) refresh token',
);
results.successorAfterReuse = await expectFetchError(
  () => bare.auth.refreshToken({ refreshToken: refreshed.body.refreshToken }),
  'refreshing with the successor after a reuse (family revoked)',
);

// --- the SDK's own refresh path: nhost.refreshSession(0) forces a refresh with the stored token ---
step('SDK refreshSession and auto-refresh middleware');
const fresh = await nhost.auth.signInEmailPassword({ email, password });
const beforeAuto = nhost.getUserSession();
check(beforeAuto?.refreshToken === fresh.body.session.refreshToken, 'SDK stored the new sign-in session');
const auto = await nhost.refreshSession(0);
check(auto, 'nhost.refreshSession(0) returned a session');
const afterAuto = nhost.getUserSession();
results.sdkRefreshSession = {
  rotated: auto.refreshToken !== beforeAuto.refreshToken,
  stored: afterAuto?.refreshToken === auto.refreshToken,
  decodedExpInFuture: (afterAuto?.decodedToken?.exp ?? 0) > Date.now(),
};
// The auto-refresh middleware: with a margin longer than the token's lifetime, every request first
// refreshes through POST {AUTH_URL}/token (the middleware skips only URLs ending in /v1/token, so this
// also proves the /v1 prefix), then attaches the new access token.
const refreshesSeen = [];
const margin = createNhostClient({
  authUrl: AUTH_URL,
  configure: [
    ({ auth, sessionStorage }) => {
      auth.pushChainFunction((next) => async (url, options) => {
        if (url.endsWith('/token')) refreshesSeen.push(url);
        return next(url, options);
      });
      auth.pushChainFunction(sessionRefreshMiddleware(auth, sessionStorage, { marginSeconds: 24 * 3600 }));
      auth.pushChainFunction(updateSessionFromResponseMiddleware(sessionStorage));
      auth.pushChainFunction(attachAccessTokenMiddleware(sessionStorage));
    },
  ],
});
await margin.auth.signInEmailPassword({ email, password });
const marginBefore = margin.getUserSession();
const userViaMiddleware = await margin.auth.getUser();
const marginAfter = margin.getUserSession();
results.sdkAutoRefreshMiddleware = {
  refreshCalls: refreshesSeen.length,
  rotated: marginAfter.refreshToken !== marginBefore.refreshToken,
  getUserStatus: userViaMiddleware.status,
  sameUser: userViaMiddleware.body.id === session.user.id,
};

// --- sign out: the refresh token is refused afterwards; the SDK clears its storage ---
step('sign out');
const current = nhost.getUserSession();
const signOut = await nhost.auth.signOut({ refreshToken: current.refreshToken });
results.signOut = { status: signOut.status, body: signOut.body, clearedBySdk: nhost.getUserSession() === null };
results.refreshAfterSignOut = await expectFetchError(
  () => bare.auth.refreshToken({ refreshToken: current.refreshToken }),
  'refreshing after sign-out',
);
// The margin client's token, revoked by another client's sign-out, is refused too.
const marginToken = margin.getUserSession().refreshToken;
await bare.auth.signOut({ refreshToken: marginToken });
results.refreshAfterOtherSignOut = await expectFetchError(
  () => bare.auth.refreshToken({ refreshToken: marginToken }),
  'refreshing a token signed out by another client',
);

// --- sign out of all sessions needs a bearer token ---
step('sign out of all sessions');
const everywhere = createClient({ authUrl: AUTH_URL });
await everywhere.auth.signInEmailPassword({ email, password });
const lastSession = everywhere.getUserSession();
const signOutAll = await everywhere.auth.signOut({ all: true });
results.signOutAll = { status: signOutAll.status, body: signOutAll.body };
results.refreshAfterSignOutAll = await expectFetchError(
  () => bare.auth.refreshToken({ refreshToken: lastSession.refreshToken }),
  'refreshing after sign-out of all sessions',
);

// --- health and version through the SDK ---
step('health and version');
results.health = (await nhost.auth.healthCheckGet()).body;
results.version = (await nhost.auth.getVersion()).body;

process.stdout.write(`${JSON.stringify(results)}\n`);
