// A strict unpickler for the pickles torch.save writes of a state dict (protocol 2 by default, 4 on request):
// dicts, tuples, lists, strings, ints, floats, booleans, None, memo, persistent ids, and the few globals the
// caller maps to plain functions. It never imports or runs anything a pickle names: a GLOBAL is only a lookup
// in the caller's table (findClass), which throws for every name it does not know, and REDUCE / BUILD only
// call what that table returned. Every other opcode is refused with its name and byte position.
//
// Values: dict → Map (keys: strings, numbers, booleans, null), tuple → frozen Array, list → Array, int → number (refused
// past 2^53), float → number, str → string. Semantics follow CPython's pickle.py (_Unpickler).
import { LabError } from './errors';

/** A pickle this reader will not take: a truncated stream, an opcode or a global it does not allow, a malformed stack. */
export class PickleError extends LabError {}

/** What findClass returns for a name it allows: REDUCE calls `call(args)`. */
export class PickleCallable {
  constructor(
    readonly name: string,
    readonly call: (args: unknown[]) => unknown,
  ) {}
}

export interface UnpickleHooks {
  /** GLOBAL / STACK_GLOBAL module.name → a PickleCallable (or any marker value); throw to refuse the name. */
  findClass(module: string, name: string): unknown;
  /** BINPERSID: the persistent id (torch: a ('storage', type, key, location, numel) tuple) → its object. */
  persistentLoad(pid: unknown): unknown;
  /** BUILD obj state (obj.__setstate__ / __dict__.update); default: refused. */
  build?(obj: unknown, state: unknown): void;
}

const MARK = Symbol('MARK');

// Opcodes that pickle.py knows and this reader refuses, named for the error message.
const REFUSED: Record<number, string> = {
  0x30: 'POP', 0x31: 'POP_MARK', 0x32: 'DUP', 0x46: 'FLOAT', 0x49: 'INT', 0x4c: 'LONG', 0x50: 'PERSID', 0x53: 'STRING',
  0x54: 'BINSTRING', 0x55: 'SHORT_BINSTRING', 0x56: 'UNICODE', 0x64: 'DICT', 0x67: 'GET', 0x69: 'INST', 0x6c: 'LIST',
  0x6f: 'OBJ', 0x70: 'PUT', 0x81: 'NEWOBJ', 0x82: 'EXT1', 0x83: 'EXT2', 0x84: 'EXT4', 0x8b: 'LONG4', 0x8d: 'BINUNICODE8',
  0x8e: 'BINBYTES8', 0x8f: 'EMPTY_SET', 0x90: 'ADDITEMS', 0x91: 'FROZENSET', 0x92: 'NEWOBJ_EX', 0x96: 'BYTEARRAY8',
  0x97: 'NEXT_BUFFER', 0x98: 'READONLY_BUFFER', 0x42: 'BINBYTES', 0x43: 'SHORT_BINBYTES',
};

/** Unpickles `bytes`; `label` names the stream in errors (e.g. "model.pt/archive/data.pkl"). */
export function unpickle(bytes: Uint8Array, hooks: UnpickleHooks, label = 'pickle'): unknown {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  let pos = 0;
  let op = 0;
  let opAt = 0;
  const stack: unknown[] = [];
  const memo = new Map<number, unknown>();
  const fail = (what: string) => new PickleError(`${label}: ${what} (opcode 0x${op.toString(16).padStart(2, '0')} at byte ${opAt})`);

  const need = (n: number) => {
    if (pos + n > bytes.length) throw fail(`ends after ${bytes.length} bytes, in the middle of an opcode's argument; the file is truncated`);
  };
  const u8 = () => (need(1), bytes[pos++]);
  const u16 = () => (need(2), (pos += 2), view.getUint16(pos - 2, true));
  const u32 = () => (need(4), (pos += 4), view.getUint32(pos - 4, true));
  const i32 = () => (need(4), (pos += 4), view.getInt32(pos - 4, true));
  const text = (n: number) => {
    need(n);
    try {
      return utf8.decode(bytes.subarray(pos, (pos += n)));
    } catch {
      throw fail('holds a string that is not valid UTF-8');
    }
  };
  const line = () => {
    const end = bytes.indexOf(0x0a, pos);
    if (end < 0) throw fail('ends inside a GLOBAL name; the file is truncated');
    const s = text(end - pos);
    pos++; // the newline
    return s;
  };

  const pop = () => {
    if (stack.length === 0) throw fail('pops an empty stack');
    const v = stack.pop();
    if (v === MARK) throw fail('pops a MARK as a value');
    return v;
  };
  const top = () => {
    if (stack.length === 0 || stack[stack.length - 1] === MARK) throw fail('needs a value on the stack');
    return stack[stack.length - 1];
  };
  const popMark = (): unknown[] => {
    const at = stack.lastIndexOf(MARK);
    if (at < 0) throw fail('finds no MARK on the stack');
    const items = stack.splice(at);
    items.shift();
    return items;
  };
  const asDict = (v: unknown): Map<unknown, unknown> => {
    if (!(v instanceof Map)) throw fail('sets an item on something that is not a dict');
    return v;
  };
  const asList = (v: unknown): unknown[] => {
    if (!Array.isArray(v) || Object.isFrozen(v)) throw fail('appends to something that is not a list');
    return v;
  };
  const setItem = (d: Map<unknown, unknown>, k: unknown, v: unknown) => {
    if (k !== null && typeof k !== 'string' && typeof k !== 'number' && typeof k !== 'boolean') throw fail('uses a dict key that is not a string, number, boolean or None');
    d.set(k, v);
  };
  const memoGet = (i: number) => {
    if (!memo.has(i)) throw fail(`reads memo slot ${i}, which was never written`);
    return memo.get(i);
  };

  while (true) {
    opAt = pos;
    if (pos >= bytes.length) throw fail(`ends after ${bytes.length} bytes without a STOP opcode; the file is truncated`);
    op = bytes[pos++];
    switch (op) {
      case 0x80: { // PROTO
        const p = u8();
        if (p < 2 || p > 5) throw fail(`says pickle protocol ${p}; torch.save writes 2 (or the protocol asked for, 2…5)`);
        break;
      }
      case 0x95: // FRAME (protocol 4): an 8-byte length we need not act on
        need(8);
        pos += 8;
        break;
      case 0x2e: // STOP
        return pop();
      case 0x28: // MARK
        stack.push(MARK);
        break;
      case 0x7d: // EMPTY_DICT
        stack.push(new Map());
        break;
      case 0x5d: // EMPTY_LIST
        stack.push([]);
        break;
      case 0x29: // EMPTY_TUPLE
        stack.push(Object.freeze([]));
        break;
      case 0x74: // TUPLE
        stack.push(Object.freeze(popMark()));
        break;
      case 0x85: // TUPLE1
        stack.push(Object.freeze([pop()]));
        break;
      case 0x86: { // TUPLE2
        const b = pop();
        stack.push(Object.freeze([pop(), b]));
        break;
      }
      case 0x87: { // TUPLE3
        const c = pop();
        const b = pop();
        stack.push(Object.freeze([pop(), b, c]));
        break;
      }
      case 0x4e: // NONE
        stack.push(null);
        break;
      case 0x88: // NEWTRUE
        stack.push(true);
        break;
      case 0x89: // NEWFALSE
        stack.push(false);
        break;
      case 0x4b: // BININT1
        stack.push(u8());
        break;
      case 0x4d: // BININT2
        stack.push(u16());
        break;
      case 0x4a: // BININT
        stack.push(i32());
        break;
      case 0x8a: { // LONG1: n-byte little-endian two's complement
        const n = u8();
        need(n);
        let v = 0n;
        for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[pos + i]);
        if (n > 0 && bytes[pos + n - 1] & 0x80) v -= 1n << BigInt(8 * n);
        pos += n;
        if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < -BigInt(Number.MAX_SAFE_INTEGER)) throw fail(`holds the integer ${v}, beyond 2^53`);
        stack.push(Number(v));
        break;
      }
      case 0x47: // BINFLOAT: 8-byte big-endian double
        need(8);
        stack.push(view.getFloat64(pos, false));
        pos += 8;
        break;
      case 0x58: // BINUNICODE
        stack.push(text(u32()));
        break;
      case 0x8c: // SHORT_BINUNICODE
        stack.push(text(u8()));
        break;
      case 0x63: { // GLOBAL "module\nname\n"
        const module = line();
        stack.push(hooks.findClass(module, line())); // the caller's table decides; it throws for names it refuses
        break;
      }
      case 0x93: { // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string') throw fail('STACK_GLOBAL needs a module and a name string');
        stack.push(hooks.findClass(module, name));
        break;
      }
      case 0x51: // BINPERSID
        stack.push(hooks.persistentLoad(pop()));
        break;
      case 0x52: { // REDUCE
        const args = pop();
        const fn = pop();
        if (!(fn instanceof PickleCallable)) throw fail('calls something that is not an allowed global');
        if (!Array.isArray(args)) throw fail(`calls ${fn.name} with arguments that are not a tuple`);
        stack.push(fn.call(args));
        break;
      }
      case 0x62: { // BUILD
        const state = pop();
        const obj = top();
        if (!hooks.build) throw fail('sets the state of an object (BUILD), which this reader does not allow');
        hooks.build(obj, state);
        break;
      }
      case 0x73: { // SETITEM
        const v = pop();
        const k = pop();
        setItem(asDict(top()), k, v);
        break;
      }
      case 0x75: { // SETITEMS
        const items = popMark();
        if (items.length % 2) throw fail('SETITEMS has an odd number of keys and values');
        const d = asDict(top());
        for (let i = 0; i < items.length; i += 2) setItem(d, items[i], items[i + 1]);
        break;
      }
      case 0x61: { // APPEND
        const v = pop();
        asList(top()).push(v);
        break;
      }
      case 0x65: { // APPENDS
        const items = popMark();
        asList(top()).push(...items);
        break;
      }
      case 0x71: // BINPUT
        memo.set(u8(), top());
        break;
      case 0x72: // LONG_BINPUT
        memo.set(u32(), top());
        break;
      case 0x94: // MEMOIZE
        memo.set(memo.size, top());
        break;
      case 0x68: // BINGET
        stack.push(memoGet(u8()));
        break;
      case 0x6a: // LONG_BINGET
        stack.push(memoGet(u32()));
        break;
      default:
        throw fail(
          `uses ${REFUSED[op] ?? 'an unknown opcode'}, which this reader does not take: it reads only what torch.save writes for a state dict of tensors`,
        );
    }
  }
}
