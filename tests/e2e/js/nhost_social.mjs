// Social sign-in with the real @nhost/nhost-js v4 SDK (docs/social.md): signInProviderURL builds the
// URL the browser opens (the pytest driver plays the browser and the upstream login), then the redirect's refresh token becomes the SDK's session, getProviderTokens reads
// the provider's tokens once, and signInIdToken signs the same user in with an ID token.
//
// Run by tests/e2e/test_social_providers.py (on its servers) in two modes:
//   MODE=urls     AUTH_URL=.../v1 SERVER_URL=... node nhost_social.mjs
//   MODE=session  ... REFRESH_TOKEN=... ID_TOKEN=... NONCE=... node nhost_social.mjs
import { createClient } from '@nhost/nhost-js';
import { AUTH_URL, SERVER_URL, check, claimsOf, expectFetchError, report, script, step } from './harness.mjs';

script('nhost_social');
const nhost = createClient({ authUrl: AUTH_URL });
const results = {};

if (process.env.MODE === 'urls') {
  step('provider URLs');
  const redirectTo = `${SERVER_URL}/healthz`;
  results.signIn = nhost.auth.signInProviderURL('google', {
    redirectTo, displayName: 'Js User', metadata: { from: 'nhost-js' }, allowedRoles: ['user', 'me'],
  });
} else {
  step('the redirect\'s refresh token as the session');
  const refreshed = await nhost.auth.refreshToken({ refreshToken: process.env.REFRESH_TOKEN });
  const user = refreshed.body.user;
  results.session = {
    status: refreshed.status, userId: user.id, email: user.email, displayName: user.displayName,
    metadata: user.metadata, amr: claimsOf(refreshed.body.accessToken).amr,
    storedBySdk: nhost.getUserSession()?.user?.id === user.id,
  };

  step('getProviderTokens');
  const tokens = await nhost.auth.getProviderTokens('google');
  results.providerTokens = {
    status: tokens.status, hasAccessToken: Boolean(tokens.body.accessToken),
    hasRefreshToken: Boolean(tokens.body.refreshToken), expiresIn: tokens.body.expiresIn,
    expiresAtIsDate: !Number.isNaN(Date.parse(tokens.body.expiresAt)),
  };
  step('getProviderTokens again');
  const again = await expectFetchError(() => nhost.auth.getProviderTokens('google'), 'second read');
  results.providerTokensAgain = { status: again.status, error: again.body?.error };

  step('refreshProviderToken');
  const renewed = await nhost.auth.refreshProviderToken('google', { refreshToken: tokens.body.refreshToken });
  results.providerRefresh = {
    status: renewed.status, newAccessToken: renewed.body.accessToken !== tokens.body.accessToken,
  };

  step('signInIdToken');
  const fresh = createClient({ authUrl: AUTH_URL });
  const signedIn = await fresh.auth.signInIdToken({
    provider: 'google', idToken: process.env.ID_TOKEN, nonce: process.env.NONCE,
  });
  check(signedIn.body.session, 'signInIdToken answered no session');
  results.idToken = {
    status: signedIn.status, userId: signedIn.body.session.user.id,
    storedBySdk: fresh.getUserSession()?.user?.id === signedIn.body.session.user.id,
  };
  step('signInIdToken with the wrong nonce');
  const wrong = await expectFetchError(
    () => createClient({ authUrl: AUTH_URL }).auth.signInIdToken({
      provider: 'google', idToken: process.env.ID_TOKEN, nonce: 'not-the-nonce',
    }),
    'a wrong nonce',
  );
  results.idTokenWrongNonce = { status: wrong.status, error: wrong.body?.error };
}

report(results);
