// Minimal protobuf writer for ONNX. Messages are kept as lists of byte chunks and concatenated once at the
// end, so multi-hundred-MB initializers are copied exactly once (into the final model buffer).

type Chunk = Uint8Array;

function varint(value: number | bigint): Uint8Array {
  let v = BigInt.asUintN(64, BigInt(value)); // negative int64 → two's complement, 10 bytes, as protobuf says
  const out: number[] = [];
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return Uint8Array.from(out);
}

function smallVarint(v: number): Uint8Array {
  if (v < 0x80) return Uint8Array.of(v);
  return varint(v);
}

const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
const WIRE_LEN = 2;
const WIRE_FIXED32 = 5;
void WIRE_FIXED64;

const utf8 = new TextEncoder();

export class ProtoMessage {
  readonly chunks: Chunk[] = [];
  size = 0;

  private push(c: Chunk): void {
    this.chunks.push(c);
    this.size += c.byteLength;
  }

  private tag(field: number, wire: number): void {
    this.push(smallVarint((field << 3) | wire));
  }

  int(field: number, value: number | bigint): this {
    this.tag(field, WIRE_VARINT);
    this.push(varint(value));
    return this;
  }

  float(field: number, value: number): this {
    this.tag(field, WIRE_FIXED32);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, value, true);
    this.push(b);
    return this;
  }

  /** Length-delimited bytes; the array is referenced, not copied, until finish(). */
  bytes(field: number, data: Uint8Array): this {
    this.tag(field, WIRE_LEN);
    this.push(smallVarint(data.byteLength));
    this.push(data);
    return this;
  }

  string(field: number, s: string): this {
    return this.bytes(field, utf8.encode(s));
  }

  message(field: number, m: ProtoMessage): this {
    this.tag(field, WIRE_LEN);
    this.push(varint(m.size));
    for (const c of m.chunks) this.chunks.push(c);
    this.size += m.size;
    return this;
  }

  packedInts(field: number, values: ArrayLike<number | bigint>): this {
    const parts = Array.from(values as ArrayLike<number | bigint>, (v) => varint(v));
    const len = parts.reduce((a, p) => a + p.byteLength, 0);
    this.tag(field, WIRE_LEN);
    this.push(smallVarint(len));
    for (const p of parts) this.push(p);
    return this;
  }

  packedFloats(field: number, values: ArrayLike<number>): this {
    const b = new Uint8Array(Float32Array.from(values).buffer);
    return this.bytes(field, b);
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.size);
    let off = 0;
    for (const c of this.chunks) {
      out.set(c, off);
      off += c.byteLength;
    }
    return out;
  }
}
