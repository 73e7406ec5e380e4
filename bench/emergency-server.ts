import { loadAppConfig } from '../src/config/app-config.js';
import { createApp } from '../src/main.js';

/**
 * The API process of the emergency benchmark (forked by `emergency.bench.ts`): the real
 * gateway, configured from its environment, logging as in production (to a discarded
 * stdout), on a loopback port it reports over IPC.
 */
async function main(): Promise<void> {
  const app = await createApp(loadAppConfig(process.env));
  await app.listen(0, '127.0.0.1');
  process.send?.({ type: 'ready', url: await app.getUrl() });
  process.on('message', (message: { type?: string }) => {
    if (message.type === 'stop') void app.close().then(() => process.exit(0));
  });
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
