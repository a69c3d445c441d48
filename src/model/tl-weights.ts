// TransformerLens' weight processing, as far as it changes values the graph computes (see
// src/core/tl-settings.ts). The graph keeps LayerNorm's affine where TransformerLens folds it into
// the next weights (the same numbers up to rounding), so fold_ln only decides what *.hook_normalized
// shows, and the token embedding is centred in the graph (wte is also the tied unembedding). The rest
// is done here on copies of the small matrices: centring W_pos, W_O, b_O, W_out, b_out, and moving
// the value bias into b_O.
import type { Gpt2Config } from '../core/config';
import type { TlSettings } from '../core/tl-settings';
import type { BlockWeights, Gpt2Weights } from '../core/weights';

/** Weights the graph is built from under `tl`; the input is never modified (shared arrays where unchanged). */
export function processWeights(w: Gpt2Weights, cfg: Gpt2Config, tl: TlSettings): Gpt2Weights {
  if (!tl.center_writing_weights && !tl.fold_value_biases) return w;
  const d = cfg.nEmbd;
  const blocks = w.blocks.map((b) => {
    let out: BlockWeights = b;
    if (tl.center_writing_weights) {
      out = {
        ...out,
        attnProjW: centreRows(out.attnProjW, d), //      W_O  [d, d]      mean over the written (d_model) axis
        attnProjB: centreRows(out.attnProjB, d), //      b_O  [d]
        mlpProjW: centreRows(out.mlpProjW, d), //        W_out [inner, d]
        mlpProjB: centreRows(out.mlpProjB, d), //        b_out [d]
      };
    }
    if (tl.fold_value_biases) out = foldValueBias(out, d, tl.fold_ln);
    return out;
  });
  return { ...w, wpe: tl.center_writing_weights ? centreRows(w.wpe, d) : w.wpe, blocks };
}

/** Each row of a row-major [n, width] matrix minus its mean. */
export function centreRows(m: Float32Array, width: number): Float32Array {
  const out = new Float32Array(m.length);
  for (let r = 0; r < m.length; r += width) {
    let mean = 0;
    for (let c = 0; c < width; c++) mean += m[r + c];
    mean /= width;
    for (let c = 0; c < width; c++) out[r + c] = m[r + c] - mean;
  }
  return out;
}

/**
 * The value bias TransformerLens removes from v, moved into b_O (each pattern row sums to 1, so
 * attn_out keeps its value): b_O += bias_V · W_O. With fold_ln, TransformerLens' b_V already holds
 * ln_1's bias through W_V (b_V + β₁·W_V); without it, only b_V. The graph still applies ln_1's affine,
 * so v's bias becomes −β₁·W_V (fold_ln) or 0, and v = x̂·γ₁·W_V exactly as TransformerLens has it.
 */
function foldValueBias(b: BlockWeights, d: number, foldLn: boolean): BlockWeights {
  const removed = new Float64Array(d); // [d] = (head, d_head): the value bias TransformerLens folds away
  for (let j = 0; j < d; j++) removed[j] = b.attnB[2 * d + j];
  if (foldLn) {
    for (let i = 0; i < d; i++) {
      const beta = b.ln1B[i];
      const row = i * 3 * d + 2 * d; // W_V is columns 2d … 3d of c_attn.weight [d, 3d]
      for (let j = 0; j < d; j++) removed[j] += beta * b.attnW[row + j];
    }
  }
  const attnB = Float32Array.from(b.attnB);
  for (let j = 0; j < d; j++) attnB[2 * d + j] -= removed[j]; // leaves −β₁·W_V (fold_ln) or 0
  const attnProjB = new Float32Array(d);
  for (let o = 0; o < d; o++) {
    let acc = b.attnProjB[o];
    for (let j = 0; j < d; j++) acc += removed[j] * b.attnProjW[j * d + o]; // W_O [d, d] stored [in, out]
    attnProjB[o] = acc;
  }
  return { ...b, attnB, attnProjB };
}
