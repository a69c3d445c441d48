// Shared plumbing for the benchmark scripts: a Vite dev server.
import { resolve } from 'node:path';
import { createServer } from 'vite';

const root = resolve(import.meta.dirname, '..');

export async function startDevServer(projectRoot = root): Promise<{ url: string; close: () => Promise<void> }> {
  const server = await createServer({
    configFile: resolve(projectRoot, 'vite.config.ts'),
    root: projectRoot,
    logLevel: 'warn',
    server: { host: '127.0.0.1', port: 0, hmr: false },
  });
  await server.listen();
  const addr = server.httpServer!.address();
  if (!addr || typeof addr === 'string') throw new Error('vite: no address');
  return { url: `http://127.0.0.1:${addr.port}`, close: () => server.close() };
}

