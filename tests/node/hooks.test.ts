import { describe, expect, it } from 'vitest';
import { hookDim, hookNames, hookShape, parseHook, rowHookNames } from '../../src/core/hooks';
import { parseGpt2Config } from '../../src/core/config';
import { HookNameError } from '../../src/core/errors';

describe('TransformerLens hook names', () => {
  it('are exactly this ordered list for a 2-layer GPT-2 (the list is the spec)', () => {
    expect(hookNames(2)).toEqual([
      'hook_embed',
      'hook_pos_embed',
      'blocks.0.hook_resid_pre',
      'blocks.0.ln1.hook_scale',
      'blocks.0.ln1.hook_normalized',
      'blocks.0.attn.hook_q',
      'blocks.0.attn.hook_k',
      'blocks.0.attn.hook_v',
      'blocks.0.attn.hook_attn_scores',
      'blocks.0.attn.hook_pattern',
      'blocks.0.attn.hook_z',
      'blocks.0.hook_attn_out',
      'blocks.0.hook_resid_mid',
      'blocks.0.ln2.hook_scale',
      'blocks.0.ln2.hook_normalized',
      'blocks.0.mlp.hook_pre',
      'blocks.0.mlp.hook_post',
      'blocks.0.hook_mlp_out',
      'blocks.0.hook_resid_post',
      'blocks.1.hook_resid_pre',
      'blocks.1.ln1.hook_scale',
      'blocks.1.ln1.hook_normalized',
      'blocks.1.attn.hook_q',
      'blocks.1.attn.hook_k',
      'blocks.1.attn.hook_v',
      'blocks.1.attn.hook_attn_scores',
      'blocks.1.attn.hook_pattern',
      'blocks.1.attn.hook_z',
      'blocks.1.hook_attn_out',
      'blocks.1.hook_resid_mid',
      'blocks.1.ln2.hook_scale',
      'blocks.1.ln2.hook_normalized',
      'blocks.1.mlp.hook_pre',
      'blocks.1.mlp.hook_post',
      'blocks.1.hook_mlp_out',
      'blocks.1.hook_resid_post',
      'ln_final.hook_scale',
      'ln_final.hook_normalized',
    ]);
  });

  it('give the activation width of each hook', () => {
    const cfg = parseGpt2Config({ vocab_size: 10, n_positions: 8, n_embd: 16, n_layer: 2, n_head: 2 });
    expect(hookDim('blocks.1.mlp.hook_post', cfg)).toBe(64);
    expect(hookDim('blocks.1.hook_resid_post', cfg)).toBe(16);
    expect(hookDim('ln_final.hook_normalized', cfg)).toBe(16);
    expect(hookDim('blocks.0.attn.hook_z', cfg)).toBe(16); // head · d_head, as SAELens flattens hook_z
    expect(hookDim('blocks.0.ln2.hook_scale', cfg)).toBe(1);
    expect(() => hookDim('blocks.0.attn.hook_pattern', cfg)).toThrow(/not one row per position/);
  });

  it("give TransformerLens' shapes without the batch axis", () => {
    const cfg = parseGpt2Config({ vocab_size: 10, n_positions: 8, n_embd: 16, n_layer: 2, n_head: 2 });
    expect(hookShape('blocks.1.attn.hook_z', cfg, 5)).toEqual([5, 2, 8]);
    expect(hookShape('blocks.1.attn.hook_pattern', cfg, 5)).toEqual([2, 5, 5]);
    expect(hookShape('blocks.1.attn.hook_attn_scores', cfg, 2, 3)).toEqual([2, 2, 5]);
    expect(hookShape('ln_final.hook_scale', cfg, 5)).toEqual([5, 1]);
    expect(rowHookNames(2)).toEqual(hookNames(2).filter((h) => !/hook_(attn_scores|pattern)$/.test(h)));
  });

  it('reject unknown points and out-of-range layers with a message naming the fix', () => {
    expect(() => parseHook('blocks.4.hook_resid_post', { nLayer: 4 })).toThrow(HookNameError);
    expect(() => parseHook('blocks.4.hook_resid_post', { nLayer: 4 })).toThrow(/layers 0…3/);
    expect(() => parseHook('blocks.0.hook_resid', { nLayer: 4 })).toThrow(/one of hook_resid_pre/);
    expect(() => parseHook('resid_post', { nLayer: 4 })).toThrow(/TransformerLens names/);
  });
});
