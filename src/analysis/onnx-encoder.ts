// The SAE's encoder matmul on onnxruntime-web's wasm backend (SIMD, threads): pre = (x − b_dec) · W_enc + b_enc,
// built as a three-node ONNX graph with our graph builder. The CPU statistics pass uses it where the plain JS loops
// of src/sae/sae.ts would dominate (they run d_in · d_sae multiply-adds per row one at a time); the activation
// function then runs in JS on `pre`, exactly as src/sae/architectures.ts defines it. A "layer_norm" SAE's rows are
// normalised in JS first (encoderInput, the same float32 rows the plain loops and the GPU read): d_in operations a
// row against the matmul's d_in · d_sae, so it stays out of the graph.
import { DataType, OnnxGraph } from '../onnx/graph';
import { createSession, ort, runExclusive } from '../model/runtime';
import { ARCHITECTURES } from '../sae/architectures';
import { encoderInput } from '../sae/sae';
import type { EncoderSae } from './feature-pass';

export interface OnnxEncoder {
  /** Dense activations [n, d_sae] of rows x [n, d_in]. */
  acts(x: Float32Array, n: number): Promise<Float32Array>;
  dispose(): Promise<void>;
}

/** pre = (x' − b_dec) · W_enc + b_enc on rows x' already through encoderInput. */
export function buildEncoderOnnx(sae: EncoderSae): Uint8Array {
  const { d_in: dIn, d_sae: dSae, apply_b_dec_to_input: sub } = sae.cfg;
  const w = sae.weights;
  const g = new OnnxGraph('sae_encoder');
  const x = g.input('x', DataType.FLOAT, ['rows', dIn]); //                                   [n, d_in]
  const xin = sub ? g.op('Sub', [x, g.initializer('b_dec', DataType.FLOAT, [dIn], w.b_dec)]) : x;
  const mm = g.op('MatMul', [xin, g.initializer('W_enc', DataType.FLOAT, [dIn, dSae], w.W_enc)]); // [n, d_sae]
  g.node('Add', [mm, g.initializer('b_enc', DataType.FLOAT, [dSae], w.b_enc)], { outputs: ['pre'] });
  g.output('pre', DataType.FLOAT, ['rows', dSae]);
  return g.toModel({ opset: 17, producer: 'SparseSearchEverything' });
}

export async function createOnnxEncoder(sae: EncoderSae): Promise<OnnxEncoder> {
  const { session } = await createSession(buildEncoderOnnx(sae), 'wasm');
  const arch = ARCHITECTURES[sae.cfg.architecture];
  const params = { k: sae.cfg.k, threshold: sae.weights.threshold };
  return {
    async acts(x, n) {
      const d = sae.cfg.d_in;
      const rows = encoderInput(sae.cfg, x.subarray(0, n * d), n).x; // [n, d_in]
      const out = await runExclusive(() => session.run({ x: new ort.Tensor('float32', rows, [n, d]) }));
      const pre = out.pre.data as Float32Array;
      const acts = arch.activate(pre, n, sae.cfg.d_sae, params);
      out.pre.dispose();
      return acts;
    },
    async dispose() {
      await session.release();
    },
  };
}
