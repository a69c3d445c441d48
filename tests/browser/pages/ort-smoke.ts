// Runs inside the page: onnxruntime-web loads its wasm (threads need cross-origin isolation)
// under the app's CSP and runs a one-node ONNX model (c = a + b).
import * as ort from 'onnxruntime-web';
import { DataType, OnnxGraph } from '../../../src/onnx/graph';

/** ONNX model: inputs a, b: float[n]; output c = a + b (opset 17), built with the project's writer. */
export function addModel(): Uint8Array {
  const g = new OnnxGraph('g');
  g.input('a', DataType.FLOAT, ['n']);
  g.input('b', DataType.FLOAT, ['n']);
  g.node('Add', ['a', 'b'], { outputs: ['c'] });
  g.output('c', DataType.FLOAT, ['n']);
  return g.toModel({ opset: 17, producer: 'sse-test' });
}

export interface OrtSmokeResult {
  backend: string;
  threads: number;
  crossOriginIsolated: boolean;
  output: number[];
}

export async function runOrtSmoke(backend: 'wasm' | 'webgpu' = 'wasm', threads = 2): Promise<OrtSmokeResult> {
  ort.env.wasm.numThreads = threads;
  ort.env.logLevel = 'error';
  const session = await ort.InferenceSession.create(addModel(), { executionProviders: [backend] });
  try {
    const a = new ort.Tensor('float32', Float32Array.from([1, 2, 3, 4]), [4]);
    const b = new ort.Tensor('float32', Float32Array.from([10, 20, 30, 40]), [4]);
    const r = await session.run({ a, b });
    return {
      backend,
      threads: ort.env.wasm.numThreads ?? 0,
      crossOriginIsolated: globalThis.crossOriginIsolated === true,
      output: Array.from(r.c.data as Float32Array),
    };
  } finally {
    await session.release();
  }
}
