// "Export for SAELens": a lab training's recipe as a SAELens training config and a short script that trains the
// same recipe with SAELens on GPUs (issue #16, "when a user outgrows the tab").
//
// Field names and semantics read from SAELens 6.18.0 (jbloomAus/SAELens, commit 91ca16ccd0684e4dd6323cd4f23ded734339ec54):
//   sae_lens/config.py           LanguageModelSAERunnerConfig (runner fields; from_dict needs "sae" with
//                                "architecture", and "logger"; every other key must be a dataclass field, since it
//                                calls cls(**dict)); LoggingConfig
//   sae_lens/saes/sae.py         SAEConfig (d_in, d_sae, dtype, device, apply_b_dec_to_input, normalize_activations,
//                                reshape_activations), TrainingSAEConfig (decoder_init_norm: W_dec rows start at this
//                                norm and W_enc = W_decᵀ)
//   sae_lens/saes/topk_sae.py    TopKTrainingSAEConfig (k, use_sparse_activations, aux_loss_coefficient,
//                                rescale_acts_by_decoder_norm; on save W_dec's norms are folded into W_enc, b_enc)
//   sae_lens/saes/batchtopk_sae.py  BatchTopKTrainingSAEConfig (k float, topk_threshold_lr; saved as "jumprelu")
//   sae_lens/saes/standard_sae.py   StandardTrainingSAEConfig (l1_coefficient, lp_norm, l1_warm_up_steps)
//   sae_lens/training/optim.py   get_lr_scheduler: linear warm-up from lr/w over w steps, the main scheduler
//                                ("constant", "cosineannealing", "cosineannealingwarmrestarts"), then a linear decay
//                                to 0 over the last lr_decay_steps (from lr under "constant", from lr_end otherwise)
//   sae_lens/training/sae_trainer.py  expected_average_only_in: the scale is estimated before training and folded
//                                into the weights at the end (cfg.json then says "none"); a latent is dead after
//                                dead_feature_window steps without firing
// The mapping is exact for the schedule, batch, tokens, sparsity, init and input scaling. What differs is said in
// `notes` (and in the script's header): SAELens' TopK auxiliary loss and its activation buffer are its own.
import { splitHeadKey } from '../core/hooks';
import { canonicalModelName } from '../core/model-names';
import { type TlSettings, tlKwargs } from '../core/tl-settings';
import { DEFAULT_L1, labL1WarmupSteps, labLrSchedule } from './train/lab-recipe';
import type { LrSchedule } from './train/schedule';

export const SAELENS_VERSION_READ = '6.18.0';
export const SAELENS_CONFIG_FILE = 'saelens_config.json';
export const SAELENS_SCRIPT_FILE = 'train_sae.py';

/** What the export needs from a training: its options, the hook's width and what the run says about model and data. */
export interface SaeLensExportInput {
  hook: string; //                        a TransformerLens hook name, or a one-head key "blocks.L.attn.hook_z[h]"
  dIn: number;
  architecture?: 'topk' | 'batchtopk' | 'standard' | 'jumprelu';
  expansion: number;
  k: number;
  l1Coefficient?: number;
  /** JumpReLU (the lab's defaults are SAELens 6.18.0's: src/sae/train/jumprelu-step.ts). */
  l0Coefficient?: number;
  jumpreluBandwidth?: number;
  jumpreluInitThreshold?: number;
  jumpreluSparsityLossMode?: 'step' | 'tanh';
  jumpreluTanhScale?: number;
  preActLossCoefficient?: number;
  jumpreluThresholdParam?: 'log' | 'direct';
  steps: number;
  batchSize: number;
  lr: number;
  seed: number;
  /** The learning-rate schedule trained with (default: the lab's, labLrSchedule(lr, steps)). */
  schedule?: LrSchedule;
  /** A token budget that is not steps × batch (a stream training's); default steps × batchSize. */
  trainingTokens?: number;
  /** Tokens without a firing after which a latent is dead (the lab's default 10^7). */
  deadTokens?: number;
  run: {
    name: string;
    modelId: string;
    contextLength: number;
    prependBos: boolean;
    skipBos: boolean;
    bosTokenId: number;
    /** The TransformerLens settings the activations followed (absent: the run's recorded default, passed resolved). */
    tl: TlSettings;
    files?: { name: string }[];
  };
  /** A Hugging Face dataset id (or a local dataset folder) to train on; absent for a corpus of dropped files. */
  datasetPath?: string;
}

export interface SaeLensTrainingExport {
  /** LanguageModelSAERunnerConfig.to_dict()'s shape: what LanguageModelSAERunnerConfig.from_dict takes. */
  config: Record<string, unknown>;
  /** Where SAELens' run differs from the lab's, or what the user must supply. */
  notes: string[];
  files: { [SAELENS_CONFIG_FILE]: string; [SAELENS_SCRIPT_FILE]: string };
}

const DEFAULT_DEAD_TOKENS = 10_000_000;

// TransformerLens' official names for the models the lab loads by Hub id (SAELens' model_name goes to
// HookedTransformer.from_pretrained). canonicalModelName already folds the GPT-2 family.
const TL_NAMES: Record<string, string> = { 'distilbert/distilgpt2': 'distilgpt2', distilgpt2: 'distilgpt2' };
const TL_KNOWN = new Set(['gpt2', 'gpt2-medium', 'gpt2-large', 'gpt2-xl', 'distilgpt2']);

/** The model name HookedTransformer.from_pretrained knows, and whether TransformerLens can load it at all. */
export function transformerLensModelName(modelId: string): { name: string; known: boolean } {
  const name = TL_NAMES[modelId.toLowerCase()] ?? canonicalModelName(modelId);
  return { name, known: TL_KNOWN.has(name) };
}

export interface SaeLensLrFields {
  lr: number;
  lr_scheduler_name: 'constant' | 'cosineannealing';
  lr_warm_up_steps: number;
  lr_decay_steps: number;
  lr_end: number | null;
  n_restart_cycles: number;
}

/**
 * The lab's schedule in SAELens' terms. Warm-up: both give lr·(t+1)/w at step t < w (torch LinearLR from 1/w over
 * w − 1 iterations). 'linear' decay to 0 from step s: SAELens' final decay of T − s steps under "constant" (from lr to 0).
 * 'cosine' from the end of warm-up to lr·finalFraction: "cosineannealing" with lr_end = lr·finalFraction.
 */
export function saeLensLrFields(s: LrSchedule, steps: number, notes: string[] = []): SaeLensLrFields {
  const warm = Math.min(s.warmupSteps ?? 0, steps);
  const total = s.totalSteps ?? steps;
  if (total !== steps) notes.push(`the lab's schedule ends at step ${total}, the training at ${steps}; SAELens' schedule ends with the training`);
  const start = Math.max(warm, s.decayStart ?? warm);
  const floor = s.finalFraction ?? 0;
  const base = { lr: s.lr, lr_warm_up_steps: warm, n_restart_cycles: 1 };
  const decay = s.decay ?? 'constant';
  if (decay === 'constant') return { ...base, lr_scheduler_name: 'constant', lr_decay_steps: 0, lr_end: null };
  if (decay === 'linear') {
    if (floor !== 0) notes.push(`the lab's linear decay ends at ${floor}·lr; SAELens' decay always ends at 0`);
    return { ...base, lr_scheduler_name: 'constant', lr_decay_steps: Math.max(0, steps - start), lr_end: null };
  }
  if (start > warm) notes.push(`the lab's cosine decay starts at step ${start}; SAELens' cosineannealing starts right after warm-up (step ${warm})`);
  return { ...base, lr_scheduler_name: 'cosineannealing', lr_decay_steps: 0, lr_end: s.lr * floor };
}

/** The `sae` sub-config: TopK-, BatchTopK-, Standard- or JumpReLUTrainingSAEConfig as a dict. */
function saeSubConfig(o: SaeLensExportInput, dIn: number, notes: string[]): Record<string, unknown> {
  const arch = o.architecture ?? 'topk';
  const common = {
    architecture: arch,
    d_in: dIn,
    d_sae: dIn * o.expansion,
    dtype: 'float32',
    device: 'cuda',
    apply_b_dec_to_input: true,
    // The lab scales inputs so E‖s·x‖ = √d_in and folds s out on save, as SAELens does for this setting.
    normalize_activations: 'expected_average_only_in',
    reshape_activations: 'none',
  };
  if (arch === 'standard') {
    // Anthropic's April 2024 recipe in both: W_dec rows start at norm 0.1, the L1 term is weighted by ‖W_dec[j]‖.
    return { ...common, decoder_init_norm: 0.1, l1_coefficient: o.l1Coefficient ?? DEFAULT_L1, lp_norm: 1.0, l1_warm_up_steps: labL1WarmupSteps(o.steps) };
  }
  if (arch === 'jumprelu') return { ...common, ...jumpreluFields(o, notes) };
  notes.push(
    "TopK auxiliary loss: the lab uses AuxK with coefficient 1/32 normalised by the residual's variance (OpenAI's); SAELens' has no variance normalisation and scales by min(dead / k_aux, 1). aux_loss_coefficient is left at SAELens' 1.0",
  );
  notes.push(
    "decoder norms: the lab puts W_dec's rows back to unit norm after every step; SAELens lets them drift and divides them out (rescale_acts_by_decoder_norm), folding them into W_enc and b_enc on save",
  );
  // The lab keeps W_dec rows at unit norm; SAELens' rescale_acts_by_decoder_norm selects and decodes as if they were,
  // and starting from unit rows (decoder_init_norm 1.0, W_enc = W_decᵀ) is the lab's init.
  const topk = { ...common, decoder_init_norm: 1.0, aux_loss_coefficient: 1.0, rescale_acts_by_decoder_norm: true, use_sparse_activations: false };
  if (arch === 'batchtopk') return { ...topk, k: o.k, topk_threshold_lr: 0.01 };
  return { ...topk, k: o.k };
}

/** JumpReLUTrainingSAEConfig's own fields (sae_lens/saes/jumprelu_sae.py); λ warms up over 5% of steps, as the lab's. */
function jumpreluFields(o: SaeLensExportInput, notes: string[]): Record<string, unknown> {
  if ((o.jumpreluThresholdParam ?? 'direct') === 'direct') {
    notes.push("threshold: the lab trained θ directly (as SAELens after 6.18.0 does); SAELens 6.18.0 trains log θ, which learns more slowly on short runs");
  }
  const preAct = o.preActLossCoefficient ?? 0;
  return {
    decoder_init_norm: 0.1,
    jumprelu_init_threshold: o.jumpreluInitThreshold ?? 0.01,
    jumprelu_bandwidth: o.jumpreluBandwidth ?? 0.05,
    jumprelu_sparsity_loss_mode: o.jumpreluSparsityLossMode ?? 'step',
    l0_coefficient: o.l0Coefficient ?? 1,
    l0_warm_up_steps: labL1WarmupSteps(o.steps),
    pre_act_loss_coefficient: preAct > 0 ? preAct : null, // SAELens: None turns it off; the lab's 0 means the same
    jumprelu_tanh_scale: o.jumpreluTanhScale ?? 4,
  };
}

function datasetOf(o: SaeLensExportInput, notes: string[]): string {
  if (o.datasetPath) return o.datasetPath;
  const files = o.run.files?.map((f) => f.name) ?? [];
  notes.push(
    `the run "${o.run.name}" came from files dropped into the tab${files.length ? ` (${files.join(', ')})` : ''}: ` +
      'run the script with --text-files pointing at the same text, or set dataset_path to a Hugging Face dataset with a "text" column',
  );
  return '';
}

/** The SAELens runner config (LanguageModelSAERunnerConfig's fields) for a lab training. */
export function saeLensRunnerConfig(o: SaeLensExportInput, notes: string[] = []): Record<string, unknown> {
  if (!(Number.isInteger(o.steps) && o.steps > 0 && Number.isInteger(o.batchSize) && o.batchSize > 0)) {
    throw new RangeError(`Export for SAELens: steps (${o.steps}) and batch size (${o.batchSize}) must be positive integers`);
  }
  const { hook, head } = splitHeadKey(o.hook);
  const model = transformerLensModelName(o.run.modelId);
  if (!model.known) {
    notes.push(`model "${o.run.modelId}" is not a TransformerLens model name: HookedTransformer.from_pretrained cannot load it; set model_name to one it knows`);
  }
  const trainingTokens = o.trainingTokens ?? o.steps * o.batchSize;
  const lrFields = saeLensLrFields(o.schedule ?? labLrSchedule(o.lr, o.steps), Math.floor(trainingTokens / o.batchSize), notes);
  const deadTokens = o.deadTokens ?? DEFAULT_DEAD_TOKENS;
  const sae = saeSubConfig(o, o.dIn, notes);
  notes.push("SAELens shuffles through its own activation buffer (n_batches_in_buffer), so the batches' order differs from the lab's");
  return {
    sae,
    model_name: model.name,
    model_class_name: 'HookedTransformer',
    hook_name: hook,
    hook_head_index: head,
    dataset_path: datasetOf(o, notes),
    dataset_trust_remote_code: true,
    streaming: true,
    is_dataset_tokenized: false,
    context_size: o.run.contextLength,
    n_batches_in_buffer: 20,
    training_tokens: trainingTokens,
    store_batch_size_prompts: 32,
    seqpos_slice: [null],
    // The lab packs documents into windows that start with BOS and separates documents with it.
    sequence_separator_token: 'bos',
    disable_concat_sequences: false,
    device: 'cuda',
    act_store_device: 'with_model',
    seed: o.seed,
    dtype: 'float32',
    prepend_bos: o.run.prependBos,
    // skipBos: the lab stores no BOS positions, so it never trains on them.
    exclude_special_tokens: o.run.skipBos ? [o.run.bosTokenId] : false,
    train_batch_size_tokens: o.batchSize,
    adam_beta1: 0.9,
    adam_beta2: 0.999,
    ...lrFields,
    dead_feature_window: Math.max(1, Math.round(deadTokens / o.batchSize)),
    feature_sampling_window: 2000,
    dead_feature_threshold: 1e-8,
    n_eval_batches: 10,
    logger: { log_to_wandb: false, wandb_project: 'sae_lens_training', run_name: null, wandb_log_frequency: 10, eval_every_n_wandb_logs: 100 },
    n_checkpoints: 0,
    checkpoint_path: 'checkpoints',
    save_final_checkpoint: false,
    output_path: 'output',
    verbose: true,
    model_kwargs: {},
    model_from_pretrained_kwargs: tlKwargs(o.run.tl),
  };
}

/** The config and the script, as two files to download. */
export function exportForSaeLens(o: SaeLensExportInput): SaeLensTrainingExport {
  const notes: string[] = [];
  const config = saeLensRunnerConfig(o, notes);
  return {
    config,
    notes,
    files: { [SAELENS_CONFIG_FILE]: `${JSON.stringify(config, null, 2)}\n`, [SAELENS_SCRIPT_FILE]: trainScript(o, notes) },
  };
}

/** A Python string literal for any text (JSON's escapes are valid in Python's double-quoted strings). */
const py = (s: string) => JSON.stringify(s);

function trainScript(o: SaeLensExportInput, notes: string[]): string {
  // Names come from the user's files: a line break in one must not end the comment and start code.
  const comment = (lines: string[]) =>
    lines
      .flatMap((l) => l.split(/\r\n|\r|\n/))
      .map((l) => `# ${l}`.trimEnd())
      .join('\n');
  return `#!/usr/bin/env python3
${comment([
  `Train the lab's SAE recipe with SAELens (written against sae-lens ${SAELENS_VERSION_READ}): pip install "sae-lens>=6.18,<7"`,
  `Recipe: ${o.architecture ?? 'topk'} SAE on ${o.hook} of ${o.run.modelId}, d_sae ${o.dIn * o.expansion}, from the lab's run "${o.run.name}".`,
  '',
  'Usage:',
  `  python ${SAELENS_SCRIPT_FILE} --text-files my_corpus/*.txt     # the text the lab's run was made from`,
  `  python ${SAELENS_SCRIPT_FILE} --dataset org/name               # or a Hugging Face dataset with a "text" column`,
  '',
  `It reads ${SAELENS_CONFIG_FILE} (LanguageModelSAERunnerConfig.from_dict) from this folder and runs`,
  "LanguageModelSAETrainingRunner. The SAE is saved in SAELens' format to output_path (default ./output):",
  'cfg.json and sae_weights.safetensors. To load it back into the lab: in the SAEs panel, "SAELens files", pick',
  'those two files (a batchtopk SAE arrives as SAELens saves it, a JumpReLU SAE) with the same model loaded.',
  '',
  'Differences from the lab and things to supply:',
  ...notes.map((n) => `  - ${n}`),
])}
import argparse
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def text_dataset(files, sample_by):
    """The user's files as a datasets.Dataset with a "text" column (SAELens tokenizes it on the fly)."""
    from datasets import load_dataset

    if all(f.endswith((".jsonl", ".ndjson", ".json")) for f in files):
        return load_dataset("json", data_files=files, split="train")
    # "document": one file is one document, as the lab reads .txt and .md files.
    return load_dataset("text", data_files=files, split="train", sample_by=sample_by)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--config", default=str(HERE / ${py(SAELENS_CONFIG_FILE)}))
    parser.add_argument("--text-files", nargs="+", help="local .txt / .md files, or .jsonl files with a text field, to train on")
    parser.add_argument("--sample-by", default="document", choices=["document", "paragraph", "line"])
    parser.add_argument("--dataset", help="a Hugging Face dataset id or local dataset folder (sets dataset_path)")
    parser.add_argument("--device", help="cuda, cuda:1, cpu ... (default: cuda when available)")
    parser.add_argument("--output", help="where to save the SAE (default: the config's output_path)")
    parser.add_argument("--wandb", action="store_true", help="log to Weights & Biases")
    args = parser.parse_args()

    cfg_dict = json.loads(Path(args.config).read_text())
    if args.dataset:
        cfg_dict["dataset_path"] = args.dataset
    if args.output:
        cfg_dict["output_path"] = args.output
    cfg_dict["logger"]["log_to_wandb"] = bool(args.wandb)
    cfg_dict["seqpos_slice"] = tuple(cfg_dict["seqpos_slice"])

    import torch

    device = args.device or ("cuda" if torch.cuda.is_available() else "cpu")
    cfg_dict["device"] = device
    cfg_dict["sae"]["device"] = device

    override_dataset = None
    if args.text_files:
        override_dataset = text_dataset(args.text_files, args.sample_by)
    elif not cfg_dict["dataset_path"]:
        sys.exit("No dataset: pass --text-files with the run's text, or --dataset with a Hugging Face dataset id.")

    from sae_lens import LanguageModelSAERunnerConfig, LanguageModelSAETrainingRunner

    cfg = LanguageModelSAERunnerConfig.from_dict(cfg_dict)
    LanguageModelSAETrainingRunner(cfg, override_dataset=override_dataset).run()
    print(f"SAE saved to {cfg.output_path}: load cfg.json + sae_weights.safetensors into the lab")


if __name__ == "__main__":
    main()
`;
}
