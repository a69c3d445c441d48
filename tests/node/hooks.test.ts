import { describe, expect, it } from 'vitest';
import { hookDim, hookNames, parseHook } from '../../src/core/hooks';
import { parseGpt2Config } from '../../src/core/config';
import { HookNameError } from '../../src/core/errors';

describe('TransformerLens hook names', () => {
  it('are exactly this ordered list for a 2-layer GPT-2 (the list is the spec)', () => {
    expect(hookNames(2)).toEqual([
      'hook_embed',
      'hook_pos_embed',
      'blocks.0.hook_resid_pre',
      'blocks.0.hook_attn_out',
      'blocks.0.hook_resid_mid',
      'blocks.0.mlp.hook_pre',
      'blocks.0.mlp.hook_post',
      'blocks.0.hook_mlp_out',
      'blocks.0.hook_resid_post',
      'blocks.1.hook_resid_pre',
      'blocks.1.hook_attn_out',
      'blocks.1.hook_resid_mid',
      'blocks.1.mlp.hook_pre',
      'blocks.1.mlp.hook_post',
      'blocks.1.hook_mlp_out',
      'blocks.1.hook_resid_post',
      'ln_final.hook_normalized',
    ]);
  });

  it('give the activation width of each hook', () => {
    const cfg = parseGpt2Config({ vocab_size: 10, n_positions: 8, n_embd: 16, n_layer: 2, n_head: 2 });
    expect(hookDim('blocks.1.mlp.hook_post', cfg)).toBe(64);
    expect(hookDim('blocks.1.hook_resid_post', cfg)).toBe(16);
    expect(hookDim('ln_final.hook_normalized', cfg)).toBe(16);
  });

  it('reject unknown points and out-of-range layers with a message naming the fix', () => {
    expect(() => parseHook('blocks.4.hook_resid_post', { nLayer: 4 })).toThrow(HookNameError);
    expect(() => parseHook('blocks.4.hook_resid_post', { nLayer: 4 })).toThrow(/layers 0…3/);
    expect(() => parseHook('blocks.0.hook_resid', { nLayer: 4 })).toThrow(/one of hook_resid_pre/);
    expect(() => parseHook('resid_post', { nLayer: 4 })).toThrow(/TransformerLens names/);
  });
});
