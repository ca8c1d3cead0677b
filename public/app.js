/*
 * The demo page (public/index.html): plain browser JavaScript, no build step, no framework.
 *
 * Browser mode of ../shared/API.md: `POST /auth/login?mode=cookie` puts the refresh token in an
 * HttpOnly cookie that no script can read, and answers with the access token and a CSRF token.
 * The access token lives in `state` below and nowhere else — never in localStorage,
 * sessionStorage or a cookie — so a reload forgets it; the page then asks /auth/refresh for a new
 * one, if the refresh cookie is still there.
 *
 * The CSRF token is never kept in memory: every request that spends the refresh cookie echoes the
 * readable CSRF cookie as it is at that moment (double submit). Another tab of this page shares
 * the cookies, and its refresh replaces both of them; a copy held here would then be stale and the
 * server would refuse this tab's refresh or logout.
 */
(function () {
  'use strict';

  /** A few seconds below which the lifetime bar turns orange. */
  const LOW_SECONDS = 5;
  /** The server accepts an expired `exp` for this long (clock skew), then answers token_expired. */
  const SERVER_LEEWAY_SECONDS = 30;
  const AUTO_CALL_MS = 5000;
  const PRODUCTS_PER_PAGE = 8;
  /** In production the CSRF cookie carries the __Host- prefix. */
  const CSRF_COOKIES = ['__Host-csrf_token', 'csrf_token'];

  const state = {
    accessToken: null,
    claims: null,
    parts: null,
    refreshing: null,
    payloadEdited: false,
    productsPage: 1,
    productsPages: 1,
    autoTimer: null,
  };

  const $ = (id) => document.getElementById(id);

  // ---------------------------------------------------------------- small helpers

  function clock(value) {
    return new Date(value).toLocaleTimeString([], {
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hour12: false,
    });
  }

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

  function base64UrlDecode(part) {
    const base64 = part.replace(/-/g, '+').replace(/_/g, '/');
    const binary = atob(base64 + '='.repeat((4 - (base64.length % 4)) % 4));
    return new TextDecoder().decode(Uint8Array.from(binary, (c) => c.charCodeAt(0)));
  }

  function base64UrlEncode(text) {
    let binary = '';
    new TextEncoder().encode(text).forEach((byte) => {
      binary += String.fromCharCode(byte);
    });
    return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  }

  function readCookie(name) {
    const prefix = name + '=';
    const found = document.cookie.split('; ').find((pair) => pair.startsWith(prefix));
    return found ? decodeURIComponent(found.slice(prefix.length)) : undefined;
  }

  function csrfToken() {
    for (const name of CSRF_COOKIES) {
      const value = readCookie(name);
      if (value) return value;
    }
    return undefined;
  }

  /** The error body's message (a string or a list of strings), with its code when there is one. */
  function describeError(response) {
    const body = response.body || {};
    const message = Array.isArray(body.message) ? body.message.join('; ') : body.message;
    return [body.code, message || body.error || 'HTTP ' + response.status]
      .filter(Boolean)
      .join(': ');
  }

  // ---------------------------------------------------------------- the log

  function log(text, kind) {
    const line = element('li', {}, [
      element('time', { text: clock(Date.now()) }),
      element('span', { className: kind || '', text }),
    ]);
    $('log-lines').prepend(line);
  }

  function logResponse(method, path, response, extra) {
    const ok = response.status < 400;
    const suffix = ok ? '' : ' ' + (response.body && response.body.code ? response.body.code : '');
    log(
      method + ' ' + path + ' → ' + response.status + suffix + (extra ? ' · ' + extra : ''),
      ok ? 'ok' : 'bad',
    );
  }

  // ---------------------------------------------------------------- HTTP

  /** One request, nothing automatic. Same-origin, so the browser adds Origin and the cookies. */
  async function send(method, path, options) {
    const opts = options || {};
    const headers = { Accept: 'application/json' };
    if (opts.body !== undefined) headers['Content-Type'] = 'application/json';
    if (opts.token) headers.Authorization = 'Bearer ' + opts.token;
    if (opts.csrf) headers['X-CSRF-Token'] = opts.csrf;
    const response = await fetch(path, {
      method,
      headers,
      credentials: 'same-origin',
      cache: 'no-store',
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
    });
    const type = response.headers.get('content-type') || '';
    const body = type.includes('application/json') ? await response.json() : undefined;
    return { status: response.status, body };
  }

  /**
   * A request that spends the refresh cookie (refresh, logout). If another tab refreshed while it
   * was on its way, it reached the server with a CSRF token or a refresh token that had just been
   * replaced (403 csrf_failed, or 401): the CSRF cookie has changed since, and one more try with
   * the cookies as they are now is the answer that counts.
   */
  async function spendRefreshCookie(path) {
    const sent = csrfToken();
    let response = await send('POST', path, { body: {}, csrf: sent });
    logResponse('POST', path, response);
    const now = csrfToken();
    if ((response.status === 401 || response.status === 403) && now && now !== sent) {
      log('another tab replaced the session cookies meanwhile → retrying', 'note');
      response = await send('POST', path, { body: {}, csrf: now });
      logResponse('POST', path, response, 'retried with the current cookies');
    }
    return response;
  }

  /** Spends the refresh cookie; concurrent callers share one request. */
  function refreshOnce() {
    if (!state.refreshing) {
      state.refreshing = (async () => {
        const response = await spendRefreshCookie('/auth/refresh');
        if (response.status !== 200) throw new Error(describeError(response));
        setTokens(response.body);
        return response;
      })().finally(() => {
        state.refreshing = null;
      });
    }
    return state.refreshing;
  }

  /**
   * A call with the access token. On 401 token_expired it refreshes once and retries, so the
   * caller never sees the expiry; any other 401 means the session is over.
   */
  async function api(method, path, body, options) {
    const quiet = Boolean(options && options.quiet);
    let response = await send(method, path, { body, token: state.accessToken });
    if (response.status === 401 && response.body && response.body.code === 'token_expired') {
      logResponse(method, path, response);
      try {
        await refreshOnce();
      } catch (error) {
        signOutLocally('Could not refresh (' + error.message + '): log in again.');
        return response;
      }
      log('access token expired → refreshed', 'note');
      response = await send(method, path, { body, token: state.accessToken });
      logResponse(method, path, response, 'retried with the new token');
    } else if (!quiet || response.status >= 400) {
      logResponse(method, path, response);
    }
    // A wrong password or code sent with the token (disable MFA, change password) ends no session.
    const refusesToken = !['mfa_invalid', 'invalid_credentials'].includes(
      response.body && response.body.code,
    );
    if (response.status === 401 && refusesToken)
      signOutLocally('Session ended (' + describeError(response) + ').');
    return response;
  }

  // ---------------------------------------------------------------- tokens and signed-in state

  function setTokens(body) {
    state.accessToken = body.accessToken;
    const [header, payload, signature] = body.accessToken.split('.');
    state.parts = { header, payload, signature };
    state.claims = JSON.parse(base64UrlDecode(payload));
    renderToken();
  }

  function renderToken() {
    const { header, payload, signature } = state.parts;
    const raw = $('token-raw');
    raw.replaceChildren(
      element('span', { className: 'h', text: header }),
      '.',
      element('span', { className: 'p', text: payload }),
      '.',
      element('span', { className: 's', text: signature }),
    );
    const decodedHeader = JSON.parse(base64UrlDecode(header));
    $('token-header').textContent = JSON.stringify(decodedHeader, null, 2);
    renderAlgorithm(decodedHeader);
    if (!state.payloadEdited) resetPayloadEditor();
    $('token-signature').textContent = signature;
    $('token-empty').hidden = true;
    $('token-panel').hidden = false;
    tick();
  }

  /** Which algorithm signed the token (its header's alg) and where its public key is published. */
  function renderAlgorithm({ alg, kid }) {
    const note = $('token-algorithm');
    if (alg === 'HS256') {
      note.replaceChildren(
        'Signed with ',
        element('code', { text: 'HS256' }),
        ': a shared secret, so no public key is published.',
      );
      return;
    }
    note.replaceChildren(
      'Signed with ',
      element('code', { text: String(alg) }),
      ': anyone can verify it with the public key ',
      element('code', { text: String(kid) }),
      ' published at ',
      element('a', { href: '/.well-known/jwks.json', text: '/.well-known/jwks.json' }),
      '.',
    );
  }

  function resetPayloadEditor() {
    $('token-payload').value = JSON.stringify(state.claims, null, 2);
    markPayloadEdited(false);
  }

  /** An edited payload survives a refresh (Reset shows the current token's again). */
  function markPayloadEdited(edited) {
    state.payloadEdited = edited;
    $('payload-note').textContent = edited
      ? '(edited: Reset shows the current token’s)'
      : '(editable)';
  }

  /** The lifetime line and bar, once a second. */
  function tick() {
    if (!state.claims) return;
    const now = Date.now() / 1000;
    const lifetime = state.claims.exp - state.claims.iat;
    const left = Math.round(state.claims.exp - now);
    const text = $('token-lifetime');
    const bar = $('token-bar');
    if (left > 0) {
      text.textContent =
        'Expires in ' +
        left +
        ' s — lifetime ' +
        lifetime +
        ' s, exp ' +
        clock(state.claims.exp * 1000);
      text.classList.remove('expired');
    } else {
      text.textContent =
        'Expired ' +
        -left +
        ' s ago (exp ' +
        clock(state.claims.exp * 1000) +
        '). The server allows ' +
        SERVER_LEEWAY_SECONDS +
        ' s of clock skew, then answers 401 token_expired and this page refreshes.';
      text.classList.add('expired');
    }
    bar.style.width = Math.max(0, Math.min(100, (100 * left) / lifetime)) + '%';
    bar.classList.toggle('low', left <= LOW_SECONDS);
  }

  async function signedIn() {
    $('signed-out-forms').hidden = true;
    $('signed-in-panel').hidden = false;
    ['load-products', 'load-sessions'].forEach((id) => {
      $(id).disabled = false;
    });
    const me = await api('GET', '/auth/me');
    if (me.status !== 200) return;
    $('me-email').textContent = me.body.email;
    $('me-name').textContent = me.body.name || '—';
    $('me-roles').textContent = me.body.roles.join(', ');
    const status = $('status');
    status.textContent = 'Signed in as ' + me.body.email;
    status.className = 'status status-in';
    status.dataset.state = 'signed-in';
    document.dispatchEvent(new CustomEvent('demo:signed-in', { detail: me.body }));
  }

  /** Forgets everything this page holds; the server side is the caller's business. */
  function signOutLocally(reason) {
    state.accessToken = null;
    state.claims = null;
    state.parts = null;
    markPayloadEdited(false);
    stopAutoCall();
    $('auto-call').checked = false;
    $('signed-out-forms').hidden = false;
    $('signed-in-panel').hidden = true;
    $('token-panel').hidden = true;
    $('token-empty').hidden = false;
    $('tamper-result').hidden = true;
    ['load-products', 'load-sessions', 'prev-page', 'next-page'].forEach((id) => {
      $(id).disabled = true;
    });
    $('products-table').hidden = true;
    $('products-empty').hidden = false;
    $('sessions-empty').hidden = false;
    $('products-info').textContent = '';
    $('sessions-list').replaceChildren();
    $('sessions-info').textContent = '';
    const status = $('status');
    status.textContent = 'Signed out';
    status.className = 'status status-out';
    status.dataset.state = 'signed-out';
    document.dispatchEvent(new CustomEvent('demo:signed-out'));
    if (reason) {
      showMessage(reason, 'bad');
      log(reason, 'note');
    }
  }

  function showMessage(text, kind) {
    const message = $('account-message');
    message.textContent = text;
    message.className = 'message ' + (kind || '');
  }

  // ---------------------------------------------------------------- account

  async function onSignup(event) {
    event.preventDefault();
    const form = event.target;
    const body = { email: form.email.value.trim(), password: form.password.value };
    if (form.name.value.trim()) body.name = form.name.value.trim();
    const response = await send('POST', '/auth/register', { body });
    logResponse('POST', '/auth/register', response);
    if (response.status === 201) {
      showMessage('Account created for ' + response.body.email + '. Log in below.', 'ok');
      $('login-form').email.value = response.body.email;
      form.reset();
      $('login-form').password.focus();
    } else {
      showMessage(describeError(response), 'bad');
    }
  }

  async function onLogin(event) {
    event.preventDefault();
    const form = event.target;
    const response = await send('POST', '/auth/login?mode=cookie', {
      body: { email: form.email.value.trim(), password: form.password.value },
    });
    logResponse('POST', '/auth/login?mode=cookie', response);
    if (response.status !== 200) {
      showMessage(describeError(response), 'bad');
      return;
    }
    form.reset();
    // An account with a second factor: no tokens yet; mfa.js asks for the code.
    if (response.body.mfaRequired) {
      document.dispatchEvent(new CustomEvent('demo:mfa-required', { detail: response.body }));
      return;
    }
    showMessage(
      'Logged in. The refresh token is in an HttpOnly cookie this page cannot read.',
      'ok',
    );
    markPayloadEdited(false);
    setTokens(response.body);
    await signedIn();
  }

  /**
   * Signed out only when the server says the session is over: 204 (revoked now) or 401 (already
   * gone, e.g. logged out in another tab). Any other answer leaves the session live, and the page
   * must not pretend otherwise: it stays signed in so that the user can try again.
   */
  async function onLogout() {
    const button = $('logout-button');
    button.disabled = true;
    let response;
    try {
      // By cookie, no bearer: works even when the access token has already expired.
      response = await spendRefreshCookie('/auth/logout');
    } catch (error) {
      response = { status: 0, body: { message: 'no answer (' + error.message + ')' } };
      log('POST /auth/logout → ' + response.body.message, 'bad');
    } finally {
      button.disabled = false;
    }
    if (response.status === 204) {
      signOutLocally();
      showMessage('Logged out: the session is revoked and the cookies are cleared.', 'ok');
    } else if (response.status === 401) {
      signOutLocally();
      showMessage('The session had already ended (' + describeError(response) + ').', 'ok');
    } else {
      showMessage(
        'Logout failed (' +
          describeError(response) +
          '): the session may still be live, so you are still signed in here. Try again.',
        'bad',
      );
    }
  }

  /** After a reload the tokens are gone from memory; the refresh cookie may still be there. */
  async function resume() {
    if (!csrfToken()) {
      log('No session cookie: log in or sign up.');
      return;
    }
    log('Found a CSRF cookie: trying the refresh cookie…');
    try {
      await refreshOnce();
    } catch (error) {
      log('No live session (' + error.message + '): log in again.', 'note');
      return;
    }
    log('Session resumed from the HttpOnly refresh cookie (new access token).', 'note');
    await signedIn();
  }

  // ---------------------------------------------------------------- token demo

  function startAutoCall() {
    stopAutoCall();
    const status = $('auto-call-status');
    const call = async () => {
      if (!state.accessToken) return;
      const response = await api('GET', '/auth/token-info', undefined, { quiet: true });
      status.textContent = 'last call ' + clock(Date.now()) + ' → ' + response.status;
    };
    state.autoTimer = window.setInterval(call, AUTO_CALL_MS);
    void call();
  }

  function stopAutoCall() {
    if (state.autoTimer !== null) window.clearInterval(state.autoTimer);
    state.autoTimer = null;
    $('auto-call-status').textContent = '';
  }

  function showTamperResult(response, note) {
    const ok = response.status === 200;
    const status = $('tamper-status');
    status.textContent =
      response.status + (ok ? ' OK' : ' ' + (response.body && response.body.error)) + ' — ' + note;
    status.className = 'result-status ' + (ok ? 'ok' : 'bad');
    $('tamper-body').textContent = JSON.stringify(response.body, null, 2);
    $('tamper-result').hidden = false;
  }

  async function onSendOriginal() {
    if (!state.accessToken) return;
    const response = await send('GET', '/auth/token-info', { token: state.accessToken });
    logResponse('GET', '/auth/token-info', response, 'the token as issued');
    showTamperResult(
      response,
      response.status === 200 ? 'the signature matches header.payload' : describeError(response),
    );
  }

  async function onSendTampered() {
    if (!state.parts) return;
    let claims;
    try {
      claims = JSON.parse($('token-payload').value);
    } catch (error) {
      showTamperResult(
        { status: 0, body: { error: String(error.message) } },
        'the payload is not valid JSON',
      );
      return;
    }
    const payload = base64UrlEncode(JSON.stringify(claims));
    const forged = state.parts.header + '.' + payload + '.' + state.parts.signature;
    const response = await send('GET', '/auth/token-info', { token: forged });
    const unchanged = payload === state.parts.payload;
    logResponse(
      'GET',
      '/auth/token-info',
      response,
      unchanged ? 'payload unchanged' : 'edited payload, old signature',
    );
    showTamperResult(
      response,
      response.status === 200
        ? unchanged
          ? 'the payload is unchanged, so the signature still matches: edit it first'
          : 'accepted'
        : 'the server recomputed the HMAC over the edited payload and it no longer matches the signature',
    );
  }

  function onMakeAdmin() {
    let claims;
    try {
      claims = JSON.parse($('token-payload').value);
    } catch {
      claims = Object.assign({}, state.claims);
    }
    claims.roles = ['admin'];
    $('token-payload').value = JSON.stringify(claims, null, 2);
    markPayloadEdited(true);
  }

  // ---------------------------------------------------------------- products

  async function loadProducts(page) {
    const response = await api('GET', '/products?page=' + page + '&limit=' + PRODUCTS_PER_PAGE);
    if (response.status !== 200) return;
    const { items, total, limit } = response.body;
    state.productsPage = response.body.page;
    state.productsPages = Math.max(1, Math.ceil(total / limit));
    const rows = items.map((item) =>
      element('tr', {}, [
        element('td', { text: item.name }),
        element('td', { className: 'muted', text: item.description || '' }),
        element('td', { className: 'num', text: item.price }),
      ]),
    );
    $('products-table').tBodies[0].replaceChildren(...rows);
    $('products-table').hidden = false;
    $('products-empty').hidden = true;
    $('products-info').textContent =
      total + ' products · page ' + state.productsPage + ' of ' + state.productsPages;
    $('prev-page').disabled = state.productsPage <= 1;
    $('next-page').disabled = state.productsPage >= state.productsPages;
  }

  // ---------------------------------------------------------------- sessions

  function describeAgent(userAgent) {
    if (!userAgent) return 'Unknown client';
    const browser = /(Edg|Firefox|Chrome|HeadlessChrome|Safari)\/([\d]+)/.exec(userAgent);
    const system = /(Windows|Mac OS X|Android|iPhone|Linux)/.exec(userAgent);
    if (!browser) return userAgent.length > 48 ? userAgent.slice(0, 47) + '…' : userAgent;
    return browser[1] + ' ' + browser[2] + (system ? ' on ' + system[1] : '');
  }

  async function loadSessions() {
    const response = await api('GET', '/auth/sessions');
    if (response.status !== 200) return;
    const items = response.body.map((session) => {
      const revoke = element('button', {
        type: 'button',
        className: 'small danger',
        text: session.current ? 'Revoke (signs this page out)' : 'Revoke',
        'data-session-id': session.id,
      });
      revoke.addEventListener('click', () => revokeSession(session));
      const title = element('div', { className: 'agent', text: describeAgent(session.userAgent) });
      if (session.current) title.append(element('span', { className: 'badge', text: 'this page' }));
      const details = element('div', {
        className: 'muted',
        text:
          'started ' +
          clock(session.createdAt) +
          ' · last used ' +
          clock(session.lastUsedAt) +
          (session.ip ? ' · ' + session.ip : ''),
      });
      return element('li', { 'data-current': String(session.current) }, [
        element('div', {}, [title, details]),
        revoke,
      ]);
    });
    $('sessions-list').replaceChildren(...items);
    $('sessions-empty').hidden = true;
    $('sessions-info').textContent =
      response.body.length + ' live session' + (response.body.length === 1 ? '' : 's');
  }

  async function revokeSession(session) {
    const response = await api('DELETE', '/auth/sessions/' + session.id);
    if (response.status !== 204) return;
    if (session.current) {
      signOutLocally('This session was revoked: its refresh and access tokens no longer work.');
    } else {
      log('Session revoked: that client must log in again.', 'note');
      await loadSessions();
    }
  }

  // ---------------------------------------------------------------- wiring

  function wire() {
    $('signup-form').addEventListener('submit', onSignup);
    $('login-form').addEventListener('submit', onLogin);
    $('logout-button').addEventListener('click', onLogout);
    $('load-products').addEventListener('click', () => loadProducts(1));
    $('prev-page').addEventListener('click', () => loadProducts(state.productsPage - 1));
    $('next-page').addEventListener('click', () => loadProducts(state.productsPage + 1));
    $('load-sessions').addEventListener('click', loadSessions);
    $('send-original').addEventListener('click', onSendOriginal);
    $('send-tampered').addEventListener('click', onSendTampered);
    $('make-admin').addEventListener('click', onMakeAdmin);
    $('reset-payload').addEventListener('click', resetPayloadEditor);
    $('token-payload').addEventListener('input', () => markPayloadEdited(true));
    $('auto-call').addEventListener('change', (event) => {
      if (event.target.checked) startAutoCall();
      else stopAutoCall();
    });
    window.setInterval(tick, 1000);
    void resume();
  }

  // What the page's other scripts (account.js) build on: the same HTTP helpers and state changes.
  window.demoPage = Object.freeze({
    accessToken: () => state.accessToken,
    api,
    send,
    setTokens,
    signedIn,
    signOutLocally,
    log,
    logResponse,
    describeError,
    showMessage,
  });

  wire();
})();
