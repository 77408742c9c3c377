// Users imported with `authward users import` sign in through the real @nhost/nhost-js v4 SDK with the
// passwords they had at the old server (bcrypt hashes, upgraded to argon2id on this first sign-in).
//
// Run by tests/e2e/test_user_import_e2e.py:  AUTH_URL=.../v1 SERVER_URL=... USERS='[{...}]' node nhost_imported.mjs
import { createClient } from '@nhost/nhost-js';
import { AUTH_URL, check, expectFetchError, report, script, step } from './harness.mjs';

script('nhost_imported');
const users = JSON.parse(process.env.USERS ?? '[]');
check(users.length > 0, 'USERS lists the imported users to sign in');
const results = { signIns: [] };

for (const { email, password, id } of users) {
  step(`sign in ${email}`);
  const nhost = createClient({ authUrl: AUTH_URL });
  const signIn = await nhost.auth.signInEmailPassword({ email, password });
  const session = signIn.body.session;
  check(session, `sign-in of ${email} returned a session`);
  results.signIns.push({
    status: signIn.status,
    email: session.user.email,
    sameId: session.user.id === id,
    storedBySdk: nhost.getUserSession()?.refreshToken === session.refreshToken,
    roles: session.user.roles,
  });
  step(`sign in ${email} again, after the rehash`);
  const again = await nhost.auth.signInEmailPassword({ email, password });
  check(again.status === 200, `second sign-in of ${email}`);
}

step('wrong password');
const nhost = createClient({ authUrl: AUTH_URL });
results.wrongPassword = await expectFetchError(
  () => nhost.auth.signInEmailPassword({ email: users[0].email, password: `${users[0].password}!` }),
  'sign-in with a wrong password',
);
report(results);
