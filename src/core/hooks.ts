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

/**
 * Hooks with one [position, head, d_head] value per token; harvested flattened to [position, head·d_head], as SAELens'
 * `reshape_activations: "hook_z"`, or one head's [position, d_head] under a one-head key (headHookKey, below).
 */
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

// ---------------------------------------------------------------- one head: SAELens' hook_head_index
//
// An SAE with hook_head_index h on a head hook reads cache[hook_name][:, :, h]: one head's [pos, d_head], d_in =
// d_head (SAELens' ActivationsStore and evals; its evals splice the reconstruction back into that head's slice only).
// The lab names that value with a key of its own, `blocks.L.attn.hook_z[h]`, and uses the key wherever it would use
// a hook name: a run's stored hook, an SAE's hook_name, a model's hook output and steering input. The graph builder
// (src/model/gpt2-onnx.ts) computes the TransformerLens hook and slices head h out as the key's output, and a steer
// at the key is added to head h's slice alone (zeros elsewhere). So harvest, statistics, feature pages, inspect,
// steering and evals (SAELens' single-head splice and ablation), which all key by hook name, work on one head
// unchanged: the slice and the padding are done once in the graph, not in every caller. Only cfg.json spells it as
// SAELens does (hook_name + hook_head_index: ../sae/saelens.ts). Attribution refuses hook_z either way.

const HEAD_KEY_RE = /^(.+)\[(\d+)\]$/;

/** The key of head `head` of a head hook (attn.hook_q/k/v/z): `blocks.2.attn.hook_z[3]`. */
export function headHookKey(hook: string, head: number): string {
  if (splitHeadKey(hook).head !== null || !HEAD_HOOKS.includes(pointOf(hook)) || !Number.isInteger(head) || head < 0) {
    throw new HookNameError(`one head (hook_head_index) applies to ${HEAD_HOOKS.join(', ')} with a head index ≥ 0; got ${hook} head ${head}`);
  }
  return `${hook}[${head}]`;
}

/** A hook name or one-head key split into the TransformerLens hook and the head (null: the whole hook). */
export function splitHeadKey(name: string): { hook: string; head: number | null } {
  const m = HEAD_KEY_RE.exec(name);
  return m ? { hook: m[1], head: Number(m[2]) } : { hook: name, head: null };
}

export interface ParsedHook {
  name: string; //  as given: a TransformerLens hook name or a one-head key
  layer: number | null; // null for hook_embed, hook_pos_embed, ln_final.*
  point: string; // 'hook_resid_post', 'mlp.hook_post', 'attn.hook_z', 'hook_embed', … (the TransformerLens point, also for a key)
  head: number | null; // a one-head key's head (SAELens' hook_head_index); null for a whole hook
}

const BLOCK_RE = /^blocks\.(\d+)\.(.+)$/;

/**
 * Validates a hook name or one-head key against a config; throws HookNameError listing valid forms. The head is
 * checked against nHead when the config has it.
 */
export function parseHook(name: string, cfg: Pick<Gpt2Config, 'nLayer'> & Partial<Pick<Gpt2Config, 'nHead'>>): ParsedHook {
  const { hook, head } = splitHeadKey(name);
  const parsed = parseTlHook(hook, cfg);
  if (head === null) return { ...parsed, name };
  if (!HEAD_HOOKS.includes(parsed.point)) {
    throw new HookNameError(`"${name}" names one head of ${hook}, which has no head axis: one head applies to ${HEAD_HOOKS.join(', ')}`);
  }
  if (cfg.nHead !== undefined && head >= cfg.nHead) {
    throw new HookNameError(`"${name}" names head ${head}, but the model has heads 0…${cfg.nHead - 1}`);
  }
  return { ...parsed, name, head };
}

function parseTlHook(name: string, cfg: Pick<Gpt2Config, 'nLayer'>): ParsedHook {
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
    return { name, layer, point, head: null };
  }
  if ((GLOBAL_HOOKS_BEFORE as readonly string[]).includes(name) || (GLOBAL_HOOKS_AFTER as readonly string[]).includes(name)) {
    return { name, layer: null, point: name, head: null };
  }
  throw new HookNameError(
    `unknown hook "${name}": use TransformerLens names such as blocks.0.hook_resid_post, blocks.3.mlp.hook_post, blocks.2.attn.hook_z, ln_final.hook_normalized`,
  );
}

/** The TransformerLens point of a hook or key ('attn.hook_z' for blocks.2.attn.hook_z[3]). */
const pointOf = (name: string): string => {
  const hook = splitHeadKey(name).hook;
  return BLOCK_RE.exec(hook)?.[2] ?? hook;
};

/** One value of fixed width per position (harvestable, steerable): not attention scores or patterns. */
export function isRowHook(name: string): boolean {
  return !PAIR_HOOKS.includes(pointOf(name));
}

/** A whole head hook, [pos, head, d_head] (not a one-head key, which is [pos, d_head]). */
export function isHeadHook(name: string): boolean {
  return HEAD_HOOKS.includes(pointOf(name)) && splitHeadKey(name).head === null;
}

export function isScaleHook(name: string): boolean {
  return pointOf(name).endsWith('hook_scale');
}

/**
 * Width of a hook's row: the last axis, or head·d_head for hook_q/k/v/z (flattened head-major, as
 * SAELens' hook_z reshape), or d_head for one head's key. Attention scores and patterns have no per-position
 * row: HookNameError.
 */
export function hookDim(name: string, cfg: Gpt2Config): number {
  const { point, head } = parseHook(name, cfg);
  if (head !== null) return headDim(cfg);
  if (PAIR_HOOKS.includes(point)) {
    throw new HookNameError(`${name} is [head, query, key], not one row per position: it cannot be stored in a run or steered`);
  }
  if (point === 'mlp.hook_pre' || point === 'mlp.hook_post') return cfg.nInner;
  if (point.endsWith('hook_scale')) return 1;
  return cfg.nEmbd; // includes q/k/v/z: n_head · d_head = d
}

/** TransformerLens' shape of a hook's value for one sequence (no batch axis) of T new positions after P cached ones. */
export function hookShape(name: string, cfg: Gpt2Config, T: number, P = 0): number[] {
  const { point, head } = parseHook(name, cfg);
  if (PAIR_HOOKS.includes(point)) return [cfg.nHead, T, P + T];
  if (head !== null) return [T, headDim(cfg)];
  if (HEAD_HOOKS.includes(point)) return [T, cfg.nHead, headDim(cfg)];
  return [T, hookDim(name, cfg)];
}
