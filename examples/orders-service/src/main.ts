import { createOrdersApp } from './app';
import { loadConfig } from './config';

async function main(): Promise<void> {
  const config = loadConfig();
  const app = await createOrdersApp(config);
  await app.listen(config.port, process.env.HOST ?? '127.0.0.1');
  console.log(`orders-service on ${await app.getUrl()}, keys from ${config.jwksUrl.href}`);
}

void main();
