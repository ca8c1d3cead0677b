/*
 * The demo page's admin panel (../shared/API.md, "Administration and operations"): the users
 * (search, disable / enable, make or remove admin, log out everywhere) and the latest audit
 * events. Shown only to a signed-in admin (the roles of GET /auth/me, via `demo:signed-in`);
 * the server decides anyway — every call is an admin route that answers a plain user 403.
 * Builds on app.js through window.demoPage; every value is written as text, never as HTML.
 */
(function () {
  'use strict';

  const page = window.demoPage;

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

  const search = element('input', {
    id: 'admin-query',
    type: 'search',
    placeholder: 'email or name',
    'aria-label': 'Search users',
  });
  const usersBody = element('tbody', { id: 'admin-users-body' });
  const eventsList = element('ol', { id: 'admin-events', className: 'log' });
  const message = element('p', { id: 'admin-message', className: 'message', role: 'status' });
  const section = element(
    'section',
    { className: 'card span-12', id: 'admin', 'aria-labelledby': 'admin-title', hidden: '' },
    [
      element('h2', { id: 'admin-title', text: 'Admin' }),
      element('form', { id: 'admin-search', className: 'row' }, [
        search,
        element('button', { type: 'submit', text: 'Search users' }),
        element('button', { type: 'button', id: 'admin-load-events', text: 'Audit events' }),
      ]),
      element('table', { id: 'admin-users' }, [
        element('thead', {}, [
          element(
            'tr',
            {},
            ['Email', 'Roles', 'State', 'MFA', 'Sessions', 'Last login', ''].map((title) =>
              element('th', { text: title }),
            ),
          ),
        ]),
        usersBody,
      ]),
      message,
      eventsList,
    ],
  );

  let me = null;

  async function loadUsers() {
    const query = search.value.trim();
    const path = '/admin/users?limit=50' + (query ? '&query=' + encodeURIComponent(query) : '');
    const response = await page.api('GET', path);
    if (response.status !== 200) {
      message.textContent = page.describeError(response);
      return;
    }
    message.textContent = response.body.total + ' user(s)';
    usersBody.replaceChildren(...response.body.items.map(userRow));
  }

  function userRow(user) {
    const isAdmin = user.roles.includes('admin');
    const actions = element('td', { className: 'actions' });
    const action = (label, method, path, body) => {
      const button = element('button', { type: 'button', text: label });
      button.dataset.userId = user.id;
      button.addEventListener('click', () => void change(method, path, body));
      actions.append(button);
    };
    const base = '/admin/users/' + user.id;
    if (user.disabled) action('Enable', 'POST', base + '/enable');
    else action('Disable', 'POST', base + '/disable');
    const roles = isAdmin
      ? user.roles.filter((role) => role !== 'admin')
      : [...user.roles, 'admin'];
    action(isAdmin ? 'Remove admin' : 'Make admin', 'PUT', base + '/roles', { roles });
    action('Log out everywhere', 'POST', base + '/logout-all');
    const row = element('tr', {}, [
      element('td', { text: user.email + (me && me.id === user.id ? ' (you)' : '') }),
      element('td', { text: user.roles.join(', ') }),
      element('td', { text: user.disabled ? 'disabled' : 'active' }),
      element('td', { text: user.mfaEnabled ? 'on' : 'off' }),
      element('td', { text: String(user.liveSessions) }),
      element('td', {
        text: user.lastLoginAt ? new Date(user.lastLoginAt).toLocaleString() : 'never',
      }),
      actions,
    ]);
    row.dataset.email = user.email;
    return row;
  }

  async function change(method, path, body) {
    const response = await page.api(method, path, body);
    message.textContent =
      response.status < 400 ? method + ' ' + path + ': done' : page.describeError(response);
    // Changing one's own roles or state ends one's own sessions: app.js signs out on the 401.
    if (page.accessToken()) await loadUsers();
  }

  async function loadEvents() {
    const response = await page.api('GET', '/admin/audit-events?limit=20');
    if (response.status !== 200) {
      message.textContent = page.describeError(response);
      return;
    }
    eventsList.replaceChildren(
      ...response.body.items.map((event) =>
        element('li', {
          text:
            new Date(event.createdAt).toLocaleString() +
            ' · ' +
            event.type +
            (event.userId ? ' · user ' + event.userId.slice(0, 8) : '') +
            (event.actorId ? ' · by admin ' + event.actorId.slice(0, 8) : ''),
        }),
      ),
    );
  }

  function wire() {
    const sessions = document.getElementById('sessions');
    if (!sessions || !sessions.parentElement) return;
    sessions.parentElement.append(section);
    section.querySelector('#admin-search').addEventListener('submit', (event) => {
      event.preventDefault();
      void loadUsers();
    });
    section.querySelector('#admin-load-events').addEventListener('click', () => void loadEvents());
    document.addEventListener('demo:signed-in', (event) => {
      me = event.detail || null;
      const admin = Boolean(me && Array.isArray(me.roles) && me.roles.includes('admin'));
      section.hidden = !admin;
      if (admin) void loadUsers();
    });
    document.addEventListener('demo:signed-out', () => {
      me = null;
      section.hidden = true;
      usersBody.replaceChildren();
      eventsList.replaceChildren();
      message.textContent = '';
    });
  }

  wire();
})();
