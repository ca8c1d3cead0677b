/**
 * What a team does with the document: a client generated from /docs-json (openapi-typescript into
 * ./api.d.ts) called through openapi-fetch, with no casts and no hand-written types. It compiles
 * under `tsc --strict` only while the document describes the routes as they really are (issue 15),
 * and generated-client.e2e-spec.ts runs it against the service in both modes.
 */
import { randomUUID } from 'node:crypto';
import createClient from 'openapi-fetch';
import type { paths } from './api';

const PASSWORD = 'generated client password';

export interface FlowResult {
  productsOnFirstPage: number;
  /** The code the refresh of a logged-out session answered with. */
  afterLogout: string | undefined;
}

function fail(step: string, status: number): never {
  throw new Error(`${step} answered ${status}`);
}

async function registerAndLogin(baseUrl: string) {
  const client = createClient<paths>({ baseUrl });
  const email = `client-${randomUUID().slice(0, 8)}@example.com`;
  const registered = await client.POST('/auth/register', {
    body: { email, password: PASSWORD, name: 'Generated Client' },
  });
  if (!registered.data) fail('register', registered.response.status);
  return { client, email };
}

/** JSON mode: both tokens in bodies, the access token as a Bearer header. */
export async function jsonFlow(baseUrl: string): Promise<FlowResult> {
  const { client, email } = await registerAndLogin(baseUrl);
  const login = await client.POST('/auth/login', { body: { email, password: PASSWORD } });
  if (!login.data || !('refreshToken' in login.data)) fail('login', login.response.status);

  const products = await client.GET('/products', {
    params: { query: { page: 1, limit: 5 } },
    headers: { Authorization: `Bearer ${login.data.accessToken}` },
  });
  if (!products.data) fail('products', products.response.status);

  const refreshed = await client.POST('/auth/refresh', {
    body: { refreshToken: login.data.refreshToken },
  });
  if (!refreshed.data || !('refreshToken' in refreshed.data))
    fail('refresh', refreshed.response.status);

  // A bearer-only logout: no body at all.
  const logout = await client.POST('/auth/logout', {
    headers: { Authorization: `Bearer ${refreshed.data.accessToken}` },
  });
  if (logout.response.status !== 204) fail('logout', logout.response.status);

  const again = await client.POST('/auth/refresh', {
    body: { refreshToken: refreshed.data.refreshToken },
  });
  if (!again.error) fail('refresh after logout', again.response.status);
  return { productsOnFirstPage: products.data.items.length, afterLogout: again.error.code };
}

/** Browser mode: the refresh token in an HttpOnly cookie, spent with the CSRF token and Origin. */
export async function cookieFlow(baseUrl: string): Promise<FlowResult> {
  const { client, email } = await registerAndLogin(baseUrl);
  const origin = new URL(baseUrl).origin;
  const login = await client.POST('/auth/login', {
    params: { query: { mode: 'cookie' } },
    headers: { Origin: origin },
    body: { email, password: PASSWORD },
  });
  if (!login.data || !('csrfToken' in login.data)) fail('login', login.response.status);
  const cookiesOf = (response: Response) =>
    response.headers
      .getSetCookie()
      .map((line) => line.split(';')[0])
      .join('; ');

  const products = await client.GET('/products', {
    params: { query: { page: 1, limit: 5 } },
    headers: { Authorization: `Bearer ${login.data.accessToken}` },
  });
  if (!products.data) fail('products', products.response.status);

  // No body: the refresh token is the cookie.
  const refreshed = await client.POST('/auth/refresh', {
    params: { header: { 'X-CSRF-Token': login.data.csrfToken } },
    headers: { Origin: origin, Cookie: cookiesOf(login.response) },
  });
  if (!refreshed.data || !('csrfToken' in refreshed.data))
    fail('refresh', refreshed.response.status);
  const cookies = cookiesOf(refreshed.response);

  const logout = await client.POST('/auth/logout', {
    params: { header: { 'X-CSRF-Token': refreshed.data.csrfToken } },
    headers: { Origin: origin, Cookie: cookies },
  });
  if (logout.response.status !== 204) fail('logout', logout.response.status);

  const again = await client.POST('/auth/refresh', {
    params: { header: { 'X-CSRF-Token': refreshed.data.csrfToken } },
    headers: { Origin: origin, Cookie: cookies },
  });
  if (!again.error) fail('refresh after logout', again.response.status);
  return { productsOnFirstPage: products.data.items.length, afterLogout: again.error.code };
}
