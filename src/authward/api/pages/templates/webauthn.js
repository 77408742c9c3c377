// Passkeys on the hosted pages: the only script they load, and only where passkeys are on.
//
// Login page: "Sign in with a passkey" (and, where the browser offers it, the passkey autofill of the
// email field: conditional mediation). The options come from POST /signin/webauthn; the browser's
// answer is posted, as JSON in a hidden field of an ordinary form, to /login/passkey, which verifies
// it and sets the login cookie like a password sign-in.
// Account page: "Add a passkey": options from POST /account/passkeys/options, the new credential
// posted to /account/passkeys/add.
// Without WebAuthn in the browser the forms stay hidden; the pages work as before.
'use strict';

(() => {
  const toBytes = (text) => {
    const b64 = text.replace(/-/g, '+').replace(/_/g, '/');
    const bin = atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4));
    return Uint8Array.from(bin, (c) => c.charCodeAt(0));
  };
  const toText = (buffer) => {
    if (!buffer) return undefined;
    let bin = '';
    for (const byte of new Uint8Array(buffer)) bin += String.fromCharCode(byte);
    return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  };
  const descriptors = (list) => (list || []).map((d) => ({ ...d, id: toBytes(d.id) }));

  const creationOptions = (json) => ({
    ...json,
    challenge: toBytes(json.challenge),
    user: { ...json.user, id: toBytes(json.user.id) },
    excludeCredentials: descriptors(json.excludeCredentials),
  });
  const requestOptions = (json) => ({
    ...json,
    challenge: toBytes(json.challenge),
    allowCredentials: descriptors(json.allowCredentials),
  });

  // The credential as JSON, in the shape @simplewebauthn/browser produces (what the server reads).
  const credentialJson = (credential) => {
    const r = credential.response;
    const response = { clientDataJSON: toText(r.clientDataJSON) };
    if (r.attestationObject) {
      response.attestationObject = toText(r.attestationObject);
      if (r.getTransports) response.transports = r.getTransports();
    } else {
      response.authenticatorData = toText(r.authenticatorData);
      response.signature = toText(r.signature);
      if (r.userHandle) response.userHandle = toText(r.userHandle);
    }
    return {
      id: credential.id,
      rawId: toText(credential.rawId),
      type: credential.type,
      authenticatorAttachment: credential.authenticatorAttachment || undefined,
      clientExtensionResults: credential.getClientExtensionResults ? credential.getClientExtensionResults() : {},
      response,
    };
  };

  const post = async (url, init) => {
    const answer = await fetch(url, { method: 'POST', credentials: 'same-origin', ...init });
    if (!answer.ok) throw new Error(`${url} answered ${answer.status}`);
    return answer.json();
  };
  const aborted = (error) => error && error.name === 'AbortError';

  const show = (form, message) => {
    const alert = document.getElementById(form.dataset.alert);
    if (!alert) return;
    alert.textContent = message;
    alert.hidden = false;
  };

  // -- sign in
  const signIn = document.getElementById('passkey-sign-in');
  if (signIn && window.PublicKeyCredential && navigator.credentials) {
    signIn.hidden = false;
    let running = null;

    const run = async (mediation) => {
      if (running) running.abort();
      const controller = new AbortController();
      running = controller;
      const email = mediation === 'conditional' ? '' : (document.getElementById('email')?.value || '').trim();
      const options = await post('/signin/webauthn', {
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(email.includes('@') ? { email } : {}),
      });
      const credential = await navigator.credentials.get({
        publicKey: requestOptions(options),
        mediation,
        signal: controller.signal,
      });
      if (!credential) return;
      signIn.elements.credential.value = JSON.stringify(credentialJson(credential));
      signIn.submit();
    };

    signIn.querySelector('button').addEventListener('click', () => {
      run('optional').catch((error) => {
        if (!aborted(error)) show(signIn, signIn.dataset.failed);
      });
    });
    const conditional = PublicKeyCredential.isConditionalMediationAvailable;
    if (conditional) {
      conditional.call(PublicKeyCredential).then((available) => {
        if (available) run('conditional').catch(() => {}); // the autofill offer: silent unless chosen
      });
    }
  }

  // -- add a passkey
  const add = document.getElementById('passkey-add');
  if (add && window.PublicKeyCredential && navigator.credentials) {
    add.hidden = false;
    add.addEventListener('submit', async (event) => {
      if (add.elements.credential.value) return; // the credential is in: let the form go
      event.preventDefault();
      try {
        const options = await post('/account/passkeys/options', {
          body: new URLSearchParams({ csrf_token: add.elements.csrf_token.value }),
        });
        const credential = await navigator.credentials.create({ publicKey: creationOptions(options) });
        add.elements.credential.value = JSON.stringify(credentialJson(credential));
        add.submit();
      } catch (error) {
        if (!aborted(error)) show(add, add.dataset.failed);
      }
    });
  }
})();
