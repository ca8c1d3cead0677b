/*
 * The account lifecycle on the demo page (../shared/API.md, "Account lifecycle (email)"):
 * forgot / reset password, the links mails carry (#verify?token=…, #reset?token=…), a "verify your
 * email" banner with resend, change password, delete account, and in development the outbox.
 * Built on app.js (window.demoPage); it adds its own elements, so index.html only loads it.
 */
(function () {
  'use strict';

  const demo = window.demoPage;
  const $ = (id) => document.getElementById(id);

  /** A small element builder: tag, properties, children. */
  function h(tag, props, children) {
    const node = document.createElement(tag);
    Object.assign(node, props || {});
    for (const child of children || []) node.append(child);
    return node;
  }

  function field(label, name, type, extra) {
    return h('label', {}, [
      label + ' ',
      h('input', Object.assign({ name, type, required: true }, extra)),
    ]);
  }

  // ---------------------------------------------------------------- the elements

  const forgotForm = h('form', { id: 'forgot-form', className: 'form' }, [
    h('h3', { textContent: 'Forgot your password?' }),
    field('Email', 'email', 'email', { autocomplete: 'username' }),
    h('button', { type: 'submit', textContent: 'Mail me a reset link' }),
  ]);

  const resetForm = h('form', { id: 'reset-form', className: 'form', hidden: true }, [
    h('h3', { textContent: 'Choose a new password' }),
    field('New password', 'password', 'password', { minLength: 8, autocomplete: 'new-password' }),
    h('button', { type: 'submit', className: 'primary', textContent: 'Set the password' }),
  ]);

  const banner = h('div', { id: 'verify-banner', className: 'message bad', hidden: true }, [
    h('span', { textContent: 'Your email address is not verified yet. ' }),
    h('button', { type: 'button', id: 'resend-verification', textContent: 'Resend the mail' }),
  ]);

  const changeForm = h('form', { id: 'change-password-form', className: 'form' }, [
    h('h3', { textContent: 'Change password' }),
    field('Current password', 'currentPassword', 'password', { autocomplete: 'current-password' }),
    field('New password', 'newPassword', 'password', {
      minLength: 8,
      autocomplete: 'new-password',
    }),
    h('button', { type: 'submit', textContent: 'Change password' }),
  ]);

  const deleteForm = h('form', { id: 'delete-account-form', className: 'form' }, [
    h('h3', { textContent: 'Delete account' }),
    field('Password', 'password', 'password', { autocomplete: 'current-password' }),
    h('button', { type: 'submit', className: 'danger', textContent: 'Delete my account' }),
  ]);

  const outboxList = h('ul', { id: 'outbox-list', className: 'sessions' });
  const outbox = h('section', { className: 'card span-12', id: 'outbox', hidden: true }, [
    h('h2', { textContent: 'Development outbox' }),
    h('div', { className: 'row' }, [
      h('button', { type: 'button', id: 'load-outbox', textContent: 'Refresh' }),
      h('span', {
        className: 'muted',
        textContent:
          'No SMTP_URL: mails land here (GET /dev/outbox) and in .data/outbox/*.eml. Click a link to follow it.',
      }),
    ]),
    outboxList,
  ]);

  $('signed-out-forms').append(forgotForm, resetForm);
  $('signed-in-panel').prepend(banner);
  $('signed-in-panel').append(changeForm, deleteForm);
  document.querySelector('main').append(outbox);

  // ---------------------------------------------------------------- links from mails

  /** The token of a reset link, held in memory only until the new password is sent. */
  let resetToken = null;

  /** #verify?token=… and #reset?token=…; the token leaves the address bar at once. */
  async function handleLink() {
    const match = /^#(verify|reset)\?token=([A-Za-z0-9_-]+)$/.exec(window.location.hash);
    if (!match) return;
    history.replaceState(null, '', window.location.pathname + window.location.search);
    const [, action, token] = match;
    if (action === 'reset') {
      resetToken = token;
      resetForm.hidden = false;
      resetForm.password.focus();
      demo.showMessage('Choose a new password for your account.', 'ok');
      return;
    }
    const response = await demo.send('POST', '/auth/email/verify', { body: { token } });
    demo.logResponse('POST', '/auth/email/verify', response);
    if (response.status === 200) {
      demo.showMessage('Email address ' + response.body.email + ' verified.', 'ok');
      banner.hidden = true;
    } else {
      demo.showMessage(demo.describeError(response), 'bad');
    }
  }

  // ---------------------------------------------------------------- forms

  async function onForgot(event) {
    event.preventDefault();
    const email = forgotForm.email.value.trim();
    const response = await demo.send('POST', '/auth/password/forgot', { body: { email } });
    demo.logResponse('POST', '/auth/password/forgot', response);
    if (response.status === 202) {
      demo.showMessage(response.body.message + '.', 'ok');
      forgotForm.reset();
      void loadOutbox();
    } else {
      demo.showMessage(demo.describeError(response), 'bad');
    }
  }

  async function onReset(event) {
    event.preventDefault();
    const body = { token: resetToken, password: resetForm.password.value };
    const response = await demo.send('POST', '/auth/password/reset', { body });
    demo.logResponse('POST', '/auth/password/reset', response);
    if (response.status === 204) {
      resetToken = null;
      resetForm.reset();
      resetForm.hidden = true;
      demo.showMessage('Password set: every session was signed out. Log in with it.', 'ok');
    } else {
      demo.showMessage(demo.describeError(response), 'bad');
    }
  }

  async function onResend() {
    const response = await demo.api('POST', '/auth/email/verify/resend', undefined);
    demo.showMessage(
      response.status === 202 ? 'Verification mail sent.' : demo.describeError(response),
      response.status === 202 ? 'ok' : 'bad',
    );
    void loadOutbox();
  }

  /**
   * A call that carries the password: a 401 invalid_credentials is a typo, not the end of the
   * session, so it goes out without app.js's sign-out-on-401 (its own 401s still sign out).
   */
  async function withPassword(method, path, body) {
    const response = await demo.send(method, path, { body, token: demo.accessToken() });
    demo.logResponse(method, path, response);
    if (response.status === 401 && response.body.code !== 'invalid_credentials') {
      demo.signOutLocally('Session ended (' + demo.describeError(response) + ').');
    }
    return response;
  }

  async function onChangePassword(event) {
    event.preventDefault();
    const body = {
      currentPassword: changeForm.currentPassword.value,
      newPassword: changeForm.newPassword.value,
    };
    const response = await withPassword('POST', '/auth/password/change?mode=cookie', body);
    if (response.status === 200) {
      changeForm.reset();
      demo.setTokens(response.body);
      demo.showMessage('Password changed: this session continues, every other one ended.', 'ok');
    } else if (response.status !== 401 || response.body.code === 'invalid_credentials') {
      demo.showMessage(demo.describeError(response), 'bad');
    }
  }

  async function onDeleteAccount(event) {
    event.preventDefault();
    if (!window.confirm('Delete this account for good?')) return;
    const response = await withPassword('DELETE', '/auth/me', {
      password: deleteForm.password.value,
    });
    deleteForm.reset();
    if (response.status === 204) {
      demo.signOutLocally();
      demo.showMessage('Account deleted: every session of it has ended.', 'ok');
    } else if (response.status !== 401 || response.body.code === 'invalid_credentials') {
      demo.showMessage(demo.describeError(response), 'bad');
    }
  }

  // ---------------------------------------------------------------- the outbox (development)

  /** Lists GET /dev/outbox; a 404 means production (or SMTP): the panel stays hidden. */
  async function loadOutbox() {
    const response = await demo.send('GET', '/dev/outbox');
    if (response.status !== 200) {
      outbox.hidden = true;
      return;
    }
    outbox.hidden = false;
    outboxList.replaceChildren(
      ...response.body.map((mail) =>
        h('li', {}, [
          h('div', {}, [
            h('strong', { textContent: mail.subject }),
            h('span', {
              className: 'muted',
              textContent: ' → ' + mail.to + ' · ' + mail.createdAt,
            }),
          ]),
          // Each link is followed on this page (its fragment), whatever PUBLIC_URL says.
          ...mail.links.map((link) =>
            h('a', {
              href: link.slice(link.indexOf('#')),
              className: 'outbox-link',
              textContent: link,
            }),
          ),
        ]),
      ),
    );
  }

  // ---------------------------------------------------------------- wiring

  function onSignedIn(event) {
    banner.hidden = Boolean(event.detail && event.detail.emailVerified);
  }

  forgotForm.addEventListener('submit', onForgot);
  resetForm.addEventListener('submit', onReset);
  changeForm.addEventListener('submit', onChangePassword);
  deleteForm.addEventListener('submit', onDeleteAccount);
  $('resend-verification').addEventListener('click', onResend);
  $('load-outbox').addEventListener('click', loadOutbox);
  document.addEventListener('demo:signed-in', onSignedIn);
  document.addEventListener('demo:signed-out', () => {
    banner.hidden = true;
  });
  window.addEventListener('hashchange', handleLink);
  void handleLink();
  void loadOutbox();
})();
