/*
 * The demo page's second factor (../shared/API.md, "Multi-factor authentication"): TOTP
 * enrolment with the QR code, the code step of a login, the recovery codes shown once, and
 * turning MFA off. Builds on app.js through window.demoPage and its events:
 * - `demo:mfa-required` (the login answered { mfaRequired, mfaToken }): ask for the code, then
 *   POST /auth/mfa/verify?mode=cookie, which answers like a cookie-mode login;
 * - `demo:signed-in` / `demo:signed-out`: show or hide the enrolment panel.
 * The mfaToken and the secret live in this closure only, and only as long as they are needed.
 */
(function () {
  'use strict';

  const page = window.demoPage;
  const $ = (id) => document.getElementById(id);
  let pendingMfaToken = null;

  function element(tag, attributes, children) {
    const node = document.createElement(tag);
    Object.entries(attributes || {}).forEach(([name, value]) => {
      if (name === 'text') node.textContent = value;
      else if (name === 'className') node.className = value;
      else node.setAttribute(name, value);
    });
    (children || []).forEach((child) => node.append(child));
    return node;
  }

  /** The server's SVG as an image: shown, never parsed into the page's DOM. */
  function svgImage(svg) {
    const bytes = new TextEncoder().encode(svg);
    let binary = '';
    bytes.forEach((byte) => {
      binary += String.fromCharCode(byte);
    });
    return element('img', {
      id: 'mfa-qr',
      alt: 'QR code for an authenticator app',
      width: '200',
      height: '200',
      src: 'data:image/svg+xml;base64,' + btoa(binary),
    });
  }

  // ---------------------------------------------------------------- login: the code step

  const codeForm = element('form', { id: 'mfa-code-form', className: 'form', hidden: '' }, [
    element('h3', { text: 'Second factor' }),
    element('p', {
      className: 'muted',
      text: 'Enter the 6-digit code of your authenticator app, or one of your recovery codes.',
    }),
    element('label', {}, [
      'Code ',
      element('input', {
        name: 'code',
        autocomplete: 'one-time-code',
        inputmode: 'text',
        required: '',
        maxlength: '64',
      }),
    ]),
    element('button', { type: 'submit', className: 'primary', text: 'Verify' }),
  ]);

  function askForCode(challenge) {
    pendingMfaToken = challenge.mfaToken;
    $('login-form').hidden = true;
    codeForm.hidden = false;
    codeForm.code.value = '';
    codeForm.code.focus();
    page.showMessage('Password accepted. This account has a second factor: enter a code.', 'ok');
    page.log('second factor required (mfaToken valid 5 minutes)', 'note');
  }

  function leaveCodeStep() {
    pendingMfaToken = null;
    codeForm.hidden = true;
    $('login-form').hidden = false;
  }

  async function onVerify(event) {
    event.preventDefault();
    const value = codeForm.code.value.trim();
    const body = { mfaToken: pendingMfaToken };
    if (/^\d{6}$/.test(value)) body.code = value;
    else body.recoveryCode = value;
    const path = '/auth/mfa/verify?mode=cookie';
    const response = await page.send('POST', path, { body });
    page.logResponse('POST', path, response);
    if (response.status === 200) {
      leaveCodeStep();
      page.showMessage('Logged in with a second factor (amr: pwd, otp).', 'ok');
      page.setTokens(response.body);
      await page.signedIn();
      return;
    }
    if (response.status === 401 && response.body && response.body.code === 'mfa_invalid') {
      codeForm.code.value = '';
      page.showMessage('Wrong or already used code: try the next one.', 'bad');
      return;
    }
    // The mfaToken is dead (expired, used, five wrong codes) or the account is locked.
    leaveCodeStep();
    page.showMessage(page.describeError(response) + ': log in again.', 'bad');
  }

  // ---------------------------------------------------------------- enrolment and disable

  const panel = element('div', { id: 'mfa-panel', className: 'mfa' }, [
    element('h3', { text: 'Two-factor authentication' }),
    element('p', { id: 'mfa-state', className: 'muted' }),
    element('button', { type: 'button', id: 'mfa-setup', text: 'Set up an authenticator app' }),
    element('div', { id: 'mfa-enrol', hidden: '' }),
    element('div', { id: 'mfa-recovery', hidden: '' }),
    element('form', { id: 'mfa-disable-form', className: 'form', hidden: '' }, [
      element('label', {}, [
        'Password ',
        element('input', {
          name: 'password',
          type: 'password',
          autocomplete: 'current-password',
          required: '',
        }),
      ]),
      element('label', {}, [
        'Code ',
        element('input', { name: 'code', autocomplete: 'one-time-code', required: '' }),
      ]),
      element('button', { type: 'submit', className: 'danger', text: 'Turn off' }),
    ]),
  ]);

  function showState(enabled) {
    $('mfa-state').textContent = enabled
      ? 'On: logins need a code from your authenticator app.'
      : 'Off: a password alone opens this account.';
    $('mfa-setup').hidden = enabled;
    $('mfa-disable-form').hidden = !enabled;
  }

  async function onSignedIn() {
    $('mfa-enrol').hidden = true;
    $('mfa-recovery').hidden = true;
    // Logged in with a code means MFA is on; the token says so without another route.
    const info = await page.api('GET', '/auth/token-info', undefined, { quiet: true });
    showState(info.status === 200 && info.body.amr.includes('otp'));
  }

  async function onSetup() {
    const response = await page.api('POST', '/auth/mfa/totp/setup');
    if (response.status === 409) {
      showState(true);
      return;
    }
    if (response.status !== 200) {
      page.showMessage(page.describeError(response), 'bad');
      return;
    }
    const confirmForm = element('form', { id: 'mfa-confirm-form', className: 'form' }, [
      element('label', {}, [
        'Code shown by the app ',
        element('input', {
          name: 'code',
          inputmode: 'numeric',
          autocomplete: 'one-time-code',
          pattern: '\\d{6}',
          required: '',
        }),
      ]),
      element('button', { type: 'submit', className: 'primary', text: 'Confirm' }),
    ]);
    confirmForm.addEventListener('submit', onConfirm);
    $('mfa-enrol').replaceChildren(
      element('p', { text: 'Scan this with an authenticator app (SHA-1, 6 digits, 30 s):' }),
      svgImage(response.body.qrSvg),
      element('p', { className: 'muted' }, [
        'or type the key: ',
        element('code', { id: 'mfa-secret', text: response.body.secret }),
      ]),
      confirmForm,
    );
    $('mfa-enrol').hidden = false;
    $('mfa-setup').hidden = true;
  }

  async function onConfirm(event) {
    event.preventDefault();
    const code = event.target.code.value.trim();
    const response = await page.api('POST', '/auth/mfa/totp/confirm', { code });
    if (response.status !== 200) {
      page.showMessage(page.describeError(response), 'bad');
      return;
    }
    // The secret leaves the page now: only the app keeps it.
    $('mfa-enrol').replaceChildren();
    $('mfa-enrol').hidden = true;
    $('mfa-recovery').replaceChildren(
      element('p', {
        text: 'Recovery codes: each works once, and they are shown only now. Keep them somewhere safe.',
      }),
      element(
        'ol',
        { id: 'mfa-recovery-codes', className: 'codes' },
        response.body.recoveryCodes.map((code) =>
          element('li', {}, [element('code', { text: code })]),
        ),
      ),
      element('button', { type: 'button', id: 'mfa-recovery-done', text: 'I have saved them' }),
    );
    $('mfa-recovery-done').addEventListener('click', () => {
      $('mfa-recovery').replaceChildren();
      $('mfa-recovery').hidden = true;
    });
    $('mfa-recovery').hidden = false;
    showState(true);
    page.showMessage('Two-factor authentication is on; your other sessions were ended.', 'ok');
  }

  async function onDisable(event) {
    event.preventDefault();
    const form = event.target;
    const response = await page.api('POST', '/auth/mfa/totp/disable', {
      password: form.password.value,
      code: form.code.value.trim(),
    });
    form.reset();
    if (response.status !== 204) {
      page.showMessage(page.describeError(response), 'bad');
      return;
    }
    showState(false);
    page.showMessage('Two-factor authentication is off.', 'ok');
  }

  function wire() {
    $('login-form').after(codeForm);
    codeForm.addEventListener('submit', onVerify);
    $('logout-button').before(panel);
    $('mfa-setup').addEventListener('click', onSetup);
    $('mfa-disable-form').addEventListener('submit', onDisable);
    document.addEventListener('demo:mfa-required', (event) => askForCode(event.detail));
    document.addEventListener('demo:signed-in', () => void onSignedIn());
    document.addEventListener('demo:signed-out', () => {
      $('mfa-enrol').replaceChildren();
      $('mfa-recovery').replaceChildren();
      leaveCodeStep();
    });
  }

  wire();
})();
