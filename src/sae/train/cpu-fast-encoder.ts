// The fast CPU step's encoder and selections on onnxruntime-web's wasm backend (SIMD, threads), one graph:
//   pre          = (x − b_dec) · W_enc + b_enc                          [rows, d_sae]
//   (idx, val)   = TopK(pre, slots), val = ReLU(val)                    [rows, slots]
//   with AuxK:   (aidx, aval) = TopK(Where(dead, pre, −FLT_MAX), k_aux), ReLU     [rows, k_aux]
// the twins of src/sae/cpu/{matmul_bias,topk_rows,mask_dead}.ts. ONNX's TopK orders equal values by lower
// index, as topk_rows does, and −FLT_MAX is mask_dead's NOT_DEAD, so the selections are the twin's whenever the
// pre-activations agree (they differ by summation order only). pre never leaves the wasm heap: only the
// selections come back. The parameters are graph inputs, not initializers (as src/analysis/onnx-encoder.ts has
// them for the statistics pass): training changes them every step, and ort copies inputs per run anyway.
import { DataType, OnnxGraph } from '../../onnx/graph';
import { createSession, ort, runExclusive } from '../../model/runtime';
import { NOT_DEAD } from '../cpu/mask_dead';
import type { SaeParams } from './types';

/** The graph for `slots` per row, and k_aux over the dead latents when kAux > 0. */
export function buildTrainEncoderOnnx(dIn: number, dSae: number, slots: number, kAux: number): Uint8Array {
  const g = new OnnxGraph('sae_train_encoder');
  const x = g.input('x', DataType.FLOAT, ['rows', dIn]); //         [rows, d_in]
  const bDec = g.input('b_dec', DataType.FLOAT, [dIn]); //          [d_in]
  const wEnc = g.input('W_enc', DataType.FLOAT, [dIn, dSae]); //    [d_in, d_sae]
  const bEnc = g.input('b_enc', DataType.FLOAT, [dSae]); //         [d_sae]
  const pre = g.op('Add', [g.op('MatMul', [g.op('Sub', [x, bDec]), wEnc]), bEnc]); // [rows, d_sae]
  const select = (from: string, k: number, val: string, idx: string) => {
    const [v, i] = g.node('TopK', [from, g.constI64([k])], { outputs: 2, attrs: { axis: -1, largest: 1, sorted: 1 } });
    g.node('Relu', [v], { outputs: [val] }); //                                       [rows, k]
    g.node('Cast', [i], { outputs: [idx], attrs: { to: DataType.INT32 } }); //        [rows, k]
    g.output(val, DataType.FLOAT, ['rows', k]);
    g.output(idx, DataType.INT32, ['rows', k]);
  };
  select(pre, slots, 'val', 'idx');
  if (kAux > 0) {
    const dead = g.input('dead', DataType.BOOL, [dSae]); //          [d_sae]  1 = dead
    select(g.op('Where', [dead, pre, g.constF32(NOT_DEAD)]), kAux, 'aval', 'aidx');
  }
  return g.toModel({ opset: 17, producer: 'SparseSearchEverything' });
}

export interface Selection {
  idx: Uint32Array; // [rows, k]
  val: Float32Array; // [rows, k]  ReLU'd
}

export interface TrainEncoder {
  /**
   * The top-`slots` selection of rows x [rows, d_in] under the parameters as they are now, and with `dead`
   * ([d_sae], 1 = dead) the AuxK one.
   */
  select(p: SaeParams, x: Float32Array, rows: number, dead: Uint8Array | null): Promise<{ main: Selection; aux: Selection | null }>;
  dispose(): Promise<void>;
}

/** Int32 indices from ort as the Uint32 the sparse stages take (all ≥ 0: the same bytes). */
const asU32 = (t: ort.Tensor) => {
  const a = t.data as Int32Array;
  return new Uint32Array(a.buffer, a.byteOffset, a.length);
};

export async function createTrainEncoder(dIn: number, dSae: number, slots: number, kAux: number): Promise<TrainEncoder> {
  // Two sessions: a step with no dead latent skips the masked copy of pre and its top-k.
  const plain = (await runExclusive(() => createSession(buildTrainEncoderOnnx(dIn, dSae, slots, 0), 'wasm'))).session;
  let withAux: ort.InferenceSession | null = null;
  return {
    async select(p, x, rows, dead) {
      const feeds: Record<string, ort.Tensor> = {
        x: new ort.Tensor('float32', x, [rows, dIn]),
        b_dec: new ort.Tensor('float32', p.b_dec, [dIn]),
        W_enc: new ort.Tensor('float32', p.W_enc, [dIn, dSae]),
        b_enc: new ort.Tensor('float32', p.b_enc, [dSae]),
      };
      let session = plain;
      if (dead) {
        withAux ??= (await runExclusive(() => createSession(buildTrainEncoderOnnx(dIn, dSae, slots, kAux), 'wasm'))).session;
        session = withAux;
        feeds.dead = new ort.Tensor('bool', dead, [dSae]);
      }
      // The wasm backend returns JS-owned copies, so the data outlives the tensors.
      // Through the thread's ort queue: a stream training runs the model's forward and several SAEs' steps at once.
      const out = await runExclusive(() => session.run(feeds));
      const main = { idx: asU32(out.idx), val: out.val.data as Float32Array };
      const aux = dead ? { idx: asU32(out.aidx), val: out.aval.data as Float32Array } : null;
      for (const t of Object.values(out)) t.dispose();
      return { main, aux };
    },
    async dispose() {
      await plain.release();
      await withAux?.release();
    },
  };
}
