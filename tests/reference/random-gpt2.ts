// Writes a seeded random GPT-2 checkpoint (HF layout: config.json +
// model.safetensors) for tests. Independent of src/. Biases and LayerNorm
// parameters are deliberately non-trivial so that a dropped bias or a
// swapped gamma/beta changes the output.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeInto, layoutSafetensors, type RefDtype, type TensorSpec } from './safetensors-ref';

export interface RandomGpt2Shape {
  n_layer: number;
  n_embd: number;
  n_head: number;
  n_positions: number;
  vocab_size: number;
}

export interface RandomGpt2Options extends RandomGpt2Shape {
  dtype?: RefDtype; // default 'F32'
  seed?: number; // default 0
  /** Name keys 'transformer.h.0...' (as some HF exports do). */
  prefix?: boolean;
}

/** openai-community/gpt2 (124M parameters). */
export const GPT2_SMALL_SHAPE: RandomGpt2Shape = {
  n_layer: 12,
  n_embd: 768,
  n_head: 12,
  n_positions: 1024,
  vocab_size: 50257,
};

// ---------------------------------------------------------------- PRNG

/** mulberry32: tiny, fast, good enough for test weights. Returns [0, 1). */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Fill `out` with mean + std * N(0,1) using Marsaglia's polar method (Box-
 * Muller without the trig calls; two normals per accepted draw).
 */
function fillNormal(out: Float32Array, rand: () => number, mean: number, std: number): void {
  const n = out.length;
  for (let i = 0; i < n; i += 2) {
    let u: number, v: number, s: number;
    do {
      u = 2 * rand() - 1;
      v = 2 * rand() - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const f = std * Math.sqrt((-2 * Math.log(s)) / s);
    out[i] = mean + u * f;
    if (i + 1 < n) out[i + 1] = mean + v * f;
  }
}

// ---------------------------------------------------------------- layout

interface ParamSpec {
  name: string; // without prefix
  shape: number[];
  mean: number;
  std: number;
}

/** GPT-2 parameters with their init distributions, in a fixed order. */
function paramSpecs(o: RandomGpt2Shape): ParamSpec[] {
  const d = o.n_embd;
  const w = 0.02;
  const projStd = 0.02 / Math.sqrt(2 * o.n_layer); // GPT-2's scaled residual init
  const lnW = { mean: 1, std: 0.1 };
  const lnB = { mean: 0, std: 0.05 };
  const bias = { mean: 0, std: 0.02 };
  const specs: ParamSpec[] = [
    { name: 'wte.weight', shape: [o.vocab_size, d], mean: 0, std: w },
    { name: 'wpe.weight', shape: [o.n_positions, d], mean: 0, std: w },
  ];
  for (let l = 0; l < o.n_layer; l++) {
    const p = `h.${l}.`;
    specs.push(
      { name: p + 'ln_1.weight', shape: [d], ...lnW },
      { name: p + 'ln_1.bias', shape: [d], ...lnB },
      { name: p + 'attn.c_attn.weight', shape: [d, 3 * d], mean: 0, std: w },
      { name: p + 'attn.c_attn.bias', shape: [3 * d], ...bias },
      { name: p + 'attn.c_proj.weight', shape: [d, d], mean: 0, std: projStd },
      { name: p + 'attn.c_proj.bias', shape: [d], ...bias },
      { name: p + 'ln_2.weight', shape: [d], ...lnW },
      { name: p + 'ln_2.bias', shape: [d], ...lnB },
      { name: p + 'mlp.c_fc.weight', shape: [d, 4 * d], mean: 0, std: w },
      { name: p + 'mlp.c_fc.bias', shape: [4 * d], ...bias },
      { name: p + 'mlp.c_proj.weight', shape: [4 * d, d], mean: 0, std: projStd },
      { name: p + 'mlp.c_proj.bias', shape: [d], ...bias },
    );
  }
  specs.push({ name: 'ln_f.weight', shape: [d], ...lnW }, { name: 'ln_f.bias', shape: [d], ...lnB });
  return specs;
}

function gpt2Config(o: RandomGpt2Shape) {
  return {
    architectures: ['GPT2LMHeadModel'],
    model_type: 'gpt2',
    vocab_size: o.vocab_size,
    n_positions: o.n_positions,
    n_ctx: o.n_positions,
    n_embd: o.n_embd,
    n_layer: o.n_layer,
    n_head: o.n_head,
    n_inner: null,
    activation_function: 'gelu_new',
    layer_norm_epsilon: 1e-5,
    bos_token_id: o.vocab_size - 1,
    eos_token_id: o.vocab_size - 1,
    tie_word_embeddings: true,
  };
}

// ---------------------------------------------------------------- writer

/**
 * Write config.json and model.safetensors into `dir` (created if needed).
 * Tensors are generated one at a time straight into the output buffer, so
 * peak memory is the file plus the largest tensor as float32.
 */
export function writeRandomGpt2(
  dir: string,
  opts: RandomGpt2Options,
): { configPath: string; weightsPath: string; config: ReturnType<typeof gpt2Config> } {
  if (opts.n_embd % opts.n_head !== 0) throw new Error('writeRandomGpt2: n_embd must be divisible by n_head');
  const dtype = opts.dtype ?? 'F32';
  const prefix = opts.prefix ? 'transformer.' : '';
  const specs = paramSpecs(opts);

  const tensorSpecs: Record<string, TensorSpec> = {};
  for (const s of specs) tensorSpecs[prefix + s.name] = { dtype, shape: s.shape };
  const layout = layoutSafetensors(tensorSpecs);

  const rand = mulberry32(opts.seed ?? 0);
  let scratch = new Float32Array(0);
  for (const s of specs) {
    const count = s.shape.reduce((a, b) => a * b, 1);
    if (scratch.length < count) scratch = new Float32Array(count);
    const values = scratch.subarray(0, count);
    fillNormal(values, rand, s.mean, s.std);
    encodeInto(layout.bytes, layout.offsets.get(prefix + s.name)!, values, dtype);
  }

  mkdirSync(dir, { recursive: true });
  const config = gpt2Config(opts);
  const configPath = join(dir, 'config.json');
  const weightsPath = join(dir, 'model.safetensors');
  writeFileSync(configPath, JSON.stringify(config, null, 2) + '\n');
  writeFileSync(weightsPath, layout.bytes);
  return { configPath, weightsPath, config };
}
