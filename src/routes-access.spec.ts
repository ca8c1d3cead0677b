import 'reflect-metadata';
import { DynamicModule, ForwardReference, RequestMethod, Type } from '@nestjs/common';
import { METHOD_METADATA, MODULE_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { MetadataScanner, Reflector } from '@nestjs/core';
import { AppModule } from './app.module';
import { AuthController } from './auth/auth.controller';
import { OPTIONAL_AUTH_KEY } from './auth/decorators/optional-auth.decorator';
import { IS_PUBLIC_KEY } from './auth/decorators/public.decorator';
import { ROLES_KEY } from './auth/decorators/roles.decorator';
import { HealthController } from './health/health.controller';
import { ProductsController } from './products/products.controller';
import { Role } from './users/role.enum';

/**
 * Who may call what. Every route of every controller the app mounts must appear here with its
 * access level; adding a route, removing one or changing its guard fails this spec until the table
 * changes with it, so a permission change is always a visible diff (CONVENTIONS.md, habit 2).
 */
type Access = 'public' | 'optional' | 'user' | 'admin';

const EXPECTED_ACCESS: Record<string, Access> = {
  'POST /auth/register': 'public',
  'POST /auth/login': 'public',
  'POST /auth/refresh': 'public',
  'POST /auth/logout': 'optional',
  'POST /auth/logout-all': 'user',
  'GET /auth/me': 'user',
  'GET /auth/token-info': 'user',
  'GET /auth/sessions': 'user',
  'DELETE /auth/sessions/:id': 'user',
  'POST /auth/mfa/totp/setup': 'user',
  'POST /auth/mfa/totp/confirm': 'user',
  'POST /auth/mfa/totp/disable': 'user',
  'POST /auth/mfa/verify': 'public',
  'POST /auth/email/verify': 'public',
  'POST /auth/email/verify/resend': 'user',
  'POST /auth/password/forgot': 'public',
  'POST /auth/password/reset': 'public',
  'POST /auth/password/change': 'user',
  'DELETE /auth/me': 'user',
  // Development only (no SMTP_URL outside production): absent from a production app.
  'GET /dev/outbox': 'public',
  'GET /products': 'user',
  'POST /products': 'admin',
  'GET /health': 'public',
  'GET /health/ready': 'public',
  'GET /.well-known/jwks.json': 'public',
  'GET /admin/audit-events': 'admin',
  // Its own bearer token (METRICS_TOKEN), checked by the controller; 404 without it.
  'GET /metrics': 'public',
  'GET /admin/users': 'admin',
  'GET /admin/users/:id': 'admin',
  'POST /admin/users/:id/disable': 'admin',
  'POST /admin/users/:id/enable': 'admin',
  'PUT /admin/users/:id/roles': 'admin',
  'POST /admin/users/:id/logout-all': 'admin',
  'DELETE /admin/users/:id': 'admin',
};

type ModuleEntry = Type | DynamicModule | Promise<DynamicModule> | ForwardReference;

/** Every controller reachable from AppModule's imports, the way Nest's scanner finds them. */
async function collectControllers(root: Type): Promise<Set<Type>> {
  const controllers = new Set<Type>();
  const seen = new Set<unknown>();

  async function visit(entry: ModuleEntry | undefined): Promise<void> {
    const resolved = await entry;
    if (!resolved) return;
    const module = 'forwardRef' in resolved ? resolved.forwardRef() : resolved;
    if (seen.has(module)) return;
    seen.add(module);

    const moduleClass: Type = 'module' in module ? module.module : module;
    const dynamic: Partial<DynamicModule> = 'module' in module ? module : {};
    const declared = [
      ...((Reflect.getMetadata(MODULE_METADATA.CONTROLLERS, moduleClass) as Type[] | undefined) ??
        []),
      ...(dynamic.controllers ?? []),
    ];
    for (const controller of declared) controllers.add(controller);

    const imports = [
      ...((Reflect.getMetadata(MODULE_METADATA.IMPORTS, moduleClass) as
        ModuleEntry[] | undefined) ?? []),
      ...((dynamic.imports ?? []) as ModuleEntry[]),
    ];
    for (const imported of imports) await visit(imported);
  }

  await visit(root);
  return controllers;
}

function joinPath(...segments: string[]): string {
  const joined = segments
    .flatMap((segment) => segment.split('/'))
    .filter(Boolean)
    .join('/');
  return `/${joined}`;
}

const asList = (value: string | string[] | undefined): string[] =>
  value === undefined ? [''] : Array.isArray(value) ? value : [value];

/** Mirrors JwtAuthGuard and RolesGuard: handler metadata overrides class metadata. */
function accessOf(reflector: Reflector, handler: () => unknown, controller: Type): string {
  const targets = [handler, controller];
  const isPublic =
    reflector.getAllAndOverride<boolean | undefined>(IS_PUBLIC_KEY, targets) === true;
  const isOptional =
    reflector.getAllAndOverride<boolean | undefined>(OPTIONAL_AUTH_KEY, targets) === true;
  const roles = reflector.getAllAndOverride<Role[] | undefined>(ROLES_KEY, targets) ?? [];

  const authentication = isPublic ? 'public' : isOptional ? 'optional' : 'user';
  if (roles.length === 0) return authentication;
  // A role on a public or optional route is a contradiction the table must not hide.
  const authorization =
    roles.includes(Role.Admin) && roles.length === 1 ? 'admin' : `roles:${roles.join('|')}`;
  return authentication === 'user' ? authorization : `${authentication}+${authorization}`;
}

interface Route {
  route: string;
  access: string;
}

function routesOf(controller: Type, reflector: Reflector): Route[] {
  const prototype = controller.prototype as Record<string, () => unknown>;
  const prefixes = asList(
    Reflect.getMetadata(PATH_METADATA, controller) as string | string[] | undefined,
  );
  const routes: Route[] = [];
  for (const name of new MetadataScanner().getAllMethodNames(prototype)) {
    const handler = prototype[name];
    if (!Reflect.hasMetadata(PATH_METADATA, handler)) continue;
    const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod;
    const paths = asList(Reflect.getMetadata(PATH_METADATA, handler) as string | string[]);
    for (const prefix of prefixes) {
      for (const path of paths) {
        routes.push({
          route: `${RequestMethod[method]} ${joinPath(prefix, path)}`,
          access: accessOf(reflector, handler, controller),
        });
      }
    }
  }
  return routes;
}

describe('route access', () => {
  let controllers: Set<Type>;
  let routes: Route[];

  beforeAll(async () => {
    controllers = await collectControllers(AppModule);
    const reflector = new Reflector();
    routes = [...controllers].flatMap((controller) => routesOf(controller, reflector));
  });

  it('should find the controllers of the modules AppModule imports', () => {
    // A sanity check of the walk itself; a controller added anywhere shows up in the table check.
    expect([...controllers]).toEqual(
      expect.arrayContaining([AuthController, ProductsController, HealthController]),
    );
  });

  it('should mount each METHOD /path once', () => {
    const names = routes.map(({ route }) => route);
    expect(names.filter((route, index) => names.indexOf(route) !== index)).toEqual([]);
  });

  it('should give every route exactly the access listed in this spec', () => {
    const actual = Object.fromEntries(routes.map(({ route, access }) => [route, access]));
    expect(actual).toEqual(EXPECTED_ACCESS);
  });

  it('should not put a role requirement on a public or optional route', () => {
    const contradictory = routes.filter(({ access }) => access.includes('+'));
    expect(contradictory).toEqual([]);
  });
});
