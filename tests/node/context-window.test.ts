// What of a prompt the model sees: BOS kept at position 0, the prompt's last tokens, and a report of the cut.
// On the tiny model's real tokenizer and context (256): a 10,000-character prompt.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeClamp, describeCut, fitGeneration, fitPrompt, maxNewTokens } from '../../src/core/context-window';
import { LabError } from '../../src/core/errors';
import { loadGpt2FromDir } from '../../src/node/load-dir';
import { TINY_DIR } from '../helpers/checkpoints';

const { cfg, tokenizer } = loadGpt2FromDir(TINY_DIR);
const MOBY = readFileSync(join(TINY_DIR, '..', '..', 'samples', 'moby-dick.txt'), 'utf8');
const long = (chars: number) => MOBY.slice(0, chars);

describe('fitPrompt', () => {
  it('keeps a prompt that fits whole, BOS first', () => {
    const ids = tokenizer.encode('Call me Ishmael.');
    expect(fitPrompt(ids, { nPositions: cfg.nPositions, bos: cfg.bosTokenId })).toEqual({ ids: [cfg.bosTokenId, ...ids], cut: null });
    expect(fitPrompt(ids, { nPositions: ids.length, bos: null }).cut).toBeNull();
  });

  it('a 10,000-character prompt: BOS + the last 255 tokens, and says what was cut', () => {
    const ids = tokenizer.encode(long(10_000));
    expect(ids.length).toBeGreaterThan(cfg.nPositions);
    const { ids: seen, cut } = fitPrompt(ids, { nPositions: cfg.nPositions, bos: cfg.bosTokenId });
    expect(seen.length).toBe(256);
    expect(seen[0]).toBe(cfg.bosTokenId);
    expect(seen.slice(1)).toEqual(ids.slice(-255));
    expect(cut).toEqual({ tokens: ids.length, kept: 255, dropped: ids.length - 255, bos: true, nPositions: 256, reserved: 0 });
    const t = ids.length.toLocaleString('en-US');
    const d = (ids.length - 255).toLocaleString('en-US');
    expect(describeCut(cut!)).toBe(`${t} tokens: the model sees BOS + the last 255 (its context is 256 positions); cut ${d} from the start`);
  });

  it('without BOS: the last nPositions tokens', () => {
    const ids = Array.from({ length: 300 }, (_, i) => i);
    const { ids: seen, cut } = fitPrompt(ids, { nPositions: 256, bos: null });
    expect(seen).toEqual(ids.slice(-256));
    expect(describeCut(cut!)).toBe('300 tokens: the model sees the last 256 (its context is 256 positions); cut 44 from the start');
  });
});

describe('fitGeneration', () => {
  const o = { nPositions: 256, bos: 8191 };
  it('asks for at least 1 new token', () => {
    expect(() => fitGeneration([1, 2], 0, o)).toThrow(LabError);
    expect(() => fitGeneration([1, 2], 0, o)).toThrow('ask for at least 1 new token (got 0)');
    expect(() => fitGeneration([1, 2], 2.5, o)).toThrow(LabError);
  });

  it('clamps 1,000 new tokens to the context less BOS and one prompt token, and says so', () => {
    const g = fitGeneration([1, 2, 3], 1000, o);
    expect(maxNewTokens(256)).toBe(254);
    expect(g.newTokens).toBe(254);
    expect(g.clamped).toEqual({ asked: 1000, max: 254 });
    expect(g.ids).toEqual([8191, 3]); // BOS + the prompt's last token
    expect(g.ids.length + g.newTokens).toBe(256);
    expect(describeClamp(g.clamped!, 256)).toBe('asked for 1,000 new tokens; the context of 256 positions holds at most 254 after BOS and a prompt token: generating 254');
  });

  it('an over-long prompt keeps BOS + its last tokens so that prompt + new fit', () => {
    const prompt = Array.from({ length: 400 }, (_, i) => i);
    const g = fitGeneration(prompt, 24, o);
    expect(g.newTokens).toBe(24);
    expect(g.ids).toEqual([8191, ...prompt.slice(-231)]);
    expect(g.cut).toMatchObject({ tokens: 400, kept: 231, dropped: 169, reserved: 24 });
    expect(describeCut(g.cut!)).toBe('400 tokens: the model sees BOS + the last 231 (its context is 256 positions, 24 of them for the new tokens); cut 169 from the start');
    expect(fitGeneration([5], 24, o)).toMatchObject({ ids: [8191, 5], cut: null, clamped: null, newTokens: 24 });
  });
});
