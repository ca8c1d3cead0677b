import { createServer, Server, Socket } from 'node:net';

/** One client connection and its upstream; `upstream` is absent for one accepted while stalled. */
interface Link {
  client: Socket;
  upstream?: Socket;
  stalled: boolean;
}

/**
 * A loopback TCP proxy a test can cut, stall and restore, to play a database that goes away and
 * comes back without touching the real server.
 *
 * - cut(): every connection is closed and new ones are refused, as when the server goes down;
 *   the peers learn of it at once.
 * - stall(): what a NAT or load balancer that forgot its connections does, or a host that
 *   vanished without a FIN: every byte in either direction is dropped, nothing is closed and
 *   nobody is told. A connection opened while stalled is accepted and black-holed too.
 *
 * restore() makes new connections work again. A stalled connection stays dead (its mapping is
 * gone for good): only a peer that notices and reconnects is heard again.
 */
export class TcpProxy {
  private readonly links = new Set<Link>();
  private cutOff = false;
  private stalling = false;
  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(targetHost: string, targetPort: number): Promise<TcpProxy> {
    const state: { proxy?: TcpProxy } = {};
    const server = createServer((client) => {
      const proxy = state.proxy;
      if (!proxy || proxy.cutOff) return void client.destroy();
      proxy.accept(client, targetHost, targetPort);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    state.proxy = new TcpProxy(server, (server.address() as { port: number }).port);
    return state.proxy;
  }

  /** Drops every open connection and refuses new ones until restore(). */
  cut(): void {
    this.cutOff = true;
    for (const link of this.links) {
      link.client.destroy();
      link.upstream?.destroy();
    }
  }

  /** Black-holes every open connection for good, and new ones until restore(). */
  stall(): void {
    this.stalling = true;
    for (const link of this.links) link.stalled = true;
  }

  restore(): void {
    this.cutOff = false;
    this.stalling = false;
  }

  async stop(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: Socket, targetHost: string, targetPort: number): void {
    const link: Link = { client, stalled: this.stalling };
    this.links.add(link);
    client.on('error', () => client.destroy());
    client.on('close', () => {
      this.links.delete(link);
      link.upstream?.destroy();
    });
    if (link.stalled) {
      client.on('data', () => undefined);
      return;
    }
    const upstream = new Socket();
    link.upstream = upstream;
    upstream.on('error', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    forward(client, upstream, link);
    forward(upstream, client, link);
    upstream.connect(targetPort, targetHost);
  }
}

/** Like pipe(), except that a stalled link swallows what it reads. */
function forward(from: Socket, to: Socket, link: Link): void {
  from.on('data', (chunk) => {
    if (link.stalled) return;
    if (!to.write(chunk)) {
      from.pause();
      to.once('drain', () => from.resume());
    }
  });
  from.on('end', () => {
    if (!link.stalled) to.end();
  });
}

/** The same URL with host and port replaced by the proxy's. */
export function throughProxy(databaseUrl: string, proxy: TcpProxy): string {
  const url = new URL(databaseUrl);
  url.hostname = '127.0.0.1';
  url.port = String(proxy.port);
  return url.toString();
}
