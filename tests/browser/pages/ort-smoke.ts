// Runs inside the page: onnxruntime-web loads its wasm (threads need cross-origin isolation)
// under the app's CSP and runs a hand-encoded one-node ONNX model (c = a + b).
import * as ort from 'onnxruntime-web';

// --- minimal protobuf writer, enough for a ModelProto -------------------------------------
type Field = [field: number, value: number | string | Uint8Array];
function varint(n: number, out: number[]): void {
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
}
function msg(fields: Field[]): Uint8Array {
  const out: number[] = [];
  for (const [f, v] of fields) {
    if (typeof v === 'number') {
      varint(f << 3, out);
      varint(v, out);
    } else {
      const bytes = typeof v === 'string' ? new TextEncoder().encode(v) : v;
      varint((f << 3) | 2, out);
      varint(bytes.length, out);
      for (const b of bytes) out.push(b);
    }
  }
  return Uint8Array.from(out);
}
const FLOAT = 1;
const valueInfo = (name: string) =>
  msg([
    [1, name],
    [2, msg([[1, msg([[1, FLOAT], [2, msg([[1, msg([[2, 'n']])]])]])]])],
  ]);

/** ONNX model: inputs a, b: float[n]; output c = a + b (opset 17). */
export function addModel(): Uint8Array {
  const node = msg([[1, 'a'], [1, 'b'], [2, 'c'], [3, 'add'], [4, 'Add']]);
  const graph = msg([[1, node], [2, 'g'], [11, valueInfo('a')], [11, valueInfo('b')], [12, valueInfo('c')]]);
  return msg([[1, 8], [2, 'sse-test'], [7, graph], [8, msg([[1, ''], [2, 17]])]]);
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
