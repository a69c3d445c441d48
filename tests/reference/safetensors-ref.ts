// Independent safetensors reader/writer for tests. Shares no code with src/ on
// purpose: it is the yardstick the real loader is checked against.
//
// Format: [u64 LE header length n][n bytes JSON header][data]. The header maps
// tensor name -> {dtype, shape, data_offsets: [begin, end]} (offsets relative
// to the start of the data section), plus an optional "__metadata__" entry.

export type RefDtype = 'F32' | 'F16' | 'BF16';

export interface RefTensor {
  shape: number[];
  data: Float32Array;
}

export interface TensorSpec {
  dtype: RefDtype;
  shape: number[];
}

const BYTES_PER: Record<RefDtype, number> = { F32: 4, F16: 2, BF16: 2 };

// Scratch for reinterpreting float32 <-> uint32 bits (host is little-endian,
// as is every platform Node runs on; the DataView paths below are explicit).
const scratchF32 = new Float32Array(1);
const scratchU32 = new Uint32Array(scratchF32.buffer);

// ---------------------------------------------------------------- half floats

/** IEEE 754 binary16 bits -> number. Handles subnormals, +-0, inf, NaN. */
export function f16BitsToF32(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24; // zero or subnormal
  if (exp === 0x1f) return mant ? NaN : sign * Infinity;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

// All 65536 halves decoded once: decoding 100M+ values through a table is far
// faster than the arithmetic above.
let f16Table: Float32Array | null = null;
function getF16Table(): Float32Array {
  if (!f16Table) {
    f16Table = new Float32Array(65536);
    for (let h = 0; h < 65536; h++) f16Table[h] = f16BitsToF32(h);
  }
  return f16Table;
}

/** number -> binary16 bits, round to nearest, ties to even (as numpy/torch). */
export function f32ToF16Bits(value: number): number {
  scratchF32[0] = value; // first round to f32, as a real f32 tensor would hold
  const x = scratchU32[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  const mant = x & 0x7fffff;

  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0); // inf / quiet NaN

  const e = exp - 127 + 15; // re-biased exponent
  if (e >= 31) return sign | 0x7c00; // overflow -> inf

  if (e <= 0) {
    // Result is a half subnormal (or rounds up to the smallest normal):
    // half units are 2^-24, so halfMant = (1.mant * 2^23) >> (14 - e).
    const shift = 14 - e;
    if (shift > 24) return sign; // < half of the smallest subnormal -> +-0
    const m = mant | 0x800000;
    let halfMant = m >>> shift;
    const rem = m & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    if (rem > halfway || (rem === halfway && halfMant & 1)) halfMant++;
    return sign | halfMant; // a carry to 0x400 is exactly the smallest normal
  }

  let h = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  // A carry out of the mantissa bumps the exponent; at the top it lands on inf.
  if (rem > 0x1000 || (rem === 0x1000 && h & 1)) h++;
  return sign | h;
}

/** bfloat16 bits -> number (upper half of a float32). */
export function bf16BitsToF32(b: number): number {
  scratchU32[0] = (b & 0xffff) << 16;
  return scratchF32[0];
}

/** number -> bfloat16 bits, round to nearest, ties to even. */
export function f32ToBf16Bits(value: number): number {
  scratchF32[0] = value;
  const x = scratchU32[0];
  if ((x & 0x7f800000) === 0x7f800000 && x & 0x7fffff) return ((x >>> 16) | 0x40) & 0xffff; // NaN stays NaN
  const lsb = (x >>> 16) & 1;
  return Math.floor((x + 0x7fff + lsb) / 65536) & 0xffff;
}

// ---------------------------------------------------------------- reading

function readHeader(bytes: Uint8Array): { header: Record<string, any>; dataStart: number } {
  if (bytes.length < 8) throw new Error('safetensors: file shorter than 8 bytes');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = Number(view.getBigUint64(0, true));
  if (8 + n > bytes.length) throw new Error(`safetensors: header length ${n} exceeds file`);
  const json = new TextDecoder().decode(bytes.subarray(8, 8 + n));
  return { header: JSON.parse(json), dataStart: 8 + n };
}

function decodeTensor(raw: Uint8Array, dtype: string, count: number): Float32Array {
  // Copy into a fresh, aligned buffer so typed views are legal. (Not
  // raw.slice(): on a Node Buffer that is a view, not a copy.)
  const aligned = new Uint8Array(raw.length);
  aligned.set(raw);
  if (dtype === 'F32') return new Float32Array(aligned.buffer, 0, count);
  const halves = new Uint16Array(aligned.buffer, 0, count);
  const out = new Float32Array(count);
  if (dtype === 'F16') {
    const table = getF16Table();
    for (let i = 0; i < count; i++) out[i] = table[halves[i]];
  } else if (dtype === 'BF16') {
    const outBits = new Uint32Array(out.buffer);
    for (let i = 0; i < count; i++) outBits[i] = halves[i] << 16;
  } else {
    throw new Error(`safetensors: unsupported dtype ${dtype}`);
  }
  return out;
}

/** Parse a safetensors file, converting every tensor to float32. */
export function readSafetensors(bytes: Uint8Array): Map<string, RefTensor> {
  const { header, dataStart } = readHeader(bytes);
  const out = new Map<string, RefTensor>();
  for (const [name, info] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const { dtype, shape, data_offsets } = info as { dtype: string; shape: number[]; data_offsets: [number, number] };
    const bytesPer = BYTES_PER[dtype as RefDtype];
    if (!bytesPer) throw new Error(`safetensors: unsupported dtype ${dtype} for ${name}`);
    const count = shape.reduce((a, b) => a * b, 1);
    const [begin, end] = data_offsets;
    if (end - begin !== count * bytesPer) {
      throw new Error(`safetensors: ${name} has ${end - begin} bytes, expected ${count * bytesPer}`);
    }
    const raw = bytes.subarray(dataStart + begin, dataStart + end);
    out.set(name, { shape: [...shape], data: decodeTensor(raw, dtype, count) });
  }
  return out;
}

// ---------------------------------------------------------------- writing

export interface SafetensorsLayout {
  /** The whole file, header already written, data section zeroed. */
  bytes: Uint8Array;
  /** Absolute byte offset of each tensor's data inside `bytes`. */
  offsets: Map<string, number>;
}

/**
 * Allocate a file and write its header; tensor data is filled in afterwards
 * with encodeInto. Split out so big checkpoints can be generated one tensor
 * at a time without holding every tensor as float32 at once.
 */
export function layoutSafetensors(
  specs: Record<string, TensorSpec>,
  metadata: Record<string, string> = { format: 'pt' },
): SafetensorsLayout {
  const header: Record<string, unknown> = { __metadata__: metadata };
  const relOffsets = new Map<string, number>();
  let cursor = 0;
  for (const [name, { dtype, shape }] of Object.entries(specs)) {
    const size = shape.reduce((a, b) => a * b, 1) * BYTES_PER[dtype];
    header[name] = { dtype, shape, data_offsets: [cursor, cursor + size] };
    relOffsets.set(name, cursor);
    cursor += size;
  }
  // Pad the JSON with spaces so the data section starts 8-byte aligned, as
  // the reference (Rust) implementation does.
  let json = JSON.stringify(header);
  const jsonBytesLen = new TextEncoder().encode(json).length;
  json += ' '.repeat((8 - (jsonBytesLen % 8)) % 8);
  const jsonBytes = new TextEncoder().encode(json);

  const bytes = new Uint8Array(8 + jsonBytes.length + cursor);
  new DataView(bytes.buffer).setBigUint64(0, BigInt(jsonBytes.length), true);
  bytes.set(jsonBytes, 8);
  const dataStart = 8 + jsonBytes.length;
  const offsets = new Map<string, number>();
  for (const [name, rel] of relOffsets) offsets.set(name, dataStart + rel);
  return { bytes, offsets };
}

const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Encode float32 values as `dtype` into `bytes` starting at `byteOffset`. */
export function encodeInto(bytes: Uint8Array, byteOffset: number, data: Float32Array, dtype: RefDtype): void {
  const n = data.length;
  const abs = bytes.byteOffset + byteOffset;
  // Fast path: typed views over the file buffer (needs alignment and a
  // little-endian host, which the file format mandates).
  if (LITTLE_ENDIAN_HOST && abs % BYTES_PER[dtype] === 0) {
    if (dtype === 'F32') {
      new Float32Array(bytes.buffer, abs, n).set(data);
      return;
    }
    const out = new Uint16Array(bytes.buffer, abs, n);
    const encode = dtype === 'F16' ? f32ToF16Bits : f32ToBf16Bits;
    for (let i = 0; i < n; i++) out[i] = encode(data[i]);
    return;
  }
  const view = new DataView(bytes.buffer, abs);
  if (dtype === 'F32') {
    for (let i = 0; i < n; i++) view.setFloat32(4 * i, data[i], true);
  } else {
    const encode = dtype === 'F16' ? f32ToF16Bits : f32ToBf16Bits;
    for (let i = 0; i < n; i++) view.setUint16(2 * i, encode(data[i]), true);
  }
}

/** Serialize tensors (given as float32) to a safetensors file in memory. */
export function writeSafetensors(
  tensors: Record<string, { dtype: RefDtype; shape: number[]; data: Float32Array }>,
): Uint8Array {
  const specs: Record<string, TensorSpec> = {};
  for (const [name, t] of Object.entries(tensors)) {
    const count = t.shape.reduce((a, b) => a * b, 1);
    if (count !== t.data.length) throw new Error(`writeSafetensors: ${name} shape ${t.shape} != ${t.data.length} values`);
    specs[name] = { dtype: t.dtype, shape: t.shape };
  }
  const layout = layoutSafetensors(specs);
  for (const [name, t] of Object.entries(tensors)) encodeInto(layout.bytes, layout.offsets.get(name)!, t.data, t.dtype);
  return layout.bytes;
}
