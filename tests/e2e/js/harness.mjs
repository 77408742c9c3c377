// What the nhost-js flow scripts share: the environment, named steps, checks, SDK errors, JWT
// claims and the server's dev outbox. Each script prints one JSON object of observations on stdout
// (the assertions live in pytest) and exits 1 with a message on stderr on the first failure.
import { FetchError } from '@nhost/nhost-js/fetch';
import { decodeJwt } from 'jose';

export const AUTH_URL = process.env.AUTH_URL; // the Nhost face, e.g. http://127.0.0.1:PORT/v1
export const SERVER_URL = process.env.SERVER_URL; // the server root: GET /dev/outbox lives there
if (!AUTH_URL || !SERVER_URL) {
  console.error('AUTH_URL and SERVER_URL must be set');
  process.exit(2);
}

let currentStep = 'start';
let scriptName = 'script';

/** Names the script, so a failure message says which one failed. */
export function script(name) {
  scriptName = name;
  process.on('uncaughtException', (err) => {
    const detail = err instanceof FetchError ? ` (HTTP ${err.status}: ${JSON.stringify(err.body)})` : '';
    console.error(`${scriptName} failed at step "${currentStep}": ${err?.message ?? err}${detail}`);
    if (!(err instanceof FetchError) && err?.stack) console.error(err.stack);
    process.exit(1);
  });
}

/** Names the step running now, so a failure says where it happened. */
export function step(name) {
  currentStep = name;
}

export function check(condition, message) {
  if (!condition) throw new Error(`check failed: ${message}`);
}

/** Runs `call`, which must fail with the SDK's FetchError; returns {status, body, message} of the error. */
export async function expectFetchError(call, what) {
  try {
    await call();
  } catch (err) {
    check(err instanceof FetchError, `${what}: expected a FetchError, got ${err}`);
    return { status: err.status, body: err.body, message: err.message };
  }
  throw new Error(`check failed: ${what} succeeded but should have failed`);
}

/** The claims of an access token (read, not verified: nhost_flow.mjs verifies signatures with jose). */
export function claimsOf(accessToken) {
  const payload = decodeJwt(accessToken);
  return { amr: payload.amr ?? null, sub: payload.sub, hasura: payload['https://hasura.io/jwt/claims'] };
}

/** A fresh address; lower case, as the server stores and the outbox lists it. */
export function uniqueEmail(prefix) {
  return `${prefix}-${Date.now()}-${Math.random().toString(16).slice(2)}@example.com`;
}

/**
 * The newest dev-outbox message to `to` whose text matches `pattern`, polled: the email routes
 * answer before the message is written (no enumeration through timing), so it shows up a moment later.
 * Returns {message, match}.
 */
export async function waitForMessage(to, pattern, { timeoutMs = 10_000 } = {}) {
  const url = `${SERVER_URL}/dev/outbox?to=${encodeURIComponent(to)}`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const response = await fetch(url);
    check(response.status === 200, `GET /dev/outbox answered ${response.status}`);
    const { messages } = await response.json();
    for (const message of messages) {
      const match = pattern.exec(message.text ?? '');
      if (match) return { message, match };
    }
    if (Date.now() > deadline) throw new Error(`no outbox message to ${to} matching ${pattern} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export function report(results) {
  process.stdout.write(`${JSON.stringify(results)}\n`);
}
