// An ONNX graph under construction: nodes, initializers, typed inputs/outputs, serialised to a ModelProto.
// Field numbers follow onnx.proto (ModelProto, GraphProto, NodeProto, TensorProto, ValueInfoProto).
import { ProtoMessage } from './proto';

/** TensorProto.DataType values. */
export const DataType = { FLOAT: 1, INT32: 6, INT64: 7, BOOL: 9, FLOAT16: 10 } as const;
export type DataType = (typeof DataType)[keyof typeof DataType];

export type Dim = number | string; // a number is fixed; a string is a symbolic dimension ("batch")
export type AttrValue = number | number[] | string | { float: number } | { floats: number[] };

interface NodeSpec {
  op: string;
  inputs: string[];
  outputs: string[];
  name: string;
  attrs: Record<string, AttrValue>;
}

interface ValueSpec {
  name: string;
  type: DataType;
  dims: Dim[];
}

interface InitializerSpec {
  name: string;
  type: DataType;
  dims: number[];
  raw: Uint8Array;
}

export interface ModelOptions {
  opset: number;
  producer: string;
  metadata?: Record<string, string>;
  docString?: string;
}

const IR_VERSION = 8; // pairs with opsets 17–18

function tensorBytes(data: Float32Array | BigInt64Array | Int32Array | Uint16Array): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

export class OnnxGraph {
  private nodes: NodeSpec[] = [];
  private inits: InitializerSpec[] = [];
  private inputs: ValueSpec[] = [];
  private outputs: ValueSpec[] = [];
  private counter = 0;

  constructor(readonly name: string) {}

  /** A fresh value name with a readable prefix (e.g. "blocks.3.attn/scores_7"). */
  fresh(prefix: string): string {
    return `${prefix}_${this.counter++}`;
  }

  /** Adds a node and returns its output names (fresh ones unless given). */
  node(op: string, inputs: string[], opts: { outputs?: string[] | number; attrs?: Record<string, AttrValue>; scope?: string } = {}): string[] {
    const scope = opts.scope ? `${opts.scope}/` : '';
    const outs =
      Array.isArray(opts.outputs) ? opts.outputs : Array.from({ length: opts.outputs ?? 1 }, () => this.fresh(`${scope}${op}`));
    this.nodes.push({ op, inputs, outputs: outs, name: this.fresh(`${scope}${op}_node`), attrs: opts.attrs ?? {} });
    return outs;
  }

  /** Single-output convenience wrapper. */
  op(op: string, inputs: string[], attrs?: Record<string, AttrValue>, scope?: string): string {
    return this.node(op, inputs, { attrs, scope })[0];
  }

  initializer(name: string, type: DataType, dims: number[], data: Float32Array | BigInt64Array | Int32Array | Uint16Array): string {
    const expect = dims.reduce((a, b) => a * b, 1);
    if (data.length !== expect) throw new Error(`initializer ${name}: ${data.length} values for dims [${dims}]`);
    this.inits.push({ name, type, dims, raw: tensorBytes(data) });
    return name;
  }

  constI64(values: number[], name = this.fresh('const_i64')): string {
    return this.initializer(name, DataType.INT64, [values.length], BigInt64Array.from(values.map(BigInt)));
  }

  /** A float scalar (rank 0) constant, broadcastable against anything. */
  constF32(value: number, name = this.fresh('const_f32')): string {
    return this.initializer(name, DataType.FLOAT, [], Float32Array.of(value));
  }

  input(name: string, type: DataType, dims: Dim[]): string {
    this.inputs.push({ name, type, dims });
    return name;
  }

  output(name: string, type: DataType, dims: Dim[]): void {
    this.outputs.push({ name, type, dims });
  }

  get nodeCount(): number {
    return this.nodes.length;
  }

  toModel(opts: ModelOptions): Uint8Array {
    const graph = new ProtoMessage();
    for (const n of this.nodes) graph.message(1, encodeNode(n));
    graph.string(2, this.name);
    for (const t of this.inits) graph.message(5, encodeTensor(t));
    for (const v of this.inputs) graph.message(11, encodeValueInfo(v));
    for (const v of this.outputs) graph.message(12, encodeValueInfo(v));

    const model = new ProtoMessage();
    model.int(1, IR_VERSION);
    model.string(2, opts.producer);
    if (opts.docString) model.string(6, opts.docString);
    model.message(7, graph);
    model.message(8, new ProtoMessage().string(1, '').int(2, opts.opset));
    for (const [key, value] of Object.entries(opts.metadata ?? {})) {
      model.message(14, new ProtoMessage().string(1, key).string(2, value));
    }
    return model.finish();
  }
}

function encodeAttr(name: string, value: AttrValue): ProtoMessage {
  const a = new ProtoMessage().string(1, name);
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) throw new Error(`attribute ${name}: use {float: x} for float attributes`);
    return a.int(20, 2).int(3, value); // INT
  }
  if (typeof value === 'string') return a.int(20, 3).string(4, value); // STRING
  if (Array.isArray(value)) {
    a.int(20, 7); // INTS
    for (const v of value) a.int(8, v);
    return a;
  }
  if ('float' in value) return a.int(20, 1).float(2, value.float); // FLOAT
  a.int(20, 6); // FLOATS
  for (const v of value.floats) a.float(7, v);
  return a;
}

function encodeNode(n: NodeSpec): ProtoMessage {
  const m = new ProtoMessage();
  for (const i of n.inputs) m.string(1, i);
  for (const o of n.outputs) m.string(2, o);
  m.string(3, n.name);
  m.string(4, n.op);
  for (const [k, v] of Object.entries(n.attrs)) m.message(5, encodeAttr(k, v));
  return m;
}

function encodeTensor(t: InitializerSpec): ProtoMessage {
  const m = new ProtoMessage();
  for (const d of t.dims) m.int(1, d);
  m.int(2, t.type);
  m.string(8, t.name);
  m.bytes(9, t.raw);
  return m;
}

function encodeValueInfo(v: ValueSpec): ProtoMessage {
  const shape = new ProtoMessage();
  for (const d of v.dims) {
    shape.message(1, typeof d === 'number' ? new ProtoMessage().int(1, d) : new ProtoMessage().string(2, d));
  }
  const tensorType = new ProtoMessage().int(1, v.type).message(2, shape);
  return new ProtoMessage().string(1, v.name).message(2, new ProtoMessage().message(1, tensorType));
}
