// The app's CSP + cross-origin isolation, in `vite` dev and in the static build:
// the page loads without CSP violations and onnxruntime-web runs (wasm threads, WebGPU).
import { createReadStream, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type PreviewServer, build, preview } from 'vite';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { callInPage, closeChromium, openPage } from './chromium';
import type { OrtSmokeResult } from './pages/ort-smoke';

const baseUrl = inject('baseUrl');
const root = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');
const ORT_MODULE = '/tests/browser/pages/ort-smoke.ts';
const SUM = [11, 22, 33, 44];

afterAll(async () => {
  await closeChromium();
});

async function cspOf(page: import('playwright-core').Page): Promise<string> {
  return page.evaluate(
    () => document.querySelector('meta[http-equiv="Content-Security-Policy"]')?.getAttribute('content') ?? '',
  );
}

describe('dev server', () => {
  it('app page: renders, cross-origin isolated, no CSP violations or errors', async () => {
    const p = await openPage(`${baseUrl}/`, { prefix: '[dev /]' });
    try {
      await p.page.waitForFunction(() => (document.getElementById('root')?.childElementCount ?? 0) > 0, null, {
        timeout: 60_000,
      });
      expect(await p.page.evaluate(() => crossOriginIsolated)).toBe(true);
      const csp = await cspOf(p.page);
      expect(csp).toContain("'wasm-unsafe-eval'");
      expect(csp).not.toContain("'unsafe-inline' 'wasm"); // scripts: hashes only, never unsafe-inline
      expect(p.errors).toEqual([]);
    } finally {
      await p.close();
    }
  });

  it('onnxruntime-web in a module worker under the CSP (dev)', async () => {
    for (const backend of ['wasm', 'webgpu'] as const) {
      const r = await ortSmokePage(`${baseUrl}/tests/browser/pages/ort-smoke.html?backend=${backend}&threads=2&where=worker`);
      expect(r).toMatchObject({ backend, crossOriginIsolated: true, threads: 2, output: SUM });
    }
  });

  it('onnxruntime-web under the CSP: wasm with 2 threads, and webgpu', async () => {
    const p = await openPage(`${baseUrl}/tests/browser/pages/blank.html`, { prefix: '[dev ort]' });
    try {
      expect(await cspOf(p.page)).toContain("'wasm-unsafe-eval'"); // got the app's CSP injected
      const wasm = await callInPage<OrtSmokeResult>(p.page, ORT_MODULE, 'runOrtSmoke', 'wasm', 2);
      expect(wasm).toMatchObject({ crossOriginIsolated: true, threads: 2, output: SUM });
      const gpu = await callInPage<OrtSmokeResult>(p.page, ORT_MODULE, 'runOrtSmoke', 'webgpu', 2);
      expect(gpu.output).toEqual(SUM);
      expect(p.errors).toEqual([]);
    } finally {
      await p.close();
    }
  });
});

describe('static build (dist)', () => {
  let outDir = '';
  let server: PreviewServer | undefined;
  let plain: Server | undefined;
  let previewUrl = '';
  let plainUrl = '';

  beforeAll(async () => {
    outDir = mkdtempSync(join(tmpdir(), 'sse-dist-'));
    // Vitest sets NODE_ENV=test, which would make Vite bundle React's development build.
    const nodeEnv = process.env.NODE_ENV;
    process.env.NODE_ENV = 'production';
    try {
      await build({
        configFile: resolve(root, 'vite.config.ts'),
        root,
        logLevel: 'warn',
        build: {
          outDir,
          emptyOutDir: true,
          sourcemap: false,
          rolldownOptions: {
            input: { index: resolve(root, 'index.html'), ortSmoke: resolve(root, 'tests/browser/pages/ort-smoke.html') },
          },
        },
      });
    } finally {
      process.env.NODE_ENV = nodeEnv;
    }
    server = await preview({
      configFile: resolve(root, 'vite.config.ts'),
      root,
      logLevel: 'warn',
      build: { outDir },
      preview: { host: '127.0.0.1', port: 0, strictPort: false, open: false },
    });
    const addr = server.httpServer.address() as AddressInfo;
    previewUrl = `http://127.0.0.1:${addr.port}`;
    plain = await plainStaticServer(outDir);
    plainUrl = `http://127.0.0.1:${(plain.address() as AddressInfo).port}/some/sub/path`;
  });

  afterAll(async () => {
    await server?.close();
    await new Promise((r) => (plain ? plain.close(r) : r(undefined)));
    if (outDir) rmSync(outDir, { recursive: true, force: true });
  });

  it('built index.html keeps the strict CSP (no inline scripts allowed)', () => {
    const html = readFileSync(join(outDir, 'index.html'), 'utf8');
    const csp = /http-equiv="Content-Security-Policy"\s+content="([^"]*)"/.exec(html)?.[1] ?? '';
    expect(csp).toMatch(/script-src 'self' 'wasm-unsafe-eval';/);
    expect(csp).not.toContain('sha256-');
    expect(csp).not.toContain('ws://');
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/); // no inline scripts in the build
    expect(html).toContain('src="./assets/'); // base './'
  });

  it('vite preview: app renders without CSP violations; ort wasm with threads and webgpu', async () => {
    const p = await openPage(`${previewUrl}/`, { prefix: '[dist /]' });
    try {
      await p.page.waitForFunction(() => (document.getElementById('root')?.childElementCount ?? 0) > 0, null, {
        timeout: 60_000,
      });
      expect(await p.page.evaluate(() => crossOriginIsolated)).toBe(true);
      expect(p.errors).toEqual([]);
    } finally {
      await p.close();
    }
    for (const backend of ['wasm', 'webgpu'] as const) {
      const r = await ortSmokePage(`${previewUrl}/tests/browser/pages/ort-smoke.html?backend=${backend}&threads=2`);
      expect(r).toMatchObject({ backend, crossOriginIsolated: true, threads: 2, output: SUM });
    }
  });

  it('vite preview: ort inside a module worker (pthreads must not re-run the worker chunk)', async () => {
    for (const backend of ['wasm', 'webgpu'] as const) {
      const r = await ortSmokePage(`${previewUrl}/tests/browser/pages/ort-smoke.html?backend=${backend}&threads=2&where=worker`);
      expect(r).toMatchObject({ backend, crossOriginIsolated: true, threads: 2, output: SUM });
    }
  });

  it('plain static server without COOP/COEP, under a sub-path: still works, single-threaded', async () => {
    const r = await ortSmokePage(`${plainUrl}/tests/browser/pages/ort-smoke.html?backend=wasm&threads=2`, true);
    expect(r).toMatchObject({ crossOriginIsolated: false, output: SUM });
  });
});

async function ortSmokePage(url: string, allowWarnings = false): Promise<OrtSmokeResult> {
  const p = await openPage(url, { prefix: '[ort-smoke]' });
  try {
    await p.page.waitForFunction(() => window.__ortSmoke !== undefined, null, { timeout: 60_000 });
    const out = await p.page.evaluate(() => window.__ortSmoke);
    if (!out?.ok) throw new Error(`ort smoke failed in page: ${out?.error}`);
    if (!allowWarnings) expect(p.errors).toEqual([]);
    else expect(p.errors.filter((e) => /Content Security Policy|Refused to/i.test(e))).toEqual([]);
    return out.result as OrtSmokeResult;
  } finally {
    await p.close();
  }
}

/** Serves `dir` under any path prefix ending in the file's path, with no special headers. */
function plainStaticServer(dir: string): Promise<Server> {
  const types: Record<string, string> = {
    '.html': 'text/html',
    '.js': 'text/javascript',
    '.mjs': 'text/javascript',
    '.wasm': 'application/wasm',
    '.css': 'text/css',
    '.json': 'application/json',
  };
  const srv = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname).replace(/^\/some\/sub\/path/, '');
    let file = join(dir, path.endsWith('/') ? `${path}index.html` : path);
    if (!file.startsWith(dir) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404).end('not found');
      return;
    }
    file = resolve(file);
    res.writeHead(200, { 'Content-Type': types[extname(file)] ?? 'application/octet-stream' });
    createReadStream(file).pipe(res);
  });
  return new Promise((r) => srv.listen(0, '127.0.0.1', () => r(srv)));
}
