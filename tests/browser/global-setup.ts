// Starts one Vite dev server (the project's vite.config.ts) for the whole browser tier
// and hands its URL to tests: `inject('baseUrl')` → e.g. "http://127.0.0.1:43817".
import { existsSync, readdirSync, rmSync } from 'node:fs';
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
  // Own dep-optimizer cache per run: node_modules/.vite is shared with `npm start` and with
  // other test runs in this tree, and a concurrent re-optimisation there would invalidate the
  // deps our pages use ("Outdated Optimize Dep" → full reload mid-test).
  const cacheRoot = resolve(root, 'node_modules/.vite-browser-tests');
  removeStaleCaches(cacheRoot);
  const cacheDir = resolve(cacheRoot, String(process.pid));
  const server: ViteDevServer = await createServer({
    configFile: resolve(root, 'vite.config.ts'),
    root,
    cacheDir,
    clearScreen: false,
    logLevel: (process.env.SSE_VITE_LOG as 'info' | 'warn' | undefined) ?? 'warn',
    server: {
      host: '127.0.0.1',
      port: 0,
      strictPort: false,
      open: false,
      // A test run sees a snapshot: no file watching, so an edit made while the tests run
      // cannot HMR-reload a page in the middle of a test ("Execution context was destroyed").
      // (`watch: null` would be the documented switch, but mergeConfig drops null overrides.)
      watch: { ignored: () => true },
    },
  });
  await server.listen();
  await warmUp(server);
  const address = server.httpServer?.address();
  if (!address || typeof address === 'string') throw new Error(`vite dev server: unexpected address ${String(address)}`);
  const baseUrl = `http://127.0.0.1:${address.port}`;
  console.log(`[global-setup] vite dev server at ${baseUrl}`);
  project.provide('baseUrl', baseUrl);
  return async () => {
    await server.close();
    rmSync(cacheDir, { recursive: true, force: true });
  };
}

/** Deletes cache dirs left by runs that died without teardown (their pid is gone). */
function removeStaleCaches(cacheRoot: string): void {
  if (!existsSync(cacheRoot)) return;
  for (const name of readdirSync(cacheRoot)) {
    const pid = Number(name);
    let alive = false;
    try {
      process.kill(pid, 0);
      alive = true;
    } catch (e) {
      alive = (e as NodeJS.ErrnoException).code === 'EPERM';
    }
    if (!alive) rmSync(resolve(cacheRoot, name), { recursive: true, force: true });
  }
}

/** Entry modules the browser tests may load; their static imports are crawled from here. */
const WARMUP_DIRS: [dir: string, re: RegExp][] = [
  ['src', /\.worker\.ts$/],
  ['src/ui', /^main\.tsx$/],
  ['tests/browser/pages', /\.tsx?$/],
  ['bench/pages', /\.tsx?$/],
];

function listFiles(dir: string, re: RegExp): string[] {
  const abs = resolve(root, dir);
  if (!existsSync(abs)) return [];
  const out: string[] = [];
  for (const ent of readdirSync(abs, { withFileTypes: true })) {
    if (ent.isDirectory()) out.push(...listFiles(`${dir}/${ent.name}`, re));
    else if (re.test(ent.name)) out.push(`/${dir}/${ent.name}`);
  }
  return out;
}

/**
 * Transforms every page-side module once (following static imports) and waits until the dep
 * optimizer has bundled everything it discovered, before any page loads. Otherwise a dependency
 * first seen while a test runs makes Vite re-optimize and send "full-reload" to every open page
 * (the page reloads mid-test; on a cold cache, as in CI, this happens on the first run).
 */
async function warmUp(server: ViteDevServer): Promise<void> {
  const t0 = Date.now();
  const env = server.environments.client;
  const seen = new Set<string>();
  let queue = WARMUP_DIRS.flatMap(([dir, re]) => listFiles(dir, re));
  while (queue.length) {
    const next: string[] = [];
    await Promise.all(
      queue.map(async (url) => {
        if (seen.has(url)) return;
        seen.add(url);
        try {
          await env.transformRequest(url);
        } catch {
          return; // a broken module is the business of the test that loads it
        }
        const mod = await env.moduleGraph.getModuleByUrl(url);
        for (const m of mod?.importedModules ?? []) {
          if (m.url && !seen.has(m.url) && !m.url.includes('/node_modules/') && !m.url.startsWith('/@')) next.push(m.url);
        }
      }),
    );
    queue = next;
  }
  const optimizer = env.depsOptimizer;
  if (optimizer) {
    let quietSince = Date.now();
    while (Date.now() - t0 < 120_000) {
      const busy =
        optimizer.scanProcessing !== undefined ||
        optimizer.initState !== 'initialized' ||
        Object.values(optimizer.metadata.discovered).some((d) => d.processing);
      if (busy) quietSince = Date.now();
      else if (Date.now() - quietSince > 1000) break;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  console.log(`[global-setup] warmed up ${seen.size} modules in ${Date.now() - t0} ms`);
}
