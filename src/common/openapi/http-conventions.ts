/**
 * What the shared HTTP pipeline does to every route, written into the built OpenAPI document so
 * that no route can forget to say it (issue 15). Each rule mirrors code in common/:
 * - Fastify's body limit answers 413 on any route that takes a body (app.setup.ts);
 * - the validation pipe forbids unknown fields in every request DTO;
 * - the exception filter sends Retry-After with every 429 and 503 and WWW-Authenticate with
 *   every 401;
 * - a `Cache-Control` a route sets with @Header() goes out with every answer of that route,
 *   errors included;
 * - a route with no security requirement is public: it says so with an empty list.
 */
import type { OpenAPIObject, OperationObject, ResponseObject, SchemaObject } from '@nestjs/swagger';
import { ErrorResponseDto } from '../http/error-response.dto';

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'options', 'head'] as const;

const RETRY_AFTER = {
  description: 'Seconds to wait before retrying',
  schema: { type: 'integer', minimum: 0 },
};
const WWW_AUTHENTICATE = {
  description:
    'Bearer realm="api", with error="invalid_token" when an access token was presented and ' +
    'refused (RFC 6750 §3)',
  schema: { type: 'string' },
};

export function operationsOf(document: OpenAPIObject): OperationObject[] {
  return Object.values(document.paths).flatMap((path) =>
    METHODS.flatMap((method) => (path[method] ? [path[method]] : [])),
  );
}

const errorResponse = (description: string, statusCode: number, error: string, message: string) =>
  ({
    description,
    content: {
      'application/json': {
        schema: { $ref: `#/components/schemas/${ErrorResponseDto.name}` },
        example: { statusCode, error, message },
      },
    },
  }) satisfies ResponseObject;

/** @param requestSchemas the schemas the validation pipe validates (validatedSchemaNames) */
export function documentHttpConventions(
  document: OpenAPIObject,
  requestSchemas: ReadonlySet<string>,
): void {
  for (const [name, schema] of Object.entries(document.components?.schemas ?? {})) {
    if (requestSchemas.has(name)) (schema as SchemaObject).additionalProperties = false;
  }
  for (const operation of operationsOf(document)) {
    operation.security ??= [];
    if (operation.requestBody && !operation.responses['413']) {
      operation.responses['413'] = errorResponse(
        'The body is larger than 100 kB',
        413,
        'Payload Too Large',
        'Request body is larger than 100 kB',
      );
    }
    const cacheControl = Object.values(operation.responses)
      .map((response) => (response as ResponseObject).headers?.['Cache-Control'])
      .find(Boolean);
    for (const [status, response] of Object.entries(operation.responses) as [
      string,
      ResponseObject,
    ][]) {
      const headers = { ...response.headers };
      if (status === '429' || status === '503') headers['Retry-After'] ??= RETRY_AFTER;
      if (status === '401') headers['WWW-Authenticate'] ??= WWW_AUTHENTICATE;
      if (cacheControl) headers['Cache-Control'] ??= cacheControl;
      if (Object.keys(headers).length > 0) response.headers = headers;
    }
  }
}
