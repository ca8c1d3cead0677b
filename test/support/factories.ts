import { randomUUID } from 'node:crypto';
import { Role } from '../../src/users/role.enum';
import { UsersService } from '../../src/users/users.service';
import { TestApp } from './test-app';

export const PASSWORD = 'correct horse battery staple';

export interface TokenPair {
  tokenType: string;
  accessToken: string;
  expiresIn: number;
  refreshToken: string;
  refreshExpiresIn: number;
}

export interface SignedInUser {
  id: string;
  email: string;
  password: string;
  tokens: TokenPair;
  bearer: string;
}

export const uniqueEmail = (prefix = 'user') => `${prefix}-${randomUUID().slice(0, 8)}@example.com`;

export async function registerUser(
  t: TestApp,
  overrides: { email?: string; password?: string; name?: string } = {},
) {
  const body = { email: uniqueEmail(), password: PASSWORD, ...overrides };
  const response = await t.http().post('/auth/register').send(body).expect(201);
  return { id: response.body.id as string, email: body.email, password: body.password };
}

export async function login(t: TestApp, email: string, password = PASSWORD): Promise<TokenPair> {
  const response = await t.http().post('/auth/login').send({ email, password }).expect(200);
  return response.body as TokenPair;
}

/** A registered, logged-in user; `admin: true` grants the role the way the operator command does. */
export async function signedInUser(
  t: TestApp,
  options: { admin?: boolean } = {},
): Promise<SignedInUser> {
  const user = await registerUser(t);
  if (options.admin) await t.app.get(UsersService).grantRole(user.email, Role.Admin);
  const tokens = await login(t, user.email, user.password);
  return { ...user, tokens, bearer: `Bearer ${tokens.accessToken}` };
}

/** Not async: callers chain supertest's .expect() on the returned request. */
export function refresh(t: TestApp, refreshToken: string) {
  return t.http().post('/auth/refresh').send({ refreshToken });
}
