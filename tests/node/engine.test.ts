// The in-thread engine (what the worker wraps): load from a URL folder and from files, a pre-built .onnx
// that follows the contract, and a failed load that leaves the previous model working.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildGpt2Onnx } from '../../src/model/gpt2-onnx';
import { loadGpt2FromDir } from '../../src/node/load-dir';
import { LabEngine, NoModelError } from '../../src/worker/engine';
import { TINY_DIR } from '../helpers/checkpoints';
import { type HubServer, startHubServer } from '../helpers/hub-server';
import { OnnxGraph, DataType } from '../../src/onnx/graph';

const file = (name: string, bytes: Uint8Array | string) => new File([bytes as BlobPart], name);
const tinyFiles = () => ['config.json', 'tokenizer.json'].map((f) => file(f, readFileSync(join(TINY_DIR, f))));
const options = { backend: 'wasm' as const, hooks: [], steerAt: null };
let hub: HubServer;

beforeAll(async () => {
  hub = await startHubServer({ 'sse/tiny-gpt2': TINY_DIR });
});
afterAll(async () => {
  await hub?.close();
});

describe('LabEngine', () => {
  it('answers predict only once a model is loaded', async () => {
    const engine = new LabEngine();
    await expect(engine.call('predict', { text: 'x', topK: 3, prependBos: true })).rejects.toThrow(NoModelError);
  });

  it('loads from a URL folder, predicts, and keeps the model when a later load fails', async () => {
    const engine = new LabEngine();
    const phases: string[] = [];
    const info = await engine.call(
      'load',
      { source: { kind: 'url', id: 'tiny-gpt2', baseUrl: `${hub.url}/sse/tiny-gpt2/resolve/main/` }, options },
      (p) => phases.push(p.phase),
    );
    expect(info).toMatchObject({ id: 'tiny-gpt2', status: { backend: 'wasm' } });
    expect(info.parameters).toBeGreaterThan(5e6);
    expect(phases).toContain('download');
    expect(phases.at(-1)).toBe('ready');
    const before = await engine.call('predict', { text: 'Call me Ishmael.', topK: 5, prependBos: true });
    expect(before.ids[0]).toBe(8191);
    expect(before.top).toHaveLength(5);
    expect(before.top[0].prob).toBeGreaterThan(before.top[4].prob);
    const total = before.top.reduce((a, t) => a + t.prob, 0);
    expect(total).toBeLessThanOrEqual(1 + 1e-6);

    await expect(engine.call('load', { source: { kind: 'hub', repo: 'missing/repo', hubUrl: hub.url }, options })).rejects.toThrow(/HTTP 404/);
    const after = await engine.call('predict', { text: 'Call me Ishmael.', topK: 5, prependBos: true });
    expect(after.top).toEqual(before.top);
  });

  it('a prompt longer than the context keeps BOS and its last tokens, and says what was cut', async () => {
    const engine = new LabEngine();
    await engine.call('load', { source: { kind: 'url', id: 'tiny-gpt2', baseUrl: `${hub.url}/sse/tiny-gpt2/resolve/main/` }, options });
    const text = readFileSync(join(TINY_DIR, '..', '..', 'samples', 'moby-dick.txt'), 'utf8').slice(0, 10_000);
    const all = (await engine.call('tokenize', { text })).ids;
    const p = await engine.call('predict', { text, topK: 3, prependBos: true });
    expect(p.ids).toHaveLength(256);
    expect(p.ids[0]).toBe(8191); // BOS stays at position 0
    expect(p.ids.slice(1)).toEqual(all.slice(-255));
    expect(p.cut).toEqual({ tokens: all.length, kept: 255, dropped: all.length - 255, bos: true, nPositions: 256, reserved: 0 });
    // The prediction is the model's on exactly that window.
    const out = await engine.call('forward', { ids: [p.ids] });
    const V = 8192;
    const last = out.logits!.data.subarray(255 * V, 256 * V);
    expect(p.top[0].logit).toBeCloseTo(Math.max(...last), 4);
    expect((await engine.call('predict', { text: 'Call me Ishmael.', topK: 3, prependBos: true })).cut).toBeNull();
  });

  it('opens a pre-built .onnx that follows the contract and predicts the same as the built model', async () => {
    const loaded = loadGpt2FromDir(TINY_DIR);
    const onnx = buildGpt2Onnx(loaded.weights, loaded.cfg, { hooks: ['blocks.1.hook_resid_post'] });
    const engine = new LabEngine();
    const info = await engine.call('load', { source: { kind: 'files', files: [...tinyFiles(), file('gpt2.onnx', onnx)] }, options });
    expect(info.parameters).toBeNull();
    expect(info.hooks).toEqual(['blocks.1.hook_resid_post']);
    const fromOnnx = await engine.call('predict', { text: 'The whale', topK: 3, prependBos: true });

    const built = new LabEngine();
    const files = [...tinyFiles(), file('model.safetensors', readFileSync(join(TINY_DIR, 'model.safetensors')))];
    await built.call('load', { source: { kind: 'files', files }, options });
    expect(await built.call('predict', { text: 'The whale', topK: 3, prependBos: true })).toEqual(fromOnnx);
  });

  it('rejects a .onnx that does not follow the naming contract', async () => {
    const g = new OnnxGraph('wrong');
    g.input('tokens', DataType.FLOAT, [1]);
    g.node('Identity', ['tokens'], { outputs: ['out'] });
    g.output('out', DataType.FLOAT, [1]);
    const bad = g.toModel({ opset: 17, producer: 'test' });
    const engine = new LabEngine();
    await expect(engine.call('load', { source: { kind: 'files', files: [...tinyFiles(), file('bad.onnx', bad)] }, options })).rejects.toThrow(
      /inputs \[tokens\]; it needs "input_ids"/,
    );
    await expect(engine.call('load', { source: { kind: 'files', files: [file('gpt2.onnx', bad)] }, options })).rejects.toThrow(
      /missing config.json, tokenizer.json/,
    );
  });
});
