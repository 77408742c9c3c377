// What the auth0 SDK scripts (auth0_v2.mjs, auth0_v4.mjs) share: the environment, one recorded outcome
// per step, SDK errors reduced to {statusCode, error, error_description, body}, the dev outbox, and the
// Nhost routes used to enrol TOTP. Each script prints one JSON object on stdout; the assertions live in
// tests/e2e/test_auth0_sdk.py. A step that fails is recorded (not thrown), so one broken route does not
// hide the others; the script exits 0 unless it could not run at all.
//
// The server runs over HTTPS at https://localhost:PORT with a certificate from a throwaway CA that this
// process trusts through NODE_EXTRA_CA_CERTS (global fetch, node:https, axios and jose all honour it).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { generate } from 'otplib';

/** The version of package `name` as node resolves it from here, or from inside package `from`. */
export function installedVersion(name, from = null) {
  let require = createRequire(import.meta.url);
  if (from) require = createRequire(require.resolve(from));
  const main = require.resolve(name);
  const marker = `/node_modules/${name}/`;
  return JSON.parse(readFileSync(`${main.slice(0, main.lastIndexOf(marker) + marker.length)}package.json`, 'utf8')).version;
}

export const env = {};
for (const name of [
  'DOMAIN', 'CLIENT_ID', 'CLIENT_SECRET', 'RESTRICTED_CLIENT_ID', 'RESTRICTED_CLIENT_SECRET',
  'NO_LEGACY_CLIENT_ID', 'NO_LEGACY_CLIENT_SECRET', 'AUDIENCE', 'CONNECTION', 'LOGOUT_URI', 'RUN_ID',
  'PHONE_1', 'PHONE_2',
]) {
  const value = process.env[name];
  if (!value) {
    console.error(`${name} must be set`);
    process.exit(2);
  }
  env[name] = value;
}
export const BASE = `https://${env.DOMAIN}`;
export const ISSUER = `${BASE}/`;
export const PASSWORD = 'correct horse battery staple';
export const USER_SCOPE = 'openid profile email offline_access';

export const results = {};

/** A fresh address for this run (lower case, as the server stores and the outbox lists it). */
export function email(label) {
  return `${label}-${env.RUN_ID}-${Math.random().toString(16).slice(2, 8)}@example.com`;
}

function parseMaybeJson(text) {
  if (typeof text !== 'string') return text ?? null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * An SDK error, whichever SDK threw it:
 * - v4 `AuthApiError` / `UserInfoError` ({error, error_description, statusCode, body: text}) and `ResponseError`;
 * - v2 rest-facade `SanitizedError` / `APIError` (statusCode, name = body.error, originalError.response.body);
 * - v2 axios errors (tokens.*, users.getInfo, getDelegationToken: err.response.{status, data});
 * - ID-token validation errors (v4 IdTokenValidatorError / jose; v2 jsonwebtoken).
 */
export function describeError(err) {
  const seen = {
    kind: err?.constructor?.name ?? typeof err,
    name: err?.name ?? null,
    message: err?.message ?? String(err),
    code: err?.code ?? null,
    statusCode: null,
    error: null,
    error_description: null,
    body: null,
  };
  if (err?.isAxiosError || (err?.response && typeof err.response.status === 'number' && 'data' in err.response)) {
    seen.statusCode = err.response?.status ?? null;
    seen.body = parseMaybeJson(err.response?.data);
  } else if (typeof err?.statusCode === 'number') {
    seen.statusCode = err.statusCode;
    if ('body' in err) {
      seen.body = parseMaybeJson(err.body); // v4: the raw text
    } else if (err.originalError?.response) {
      const response = err.originalError.response; // v2 rest-facade: superagent's response
      seen.body = response.body && Object.keys(response.body).length ? response.body : parseMaybeJson(response.text);
    }
  }
  if (seen.body && typeof seen.body === 'object') {
    seen.error = seen.body.error ?? seen.body.code ?? null;
    seen.error_description = seen.body.error_description ?? seen.body.description ?? null;
  }
  if (seen.error === null && typeof err?.error === 'string') seen.error = err.error;
  if (seen.error_description === null && typeof err?.error_description === 'string') {
    seen.error_description = err.error_description;
  }
  return seen;
}

/**
 * Runs one step: results[name] = {ok: true, ...what it returned} or {ok: false, error}. Returns that
 * recorded object (so a caller may take a `raw` field back out before the report) or null.
 */
export async function record(name, call) {
  try {
    const value = (await call()) ?? {};
    results[name] = { ok: true, ...value };
    return results[name];
  } catch (err) {
    results[name] = { ok: false, error: describeError(err) };
    if (process.env.AUTH0_DEBUG) console.error(`${name}:`, err);
    return null;
  }
}

/** Runs a call that must fail: results[name] = {failed: true, ...the error} or {failed: false, value}. */
export async function recordFailure(name, call) {
  try {
    const value = await call();
    results[name] = { failed: false, value: summarize(value) };
  } catch (err) {
    results[name] = { failed: true, ...describeError(err) };
  }
  return results[name];
}

/** A step that could not run because an earlier one failed. */
export function skipped(name, because) {
  results[name] = { ok: false, skipped: because };
}

function summarize(value) {
  try {
    return JSON.parse(JSON.stringify(value?.data ?? value ?? null));
  } catch {
    return String(value);
  }
}

/** The claims and header of a JWT (read only: the SDKs verify; this reports what they accepted). */
export function jwt(token) {
  if (typeof token !== 'string') return null;
  const claims = decodeJwt(token);
  const header = decodeProtectedHeader(token);
  return { header: { alg: header.alg, kid: header.kid ?? null, typ: header.typ ?? null }, claims };
}

/** A token set as the server answered it, with the JWTs decoded. */
export function tokenSet(data) {
  return {
    keys: Object.keys(data).sort(),
    token_type: data.token_type ?? null,
    expires_in: data.expires_in ?? null,
    scope: data.scope ?? null,
    hasRefreshToken: typeof data.refresh_token === 'string',
    hasIdToken: typeof data.id_token === 'string',
    idToken: jwt(data.id_token),
    accessToken: jwtOrOpaque(data.access_token),
  };
}

function jwtOrOpaque(token) {
  try {
    return jwt(token);
  } catch {
    return { opaque: true };
  }
}

/** The same JWT with its signature changed (one byte flipped in the middle). */
export function tampered(token) {
  const [head, body, signature] = token.split('.');
  const bytes = Buffer.from(signature, 'base64url');
  bytes[Math.floor(bytes.length / 2)] ^= 0x01;
  return `${head}.${body}.${bytes.toString('base64url')}`;
}

// --- plain HTTPS, for what the SDKs have no method for ---

export async function http(method, path, { json, form, bearer, redirect = 'manual' } = {}) {
  const headers = { accept: 'application/json' };
  let body;
  if (json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(json);
  } else if (form !== undefined) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    body = new URLSearchParams(form).toString();
  }
  if (bearer) headers.authorization = `Bearer ${bearer}`;
  const response = await fetch(new URL(path, BASE), { method, headers, body, redirect });
  const text = await response.text();
  return {
    status: response.status,
    location: response.headers.get('location'),
    contentType: response.headers.get('content-type'),
    body: parseMaybeJson(text),
  };
}

// --- the dev outbox (AUTHWARD_DEV_MODE=true; no SMTP host, so mail and texts stay there) ---

export const CODE = /\b(\d{6})\b/;
export const LINK = /https?:\/\/[^\s"'<>]+/;

/** The `count`-th message (oldest first) to `to` on `channel`, polled: delivery runs after the answer. */
export async function outboxMessage(to, { channel = 'email', count = 1, timeoutMs = 10_000 } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const answer = await http('GET', `/dev/outbox?to=${encodeURIComponent(to)}&limit=50`);
    if (answer.status !== 200) throw new Error(`GET /dev/outbox answered ${answer.status}`);
    const found = answer.body.messages.filter((m) => m.channel === channel).reverse();
    if (found.length >= count) return found[count - 1];
    if (Date.now() > deadline) throw new Error(`no ${channel} #${count} to ${to} in the dev outbox`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The 6-digit code of a message (addresses are left out: a random one may hold six digits in a row). */
export function codeIn(message) {
  const match = CODE.exec((message.text ?? '').replace(/\S+@\S+/g, ' '));
  if (!match) throw new Error(`no 6-digit code in: ${message.text}`);
  return match[1];
}

export function linkIn(message) {
  const match = LINK.exec(message.text ?? '');
  if (!match) throw new Error(`no link in: ${message.text}`);
  return match[0];
}

/**
 * Follows a magic link as a browser would, without running the app: GET the link; if it answers a
 * confirm page with a form (AUTHWARD_VERIFY_CONFIRM_PAGE), POST that form; then report each hop, what
 * the final redirect carries (tokens or a code in the query or fragment, or an error), and who a refresh
 * token it carries signs in.
 */
export async function followLink(link) {
  const hops = [];
  let url = new URL(link);
  let response = await fetch(url, { redirect: 'manual' });
  hops.push({ method: 'GET', path: url.pathname, status: response.status, location: response.headers.get('location') });
  if (response.status === 200) {
    const page = await response.text();
    const form = /<form[^>]*action="([^"]*)"[^>]*>([\s\S]*?)<\/form>/i.exec(page);
    if (form) {
      const fields = {};
      for (const input of form[2].matchAll(/<input[^>]*>/gi)) {
        const name = /name="([^"]*)"/.exec(input[0]);
        const value = /value="([^"]*)"/.exec(input[0]);
        if (name) fields[name[1]] = (value?.[1] ?? '').replaceAll('&amp;', '&');
      }
      url = new URL(form[1].replaceAll('&amp;', '&') || url.href, url);
      response = await fetch(url, {
        method: 'POST', redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(fields).toString(),
      });
      hops.push({ method: 'POST', path: url.pathname, status: response.status, location: response.headers.get('location') });
    }
  }
  const location = hops.at(-1).location;
  const target = location ? new URL(location, url) : null;
  const params = new URLSearchParams(target ? `${target.search.slice(1)}&${target.hash.slice(1)}` : '');
  // The app would now redeem what it was handed: a session's refresh token (Nhost's /v1/token).
  let signedInAs = null;
  const refreshToken = params.get('refreshToken') ?? params.get('refresh_token');
  if (refreshToken) {
    const session = await http('POST', '/v1/token', { json: { refreshToken } });
    signedInAs = { status: session.status, email: session.body?.user?.email ?? null };
  }
  return {
    hops,
    finalStatus: hops.at(-1).status,
    redirectedTo: target ? `${target.origin}${target.pathname}` : null,
    carries: [...params.keys()].filter((key) => key).sort(),
    error: params.get('error'),
    signedInAs,
  };
}

// --- the Nhost face: how a user enrols TOTP today (GET /v1/mfa/totp/generate, POST /v1/user/mfa) ---

export async function enrolTotp(address, password) {
  const signIn = await http('POST', '/v1/signin/email-password', { json: { email: address, password } });
  if (signIn.status !== 200 || !signIn.body?.session) {
    throw new Error(`Nhost sign-in answered ${signIn.status}: ${JSON.stringify(signIn.body)}`);
  }
  const bearer = signIn.body.session.accessToken;
  const generated = await http('GET', '/v1/mfa/totp/generate', { bearer });
  if (generated.status !== 200) throw new Error(`TOTP generate answered ${generated.status}: ${JSON.stringify(generated.body)}`);
  const { totpSecret, recoveryCodes } = generated.body;
  const now = Math.floor(Date.now() / 1000);
  const activation = await generate({ secret: totpSecret, epoch: now });
  const activated = await http('POST', '/v1/user/mfa', { json: { code: activation, activeMfaType: 'totp' }, bearer });
  if (activated.status !== 200) throw new Error(`TOTP activation answered ${activated.status}: ${JSON.stringify(activated.body)}`);
  // The activation used this step's code; the sign-in uses the next step's (±1 step accepted, each once).
  const nextCode = await generate({ secret: totpSecret, epoch: now + 30 });
  return { nextCode, recoveryCodes: recoveryCodes ?? [] };
}

export function report() {
  process.stdout.write(`${JSON.stringify(results)}\n`);
}

process.on('uncaughtException', (err) => {
  console.error(`auth0 script crashed: ${err?.stack ?? err}`);
  process.exit(1);
});
process.on('unhandledRejection', (err) => {
  console.error(`auth0 script crashed: ${err?.stack ?? err}`);
  process.exit(1);
});
