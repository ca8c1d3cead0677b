/**
 * Holds every response the e2e apps send to the OpenAPI document they serve at /docs-json, so that
 * the document a team generates its client from cannot drift from the server (issue 15): the
 * status must be declared for the route, the body must be valid against the declared schema, and
 * the headers a client acts on must be declared for that status. A route added without a truthful
 * description fails whichever e2e spec calls it.
 *
 * createTestApp records each response (an onSend hook); test/support/openapi-after-each.ts checks
 * what the finished test recorded and fails it on any disagreement.
 */
import Ajv, { ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';

/** Headers a client is promised to be able to act on; each one sent must be in the document. */
export const PROMISED_HEADERS = ['www-authenticate', 'retry-after', 'set-cookie', 'cache-control'];

/** Served by the app but not part of the API the document describes. */
const UNDOCUMENTED_PREFIXES = ['/docs'];

interface OpenApiResponse {
  content?: Record<string, { schema?: object }>;
  headers?: Record<string, unknown>;
}

interface OpenApiOperation {
  responses: Record<string, OpenApiResponse>;
}

export interface OpenApiDocument {
  paths: Record<string, Record<string, OpenApiOperation>>;
  components?: object;
}

export interface ObservedResponse {
  method: string;
  /** The route pattern Fastify matched (`/auth/sessions/:id`), or undefined for no route. */
  route: string | undefined;
  url: string;
  statusCode: number;
  headers: Record<string, unknown>;
  contentType: string | undefined;
  body: unknown;
}

export class OpenApiConformance {
  private readonly ajv: Ajv;
  private readonly validators = new Map<string, ValidateFunction>();

  constructor(private readonly document: OpenApiDocument) {
    // The document is OpenAPI 3.0: `nullable` and `example` are its keywords, not JSON Schema's.
    this.ajv = new Ajv({ strict: false, allErrors: true });
    addFormats(this.ajv);
  }

  /** Every way the response disagrees with the document; empty when it conforms. */
  check(response: ObservedResponse): string[] {
    const { method, route, statusCode } = response;
    const where = `${method} ${response.url} → ${statusCode}`;
    if (route === undefined) return [];
    if (UNDOCUMENTED_PREFIXES.some((prefix) => route.startsWith(prefix))) return [];
    const path = route.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
    const operations = this.document.paths[path];
    // Static files of the demo page are served through a wildcard route of their own.
    if (!operations)
      return route.includes('*') ? [] : [`${where}: route ${path} is not documented`];
    const operation = operations[method.toLowerCase()];
    if (!operation) return [`${where}: method ${method} of ${path} is not documented`];

    const declared =
      operation.responses[String(statusCode)] ??
      operation.responses[`${String(statusCode)[0]}XX`] ??
      operation.responses.default;
    if (!declared) {
      return [
        `${where}: status ${statusCode} is not declared (declared: ${Object.keys(operation.responses).join(', ')})`,
      ];
    }

    const problems: string[] = [];
    for (const name of PROMISED_HEADERS) {
      if (response.headers[name] === undefined) continue;
      const documented = Object.keys(declared.headers ?? {}).some(
        (header) => header.toLowerCase() === name,
      );
      if (!documented) problems.push(`${where}: header ${name} is sent but not declared`);
    }

    const hasBody = response.body !== undefined && response.body !== '';
    const json = declared.content?.['application/json'];
    if (!hasBody) {
      if (json) problems.push(`${where}: the document promises a JSON body; none was sent`);
      return problems;
    }
    if (!json) {
      // A declared non-JSON media type (GET /metrics: text/plain) holds a body of that type.
      const mediaType = response.contentType?.split(';')[0].trim();
      const declaredTypes = Object.keys(declared.content ?? {});
      if (mediaType && declaredTypes.includes(mediaType)) return problems;
      problems.push(
        declaredTypes.length
          ? `${where}: content type ${response.contentType} is not one of ${declaredTypes.join(', ')}`
          : `${where}: a body was sent but the document declares none`,
      );
      return problems;
    }
    if (!response.contentType?.startsWith('application/json')) {
      problems.push(`${where}: content type ${response.contentType} is not application/json`);
      return problems;
    }
    if (!json.schema) {
      problems.push(`${where}: the JSON body has no schema in the document`);
      return problems;
    }
    const validate = this.validator(`${path} ${method} ${statusCode}`, json.schema);
    if (!validate(response.body)) {
      for (const error of validate.errors ?? []) {
        problems.push(
          `${where}: body${error.instancePath} ${error.message} ${JSON.stringify(error.params)}`,
        );
      }
    }
    return problems;
  }

  private validator(key: string, schema: object): ValidateFunction {
    let validate = this.validators.get(key);
    if (!validate) {
      // `#/components/...` references resolve against the root of the schema being compiled.
      validate = this.ajv.compile({ ...schema, components: this.document.components });
      this.validators.set(key, validate);
    }
    return validate;
  }
}

interface Recorded {
  conformance: OpenApiConformance | undefined;
  response: ObservedResponse;
}

const recorded: Recorded[] = [];

/** Called by the app's onSend hook; the conformance is set once the app serves its document. */
export function recordResponse(
  conformance: () => OpenApiConformance | undefined,
  response: ObservedResponse,
): void {
  recorded.push({ conformance: conformance(), response });
}

/** Checks and forgets what was recorded so far. */
export function takeViolations(): string[] {
  const problems = recorded.flatMap(({ conformance, response }) =>
    conformance ? conformance.check(response) : [],
  );
  recorded.length = 0;
  return problems;
}

export function parseBody(payload: unknown, contentType: string | undefined): unknown {
  if (typeof payload !== 'string' && !Buffer.isBuffer(payload)) return undefined;
  const text = payload.toString();
  if (text === '') return '';
  if (!contentType?.startsWith('application/json')) return text;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
