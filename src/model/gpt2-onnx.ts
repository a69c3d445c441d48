// Builds an ONNX model (opset 17) of a GPT-2 from its weights, with TransformerLens hook outputs and a
// steering input. Reads top to bottom like the forward pass; every value carries its shape.
//
// Contract (also for pre-built .onnx files, see docs/onnx-contract.md):
//   input  input_ids  int64   [batch, seq]
//   input  steer      float32 [batch|1, seq|1, dim]   present when built with steerAt; added at that hook
//                                                    (metadata "sse.steer_hook"); feed zeros to not steer
//   output logits      float32 [batch, seq, vocab]    (or logits_last [batch, vocab])
//   output <hook name> float32 TransformerLens' shape  [batch, seq, dim]; [batch, seq, head, d_head] for
//                                                    attn.hook_q/k/v/z; [batch, head, seq, past+seq] for
//                                                    attn.hook_attn_scores / hook_pattern; [batch, seq, 1] for *.hook_scale
//   Graphs built here also take one-head keys (src/core/hooks.ts headHookKey) as hooks and steerAt:
//   output blocks.L.attn.hook_z[h]  [batch, seq, d_head]  head h of the hook; a steer there is [.., d_head],
//                                                    added to head h's slice of the hook and nothing else
// Values follow TransformerLens' weight processing under `tl` (src/core/tl-settings.ts); default HF_RAW,
// the Hugging Face model's own activations.
// With kvCache (names as in Optimum / transformers.js GPT-2 exports), per layer l:
//   input  past_key_values.{l}.key|value float32 [batch, n_head, past, head_dim]   past may be 0
//   output present.{l}.key|value         float32 [batch, n_head, past + seq, head_dim]
//   input_ids then holds positions past … past+seq−1; logits and hooks cover only those.
import type { Gpt2Config } from '../core/config';
import { headDim } from '../core/config';
import { PAIR_HOOKS, hookDim, hookNames, isHeadHook, parseHook, splitHeadKey } from '../core/hooks';
import { HF_RAW, type TlSettings, tlKwargs } from '../core/tl-settings';
import type { Gpt2Weights } from '../core/weights';
import { DataType, type Dim, OnnxGraph } from '../onnx/graph';
import { processWeights } from './tl-weights';

export type LogitsOutput = 'all' | 'last' | 'none';

export interface Gpt2BuildOptions {
  hooks?: string[]; //          hook names exposed as outputs
  steerAt?: string | null; //   hook at which the `steer` input is added (its output then includes the steer)
  logits?: LogitsOutput; //     default 'all'
  modelId?: string; //          recorded in the model's metadata
  kvCache?: boolean; //         past_key_values.* inputs and present.* outputs for incremental decoding
  tl?: TlSettings; //           TransformerLens weight processing (default HF_RAW)
}

export const INPUT_IDS = 'input_ids';
export const STEER_INPUT = 'steer';
export const LOGITS = 'logits';
export const LOGITS_LAST = 'logits_last';
export const pastKeyName = (layer: number) => `past_key_values.${layer}.key`;
export const pastValueName = (layer: number) => `past_key_values.${layer}.value`;
export const presentKeyName = (layer: number) => `present.${layer}.key`;
export const presentValueName = (layer: number) => `present.${layer}.value`;
export const MASK_FILL = -1e9; // finite, so a fully masked row could never produce NaN

const F = DataType.FLOAT;

/** Returns the serialized ModelProto. Fast: weights are referenced, copied once into the output buffer. */
export function buildGpt2Onnx(raw: Gpt2Weights, cfg: Gpt2Config, opts: Gpt2BuildOptions = {}): Uint8Array {
  const hooks = new Set(opts.hooks ?? []);
  for (const h of hooks) parseHook(h, cfg); // throws HookNameError for a bad name
  const steerAt = opts.steerAt ?? null;
  if (steerAt) hookDim(steerAt, cfg); // a row hook: attention scores and patterns cannot be steered
  const tl = opts.tl ?? HF_RAW;
  const w = processWeights(raw, cfg, tl);
  const logitsMode = opts.logits ?? 'all';
  if (logitsMode === 'none' && hooks.size === 0) throw new Error('the model needs at least one output: logits or a hook');

  const g = new OnnxGraph('gpt2');
  const d = cfg.nEmbd;
  const nh = cfg.nHead;
  const hd = headDim(cfg);
  const batchSeq: Dim[] = ['batch', 'seq'];
  const kvCache = opts.kvCache ?? false;

  const ids = g.input(INPUT_IDS, DataType.INT64, batchSeq); // [B, T]
  const steer = steerAt ? declareSteer(g, hookDim(steerAt, cfg)) : null;
  const past = kvCache ? declarePast(g, cfg) : null; //           per layer [B, nh, P, hd]

  // One-head keys (blocks.L.attn.hook_z[h]) by the TransformerLens hook they slice.
  const headKeys = new Map<string, { key: string; head: number }[]>();
  for (const key of hooks) {
    const { hook: base, head } = splitHeadKey(key);
    if (head !== null) headKeys.set(base, [...(headKeys.get(base) ?? []), { key, head }]);
  }
  const steerHead = steerAt ? splitHeadKey(steerAt) : null;

  // Every hook point passes through here: add the steering vector if this is the steered hook, expose if asked.
  // q/k/v/z come in flat [B, T, nh·hd] (head-major, as SAELens flattens hook_z) and go out as TransformerLens'
  // [B, T, nh, hd]: the same bytes; one head h is the flat columns h·hd … (h+1)·hd − 1. Scores and patterns come in
  // as [B, nh, T, P+T].
  const wanted = (name: string) => hooks.has(name) || name === steerAt;
  const hook = (name: string, value: string, dim: number): string => {
    let v = value;
    if (name === steerAt && steer) v = g.op('Add', [v, steer], undefined, name);
    if (steer && steerHead?.head != null && steerHead.hook === name) {
      // A steer [sB, sT, hd] at one head, padded with zeros to [sB, sT, nh·hd]: the other heads do not move.
      const h = steerHead.head;
      const padded = g.op('Pad', [steer, g.constI64([0, 0, h * hd, 0, 0, (nh - h - 1) * hd])], undefined, name);
      v = g.op('Add', [v, padded], undefined, name);
    }
    for (const { key, head } of headKeys.get(name) ?? []) {
      g.node('Slice', [v, g.constI64([head * hd]), g.constI64([(head + 1) * hd]), g.constI64([2])], { outputs: [key] }); // [B, T, hd]
      g.output(key, F, [...batchSeq, hd]);
    }
    if (hooks.has(name)) {
      if (isHeadHook(name)) {
        g.node('Reshape', [v, headsShape], { outputs: [name] });
        g.output(name, F, [...batchSeq, nh, hd]);
      } else if (PAIR_HOOKS.some((p) => name.endsWith(p))) {
        g.node('Identity', [v], { outputs: [name] });
        g.output(name, F, ['batch', nh, 'seq', 'past_plus_seq']);
      } else {
        g.node('Identity', [v], { outputs: [name] });
        g.output(name, F, [...batchSeq, dim]);
      }
    }
    return v;
  };
  // A LayerNorm with TransformerLens' hook_scale and hook_normalized (before the affine with fold_ln,
  // after it without); one fused op when neither hook is wanted.
  const norm = (prefix: string, x: string, weight: string, bias: string, scope: string): string => {
    if (!wanted(`${prefix}.hook_scale`) && !wanted(`${prefix}.hook_normalized`)) return layerNorm(g, x, weight, bias, cfg.layerNormEps, scope);
    if (wanted(`${prefix}.hook_scale`)) hook(`${prefix}.hook_scale`, layerNormScale(g, x, cfg.layerNormEps, scope), 1); // [B, T, 1]
    const pre = layerNorm(g, x, unitScale, zeroBias, cfg.layerNormEps, scope); //                                  [B, T, d]
    if (tl.fold_ln) return affine(g, hook(`${prefix}.hook_normalized`, pre, d), weight, bias);
    return hook(`${prefix}.hook_normalized`, affine(g, pre, weight, bias), d);
  };
  // center_writing_weights: what is written to the residual stream has zero mean over d_model.
  const centred = (x: string) => (tl.center_writing_weights ? g.op('Sub', [x, g.op('ReduceMean', [x], { axes: [-1], keepdims: 1 })]) : x);

  // Shape pieces used below, as 1-element int64 tensors: T new positions after P cached ones (P = 0
  // without a cache), so the new tokens sit at positions P … P+T−1.
  const idsShape = g.op('Shape', [ids]); //                              [2] = (B, T)
  const seqLen = g.op('Slice', [idsShape, g.constI64([1]), g.constI64([2]), g.constI64([0])]); // [1] = (T)
  const pastLen = past ? g.op('Shape', [past[0].key], { start: 2, end: 3 }) : g.constI64([0]); //  [1] = (P)
  const totalLen = past ? g.op('Add', [pastLen, seqLen]) : seqLen; //                                 [1] = (P+T)

  // Embeddings.
  const wte = g.initializer('wte.weight', F, [cfg.vocabSize, d], w.wte); // [V, d]
  const wpe = g.initializer('wpe.weight', F, [cfg.nPositions, d], w.wpe); // [P, d]  (centred already under center_writing_weights)
  // wte stays uncentred: it is also the unembedding, which TransformerLens keeps as its own W_U.
  const tokEmbed = hook('hook_embed', centred(g.op('Gather', [wte, ids], { axis: 0 })), d); // [B, T, d]
  let posEmbed = g.op('Slice', [wpe, pastLen, totalLen, g.constI64([0])]); //         [T, d]
  if (hooks.has('hook_pos_embed') || steerAt === 'hook_pos_embed') {
    posEmbed = g.op('Expand', [posEmbed, g.op('Shape', [tokEmbed])]); //              [B, T, d]
  }
  posEmbed = hook('hook_pos_embed', posEmbed, d);
  let resid = g.op('Add', [tokEmbed, posEmbed]); //                                 [B, T, d]

  // Causal mask: 0 on and below the diagonal, MASK_FILL above. Rows P … P+T−1 (the new queries) and
  // columns 0 … P+T−1 (every key): the cached positions are all visible, the new ones causally.
  const mask = g.initializer('causal_mask', F, [cfg.nPositions, cfg.nPositions], causalMask(cfg.nPositions));
  const maskStarts = g.op('Concat', [pastLen, g.constI64([0])], { axis: 0 }); //         [2] = (P, 0)
  const maskEnds = g.op('Concat', [totalLen, totalLen], { axis: 0 }); //                  [2] = (P+T, P+T)
  const maskQK = g.op('Slice', [mask, maskStarts, maskEnds, g.constI64([0, 1])]); //      [T, P+T]

  const unitScale = g.initializer('ln.unit_scale', F, [d], new Float32Array(d).fill(1));
  const zeroBias = g.initializer('ln.zero_bias', F, [d], new Float32Array(d));
  const splitSizes = g.constI64([d, d, d]);
  const headsShape = g.constI64([0, 0, nh, hd]); // Reshape: 0 copies B and T
  const mergeShape = g.constI64([0, 0, d]);
  const scale = g.constF32(1 / Math.sqrt(hd));

  for (let l = 0; l < cfg.nLayer; l++) {
    const b = w.blocks[l];
    const s = `blocks.${l}`;
    const p = `h.${l}.`;
    const init = (name: string, dims: number[], data: Float32Array) => g.initializer(p + name, F, dims, data);

    resid = hook(`${s}.hook_resid_pre`, resid, d); //                                [B, T, d]

    // Attention.
    const ln1 = norm(`${s}.ln1`, resid, init('ln_1.weight', [d], b.ln1W), init('ln_1.bias', [d], b.ln1B), s);
    const qkv = linear(g, ln1, init('attn.c_attn.weight', [d, 3 * d], b.attnW), init('attn.c_attn.bias', [3 * d], b.attnB), s); // [B, T, 3d]
    const [qFlat, kFlat, vFlat] = g.node('Split', [qkv, splitSizes], { outputs: 3, attrs: { axis: 2 }, scope: `${s}.attn` });
    const q = hook(`${s}.attn.hook_q`, qFlat, d); //                                          [B, T, nh·hd]
    const k = hook(`${s}.attn.hook_k`, kFlat, d);
    const v = hook(`${s}.attn.hook_v`, vFlat, d);
    const heads = (x: string) => g.op('Transpose', [g.op('Reshape', [x, headsShape])], { perm: [0, 2, 1, 3] }, s);
    const qh = heads(q); //                                                                     [B, nh, T, hd]
    let kh = heads(k); //                                                                       [B, nh, T, hd]
    let vh = heads(v); //                                                                       [B, nh, T, hd]
    if (past) {
      // The new positions go after the cached ones; the results are this layer's present.* outputs.
      kh = appendToCache(g, past[l].key, kh, presentKeyName(l), cfg); //                      [B, nh, P+T, hd]
      vh = appendToCache(g, past[l].value, vh, presentValueName(l), cfg); //                  [B, nh, P+T, hd]
    }
    const kT = g.op('Transpose', [kh], { perm: [0, 1, 3, 2] }, s); //                          [B, nh, hd, P+T]
    const scaled = g.op('Mul', [g.op('MatMul', [qh, kT], undefined, s), scale]); //                    [B, nh, T, P+T]
    if (hooks.has(`${s}.attn.hook_attn_scores`)) {
      // TransformerLens masks with −∞ before the hook; the softmax below uses the finite mask (same result).
      const visible = g.op('Equal', [maskQK, g.constF32(0)]); //                                         [T, P+T] bool
      hook(`${s}.attn.hook_attn_scores`, g.op('Where', [visible, scaled, g.constF32(-Infinity)]), 0);
    }
    const pattern = hook(`${s}.attn.hook_pattern`, g.op('Softmax', [g.op('Add', [scaled, maskQK])], { axis: -1 }, s), 0); // [B, nh, T, P+T]
    const z = g.op('MatMul', [pattern, vh], undefined, s); //                                           [B, nh, T, hd]
    const merged = hook(`${s}.attn.hook_z`, g.op('Reshape', [g.op('Transpose', [z], { perm: [0, 2, 1, 3] }), mergeShape]), d); // [B, T, nh·hd]
    let attnOut = linear(g, merged, init('attn.c_proj.weight', [d, d], b.attnProjW), init('attn.c_proj.bias', [d], b.attnProjB), s);
    attnOut = hook(`${s}.hook_attn_out`, attnOut, d); //                              [B, T, d]
    resid = hook(`${s}.hook_resid_mid`, g.op('Add', [resid, attnOut]), d); //         [B, T, d]

    // MLP.
    const ln2 = norm(`${s}.ln2`, resid, init('ln_2.weight', [d], b.ln2W), init('ln_2.bias', [d], b.ln2B), s);
    let pre = linear(g, ln2, init('mlp.c_fc.weight', [d, cfg.nInner], b.fcW), init('mlp.c_fc.bias', [cfg.nInner], b.fcB), s);
    pre = hook(`${s}.mlp.hook_pre`, pre, cfg.nInner); //                               [B, T, 4d]
    const post = hook(`${s}.mlp.hook_post`, geluNew(g, pre, s), cfg.nInner); //       [B, T, 4d]
    let mlpOut = linear(g, post, init('mlp.c_proj.weight', [cfg.nInner, d], b.mlpProjW), init('mlp.c_proj.bias', [d], b.mlpProjB), s);
    mlpOut = hook(`${s}.hook_mlp_out`, mlpOut, d); //                                 [B, T, d]
    resid = hook(`${s}.hook_resid_post`, g.op('Add', [resid, mlpOut]), d); //         [B, T, d]
  }

  // Final LayerNorm. With fold_ln TransformerLens folds ln_f into W_U; here the affine stays, the same numbers.
  const lnF = g.initializer('ln_f.weight', F, [d], w.lnFW);
  const lnFB = g.initializer('ln_f.bias', F, [d], w.lnFB);
  const final = norm('ln_final', resid, lnF, lnFB, 'ln_f'); //                      [B, T, d]

  if (logitsMode !== 'none') emitLogits(g, final, wte, idsShape, cfg, logitsMode, tl.center_unembed);

  const metadata: Record<string, string> = {
    'sse.format': '1',
    'sse.model_id': opts.modelId ?? '',
    'sse.config': JSON.stringify(cfg),
    'sse.hooks': JSON.stringify([...hooks].sort((a, b) => hookOrder(a, cfg) - hookOrder(b, cfg))),
    'sse.steer_hook': steerAt ?? '',
    'sse.kv_cache': kvCache ? '1' : '0',
    'sse.tl': JSON.stringify(tlKwargs(tl)),
  };
  return g.toModel({ opset: 17, producer: 'SparseSearchEverything', metadata });
}

function declareSteer(g: OnnxGraph, dim: number): string {
  // A required input (onnxruntime-web rejects feeds for initializer-backed inputs); callers that do not
  // steer feed zeros [1, 1, dim], which broadcast over batch and positions.
  return g.input(STEER_INPUT, F, ['steer_batch', 'steer_seq', dim]);
}

function declarePast(g: OnnxGraph, cfg: Gpt2Config): Array<{ key: string; value: string }> {
  const dims: Dim[] = ['batch', cfg.nHead, 'past', headDim(cfg)];
  return Array.from({ length: cfg.nLayer }, (_, l) => ({
    key: g.input(pastKeyName(l), F, dims),
    value: g.input(pastValueName(l), F, dims),
  }));
}

function appendToCache(g: OnnxGraph, past: string, current: string, present: string, cfg: Gpt2Config): string {
  g.node('Concat', [past, current], { outputs: [present], attrs: { axis: 2 } });
  g.output(present, F, ['batch', cfg.nHead, 'past_plus_seq', headDim(cfg)]);
  return present;
}

/**
 * center_unembed: TransformerLens subtracts W_U's and b_U's means over the vocabulary, which shifts each
 * position's logits by their mean; done here on the logits, since wte is the tied W_U.
 */
function emitLogits(g: OnnxGraph, final: string, wte: string, idsShape: string, cfg: Gpt2Config, mode: LogitsOutput, centre: boolean): void {
  const d = cfg.nEmbd;
  const centred = (x: string) => (centre ? g.op('Sub', [x, g.op('ReduceMean', [x], { axes: [-1], keepdims: 1 })]) : x);
  if (mode === 'last') {
    const last = g.op('Gather', [final, g.constI64([-1])], { axis: 1 }); //                 [B, 1, d]
    const flat = g.op('Reshape', [last, g.constI64([-1, d])]); //                          [B, d]
    g.node('Identity', [centred(g.op('Gemm', [flat, wte], { transB: 1 }))], { outputs: [LOGITS_LAST] }); // [B, V]
    g.output(LOGITS_LAST, F, ['batch', cfg.vocabSize]);
    return;
  }
  // Tied unembedding: logits = final · wteᵀ. Gemm with transB avoids a transposed copy of wte.
  const flat = g.op('Reshape', [final, g.constI64([-1, d])]); //                             [B·T, d]
  const flatLogits = centred(g.op('Gemm', [flat, wte], { transB: 1 })); //                    [B·T, V]
  const outShape = g.op('Concat', [idsShape, g.constI64([cfg.vocabSize])], { axis: 0 }); //  (B, T, V)
  g.node('Reshape', [flatLogits, outShape], { outputs: [LOGITS] }); //                      [B, T, V]
  g.output(LOGITS, F, ['batch', 'seq', cfg.vocabSize]);
}

function layerNorm(g: OnnxGraph, x: string, weight: string, bias: string, eps: number, scope: string): string {
  return g.op('LayerNormalization', [x, weight, bias], { axis: -1, epsilon: { float: eps } }, scope);
}

function affine(g: OnnxGraph, x: string, weight: string, bias: string): string {
  return g.op('Add', [g.op('Mul', [x, weight]), bias]);
}

/** TransformerLens' hook_scale: √(mean((x − mean)²) + ε) over d_model, kept as a trailing axis of 1. */
function layerNormScale(g: OnnxGraph, x: string, eps: number, scope: string): string {
  const c = g.op('Sub', [x, g.op('ReduceMean', [x], { axes: [-1], keepdims: 1 }, scope)]); //  [B, T, d]
  const variance = g.op('ReduceMean', [g.op('Mul', [c, c])], { axes: [-1], keepdims: 1 }); //   [B, T, 1]
  return g.op('Sqrt', [g.op('Add', [variance, g.constF32(eps)])]);
}

/** Conv1D: x · W + b with W stored [in, out]. */
function linear(g: OnnxGraph, x: string, weight: string, bias: string, scope: string): string {
  return g.op('Add', [g.op('MatMul', [x, weight], undefined, scope), bias]);
}

/** gelu_new, exactly as GPT-2: 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))). */
function geluNew(g: OnnxGraph, x: string, scope: string): string {
  const x3 = g.op('Mul', [g.op('Mul', [x, x]), x], undefined, scope);
  const inner = g.op('Add', [x, g.op('Mul', [x3, g.constF32(0.044715)])]);
  const t = g.op('Tanh', [g.op('Mul', [inner, g.constF32(Math.sqrt(2 / Math.PI))])]);
  return g.op('Mul', [g.op('Mul', [x, g.constF32(0.5)]), g.op('Add', [t, g.constF32(1)])]);
}

function causalMask(n: number): Float32Array {
  const m = new Float32Array(n * n); // [P, P]
  for (let i = 0; i < n; i++) m.fill(MASK_FILL, i * n + i + 1, (i + 1) * n);
  return m;
}

/** Forward order; a one-head key right after its hook, heads in order. */
function hookOrder(name: string, cfg: Gpt2Config): number {
  const { hook, head } = splitHeadKey(name);
  return hookNames(cfg.nLayer).indexOf(hook) * (cfg.nHead + 1) + (head ?? -1) + 1;
}
