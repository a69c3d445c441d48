// GPT-2 weights in the openai-community/gpt2 layout, checked against the config.
// Conv1D weights are stored [in, out] (y = x·W + b), so no transposes are needed for MatMul.
import type { Gpt2Config } from './config';
import { WeightsError } from './errors';
import { type SafetensorsFile, tensorToF32 } from './safetensors';

export interface BlockWeights {
  ln1W: Float32Array; //      [d]
  ln1B: Float32Array; //      [d]
  attnW: Float32Array; //     [d, 3d]   c_attn: q | k | v
  attnB: Float32Array; //     [3d]
  attnProjW: Float32Array; // [d, d]    c_proj
  attnProjB: Float32Array; // [d]
  ln2W: Float32Array; //      [d]
  ln2B: Float32Array; //      [d]
  fcW: Float32Array; //       [d, inner] mlp.c_fc
  fcB: Float32Array; //       [inner]
  mlpProjW: Float32Array; //  [inner, d] mlp.c_proj
  mlpProjB: Float32Array; //  [d]
}

export interface Gpt2Weights {
  wte: Float32Array; //  [vocab, d]  also the unembedding (tied lm_head)
  wpe: Float32Array; //  [nPos, d]
  blocks: BlockWeights[];
  lnFW: Float32Array; // [d]
  lnFB: Float32Array; // [d]
}

// Buffers some exports carry that are not parameters (the causal mask and its fill value).
const IGNORED = /^h\.\d+\.attn\.(bias|masked_bias)$|^lm_head\.weight$/;

/** Maps safetensors names (with or without the `transformer.` prefix) to a validated Gpt2Weights. */
export function gpt2WeightsFromSafetensors(file: SafetensorsFile, cfg: Gpt2Config): Gpt2Weights {
  const names = new Map<string, string>(); // canonical → name in file
  for (const name of file.tensors.keys()) names.set(name.replace(/^transformer\./, ''), name);
  const used = new Set<string>();

  const get = (key: string, shape: number[]): Float32Array => {
    const stored = names.get(key);
    if (!stored) throw new WeightsError(`model.safetensors has no tensor "${key}" (nor "transformer.${key}"); is this a GPT-2 checkpoint?`);
    const info = file.tensors.get(stored)!;
    if (info.shape.length !== shape.length || info.shape.some((s, i) => s !== shape[i])) {
      throw new WeightsError(`tensor "${stored}" has shape [${info.shape}] but config.json implies [${shape}]`);
    }
    used.add(key);
    return tensorToF32(file, stored);
  };

  const d = cfg.nEmbd;
  const inner = cfg.nInner;
  const blocks: BlockWeights[] = [];
  for (let l = 0; l < cfg.nLayer; l++) {
    const p = `h.${l}.`;
    blocks.push({
      ln1W: get(`${p}ln_1.weight`, [d]),
      ln1B: get(`${p}ln_1.bias`, [d]),
      attnW: get(`${p}attn.c_attn.weight`, [d, 3 * d]),
      attnB: get(`${p}attn.c_attn.bias`, [3 * d]),
      attnProjW: get(`${p}attn.c_proj.weight`, [d, d]),
      attnProjB: get(`${p}attn.c_proj.bias`, [d]),
      ln2W: get(`${p}ln_2.weight`, [d]),
      ln2B: get(`${p}ln_2.bias`, [d]),
      fcW: get(`${p}mlp.c_fc.weight`, [d, inner]),
      fcB: get(`${p}mlp.c_fc.bias`, [inner]),
      mlpProjW: get(`${p}mlp.c_proj.weight`, [inner, d]),
      mlpProjB: get(`${p}mlp.c_proj.bias`, [d]),
    });
  }
  const weights: Gpt2Weights = {
    wte: get('wte.weight', [cfg.vocabSize, d]),
    wpe: get('wpe.weight', [cfg.nPositions, d]),
    blocks,
    lnFW: get('ln_f.weight', [d]),
    lnFB: get('ln_f.bias', [d]),
  };
  const extra = [...names.keys()].filter((k) => !used.has(k) && !IGNORED.test(k));
  if (extra.length > 0) {
    throw new WeightsError(
      `model.safetensors has ${extra.length} tensors a ${cfg.nLayer}-layer GPT-2 does not use (e.g. "${extra[0]}"); does config.json match the weights?`,
    );
  }
  return weights;
}

export function parameterCount(w: Gpt2Weights): number {
  let n = w.wte.length + w.wpe.length + w.lnFW.length + w.lnFB.length;
  for (const b of w.blocks) for (const t of Object.values(b)) n += t.length;
  return n;
}
