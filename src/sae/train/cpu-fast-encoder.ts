// The training step's encoder matmul on onnxruntime-web's wasm backend (SIMD, threads):
//   pre = (x − b_dec) · W_enc + b_enc                                            [rows, d_sae]
// as src/analysis/onnx-encoder.ts builds it for the statistics pass, except that the parameters are graph inputs,
// not initializers: training changes them every step, and rebuilding a session per step would cost far more than
// copying W_enc into the wasm heap (ort copies every input per run).
// This is the one dense product of a TopK step (d_in · d_sae multiply-adds per row, against (k + k_aux) · d_in
// for each sparse stage), so it is the one handed to ort; the plain-loop twin is src/sae/cpu/matmul_bias.ts.
import { DataType, OnnxGraph } from '../../onnx/graph';
import { createSession, ort } from '../../model/runtime';
import type { SaeParams } from './types';

/** (x − b_dec) · W_enc + b_enc with every tensor an input. */
export function buildTrainEncoderOnnx(dIn: number, dSae: number): Uint8Array {
  const g = new OnnxGraph('sae_train_encoder');
  const x = g.input('x', DataType.FLOAT, ['rows', dIn]); //         [rows, d_in]
  const bDec = g.input('b_dec', DataType.FLOAT, [dIn]); //          [d_in]
  const wEnc = g.input('W_enc', DataType.FLOAT, [dIn, dSae]); //    [d_in, d_sae]
  const bEnc = g.input('b_enc', DataType.FLOAT, [dSae]); //         [d_sae]
  const mm = g.op('MatMul', [g.op('Sub', [x, bDec]), wEnc]); //    [rows, d_sae]
  g.node('Add', [mm, bEnc], { outputs: ['pre'] });
  g.output('pre', DataType.FLOAT, ['rows', dSae]);
  return g.toModel({ opset: 17, producer: 'SparseSearchEverything' });
}

export interface TrainEncoder {
  /** pre [rows, d_sae] of x [rows, d_in] under the parameters as they are now; the result is the caller's. */
  pre(p: SaeParams, x: Float32Array, rows: number): Promise<Float32Array>;
  dispose(): Promise<void>;
}

export async function createTrainEncoder(dIn: number, dSae: number): Promise<TrainEncoder> {
  const { session } = await createSession(buildTrainEncoderOnnx(dIn, dSae), 'wasm');
  return {
    async pre(p, x, rows) {
      const out = await session.run({
        x: new ort.Tensor('float32', x, [rows, dIn]),
        b_dec: new ort.Tensor('float32', p.b_dec, [dIn]),
        W_enc: new ort.Tensor('float32', p.W_enc, [dIn, dSae]),
        b_enc: new ort.Tensor('float32', p.b_enc, [dSae]),
      });
      // The wasm backend hands outputs back as JS-owned copies, so the data outlives the tensor.
      const pre = out.pre.data as Float32Array;
      out.pre.dispose();
      return pre;
    },
    async dispose() {
      await session.release();
    },
  };
}
