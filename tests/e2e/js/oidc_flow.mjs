// The real `openid-client` v6 (panva) against the server's OAuth 2.0 / OpenID Connect provider.
//
// Run by tests/e2e/test_openid_client.py:
//   ISSUER=http://127.0.0.1:PORT CLIENT_ID=aw_... CLIENT_SECRET=... REDIRECT_URI=... API_AUDIENCE=... API_SCOPE=...
//   node oidc_flow.mjs
// For each client authentication method (client_secret_basic, client_secret_post): discovery, the
// authorization code flow with PKCE through Nhost's login contract (a user signed in with plain fetch
// to the Nhost face, then POST /oauth2/login with that user's bearer token), refresh, userinfo,
// introspection, revocation, client credentials, and a wrong secret. Prints one JSON object of what it
// saw on stdout (the assertions live in pytest); exits 1 with the failing step on stderr.
import * as client from 'openid-client';
import { decodeJwt } from 'jose';

const { ISSUER, CLIENT_ID, CLIENT_SECRET, REDIRECT_URI, API_AUDIENCE, API_SCOPE } = process.env;
for (const [name, value] of Object.entries({ ISSUER, CLIENT_ID, CLIENT_SECRET, REDIRECT_URI, API_AUDIENCE, API_SCOPE })) {
  if (!value) {
    console.error(`${name} must be set`);
    process.exit(2);
  }
}

let currentStep = 'start';
const step = (name) => {
  currentStep = name;
};
process.on('uncaughtException', (err) => {
  console.error(`oidc_flow failed at step "${currentStep}": ${describe(err)}`);
  if (err?.stack) console.error(err.stack);
  process.exit(1);
});
process.on('unhandledRejection', (err) => {
  throw err;
});

function check(condition, message) {
  if (!condition) throw new Error(`check failed: ${message}`);
}

function describe(err) {
  const parts = [`${err?.name}: ${err?.message ?? err}`];
  if (err?.code) parts.push(`code=${err.code}`);
  if (err?.status) parts.push(`status=${err.status}`);
  if (err?.error) parts.push(`error=${err.error}`);
  if (err?.cause) parts.push(`cause=${JSON.stringify(err.cause)}`);
  return parts.join(' ');
}

/** What an SDK error says: its class, code, HTTP status, the OAuth `error`, and the body when readable. */
async function sdkError(call, what) {
  try {
    await call();
  } catch (err) {
    const seen = { name: err.name, code: err.code ?? null, status: err.status ?? null, error: err.error ?? null };
    if (err instanceof client.WWWAuthenticateChallengeError) {
      seen.challenges = err.cause;
      // The SDK stops at the challenge header; the RFC 6749 body is still there to read.
      seen.body = await err.response.json().catch(() => null);
    } else if (err instanceof client.ResponseBodyError) {
      seen.body = err.cause;
    }
    return seen;
  }
  throw new Error(`check failed: ${what} succeeded but should have failed`);
}

async function nhost(path, body, accessToken) {
  const headers = { 'content-type': 'application/json', accept: 'application/json' };
  if (accessToken) headers.authorization = `Bearer ${accessToken}`;
  const response = await fetch(new URL(path, ISSUER), { method: 'POST', headers, body: JSON.stringify(body) });
  const text = await response.text();
  let json = null;
  try {
    json = JSON.parse(text);
  } catch {
    // not JSON: kept as text below
  }
  return { status: response.status, body: json ?? text };
}

const pathOf = (url) => new URL(url, ISSUER).pathname;
const auths = {
  client_secret_basic: (secret) => client.ClientSecretBasic(secret),
  client_secret_post: (secret) => client.ClientSecretPost(secret),
};
const discover = (secret, method) =>
  client.discovery(new URL(ISSUER), CLIENT_ID, undefined, auths[method](secret), {
    execute: [client.allowInsecureRequests],
  });

const results = { flows: {} };

// --- a user, signed in through the Nhost face (the app's own login UI would do this) ---
step('sign up');
const email = `oidc-${Date.now()}-${Math.random().toString(16).slice(2)}@example.com`;
const password = 'correct horse battery staple';
const signUp = await nhost('/signup/email-password', { email, password, options: { displayName: 'OIDC User' } });
check(signUp.status === 200, `sign-up answered ${signUp.status}: ${JSON.stringify(signUp.body)}`);
step('sign in');
const signIn = await nhost('/signin/email-password', { email, password });
check(signIn.status === 200, `sign-in answered ${signIn.status}: ${JSON.stringify(signIn.body)}`);
const userId = signIn.body.session.user.id;
const userAccessToken = signIn.body.session.accessToken;
results.user = { id: userId, email, signUpStatus: signUp.status, signInStatus: signIn.status };

// --- discovery ---
step('discovery');
const discovered = await discover(CLIENT_SECRET, 'client_secret_basic');
const metadata = discovered.serverMetadata();
results.discovery = {
  issuer: metadata.issuer,
  supportsPKCE: metadata.supportsPKCE(),
  authorizationEndpoint: metadata.authorization_endpoint,
  tokenEndpoint: metadata.token_endpoint,
  userinfoEndpoint: metadata.userinfo_endpoint,
  introspectionEndpoint: metadata.introspection_endpoint,
  revocationEndpoint: metadata.revocation_endpoint,
  jwksUri: metadata.jwks_uri,
  issParameterSupported: metadata.authorization_response_iss_parameter_supported,
  clientId: discovered.clientMetadata().client_id,
};

for (const method of Object.keys(auths)) {
  const flow = {};
  results.flows[method] = flow;
  step(`${method}: discovery`);
  const config = await discover(CLIENT_SECRET, method);
  // The ID token's signature too, against our JWKS (by default the SDK trusts the TLS of the token endpoint).
  client.enableNonRepudiationChecks(config);

  // --- the authorization code flow with PKCE, through Nhost's login contract ---
  step(`${method}: authorization URL`);
  const codeVerifier = client.randomPKCECodeVerifier();
  const codeChallenge = await client.calculatePKCECodeChallenge(codeVerifier);
  const state = client.randomState();
  const nonce = client.randomNonce();
  const authorizationUrl = client.buildAuthorizationUrl(config, {
    redirect_uri: REDIRECT_URI,
    scope: 'openid profile email offline_access',
    code_challenge: codeChallenge,
    code_challenge_method: 'S256',
    state,
    nonce,
  });
  step(`${method}: GET /authorize`);
  const authorize = await fetch(authorizationUrl, { redirect: 'manual' });
  const location = authorize.headers.get('location');
  check(location, `/authorize answered ${authorize.status} without a Location: ${await authorize.text()}`);
  const loginUrl = new URL(location, ISSUER);
  const requestId = loginUrl.searchParams.get('request_id');
  flow.authorize = {
    status: authorize.status,
    path: authorizationUrl.pathname,
    locationPath: loginUrl.pathname,
    requestIdIsUuid: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(requestId ?? ''),
  };

  step(`${method}: GET /oauth2/login`);
  const described = await fetch(new URL(`/oauth2/login?request_id=${requestId}`, ISSUER));
  const describedBody = await described.json();
  flow.loginRequest = { status: described.status, ...describedBody };

  step(`${method}: POST /oauth2/login`);
  const login = await nhost('/oauth2/login', { requestId }, userAccessToken);
  check(login.status === 200, `POST /oauth2/login answered ${login.status}: ${JSON.stringify(login.body)}`);
  const callback = new URL(login.body.redirectUri);
  flow.callback = {
    status: login.status,
    base: `${callback.origin}${callback.pathname}`,
    hasCode: Boolean(callback.searchParams.get('code')),
    stateMatches: callback.searchParams.get('state') === state,
    iss: callback.searchParams.get('iss'),
  };
  const loginAgain = await nhost('/oauth2/login', { requestId }, userAccessToken);
  flow.loginRequestReused = { status: loginAgain.status, error: loginAgain.body?.error ?? null };

  step(`${method}: authorizationCodeGrant`);
  const tokens = await client.authorizationCodeGrant(config, callback, {
    pkceCodeVerifier: codeVerifier,
    expectedState: state,
    expectedNonce: nonce,
    idTokenExpected: true,
  });
  const idClaims = tokens.claims();
  flow.code = {
    tokenType: tokens.token_type,
    scope: tokens.scope,
    expiresIn: tokens.expiresIn(),
    hasRefreshToken: typeof tokens.refresh_token === 'string',
    idToken: {
      sub: idClaims.sub,
      aud: idClaims.aud,
      nonce: idClaims.nonce,
      iss: idClaims.iss,
      email: idClaims.email ?? null,
      hasAuthTime: typeof idClaims.auth_time === 'number',
      expInFuture: idClaims.exp > Date.now() / 1000,
    },
    accessToken: (({ sub, aud, scope, client_id: clientId, iss }) => ({ sub, aud, scope, clientId, iss }))(
      decodeJwt(tokens.access_token),
    ),
  };
  flow.codeReplay = await sdkError(
    () => client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: codeVerifier, expectedState: state }),
    'a second use of the code',
  );
  // ... and what the code gave is revoked (RFC 6749 §4.1.2)
  flow.codeReplay.refreshAfter = { active: (await client.tokenIntrospection(config, tokens.refresh_token)).active };

  // --- refresh (the code replay above revoked that session: RFC 6749 §4.1.2; sign in again for the rest) ---
  step(`${method}: second authorization`);
  const verifier2 = client.randomPKCECodeVerifier();
  const state2 = client.randomState();
  const nonce2 = client.randomNonce();
  const authorize2 = await fetch(
    client.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT_URI,
      scope: 'openid profile email offline_access',
      code_challenge: await client.calculatePKCECodeChallenge(verifier2),
      code_challenge_method: 'S256',
      state: state2,
      nonce: nonce2,
    }),
    { redirect: 'manual' },
  );
  const requestId2 = new URL(authorize2.headers.get('location'), ISSUER).searchParams.get('request_id');
  const login2 = await nhost('/oauth2/login', { requestId: requestId2 }, userAccessToken);
  check(login2.status === 200, `second POST /oauth2/login answered ${login2.status}: ${JSON.stringify(login2.body)}`);
  const session = await client.authorizationCodeGrant(config, new URL(login2.body.redirectUri), {
    pkceCodeVerifier: verifier2,
    expectedState: state2,
    expectedNonce: nonce2,
  });
  flow.sessionAfterReplay = { sub: session.claims().sub, hasRefreshToken: typeof session.refresh_token === 'string' };

  step(`${method}: refreshTokenGrant`);
  const refreshed = await client.refreshTokenGrant(config, session.refresh_token);
  const refreshedClaims = refreshed.claims();
  flow.refresh = {
    tokenType: refreshed.token_type,
    rotated: typeof refreshed.refresh_token === 'string' && refreshed.refresh_token !== session.refresh_token,
    newAccessToken: refreshed.access_token !== session.access_token,
    idTokenSub: refreshedClaims?.sub ?? null,
    idTokenAud: refreshedClaims?.aud ?? null,
    idTokenNonce: refreshedClaims?.nonce ?? null,
    scope: refreshed.scope,
  };

  step(`${method}: fetchUserInfo`);
  const userinfo = await client.fetchUserInfo(config, refreshed.access_token, refreshedClaims.sub);
  flow.userinfo = { sub: userinfo.sub, email: userinfo.email ?? null, emailVerified: userinfo.email_verified ?? null };
  flow.userinfoWrongSubject = await sdkError(
    () => client.fetchUserInfo(config, refreshed.access_token, '00000000-0000-0000-0000-000000000000'),
    'userinfo for another subject',
  );

  step(`${method}: tokenIntrospection`);
  const introspectAccess = await client.tokenIntrospection(config, refreshed.access_token);
  const introspectRefresh = await client.tokenIntrospection(config, refreshed.refresh_token, {
    token_type_hint: 'refresh_token',
  });
  const introspectOld = await client.tokenIntrospection(config, session.refresh_token);
  flow.introspection = {
    access: (({ active, sub, client_id: clientId, scope, token_type: tokenType }) => ({
      active, sub, clientId, scope, tokenType,
    }))(introspectAccess),
    refresh: (({ active, sub, client_id: clientId, token_type: tokenType }) => ({ active, sub, clientId, tokenType }))(
      introspectRefresh,
    ),
    rotatedAway: { active: introspectOld.active },
  };

  step(`${method}: tokenRevocation`);
  await client.tokenRevocation(config, refreshed.refresh_token, { token_type_hint: 'refresh_token' });
  const afterRefresh = await client.tokenIntrospection(config, refreshed.refresh_token);
  const afterAccess = await client.tokenIntrospection(config, refreshed.access_token);
  flow.revocation = {
    revoked: true,
    refreshAfter: { active: afterRefresh.active },
    accessAfter: { active: afterAccess.active },
    refreshGrantAfter: await sdkError(() => client.refreshTokenGrant(config, refreshed.refresh_token), 'refresh after revocation'),
    userinfoAfter: await sdkError(() => client.fetchUserInfo(config, refreshed.access_token, userId), 'userinfo after revocation'),
  };
  await client.tokenRevocation(config, 'not-a-token-we-issued'); // RFC 7009: 200 all the same
  flow.revocation.unknownTokenOk = true;

  // --- client credentials, for the registered API ---
  step(`${method}: clientCredentialsGrant`);
  const machine = await client.clientCredentialsGrant(config, { resource: API_AUDIENCE, scope: API_SCOPE });
  const machineClaims = decodeJwt(machine.access_token);
  const byAudience = await client.clientCredentialsGrant(config, { audience: API_AUDIENCE });
  flow.clientCredentials = {
    tokenType: machine.token_type,
    scope: machine.scope,
    expiresIn: machine.expiresIn(),
    hasRefreshToken: machine.refresh_token !== undefined,
    hasIdToken: machine.id_token !== undefined,
    accessToken: { sub: machineClaims.sub, aud: machineClaims.aud, scope: machineClaims.scope, clientId: machineClaims.client_id, iss: machineClaims.iss },
    byAudience: { scope: byAudience.scope, aud: decodeJwt(byAudience.access_token).aud },
    introspection: (({ active, client_id: clientId, aud, scope }) => ({ active, clientId, aud, scope }))(
      await client.tokenIntrospection(config, machine.access_token),
    ),
    unknownAudience: await sdkError(
      () => client.clientCredentialsGrant(config, { resource: 'https://not-registered.example/' }),
      'client credentials for an unregistered API',
    ),
    unknownScope: await sdkError(
      () => client.clientCredentialsGrant(config, { scope: 'admin:everything' }),
      'client credentials with a scope the client may not ask for',
    ),
  };

  // --- a wrong secret ---
  step(`${method}: wrong secret`);
  const wrong = await discover(`${CLIENT_SECRET}x`, method);
  flow.wrongSecret = await sdkError(() => client.clientCredentialsGrant(wrong, { scope: API_SCOPE }), 'a wrong secret');
}

process.stdout.write(`${JSON.stringify(results)}\n`);
