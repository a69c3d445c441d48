// Starts one Vite dev server (the project's vite.config.ts) for the whole browser tier
// and hands its URL to tests: `inject('baseUrl')` → e.g. "http://127.0.0.1:43817".
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ViteDevServer, createServer } from 'vite';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    baseUrl: string;
  }
}

const root = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const server: ViteDevServer = await createServer({
    configFile: resolve(root, 'vite.config.ts'),
    root,
    clearScreen: false,
    logLevel: (process.env.SSE_VITE_LOG as 'info' | 'warn' | undefined) ?? 'warn',
    server: { host: '127.0.0.1', port: 0, strictPort: false, hmr: true, open: false },
  });
  await server.listen();
  const address = server.httpServer?.address();
  if (!address || typeof address === 'string') throw new Error(`vite dev server: unexpected address ${String(address)}`);
  const baseUrl = `http://127.0.0.1:${address.port}`;
  console.log(`[global-setup] vite dev server at ${baseUrl}`);
  project.provide('baseUrl', baseUrl);
  return async () => {
    await server.close();
  };
}
