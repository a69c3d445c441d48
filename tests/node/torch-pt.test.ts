// The .pt reader (src/core/torch-pt.ts + src/core/pickle.ts) on files torch itself wrote (tests/fixtures/torch-pt,
// made by make_fixtures.py with torch 1.13: protocol 2 and 4, float16/bfloat16, storage offsets, shared storages,
// a 0-d and an empty tensor, state_dict()'s _metadata), on files the independent test writer makes, and on bad
// input: truncated files, a legacy-format file, a pickle that would run os.system, strided and non-float tensors.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PickleError, unpickle } from '../../src/core/pickle';
import { type PtTensor, TorchPtError, readTorchPt } from '../../src/core/torch-pt';
import { type SaeConfig, decode, encode } from '../../src/sae/sae';
import { type PtWriteTensor, writeTorchPt, writeZip } from '../helpers/torch-pt-writer';

const DIR = join(__dirname, '../fixtures/torch-pt');
const file = (name: string) => new Uint8Array(readFileSync(join(DIR, name)));
type Expected = Record<string, { dtype: string; shape: number[]; values: number[] }>;
const expected = JSON.parse(readFileSync(join(DIR, 'expected.json'), 'utf8')) as Record<string, Expected> & {
  'sae-encode': { x: number[]; acts: number[]; recon: number[] };
};

function expectExact(got: Map<string, PtTensor>, want: Expected) {
  expect([...got.keys()]).toEqual(Object.keys(want));
  for (const [k, w] of Object.entries(want)) {
    const t = got.get(k)!;
    expect({ key: k, dtype: t.dtype, shape: t.shape }).toEqual({ key: k, dtype: w.dtype, shape: w.shape });
    expect(Array.from(t.data), k).toEqual(w.values); // bit-exact: every value is a float32 (or narrower)
  }
}

describe('torch-made files', () => {
  it('state-dict.pt (protocol 2) and state-dict-p4.pt (protocol 4) give torch\'s values exactly', () => {
    expectExact(readTorchPt(file('state-dict.pt'), 'state-dict.pt'), expected['state-dict.pt']);
    expectExact(readTorchPt(file('state-dict-p4.pt'), 'state-dict-p4.pt'), expected['state-dict.pt']);
  });

  it('views own their data: base, view (offset 5, same storage) and clone do not alias', () => {
    const sd = readTorchPt(file('state-dict.pt'));
    const base = sd.get('base')!.data;
    const view = sd.get('view')!.data;
    expect(Array.from(view)).toEqual(Array.from(base.subarray(5, 11)));
    view[0] = 1234;
    expect(base[5]).not.toBe(1234);
    expect(sd.get('clone')!.data.buffer).not.toBe(base.buffer);
  });

  it('sae.pt (an nn.Module state_dict with _metadata) encodes and decodes as torch computed', () => {
    const sd = readTorchPt(file('sae.pt'));
    expectExact(sd, expected['sae.pt']);
    const cfg: SaeConfig = {
      architecture: 'standard', d_in: 6, d_sae: 10, dtype: 'float32', apply_b_dec_to_input: true, normalize_activations: 'none',
      hook_name: 'blocks.0.attn.hook_z', model_name: 'test', context_size: 8, prepend_bos: true,
    };
    const w = { W_enc: sd.get('W_enc')!.data, b_enc: sd.get('b_enc')!.data, W_dec: sd.get('W_dec')!.data, b_dec: sd.get('b_dec')!.data };
    const e = expected['sae-encode'];
    const { acts } = encode(w, cfg, Float32Array.from(e.x), 2);
    const recon = decode(w, acts, 2);
    for (let i = 0; i < e.acts.length; i++) expect(Math.abs(acts[i] - e.acts[i])).toBeLessThan(1e-5 + 1e-5 * Math.abs(e.acts[i]));
    for (let i = 0; i < e.recon.length; i++) expect(Math.abs(recon[i] - e.recon[i])).toBeLessThan(1e-5 + 1e-5 * Math.abs(e.recon[i]));
  });

  it('refuses a transposed tensor, the legacy format, and a pickle that would call os.system', () => {
    expect(() => readTorchPt(file('transposed.pt'), 'transposed.pt')).toThrow(TorchPtError);
    expect(() => readTorchPt(file('transposed.pt'), 'transposed.pt')).toThrow(/tensor "W" has shape \[4,3\] and stride \[1,4\]: not contiguous.*\.contiguous\(\)/);
    expect(() => readTorchPt(file('legacy.pt'), 'legacy.pt')).toThrow(/legacy.pt is in torch's legacy format/);
    expect(() => readTorchPt(file('os-system.pt'), 'os-system.pt')).toThrow(/pickles the Python object posix\.system, which the lab refuses/);
  });

  it('refuses every truncation of a torch file with a TorchPtError', () => {
    const bytes = file('state-dict.pt');
    for (const n of [0, 3, 30, 500, 1200, bytes.length >> 1, bytes.length - 30, bytes.length - 1]) {
      expect(() => readTorchPt(bytes.subarray(0, n), `cut at ${n}`), `cut at ${n}`).toThrow(TorchPtError);
    }
    expect(() => readTorchPt(bytes.subarray(0, bytes.length - 1))).toThrow(/not a readable zip archive.*truncated/);
    expect(() => readTorchPt(new TextEncoder().encode('{"W_enc": [1, 2]}'), 'x.pt')).toThrow(/x.pt is not a torch.save file/);
  });
});

describe('the test writer, read back', () => {
  const seq = (n: number, f = 0.37) => Float32Array.from({ length: n }, (_, i) => Math.fround((i - n / 3) * f));

  it('float32/float16/bfloat16, shared storages with offsets, 0-d, parameters of LONG1 size', () => {
    const shared = seq(24);
    const tensors: Record<string, PtWriteTensor> = {
      W: { shape: [2, 3], data: seq(6) },
      h: { dtype: 'float16', shape: [4], data: Float32Array.from([1, -0.5, 65504, 2 ** -24]) },
      b: { dtype: 'bfloat16', shape: [3], data: Float32Array.from([1, -256, 3.125]) },
      a: { shape: [2, 4], data: shared, offset: 8, storageKey: 's' },
      c: { shape: [3], data: shared, offset: 21, storageKey: 's' },
      s: { shape: [], data: Float32Array.from([7]) },
    };
    for (const opts of [{}, { archive: 'sae', metadata: false, byteorder: null }]) {
      const sd = readTorchPt(writeTorchPt(tensors, opts));
      expect([...sd.keys()]).toEqual(['W', 'h', 'b', 'a', 'c', 's']);
      expect(Array.from(sd.get('W')!.data)).toEqual(Array.from(tensors.W.data));
      expect(Array.from(sd.get('h')!.data)).toEqual([1, -0.5, 65504, 2 ** -24]);
      expect(sd.get('b')).toMatchObject({ dtype: 'bfloat16', shape: [3] });
      expect(Array.from(sd.get('b')!.data)).toEqual([1, -256, 3.125]);
      expect(Array.from(sd.get('a')!.data)).toEqual(Array.from(shared.subarray(8, 16)));
      expect(Array.from(sd.get('c')!.data)).toEqual(Array.from(shared.subarray(21, 24)));
      expect(sd.get('s')).toMatchObject({ shape: [], data: Float32Array.from([7]) });
    }
  });

  it('refuses strided views, out-of-range offsets, other dtypes, big-endian files, non-tensor values', () => {
    const t = { shape: [3, 2], data: seq(6) };
    expect(() => readTorchPt(writeTorchPt({ Wt: { ...t, stride: [1, 3] } }))).toThrow(/"Wt" has shape \[3,2\] and stride \[1,3\]: not contiguous/);
    expect(() => readTorchPt(writeTorchPt({ every2nd: { shape: [3], data: seq(6), stride: [2] } }))).toThrow(/not contiguous/);
    // size-1 dims may carry any stride (torch leaves them so after unsqueeze)
    expect(readTorchPt(writeTorchPt({ u: { shape: [1, 6], data: seq(6), stride: [1, 1] } })).get('u')!.shape).toEqual([1, 6]);
    expect(() => readTorchPt(writeTorchPt({ late: { ...t, offset: 2 } }))).toThrow(/reads elements 2…7 of a storage of 6/);
    expect(() => readTorchPt(writeTorchPt({ W: t }, { byteorder: 'big' }))).toThrow(/big-endian/);

    // Hand-made pickles in torch's zip layout.
    const zip = (pkl: number[] | Uint8Array) => writeZip([['archive/data.pkl', Uint8Array.from(pkl)]]);
    const ascii = (s: string) => Array.from(new TextEncoder().encode(s));
    // cos\nsystem\n X'echo' TUPLE1 REDUCE STOP
    const osSystem = [0x80, 2, ...ascii('cos\nsystem\n'), 0x58, 4, 0, 0, 0, ...ascii('echo'), 0x85, 0x52, 0x2e];
    expect(() => readTorchPt(zip(osSystem), 'evil.pt')).toThrow(/evil.pt pickles the Python object os\.system, which the lab refuses/);
    expect(() => readTorchPt(zip([0x80, 2, ...ascii('ctorch\nDoubleStorage\n'), 0x2e]))).toThrow(/DoubleStorage tensor; the lab reads float32, float16 and bfloat16/);
    // INST (protocol 0 class instantiation) is not taken at all
    expect(() => readTorchPt(zip([0x80, 2, 0x28, ...ascii('ios\nsystem\n'), 0x2e]))).toThrow(/uses INST, which this reader does not take.*opcode 0x69 at byte 3/);
    // {'step': 3}: a dict, but not of tensors
    expect(() => readTorchPt(zip([0x80, 2, 0x7d, 0x58, 4, 0, 0, 0, ...ascii('step'), 0x4b, 3, 0x73, 0x2e]))).toThrow(/"step" is 3, not a tensor/);
    // a data.pkl cut short
    const good = writeTorchPt({ W: t });
    expect(() => readTorchPt(zip([0x80, 2, 0x7d, 0x58, 9, 0, 0, 0, 0x41]))).toThrow(/truncated/);
    expect(readTorchPt(good).get('W')!.shape).toEqual([3, 2]);
    expect(() => readTorchPt(writeZip([['archive/version', Uint8Array.from([0x33])]]), 'v.pt')).toThrow(/v.pt is a zip, but not one torch.save wrote/);
  });
});

describe('unpickle', () => {
  const noGlobals = { findClass: (m: string, n: string) => { throw new Error(`no ${m}.${n}`); }, persistentLoad: () => { throw new Error('no pid'); } };

  it('reads containers, memo and numbers as pickle.py does', () => {
    // (1, -2, 300, 70000, LONG1 2^40, 0.5, True, None, 'é') and a list via EMPTY_LIST APPENDS, memoised and fetched
    const p = [
      0x80, 2, 0x28, 0x4b, 1, 0x4a, 0xfe, 0xff, 0xff, 0xff, 0x4d, 0x2c, 0x01, 0x4a, 0x70, 0x11, 0x01, 0x00, 0x8a, 6, 0, 0, 0, 0, 0, 1,
      0x47, 0x3f, 0xe0, 0, 0, 0, 0, 0, 0, 0x88, 0x4e, 0x8c, 2, 0xc3, 0xa9, 0x5d, 0x71, 0, 0x28, 0x4b, 7, 0x4b, 8, 0x65, 0x68, 0, 0x74, 0x2e,
    ];
    expect(unpickle(Uint8Array.from(p), noGlobals)).toEqual([1, -2, 300, 70000, 2 ** 40, 0.5, true, null, 'é', [7, 8], [7, 8]]);
  });

  it('refuses a BUILD without a build hook, a GET of an unset memo slot, REDUCE of a non-callable', () => {
    expect(() => unpickle(Uint8Array.from([0x80, 2, 0x7d, 0x7d, 0x62, 0x2e]), noGlobals)).toThrow(/BUILD/);
    expect(() => unpickle(Uint8Array.from([0x80, 2, 0x68, 3, 0x2e]), noGlobals)).toThrow(/memo slot 3, which was never written/);
    expect(() => unpickle(Uint8Array.from([0x80, 2, 0x7d, 0x29, 0x52, 0x2e]), noGlobals)).toThrow(PickleError);
    expect(() => unpickle(Uint8Array.from([0x80, 2, 0x4b, 1]), noGlobals)).toThrow(/without a STOP opcode; the file is truncated/);
  });
});
