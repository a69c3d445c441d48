// safetensors writer, the twin of ./safetensors.ts: u64-LE header length N | N bytes of JSON header | tensor bytes.
// The header is padded with spaces to a multiple of 8 so the body starts 8-byte aligned, as the reference (Rust)
// writer does; tensors follow in the order given, unpadded, so a reader may meet a misaligned F32 tensor after an
// odd-length F16 one (our reader copies those).
import { SafetensorsError } from './errors';
import { floatToHalf } from './f16';

export type WritableDtype = 'F32' | 'F16';

export interface TensorToWrite {
  name: string;
  dtype: WritableDtype;
  shape: number[];
  data: Float32Array; // numel(shape) values, row-major; F16 is rounded to nearest even
}

const BYTES: Record<WritableDtype, number> = { F32: 4, F16: 2 };

// Typed arrays use the host's byte order and the format is little-endian; every browser and Node host is.
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Serializes tensors (and optional string metadata) to the bytes of one .safetensors file. */
export function writeSafetensors(tensors: TensorToWrite[], metadata?: Record<string, string>): Uint8Array {
  if (!LITTLE_ENDIAN) throw new SafetensorsError('writing safetensors needs a little-endian host');
  const header: Record<string, unknown> = {};
  if (metadata) {
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== 'string') throw new SafetensorsError(`safetensors metadata "${k}" must be a string, got ${typeof v}`);
    }
    header.__metadata__ = metadata;
  }
  let offset = 0;
  for (const t of tensors) {
    if (t.name === '__metadata__' || t.name in header) {
      throw new SafetensorsError(`cannot write tensor "${t.name}": the name is ${t.name === '__metadata__' ? 'reserved' : 'used twice'}`);
    }
    if (!(t.dtype in BYTES)) throw new SafetensorsError(`cannot write tensor "${t.name}": dtype ${t.dtype} is not F32 or F16`);
    if (!t.shape.every((d) => Number.isInteger(d) && d >= 0)) {
      throw new SafetensorsError(`cannot write tensor "${t.name}": invalid shape ${JSON.stringify(t.shape)}`);
    }
    const numel = t.shape.reduce((a, b) => a * b, 1);
    if (numel !== t.data.length) {
      throw new SafetensorsError(`cannot write tensor "${t.name}": shape ${JSON.stringify(t.shape)} holds ${numel} values but data has ${t.data.length}`);
    }
    const size = numel * BYTES[t.dtype];
    header[t.name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + size] };
    offset += size;
  }

  const raw = new TextEncoder().encode(JSON.stringify(header));
  const headerLen = Math.ceil(raw.byteLength / 8) * 8;
  const out = new Uint8Array(8 + headerLen + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerLen), true);
  out.set(raw, 8);
  out.fill(0x20, 8 + raw.byteLength, 8 + headerLen); // spaces: still valid JSON

  let at = 8 + headerLen;
  for (const t of tensors) {
    // Copy through bytes, not a typed view over `out`: tensor offsets need not be multiples of 4.
    const src = t.dtype === 'F32' ? t.data : floatToHalf(t.data);
    out.set(new Uint8Array(src.buffer, src.byteOffset, src.byteLength), at);
    at += src.byteLength;
  }
  return out;
}
