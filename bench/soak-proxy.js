'use strict';
// The soak's TCP proxies, in a process of their own so that the soak's own event loop (its
// clients) never slows the traffic they carry. Loopback only. Started by bench/soak.js with an
// IPC channel:
//   argv: name=host:port …           one proxy per pair, each on a free loopback port
//   → { type: 'ready', ports: { name: port } }
//   ← { type: 'cut', name } | { type: 'restore', name }   → { type: 'done', id }
// cut: every open connection is closed and new ones are refused, as when the server goes down.
// It exits when its parent goes away (the IPC channel closes).
const net = require('node:net');

const proxies = new Map();

function startProxy(targetHost, targetPort) {
  const proxy = { cut: false, sockets: new Set(), server: undefined };
  proxy.server = net.createServer((client) => {
    if (proxy.cut) return void client.destroy();
    const upstream = net.connect(targetPort, targetHost);
    proxy.sockets.add(client);
    proxy.sockets.add(upstream);
    const close = () => {
      client.destroy();
      upstream.destroy();
      proxy.sockets.delete(client);
      proxy.sockets.delete(upstream);
    };
    client.on('error', close);
    upstream.on('error', close);
    client.on('close', close);
    upstream.on('close', close);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  return new Promise((resolve, reject) => {
    proxy.server.once('error', reject);
    proxy.server.listen(0, '127.0.0.1', () => resolve(proxy));
  });
}

async function main() {
  const ports = {};
  for (const arg of process.argv.slice(2)) {
    const [name, target] = arg.split('=');
    const [host, port] = target.split(':');
    if (!['127.0.0.1', 'localhost', '::1'].includes(host)) {
      throw new Error(`soak-proxy: loopback targets only, not ${host}`);
    }
    const proxy = await startProxy(host, Number(port));
    proxies.set(name, proxy);
    ports[name] = proxy.server.address().port;
  }
  process.on('message', (message) => {
    const proxy = proxies.get(message.name);
    if (proxy && message.type === 'cut') {
      proxy.cut = true;
      for (const socket of proxy.sockets) socket.destroy();
      proxy.sockets.clear();
    } else if (proxy && message.type === 'restore') {
      proxy.cut = false;
    }
    process.send({ type: 'done', id: message.id });
  });
  process.on('disconnect', () => process.exit(0));
  process.send({ type: 'ready', ports });
}

main().catch((error) => {
  console.error(error.message);
  process.exit(1);
});
