import { describe, expect, it } from 'vitest';
import { parseGpt2Config } from '../../src/core/config';
import { ModelConfigError } from '../../src/core/errors';

const gpt2Small = {
  activation_function: 'gelu_new', architectures: ['GPT2LMHeadModel'], bos_token_id: 50256, eos_token_id: 50256,
  layer_norm_epsilon: 1e-5, model_type: 'gpt2', n_ctx: 1024, n_embd: 768, n_head: 12, n_layer: 12, n_positions: 1024, vocab_size: 50257,
};

describe('GPT-2 config.json', () => {
  it('reads openai-community/gpt2', () => {
    expect(parseGpt2Config(gpt2Small)).toEqual({
      vocabSize: 50257, nPositions: 1024, nEmbd: 768, nLayer: 12, nHead: 12, nInner: 3072, layerNormEps: 1e-5, bosTokenId: 50256, eosTokenId: 50256,
    });
  });

  it('honours n_inner and falls back to n_ctx for positions', () => {
    const { n_positions: _, ...noPos } = gpt2Small;
    const cfg = parseGpt2Config({ ...noPos, n_inner: 1000 });
    expect(cfg.nInner).toBe(1000);
    expect(cfg.nPositions).toBe(1024);
  });

  it('rejects non-GPT-2 configs with a message naming the problem', () => {
    expect(() => parseGpt2Config({ ...gpt2Small, model_type: 'llama' })).toThrow(/model_type "llama"/);
    expect(() => parseGpt2Config({ ...gpt2Small, activation_function: 'relu' })).toThrow(/activation_function "relu"/);
    expect(() => parseGpt2Config({ ...gpt2Small, n_head: 7 })).toThrow(/not divisible/);
    expect(() => parseGpt2Config({ ...gpt2Small, n_layer: 0 })).toThrow(ModelConfigError);
    expect(() => parseGpt2Config([1, 2])).toThrow(/not a JSON object/);
  });
});
