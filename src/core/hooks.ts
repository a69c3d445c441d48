// TransformerLens hook names for GPT-2: the one place they are spelled.
// The ordered list returned by hookNames() is the spec (tests pin it), in forward-pass order.
import type { Gpt2Config } from './config';
import { HookNameError } from './errors';

/** Per-block hook points, in the order TransformerLens runs them. */
export const BLOCK_HOOKS = [
  'hook_resid_pre', //     [B, T, d]  residual stream entering the block
  'hook_attn_out', //      [B, T, d]  attention output after c_proj (incl. bias)
  'hook_resid_mid', //     [B, T, d]  resid_pre + attn_out
  'mlp.hook_pre', //       [B, T, 4d] c_fc output, before GELU
  'mlp.hook_post', //      [B, T, 4d] after gelu_new: the MLP "neurons"
  'hook_mlp_out', //       [B, T, d]  MLP output after c_proj (incl. bias)
  'hook_resid_post', //    [B, T, d]  resid_mid + mlp_out
] as const;

export type BlockHook = (typeof BLOCK_HOOKS)[number];

/** ln_final.hook_normalized is (x − mean)/√(var + ε) before ln_f's weight and bias, as in TransformerLens. */
export const GLOBAL_HOOKS_BEFORE = ['hook_embed', 'hook_pos_embed'] as const;
export const GLOBAL_HOOKS_AFTER = ['ln_final.hook_normalized'] as const;

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

export interface ParsedHook {
  name: string;
  layer: number | null; // null for hook_embed, hook_pos_embed, ln_final.*
  point: string; // 'hook_resid_post', 'mlp.hook_post', 'hook_embed', …
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
    `unknown hook "${name}": use TransformerLens names such as blocks.0.hook_resid_post, blocks.3.mlp.hook_post, ln_final.hook_normalized`,
  );
}

/** Width of the last axis of a hook's activation. */
export function hookDim(name: string, cfg: Gpt2Config): number {
  const { point } = parseHook(name, cfg);
  return point === 'mlp.hook_pre' || point === 'mlp.hook_post' ? cfg.nInner : cfg.nEmbd;
}
