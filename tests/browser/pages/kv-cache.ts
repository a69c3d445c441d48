// In-page half of the KV-cache test: greedy decoding with the cache on WebGPU (the cache kept in GPU
// buffers between steps, as generation would), and at every step a full recomputation of the whole
// sequence by a model without a cache. Both sides' new-position logits go back as base64 float32.
import { createGpt2Model } from '../../../src/model/gpt2';
import type { KvCache, SteerSpec } from '../../../src/model/gpt2';
import { loadGpt2FromHub } from '../../../src/model/sources';
import { toBase64 } from './base64';

export interface KvDecodeRequest {
  hubUrl: string;
  repo: string;
  prompts: number[][]; // [B][P0], equal lengths
  steps: number;
  steerAt?: string;
  steer?: { data: number[]; shape: [number, number, number] };
}

export interface KvDecodeStep {
  newPositions: number;
  cached: string; // [B, T_new, V] base64
  full: string; //   [B, T_new, V] base64: the last T_new positions of the full run
  cacheLength: number;
  cacheLocation: string;
}

export interface KvDecodeResult {
  backend: string;
  fallbackReason: string | null;
  tokens: number[][];
  steps: KvDecodeStep[];
}

export async function kvDecode(req: KvDecodeRequest): Promise<KvDecodeResult> {
  const { weights, cfg } = await loadGpt2FromHub(req.repo, { hubUrl: req.hubUrl, cache: false });
  const steerAt = req.steerAt ?? null;
  const cached = await createGpt2Model(weights, cfg, { backend: 'webgpu', kvCache: true, keepOnGpu: true, steerAt });
  const full = await createGpt2Model(weights, cfg, { backend: 'webgpu', steerAt });
  const steer: SteerSpec | undefined = req.steer && { data: Float32Array.from(req.steer.data), shape: req.steer.shape };
  const V = cfg.vocabSize;
  const B = req.prompts.length;
  const seqs = req.prompts.map((p) => [...p]);
  const steps: KvDecodeStep[] = [];
  let past: KvCache | null = null;
  let input = req.prompts;
  for (let s = 0; s <= req.steps; s++) {
    const T = input[0].length;
    const got = await cached.forwardWithCache(input, past, { steer });
    past?.dispose();
    past = got.present;
    const total = seqs[0].length;
    const ref = (await full.forward(seqs, { steer })).logits!.data; // [B, total, V]
    const tail = new Float32Array(B * T * V);
    for (let b = 0; b < B; b++) tail.set(ref.subarray((b * total + total - T) * V, (b + 1) * total * V), b * T * V);
    steps.push({
      newPositions: T,
      cached: toBase64(got.logits!.data),
      full: toBase64(tail),
      cacheLength: past.length,
      cacheLocation: past.keys[0].location,
    });
    if (s === req.steps) break;
    // Greedy: the next token of each row is the argmax of its newest position.
    input = seqs.map((row, b) => {
      const last = got.logits!.data.subarray((b * T + T - 1) * V, (b * T + T) * V);
      let best = 0;
      for (let i = 1; i < V; i++) if (last[i] > last[best]) best = i;
      row.push(best);
      return [best];
    });
  }
  past?.dispose();
  await cached.dispose();
  await full.dispose();
  return { backend: cached.status.backend, fallbackReason: cached.status.fallbackReason, tokens: seqs, steps };
}
