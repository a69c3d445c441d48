// The GPT-2 small SAE catalogue (src/sae/catalogue.ts): the table against SAELens 6.18.0's pretrained_saes.yaml,
// Neuronpedia URLs, and loadCatalogueSae over real HTTP against a local Hub lookalike serving repos in their real
// layout ({path}/cfg.json + {path}/sae_weights.safetensors; for hook-z-kk <name>_cfg.json + <name>.pt at the root)
// with cfgs as the real repos have them and weights of the real shapes (d_in 768 × d_sae 24576 for res-jb and kk,
// 32768 for OpenAI v5), written once to a tmp dir.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseGpt2Config } from '../../src/core/config';
import { hookDim, parseHook } from '../../src/core/hooks';
import { SaeConfigError, decode, encode, reconstruct } from '../../src/sae/sae';
import { loadSaeLens } from '../../src/sae/saelens';
import {
  GPT2_SMALL,
  applyCatalogueOverrides,
  catalogueEntry,
  catalogueRelease,
  kkCfgFile,
  kkSaeLensCfg,
  listReleases,
  loadCatalogueSae,
  neuronpediaUrl,
} from '../../src/sae/catalogue';
import { TorchPtError } from '../../src/core/torch-pt';
import { type Weights, fill, kkCfg, resJbCfg, writeKkFiles, writeSaeFolder } from '../helpers/catalogue-fixtures';
import { type HubServer, startHubServer } from '../helpers/hub-server';
import { assertClose } from '../reference/compare';
import { writeSafetensors as refWrite } from '../reference/safetensors-ref';
import { refDecode, refEncode, refSaeOf } from '../reference/sae-reference';

const V5 = ['resid-post', 'mlp-out', 'attn-out', 'resid-mid'].flatMap((k) => ['32k', '128k'].map((s) => `gpt2-small-${k}-v5-${s}`));

const sameBits = (a: Float32Array, b: Float32Array) =>
  a.length === b.length && Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

// jbloom's OpenAI v5 → SAELens conversion (SAEConfig.from_dict of this dict, then sae.save_model).
const v5Cfg = (hook: string, layer: number, d_sae: number) => ({
  architecture: 'standard',
  d_in: 768,
  d_sae,
  dtype: 'torch.float32',
  device: 'cuda',
  model_name: 'gpt2-small',
  hook_name: hook,
  hook_layer: layer,
  hook_head_index: null,
  activation_fn_str: 'topk',
  activation_fn_kwargs: { k: 32 },
  apply_b_dec_to_input: true,
  finetuning_scaling_factor: false,
  sae_lens_training_version: null,
  prepend_bos: false,
  dataset_path: 'Skylion007/openwebtext',
  dataset_trust_remote_code: true,
  context_size: 64,
  normalize_activations: 'layer_norm',
});

describe('catalogue table', () => {
  it('lists the 12 GPT-2 small releases by SAELens release id', () => {
    expect(listReleases().map((r) => r.release)).toEqual([
      'gpt2-small-res-jb',
      'gpt2-small-res-jb-feature-splitting',
      'gpt2-small-hook-z-kk',
      'gpt2-small-mlp-tm',
      ...V5,
    ]);
    for (const r of listReleases()) {
      expect(r.model).toBe('gpt2-small');
      expect(r.d_in).toBe(768);
      expect(new Set(r.saes.map((s) => s.id)).size).toBe(r.saes.length);
      // every hook is a TransformerLens hook of GPT-2 small, 768 wide (hook_z flattened head-major), at its layer
      for (const s of r.saes) {
        expect(hookDim(s.hook, GPT2_SMALL), s.hook).toBe(768);
        expect(parseHook(s.hook, GPT2_SMALL).layer).toBe(s.layer);
      }
    }
  });

  it('res-jb: 13 SAEs, resid_pre 0…11 and resid_post 11, folders named as the ids, center_writing_weights', () => {
    const r = catalogueRelease('gpt2-small-res-jb');
    expect(r).toMatchObject({ repo_id: 'jbloom/GPT2-Small-SAEs-Reformatted', format: 'saelens', loadable: true, architecture: 'standard' });
    expect(r.model_from_pretrained_kwargs).toEqual({ center_writing_weights: true });
    expect(r.saes).toHaveLength(13);
    r.saes.slice(0, 12).forEach((s, l) =>
      expect(s).toEqual({ id: `blocks.${l}.hook_resid_pre`, path: `blocks.${l}.hook_resid_pre`, hook: `blocks.${l}.hook_resid_pre`, layer: l, width: 24576, neuronpedia: `gpt2-small/${l}-res-jb` }),
    );
    expect(catalogueEntry('gpt2-small-res-jb', 'blocks.11.hook_resid_post')).toMatchObject({ layer: 11, neuronpedia: 'gpt2-small/12-res-jb' });
  });

  it('feature splitting: layer 8, widths 768…98304, hook without the width suffix', () => {
    const r = catalogueRelease('gpt2-small-res-jb-feature-splitting');
    expect(r.saes.map((s) => s.width)).toEqual([768, 1536, 3072, 6144, 12288, 24576, 49152, 98304]);
    expect(r.saes.every((s) => s.hook === 'blocks.8.hook_resid_pre' && s.layer === 8 && s.path === s.id)).toBe(true);
    expect(catalogueEntry(r.release, 'blocks.8.hook_resid_pre_3072').neuronpedia).toBe('gpt2-small/8-res_fs3072-jb');
  });

  it('hook-z-kk: .pt files, loadable; hook attn.hook_z; 49152 wide at L5 and L7; cfg files named as SAELens finds them', () => {
    const r = catalogueRelease('gpt2-small-hook-z-kk');
    expect(r).toMatchObject({ format: 'kk-pt', conversion_func: 'connor_rob_hook_z', loadable: true, config_overrides: {}, model_from_pretrained_kwargs: null });
    expect(r.reason).toBeUndefined();
    expect(r.saes).toHaveLength(12);
    expect(r.saes.map((s) => s.width)).toEqual([24576, 24576, 24576, 24576, 24576, 49152, 24576, 49152, 24576, 24576, 24576, 24576]);
    expect(r.saes.every((s, l) => s.hook === `blocks.${l}.attn.hook_z` && s.id === `blocks.${l}.hook_z` && s.path.endsWith('.pt'))).toBe(true);
    expect(r.saes[0].path).toBe('gpt2-small_L0_Hcat_z_lr1.20e-03_l11.80e+00_ds24576_bs4096_dc1.00e-06_rsanthropic_rie25000_nr4_v9.pt');
    expect(r.saes[11].path).toBe('gpt2-small_L11_Hcat_z_lr1.20e-03_l13.00e+00_ds24576_bs4096_dc3.16e-06_rsanthropic_rie25000_nr4_v9.pt');
    expect(kkCfgFile(r.saes[0].path)).toBe('gpt2-small_L0_Hcat_z_lr1.20e-03_l11.80e+00_ds24576_bs4096_dc1.00e-06_rsanthropic_rie25000_nr4_v9_cfg.json');
  });

  it('kkSaeLensCfg is get_connor_rob_hook_z_config_from_hf: act_size, dict_size, act_name read, the rest fixed', () => {
    expect(kkSaeLensCfg(kkCfg(0, 24576, 1.8, 1e-6))).toEqual({
      architecture: 'standard',
      d_in: 768,
      d_sae: 24576,
      dtype: 'float32',
      device: 'cpu',
      model_name: 'gpt2-small',
      hook_name: 'blocks.0.attn.hook_z',
      hook_head_index: null,
      activation_fn: 'relu',
      apply_b_dec_to_input: true,
      finetuning_scaling_factor: false,
      sae_lens_training_version: null,
      prepend_bos: true,
      dataset_path: 'Skylion007/openwebtext',
      context_size: 128,
      normalize_activations: 'none',
      dataset_trust_remote_code: true,
      reshape_activations: 'hook_z',
    });
    expect(() => kkSaeLensCfg({ ...kkCfg(0, 24576, 1.8, 1e-6), act_size: undefined }, 'x_cfg.json')).toThrow(/x_cfg.json: act_size must be a positive integer, got undefined/);
    expect(() => kkSaeLensCfg({ ...kkCfg(0, 24576, 1.8, 1e-6), act_name: 'blocks.0.hook_resid_pre' })).toThrow(/act_name must name a TransformerLens hook_z/);
    expect(() => kkSaeLensCfg([1])).toThrow(/not a JSON object/);
  });

  it('mlp-tm: the yaml paths and norm_scaling_factors, no Neuronpedia', () => {
    const r = catalogueRelease('gpt2-small-mlp-tm');
    expect(r.config_overrides).toEqual({ dataset_path: 'Skylion007/openwebtext', model_from_pretrained_kwargs: { center_writing_weights: true } });
    expect(r.saes.map((s) => s.path.slice(-3))).toEqual([':v1', ':v0', ':v0', ':v0', ':v0', ':v0', ':v0', ':v0', ':v1', ':v0', ':v0', ':v2']);
    expect(r.saes[0].path).toBe('sae_group_gpt2_blocks.0.hook_mlp_out_24576:v1');
    expect(r.saes[1].normScalingFactor).toBe(2.3693984005104283);
    expect(r.saes[11].normScalingFactor).toBe(0.2851548652550073);
    expect(neuronpediaUrl(r.saes[3], 5)).toBeNull();
  });

  it('OpenAI v5: 8 releases × 12 layers, topk 32, layer_norm at run time, real folder names', () => {
    for (const id of V5) {
      const r = catalogueRelease(id);
      const [, kind, size] = /^gpt2-small-(.+)-v5-(32k|128k)$/.exec(id)!;
      const hook = { 'resid-post': 'hook_resid_post', 'mlp-out': 'hook_mlp_out', 'attn-out': 'hook_attn_out', 'resid-mid': 'hook_resid_mid' }[kind]!;
      expect(r).toMatchObject({ repo_id: `jbloom/GPT2-Small-OAI-v5-${size}-${kind}-SAEs`, architecture: 'topk', k: 32, runtimeNormalization: 'layer_norm', loadable: true, model_from_pretrained_kwargs: null });
      expect(r.config_overrides).toEqual({ dataset_path: 'Skylion007/openwebtext' });
      expect(r.saes).toHaveLength(12);
      r.saes.forEach((s, l) => {
        expect(s.id).toBe(`blocks.${l}.${hook}`);
        expect(s.hook).toBe(s.id);
        expect(s.width).toBe(size === '32k' ? 32768 : 131072);
        expect(s.path).toBe(`v5_${size}_layer_${l}${id === 'gpt2-small-resid-post-v5-32k' ? '.pt' : ''}`);
      });
    }
    expect(catalogueEntry('gpt2-small-attn-out-v5-128k', 'blocks.4.hook_attn_out').neuronpedia).toBe('gpt2-small/4-att_128k-oai');
    expect(catalogueEntry('gpt2-small-resid-mid-v5-32k', 'blocks.0.hook_resid_mid').neuronpedia).toBe('gpt2-small/0-res_mid_32k-oai');
    expect(catalogueEntry('gpt2-small-mlp-out-v5-32k', 'blocks.9.hook_mlp_out').neuronpedia).toBe('gpt2-small/9-mlp_32k-oai');
    expect(catalogueEntry('gpt2-small-resid-post-v5-128k', 'blocks.2.hook_resid_post').neuronpedia).toBe('gpt2-small/2-res_post_128k-oai');
  });

  it('Neuronpedia URLs and lookup errors', () => {
    expect(neuronpediaUrl(catalogueEntry('gpt2-small-res-jb', 'blocks.8.hook_resid_pre'), 1234)).toBe('https://www.neuronpedia.org/gpt2-small/8-res-jb/1234');
    expect(neuronpediaUrl(catalogueEntry('gpt2-small-hook-z-kk', 'blocks.5.hook_z'), 49151)).toBe('https://www.neuronpedia.org/gpt2-small/5-att-kk/49151');
    expect(() => neuronpediaUrl(catalogueEntry('gpt2-small-res-jb', 'blocks.8.hook_resid_pre'), 24576)).toThrow(/0…24575/);
    expect(() => catalogueRelease('gpt2-small-nope')).toThrow(/unknown SAE release "gpt2-small-nope".*gpt2-small-res-jb/);
    expect(() => catalogueEntry('gpt2-small-res-jb', 'blocks.12.hook_resid_pre')).toThrow(/has no SAE "blocks.12.hook_resid_pre"/);
  });
});

describe('overrides', () => {
  it('mlp-tm: dataset, center_writing_weights and the yaml norm_scaling_factor folded as SAELens folds it', () => {
    const r = catalogueRelease('gpt2-small-mlp-tm');
    const e = r.saes[2];
    const f = e.normScalingFactor!;
    const d_in = 8;
    const d_sae = 12;
    // An old flat cfg that says normalize_activations true (trained on rescaled inputs), as these files do.
    const raw = { model_name: 'gpt2', hook_point: e.hook, hook_point_layer: 2, d_in, d_sae, context_size: 128, normalize_activations: true, model_class_name: 'HookedTransformer' };
    const json = applyCatalogueOverrides(raw, r, e);
    expect(json).toMatchObject({ dataset_path: 'Skylion007/openwebtext', model_from_pretrained_kwargs: { center_writing_weights: true }, norm_scaling_factor: f, neuronpedia_id: null });
    const w = { W_enc: fill(d_in * d_sae, 1), b_enc: fill(d_sae, 2), W_dec: fill(d_sae * d_in, 3), b_dec: fill(d_in, 4) };
    const bytes = refWrite({
      W_enc: { dtype: 'F32', shape: [d_in, d_sae], data: w.W_enc },
      b_enc: { dtype: 'F32', shape: [d_sae], data: w.b_enc },
      W_dec: { dtype: 'F32', shape: [d_sae, d_in], data: w.W_dec },
      b_dec: { dtype: 'F32', shape: [d_in], data: w.b_dec },
    });
    const sae = loadSaeLens({ cfgJson: json, weights: bytes });
    expect(sae.cfg).toMatchObject({ normalize_activations: 'none', dataset: 'Skylion007/openwebtext', hook_name: 'blocks.2.hook_mlp_out' });
    expect(sae.cfg.model_from_pretrained_kwargs!.center_writing_weights).toBe(true);
    // SAELens' fold_activation_norm_scaling_factor: W_enc·f, W_dec/f, b_dec/f
    expect(sae.weights.W_enc[5]).toBeCloseTo(w.W_enc[5] * f, 6);
    expect(sae.weights.W_dec[7]).toBeCloseTo(w.W_dec[7] / f, 6);
    expect(sae.weights.b_dec[3]).toBeCloseTo(w.b_dec[3] / f, 6);
    expect(sae.weights.b_enc[4]).toBe(w.b_enc[4]);
  });

  it('nested 6.x metadata gets the overrides too (it is read first)', () => {
    const r = catalogueRelease('gpt2-small-res-jb');
    const e = r.saes[0];
    const json = applyCatalogueOverrides({ d_in: 768, d_sae: 24576, metadata: { hook_name: e.hook, model_from_pretrained_kwargs: {} } }, r, e);
    expect((json.metadata as Record<string, unknown>).model_from_pretrained_kwargs).toEqual({ center_writing_weights: true });
    expect((json.metadata as Record<string, unknown>).neuronpedia_id).toBe('gpt2-small/0-res-jb');
  });
});

describe('loadCatalogueSae over HTTP', () => {
  let hub: HubServer;
  let root: string;
  let resJb: Weights;
  let v5w: Weights;
  let fs768: Weights;
  let kk0: Weights;
  const KK = catalogueRelease('gpt2-small-hook-z-kk');

  beforeAll(async () => {
    root = join(tmpdir(), `sse-catalogue-${process.pid}`);
    const resDir = join(root, 'res-jb');
    resJb = writeSaeFolder(join(resDir, 'blocks.0.hook_resid_pre'), resJbCfg(0), 768, 24576, 10);
    // A folder whose cfg.json disagrees with the model (d_in 1024): refused before the weights download.
    mkdirSync(join(resDir, 'blocks.3.hook_resid_pre'), { recursive: true });
    writeFileSync(join(resDir, 'blocks.3.hook_resid_pre', 'cfg.json'), JSON.stringify({ ...resJbCfg(3), d_in: 1024 }));
    writeFileSync(join(resDir, 'blocks.3.hook_resid_pre', 'sae_weights.safetensors'), Buffer.from('never read'));
    // And one that says another hook than its catalogue entry.
    mkdirSync(join(resDir, 'blocks.4.hook_resid_pre'), { recursive: true });
    writeFileSync(join(resDir, 'blocks.4.hook_resid_pre', 'cfg.json'), JSON.stringify({ ...resJbCfg(4), hook_point: 'blocks.4.hook_resid_post' }));

    const fsDir = join(root, 'fs');
    fs768 = writeSaeFolder(join(fsDir, 'blocks.8.hook_resid_pre_768'), { ...resJbCfg(8), d_sae: 768, expansion_factor: 1 }, 768, 768, 20);
    mkdirSync(join(fsDir, 'blocks.8.hook_resid_pre_1536'), { recursive: true });
    writeFileSync(join(fsDir, 'blocks.8.hook_resid_pre_1536', 'cfg.json'), JSON.stringify({ ...resJbCfg(8), d_sae: 768 })); // wrong width

    const v5Dir = join(root, 'v5-resid-post-32k');
    v5w = writeSaeFolder(join(v5Dir, 'v5_32k_layer_11.pt'), v5Cfg('blocks.11.hook_resid_post', 11, 32768), 768, 32768, 30);
    // A v5 folder whose cfg.json lost its normalize_activations: refused (its weights are never read).
    mkdirSync(join(v5Dir, 'v5_32k_layer_10.pt'), { recursive: true });
    writeFileSync(join(v5Dir, 'v5_32k_layer_10.pt', 'cfg.json'), JSON.stringify({ ...v5Cfg('blocks.10.hook_resid_post', 10, 32768), normalize_activations: 'none' }));
    writeFileSync(join(v5Dir, 'v5_32k_layer_10.pt', 'sae_weights.safetensors'), Buffer.from('never read'));

    // Kissane's repo: layer 0 at its real shapes; layer 1 a per-head cfg (act_size 64), refused before the .pt;
    // layer 2 a .pt cut short.
    const kkDir = join(root, 'kk');
    kk0 = writeKkFiles(kkDir, KK.saes[0].path, kkCfg(0, 24576, 1.8, 1e-6), 768, 24576, 40);
    writeFileSync(join(kkDir, kkCfgFile(KK.saes[1].path)), JSON.stringify({ ...kkCfg(1, 24576, 0.8, 1e-6), act_size: 64, concat_heads: false }));
    writeFileSync(join(kkDir, kkCfgFile(KK.saes[2].path)), JSON.stringify(kkCfg(2, 24576, 1, 1e-6)));
    writeFileSync(join(kkDir, KK.saes[2].path), readFileSync(join(kkDir, KK.saes[0].path)).subarray(0, 5000));

    hub = await startHubServer({
      'ckkissane/attn-saes-gpt2-small-all-layers': kkDir,
      'jbloom/GPT2-Small-SAEs-Reformatted': resDir,
      'jbloom/GPT2-Small-Feature-Splitting-Experiment-Layer-8': fsDir,
      'jbloom/GPT2-Small-OAI-v5-32k-resid-post-SAEs': v5Dir,
    });
  }, 120_000);

  afterAll(async () => {
    await hub?.close();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('gpt2-small-res-jb / blocks.0.hook_resid_pre: the release settings, weights equal to the file', async () => {
    const progress: string[] = [];
    const sae = await loadCatalogueSae('gpt2-small-res-jb', 'blocks.0.hook_resid_pre', { hubUrl: hub.url, onProgress: (p) => progress.push(p.file) });
    expect(sae.cfg).toEqual({
      architecture: 'standard',
      d_in: 768,
      d_sae: 24576,
      l1Coefficient: 8e-5,
      dtype: 'float32',
      apply_b_dec_to_input: true,
      normalize_activations: 'none',
      hook_name: 'blocks.0.hook_resid_pre',
      model_name: 'gpt2-small',
      context_size: 128,
      prepend_bos: true,
      dataset: 'Skylion007/openwebtext',
      // the yaml's {center_writing_weights: true}, absent keys filled with the lab's SAELens defaults
      model_from_pretrained_kwargs: { fold_ln: true, center_writing_weights: true, center_unembed: true, fold_value_biases: true },
    });
    expect(sae).toMatchObject({ release: 'gpt2-small-res-jb', neuronpediaId: 'gpt2-small/0-res-jb', runtimeNormalization: 'none' });
    for (const k of ['W_enc', 'b_enc', 'W_dec', 'b_dec'] as const) expect(sameBits(sae.weights[k], resJb[k]), k).toBe(true);
    expect(hub.requests).toEqual(
      expect.arrayContaining([
        '/jbloom/GPT2-Small-SAEs-Reformatted/resolve/main/blocks.0.hook_resid_pre/cfg.json',
        '/jbloom/GPT2-Small-SAEs-Reformatted/resolve/main/blocks.0.hook_resid_pre/sae_weights.safetensors',
      ]),
    );
    expect(progress).toContain('blocks.0.hook_resid_pre/sae_weights.safetensors');
    // It runs: one row through encode/decode.
    const x = fill(768, 99, 1);
    const { acts } = encode(sae.weights, sae.cfg, x, 1);
    expect(decode(sae.weights, acts, 1)).toHaveLength(768);
  }, 120_000);

  it('refuses a cfg.json that disagrees with the model or the catalogue, before downloading the weights', async () => {
    const load = (id: string) => loadCatalogueSae('gpt2-small-res-jb', id, { hubUrl: hub.url });
    await expect(load('blocks.3.hook_resid_pre')).rejects.toThrow(/d_in is 1024, but blocks.3.hook_resid_pre is 768 wide/);
    await expect(load('blocks.4.hook_resid_pre')).rejects.toThrow(/says hook blocks.4.hook_resid_post, but the catalogue has .* reading blocks.4.hook_resid_pre/);
    await expect(load('blocks.5.hook_resid_pre')).rejects.toThrow(/cfg.json: not found \(HTTP 404\)/);
    expect(hub.requests.some((p) => /blocks\.[345]\.hook_resid_pre\/sae_weights/.test(p))).toBe(false);
    // d_in is checked against the model given (here a 1024-wide GPT-2)
    const medium = parseGpt2Config({ n_embd: 1024, n_layer: 24, n_head: 16, vocab_size: 50257, n_positions: 1024 });
    await expect(loadCatalogueSae('gpt2-small-res-jb', 'blocks.0.hook_resid_pre', { hubUrl: hub.url, model: medium })).rejects.toThrow(/d_in is 768, but blocks.0.hook_resid_pre is 1024 wide/);
    await expect(
      loadCatalogueSae('gpt2-small-res-jb-feature-splitting', 'blocks.8.hook_resid_pre_1536', { hubUrl: hub.url }),
    ).rejects.toThrow(/d_sae is 768, but the catalogue lists .* as 1536 wide/);
  });

  it('feature splitting: hook from cfg.json (no width suffix), center_writing_weights from the yaml', async () => {
    const sae = await loadCatalogueSae('gpt2-small-res-jb-feature-splitting', 'blocks.8.hook_resid_pre_768', { hubUrl: hub.url });
    expect(sae.cfg).toMatchObject({ hook_name: 'blocks.8.hook_resid_pre', d_sae: 768, context_size: 128, prepend_bos: true });
    expect(sae.cfg.model_from_pretrained_kwargs!.center_writing_weights).toBe(true);
    expect(sae.neuronpediaId).toBe('gpt2-small/8-res_fs768-jb');
    expect(sameBits(sae.weights.W_dec, fs768.W_dec)).toBe(true);
  });

  it('gpt2-small-hook-z-kk / blocks.0.hook_z: SAELens\' connor_rob_hook_z cfg, the .pt state dict, encoding as a plain reference', async () => {
    const e = KK.saes[0];
    const progress: string[] = [];
    const sae = await loadCatalogueSae('gpt2-small-hook-z-kk', 'blocks.0.hook_z', { hubUrl: hub.url, onProgress: (p) => progress.push(p.file) });
    // SAELens' test_load_sae_config_from_huggingface_connor_rob_hook_z, in the lab's terms
    expect(sae.cfg).toEqual({
      architecture: 'standard',
      d_in: 768,
      d_sae: 24576,
      dtype: 'float32',
      apply_b_dec_to_input: true,
      normalize_activations: 'none',
      hook_name: 'blocks.0.attn.hook_z',
      model_name: 'gpt2-small',
      context_size: 128,
      prepend_bos: true,
      dataset: 'Skylion007/openwebtext',
      // none given: SAELens' defaults; hook_z depends on fold_ln and fold_value_biases, both on as in training
      model_from_pretrained_kwargs: { fold_ln: true, center_writing_weights: false, center_unembed: true, fold_value_biases: true },
    });
    expect(sae).toMatchObject({ release: 'gpt2-small-hook-z-kk', neuronpediaId: 'gpt2-small/0-att-kk', runtimeNormalization: 'none' });
    const base = '/ckkissane/attn-saes-gpt2-small-all-layers/resolve/main/';
    expect(hub.requests).toEqual(expect.arrayContaining([base + encodeURIComponent(kkCfgFile(e.path)), base + encodeURIComponent(e.path)]));
    expect(progress).toContain(e.path);
    for (const k of ['W_enc', 'b_enc', 'W_dec', 'b_dec'] as const) expect(sameBits(sae.weights[k], kk0[k]), k).toBe(true);

    // Two hook_z rows [2, 12·64] through the lab's encode/decode against Kissane's forward in float64.
    const n = 2;
    const d = 768;
    const m = 24576;
    const x = fill(n * d, 5, 2);
    const { acts } = encode(sae.weights, sae.cfg, x, n);
    const recon = decode(sae.weights, acts, n);
    let maxAct = 0;
    let maxRecon = 0;
    for (let r = 0; r < n; r++) {
      const ref = new Float64Array(m);
      for (let i = 0; i < d; i++) {
        const xi = x[r * d + i] - kk0.b_dec[i];
        for (let j = 0; j < m; j++) ref[j] += xi * kk0.W_enc[i * m + j];
      }
      const out = new Float64Array(d).map((_, c) => kk0.b_dec[c]);
      for (let j = 0; j < m; j++) {
        ref[j] = Math.max(0, ref[j] + kk0.b_enc[j]);
        maxAct = Math.max(maxAct, Math.abs(acts[r * m + j] - ref[j]) / (1e-5 + 1e-4 * Math.abs(ref[j])));
        if (ref[j] > 0) for (let c = 0; c < d; c++) out[c] += ref[j] * kk0.W_dec[j * d + c];
      }
      for (let c = 0; c < d; c++) maxRecon = Math.max(maxRecon, Math.abs(recon[r * d + c] - out[c]) / (1e-4 + 1e-4 * Math.abs(out[c])));
    }
    expect(maxAct, 'max |acts − ref| / (atol + rtol·|ref|)').toBeLessThan(1);
    expect(maxRecon, 'max |recon − ref| / (atol + rtol·|ref|)').toBeLessThan(1);
    expect(acts.filter((a) => a > 0).length).toBeGreaterThan(0);
  }, 300_000);

  it('hook-z-kk: a cfg that disagrees with the model is refused before the .pt downloads; a cut .pt says so', async () => {
    await expect(loadCatalogueSae('gpt2-small-hook-z-kk', 'blocks.1.hook_z', { hubUrl: hub.url })).rejects.toThrow(
      /_cfg\.json: d_in is 64, but blocks\.1\.attn\.hook_z is 768 wide in this model/,
    );
    expect(hub.requests.some((p) => p.endsWith(encodeURIComponent(KK.saes[1].path)))).toBe(false);
    await expect(loadCatalogueSae('gpt2-small-hook-z-kk', 'blocks.2.hook_z', { hubUrl: hub.url })).rejects.toThrow(TorchPtError);
    await expect(loadCatalogueSae('gpt2-small-hook-z-kk', 'blocks.2.hook_z', { hubUrl: hub.url })).rejects.toThrow(
      /attn-saes-gpt2-small-all-layers\/gpt2-small_L2.*\.pt is not a readable zip archive .*truncated/,
    );
    // and the tiny (256-wide) model's hook_z is not what these SAEs read
    const tiny = parseGpt2Config({ n_embd: 256, n_layer: 4, n_head: 4, vocab_size: 8192, n_positions: 256 });
    await expect(loadCatalogueSae('gpt2-small-hook-z-kk', 'blocks.0.hook_z', { hubUrl: hub.url, model: tiny })).rejects.toThrow(/d_in is 768, but blocks.0.attn.hook_z is 256 wide/);
  });

  it('gpt2-small-resid-post-v5-32k / blocks.11.hook_resid_post: loads as a layer_norm SAE (topk 32, context 64, no BOS) that encodes as SAELens does', async () => {
    const sae = await loadCatalogueSae('gpt2-small-resid-post-v5-32k', 'blocks.11.hook_resid_post', { hubUrl: hub.url });
    expect(sae.cfg).toEqual({
      architecture: 'topk',
      d_in: 768,
      d_sae: 32768,
      k: 32,
      dtype: 'float32',
      apply_b_dec_to_input: true,
      normalize_activations: 'layer_norm', // applied per token by encode / decode
      hook_name: 'blocks.11.hook_resid_post',
      model_name: 'gpt2-small',
      context_size: 64,
      prepend_bos: false,
      dataset: 'Skylion007/openwebtext',
      model_from_pretrained_kwargs: { fold_ln: true, center_writing_weights: false, center_unembed: true, fold_value_biases: true },
    });
    expect(sae).toMatchObject({ runtimeNormalization: 'layer_norm', neuronpediaId: 'gpt2-small/11-res_post_32k-oai' });
    expect(hub.requests).toContain('/jbloom/GPT2-Small-OAI-v5-32k-resid-post-SAEs/resolve/main/v5_32k_layer_11.pt/sae_weights.safetensors');
    for (const k of ['W_enc', 'b_enc', 'W_dec', 'b_dec'] as const) expect(sameBits(sae.weights[k], v5w[k]), k).toBe(true);
    // acceptLayerNorm is still accepted, and changes nothing.
    const again = await loadCatalogueSae('gpt2-small-resid-post-v5-32k', 'blocks.11.hook_resid_post', { hubUrl: hub.url, acceptLayerNorm: true });
    expect(again.cfg).toEqual(sae.cfg);
    // Encoding as SAELens does (LN in, topk 32, decode, LN out), against the float64 reference, on residual-like rows.
    const x = fill(768 * 2, 7, 3).map((v, i) => 40 * v + (i < 768 ? 5 : -2));
    const { acts, xhat } = reconstruct(sae.weights, sae.cfg, x, 2);
    const ref = refEncode(refSaeOf(sae), x, 2);
    for (let r = 0; r < 2; r++) expect(acts.subarray(r * 32768, (r + 1) * 32768).filter((a) => a !== 0).length).toBeLessThanOrEqual(32);
    assertClose('v5 acts', acts, ref.acts, 1e-5);
    assertClose('v5 x̂ (scaled back)', xhat, refDecode(refSaeOf(sae), ref.acts, 2, ref.stats), 1e-5);
  }, 120_000);

  it('refuses a v5 cfg.json that does not say layer_norm, before downloading the weights', async () => {
    const r = catalogueRelease('gpt2-small-resid-post-v5-32k');
    expect(r.runtimeNormalization).toBe('layer_norm');
    const json = applyCatalogueOverrides({ ...v5Cfg('blocks.10.hook_resid_post', 10, 32768), normalize_activations: 'none' }, r, catalogueEntry(r.release, 'blocks.10.hook_resid_post'));
    expect(json.normalize_activations).toBe('none');
    const before = hub.requests.length;
    await expect(loadCatalogueSae(r.release, 'blocks.10.hook_resid_post', { hubUrl: hub.url })).rejects.toThrow(/normalize_activations "none"; the catalogue expects "layer_norm"/);
    expect(hub.requests.slice(before).some((p) => p.includes('sae_weights'))).toBe(false);
  });
});
