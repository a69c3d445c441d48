// The gradient of one target logit at the last position with respect to that position's activations, at every
// hook point of every layer: the "activation × gradient" half of attribution.
//
// Changing an activation at the last position t = T−1 changes nothing at earlier positions (attention is causal),
// so the logit, as a function of the last position's residual, is GPT-2 run on ONE token against a fixed cache of
// earlier keys and values. This file runs that single-token forward in float64 from the model's own KV cache and
// backpropagates through it by hand — per layer a few matrix–vector products, cheap even at GPT-2 small's size:
//
//   r ──LN1──► q,k,v ──attn over [K_past; k], [V_past; v]──► z ──W_o──► + r = mid ──LN2──► W_fc ─gelu─► W_out ──► + mid
//
// and, after the last block, logit_t = (LN_f(r) · W_U)[t] with W_U = wteᵀ (GPT-2 ties them). The layer norms are
// differentiated in full (their scale depends on the activation), so this is the total derivative.
import type { Gpt2Config } from '../../core/config';
import { headDim } from '../../core/config';
import { LabError } from '../../core/errors';
import type { BlockWeights, Gpt2Weights } from '../../core/weights';

/** Earlier positions' keys and values of every layer, as the model's `present.*` outputs hold them. */
export interface KvPrefix {
  keys: Float32Array[]; //   per layer [1, n_head, T, head_dim]; positions < T−1 are used
  values: Float32Array[]; // per layer [1, n_head, T, head_dim]
  length: number; //         T, the prompt's length (the cache includes the last position itself)
}

/** d logit / d activation at the last position, per layer and hook point (float64). */
export interface LastPositionGrads {
  /** The target logit recomputed by this float64 forward (compare with the model's). */
  logit: number;
  residPre: Float64Array[]; // [nLayer][d]
  attnOut: Float64Array[]; //  [nLayer][d]      = residMid: attn_out is added straight into the residual
  residMid: Float64Array[]; // [nLayer][d]
  mlpPre: Float64Array[]; //   [nLayer][inner]
  mlpPost: Float64Array[]; //  [nLayer][inner]
  mlpOut: Float64Array[]; //   [nLayer][d]      = residPost
  residPost: Float64Array[]; //[nLayer][d]
}

/** One block's forward at the last position, kept for its backward. */
interface BlockTape {
  r: Float64Array; //      [d]  resid_pre
  ln1: LnTape;
  q: Float64Array; //      [d]
  kLast: Float64Array; //  [d]
  vLast: Float64Array; //  [d]
  probs: Float64Array; //  [n_head, T]
  mid: Float64Array; //    [d]
  ln2: LnTape;
  pre: Float64Array; //    [inner]
  out: Float64Array; //    [d]  resid_post
}

interface LnTape {
  xhat: Float64Array; // [d]
  invStd: number;
  y: Float64Array; //    [d]
}

/**
 * Forward from the last position's `residPre0` ([d], the residual entering block 0) over the cached prefix, then
 * the backward of logit[target]. The weights are the checkpoint's; the prefix is the model's present.* of the
 * same prompt.
 */
export function lastPositionGradients(w: Gpt2Weights, cfg: Gpt2Config, residPre0: Float32Array | Float64Array, prefix: KvPrefix, target: number): LastPositionGrads {
  const d = cfg.nEmbd;
  if (residPre0.length !== d) throw new LabError(`lastPositionGradients: residual of length ${residPre0.length}, the model has d = ${d}`);
  const perLayer = cfg.nHead * prefix.length * headDim(cfg);
  if (prefix.keys.length !== cfg.nLayer || [...prefix.keys, ...prefix.values].some((t) => t.length !== perLayer)) {
    throw new LabError(`the KV cache does not hold [1, ${cfg.nHead}, ${prefix.length}, ${headDim(cfg)}] per layer for ${cfg.nLayer} layers: it cannot be the model's present.* of this prompt`);
  }
  if (!(target >= 0 && target < cfg.vocabSize)) throw new LabError(`target token ${target} is outside the vocabulary (0…${cfg.vocabSize - 1})`);
  const tapes: BlockTape[] = [];
  let r: Float64Array = Float64Array.from(residPre0);
  for (let l = 0; l < cfg.nLayer; l++) {
    const tape = blockForward(w.blocks[l], cfg, r, prefix, l);
    tapes.push(tape);
    r = tape.out;
  }
  const lnF = layerNorm(r, w.lnFW, w.lnFB, cfg.layerNormEps);
  const wU = w.wte.subarray(target * d, (target + 1) * d); // [d] the target's unembedding column
  let logit = 0;
  for (let c = 0; c < d; c++) logit += lnF.y[c] * wU[c];

  const grads: LastPositionGrads = { logit, residPre: [], attnOut: [], residMid: [], mlpPre: [], mlpPost: [], mlpOut: [], residPost: [] };
  let g = layerNormBackward(lnF, w.lnFW, Float64Array.from(wU)); // d logit / d resid_post of the last block
  for (let l = cfg.nLayer - 1; l >= 0; l--) {
    const b = blockBackward(w.blocks[l], cfg, tapes[l], prefix, l, g);
    grads.residPost[l] = g;
    grads.mlpOut[l] = g;
    grads.mlpPost[l] = b.mlpPost;
    grads.mlpPre[l] = b.mlpPre;
    grads.residMid[l] = b.mid;
    grads.attnOut[l] = b.mid;
    grads.residPre[l] = b.r;
    g = b.r;
  }
  return grads;
}

function blockForward(b: BlockWeights, cfg: Gpt2Config, r: Float64Array, prefix: KvPrefix, l: number): BlockTape {
  const d = cfg.nEmbd;
  const nh = cfg.nHead;
  const hd = headDim(cfg);
  const T = prefix.length;
  const ln1 = layerNorm(r, b.ln1W, b.ln1B, cfg.layerNormEps);
  const qkv = vecMat(ln1.y, b.attnW, 3 * d, b.attnB); // [3d]
  const q = qkv.subarray(0, d);
  const kLast = qkv.subarray(d, 2 * d);
  const vLast = qkv.subarray(2 * d, 3 * d);
  const probs = new Float64Array(nh * T);
  const z = new Float64Array(d); // heads concatenated
  const scale = 1 / Math.sqrt(hd);
  const K = prefix.keys[l];
  const V = prefix.values[l];
  for (let h = 0; h < nh; h++) {
    const p = probs.subarray(h * T, (h + 1) * T);
    let max = -Infinity;
    for (let j = 0; j < T; j++) {
      let s = 0;
      for (let e = 0; e < hd; e++) s += q[h * hd + e] * keyAt(K, kLast, h, j, e, T, hd);
      p[j] = s * scale;
      if (p[j] > max) max = p[j];
    }
    let sum = 0;
    for (let j = 0; j < T; j++) sum += p[j] = Math.exp(p[j] - max);
    for (let j = 0; j < T; j++) p[j] /= sum;
    for (let e = 0; e < hd; e++) {
      let s = 0;
      for (let j = 0; j < T; j++) s += p[j] * keyAt(V, vLast, h, j, e, T, hd);
      z[h * hd + e] = s;
    }
  }
  const attnOut = vecMat(z, b.attnProjW, d, b.attnProjB);
  const mid = new Float64Array(d);
  for (let c = 0; c < d; c++) mid[c] = r[c] + attnOut[c];
  const ln2 = layerNorm(mid, b.ln2W, b.ln2B, cfg.layerNormEps);
  const pre = vecMat(ln2.y, b.fcW, cfg.nInner, b.fcB);
  const post = pre.map(gelu);
  const mlpOut = vecMat(post, b.mlpProjW, d, b.mlpProjB);
  const out = new Float64Array(d);
  for (let c = 0; c < d; c++) out[c] = mid[c] + mlpOut[c];
  return { r, ln1, q: Float64Array.from(q), kLast: Float64Array.from(kLast), vLast: Float64Array.from(vLast), probs, mid, ln2, pre, out };
}

function blockBackward(b: BlockWeights, cfg: Gpt2Config, t: BlockTape, prefix: KvPrefix, l: number, gOut: Float64Array) {
  const d = cfg.nEmbd;
  const nh = cfg.nHead;
  const hd = headDim(cfg);
  const T = prefix.length;
  // MLP: out = mid + W_outᵀ·gelu(W_fcᵀ·LN2(mid))
  const mlpPost = matVec(b.mlpProjW, gOut, cfg.nInner, d); // [inner]
  const mlpPre = new Float64Array(cfg.nInner);
  for (let i = 0; i < cfg.nInner; i++) mlpPre[i] = mlpPost[i] * geluGrad(t.pre[i]);
  const gLn2 = matVec(b.fcW, mlpPre, d, cfg.nInner);
  const gMid = layerNormBackward(t.ln2, b.ln2W, gLn2);
  for (let c = 0; c < d; c++) gMid[c] += gOut[c];
  // Attention: only the last query, the last key and the last value depend on r.
  const gz = matVec(b.attnProjW, gMid, d, d); // [d]
  const gq = new Float64Array(d);
  const gk = new Float64Array(d);
  const gv = new Float64Array(d);
  const scale = 1 / Math.sqrt(hd);
  const K = prefix.keys[l];
  const V = prefix.values[l];
  const gp = new Float64Array(T);
  for (let h = 0; h < nh; h++) {
    const p = t.probs.subarray(h * T, (h + 1) * T);
    let dot = 0;
    for (let j = 0; j < T; j++) {
      let s = 0;
      for (let e = 0; e < hd; e++) s += gz[h * hd + e] * keyAt(V, t.vLast, h, j, e, T, hd);
      gp[j] = s;
      dot += p[j] * s;
    }
    for (let e = 0; e < hd; e++) gv[h * hd + e] = p[T - 1] * gz[h * hd + e];
    for (let j = 0; j < T; j++) {
      const gs = p[j] * (gp[j] - dot) * scale; // d/d(q·k_j) through the softmax
      for (let e = 0; e < hd; e++) gq[h * hd + e] += gs * keyAt(K, t.kLast, h, j, e, T, hd);
      if (j === T - 1) for (let e = 0; e < hd; e++) gk[h * hd + e] += gs * t.q[h * hd + e];
    }
  }
  const gQkv = new Float64Array(3 * d);
  gQkv.set(gq, 0);
  gQkv.set(gk, d);
  gQkv.set(gv, 2 * d);
  const gLn1 = matVec(b.attnW, gQkv, d, 3 * d);
  const gR = layerNormBackward(t.ln1, b.ln1W, gLn1);
  for (let c = 0; c < d; c++) gR[c] += gMid[c];
  return { r: gR, mid: gMid, mlpPre, mlpPost };
}

/** Element e of head h at position j: the cached prefix for j < T−1, this step's own vector for the last. */
function keyAt(cache: Float32Array, last: Float64Array, h: number, j: number, e: number, T: number, hd: number): number {
  return j === T - 1 ? last[h * hd + e] : cache[(h * T + j) * hd + e];
}

/** A layer norm's mean and 1/√(var + ε) of x (biased variance, as GPT-2's LayerNorm). */
export function normStats(x: ArrayLike<number>, eps: number): { mean: number; invStd: number } {
  const d = x.length;
  let mean = 0;
  for (let c = 0; c < d; c++) mean += x[c];
  mean /= d;
  let v = 0;
  for (let c = 0; c < d; c++) v += (x[c] - mean) ** 2;
  return { mean, invStd: 1 / Math.sqrt(v / d + eps) };
}

function layerNorm(x: Float64Array, gamma: Float32Array, beta: Float32Array, eps: number): LnTape {
  const d = x.length;
  const { mean, invStd } = normStats(x, eps);
  const xhat = new Float64Array(d);
  const y = new Float64Array(d);
  for (let c = 0; c < d; c++) {
    xhat[c] = (x[c] - mean) * invStd;
    y[c] = xhat[c] * gamma[c] + beta[c];
  }
  return { xhat, invStd, y };
}

/** dL/dx of y = LN(x) given dL/dy: (ĝ − mean ĝ − x̂ · mean(ĝ x̂)) / σ with ĝ = γ ⊙ dL/dy. */
function layerNormBackward(t: LnTape, gamma: Float32Array, gy: Float64Array): Float64Array {
  const d = gy.length;
  let m1 = 0;
  let m2 = 0;
  for (let c = 0; c < d; c++) {
    const gh = gy[c] * gamma[c];
    m1 += gh;
    m2 += gh * t.xhat[c];
  }
  m1 /= d;
  m2 /= d;
  const gx = new Float64Array(d);
  for (let c = 0; c < d; c++) gx[c] = (gy[c] * gamma[c] - m1 - t.xhat[c] * m2) * t.invStd;
  return gx;
}

/** x [n] · W [n, m] + bias [m] (Conv1D layout). */
function vecMat(x: Float64Array, W: Float32Array, m: number, bias: Float32Array): Float64Array {
  const out = Float64Array.from(bias);
  for (let i = 0; i < x.length; i++) {
    const xi = x[i];
    if (xi === 0) continue;
    const row = i * m;
    for (let j = 0; j < m; j++) out[j] += xi * W[row + j];
  }
  return out;
}

/** W [n, m] · g [m] → [n]: the backward of vecMat (and an MLP's W_out rows read along a direction). */
export function matVec(W: Float32Array, g: Float64Array, n: number, m: number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    const row = i * m;
    for (let j = 0; j < m; j++) s += W[row + j] * g[j];
    out[i] = s;
  }
  return out;
}

const GELU_C = Math.sqrt(2 / Math.PI);

/** gelu_new (GPT-2's tanh approximation). */
export function gelu(x: number): number {
  return 0.5 * x * (1 + Math.tanh(GELU_C * (x + 0.044715 * x ** 3)));
}

function geluGrad(x: number): number {
  const t = Math.tanh(GELU_C * (x + 0.044715 * x ** 3));
  return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * GELU_C * (1 + 3 * 0.044715 * x * x);
}

/** The gradient at a hook point of the last position (TransformerLens name), or null where none is defined here. */
export function gradientAt(g: LastPositionGrads, layer: number, point: string): Float64Array | null {
  switch (point) {
    case 'hook_resid_pre':
      return g.residPre[layer];
    case 'hook_attn_out':
      return g.attnOut[layer];
    case 'hook_resid_mid':
      return g.residMid[layer];
    case 'mlp.hook_pre':
      return g.mlpPre[layer];
    case 'mlp.hook_post':
      return g.mlpPost[layer];
    case 'hook_mlp_out':
      return g.mlpOut[layer];
    case 'hook_resid_post':
      return g.residPost[layer];
    default:
      return null;
  }
}
