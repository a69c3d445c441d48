// The test Hub server is reachable from the app's page: COEP require-corp + CSP connect-src,
// CORS-exposed headers, Range, redirects, and a truncated body surfaces as a fetch error.
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { type HubServer, startHubServer } from '../helpers/hub-server';
import { type OpenedPage, closeChromium, openPage } from './chromium';

const root = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');
const baseUrl = inject('baseUrl');

describe('hub server from the browser', () => {
  let hub: HubServer;
  let p: OpenedPage;

  beforeAll(async () => {
    hub = await startHubServer({ 'test/tiny-gpt2': join(root, 'public/models/tiny-gpt2') });
  });

  afterAll(async () => {
    await hub?.close();
    await closeChromium();
  });

  // A page per test: the first test's "no console errors" must not see the 404 the second one asks for, and a
  // fault a failed test left set must not reach the next one.
  beforeEach(async () => {
    p = await openPage(`${baseUrl}/tests/browser/pages/blank.html`, { prefix: '[hub]' });
  });

  afterEach(async () => {
    hub.faults.clear();
    await p?.close();
  });

  it('fetch, HEAD, Range and redirect work cross-origin under COEP + CSP', async () => {
    const cfgUrl = hub.resolveUrl('test/tiny-gpt2', 'config.json');
    const stUrl = hub.resolveUrl('test/tiny-gpt2', 'model.safetensors');
    hub.faults.set('tokenizer.json', 'redirect');
    const r = await p.page.evaluate(
      async ([cfgUrl, stUrl, tokUrl]) => {
        const cfg = await (await fetch(cfgUrl)).json();
        const head = await fetch(stUrl, { method: 'HEAD' });
        const part = await fetch(stUrl, { headers: { Range: 'bytes=0-7' } });
        const bytes = new Uint8Array(await part.arrayBuffer());
        const tok = await fetch(tokUrl);
        await tok.arrayBuffer();
        return {
          isolated: crossOriginIsolated,
          modelType: cfg.model_type,
          length: Number(head.headers.get('content-length')),
          etag: head.headers.get('etag'),
          commit: head.headers.get('x-repo-commit'),
          partStatus: part.status,
          contentRange: part.headers.get('content-range'),
          headerLen: Number(new DataView(bytes.buffer).getBigUint64(0, true)),
          tokStatus: tok.status,
          tokRedirected: tok.redirected,
        };
      },
      [cfgUrl, stUrl, hub.resolveUrl('test/tiny-gpt2', 'tokenizer.json')] as const,
    );
    expect(r.isolated).toBe(true);
    expect(r.modelType).toBe('gpt2');
    expect(r.length).toBeGreaterThan(1_000_000);
    expect(r.etag).toBeTruthy();
    expect(r.commit).toMatch(/^[0-9a-f]{40}$/);
    expect(r.partStatus).toBe(206);
    expect(r.contentRange).toMatch(/^bytes 0-7\/\d+$/);
    expect(r.headerLen).toBeGreaterThan(0);
    expect(r).toMatchObject({ tokStatus: 200, tokRedirected: true });
    hub.faults.clear();
    expect(p.errors).toEqual([]);
  });

  it('faults show up in the page: 404 JSON and a truncated body', async () => {
    hub.faults.set('model.safetensors', 'truncate:4096');
    const r = await p.page.evaluate(
      async ([missing, st]) => {
        const nf = await fetch(missing);
        const body = await nf.json();
        let truncated = 'no error';
        try {
          await (await fetch(st)).arrayBuffer();
        } catch (e) {
          truncated = String(e);
        }
        return { status: nf.status, body, truncated };
      },
      [hub.resolveUrl('test/tiny-gpt2', 'missing.bin'), hub.resolveUrl('test/tiny-gpt2', 'model.safetensors')] as const,
    );
    hub.faults.clear();
    expect(r.status).toBe(404);
    expect(r.body).toEqual({ error: 'Entry not found' });
    expect(r.truncated).toMatch(/TypeError/);
  });
});
