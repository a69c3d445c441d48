// "Export for SAELens" (src/sae/saelens-export.ts): the exported runner config checked against a schema of SAELens'
// own fields, the values mapped from the lab's recipe, and the cfg.json SAELens would write for that recipe loaded
// back into the lab with no misfit.
//
// The schema below was written from SAELens 6.18.0 (jbloomAus/SAELens @ 91ca16ccd0684e4dd6323cd4f23ded734339ec54):
// sae_lens/config.py (LanguageModelSAERunnerConfig, LoggingConfig), sae_lens/saes/sae.py (SAEConfig,
// TrainingSAEConfig, SAEMetadata, get_inference_sae_cfg_dict), sae_lens/saes/{topk,batchtopk,standard,jumprelu}_sae.py,
// sae_lens/training/optim.py (get_lr_scheduler), sae_lens/llm_sae_training_runner.py (_set_sae_metadata,
// save_final_sae). A type is a list of the JSON kinds a field's Python annotation admits.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { saeMisfit } from '../../src/analysis/sae-fit';
import { fitOf } from '../../src/analysis/sae-registry';
import { parseGpt2Config } from '../../src/core/config';
import { writeSafetensors } from '../../src/core/safetensors-write';
import { HF_RAW, NO_PROCESSING, SAELENS_DEFAULTS, type TlSettings, sameTlSettings, tlSettingsFromKwargs } from '../../src/core/tl-settings';
import { loadSaeLens } from '../../src/sae/saelens';
import { type SaeLensExportInput, exportForSaeLens, saeLensLrFields } from '../../src/sae/saelens-export';
import { labLrSchedule } from '../../src/sae/train/lab-recipe';
import { lrSchedule } from '../../src/sae/train/schedule';

type Kind = 'str' | 'int' | 'float' | 'bool' | 'null' | 'dict' | 'list' | 'int_list' | 'seqpos';
interface Field {
  type: Kind[];
  required?: boolean; // no default in the dataclass (or from_dict refuses the dict without it)
  values?: unknown[]; // a Literal's values, or the names a function accepts
}

// LanguageModelSAERunnerConfig's dataclass fields. from_dict calls cls(**dict): any other key is a TypeError.
const RUNNER: Record<string, Field> = {
  sae: { type: ['dict'], required: true },
  model_name: { type: ['str'] },
  model_class_name: { type: ['str'], values: ['HookedTransformer', 'HookedMamba'] },
  hook_name: { type: ['str'] },
  hook_eval: { type: ['str'] },
  hook_head_index: { type: ['int', 'null'] },
  dataset_path: { type: ['str'] },
  dataset_trust_remote_code: { type: ['bool'] },
  streaming: { type: ['bool'] },
  is_dataset_tokenized: { type: ['bool'] },
  context_size: { type: ['int'] },
  use_cached_activations: { type: ['bool'] },
  cached_activations_path: { type: ['str', 'null'] },
  from_pretrained_path: { type: ['str', 'null'] },
  n_batches_in_buffer: { type: ['int'] },
  training_tokens: { type: ['int'] },
  store_batch_size_prompts: { type: ['int'] },
  seqpos_slice: { type: ['seqpos'] },
  disable_concat_sequences: { type: ['bool'] },
  sequence_separator_token: { type: ['int', 'str', 'null'], values: ['bos', 'eos', 'sep'] },
  device: { type: ['str'] },
  act_store_device: { type: ['str'] },
  seed: { type: ['int'] },
  dtype: { type: ['str'] },
  prepend_bos: { type: ['bool'] },
  autocast: { type: ['bool'] },
  autocast_lm: { type: ['bool'] },
  compile_llm: { type: ['bool'] },
  llm_compilation_mode: { type: ['str', 'null'] },
  compile_sae: { type: ['bool'] },
  sae_compilation_mode: { type: ['str', 'null'] },
  train_batch_size_tokens: { type: ['int'] },
  adam_beta1: { type: ['float', 'int'] },
  adam_beta2: { type: ['float', 'int'] },
  lr: { type: ['float', 'int'] },
  // optim.py's _get_main_lr_scheduler (after .lower()).
  lr_scheduler_name: { type: ['str'], values: ['constant', 'cosineannealing', 'cosineannealingwarmrestarts'] },
  lr_warm_up_steps: { type: ['int'] },
  lr_end: { type: ['float', 'int', 'null'] },
  lr_decay_steps: { type: ['int'] },
  n_restart_cycles: { type: ['int'] },
  dead_feature_window: { type: ['int'] },
  feature_sampling_window: { type: ['int'] },
  dead_feature_threshold: { type: ['float', 'int'] },
  n_eval_batches: { type: ['int'] },
  eval_batch_size_prompts: { type: ['int', 'null'] },
  logger: { type: ['dict'], required: true }, // from_dict: "logger field is required in the config dictionary"
  n_checkpoints: { type: ['int'] },
  checkpoint_path: { type: ['str', 'null'] },
  save_final_checkpoint: { type: ['bool'] },
  output_path: { type: ['str', 'null'] },
  resume_from_checkpoint: { type: ['str', 'null'] },
  verbose: { type: ['bool'] },
  model_kwargs: { type: ['dict'] },
  model_from_pretrained_kwargs: { type: ['dict', 'null'] },
  sae_lens_version: { type: ['str'] },
  sae_lens_training_version: { type: ['str'] },
  exclude_special_tokens: { type: ['bool', 'int_list'] },
};

const LOGGER: Record<string, Field> = {
  log_to_wandb: { type: ['bool'] },
  log_activations_store_to_wandb: { type: ['bool'] },
  log_optimizer_state_to_wandb: { type: ['bool'] },
  wandb_project: { type: ['str'] },
  wandb_id: { type: ['str', 'null'] },
  run_name: { type: ['str', 'null'] },
  wandb_entity: { type: ['str', 'null'] },
  wandb_log_frequency: { type: ['int'] },
  eval_every_n_wandb_logs: { type: ['int'] },
};

// SAEConfig + TrainingSAEConfig; "architecture" is what from_dict picks the class by (get_sae_training_class).
const SAE_BASE: Record<string, Field> = {
  architecture: { type: ['str'], required: true },
  d_in: { type: ['int'], required: true },
  d_sae: { type: ['int'], required: true },
  dtype: { type: ['str'] },
  device: { type: ['str'] },
  apply_b_dec_to_input: { type: ['bool'] },
  normalize_activations: { type: ['str'], values: ['none', 'expected_average_only_in', 'constant_norm_rescale', 'layer_norm'] },
  reshape_activations: { type: ['str'], values: ['none', 'hook_z'] },
  metadata: { type: ['dict'] },
  decoder_init_norm: { type: ['float', 'int', 'null'] },
};
const TOPK: Record<string, Field> = {
  ...SAE_BASE,
  k: { type: ['int'] },
  use_sparse_activations: { type: ['bool'] },
  aux_loss_coefficient: { type: ['float', 'int'] },
  rescale_acts_by_decoder_norm: { type: ['bool'] },
};
const SAE_SCHEMAS: Record<string, Record<string, Field>> = {
  topk: TOPK,
  batchtopk: { ...TOPK, k: { type: ['float', 'int'] }, topk_threshold_lr: { type: ['float', 'int'] } },
  standard: { ...SAE_BASE, l1_coefficient: { type: ['float', 'int'] }, lp_norm: { type: ['float', 'int'] }, l1_warm_up_steps: { type: ['int'] } },
  jumprelu: {
    ...SAE_BASE,
    jumprelu_init_threshold: { type: ['float', 'int'] },
    jumprelu_bandwidth: { type: ['float', 'int'] },
    jumprelu_sparsity_loss_mode: { type: ['str'], values: ['step', 'tanh'] },
    l0_coefficient: { type: ['float', 'int'] },
    l0_warm_up_steps: { type: ['int'] },
    pre_act_loss_coefficient: { type: ['float', 'int', 'null'] },
    jumprelu_tanh_scale: { type: ['float', 'int'] },
  },
};

// HookedTransformer.from_pretrained's weight-processing keywords as SAELens passes them (model_from_pretrained_kwargs).
const TL_FROM_PRETRAINED_KWARGS = ['center_unembed', 'center_writing_weights', 'fold_ln', 'fold_value_biases'];

function kindOk(kind: Kind, v: unknown): boolean {
  switch (kind) {
    case 'str':
      return typeof v === 'string';
    case 'int':
      return Number.isInteger(v);
    case 'float':
      return typeof v === 'number' && Number.isFinite(v);
    case 'bool':
      return typeof v === 'boolean';
    case 'null':
      return v === null;
    case 'dict':
      return typeof v === 'object' && v !== null && !Array.isArray(v);
    case 'list':
      return Array.isArray(v);
    case 'int_list':
      return Array.isArray(v) && v.every((x) => Number.isInteger(x));
    case 'seqpos': // tuple[int | None, ...], 1 to 3 entries (a slice's arguments)
      return Array.isArray(v) && v.length >= 1 && v.length <= 3 && v.every((x) => x === null || Number.isInteger(x));
  }
}

/** Every problem of `obj` against `schema`: unknown keys, missing required ones, wrong kinds or values. */
function validate(obj: Record<string, unknown>, schema: Record<string, Field>, where: string): string[] {
  const errors: string[] = [];
  for (const key of Object.keys(obj)) if (!(key in schema)) errors.push(`${where}.${key}: not a SAELens field`);
  for (const [key, f] of Object.entries(schema)) {
    if (!(key in obj)) {
      if (f.required) errors.push(`${where}.${key}: required`);
      continue;
    }
    const v = obj[key];
    if (!f.type.some((k) => kindOk(k, v))) errors.push(`${where}.${key}: ${JSON.stringify(v)} is not ${f.type.join(' | ')}`);
    if (f.values && typeof v === 'string' && !f.values.includes(v)) errors.push(`${where}.${key}: ${JSON.stringify(v)} is not one of ${f.values.join(', ')}`);
  }
  return errors;
}

function validateRunner(cfg: Record<string, unknown>): string[] {
  const sae = cfg.sae as Record<string, unknown>;
  const arch = String(sae?.architecture);
  return [
    ...validate(cfg, RUNNER, 'config'),
    ...(SAE_SCHEMAS[arch] ? validate(sae, SAE_SCHEMAS[arch], 'config.sae') : [`config.sae.architecture ${arch}: not topk, batchtopk, standard or jumprelu`]),
    ...validate(cfg.logger as Record<string, unknown>, LOGGER, 'config.logger'),
  ];
}

const RUN: SaeLensExportInput['run'] = {
  name: 'moby',
  modelId: 'openai-community/gpt2',
  contextLength: 128,
  prependBos: true,
  skipBos: true,
  bosTokenId: 50256,
  tl: HF_RAW,
  files: [{ name: 'moby.txt' }, { name: 'sotu.jsonl' }],
};

function input(over: Partial<SaeLensExportInput> = {}): SaeLensExportInput {
  return { hook: 'blocks.6.hook_resid_pre', dIn: 768, architecture: 'topk', expansion: 8, k: 32, steps: 1000, batchSize: 4096, lr: 3e-4, seed: 7, run: RUN, ...over };
}

const ARCHS = ['topk', 'batchtopk', 'standard', 'jumprelu'] as const;

describe('the schema itself', () => {
  it('catches an unknown key, a missing required field, a wrong type and a value SAELens does not accept', () => {
    const cfg = exportForSaeLens(input()).config;
    expect(validateRunner(cfg)).toEqual([]);
    const { logger: _logger, ...noLogger } = cfg;
    const errors = validateRunner({ ...noLogger, logger: {}, l1_coeff: 1, training_tokens: 1.5, lr_scheduler_name: 'linear' });
    expect(errors).toEqual(
      expect.arrayContaining([
        'config.l1_coeff: not a SAELens field',
        'config.training_tokens: 1.5 is not int',
        'config.lr_scheduler_name: "linear" is not one of constant, cosineannealing, cosineannealingwarmrestarts',
      ]),
    );
    expect(validate({ architecture: 'topk', d_sae: 4 }, TOPK, 'sae')).toEqual(['sae.d_in: required']);
  });
});

describe('exportForSaeLens', () => {
  for (const architecture of ARCHS) {
    it(`${architecture}: the config has only SAELens' field names, with the types SAELens declares`, () => {
      const out = exportForSaeLens(input({ architecture, k: architecture === 'batchtopk' ? 24.5 : 32, l1Coefficient: 4 }));
      expect(validateRunner(out.config)).toEqual([]);
      expect(JSON.parse(out.files['saelens_config.json'])).toEqual(out.config); // the file is the config, nothing added
      expect((out.config.sae as Record<string, unknown>).architecture).toBe(architecture);
    });
  }

  it('maps the recipe: width, k, tokens = steps × batch, batch, seed, context, BOS handling, model and hook', () => {
    const c = exportForSaeLens(input()).config;
    const sae = c.sae as Record<string, unknown>;
    expect(sae).toMatchObject({ d_in: 768, d_sae: 6144, k: 32, normalize_activations: 'expected_average_only_in', apply_b_dec_to_input: true, decoder_init_norm: 1 });
    expect(c).toMatchObject({
      model_name: 'gpt2', // TransformerLens' name for openai-community/gpt2
      hook_name: 'blocks.6.hook_resid_pre',
      hook_head_index: null,
      training_tokens: 4_096_000,
      train_batch_size_tokens: 4096,
      seed: 7,
      context_size: 128,
      prepend_bos: true,
      exclude_special_tokens: [50256], // the run stores no BOS positions
      lr: 3e-4,
      dead_feature_window: Math.round(10_000_000 / 4096),
    });
    // A training whose token budget is not steps × batch (stream training): the steps follow the tokens.
    const stream = exportForSaeLens(input({ trainingTokens: 100_000_000, schedule: { lr: 3e-4, decay: 'constant' } })).config;
    expect(stream.training_tokens).toBe(100_000_000);
  });

  it('jumprelu: its own fields, λ warmed up over 5%, pre-act 0 as None, and a note when θ trained directly', () => {
    const e = exportForSaeLens(input({ architecture: 'jumprelu', l0Coefficient: 0.5, jumpreluBandwidth: 0.02, jumpreluSparsityLossMode: 'tanh', steps: 2000 }));
    expect(e.config.sae).toMatchObject({
      architecture: 'jumprelu', l0_coefficient: 0.5, jumprelu_bandwidth: 0.02, jumprelu_init_threshold: 0.01,
      jumprelu_sparsity_loss_mode: 'tanh', jumprelu_tanh_scale: 4, l0_warm_up_steps: 100, pre_act_loss_coefficient: null, decoder_init_norm: 0.1,
    });
    expect(e.notes.some((n) => n.includes('log θ'))).toBe(true);
    const logTheta = exportForSaeLens(input({ architecture: 'jumprelu', jumpreluThresholdParam: 'log', preActLossCoefficient: 3e-6 }));
    expect((logTheta.config.sae as Record<string, unknown>).pre_act_loss_coefficient).toBe(3e-6);
    expect(logTheta.notes.some((n) => n.includes('log θ'))).toBe(false);
  });

  it('standard: l1_coefficient, the L1 warm-up over the first 5% and the 0.1 decoder init', () => {
    const sae = exportForSaeLens(input({ architecture: 'standard', l1Coefficient: 3.5, steps: 2000 })).config.sae as Record<string, unknown>;
    expect(sae).toMatchObject({ architecture: 'standard', l1_coefficient: 3.5, lp_norm: 1, l1_warm_up_steps: 100, decoder_init_norm: 0.1 });
    expect(sae).not.toHaveProperty('k');
    expect((exportForSaeLens(input({ architecture: 'standard', l1Coefficient: undefined })).config.sae as Record<string, unknown>).l1_coefficient).toBe(5);
  });

  it('a one-head key becomes hook_name + hook_head_index, d_in the head width', () => {
    const c = exportForSaeLens(input({ hook: 'blocks.3.attn.hook_z[5]', dIn: 64 })).config;
    expect(c).toMatchObject({ hook_name: 'blocks.3.attn.hook_z', hook_head_index: 5 });
    expect((c.sae as Record<string, unknown>).d_in).toBe(64);
  });

  it("the run's TransformerLens settings become model_from_pretrained_kwargs with from_pretrained's own keys", () => {
    for (const tl of [HF_RAW, NO_PROCESSING, SAELENS_DEFAULTS] as TlSettings[]) {
      const kw = exportForSaeLens(input({ run: { ...RUN, tl } })).config.model_from_pretrained_kwargs as Record<string, boolean>;
      expect(Object.keys(kw).sort()).toEqual(TL_FROM_PRETRAINED_KWARGS);
      expect(sameTlSettings(tlSettingsFromKwargs(kw), tl)).toBe(true);
    }
  });

  it('the dataset: a Hub id becomes dataset_path; dropped files leave it empty and say to pass --text-files', () => {
    const hub = exportForSaeLens(input({ datasetPath: 'Skylion007/openwebtext' }));
    expect(hub.config.dataset_path).toBe('Skylion007/openwebtext');
    expect(hub.notes.join('\n')).not.toMatch(/--text-files/);
    const files = exportForSaeLens(input());
    expect(files.config.dataset_path).toBe('');
    expect(files.notes.join('\n')).toMatch(/--text-files.*|moby\.txt/);
    expect(files.files['train_sae.py']).toContain('moby.txt, sotu.jsonl');
  });

  it('says when the model is not one TransformerLens can load (the embedded tiny-gpt2)', () => {
    const out = exportForSaeLens(input({ run: { ...RUN, modelId: 'tiny-gpt2' }, dIn: 256 }));
    expect(out.notes.some((n) => n.includes('"tiny-gpt2" is not a TransformerLens model name'))).toBe(true);
    expect(exportForSaeLens(input()).notes.some((n) => n.includes('not a TransformerLens model'))).toBe(false);
  });

  it('refuses a training with no steps', () => {
    expect(() => exportForSaeLens(input({ steps: 0 }))).toThrow(/steps \(0\) and batch size/);
  });
});

/** SAELens' lr at each step: get_lr_scheduler (warm-up LinearLR, main scheduler, final LinearLR decay), rewritten. */
function saeLensLr(f: ReturnType<typeof saeLensLrFields>, steps: number): number[] {
  const w = f.lr_warm_up_steps;
  const d = f.lr_decay_steps;
  const lrEnd = f.lr_scheduler_name === 'constant' ? f.lr : (f.lr_end ?? f.lr / 10);
  const main = steps - w - d;
  return Array.from({ length: steps }, (_, t) => {
    if (t < w) return f.lr * (w === 1 ? 1 : 1 / w + ((1 - 1 / w) * t) / (w - 1));
    if (t >= steps - d) return lrEnd * (1 - (t - (steps - d)) / d);
    const u = t - w;
    return f.lr_scheduler_name === 'constant' ? f.lr : lrEnd + ((f.lr - lrEnd) * (1 + Math.cos((Math.PI * u) / main))) / 2;
  });
}

describe('the learning-rate schedule', () => {
  for (const steps of [1, 7, 50, 1000, 3333]) {
    it(`the lab's schedule over ${steps} steps is SAELens' "constant" + warm-up + final decay, step for step`, () => {
      const s = labLrSchedule(3e-4, steps);
      const f = saeLensLrFields(s, steps);
      expect(f.lr_scheduler_name).toBe('constant');
      const lab = lrSchedule(s);
      const theirs = saeLensLr(f, steps);
      for (let t = 0; t < steps; t++) expect(theirs[t]).toBeCloseTo(lab(t), 12);
    });
  }

  it("cosine decay from the end of warm-up to lr·finalFraction is 'cosineannealing' with lr_end", () => {
    const s = { lr: 1e-3, warmupSteps: 10, decay: 'cosine' as const, finalFraction: 0.1, totalSteps: 200 };
    const f = saeLensLrFields(s, 200);
    expect(f).toMatchObject({ lr_scheduler_name: 'cosineannealing', lr_decay_steps: 0, lr_warm_up_steps: 10 });
    expect(f.lr_end).toBeCloseTo(1e-4, 15);
    const lab = lrSchedule(s);
    const theirs = saeLensLr(f, 200);
    for (let t = 0; t < 200; t++) expect(theirs[t]).toBeCloseTo(lab(t), 12);
  });

  it('says what SAELens cannot express (a linear decay to a floor, a cosine that starts late)', () => {
    const notes: string[] = [];
    saeLensLrFields({ lr: 1, decay: 'linear', finalFraction: 0.1, totalSteps: 10 }, 10, notes);
    saeLensLrFields({ lr: 1, decay: 'cosine', decayStart: 5, totalSteps: 10 }, 10, notes);
    expect(notes).toHaveLength(2);
  });
});

// ---------------------------------------------------------------- what SAELens writes, back into the lab

/**
 * cfg.json as LanguageModelSAETrainingRunner.save_final_sae writes it for `config`: save_inference_model dumps
 * get_inference_sae_cfg_dict() (the inference class's fields, its architecture, the metadata _set_sae_metadata
 * filled), after the trainer folded the input scale (normalize_activations "none"). batchtopk is saved as jumprelu.
 */
function saeLensWrittenCfg(config: Record<string, unknown>): Record<string, unknown> {
  const sae = config.sae as Record<string, unknown>;
  const arch = sae.architecture as string;
  const inference: Record<string, unknown> = {
    d_in: sae.d_in,
    d_sae: sae.d_sae,
    dtype: sae.dtype,
    device: sae.device,
    apply_b_dec_to_input: sae.apply_b_dec_to_input,
    normalize_activations: sae.normalize_activations === 'expected_average_only_in' ? 'none' : sae.normalize_activations,
    reshape_activations: sae.reshape_activations,
    ...(arch === 'topk' ? { k: sae.k, rescale_acts_by_decoder_norm: sae.rescale_acts_by_decoder_norm } : {}),
  };
  return {
    ...inference,
    architecture: arch === 'batchtopk' ? 'jumprelu' : arch,
    metadata: {
      sae_lens_version: '6.18.0',
      sae_lens_training_version: '6.18.0',
      dataset_path: config.dataset_path,
      hook_name: config.hook_name,
      model_name: config.model_name,
      model_class_name: config.model_class_name,
      hook_head_index: config.hook_head_index,
      context_size: config.context_size,
      seqpos_slice: config.seqpos_slice,
      model_from_pretrained_kwargs: config.model_from_pretrained_kwargs,
      prepend_bos: config.prepend_bos,
      exclude_special_tokens: config.exclude_special_tokens,
      sequence_separator_token: config.sequence_separator_token,
      disable_concat_sequences: config.disable_concat_sequences,
    },
  };
}

/** sae_weights.safetensors for it: W_enc [d_in, d_sae], b_enc, W_dec [d_sae, d_in] (unit rows after the fold), b_dec, threshold for jumprelu. */
function saeLensWeights(dIn: number, dSae: number, jumprelu: boolean): Uint8Array {
  const fill = (n: number, f: (i: number) => number) => Float32Array.from({ length: n }, (_, i) => f(i));
  const tensors = [
    { name: 'W_enc', dtype: 'F32' as const, shape: [dIn, dSae], data: fill(dIn * dSae, (i) => Math.sin(i) / Math.sqrt(dIn)) },
    { name: 'b_enc', dtype: 'F32' as const, shape: [dSae], data: fill(dSae, (i) => -0.01 * (i % 3)) },
    { name: 'W_dec', dtype: 'F32' as const, shape: [dSae, dIn], data: fill(dSae * dIn, (i) => Math.cos(i) / Math.sqrt(dIn)) },
    { name: 'b_dec', dtype: 'F32' as const, shape: [dIn], data: fill(dIn, (i) => 0.001 * i) },
    ...(jumprelu ? [{ name: 'threshold', dtype: 'F32' as const, shape: [dSae], data: new Float32Array(dSae).fill(0.25) }] : []),
  ];
  return writeSafetensors(tensors);
}

const GPT2_SMALL = parseGpt2Config({ model_type: 'gpt2', vocab_size: 50257, n_positions: 1024, n_embd: 768, n_layer: 12, n_head: 12, layer_norm_epsilon: 1e-5, activation_function: 'gelu_new' });

describe('the SAE SAELens writes for the exported recipe loads back into the lab', () => {
  const cases: { architecture: (typeof ARCHS)[number]; hook: string; dIn: number; tl: TlSettings }[] = [
    { architecture: 'topk', hook: 'blocks.6.hook_resid_pre', dIn: 768, tl: HF_RAW },
    { architecture: 'batchtopk', hook: 'blocks.2.mlp.hook_post', dIn: 3072, tl: SAELENS_DEFAULTS },
    { architecture: 'standard', hook: 'blocks.8.hook_resid_post', dIn: 768, tl: NO_PROCESSING },
    { architecture: 'topk', hook: 'blocks.3.attn.hook_z[5]', dIn: 64, tl: HF_RAW },
  ];
  for (const c of cases) {
    it(`${c.architecture} on ${c.hook}: cfg.json + weights load, and the SAE fits the run's model and settings`, () => {
      const run = { ...RUN, tl: c.tl };
      const { config } = exportForSaeLens(input({ architecture: c.architecture, hook: c.hook, dIn: c.dIn, expansion: 2, k: 16, l1Coefficient: 5, run }));
      const cfgJson = saeLensWrittenCfg(config);
      const loaded = loadSaeLens({ cfgJson: JSON.parse(JSON.stringify(cfgJson)), weights: saeLensWeights(c.dIn, 2 * c.dIn, c.architecture === 'batchtopk') });
      expect(loaded.cfg).toMatchObject({ hook_name: c.hook, d_in: c.dIn, d_sae: 2 * c.dIn, context_size: 128, prepend_bos: true, normalize_activations: 'none' });
      expect(loaded.cfg.architecture).toBe(c.architecture === 'batchtopk' ? 'jumprelu' : c.architecture);
      if (c.architecture === 'topk') expect(loaded.cfg.k).toBe(16);
      expect(sameTlSettings(tlSettingsFromKwargs(loaded.cfg.model_from_pretrained_kwargs), c.tl)).toBe(true);
      // No misfit of hook, width, model or settings against the model the lab's run was made with.
      expect(saeMisfit(fitOf(loaded.cfg), { id: RUN.modelId, cfg: GPT2_SMALL, hasWeights: true }, { tl: c.tl, label: 'run "moby" stored it' })).toBeNull();
    });
  }
});

// ---------------------------------------------------------------- the script

function havePython(): boolean {
  return spawnSync('python3', ['--version']).status === 0;
}

describe('train_sae.py', () => {
  it.skipIf(!havePython())('compiles (python3 -m py_compile) for every architecture and with odd names in it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'saelens-export-'));
    for (const architecture of ARCHS) {
      const out = exportForSaeLens(input({ architecture, run: { ...RUN, name: 'a "quoted" run\\ with """triple""" quotes\nand a newline', files: [{ name: "it's.txt" }] } }));
      const path = join(dir, `train_${architecture}.py`);
      writeFileSync(path, out.files['train_sae.py']);
      execFileSync('python3', ['-m', 'py_compile', path]);
      // The script reads the JSON as Python's json module does, and the fields it edits are there.
      const check = `import json,sys; c=json.load(open(sys.argv[1])); assert c["logger"]["log_to_wandb"] is False; assert c["sae"]["architecture"]=="${architecture}"; print(c["training_tokens"])`;
      const cfgPath = join(dir, `cfg_${architecture}.json`);
      writeFileSync(cfgPath, out.files['saelens_config.json']);
      expect(execFileSync('python3', ['-c', check, cfgPath]).toString().trim()).toBe(String(1000 * 4096));
    }
  });

  it('runs SAELens by its public names and says how to load the result into the lab', () => {
    const script = exportForSaeLens(input()).files['train_sae.py'];
    expect(script).toContain('from sae_lens import LanguageModelSAERunnerConfig, LanguageModelSAETrainingRunner');
    expect(script).toContain('LanguageModelSAERunnerConfig.from_dict(cfg_dict)');
    expect(script).toContain('LanguageModelSAETrainingRunner(cfg, override_dataset=override_dataset).run()');
    expect(script).toContain('load_dataset("text", data_files=files, split="train", sample_by=sample_by)');
    expect(script).toMatch(/cfg\.json and sae_weights\.safetensors/);
    expect(script).toMatch(/"SAELens files"/);
  });
});
