import { describe, expect, it } from 'vitest';
import { canonicalModelName, sameModel } from '../../src/core/model-names';

describe('model names', () => {
  it("match SAELens' names with the Hub's and nothing else", () => {
    expect(sameModel('gpt2-small', 'openai-community/gpt2')).toBe(true);
    expect(sameModel('gpt2', 'gpt2-small')).toBe(true);
    expect(sameModel('gpt2-small', 'gpt2-medium')).toBe(false);
    expect(sameModel('tiny-gpt2', 'tiny-gpt2')).toBe(true);
    expect(sameModel('tiny-gpt2', 'gpt2')).toBe(false);
    expect(canonicalModelName('sse/gpt2-small-random')).toBe('sse/gpt2-small-random');
  });
});
