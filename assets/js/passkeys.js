// Passkeys (WebAuthn) for OneThing: our own small script, no library.
//
// Forms marked data-passkey="register" or data-passkey="sign-in" start hidden; this script
// reveals them only where the browser supports WebAuthn, so without JavaScript (or without
// WebAuthn) the page's other forms, such as the SMS sign-in, are all a person sees.
// Every message shown comes from the form's data-msg-* attributes or from the server's
// problem details, both already in the page's language.
(() => {
  'use strict';

  const supported = () =>
    typeof window.PublicKeyCredential === 'function' &&
    !!navigator.credentials &&
    typeof navigator.credentials.create === 'function';

  // --- base64url <-> ArrayBuffer ------------------------------------------------------------

  const toBuffer = (base64url) => {
    const base64 = base64url.replace(/-/g, '+').replace(/_/g, '/');
    const binary = atob(base64 + '='.repeat((4 - (base64.length % 4)) % 4));
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i += 1) bytes[i] = binary.charCodeAt(i);
    return bytes.buffer;
  };

  const toBase64url = (buffer) => {
    const bytes = new Uint8Array(buffer);
    let binary = '';
    for (let i = 0; i < bytes.length; i += 1) binary += String.fromCharCode(bytes[i]);
    return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  };

  // --- options from the server, credentials back to it -------------------------------------

  const descriptors = (list) => (list || []).map((item) => ({ ...item, id: toBuffer(item.id) }));

  const creationOptions = (json) => ({
    ...json,
    challenge: toBuffer(json.challenge),
    user: { ...json.user, id: toBuffer(json.user.id) },
    excludeCredentials: descriptors(json.excludeCredentials),
  });

  const requestOptions = (json) => ({
    ...json,
    challenge: toBuffer(json.challenge),
    allowCredentials: descriptors(json.allowCredentials),
  });

  const credentialJSON = (credential) => {
    const response = credential.response;
    const body = {
      id: credential.id,
      rawId: toBase64url(credential.rawId),
      type: credential.type,
      authenticatorAttachment: credential.authenticatorAttachment || undefined,
      clientExtensionResults: credential.getClientExtensionResults(),
      response: { clientDataJSON: toBase64url(response.clientDataJSON) },
    };
    if (response.attestationObject) {
      body.response.attestationObject = toBase64url(response.attestationObject);
      body.response.transports =
        typeof response.getTransports === 'function' ? response.getTransports() : [];
    } else {
      body.response.authenticatorData = toBase64url(response.authenticatorData);
      body.response.signature = toBase64url(response.signature);
      if (response.userHandle) body.response.userHandle = toBase64url(response.userHandle);
    }
    return body;
  };

  // --- talking to the server ---------------------------------------------------------------

  class Refused extends Error {}

  const post = async (form, url, payload) => {
    const token = form.querySelector('input[name="_csrf_token"]');
    const response = await fetch(url, {
      method: 'POST',
      credentials: 'same-origin',
      headers: {
        Accept: 'application/json',
        'Content-Type': 'application/json',
        'X-CSRFToken': token ? token.value : '',
      },
      body: JSON.stringify(payload),
    });
    const answer = await response.json().catch(() => ({}));
    if (!response.ok) {
      const field = (answer.errors || [])[0];
      throw new Refused((field && field.message) || answer.detail || form.dataset.msgFailed);
    }
    return answer;
  };

  const say = (form, message) => {
    const status = form.querySelector('[data-passkey-status]');
    if (status) status.textContent = message;
  };

  const explain = (form, error) => {
    if (error instanceof Refused) return error.message;
    if (error && error.name === 'NotAllowedError') return form.dataset.msgCancelled;
    if (error && error.name === 'InvalidStateError' && form.dataset.msgExists) {
      return form.dataset.msgExists;
    }
    return form.dataset.msgFailed;
  };

  // --- the two ceremonies ------------------------------------------------------------------

  const register = async (form) => {
    const options = await post(form, form.dataset.optionsUrl, {});
    const credential = await navigator.credentials.create({
      publicKey: creationOptions(options.publicKey),
    });
    return post(form, form.action, {
      ceremony: options.ceremony,
      name: form.elements.name.value,
      credential: credentialJSON(credential),
    });
  };

  const signIn = async (form) => {
    const options = await post(form, form.dataset.optionsUrl, {});
    const credential = await navigator.credentials.get({
      publicKey: requestOptions(options.publicKey),
    });
    return post(form, form.action, {
      ceremony: options.ceremony,
      credential: credentialJSON(credential),
      next: form.dataset.next || '/me',
    });
  };

  const ceremonies = { register, 'sign-in': signIn };

  document.addEventListener('submit', async (event) => {
    const form = event.target;
    const ceremony = form instanceof HTMLFormElement && ceremonies[form.dataset.passkey];
    if (!ceremony) return;
    event.preventDefault();
    const button = form.querySelector('button[type="submit"]');
    if (button) button.disabled = true;
    say(form, form.dataset.msgWorking);
    try {
      const done = await ceremony(form);
      window.location.assign(done.redirect);
    } catch (error) {
      say(form, explain(form, error));
      if (button) button.disabled = false;
    }
  });

  // --- progressive enhancement -------------------------------------------------------------

  const reveal = () => {
    if (!supported()) return;
    document.querySelectorAll('form[data-passkey][hidden]').forEach((form) => {
      form.hidden = false;
    });
    document.querySelectorAll('[data-passkey-unsupported]').forEach((note) => {
      note.hidden = true;
    });
  };

  reveal();
  // hx-boost swaps the page body without reloading this script.
  document.addEventListener('htmx:load', reveal);
})();
