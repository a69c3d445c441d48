// SAELens format (src/sae/saelens.ts): our own round trip, fixtures written by the independent reference writer in
// the layouts SAELens has used (6.x nested metadata; ≤ 5 flat, F16/BF16), input-scale folding, errors that name
// the problem, and the Hub loader over real HTTP. Also the safetensors writer it relies on.
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelFetchError, SafetensorsError } from '../../src/core/errors';
import { readSafetensorsBytes, tensorToF32 } from '../../src/core/safetensors';
import { writeSafetensors } from '../../src/core/safetensors-write';
import { type SaeArchitecture, type SaeConfig, SaeConfigError, type SaeWeights, SaeWeightsError, decode, encode } from '../../src/sae/sae';
import { loadSaeLens, loadSaeLensFromFiles, loadSaeLensFromHub, parseSaeLensCfg, saveSaeLens } from '../../src/sae/saelens';
import { type HubServer, startHubServer } from '../helpers/hub-server';
import { assertClose } from '../reference/compare';
import { bf16BitsToF32, f16BitsToF32, f32ToBf16Bits, f32ToF16Bits, readSafetensors, writeSafetensors as refWrite } from '../reference/safetensors-ref';

const D_IN = 6;
const D_SAE = 10;
const N = 5;

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 2 - 1; // uniform [−1, 1)
}

const baseCfg = (over: Partial<SaeConfig> = {}): SaeConfig => ({
  architecture: 'standard',
  d_in: D_IN,
  d_sae: D_SAE,
  dtype: 'float32',
  apply_b_dec_to_input: true,
  normalize_activations: 'none',
  hook_name: 'blocks.2.hook_resid_post',
  model_name: 'gpt2',
  context_size: 128,
  prepend_bos: true,
  // SAELens' defaults, which a cfg.json without model_from_pretrained_kwargs means (and which we write out in full)
  model_from_pretrained_kwargs: { fold_ln: true, center_writing_weights: false, center_unembed: true, fold_value_biases: true },
  ...over,
});

const kFor = (a: SaeArchitecture) => (a === 'topk' ? { k: 3 } : a === 'batchtopk' ? { k: 2.5 } : {});

/** Trained-looking weights: nothing zero, nothing symmetric. Thresholds sit mid-range so some latents are masked. */
function randomWeights(arch: SaeArchitecture, seed: number): SaeWeights {
  const r = lcg(seed);
  const w: SaeWeights = {
    W_enc: Float32Array.from({ length: D_IN * D_SAE }, r),
    b_enc: Float32Array.from({ length: D_SAE }, () => 0.3 * r()),
    W_dec: Float32Array.from({ length: D_SAE * D_IN }, r),
    b_dec: Float32Array.from({ length: D_IN }, r),
  };
  if (arch === 'jumprelu') w.threshold = Float32Array.from({ length: D_SAE }, () => 0.2 + 0.5 * (r() + 1));
  return w;
}

const inputs = (seed: number, scale = 1) => Float32Array.from({ length: N * D_IN }, lcg(seed)).map((v) => v * 2 * scale);

const toArrays = (w: SaeWeights) => Object.fromEntries(Object.entries(w).map(([k, v]) => [k, Array.from(v as Float32Array)]));

function expectSameSae(got: { cfg: SaeConfig; weights: SaeWeights }, cfg: SaeConfig, w: SaeWeights) {
  expect(got.cfg).toEqual(cfg);
  expect(toArrays(got.weights)).toEqual(toArrays(w));
  const x = inputs(99);
  const a = encode(got.weights, got.cfg, x, N);
  const b = encode(w, cfg, x, N);
  expect(Array.from(a.acts)).toEqual(Array.from(b.acts));
  expect(Array.from(decode(got.weights, a.acts, N))).toEqual(Array.from(decode(w, b.acts, N)));
}

const load = (files: { 'cfg.json': string; 'sae_weights.safetensors': Uint8Array }) =>
  loadSaeLens({ cfgJson: JSON.parse(files['cfg.json']), weights: files['sae_weights.safetensors'] });

describe('writeSafetensors', () => {
  it('writes F32 and F16 in the given order, 8-byte-aligned body, readable by the reference reader', () => {
    const a = Float32Array.of(1, -2.5, 3.140625); // odd F16 count: the next F32 tensor starts 2 bytes off a multiple of 4
    const b = Float32Array.of(0.1, -0, 65504, 1e-8);
    const bytes = writeSafetensors(
      [
        { name: 'a', dtype: 'F16', shape: [3], data: a },
        { name: 'b', dtype: 'F32', shape: [2, 2], data: b },
      ],
      { format: 'pt' },
    );
    const headerLen = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect(headerLen % 8).toBe(0);
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLen)));
    expect(Object.keys(header)).toEqual(['__metadata__', 'a', 'b']);
    expect(header.__metadata__).toEqual({ format: 'pt' });
    expect(header.b.data_offsets).toEqual([6, 22]);
    const ref = readSafetensors(bytes);
    expect(Array.from(ref.get('a')!.data)).toEqual([1, -2.5, 3.140625]);
    expect(ref.get('b')!.shape).toEqual([2, 2]);
    expect(Array.from(ref.get('b')!.data)).toEqual(Array.from(b));
    expect(Array.from(tensorToF32(readSafetensorsBytes(bytes), 'b'))).toEqual(Array.from(b));
    expect(Array.from(ref.get('a')!.data)).toEqual(Array.from(a, (v) => f16BitsToF32(f32ToF16Bits(v))));
  });

  it('rejects data that does not fill the shape, and reused names', () => {
    const t = { name: 'x', dtype: 'F32' as const, shape: [2, 3], data: new Float32Array(5) };
    expect(() => writeSafetensors([t])).toThrow(SafetensorsError);
    expect(() => writeSafetensors([t])).toThrow(/shape \[2,3\] holds 6 values but data has 5/);
    const ok = { ...t, data: new Float32Array(6) };
    expect(() => writeSafetensors([ok, ok])).toThrow(/used twice/);
    expect(writeSafetensors([]).byteLength).toBe(16); // "{}" padded to 8
  });
});

describe('saveSaeLens → loadSaeLens', () => {
  for (const arch of ['standard', 'topk', 'batchtopk', 'jumprelu'] as const) {
    it(`${arch}: identical config, tensors and encodings`, () => {
      const cfg = baseCfg({ architecture: arch, ...kFor(arch), dataset: 'NeelNanda/pile-10k', l1Coefficient: arch === 'standard' ? 5 : undefined });
      if (cfg.l1Coefficient === undefined) delete cfg.l1Coefficient;
      const w = randomWeights(arch, 1);
      const files = saveSaeLens(cfg, w);
      expectSameSae(load(files), cfg, w);
      // The weights file is plain SAELens: float32, SAELens' names and shapes, as the independent reader sees it.
      const ref = readSafetensors(files['sae_weights.safetensors']);
      expect([...ref.keys()]).toEqual(['W_enc', 'b_enc', 'W_dec', 'b_dec', ...(arch === 'jumprelu' ? ['threshold'] : [])]);
      expect(ref.get('W_enc')!.shape).toEqual([D_IN, D_SAE]);
      expect(ref.get('W_dec')!.shape).toEqual([D_SAE, D_IN]);
      expect(Array.from(ref.get('W_dec')!.data)).toEqual(Array.from(w.W_dec));
    });
  }

  it('batchtopk with batchTopkThreshold: saved as SAELens saves it for inference, a JumpReLU with one threshold', () => {
    const cfg = baseCfg({ architecture: 'batchtopk', k: 2.5 });
    const w = randomWeights('batchtopk', 3);
    const files = saveSaeLens(cfg, w, { batchTopkThreshold: 0.25 });
    const json = JSON.parse(files['cfg.json']);
    expect(json.architecture).toBe('jumprelu');
    expect(json.k).toBeUndefined();
    const got = load(files);
    expect(got.cfg).toEqual(baseCfg({ architecture: 'jumprelu' }));
    expect(Array.from(got.weights.threshold!)).toEqual(Array(D_SAE).fill(0.25));
    const { pre, acts } = encode(got.weights, got.cfg, inputs(5), N);
    expect(Array.from(acts)).toEqual(Array.from(pre, (v) => (v > 0.25 ? v : 0)));
    expect(() => saveSaeLens(baseCfg(), randomWeights('standard', 3), { batchTopkThreshold: 0.25 })).toThrow(/applies to batchtopk SAEs/);
  });

  it('writes the SAELens fields both flat (≤ 5) and nested under metadata (6.x)', () => {
    const cfg = baseCfg({ architecture: 'topk', k: 3, hook_name: 'blocks.8.hook_resid_pre', context_size: 64, prepend_bos: false });
    const json = JSON.parse(saveSaeLens(cfg, randomWeights('topk', 2))['cfg.json']);
    expect(json).toMatchObject({
      architecture: 'topk',
      d_in: D_IN,
      d_sae: D_SAE,
      dtype: 'float32',
      device: 'cpu',
      k: 3,
      activation_fn_kwargs: { k: 3 },
      apply_b_dec_to_input: true,
      normalize_activations: 'none',
      hook_name: 'blocks.8.hook_resid_pre',
      hook_layer: 8,
      model_name: 'gpt2',
      context_size: 64,
      prepend_bos: false,
      dataset_path: null,
      metadata: { hook_name: 'blocks.8.hook_resid_pre', model_name: 'gpt2', context_size: 64, prepend_bos: false, sae_lens_training_version: null },
    });
    // No sae_lens_version: SAELens 6 then takes its pre-6.0 path, which reads the flat fields we wrote.
    expect(json.sae_lens_version).toBeUndefined();
    expect(json.metadata.sae_lens_version).toBeUndefined();
  });
});

describe('SAELens files written by others', () => {
  /** The tensors a fixture file holds, in float32 after the file's own rounding. */
  function fixtureTensors(arch: SaeArchitecture, seed: number) {
    const w = randomWeights(arch, seed);
    return { W_enc: w.W_enc, b_enc: w.b_enc, W_dec: w.W_dec, b_dec: w.b_dec, threshold: w.threshold };
  }
  const shapes = { W_enc: [D_IN, D_SAE], b_enc: [D_SAE], W_dec: [D_SAE, D_IN], b_dec: [D_IN], threshold: [D_SAE], log_threshold: [D_SAE] };
  type Name = keyof typeof shapes;

  function refFile(tensors: Partial<Record<Name, Float32Array>>, dtype: 'F32' | 'F16' | 'BF16'): Uint8Array {
    const spec: Record<string, { dtype: 'F32' | 'F16' | 'BF16'; shape: number[]; data: Float32Array }> = {};
    for (const [name, data] of Object.entries(tensors)) if (data) spec[name] = { dtype, shape: shapes[name as Name], data };
    return refWrite(spec);
  }

  it('6.x layout: SAE fields on top, model/hook fields under "metadata" (F32)', () => {
    const t = fixtureTensors('topk', 3);
    const cfgJson = {
      d_in: D_IN,
      d_sae: D_SAE,
      dtype: 'float32',
      device: 'cuda',
      apply_b_dec_to_input: false,
      normalize_activations: 'none',
      reshape_activations: 'none',
      metadata: {
        sae_lens_version: '6.5.1',
        sae_lens_training_version: '6.5.1',
        dataset_path: 'apollo-research/roneneldan-TinyStories-tokenizer-gpt2',
        hook_name: 'blocks.2.hook_resid_post',
        model_name: 'tiny-stories-1M',
        model_class_name: 'HookedTransformer',
        hook_head_index: null,
        context_size: 512,
        seqpos_slice: [null],
        model_from_pretrained_kwargs: { center_writing_weights: false },
        prepend_bos: false,
        exclude_special_tokens: false,
        sequence_separator_token: 'bos',
        disable_concat_sequences: false,
      },
      architecture: 'topk',
      k: 3,
    };
    const got = loadSaeLens({ cfgJson, weights: refFile({ W_enc: t.W_enc, b_enc: t.b_enc, W_dec: t.W_dec, b_dec: t.b_dec }, 'F32') });
    const want = baseCfg({
      architecture: 'topk',
      k: 3,
      apply_b_dec_to_input: false,
      model_name: 'tiny-stories-1M',
      context_size: 512,
      prepend_bos: false,
      dataset: 'apollo-research/roneneldan-TinyStories-tokenizer-gpt2',
    });
    expectSameSae(got, want, { W_enc: t.W_enc, b_enc: t.b_enc, W_dec: t.W_dec, b_dec: t.b_dec });
  });

  it('≤ 5.x layout (gpt2-small-res-jb style): flat, hook_point, no architecture, F16 weights', () => {
    const t = fixtureTensors('standard', 4);
    // Exactly what an F16 file holds, back in float32.
    const r16 = (a: Float32Array) => a.map((v) => f16BitsToF32(f32ToF16Bits(v)));
    const cfgJson = {
      model_name: 'gpt2-small',
      hook_point: 'blocks.8.hook_resid_pre',
      hook_point_layer: 8,
      hook_point_head_index: null,
      dataset_path: 'Skylion007/openwebtext',
      is_dataset_tokenized: false,
      context_size: 128,
      use_cached_activations: false,
      d_in: D_IN,
      n_batches_in_buffer: 128,
      total_training_tokens: 300000000,
      store_batch_size: 32,
      device: 'mps',
      seed: 42,
      dtype: 'torch.float32',
      b_dec_init_method: 'geometric_median',
      expansion_factor: 32,
      from_pretrained_path: null,
      l1_coefficient: 8e-5,
      lr: 0.0004,
      train_batch_size: 4096,
      use_ghost_grads: false,
      d_sae: D_SAE,
      run_name: '24576-L1-8e-05-LR-0.0004-Tokens-3.000e+08',
    };
    const got = loadSaeLens({ cfgJson, weights: refFile({ W_enc: t.W_enc, b_enc: t.b_enc, W_dec: t.W_dec, b_dec: t.b_dec }, 'F16') });
    const want = baseCfg({ hook_name: 'blocks.8.hook_resid_pre', model_name: 'gpt2-small', dataset: 'Skylion007/openwebtext', l1Coefficient: 8e-5 });
    expectSameSae(got, want, { W_enc: r16(t.W_enc), b_enc: r16(t.b_enc), W_dec: r16(t.W_dec), b_dec: r16(t.b_dec) });
  });

  it('≤ 5.x TopK: architecture "standard" with activation_fn_str "topk" and activation_fn_kwargs.k', () => {
    const cfg = parseSaeLensCfg({
      architecture: 'standard',
      activation_fn_str: 'topk',
      activation_fn_kwargs: { k: 4 },
      d_in: D_IN,
      d_sae: D_SAE,
      hook_name: 'blocks.1.hook_resid_post',
      model_name: 'gpt2',
      context_size: 128,
    });
    expect(cfg).toMatchObject({ architecture: 'topk', k: 4, prepend_bos: true, apply_b_dec_to_input: true });
    expect(parseSaeLensCfg({ architecture: 'relu', d_in: 3, d_sae: 4, hook_name: 'h', model_name: 'm', context_size: 8 }).architecture).toBe('standard');
  });

  it('JumpReLU with a stored log_threshold (older checkpoints), BF16 weights', () => {
    const t = fixtureTensors('jumprelu', 5);
    const rb = (a: Float32Array) => a.map((v) => bf16BitsToF32(f32ToBf16Bits(v)));
    const logThreshold = t.threshold!.map(Math.log);
    const cfgJson = {
      architecture: 'jumprelu',
      d_in: D_IN,
      d_sae: D_SAE,
      apply_b_dec_to_input: false,
      metadata: { hook_name: 'blocks.2.hook_resid_post', model_name: 'gpt2', context_size: 128, prepend_bos: true },
    };
    const weights = refFile({ W_enc: t.W_enc, b_enc: t.b_enc, W_dec: t.W_dec, b_dec: t.b_dec, log_threshold: logThreshold }, 'BF16');
    const got = loadSaeLens({ cfgJson, weights });
    expectSameSae(got, baseCfg({ architecture: 'jumprelu', apply_b_dec_to_input: false }), {
      W_enc: rb(t.W_enc),
      b_enc: rb(t.b_enc),
      W_dec: rb(t.W_dec),
      b_dec: rb(t.b_dec),
      threshold: rb(logThreshold).map(Math.exp),
    });
  });
});

describe('folding the training input scale', () => {
  const s = 3.7; // not a power of two: folding really rounds

  for (const arch of ['standard', 'topk', 'batchtopk', 'jumprelu'] as const) {
    it(`${arch}: folded SAE on raw x = trained SAE on s·x, reconstruction / s`, () => {
      const cfg = baseCfg({ architecture: arch, ...kFor(arch), normalize_activations: 'expected_average_only_in' });
      const w = randomWeights(arch, 7);
      const x = inputs(8);
      const trained = encode(w, cfg, x.map((v) => v * s), N);
      const trainedRecon = decode(w, trained.acts, N).map((v) => v / s);

      const folded = load(saveSaeLens(cfg, w, { activationScale: s }));
      expect(folded.cfg.normalize_activations).toBe('none');
      const enc = encode(folded.weights, folded.cfg, x, N);
      const nonzero = (a: Float32Array) => Array.from(a, (v) => v !== 0);
      expect(nonzero(enc.acts)).toEqual(nonzero(trained.acts)); // same latents fire
      assertClose(`${arch} pre`, enc.pre, trained.pre, 1e-5);
      assertClose(`${arch} acts`, enc.acts, trained.acts, 1e-5);
      assertClose(`${arch} reconstruction`, decode(folded.weights, enc.acts, N), trainedRecon, 1e-5);
    });
  }

  it('refuses to save an unfolded "expected_average_only_in" SAE', () => {
    const cfg = baseCfg({ normalize_activations: 'expected_average_only_in' });
    expect(() => saveSaeLens(cfg, randomWeights('standard', 1))).toThrow(SaeConfigError);
    expect(() => saveSaeLens(cfg, randomWeights('standard', 1))).toThrow(/pass the scale as activationScale/);
  });

  it('loads an unfolded file when it stores norm_scaling_factor, and rejects it when not', () => {
    const cfg = baseCfg({ architecture: 'topk', k: 3 });
    const w = randomWeights('topk', 9);
    const files = saveSaeLens(cfg, w);
    const json = JSON.parse(files['cfg.json']);
    json.normalize_activations = 'expected_average_only_in';
    expect(() => loadSaeLens({ cfgJson: json, weights: files['sae_weights.safetensors'] })).toThrow(/stores no scaling factor/);
    json.metadata.norm_scaling_factor = s;
    const got = loadSaeLens({ cfgJson: json, weights: files['sae_weights.safetensors'] });
    expect(got.cfg.normalize_activations).toBe('none');
    const want = load(saveSaeLens({ ...cfg, normalize_activations: 'expected_average_only_in' }, w, { activationScale: s }));
    expect(toArrays(got.weights)).toEqual(toArrays(want.weights));
  });
});

describe('errors name the problem', () => {
  const cfg = baseCfg({ architecture: 'jumprelu' });
  const w = randomWeights('jumprelu', 11);
  const files = saveSaeLens(cfg, w);
  const json = () => JSON.parse(files['cfg.json']);
  const tensors = (over: Partial<Record<string, { shape: number[]; data: Float32Array } | null>>) => {
    const all: Record<string, { shape: number[]; data: Float32Array } | null> = {
      W_enc: { shape: [D_IN, D_SAE], data: w.W_enc },
      b_enc: { shape: [D_SAE], data: w.b_enc },
      W_dec: { shape: [D_SAE, D_IN], data: w.W_dec },
      b_dec: { shape: [D_IN], data: w.b_dec },
      threshold: { shape: [D_SAE], data: w.threshold! },
      ...over,
    };
    return refWrite(Object.fromEntries(Object.entries(all).flatMap(([k, v]) => (v ? [[k, { dtype: 'F32' as const, ...v }]] : []))));
  };

  it('a missing tensor', () => {
    const run = () => loadSaeLens({ cfgJson: json(), weights: tensors({ b_enc: null }) });
    expect(run).toThrow(SaeWeightsError);
    expect(run).toThrow(/sae_weights.safetensors has no tensor "b_enc" \[d_sae\] \(found: W_enc, W_dec, b_dec, threshold\)/);
    expect(() => loadSaeLens({ cfgJson: json(), weights: tensors({ threshold: null }) })).toThrow(/no tensor "threshold".*needs W_enc, b_enc, W_dec, b_dec, threshold/);
  });

  it('a wrong shape, with a hint when it is a transpose', () => {
    expect(() => loadSaeLens({ cfgJson: json(), weights: tensors({ W_dec: { shape: [D_IN, D_SAE], data: w.W_dec } }) })).toThrow(
      /tensor "W_dec" has shape \[6,10\], expected \[d_sae, d_in\] = \[10,6\] \(it looks transposed/,
    );
    expect(() => loadSaeLens({ cfgJson: json(), weights: tensors({ b_dec: { shape: [5], data: w.b_dec.subarray(0, 5) } }) })).toThrow(
      /tensor "b_dec" has shape \[5\], expected \[d_in\] = \[6\] from cfg.json/,
    );
  });

  it('an architecture or normalization we do not run, and missing cfg fields', () => {
    const bad = (patch: Record<string, unknown>) => () => loadSaeLens({ cfgJson: { ...json(), ...patch }, weights: files['sae_weights.safetensors'] });
    expect(bad({ architecture: 'gated' })).toThrow(SaeConfigError);
    expect(bad({ architecture: 'gated' })).toThrow(/architecture "gated" is not supported; this lab runs standard, relu, topk, batchtopk, jumprelu/);
    expect(bad({ normalize_activations: 'constant_norm_rescale' })).toThrow(/normalize_activations "constant_norm_rescale" rescales each token/);
    expect(bad({ normalize_activations: 'layer_norm' })().cfg.normalize_activations).toBe('layer_norm'); // applied at run time (sae-layer-norm.test.ts)
    expect(bad({ architecture: 'topk', k: undefined, activation_fn_kwargs: {} })).toThrow(/a topk SAE needs k/);
    expect(bad({ d_sae: 0 })).toThrow(/d_sae must be a positive integer/);
    const noHook = json();
    delete noHook.hook_name;
    delete noHook.metadata.hook_name;
    expect(() => loadSaeLens({ cfgJson: noHook, weights: files['sae_weights.safetensors'] })).toThrow(/no hook_name \(or hook_point\)/);
    expect(() => loadSaeLens({ cfgJson: [], weights: files['sae_weights.safetensors'] })).toThrow(/cfg.json is not a JSON object/);
  });
});

describe('loadSaeLensFromFiles', () => {
  it('picks cfg.json and sae_weights.safetensors out of a dropped folder', async () => {
    const cfg = baseCfg({ architecture: 'topk', k: 3 });
    const w = randomWeights('topk', 12);
    const files = saveSaeLens(cfg, w);
    const dropped = [
      new File([files['cfg.json']], 'cfg.json'),
      new File([files['sae_weights.safetensors'] as BlobPart], 'sae_weights.safetensors'),
      new File(['{}'], 'sparsity.safetensors'),
    ];
    expectSameSae(await loadSaeLensFromFiles(dropped), cfg, w);
    await expect(loadSaeLensFromFiles(dropped.slice(0, 1))).rejects.toThrow(ModelFetchError);
    await expect(loadSaeLensFromFiles(dropped.slice(0, 1))).rejects.toThrow(/missing sae_weights.safetensors among the dropped files/);
    await expect(loadSaeLensFromFiles([dropped[0], ...dropped])).rejects.toThrow(/found 2 cfg.json files/);
  });
});

describe('loadSaeLensFromHub', () => {
  let hub: HubServer;
  const cfg = baseCfg({ architecture: 'jumprelu' });
  const w = randomWeights('jumprelu', 13);

  beforeAll(async () => {
    const root = join(tmpdir(), `sse-sae-hub-${process.pid}`);
    const put = (folder: string, files: Record<string, string | Uint8Array>) => {
      mkdirSync(join(root, folder), { recursive: true });
      for (const [name, data] of Object.entries(files)) writeFileSync(join(root, folder, name), data);
    };
    put('blocks.2.hook_resid_post', saveSaeLens(cfg, w));
    const gated = JSON.parse(saveSaeLens(cfg, w)['cfg.json']);
    put('gated/blocks.0.hook_resid_pre', { 'cfg.json': JSON.stringify({ ...gated, architecture: 'gated' }), 'sae_weights.safetensors': new Uint8Array(8) });
    hub = await startHubServer({ 'test/saes': root });
  });

  afterAll(async () => {
    await hub?.close();
  });

  it('downloads {folder}/cfg.json and {folder}/sae_weights.safetensors, with progress', async () => {
    const events: { file: string; loaded: number; total: number }[] = [];
    const got = await loadSaeLensFromHub('test/saes', 'blocks.2.hook_resid_post', { hubUrl: hub.url, onProgress: (p) => events.push(p) });
    expectSameSae(got, cfg, w);
    expect(hub.requests).toEqual(
      expect.arrayContaining(['cfg.json', 'sae_weights.safetensors'].map((f) => `/test/saes/resolve/main/blocks.2.hook_resid_post/${f}`)),
    );
    const last = events.filter((e) => e.file === 'blocks.2.hook_resid_post/sae_weights.safetensors').at(-1)!;
    expect(last.loaded).toBe(last.total);
    await loadSaeLensFromHub('test/saes', '/blocks.2.hook_resid_post/', { hubUrl: hub.url, revision: 'v1.0' });
    expect(hub.requests).toContain('/test/saes/resolve/v1.0/blocks.2.hook_resid_post/cfg.json');
  });

  it('names the missing file, and fails on a bad cfg before the weights download', async () => {
    const get = (path: string) => loadSaeLensFromHub('test/saes', path, { hubUrl: hub.url });
    await expect(get('blocks.3.hook_resid_post')).rejects.toThrow(ModelFetchError);
    await expect(get('blocks.3.hook_resid_post')).rejects.toThrow(
      /blocks\.3\.hook_resid_post\/cfg\.json: not found \(HTTP 404\) at http:\/\/127\.0\.0\.1:\d+\/test\/saes\/resolve\/main\/blocks\.3\.hook_resid_post\/cfg\.json/,
    );
    hub.faults.set('blocks.2.hook_resid_post/sae_weights.safetensors', { fault: 'status404', times: 1 });
    await expect(get('blocks.2.hook_resid_post')).rejects.toThrow(/blocks\.2\.hook_resid_post\/sae_weights\.safetensors: not found \(HTTP 404\)/);
    await expect(get('gated/blocks.0.hook_resid_pre')).rejects.toThrow(/gated\/blocks\.0\.hook_resid_pre\/cfg\.json: architecture "gated"/);
    expect(hub.requests).not.toContain('/test/saes/resolve/main/gated/blocks.0.hook_resid_pre/sae_weights.safetensors');
    await expect(get('../x')).rejects.toThrow(/not a folder inside the repo/);
  });
});
