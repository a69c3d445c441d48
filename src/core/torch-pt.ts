// PyTorch .pt files holding a state dict of tensors, as torch.save writes them since 1.6: a zip archive
//   <archive>/data.pkl        the pickled dict (protocol 2), each tensor a call
//                             torch._utils._rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad,
//                             backward_hooks[, metadata]), each storage a persistent id
//                             ('storage', torch.FloatStorage | HalfStorage | BFloat16Storage, key, location, numel)
//   <archive>/data/<key>      that storage's raw bytes, little-endian, stored uncompressed
//   <archive>/version, byteorder (torch ≥ 2.1: "little" or "big"), .data/serialization_id…   (optional)
// <archive> is the file's stem in torch < 2.0 and "archive" after. The zip is read by fflate; the pickle by our
// strict unpickler (./pickle.ts), which takes only the globals below and runs nothing a file names.
//
// Tensors come back as float32 whatever they were stored as (float16 and bfloat16 are widened exactly). Views
// with a storage offset are fine; strided (non-contiguous) views are refused, since the lab holds row-major
// arrays: save them with .contiguous().
import { unzipSync } from 'fflate';
import { LabError } from './errors';
import { halfToFloat } from './f16';
import { PickleCallable, PickleError, unpickle } from './pickle';

/** A .pt file we cannot read: not a zip, truncated, a pickle of something other than tensors, a strided tensor... */
export class TorchPtError extends LabError {}

export type PtDtype = 'float32' | 'float16' | 'bfloat16';

export interface PtTensor {
  dtype: PtDtype; //     as stored
  shape: number[];
  data: Float32Array; // row-major, owns its memory (no two tensors share one)
}

// torch's legacy storage class names (what torch.save pickles, even in 2.x) → element type.
const STORAGES: Record<string, { dtype: PtDtype; bytes: number }> = {
  FloatStorage: { dtype: 'float32', bytes: 4 },
  HalfStorage: { dtype: 'float16', bytes: 2 },
  BFloat16Storage: { dtype: 'bfloat16', bytes: 2 },
};
const OTHER_STORAGES = ['DoubleStorage', 'LongStorage', 'IntStorage', 'ShortStorage', 'CharStorage', 'ByteStorage', 'BoolStorage'];

class StorageType {
  constructor(
    readonly name: string,
    readonly dtype: PtDtype,
    readonly bytes: number,
  ) {}
}

class Storage {
  constructor(
    readonly key: string,
    readonly type: StorageType,
    readonly numel: number,
    readonly data: Uint8Array, // [numel · type.bytes], as unzipped (its own buffer)
  ) {}
}

/** A tensor as the pickle describes it; materialised (checked, converted) once its key is known. */
class TensorRef {
  constructor(
    readonly storage: Storage,
    readonly offset: number,
    readonly shape: number[],
    readonly stride: number[],
  ) {}
}

const isIndex = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 0;
const numel = (shape: number[]) => shape.reduce((a, b) => a * b, 1);
const fmt = (a: unknown) => JSON.stringify(a);

/** Reads a torch.save'd state dict: its tensors by name, in the file's order. `label` names the file in errors. */
export function readTorchPt(bytes: Uint8Array, label = 'state dict (.pt)'): Map<string, PtTensor> {
  checkMagic(bytes, label);
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(bytes);
  } catch (err) {
    throw new TorchPtError(`${label} is not a readable zip archive (${(err as Error).message}): it is probably truncated; download it again`);
  }

  const pickles = Object.keys(files).filter((n) => /^[^/]+\/data\.pkl$/.test(n));
  if (pickles.length !== 1) {
    throw new TorchPtError(
      `${label} is a zip, but ${pickles.length ? `has ${pickles.length} <archive>/data.pkl entries` : 'not one torch.save wrote: it has no <archive>/data.pkl'} ` +
        `(entries: ${Object.keys(files).slice(0, 8).join(', ')}${Object.keys(files).length > 8 ? ', …' : ''})`,
    );
  }
  const prefix = pickles[0].slice(0, -'data.pkl'.length); // "<archive>/"
  const order = files[`${prefix}byteorder`];
  if (order && new TextDecoder().decode(order).trim() !== 'little') {
    throw new TorchPtError(`${label} was saved on a big-endian machine (byteorder "${new TextDecoder().decode(order).trim()}"); re-save it on a little-endian one`);
  }

  const storages = new Map<string, Storage>();
  const persistentLoad = (pid: unknown): Storage => {
    if (!Array.isArray(pid) || pid.length !== 5 || pid[0] !== 'storage') {
      throw new TorchPtError(`${label}: a persistent id ${fmt(pid)} is not ('storage', type, key, location, numel)`);
    }
    const [, type, key, , n] = pid as unknown[];
    if (!(type instanceof StorageType)) throw new TorchPtError(`${label}: storage ${fmt(key)} has no storage type`);
    if (typeof key !== 'string' || !isIndex(n)) throw new TorchPtError(`${label}: storage id ${fmt(pid)} has a bad key or numel`);
    const seen = storages.get(key);
    if (seen) return seen;
    const data = files[`${prefix}data/${key}`];
    if (!data) throw new TorchPtError(`${label} has no ${prefix}data/${key}, the bytes of one of its tensors; the file is incomplete`);
    if (data.length !== n * type.bytes) {
      throw new TorchPtError(`${label}: ${prefix}data/${key} holds ${data.length} bytes, but its ${type.name} of ${n} elements needs ${n * type.bytes}`);
    }
    const s = new Storage(key, type, n, data);
    storages.set(key, s);
    return s;
  };

  const rebuildTensor = new PickleCallable('torch._utils._rebuild_tensor_v2', (args) => {
    const [storage, offset, size, stride, , hooks, metadata] = args;
    if (args.length < 6 || args.length > 7 || !(storage instanceof Storage)) {
      throw new TorchPtError(`${label}: _rebuild_tensor_v2 got ${args.length} arguments, not (storage, offset, size, stride, requires_grad, hooks[, metadata])`);
    }
    if (!isIndex(offset) || !Array.isArray(size) || !size.every(isIndex) || !Array.isArray(stride) || !stride.every(isIndex) || stride.length !== size.length) {
      throw new TorchPtError(`${label}: a tensor has a malformed offset ${fmt(offset)}, size ${fmt(size)} or stride ${fmt(stride)}`);
    }
    if (!(hooks instanceof Map && hooks.size === 0) || !(metadata === undefined || metadata === null || (metadata instanceof Map && metadata.size === 0))) {
      throw new TorchPtError(`${label}: a tensor carries backward hooks or tensor metadata, which a saved state dict does not`);
    }
    return new TensorRef(storage, offset, [...size], [...stride]);
  });
  // nn.Parameter saved as such (e.g. state_dict(keep_vars=True)): (data, requires_grad, hooks) → data.
  const rebuildParameter = new PickleCallable('torch._utils._rebuild_parameter', (args) => {
    if (!(args[0] instanceof TensorRef)) throw new TorchPtError(`${label}: _rebuild_parameter is not given a tensor`);
    return args[0];
  });
  const orderedDict = new PickleCallable('collections.OrderedDict', (args) => {
    if (args.length) throw new TorchPtError(`${label}: OrderedDict is built with arguments; torch.save writes OrderedDict() then its items`);
    return new Map();
  });

  const findClass = (module: string, name: string): unknown => {
    const full = `${module}.${name}`;
    if (full === 'collections.OrderedDict') return orderedDict;
    if (full === 'torch._utils._rebuild_tensor_v2') return rebuildTensor;
    if (full === 'torch._utils._rebuild_parameter') return rebuildParameter;
    if (module === 'torch' && STORAGES[name]) return new StorageType(name, STORAGES[name].dtype, STORAGES[name].bytes);
    if (module === 'torch' && OTHER_STORAGES.includes(name)) {
      throw new TorchPtError(`${label} holds a ${name} tensor; the lab reads float32, float16 and bfloat16 tensors only (convert with .float())`);
    }
    throw new TorchPtError(
      `${label} pickles the Python object ${full}, which the lab refuses: it reads only state dicts of tensors ` +
        '(OrderedDict, _rebuild_tensor_v2, Float/Half/BFloat16Storage) and never runs code a file names',
    );
  };
  // state_dict() keeps module versions in the OrderedDict's _metadata attribute; we do not need them.
  const build = (obj: unknown, state: unknown) => {
    if (!(obj instanceof Map) || !(state instanceof Map)) throw new TorchPtError(`${label}: sets the state of something other than a dict`);
  };

  let root: unknown;
  try {
    root = unpickle(files[pickles[0]], { findClass, persistentLoad, build }, `${label}/${pickles[0]}`);
  } catch (err) {
    if (err instanceof PickleError) throw new TorchPtError(err.message);
    throw err;
  }
  if (!(root instanceof Map)) throw new TorchPtError(`${label} holds a pickled ${Array.isArray(root) ? 'tuple or list' : typeof root}, not a state dict (a dict of tensors)`);

  // A storage read by one tensor that covers all of it is handed over as is; shared ones are copied per tensor.
  const users = new Map<Storage, number>();
  for (const v of root.values()) if (v instanceof TensorRef) users.set(v.storage, (users.get(v.storage) ?? 0) + 1);
  const out = new Map<string, PtTensor>();
  for (const [key, v] of root) {
    if (typeof key !== 'string') throw new TorchPtError(`${label}: state dict key ${fmt(key)} is not a string`);
    if (!(v instanceof TensorRef)) {
      throw new TorchPtError(`${label}: "${key}" is ${v instanceof Map ? 'a nested dict' : fmt(v)}, not a tensor; the lab reads flat state dicts of tensors`);
    }
    out.set(key, materialise(v, users.get(v.storage) === 1, `${label}: tensor "${key}"`));
  }
  return out;
}

function checkMagic(bytes: Uint8Array, label: string): void {
  if (bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04) return; // "PK\3\4"
  if (bytes.length >= 2 && bytes[0] === 0x80 && bytes[1] <= 5) {
    throw new TorchPtError(
      `${label} is in torch's legacy format (torch < 1.6, or _use_new_zipfile_serialization=False), which the lab does not read; ` +
        're-save it with torch.save(torch.load(path), path)',
    );
  }
  if (bytes.length >= 262 && new TextDecoder().decode(bytes.subarray(257, 262)) === 'ustar') {
    throw new TorchPtError(`${label} is a tar archive (torch's oldest format), which the lab does not read; re-save it with a current torch.save`);
  }
  throw new TorchPtError(`${label} is not a torch.save file: it does not start like a zip archive (${bytes.length} bytes)`);
}

function materialise(t: TensorRef, sole: boolean, label: string): PtTensor {
  const { storage, offset, shape, stride } = t;
  const n = numel(shape);
  // Row-major strides; a dimension of size 1 may carry any stride.
  let want = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    if (shape[i] !== 1 && stride[i] !== want && n > 0) {
      throw new TorchPtError(
        `${label} has shape ${fmt(shape)} and stride ${fmt(stride)}: not contiguous (a transposed or strided view); ` +
          'save it with .contiguous()',
      );
    }
    want *= shape[i];
  }
  if (offset + n > storage.numel) {
    throw new TorchPtError(`${label} reads elements ${offset}…${offset + n - 1} of a storage of ${storage.numel}`);
  }
  const { dtype, bytes } = storage.type;
  const raw = storage.data.subarray(offset * bytes, (offset + n) * bytes);
  let data: Float32Array;
  if (dtype === 'float32') {
    // A view when this tensor is the storage's only reader and spans it (offset 0: unzip gave it its own buffer).
    const whole = sole && offset === 0 && n === storage.numel && raw.byteOffset % 4 === 0;
    data = whole ? new Float32Array(raw.buffer, raw.byteOffset, n) : new Float32Array(raw.slice().buffer);
  } else {
    const halves = new Uint16Array(raw.slice().buffer);
    if (dtype === 'float16') data = halfToFloat(halves);
    else {
      data = new Float32Array(n);
      const bits = new Uint32Array(data.buffer);
      for (let i = 0; i < n; i++) bits[i] = halves[i] << 16; // bfloat16 is float32's top half
    }
  }
  return { dtype, shape, data };
}
