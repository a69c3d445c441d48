// safetensors reader: validated header, body read once from an ArrayBuffer, Blob or streamed Response.
// Layout: u64-LE header length N | N bytes of JSON header | tensor bytes (offsets relative to the body).
import { SafetensorsError } from './errors';
import { halfToFloat } from './f16';

export type StDtype = 'F32' | 'F16' | 'BF16' | 'F64' | 'I64' | 'I32' | 'I16' | 'I8' | 'U8' | 'BOOL';

const DTYPE_BYTES: Record<StDtype, number> = { F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1 };
const MAX_HEADER_BYTES = 100 * 1024 * 1024; // the reference implementation's own limit

export interface TensorInfo {
  dtype: StDtype;
  shape: number[];
  begin: number; // byte offset into the body
  end: number;
}

export interface SafetensorsFile {
  tensors: Map<string, TensorInfo>;
  metadata: Record<string, string>;
  body: Uint8Array; // all tensor bytes; 8-byte aligned when the writer padded the header (HF does)
}

export type ProgressFn = (loaded: number, total: number) => void;

const numel = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

/** Parses and validates the JSON header against the body length; throws SafetensorsError naming the tensor. */
export function parseHeader(json: string, bodyBytes: number, label = 'safetensors'): Omit<SafetensorsFile, 'body'> {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    throw new SafetensorsError(`${label}: header is not valid JSON (the file is corrupt or not a safetensors file)`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new SafetensorsError(`${label}: header is not a JSON object`);
  }
  const tensors = new Map<string, TensorInfo>();
  let metadata: Record<string, string> = {};
  for (const [name, entry] of Object.entries(raw as Record<string, unknown>)) {
    if (name === '__metadata__') {
      metadata = (entry ?? {}) as Record<string, string>;
      continue;
    }
    const e = entry as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (typeof e?.dtype !== 'string' || !(e.dtype in DTYPE_BYTES)) {
      throw new SafetensorsError(`${label}: tensor "${name}" has unsupported dtype ${JSON.stringify(e?.dtype)}`);
    }
    const dtype = e.dtype as StDtype;
    const shape = e.shape;
    const offs = e.data_offsets;
    if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
      throw new SafetensorsError(`${label}: tensor "${name}" has an invalid shape ${JSON.stringify(shape)}`);
    }
    if (!Array.isArray(offs) || offs.length !== 2 || !offs.every((o) => Number.isInteger(o) && o >= 0) || offs[1] < offs[0]) {
      throw new SafetensorsError(`${label}: tensor "${name}" has invalid data_offsets ${JSON.stringify(offs)}`);
    }
    const [begin, end] = offs as [number, number];
    const want = numel(shape) * DTYPE_BYTES[dtype];
    if (end - begin !== want) {
      throw new SafetensorsError(
        `${label}: tensor "${name}" ${dtype}${JSON.stringify(shape)} needs ${want} bytes but data_offsets span ${end - begin}`,
      );
    }
    if (end > bodyBytes) {
      throw new SafetensorsError(
        `${label} is truncated: tensor "${name}" ends at byte ${end} of the body, but the body has only ${bodyBytes} bytes. ` +
          'Download the file again.',
      );
    }
    tensors.set(name, { dtype, shape, begin, end });
  }
  return { tensors, metadata };
}

function headerLength(prefix: Uint8Array, totalBytes: number, label: string): number {
  if (prefix.byteLength < 8 || totalBytes < 8) throw new SafetensorsError(`${label} is empty or shorter than 8 bytes`);
  const n = Number(new DataView(prefix.buffer, prefix.byteOffset, 8).getBigUint64(0, true));
  if (n > MAX_HEADER_BYTES || n <= 1) {
    throw new SafetensorsError(`${label}: header length ${n} is implausible (not a safetensors file?)`);
  }
  if (8 + n > totalBytes) throw new SafetensorsError(`${label} is truncated inside its header (${totalBytes} bytes)`);
  return n;
}

/** Reads from bytes already in memory; the body is a view, not a copy. */
export function readSafetensorsBytes(bytes: Uint8Array, label = 'safetensors'): SafetensorsFile {
  const n = headerLength(bytes, bytes.byteLength, label);
  const json = new TextDecoder().decode(bytes.subarray(8, 8 + n));
  const body = bytes.subarray(8 + n);
  return { ...parseHeader(json, body.byteLength, label), body };
}

/** Reads a Blob/File: header first, then the body in one read (one copy of the bytes). */
export async function readSafetensorsBlob(blob: Blob, label = 'safetensors'): Promise<SafetensorsFile> {
  const prefix = new Uint8Array(await blob.slice(0, 8).arrayBuffer());
  const n = headerLength(prefix, blob.size, label);
  const json = await blob.slice(8, 8 + n).text();
  const body = new Uint8Array(await blob.slice(8 + n).arrayBuffer());
  return { ...parseHeader(json, body.byteLength, label), body };
}

/**
 * Streams a fetch Response into one preallocated buffer (Content-Length known) so a 500 MB file is held
 * once, reporting progress. Falls back to growing chunks when the length is unknown.
 */
export async function readSafetensorsResponse(res: Response, label = 'safetensors', onProgress?: ProgressFn): Promise<SafetensorsFile> {
  const bytes = await readResponseBytes(res, label, onProgress);
  return readSafetensorsBytes(bytes, label);
}

export async function readResponseBytes(res: Response, label: string, onProgress?: ProgressFn): Promise<Uint8Array> {
  const total = Number(res.headers.get('content-length') ?? NaN);
  if (!res.body) return new Uint8Array(await res.arrayBuffer());
  const reader = res.body.getReader();
  const known = Number.isFinite(total) && total > 0 && !res.headers.get('content-encoding');
  let buf = new Uint8Array(known ? total : 1 << 20);
  let loaded = 0;
  for (;;) {
    let chunk: ReadableStreamReadResult<Uint8Array>;
    try {
      chunk = await reader.read();
    } catch (err) {
      throw new SafetensorsError(`${label}: download broke off after ${loaded} bytes (${(err as Error).message})`);
    }
    if (chunk.done) break;
    const v = chunk.value;
    if (loaded + v.byteLength > buf.byteLength) {
      if (known) throw new SafetensorsError(`${label}: server sent more bytes than its Content-Length ${total}`);
      const grown = new Uint8Array(Math.max(buf.byteLength * 2, loaded + v.byteLength));
      grown.set(buf.subarray(0, loaded));
      buf = grown;
    }
    buf.set(v, loaded);
    loaded += v.byteLength;
    onProgress?.(loaded, known ? total : 0);
  }
  if (known && loaded < total) {
    throw new SafetensorsError(`${label} is truncated: received ${loaded} of ${total} bytes. Download the file again.`);
  }
  return buf.subarray(0, loaded);
}

/** A tensor's values as Float32Array: a zero-copy view for aligned F32, converted for F16/BF16/F64. */
export function tensorToF32(file: SafetensorsFile, name: string): Float32Array {
  const info = file.tensors.get(name);
  if (!info) throw new SafetensorsError(`tensor "${name}" is not in the file`);
  const bytes = file.body.subarray(info.begin, info.end);
  const n = numel(info.shape);
  switch (info.dtype) {
    case 'F32':
      if (bytes.byteOffset % 4 === 0) return new Float32Array(bytes.buffer, bytes.byteOffset, n);
      return new Float32Array(bytes.slice().buffer);
    case 'F16': {
      const src = bytes.byteOffset % 2 === 0 ? new Uint16Array(bytes.buffer, bytes.byteOffset, n) : new Uint16Array(bytes.slice().buffer);
      return halfToFloat(src);
    }
    case 'BF16': {
      const src = bytes.byteOffset % 2 === 0 ? new Uint16Array(bytes.buffer, bytes.byteOffset, n) : new Uint16Array(bytes.slice().buffer);
      const out = new Float32Array(n);
      const bits = new Uint32Array(out.buffer);
      for (let i = 0; i < n; i++) bits[i] = src[i] << 16;
      return out;
    }
    case 'F64': {
      const src = new Float64Array(bytes.slice().buffer);
      return Float32Array.from(src);
    }
    default:
      throw new SafetensorsError(`tensor "${name}" has dtype ${info.dtype}; expected a float tensor`);
  }
}
