// The block product of ./cosines.ts on onnxruntime-web's wasm backend (SIMD, threads): dots = A · Uᵀ for a block
// A [M, dim] of unit directions against all of them, Uᵀ [dim, d] held as the graph's initializer. All d² dots of a
// GPT-2-small SAE are 4.6 · 10¹¹ multiply-adds: far past what one JS loop does in a page's patience (the same reason
// ./onnx-encoder.ts runs the encoder matmul there).
import { DataType, OnnxGraph } from '../onnx/graph';
import { createSession, ort, runExclusive } from '../model/runtime';
import type { BlockDots } from './cosines';

export function buildDotsOnnx(u: Float32Array, d: number, dim: number): Uint8Array {
  const t = new Float32Array(dim * d); // Uᵀ [dim, d]
  for (let f = 0; f < d; f++) for (let c = 0; c < dim; c++) t[c * d + f] = u[f * dim + c];
  const g = new OnnxGraph('unit_dots');
  const a = g.input('a', DataType.FLOAT, ['rows', dim]); //                     [M, dim]
  g.node('MatMul', [a, g.initializer('Ut', DataType.FLOAT, [dim, d], t)], { outputs: ['dots'] }); // [M, d]
  g.output('dots', DataType.FLOAT, ['rows', d]);
  return g.toModel({ opset: 17, producer: 'SparseSearchEverything' });
}

/** BlockDots over unit directions u [d, dim] on wasm; dispose() releases the session. */
export async function createOnnxDots(u: Float32Array, d: number, dim: number): Promise<{ dots: BlockDots; dispose: () => Promise<void> }> {
  const { session } = await createSession(buildDotsOnnx(u, d, dim), 'wasm');
  return {
    async dots(first, M) {
      const a = u.slice(first * dim, (first + M) * dim);
      const out = await runExclusive(() => session.run({ a: new ort.Tensor('float32', a, [M, dim]) }));
      const dots = (out.dots.data as Float32Array).slice();
      out.dots.dispose();
      return dots;
    },
    async dispose() {
      await session.release();
    },
  };
}
