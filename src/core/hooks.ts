// TransformerLens hook names for GPT-2: the one place they are spelled.
// The ordered list returned by hookNames() is the spec (tests pin it), in the order TransformerLens'
// HookedTransformer runs them (components/transformer_block.py, abstract_attention.py, layer_norm.py).
import type { Gpt2Config } from './config';
import { headDim } from './config';
import { HookNameError } from './errors';

/** Per-block hook points, in the order TransformerLens runs them. Shapes are TransformerLens' (batch first). */
export const BLOCK_HOOKS = [
  'hook_resid_pre', //        [B, T, d]      residual stream entering the block
  'ln1.hook_scale', //        [B, T, 1]      √(var + ε) of the residual, before attention
  'ln1.hook_normalized', //   [B, T, d]      (x − mean)/scale; after ln_1's affine when fold_ln is off
  'attn.hook_q', //           [B, T, nh, hd]
  'attn.hook_k', //           [B, T, nh, hd]
  'attn.hook_v', //           [B, T, nh, hd] without b_V when fold_value_biases
  'attn.hook_attn_scores', // [B, nh, T, T]  q·k/√hd, −∞ above the diagonal (causal mask applied)
  'attn.hook_pattern', //     [B, nh, T, T]  softmax of the scores
  'attn.hook_z', //           [B, T, nh, hd] pattern · v, before W_O
  'hook_attn_out', //         [B, T, d]      attention output after c_proj (incl. bias)
  'hook_resid_mid', //        [B, T, d]      resid_pre + attn_out
  'ln2.hook_scale', //        [B, T, 1]
  'ln2.hook_normalized', //   [B, T, d]
  'mlp.hook_pre', //          [B, T, 4d]     c_fc output, before GELU
  'mlp.hook_post', //         [B, T, 4d]     after gelu_new: the MLP "neurons"
  'hook_mlp_out', //          [B, T, d]      MLP output after c_proj (incl. bias)
  'hook_resid_post', //       [B, T, d]      resid_mid + mlp_out
] as const;

export type BlockHook = (typeof BLOCK_HOOKS)[number];

/** Hooks with one [position, head, d_head] value per token; harvested flattened to [position, head·d_head], as SAELens' `reshape_activations: "hook_z"`. */
export const HEAD_HOOKS: readonly string[] = ['attn.hook_q', 'attn.hook_k', 'attn.hook_v', 'attn.hook_z'];
/** Hooks over (query, key) pairs: [head, query, key]; not one row per position, so not harvested or steered. */
export const PAIR_HOOKS: readonly string[] = ['attn.hook_attn_scores', 'attn.hook_pattern'];

/** Block hooks a run can store: one row of fixed width per position (everything but scores and patterns). */
export const ROW_BLOCK_HOOKS: readonly BlockHook[] = BLOCK_HOOKS.filter((h) => !PAIR_HOOKS.includes(h));

export const GLOBAL_HOOKS_BEFORE = ['hook_embed', 'hook_pos_embed'] as const;
/** ln_final.hook_normalized is (x − mean)/√(var + ε), after ln_f's affine only when fold_ln is off (TransformerLens' LN vs LNPre). */
export const GLOBAL_HOOKS_AFTER = ['ln_final.hook_scale', 'ln_final.hook_normalized'] as const;

export function blockHook(layer: number, hook: BlockHook): string {
  return `blocks.${layer}.${hook}`;
}

/** Every hook point of a GPT-2 with nLayer blocks, in forward order. */
export function hookNames(nLayer: number): string[] {
  const names: string[] = [...GLOBAL_HOOKS_BEFORE];
  for (let l = 0; l < nLayer; l++) for (const h of BLOCK_HOOKS) names.push(blockHook(l, h));
  names.push(...GLOBAL_HOOKS_AFTER);
  return names;
}

/** The hooks a run can store (one row per position), in forward order. */
export function rowHookNames(nLayer: number): string[] {
  return hookNames(nLayer).filter(isRowHook);
}

export interface ParsedHook {
  name: string;
  layer: number | null; // null for hook_embed, hook_pos_embed, ln_final.*
  point: string; // 'hook_resid_post', 'mlp.hook_post', 'attn.hook_z', 'hook_embed', …
}

const BLOCK_RE = /^blocks\.(\d+)\.(.+)$/;

/** Validates a hook name against a config; throws HookNameError listing valid forms. */
export function parseHook(name: string, cfg: Pick<Gpt2Config, 'nLayer'>): ParsedHook {
  const m = BLOCK_RE.exec(name);
  if (m) {
    const layer = Number(m[1]);
    const point = m[2];
    if (!(BLOCK_HOOKS as readonly string[]).includes(point)) {
      throw new HookNameError(`unknown hook "${name}": a block hook is one of ${BLOCK_HOOKS.join(', ')}`);
    }
    if (layer >= cfg.nLayer) {
      throw new HookNameError(`hook "${name}" names layer ${layer}, but the model has layers 0…${cfg.nLayer - 1}`);
    }
    return { name, layer, point };
  }
  if ((GLOBAL_HOOKS_BEFORE as readonly string[]).includes(name) || (GLOBAL_HOOKS_AFTER as readonly string[]).includes(name)) {
    return { name, layer: null, point: name };
  }
  throw new HookNameError(
    `unknown hook "${name}": use TransformerLens names such as blocks.0.hook_resid_post, blocks.3.mlp.hook_post, blocks.2.attn.hook_z, ln_final.hook_normalized`,
  );
}

const pointOf = (name: string): string => BLOCK_RE.exec(name)?.[2] ?? name;

/** One value of fixed width per position (harvestable, steerable): not attention scores or patterns. */
export function isRowHook(name: string): boolean {
  return !PAIR_HOOKS.includes(pointOf(name));
}

export function isHeadHook(name: string): boolean {
  return HEAD_HOOKS.includes(pointOf(name));
}

export function isScaleHook(name: string): boolean {
  return pointOf(name).endsWith('hook_scale');
}

/**
 * Width of a hook's row: the last axis, or head·d_head for hook_q/k/v/z (flattened head-major, as
 * SAELens' hook_z reshape). Attention scores and patterns have no per-position row: HookNameError.
 */
export function hookDim(name: string, cfg: Gpt2Config): number {
  const { point } = parseHook(name, cfg);
  if (PAIR_HOOKS.includes(point)) {
    throw new HookNameError(`${name} is [head, query, key], not one row per position: it cannot be stored in a run or steered`);
  }
  if (point === 'mlp.hook_pre' || point === 'mlp.hook_post') return cfg.nInner;
  if (point.endsWith('hook_scale')) return 1;
  return cfg.nEmbd; // includes q/k/v/z: n_head · d_head = d
}

/** TransformerLens' shape of a hook's value for one sequence (no batch axis) of T new positions after P cached ones. */
export function hookShape(name: string, cfg: Gpt2Config, T: number, P = 0): number[] {
  const { point } = parseHook(name, cfg);
  if (PAIR_HOOKS.includes(point)) return [cfg.nHead, T, P + T];
  if (HEAD_HOOKS.includes(point)) return [T, cfg.nHead, headDim(cfg)];
  return [T, hookDim(name, cfg)];
}
