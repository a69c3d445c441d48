// An independent torch.save writer for tests: shares no code with src/ (nor its zip library), so a reader bug
// cannot hide behind the same bug here. It writes what torch.save writes for a dict of tensors, byte for byte in
// structure (checked by reading torch's own files in tests/fixtures/torch-pt with the same reader):
//   <archive>/data.pkl    pickle protocol 2: OrderedDict() REDUCE, then MARK key _rebuild_tensor_v2((persistent
//                         id ('storage', torch.<T>Storage, key, 'cpu', numel)), offset, size, stride, False,
//                         OrderedDict()) REDUCE … SETITEMS, then (optionally) the _metadata BUILD; STOP
//   <archive>/data/<k>    raw little-endian storage bytes, each entry's data aligned to 64 bytes as torch does
//   <archive>/version     "3\n", and byteorder "little" as torch ≥ 2.1 writes
// The zip is written here too (stored entries, CRC-32, central directory, end record).

export type PtWriteDtype = 'float32' | 'float16' | 'bfloat16';

export interface PtWriteTensor {
  dtype?: PtWriteDtype; // default float32
  shape: number[];
  data: Float32Array; // the storage's values (numel of the storage, which may exceed the tensor's)
  offset?: number; //    storage offset (default 0)
  stride?: number[]; //  default row-major
  storageKey?: string; // share a storage between tensors by giving them the same key (and the same data)
}

export interface PtWriteOptions {
  archive?: string; //   default "archive" (torch ≥ 2.0)
  metadata?: boolean; // the state_dict() _metadata attribute (default true)
  byteorder?: string | null; // default "little"; null: no entry (torch < 2.1)
}

// ---------------------------------------------------------------- pickle (protocol 2)

class PickleOut {
  private parts: number[] = [];
  byte(...b: number[]) {
    this.parts.push(...b);
  }
  u32(n: number) {
    this.byte(n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff);
  }
  int(n: number) {
    if (n < 0 || !Number.isInteger(n)) throw new Error(`writer: ${n} is not a non-negative integer`);
    if (n < 256) this.byte(0x4b, n); // BININT1
    else if (n < 65536) this.byte(0x4d, n & 0xff, n >> 8); // BININT2
    else if (n < 2 ** 31) (this.byte(0x4a), this.u32(n)); // BININT
    else {
      // LONG1, 8 bytes
      this.byte(0x8a, 8);
      let v = BigInt(n);
      for (let i = 0; i < 8; i++, v >>= 8n) this.byte(Number(v & 0xffn));
    }
  }
  str(s: string) {
    const b = new TextEncoder().encode(s);
    this.byte(0x58); // BINUNICODE
    this.u32(b.length);
    this.byte(...b);
  }
  global(module: string, name: string) {
    this.byte(0x63, ...new TextEncoder().encode(`${module}\n${name}\n`));
  }
  tuple(items: (() => void)[]) {
    if (items.length === 0) return this.byte(0x29); // EMPTY_TUPLE
    if (items.length <= 3) {
      items.forEach((f) => f());
      return this.byte([0x85, 0x86, 0x87][items.length - 1]);
    }
    this.byte(0x28); // MARK
    items.forEach((f) => f());
    this.byte(0x74); // TUPLE
  }
  bytes(): Uint8Array {
    return Uint8Array.from(this.parts);
  }
}

const STORAGE_CLASS: Record<PtWriteDtype, string> = { float32: 'FloatStorage', float16: 'HalfStorage', bfloat16: 'BFloat16Storage' };
const ITEM: Record<PtWriteDtype, number> = { float32: 4, float16: 2, bfloat16: 2 };

function rowMajor(shape: number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) (s[i] = acc), (acc *= shape[i]);
  return s;
}

/** The data.pkl torch.save writes for `tensors` (no memo: torch's BINPUT/BINGET change nothing read). */
export function pickleStateDict(tensors: Record<string, PtWriteTensor>, keys: Map<string, string>, metadata: boolean): Uint8Array {
  const p = new PickleOut();
  p.byte(0x80, 2); // PROTO 2
  const orderedDict = () => (p.global('collections', 'OrderedDict'), p.byte(0x29, 0x52)); // OrderedDict() REDUCE
  orderedDict();
  p.byte(0x28); // MARK
  for (const [name, t] of Object.entries(tensors)) {
    const dtype = t.dtype ?? 'float32';
    p.str(name);
    p.global('torch._utils', '_rebuild_tensor_v2');
    p.tuple([
      () => {
        p.tuple([() => p.str('storage'), () => p.global('torch', STORAGE_CLASS[dtype]), () => p.str(keys.get(name)!), () => p.str('cpu'), () => p.int(t.data.length)]);
        p.byte(0x51); // BINPERSID
      },
      () => p.int(t.offset ?? 0),
      () => p.tuple(t.shape.map((d) => () => p.int(d))),
      () => p.tuple((t.stride ?? rowMajor(t.shape)).map((d) => () => p.int(d))),
      () => p.byte(0x89), // NEWFALSE: requires_grad
      orderedDict, //        backward_hooks
    ]);
    p.byte(0x52); // REDUCE
  }
  p.byte(0x75); // SETITEMS
  if (metadata) {
    // {'_metadata': OrderedDict([('', {'version': 1})])} BUILD
    p.byte(0x7d);
    p.str('_metadata');
    orderedDict();
    p.str('');
    p.byte(0x7d);
    p.str('version');
    p.int(1);
    p.byte(0x73, 0x73, 0x73, 0x62); // SETITEM ×3, BUILD
  }
  p.byte(0x2e); // STOP
  return p.bytes();
}

// ---------------------------------------------------------------- storage bytes

function f32ToHalfBits(v: number): number {
  const f = new Float32Array([v]);
  const x = new Uint32Array(f.buffer)[0];
  const sign = (x >>> 16) & 0x8000;
  const e = ((x >>> 23) & 0xff) - 127 + 15;
  const m = x & 0x7fffff;
  if (((x >>> 23) & 0xff) === 0xff) return sign | 0x7c00 | (m ? 0x200 : 0);
  if (e >= 31) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    const mm = m | 0x800000;
    const shift = 14 - e;
    let h = mm >> shift;
    const rem = mm & ((1 << shift) - 1);
    const half = 1 << (shift - 1);
    if (rem > half || (rem === half && h & 1)) h++;
    return sign | h;
  }
  let h = sign | (e << 10) | (m >> 13);
  const rem = m & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && h & 1)) h++;
  return h;
}

function storageBytes(dtype: PtWriteDtype, data: Float32Array): Uint8Array {
  if (dtype === 'float32') return new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
  const out = new Uint8Array(data.length * 2);
  const dv = new DataView(out.buffer);
  const bits = new Uint32Array(Float32Array.from(data).buffer);
  for (let i = 0; i < data.length; i++) {
    // bfloat16: truncation of exactly-representable values (tests pass values that fit)
    dv.setUint16(2 * i, dtype === 'float16' ? f32ToHalfBits(data[i]) : bits[i] >>> 16, true);
  }
  return out;
}

// ---------------------------------------------------------------- zip (stored)

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(b: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < b.length; i++) c = CRC_TABLE[(c ^ b[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** A zip of stored (uncompressed) entries, each entry's data aligned to `align` bytes with an extra field. */
export function writeZip(entries: [name: string, data: Uint8Array][], align = 64): Uint8Array {
  const enc = new TextEncoder();
  const locals: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let at = 0;
  for (const [name, data] of entries) {
    const fn = enc.encode(name);
    const crc = crc32(data);
    const pad = (align - ((at + 30 + fn.length + 4) % align)) % align;
    const extraLen = 4 + pad;
    const h = new DataView(new ArrayBuffer(30 + fn.length + extraLen));
    h.setUint32(0, 0x04034b50, true);
    h.setUint16(4, 20, true); //  version needed
    h.setUint16(8, 0, true); //   stored
    h.setUint32(14, crc, true);
    h.setUint32(18, data.length, true);
    h.setUint32(22, data.length, true);
    h.setUint16(26, fn.length, true);
    h.setUint16(28, extraLen, true);
    const hb = new Uint8Array(h.buffer);
    hb.set(fn, 30);
    h.setUint16(30 + fn.length, 0x4246, true); // "FB", the padding field torch writes
    h.setUint16(32 + fn.length, pad, true);
    locals.push(hb, data);
    const c = new DataView(new ArrayBuffer(46 + fn.length));
    c.setUint32(0, 0x02014b50, true);
    c.setUint16(4, 20, true);
    c.setUint16(6, 20, true);
    c.setUint32(16, crc, true);
    c.setUint32(20, data.length, true);
    c.setUint32(24, data.length, true);
    c.setUint16(28, fn.length, true);
    c.setUint32(42, at, true);
    new Uint8Array(c.buffer).set(fn, 46);
    central.push(new Uint8Array(c.buffer));
    at += hb.length + data.length;
  }
  const cdSize = central.reduce((a, b) => a + b.length, 0);
  const end = new DataView(new ArrayBuffer(22));
  end.setUint32(0, 0x06054b50, true);
  end.setUint16(8, entries.length, true);
  end.setUint16(10, entries.length, true);
  end.setUint32(12, cdSize, true);
  end.setUint32(16, at, true);
  const parts = [...locals, ...central, new Uint8Array(end.buffer)];
  const out = new Uint8Array(parts.reduce((a, b) => a + b.length, 0));
  let o = 0;
  for (const p of parts) out.set(p, o), (o += p.length);
  return out;
}

// ---------------------------------------------------------------- the file

/** A torch.save file of `tensors` (a state dict), as torch ≥ 2.1 writes it. */
export function writeTorchPt(tensors: Record<string, PtWriteTensor>, opts: PtWriteOptions = {}): Uint8Array {
  const archive = opts.archive ?? 'archive';
  const keys = new Map<string, string>();
  const storages: [string, Uint8Array][] = [];
  for (const [name, t] of Object.entries(tensors)) {
    const key = t.storageKey ?? String(storages.length);
    keys.set(name, key);
    if (!storages.some(([k]) => k === key)) storages.push([key, storageBytes(t.dtype ?? 'float32', t.data)]);
  }
  const entries: [string, Uint8Array][] = [[`${archive}/data.pkl`, pickleStateDict(tensors, keys, opts.metadata ?? true)]];
  const byteorder = opts.byteorder === undefined ? 'little' : opts.byteorder;
  if (byteorder !== null) entries.push([`${archive}/byteorder`, new TextEncoder().encode(byteorder)]);
  for (const [key, bytes] of storages) entries.push([`${archive}/data/${key}`, bytes]);
  entries.push([`${archive}/version`, new TextEncoder().encode('3\n')]);
  return writeZip(entries);
}
