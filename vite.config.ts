import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { type Plugin, defineConfig } from 'vite';

/**
 * Cross-origin isolation: lets onnxruntime-web use SharedArrayBuffer (wasm threads).
 * COEP require-corp means every cross-origin resource must come with CORS or
 * Cross-Origin-Resource-Policy (the Hugging Face Hub sends CORS headers).
 */
const crossOriginIsolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

const CSP_META_RE = /(<meta\s+http-equiv="Content-Security-Policy"\s+content=")([^"]*)(")/i;
const root = fileURLToPath(new URL('.', import.meta.url));

/** The app's CSP, as written in index.html (the single source of truth). */
function appCsp(): string {
  const m = CSP_META_RE.exec(readFileSync(resolve(root, 'index.html'), 'utf8'));
  if (!m) throw new Error('index.html has no Content-Security-Policy meta');
  return m[2];
}

/**
 * index.html carries the strict CSP used by the built site.
 * - Other HTML pages (browser-test pages) that have no CSP meta get the same one,
 *   so tests run under the app's policy.
 * - The dev server adds an inline module script (the React Fast Refresh preamble) and
 *   talks to Vite over a WebSocket, so in `vite` dev only we allow exactly those inline
 *   scripts by hash and add ws: to connect-src. The built site keeps index.html's CSP.
 */
function csp(): Plugin {
  let serve = false;
  return {
    name: 'sse:csp',
    configResolved(config) {
      serve = config.command === 'serve';
    },
    transformIndexHtml: {
      order: 'post',
      handler(html) {
        if (!CSP_META_RE.test(html)) {
          const meta = `<meta http-equiv="Content-Security-Policy" content="${appCsp()}" />`;
          html = html.replace(/<head>/i, `<head>\n    ${meta}`);
        }
        if (!serve) return html;
        const hashes = new Set<string>();
        for (const m of html.matchAll(/<script\b(?![^>]*\bsrc=)[^>]*>([\s\S]*?)<\/script>/gi)) {
          hashes.add(`'sha256-${createHash('sha256').update(m[1], 'utf8').digest('base64')}'`);
        }
        return html.replace(CSP_META_RE, (_all, pre: string, policy: string, post: string) => {
          const relaxed = policy
            .replace(/script-src ([^;]*)/, (_s, v: string) => `script-src ${[v, ...hashes].join(' ')}`)
            .replace(/connect-src ([^;]*)/, (_s, v: string) => `connect-src ${v} ws://127.0.0.1:* ws://localhost:*`);
          return pre + relaxed + post;
        });
      },
    },
  };
}

/**
 * onnxruntime-web starts its wasm pthreads as `new Worker(import.meta.url)` of the module that
 * contains it. Bundled into the model worker's chunk (or the page's), every pthread would re-run
 * that app code, and session creation hangs. In a chunk of its own, pthreads load ORT only.
 * Applied to the worker build and the page build.
 */
const ortOwnChunk = { groups: [{ name: 'ort', test: /[\\/]node_modules[\\/]onnxruntime-web[\\/]/ }] };

export default defineConfig({
  base: './',
  plugins: [react(), csp()],
  server: {
    host: '127.0.0.1',
    port: 5173,
    headers: crossOriginIsolation,
  },
  preview: {
    host: '127.0.0.1',
    port: 4173,
    headers: crossOriginIsolation,
  },
  worker: {
    format: 'es',
    rolldownOptions: { output: { codeSplitting: ortOwnChunk } },
  },
  optimizeDeps: {
    // onnxruntime-web locates its .wasm/.mjs next to its own module; pre-bundling breaks that.
    exclude: ['onnxruntime-web'],
    // Scan the app and the browser-test pages at startup so that the first page load
    // does not discover new deps and trigger a full reload (flaky in tests).
    entries: ['index.html', 'src/**/*.worker.ts', 'tests/browser/pages/**/*.{ts,tsx,html}', 'bench/pages/**/*.{ts,html}'],
  },
  assetsInclude: ['**/*.wasm', '**/*.onnx'],
  build: {
    outDir: 'dist',
    target: 'es2022',
    sourcemap: true,
    chunkSizeWarningLimit: 4096,
    // Every browser with WebGPU supports <link rel=modulepreload>. The polyfill touches
    // `document` at module top level; when rolldown puts it in a chunk shared with
    // onnxruntime-web, ORT's pthread workers (which import that chunk) crash with
    // "document is not defined".
    modulePreload: { polyfill: false },
    rolldownOptions: { output: { codeSplitting: ortOwnChunk } },
  },
});
