// The engine's `attention` call on the tiny model (wasm): every layer's pattern and the scores computed from them,
// the first positions kept (and said so) for a prompt longer than the view, and the repeated-random-tokens test.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { headScores, repeatedInductionScores, repeatedRandomTokens } from '../../src/analysis/attention';
import { LabEngine } from '../../src/worker/engine';
import { TINY_DIR } from '../helpers/checkpoints';

const file = (name: string) => new File([readFileSync(join(TINY_DIR, name)) as BlobPart], name);
let engine: LabEngine;

beforeAll(async () => {
  engine = new LabEngine();
  const files = ['config.json', 'tokenizer.json', 'model.safetensors'].map(file);
  await engine.call('load', { source: { kind: 'files', files }, options: { backend: 'wasm', hooks: [], steerAt: null } });
});

describe('engine attention', () => {
  it('returns [head, T, T] per layer and the scores of exactly those patterns', async () => {
    const v = await engine.call('attention', { prompt: 'The cat sat. The cat sat.', prependBos: true });
    const T = v.ids.length;
    expect(v.ids[0]).toBe(8191);
    expect(v.tokens).toHaveLength(T);
    expect(v.patterns).toHaveLength(4);
    for (const p of v.patterns) expect(p.length).toBe(v.nHead * T * T);
    expect(v.scores).toEqual(headScores(v.patterns, v.nHead, T, v.ids));
    expect(v.truncated).toBeNull();
    expect(v.repeated).toBeNull();
    const noBos = await engine.call('attention', { prompt: 'The cat sat.', prependBos: false });
    expect(noBos.ids[0]).not.toBe(8191);
  });

  it('keeps the first positions of a prompt longer than the view and says how many it had', async () => {
    const prompt = 'one two three four five six seven eight nine ten '.repeat(40);
    const v = await engine.call('attention', { prompt, prependBos: true });
    expect(v.ids).toHaveLength(256);
    expect(v.ids[0]).toBe(8191);
    expect(v.truncated!.kept).toBe(256);
    expect(v.truncated!.tokens).toBeGreaterThan(256);
  });

  it('runs the repeated-random-tokens test on BOS + r + r', async () => {
    const v = await engine.call('attention', { prompt: 'ignored', prependBos: true, repeated: { length: 20, seed: 3 } });
    expect(v.ids).toEqual(repeatedRandomTokens(20, 8192, 8191, 3));
    expect(v.prompt).toBe('');
    expect(v.repeated!.scores).toEqual(repeatedInductionScores(v.patterns, v.nHead, 20));
    const best = Math.max(...v.repeated!.scores);
    console.log(`[attention-engine] repeated-tokens induction scores ${v.repeated!.scores.map((s) => s.toFixed(3)).join(' ')}`);
    expect(best).toBeGreaterThan(0);
    await expect(engine.call('attention', { prompt: '', prependBos: true, repeated: { length: 200, seed: 1 } })).rejects.toThrow(/2 ≤ \|r\| ≤ 127/);
  });
});
