// Catalogue fixtures: SAE folders as the Hub repos hold them (cfg.json in the real file's key layout, small
// deterministic weights of the real shapes) for the local Hub lookalike, shared by the Node and Chromium tests.
// Kissane's hook-z files (<name>_cfg.json + <name>.pt at the repo root) come from the test-side .pt writer.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeSafetensors as refWrite } from '../reference/safetensors-ref';
import { writeTorchPt } from './torch-pt-writer';

export function fill(n: number, seed: number, scale = 0.05): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = (((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 2 - 1) * scale;
  return out;
}

export interface Weights {
  W_enc: Float32Array;
  b_enc: Float32Array;
  W_dec: Float32Array;
  b_dec: Float32Array;
}

export function writeSaeFolder(dir: string, cfg: Record<string, unknown>, d_in: number, d_sae: number, seed: number): Weights {
  mkdirSync(dir, { recursive: true });
  const w: Weights = {
    W_enc: fill(d_in * d_sae, seed),
    b_enc: fill(d_sae, seed + 1),
    W_dec: fill(d_sae * d_in, seed + 2),
    b_dec: fill(d_in, seed + 3),
  };
  writeFileSync(join(dir, 'cfg.json'), JSON.stringify(cfg));
  writeFileSync(
    join(dir, 'sae_weights.safetensors'),
    refWrite({
      W_enc: { dtype: 'F32', shape: [d_in, d_sae], data: w.W_enc },
      b_enc: { dtype: 'F32', shape: [d_sae], data: w.b_enc },
      W_dec: { dtype: 'F32', shape: [d_sae, d_in], data: w.W_dec },
      b_dec: { dtype: 'F32', shape: [d_in], data: w.b_dec },
    }),
  );
  writeFileSync(join(dir, 'sparsity.safetensors'), refWrite({ sparsity: { dtype: 'F32', shape: [d_sae], data: fill(d_sae, seed + 4, 1) } }));
  return w;
}

// jbloom/GPT2-Small-SAEs-Reformatted blocks.L.hook_resid_pre/cfg.json (mats_sae_training era, flat). SAELens' own
// test of this file shows these keys plus the ones its loader adds (architecture, activation_fn_str, prepend_bos,
// normalize_activations, neuronpedia_id, model_from_pretrained_kwargs from the yaml overrides...), so the
// fixture leaves those out: they must come from the defaults and the catalogue.
export const resJbCfg = (layer: number) => ({
  model_name: 'gpt2-small',
  hook_point: `blocks.${layer}.hook_resid_pre`,
  hook_point_layer: layer,
  hook_point_head_index: null,
  dataset_path: 'Skylion007/openwebtext',
  is_dataset_tokenized: false,
  context_size: 128,
  use_cached_activations: false,
  cached_activations_path: `activations/Skylion007_openwebtext/gpt2-small/blocks.${layer}.hook_resid_pre`,
  d_in: 768,
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
  lr_scheduler_name: null,
  lr_warm_up_steps: 5000,
  train_batch_size: 4096,
  use_ghost_grads: false,
  feature_sampling_window: 1000,
  feature_sampling_method: null,
  resample_batches: 1028,
  feature_reinit_scale: 0.2,
  dead_feature_window: 5000,
  dead_feature_estimation_method: 'no_fire',
  dead_feature_threshold: 1e-8,
  log_to_wandb: true,
  wandb_project: 'mats_sae_training_gpt2_small_resid_pre_5',
  wandb_entity: null,
  wandb_log_frequency: 100,
  n_checkpoints: 10,
  checkpoint_path: 'checkpoints/y1t51byy',
  d_sae: 24576,
  tokens_per_buffer: 67108864,
  run_name: '24576-L1-8e-05-LR-0.0004-Tokens-3.000e+08',
});


// ckkissane/attn-saes-gpt2-small-all-layers <name>_cfg.json: the cfg AutoEncoder.save() dumps, i.e. train.py's
// default_cfg with the run's overrides (layer, l1_coeff, dict_mult, dead_direction_cutoff, re_init_every, as the
// file name spells them) and what post_init_cfg adds (act_name, act_size = 64 · 12 with concat_heads, dict_size,
// name...). Fields the name does not give are train.py's defaults (the real files may differ there); SAELens reads
// only act_size, dict_size and act_name.
export const kkCfg = (layer: number, dictSize: number, l1: number, deadCutoff: number) => ({
  seed: 49,
  batch_size: 4096,
  buffer_mult: 384,
  lr: 0.0012,
  num_tokens: 100000000,
  l1_coeff: l1,
  beta1: 0.0,
  beta2: 0.9999,
  dict_mult: dictSize / 768,
  seq_len: 128,
  enc_dtype: 'fp32',
  model_name: 'gpt2-small',
  site: 'z',
  layer,
  device: 'cuda',
  reinit: 'reinit',
  head: 'cat',
  concat_heads: true,
  resample_scheme: 'anthropic',
  anthropic_neuron_resample_scale: 0.2,
  dead_direction_cutoff: deadCutoff,
  re_init_every: 25000,
  anthropic_resample_last: 100000,
  resample_factor: 0.01,
  num_resamples: 4,
  wandb_project_name: 'your_project_name',
  wandb_entity: 'your_entity_name',
  save_state_dict_every: 50000,
  b_dec_init: 'zeros',
  sched_type: 'cosine_warmup',
  sched_epochs: 1000,
  sched_lr_factor: 0.1,
  sched_warmup_epochs: 1000,
  sched_finish: true,
  anthropic_resample_batches: 100,
  eval_every: 1000,
  model_batch_size: 512,
  buffer_size: 1572864,
  buffer_batches: 12288,
  act_name: `blocks.${layer}.attn.hook_z`,
  act_size: 768,
  dict_size: dictSize,
  name: `gpt2-small_${layer}_${dictSize}_z`,
});

/**
 * Kissane's two files for one layer in `dir` (the repo root): `<ptName>` = torch.save(AutoEncoder.state_dict())
 * (W_enc [d_in, d_sae], W_dec [d_sae, d_in], b_enc, b_dec, registration order, float32) and its _cfg.json.
 */
export function writeKkFiles(dir: string, ptName: string, cfg: Record<string, unknown>, d_in: number, d_sae: number, seed: number): Weights {
  mkdirSync(dir, { recursive: true });
  const w: Weights = {
    W_enc: fill(d_in * d_sae, seed),
    b_enc: fill(d_sae, seed + 1),
    W_dec: fill(d_sae * d_in, seed + 2),
    b_dec: fill(d_in, seed + 3),
  };
  writeFileSync(join(dir, `${ptName.split('.pt')[0]}_cfg.json`), JSON.stringify(cfg));
  writeFileSync(
    join(dir, ptName),
    writeTorchPt({
      W_enc: { shape: [d_in, d_sae], data: w.W_enc },
      W_dec: { shape: [d_sae, d_in], data: w.W_dec },
      b_enc: { shape: [d_sae], data: w.b_enc },
      b_dec: { shape: [d_in], data: w.b_dec },
    }),
  );
  return w;
}
