// A software WebAuthn authenticator for the nhost-js scripts, on node's crypto: ECDSA P-256 (COSE -7)
// keys, real `none` attestations and signed assertions. It plays the browser too: given the options
// the server answered, it returns the JSON @simplewebauthn/browser produces (RegistrationResponseJSON,
// AuthenticationResponseJSON). The Python twin is tests/webauthn_authenticator.py.
import { createHash, generateKeyPairSync, randomBytes, sign } from 'node:crypto';

const b64url = (bytes) => Buffer.from(bytes).toString('base64url');
const fromB64url = (text) => Buffer.from(text, 'base64url');
const sha256 = (data) => createHash('sha256').update(data).digest();

// The CBOR a WebAuthn attestation needs: integers, byte and text strings, arrays, maps (RFC 8949).
function head(major, length) {
  if (length < 24) return Buffer.from([(major << 5) | length]);
  if (length < 0x100) return Buffer.from([(major << 5) | 24, length]);
  if (length < 0x10000) return Buffer.from([(major << 5) | 25, length >> 8, length & 0xff]);
  const out = Buffer.alloc(5);
  out[0] = (major << 5) | 26;
  out.writeUInt32BE(length, 1);
  return out;
}

export function cbor(value) {
  if (Buffer.isBuffer(value) || value instanceof Uint8Array) return Buffer.concat([head(2, value.length), value]);
  if (typeof value === 'string') {
    const text = Buffer.from(value, 'utf8');
    return Buffer.concat([head(3, text.length), text]);
  }
  if (Number.isInteger(value)) return value >= 0 ? head(0, value) : head(1, -1 - value);
  if (Array.isArray(value)) return Buffer.concat([head(4, value.length), ...value.map(cbor)]);
  const entries = value instanceof Map ? [...value.entries()] : Object.entries(value);
  return Buffer.concat([head(5, entries.length), ...entries.flatMap(([k, v]) => [cbor(k), cbor(v)])]);
}

const FLAG_UP = 0x01;
const FLAG_UV = 0x04;
const FLAG_AT = 0x40;
const AAGUID = Buffer.alloc(16, 0x2a);

export class SoftAuthenticator {
  constructor(origin) {
    this.origin = origin;
    this.keys = [];
  }

  #authData(rpId, flags, count) {
    const counter = Buffer.alloc(4);
    counter.writeUInt32BE(count);
    return Buffer.concat([sha256(rpId), Buffer.from([flags]), counter]);
  }

  #clientData(type, challenge, origin) {
    return Buffer.from(JSON.stringify({ type, challenge, origin: origin ?? this.origin, crossOrigin: false }));
  }

  /** navigator.credentials.create(): a new passkey for the options' RP and user. */
  create(options, { origin } = {}) {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwk = publicKey.export({ format: 'jwk' });
    const key = {
      id: randomBytes(32), privateKey, rpId: options.rp.id, userHandle: fromB64url(options.user.id), count: 0,
    };
    const cose = cbor(new Map([[1, 2], [3, -7], [-1, 1], [-2, fromB64url(jwk.x)], [-3, fromB64url(jwk.y)]]));
    const idLength = Buffer.alloc(2);
    idLength.writeUInt16BE(key.id.length);
    const authData = Buffer.concat([
      this.#authData(key.rpId, FLAG_UP | FLAG_UV | FLAG_AT, 0), AAGUID, idLength, key.id, cose,
    ]);
    const attestationObject = cbor(new Map([['fmt', 'none'], ['attStmt', new Map()], ['authData', authData]]));
    this.keys.push(key);
    return {
      id: b64url(key.id), rawId: b64url(key.id), type: 'public-key',
      response: {
        clientDataJSON: b64url(this.#clientData('webauthn.create', options.challenge, origin)),
        attestationObject: b64url(attestationObject), transports: ['internal'],
      },
      authenticatorAttachment: 'platform', clientExtensionResults: {},
    };
  }

  /** navigator.credentials.get(): an assertion by the newest key the options allow. */
  get(options, { origin } = {}) {
    const allowed = (options.allowCredentials ?? []).map((d) => d.id);
    const key = [...this.keys].reverse().find(
      (k) => k.rpId === options.rpId && (allowed.length === 0 || allowed.includes(b64url(k.id))),
    );
    if (!key) throw new Error('no key of this authenticator fits the options');
    key.count += 1;
    const clientData = this.#clientData('webauthn.get', options.challenge, origin);
    const authData = this.#authData(key.rpId, FLAG_UP | FLAG_UV, key.count);
    const signature = sign('sha256', Buffer.concat([authData, sha256(clientData)]), key.privateKey);
    return {
      id: b64url(key.id), rawId: b64url(key.id), type: 'public-key',
      response: {
        clientDataJSON: b64url(clientData), authenticatorData: b64url(authData),
        signature: b64url(signature), userHandle: b64url(key.userHandle),
      },
      authenticatorAttachment: 'platform', clientExtensionResults: {},
    };
  }
}
