// KV-cache decoding on onnxruntime-web's WebGPU backend in Chromium (SwiftShader here), the cache kept in
// GPU buffers between steps: after a prompt prefill, every greedy step's logits equal a full
// recomputation without a cache within 1e-4 relative. Batch of two; and with a steering vector.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { TINY_DIR, pseudoIds, pseudoVector } from '../helpers/checkpoints';
import { type HubServer, startHubServer } from '../helpers/hub-server';
import { assertClose } from '../reference/compare';
import { type OpenedPage, callInPage, closeChromium, openPage } from './chromium';
import type { KvDecodeRequest, KvDecodeResult } from './pages/kv-cache';

const REL = 1e-4;
const V = 8192;
let hub: HubServer;
let page: OpenedPage;

function decode(b64: string): Float32Array {
  const bytes = Buffer.from(b64, 'base64');
  return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
}

async function decodeAndCheck(req: Omit<KvDecodeRequest, 'hubUrl' | 'repo'>, label: string): Promise<KvDecodeResult> {
  const r = await callInPage<KvDecodeResult>(page.page, '/tests/browser/pages/kv-cache.ts', 'kvDecode', { ...req, hubUrl: hub.url, repo: 'sse/tiny-gpt2' });
  expect(r.fallbackReason).toBeNull();
  expect(r.backend).toBe('webgpu');
  const B = req.prompts.length;
  const P0 = req.prompts[0].length;
  expect(r.steps).toHaveLength(req.steps + 1);
  r.steps.forEach((s, i) => {
    expect(s.newPositions).toBe(i === 0 ? P0 : 1);
    expect(s.cacheLength).toBe(P0 + i);
    expect(s.cacheLocation).toBe('gpu-buffer');
    const got = decode(s.cached);
    expect(got.length).toBe(B * s.newPositions * V);
    assertClose(`${label} ${i === 0 ? 'prefill' : `step ${i}`} logits`, got, decode(s.full), REL);
  });
  expect(r.tokens.map((t) => t.length)).toEqual(req.prompts.map(() => P0 + req.steps));
  return r;
}

beforeAll(async () => {
  hub = await startHubServer({ 'sse/tiny-gpt2': TINY_DIR });
  page = await openPage(`${inject('baseUrl')}/tests/browser/pages/blank.html`);
});

afterAll(async () => {
  await page?.close();
  await closeChromium();
  await hub?.close();
});

describe('KV-cache decoding on WebGPU vs full recomputation (tiny-gpt2)', () => {
  it('batch of two: prefill 5, then 4 greedy steps', async () => {
    await decodeAndCheck({ prompts: [pseudoIds(5, V, 41), pseudoIds(5, V, 42)], steps: 4 }, 'batch 2');
  });

  it('with a steering vector at blocks.1.hook_resid_post: prefill 5, then 3 steps', async () => {
    const v = pseudoVector(256, 43, 4);
    await decodeAndCheck(
      { prompts: [pseudoIds(5, V, 44)], steps: 3, steerAt: 'blocks.1.hook_resid_post', steer: { data: Array.from(v), shape: [1, 1, 256] } },
      'steered',
    );
  });
});
