import { createServer, IncomingMessage, Server } from 'node:http';

/**
 * A local stand-in for AWS Secrets Manager's GetSecretValue (JSON 1.1 protocol), so the real SDK
 * client can be exercised without the network.
 */
export class SecretsManagerStub {
  readonly requests: { target?: string; secretId?: string; authorization?: string }[] = [];

  private constructor(
    private readonly server: Server,
    readonly url: string,
    private readonly secrets: Map<string, string>,
  ) {}

  static async start(secrets: Record<string, string>): Promise<SecretsManagerStub> {
    const map = new Map(Object.entries(secrets));
    const state: { stub?: SecretsManagerStub } = {};
    const server = createServer((request, response) => {
      void readBody(request).then((body) => {
        const { SecretId } = JSON.parse(body || '{}') as { SecretId?: string };
        state.stub?.requests.push({
          target: request.headers['x-amz-target'] as string | undefined,
          secretId: SecretId,
          authorization: request.headers.authorization,
        });
        const value = SecretId ? map.get(SecretId) : undefined;
        response.setHeader('Content-Type', 'application/x-amz-json-1.1');
        if (value === undefined) {
          response.statusCode = 400;
          response.end(
            JSON.stringify({
              __type: 'ResourceNotFoundException',
              message: "Secrets Manager can't find the specified secret.",
            }),
          );
          return;
        }
        response.end(
          JSON.stringify({
            ARN: SecretId,
            Name: 'jwt',
            SecretString: value,
            VersionId: 'v1',
            CreatedDate: 1,
          }),
        );
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    state.stub = new SecretsManagerStub(
      server,
      `http://127.0.0.1:${(server.address() as { port: number }).port}`,
      map,
    );
    return state.stub;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => resolve(body));
  });
}
