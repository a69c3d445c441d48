// The typed message protocol between the page and the model worker (web-llm style):
// every request carries an id; the worker answers with `progress` messages, then one `return` or `throw`.
import type { TlSettings } from '../core/tl-settings';
import type { DatasetRunSpec } from '../store/dataset-run';
import type { Example } from '../analysis/contexts';
import type { FaithfulnessSummary, SaeInfo } from '../analysis/sae-registry';
import type { AttributionTerm } from '../analysis/attribution/attribute';
import type { InterventionUnit } from '../analysis/attribution/intervene';
import type { UnitLoading } from '../analysis/neurons';
import type { Gpt2Config } from '../core/config';
import type { SampleOptions } from '../model/generate';
import type { FeatureSteer } from '../model/steering';
import type { ForwardResult, ModelTimings, SteerSpec } from '../model/gpt2';
import type { Backend, BackendStatus } from '../model/runtime';
import type { LoadProgress } from '../model/sources';
import type { DensityHistogram } from '../sae/train/density';
import type { SaeLensTrainingExport } from '../sae/saelens-export';
import type { HarvestProgress } from '../store/harvest';
import type { HeldOutFigures } from '../analysis/held-out-evals';
import type { RowContext } from '../store/reader';
import type { ActDtype, RunManifest } from '../store/schema';
import type { TokenizeProgress } from '../store/tokenize';
import type { ToyConfig } from '../analysis/toy/toy-model';
import type { TokenPrediction } from '../analysis/top-tokens';
export type { TokenPrediction };
import type { ToySaeResult } from '../analysis/toy/toy-sae';
import type { HeadScores } from '../analysis/attention';
import type { UnitSearch } from '../analysis/token-search';
import type { Join } from '../model/token-text';
export type { Join, UnitSearch };
import type { PromptCut } from '../core/context-window';
export type { PromptCut };

export type ModelSource =
  | { kind: 'url'; id: string; baseUrl: string } //                     the embedded default, or any folder URL
  | { kind: 'hub'; repo: string; hubUrl: string; revision?: string } // Hugging Face Hub layout
  | { kind: 'files'; files: File[] }; //                               dropped or picked

export interface LoadOptions {
  backend: Backend;
  hooks: string[]; //          hook outputs to expose
  steerAt: string | null; //   hook with a steering input
}

export interface ModelInfo {
  id: string;
  cfg: Gpt2Config;
  parameters: number | null; // unknown for a pre-built .onnx
  status: BackendStatus;
  timings: ModelTimings;
  hooks: string[]; //          exposed hook outputs
  allHooks: string[]; //       every hook point of this model, in order
  steerAt: string | null;
}


export interface Prediction {
  ids: number[]; //      what the model saw: BOS (when asked for) and the prompt's last tokens
  tokens: string[]; //      display text of each token (src/model/token-text.ts: characters split over tokens joined)
  joins: Join[]; //         per token, whether it shares a character with its neighbours
  /** Set when the prompt was longer than the context window: what was kept and cut. */
  cut: PromptCut | null;
  top: TokenPrediction[]; // next-token predictions after the last position, most likely first
}

/**
 * Where a run's documents come from: dropped files, a URL (the sample), or a Hugging Face dataset streamed by id
 * (src/store/dataset-run.ts). `token` opens a gated/private dataset for this call only; the engine never stores it.
 */
export type CorpusSource =
  | { kind: 'files'; files: File[] }
  | { kind: 'url'; url: string; name: string }
  | { kind: 'dataset'; dataset: DatasetRunSpec; token?: string };

export interface RunOptions {
  name?: string;
  hooks: string[]; //          TransformerLens names, harvested in one pass
  dtype: ActDtype;
  contextLength: number; //    default 128, BOS included
  skipBos: boolean;
  jsonlField: string;
  csvColumn: string;
  rowsPerShard?: number;
  /** TransformerLens weight processing of the stored activations (default SAELens' defaults). */
  tl?: TlSettings;
  /** Share of documents held out from training, in [0, 0.5] (src/corpus/held-out.ts); absent or 0: none. */
  heldOutShare?: number;
  /** Seeds which documents are held out (default 0). */
  heldOutSeed?: number;
}

export interface StorageCheck {
  ok: boolean;
  available: number | null;
  persisted: boolean;
  message: string | null;
}

export interface RunSummary {
  run: RunManifest;
  bytes: number; //    committed bytes on disk (estimate)
  active: boolean; //  being harvested by this engine now
}

export type RowContextView = RowContext & { tokens: string[] | null }; // display texts

/** Where an SAE for the dashboards comes from. */
export type SaeSource =
  | { kind: 'training'; trainingId: string }
  | { kind: 'files'; name: string; cfgJson: string; weights: Uint8Array }
  | { kind: 'hub'; repo: string; path: string; hubUrl?: string }
  /** A published GPT-2 SAE by SAELens release id and sae_id (src/sae/catalogue.ts). */
  | { kind: 'catalogue'; release: string; saeId: string; hubUrl?: string };

export type { Example, FaithfulnessSummary, SaeInfo, UnitLoading };

export interface FeatureStatsProgress {
  pass: number; //  1: counts, maxima, top rows · 2: histograms, band samples
  passes: number;
  rows: number;
  totalRows: number;
}

/** Per-feature columns for the feature browser. */
export interface FeatureTable {
  saeId: string;
  runId: string;
  rows: number;
  count: Uint32Array; //  [d_sae] rows where the feature fired
  maxAct: Float32Array;
  meanAct: Float32Array; // over the rows where it fired
  topToken: string[]; //  the token of each feature's best example ('' for a dead feature)
}

export interface FeaturePageData {
  saeId: string;
  saeName: string;
  /** The same feature on Neuronpedia, for a catalogued SAE that has dashboards there. */
  neuronpediaUrl: string | null;
  feature: number;
  dSae: number;
  hook: string;
  runId: string;
  rows: number;
  count: number;
  maxAct: number;
  meanAct: number;
  /** Activation histogram over (0, maxAct] in equal bins. */
  hist: number[];
  top: Example[];
  /** Activation intervals, highest first, each with uniformly sampled examples. */
  bands: { lo: number; hi: number; count: number | null; examples: Example[] }[];
  logits: { positive: { id: number; token: string; value: number }[]; negative: { id: number; token: string; value: number }[] } | null;
  /** Why there is no logit table. */
  logitsNote: string | null;
  /** The units of the SAE's hook its decoder row loads most on (largest |W_dec[f, i]|): the neurons it is made of. */
  neurons: UnitLoading[];
  /** SAEDashboard's feature tables, from the statistics pass; null for statistics computed before them (tablesNote says). */
  tables: FeatureTablesView | null;
  tablesNote: string | null;
}

/** One row of a feature table: a unit or feature index and its Pearson r or cosine. */
export interface TableEntry {
  index: number;
  value: number;
}

export interface FeatureTablesView {
  /** Largest Pearson r between the feature's activation and a unit of its hook, over the stored rows. */
  correlatedNeurons: TableEntry[];
  /** Largest Pearson r with another feature, among the candidates (nearest by cosine, shared top examples). */
  correlatedFeatures: TableEntry[];
  /** Largest cosine of decoder rows / of encoder columns with another feature (exact over all features). */
  nearestDecoder: TableEntry[];
  nearestEncoder: TableEntry[];
  rows: number;
  candidates: number;
}

/** The SAE's 2-D map of decoder directions (UMAP) and what colours it: each feature's firing count over the rows. */
export interface SaeMapData {
  saeId: string;
  dSae: number;
  x: Float32Array; // [d_sae]
  y: Float32Array; // [d_sae]
  count: Uint32Array; // [d_sae]
  rows: number;
  seconds: number;
}

/** A stored hook's raw units (MLP neurons, residual dimensions) as the neuron browser lists them. */
export interface NeuronTable extends Omit<FeatureTable, 'saeId'> {
  hook: string;
  seconds: number;
}

/** A neuron's page: the feature page's figures for one raw unit, and the features that load most on it. */
export interface NeuronPageData extends Omit<FeaturePageData, 'saeId' | 'saeName' | 'neuronpediaUrl' | 'feature' | 'dSae' | 'neurons' | 'tables' | 'tablesNote'> {
  neuron: number;
  dim: number;
  /** What the logit table reads the unit through (its output weight row, or a basis vector). */
  logitsVia: string | null;
  /** An SAE of this hook and its features with the largest |W_dec[f, neuron]|. */
  features: { saeId: string; saeName: string; loadings: UnitLoading[] } | null;
  featuresNote: string | null;
}

export interface InspectResult {
  saeId: string;
  /** Set when the text was longer than the context window (BOS + its last tokens were inspected). */
  cut: PromptCut | null;
  tokens: { id: number; text: string; join: Join; features: { feature: number; act: number }[] }[];
}

/** Attribution of the prediction after a prompt to an SAE's features and the model's MLP neurons (last position). */
export interface AttributionRequest {
  saeId: string;
  prompt: string; //                     BOS is prepended
  target?: number | string | null; //   a token id, a text of one token, or null: the model's top prediction
  topK?: number; //                      rows per table: the top k by |DLA| and the top k by |a×g| (default 20)
  device?: 'gpu' | 'cpu' | 'auto'; //   the per-feature pass; 'auto': the GPU unless the adapter is software
}

/** One unit's attribution: its activation at the last position, direct logit attribution, activation × gradient. */
export interface AttributionRow {
  index: number; // feature index, or layer · d_mlp + neuron
  act: number;
  dla: number;
  grad: number;
}

export interface AttributionView {
  saeId: string;
  saeName: string;
  hook: string;
  ids: number[];
  tokens: string[]; //         display texts (BOS first)
  prompt: string;
  /** Set when the prompt was longer than the context window (BOS + its last tokens were attributed). */
  cut: PromptCut | null;
  target: { id: number; token: string };
  predictions: TokenPrediction[];
  /** Per layer, a run of this model that stores blocks.{l}.mlp.hook_post (its neuron pages live there), or null. */
  neuronRuns: (string | null)[];
  logit: number; //            the model's
  recomputedLogit: number; //  the float64 forward the gradients come from
  dlaSum: number; //           Σ of every term's DLA: equals logit (completeness)
  sigma: number;
  terms: AttributionTerm[];
  activeFeatures: number;
  features: AttributionRow[];
  neurons: (AttributionRow & { layer: number; neuron: number })[];
  device: 'gpu' | 'cpu';
  ms: { forward: number; gradient: number; features: number; neurons: number };
}

export interface InterventionRequest {
  saeId: string;
  prompt: string;
  target: number;
  unit: InterventionUnit;
  mode: 'ablate' | 'scale' | 'add';
  value?: number; // 'scale': the factor (2 doubles the unit at each position); 'add': activation units
  positions: 'last' | 'all';
}

export interface InterventionView {
  target: number;
  before: number;
  after: number;
  activation: number; // the unit's clean activation at the last position
  predictionsBefore: TokenPrediction[];
  predictionsAfter: TokenPrediction[];
}

/** One generation: the prompt's continuation, optionally steered with SAE features at the SAE's hook. */
export interface GenerateRequest {
  prompt: string;
  sampling: SampleOptions;
  maxTokens: number;
  /** null: no steering (the same model, its steer input at zero). */
  steering: { saeId: string; steers: FeatureSteer[] } | null;
  /** The SAE whose hook the model steers at even when `steering` is null (so clean and steered runs share a model). */
  saeId: string | null;
}

export interface GenerateResult {
  ids: number[];
  tokens: string[]; //  display texts of the continuation's tokens
  text: string; //      the continuation as decoded
  /** Set when the prompt did not fit beside the new tokens: BOS and its last tokens were kept. */
  cut: PromptCut | null;
  /** Set when more new tokens were asked for than the context holds. */
  clamped: { asked: number; max: number } | null;
  /** A newer request (or cancelGenerate) stopped this one. */
  cancelled: boolean;
}

export interface TrainOptions {
  runId: string;
  hook: string;
  expansion: number; // d_sae = expansion · d_in
  /**
   * 'topk' (default): k per token · 'batchtopk': k per token on average over a batch (saved as jumprelu) ·
   * 'standard': ReLU with a decoder-norm-weighted L1 penalty of `l1Coefficient` (k unused) ·
   * 'jumprelu': per-latent thresholds and an L0 penalty (the jumprelu* fields; k unused; the CPU path only, for now).
   */
  architecture?: 'topk' | 'batchtopk' | 'standard' | 'jumprelu';
  k: number;
  l1Coefficient?: number;
  /** jumprelu (SAELens' JumpReLUTrainingSAEConfig names): l0_coefficient λ (default 1), warmed up over 5% of steps. */
  l0Coefficient?: number;
  jumpreluBandwidth?: number; //                        jumprelu_bandwidth ε (default 0.05)
  jumpreluInitThreshold?: number; //                    jumprelu_init_threshold θ₀ (default 0.01)
  jumpreluSparsityLossMode?: 'step' | 'tanh'; //        jumprelu_sparsity_loss_mode (default 'step')
  jumpreluTanhScale?: number; //                        jumprelu_tanh_scale (default 4)
  preActLossCoefficient?: number; //                    pre_act_loss_coefficient (default 0: off)
  /** 'direct' (default: θ trained as is, later SAELens) or 'log' (log θ, SAELens 6.18.0 and the paper). */
  jumpreluThresholdParam?: 'log' | 'direct';
  steps: number;
  batchSize: number;
  lr: number;
  seed: number;
  device: 'gpu' | 'cpu'; // WGSL kernels, or the CPU (the fast CPU step for topk/batchtopk, the twins for standard)
  checkpointEvery?: number; // steps between IndexedDB checkpoints (default 200)
  resumeFrom?: string; //     a checkpointed training's id: continue it (its own options win)
}

export interface TrainingInfo {
  id: string;
  runId: string;
  hook: string;
  step: number;
  steps: number;
  done: boolean;
  updatedAt: number;
  bytes: number; // the checkpoint's size in IndexedDB (its typed arrays)
  /** The settings it was started with (the form reopens with them when it resumes). */
  options: Omit<TrainOptions, 'device' | 'resumeFrom'>;
}

export interface TrainProgress {
  step: number;
  steps: number;
  lr: number;
  loss: number;
  fvu: number;
  auxLoss: number;
  deadFraction: number;
  l0: number;
  /** Training time of this session so far, without the time spent paused. */
  elapsedMs: number;
  /** The step this session started at (the checkpoint's when resumed, else 0). */
  startStep: number;
  batchSize: number;
  /** This session's steps × batch over its time (null before its first step). */
  tokensPerSecond: number | null;
  /** The steps left at this session's pace. */
  etaSeconds: number | null;
}

export interface TrainSummary {
  trainingId: string;
  runId: string;
  hook: string;
  architecture: 'topk' | 'batchtopk' | 'standard' | 'jumprelu';
  dIn: number;
  dSae: number;
  k: number;
  l1Coefficient: number | null; // standard only
  l0Coefficient?: number | null; // jumprelu only
  /** The model whose activations the run holds. */
  modelId: string;
  batchSize: number;
  /** All steps trained, from step 0, over every session (a resumed training counts its checkpoint's steps). */
  steps: number;
  tokens: number; // steps × batch
  /** The checkpoint step this session resumed from; null when the training ran in one session. */
  resumedAt: number | null;
  sessionSteps: number;
  sessionSeconds: number;
  aborted: boolean;
  finalFvu: number | null;
  inputScale: number;
  device: 'gpu' | 'cpu';
  /** Training time over all sessions (paused time left out); null when an older checkpoint did not record its share. */
  seconds: number | null;
  /** Faithfulness on the first windows of the training run (not held out); null when it could not run (see evalsSkipped). */
  evals: FaithfulnessSummary | null;
  /** Why the faithfulness eval did not run (no model, another model, it failed), saying what to do; null when it ran. */
  evalsSkipped: string | null;
  /** Held-out figures of the final SAE (src/analysis/held-out-evals.ts); null when the run has none (see heldOutNote). */
  heldOut: HeldOutFigures | null;
  /** What the held-out figures are on, or why there are none (a run without a held-out share, no model for CE/KL). */
  heldOutNote: string | null;
}

/** A corpus file as a stream training names it (src/stream/stream-train.ts): resumed only from the same bytes. */
export interface StreamCorpusFile {
  name: string;
  size: number;
  sha256: string;
}

/**
 * A stream training (src/stream/): SAEs on activations from the loaded model's forward over dropped corpus files,
 * one SAE per hook from one forward, for a budget of training tokens; nothing stored but checkpoints (and, with
 * sampleEvery > 0, every n-th training window as an ordinary run).
 */
export interface StreamTrainRequest {
  /** The corpus (read as streams, never whole). On resume: the same files again (checked by SHA-256). */
  files: File[];
  hooks: string[];
  expansion: number;
  architecture?: 'topk' | 'batchtopk';
  k: number;
  /** Training tokens (rows) per SAE: steps = ⌊tokens / batchSize⌋. */
  tokens: number;
  batchSize: number;
  lr: number;
  seed: number;
  contextLength: number;
  /** Share of documents held out (never trained on), in [0, 0.5]; default 0.02. */
  heldOutShare: number;
  /** Keep every n-th training window (and its activations) as an ordinary run; 0: keep nothing. */
  sampleEvery: number;
  device: 'gpu' | 'cpu';
  checkpointEvery?: number; // steps (rounded up to whole mixing blocks, so a checkpoint ends on a window boundary)
  forwardBatch?: number; //    windows per forward (default 8)
  jsonlField?: string;
  csvColumn?: string;
  /** A stream training's id: continue it (its own settings win; `files` must be its corpus). */
  resumeFrom?: string;
}

export interface StreamHookProgress {
  hook: string;
  loss: number;
  fvu: number;
  l0: number;
  deadFraction: number;
}

export interface StreamTrainProgress {
  step: number;
  steps: number;
  lr: number;
  hooks: StreamHookProgress[];
  /** Training tokens per SAE so far (all sessions): step · batch. */
  tokens: number;
  tokensTotal: number;
  /** Training windows wholly trained (at a checkpoint's window boundary: exactly the windows before the next row). */
  window: number;
  /** Tokens run through the model this session, per second of forward time; training rows per second of step time; end to end. */
  forwardTokensPerSecond: number | null;
  trainTokensPerSecond: number | null;
  tokensPerSecond: number | null;
  etaSeconds: number | null;
  startStep: number;
  /** Held-out windows met so far (kept for the held-out evaluations, not trained on). */
  heldOutWindows: number;
  /** The step of the last checkpoint written (null before the first). */
  checkpointStep: number | null;
}

export interface StreamTrainSummary {
  streamId: string;
  /** One stored training per hook (its SAE: saeFiles / addSae { kind: 'trained' }). */
  trainings: { hook: string; trainingId: string; finalFvu: number | null }[];
  modelId: string;
  steps: number;
  tokens: number;
  window: number;
  resumedAt: number | null;
  aborted: boolean;
  forwardTokens: number;
  forwardTokensPerSecond: number | null;
  trainTokensPerSecond: number | null;
  heldOutWindows: number;
  /** The run holding every n-th window, when sampleEvery > 0. */
  sampleRunId: string | null;
  device: 'gpu' | 'cpu';
}

export interface StreamTrainingInfo {
  streamId: string;
  hooks: string[];
  step: number;
  steps: number;
  done: boolean;
  window: number;
  updatedAt: number;
  corpus: StreamCorpusFile[];
  modelId: string;
  /** The settings it was started with (the form reopens with them when it resumes). */
  options: Omit<StreamTrainRequest, 'files' | 'device' | 'resumeFrom'>;
}

/** The toy model of superposition (src/analysis/toy/): on the WGSL kernels ('gpu', the CPU twin without WebGPU) or the twin. */
export type ToyRequest = ToyConfig & { device: 'gpu' | 'cpu'; snapshotEvery?: number };

export interface ToySummary {
  W: Float32Array; // [m, n]
  b: Float32Array; // [n]
  steps: number; // trained (fewer than asked when cancelled)
  finalLoss: number | null;
  aborted: boolean;
  device: 'gpu' | 'cpu';
  seconds: number;
  note: string | null; // why it ran on the CPU twin when the GPU was asked for
}

/** An SAE on a toy model's hidden layer; 'auto': the GPU unless the adapter is a software one. */
export interface ToySaeRequest {
  W: Float32Array; // [m, n]
  n: number;
  m: number;
  sparsity: number;
  dSae: number;
  k: number;
  steps: number;
  batch: number;
  lr: number;
  seed: number;
  device: 'gpu' | 'cpu' | 'auto';
}

export type ToySaeSummary = ToySaeResult & { seconds: number; note: string | null };

export type ToyProgress = { stage: 'model'; step: number; steps: number; loss: number; W: Float32Array } | { stage: 'sae'; step: number; steps: number; fvu: number };

/** The attention view of a prompt, or of BOS + r + r (the repeated-random-tokens induction test) when `repeated` is set. */
export interface AttentionRequest {
  prompt: string;
  prependBos: boolean;
  /** Instead of the prompt: BOS, then `length` seeded random tokens r, then r again. */
  repeated?: { length: number; seed: number } | null;
}

export interface AttentionView {
  prompt: string; //           '' for the repeated sequence
  ids: number[]; //            the T positions shown (BOS first when prepended)
  tokens: string[]; //         display texts ('' for a token whose character a later one completes)
  nLayer: number;
  nHead: number;
  /** Per layer, blocks.L.attn.hook_pattern of the sequence: [head, query, key], T×T per head. */
  patterns: Float32Array[];
  /** Per head, layer-major (layer·nHead + head): previous-token, BOS and induction scores (src/analysis/attention.ts). */
  scores: HeadScores[];
  /** The repeated test's per-head score (layer-major), when the request asked for it. */
  repeated: { length: number; seed: number; scores: number[] } | null;
  /** The sequence had more tokens than the view keeps (the first `kept`: the model's context, at most 256). */
  truncated: { tokens: number; kept: number } | null;
}

/** Which heads write an SAE feature: its top examples' rows of the run its statistics came from. */
export interface HeadWritesRequest {
  saeId: string;
  feature: number;
  runId: string;
  rows: number[];
}

export interface HeadWritesView {
  saeId: string;
  feature: number;
  hook: string;
  /** The layers whose heads feed the SAE's hook, ascending. */
  layers: number[];
  nHead: number;
  examples: number;
  /** [layers.length · nHead]: mean over the examples of z[pos, h] · W_O[h] · W_enc[:, f]. */
  mean: number[];
  /** The TransformerLens settings the writes were computed under (the SAE's). */
  tl: string;
}

/** Method name → [argument, result]. The engine and the worker client both implement this. */
export interface EngineApi {
  load: [{ source: ModelSource; options: LoadOptions }, ModelInfo];
  predict: [{ text: string; topK: number; prependBos: boolean }, Prediction];
  forward: [{ ids: number[][]; steer?: SteerSpec }, ForwardResult];
  tokenize: [{ text: string }, { ids: number[]; tokens: string[] }]; // tokens: display texts
  unload: [Record<string, never>, null];
  createRun: [{ source: CorpusSource; options: RunOptions }, { run: RunManifest; storage: StorageCheck }];
  /** Harvests (or resumes) a run; a dataset run paused while tokenizing first streams the rest (token: a gated dataset's). */
  harvest: [{ runId: string; batchSize?: number; token?: string }, RunManifest];
  pauseHarvest: [{ runId: string }, null];
  cancelHarvest: [{ runId: string }, RunManifest];
  listRuns: [Record<string, never>, RunSummary[]];
  deleteRun: [{ runId: string }, null];
  rowContext: [{ runId: string; row: number }, RowContextView];
  trainSae: [TrainOptions, TrainSummary];
  stopTraining: [Record<string, never>, null];
  /** Holds the training between steps (true) or lets it go on (false); the GPU state stays where it is. */
  pauseTraining: [{ paused: boolean }, null];
  saeFiles: [{ trainingId?: string }, { 'cfg.json': string; 'sae_weights.safetensors': Uint8Array }];
  /** A training's recipe as a SAELens training config (saelens_config.json) and train_sae.py (src/sae/saelens-export.ts). */
  saeLensExport: [{ trainingId?: string }, SaeLensTrainingExport];
  listTrainings: [Record<string, never>, TrainingInfo[]];
  /** A training's faithfulness eval on the first windows of its run (the one its summary could not run); progress as 'evaluate'. */
  evaluateTraining: [{ trainingId: string }, FaithfulnessSummary];
  deleteTraining: [{ trainingId: string }, null];
  /** Trains SAEs on activations streamed from the model's forward over corpus files; progress as 'stream'. */
  streamTrain: [StreamTrainRequest, StreamTrainSummary];
  stopStreamTraining: [Record<string, never>, null];
  pauseStreamTraining: [{ paused: boolean }, null];
  listStreamTrainings: [Record<string, never>, StreamTrainingInfo[]];
  deleteStreamTraining: [{ streamId: string }, null];
  addSae: [{ source: SaeSource }, SaeInfo];
  listSaes: [Record<string, never>, SaeInfo[]];
  deleteSae: [{ saeId: string }, null];
  featureStats: [{ saeId: string; runId: string; device: 'gpu' | 'cpu'; topN?: number }, SaeInfo];
  cancelFeatureStats: [Record<string, never>, null];
  featureTable: [{ saeId: string }, FeatureTable];
  searchFeatures: [{ saeId: string; query: string }, UnitSearch];
  featurePage: [{ saeId: string; feature: number; radius?: number }, FeaturePageData];
  /** The SAE's UMAP map of decoder directions: computed once (in the worker) after its statistics pass, then saved. */
  saeMap: [{ saeId: string }, SaeMapData];
  inspectText: [{ saeId: string; text: string; topK?: number }, InspectResult];
  /** The statistics pass over a run's raw units of `hook` (cancelled by cancelFeatureStats); progress as 'features'. */
  neuronStats: [{ runId: string; hook: string; topN?: number }, NeuronTable];
  /** null: no neuron statistics for this run and hook yet. */
  neuronTable: [{ runId: string; hook: string }, NeuronTable | null];
  searchNeurons: [{ runId: string; hook: string; query: string }, UnitSearch];
  /** saeId: the SAE whose loadings to show (default: the first registered SAE of this hook). */
  neuronPage: [{ runId: string; hook: string; neuron: number; radius?: number; saeId?: string }, NeuronPageData];
  /** Ranks features and neurons by their contribution to a target logit (DLA with completeness, activation × gradient). */
  attribute: [AttributionRequest, AttributionView];
  /** Ablates or adds one feature or neuron and reruns the prompt: the target logit before and after. */
  intervene: [InterventionRequest, InterventionView];
  /** Streams tokens as progress; a newer generate call cancels one still running. */
  generate: [GenerateRequest, GenerateResult];
  /** CE loss recovered, KL, FVU and L0 of an SAE on the first windows of a run; saved with the SAE. */
  evaluateSae: [{ saeId: string; runId: string; windows?: number }, SaeInfo];
  cancelGenerate: [Record<string, never>, null];
  /** Trains the toy model of superposition; snapshots of W stream as 'toy' progress. */
  trainToy: [ToyRequest, ToySummary];
  /** Trains an SAE on a toy model's hidden layer and matches its decoder rows to the true feature directions. */
  toySae: [ToySaeRequest, ToySaeSummary];
  /** Stops the toy model's (or its SAE's) training after the current step. */
  cancelToy: [Record<string, never>, null];
  /** Every layer × head attention pattern of a prompt and per-head scores. */
  attention: [AttentionRequest, AttentionView];
  /** Per (layer, head), the mean write along an SAE feature's encoder direction at its top examples. */
  featureHeadWrites: [HeadWritesRequest, HeadWritesView];
}

export type Method = keyof EngineApi;
export type Args<M extends Method> = EngineApi[M][0];
export type Result<M extends Method> = EngineApi[M][1];

export type ProgressEvent =
  | { phase: 'download'; detail: LoadProgress }
  | { phase: 'build' | 'session' | 'ready'; message: string }
  | { phase: 'tokenize'; detail: TokenizeProgress }
  | { phase: 'harvest'; detail: HarvestProgress }
  /** A shard committed: the run as stored now (its committed rows and bytes). */
  | { phase: 'shard'; detail: RunSummary }
  | { phase: 'train'; detail: TrainProgress }
  | { phase: 'stream'; detail: StreamTrainProgress }
  | { phase: 'density'; detail: DensityHistogram }
  /** Held-out figures of the SAE as trained so far (at checkpoints, and at the end). */
  | { phase: 'heldout'; detail: HeldOutFigures }
  | { phase: 'features'; detail: FeatureStatsProgress }
  /** token: the new token shown alone; text: the whole continuation so far as display text (a character still incomplete held back). */
  | { phase: 'generate'; detail: { index: number; id: number; token: string; text: string } }
  | { phase: 'evaluate'; detail: { done: number; total: number } }
  | { phase: 'toy'; detail: ToyProgress };

export interface WorkerRequest<M extends Method = Method> {
  id: number;
  method: M;
  args: Args<M>;
}

export type WorkerResponse =
  | { id: number; kind: 'return'; value: unknown }
  /** detail: what a named error carries for the page to show (e.g. EmptyCorpusError's rejections). */
  | { id: number; kind: 'throw'; error: { name: string; message: string; detail?: unknown } }
  | { id: number; kind: 'progress'; progress: ProgressEvent };

export type ProgressFn = (p: ProgressEvent) => void;

/** What the UI talks to: a worker client in the app, the in-thread engine in tests and Node. */
export interface Engine {
  call<M extends Method>(method: M, args: Args<M>, onProgress?: ProgressFn): Promise<Result<M>>;
}
