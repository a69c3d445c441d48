// In-page half of the model tests: loads a checkpoint through the real loaders (HTTP), builds the ONNX
// graph, runs it on the requested backend and returns every output as base64 float32 for the Node side,
// which compares against the independent CPU reference.
import { hookNames } from '../../../src/core/hooks';
import type { TlSettings } from '../../../src/core/tl-settings';
import { createGpt2Model } from '../../../src/model/gpt2';
import type { Backend } from '../../../src/model/runtime';
import { loadGpt2FromHub } from '../../../src/model/sources';
import { toBase64 } from './base64';

export interface RunRequest {
  hubUrl: string;
  repo: string;
  backend: Backend;
  ids: number[][];
  hooks?: string[] | 'all';
  steerAt?: string;
  steer?: { data: number[]; shape: [number, number, number] };
  runs?: Array<{ steer?: { data: number[]; shape: [number, number, number] } }>;
  /** TransformerLens weight processing (default: the Hugging Face model's own). */
  tl?: TlSettings;
}

export interface RunResult {
  backend: Backend;
  fallbackReason: string | null;
  adapter: string | null;
  buildMs: number;
  sessionMs: number;
  outputs: Array<Record<string, { shape: number[]; b64: string }>>; // one per run
}

export async function runModel(req: RunRequest): Promise<RunResult> {
  const loaded = await loadGpt2FromHub(req.repo, { hubUrl: req.hubUrl, cache: false });
  const hooks = req.hooks === 'all' ? hookNames(loaded.cfg.nLayer) : (req.hooks ?? []);
  const model = await createGpt2Model(loaded.weights, loaded.cfg, { backend: req.backend, hooks, steerAt: req.steerAt ?? null, tl: req.tl });
  const runs = req.runs ?? [{ steer: req.steer }];
  const outputs: RunResult['outputs'] = [];
  for (const run of runs) {
    const steer = run.steer && { data: Float32Array.from(run.steer.data), shape: run.steer.shape };
    const out = await model.forward(req.ids, { steer });
    const o: RunResult['outputs'][number] = {};
    if (out.logits) o.logits = { shape: out.logits.shape, b64: toBase64(out.logits.data) };
    for (const [name, t] of Object.entries(out.hooks)) o[name] = { shape: t.shape, b64: toBase64(t.data) };
    outputs.push(o);
  }
  await model.dispose();
  return { backend: model.status.backend, fallbackReason: model.status.fallbackReason, adapter: model.status.adapter, ...model.timings, outputs };
}

/** With keepOnGpu, outputs come back as GPU buffers whose contents equal the read-back forward. */
export async function gpuOutputs(hubUrl: string, repo: string, ids: number[][]) {
  const loaded = await loadGpt2FromHub(repo, { hubUrl, cache: false });
  const hooks = ['blocks.1.hook_resid_post'];
  const onGpu = await createGpt2Model(loaded.weights, loaded.cfg, { backend: 'webgpu', hooks, keepOnGpu: true });
  const tensors = await onGpu.forwardTensors(ids);
  const t = tensors['blocks.1.hook_resid_post'];
  const location = t.location;
  const hasBuffer = t.location === 'gpu-buffer' && t.gpuBuffer instanceof GPUBuffer;
  const fromGpu = (await t.getData(true)) as Float32Array;
  for (const other of Object.values(tensors)) if (other !== t) other.dispose();
  const plain = await createGpt2Model(loaded.weights, loaded.cfg, { backend: 'webgpu', hooks });
  const ref = (await plain.forward(ids)).hooks['blocks.1.hook_resid_post'].data;
  await onGpu.dispose();
  await plain.dispose();
  let maxDiff = 0;
  fromGpu.forEach((v, i) => (maxDiff = Math.max(maxDiff, Math.abs(v - ref[i]))));
  return { location, hasBuffer, maxDiff, length: fromGpu.length };
}
