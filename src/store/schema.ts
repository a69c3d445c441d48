// The activation store's IndexedDB schema. Versioned with an upgrade path; every record the app writes
// carries the app version, so later releases can migrate what older ones left behind.
import { type DBSchema, type IDBPDatabase, openDB } from 'idb';
import type { TlSettings } from '../core/tl-settings';
import type { HeldOutSplit } from '../corpus/held-out';

export const APP_VERSION = '0.1.0';
export const DB_NAME = 'sse-store';
export const DB_VERSION = 3; // 1: runs, windows, documents, shards, shardRows · 2: + saeTrainings · 3: + saes, featureStats

export type ActDtype = 'f32' | 'f16';

export interface CorpusFileInfo {
  name: string;
  size: number;
  sha256: string;
  documents: number;
}

export interface RejectionInfo {
  file: string;
  line?: number;
  reason: string;
}

export type RunStatus = 'tokenizing' | 'ready' | 'harvesting' | 'paused' | 'done' | 'cancelled' | 'error';

export interface RunManifest {
  id: string;
  name: string;
  appVersion: string;
  createdAt: number;
  updatedAt: number;
  modelId: string;
  hooks: { name: string; dim: number }[];
  dtype: ActDtype;
  contextLength: number;
  prependBos: true;
  skipBos: boolean; //          BOS positions are not stored (their activations are outliers)
  bosTokenId: number;
  files: CorpusFileInfo[];
  rejections: RejectionInfo[];
  documents: number;
  windows: number; //           complete + final partial
  windowChunks: number;
  windowsPerChunk: number;
  tokens: number; //            tokens in all windows, BOS included
  totalRows: number; //         rows the finished run will hold
  rowsPerShard: number;
  committedShards: number; //   shards 0 … committedShards−1 are complete; nothing else is trusted
  committedRows: number;
  status: RunStatus;
  error: string | null;
  /** The TransformerLens weight processing its activations follow (src/core/tl-settings.ts); absent: HF_RAW (runs before it was recorded). */
  tl?: TlSettings;
  /**
   * The held-out share of its documents (src/corpus/held-out.ts): their windows are stored and harvested like the
   * rest (they count in windows, tokens and totalRows) but never trained on. Absent: a run from before the split,
   * which has no held-out windows.
   */
  heldOut?: HeldOutSplit;
  heldOutWindows?: number; // windows of held-out documents (a part of `windows`)
  heldOutRows?: number; //    rows those windows hold (a part of `totalRows`)
  /** How documents became windows: the lab's (BOS-led, separator after each document) or SAELens'; absent: 'lab'. */
  packing?: 'lab' | 'saelens';
  /** The Hugging Face dataset the run was streamed from; absent for runs made from dropped files. */
  dataset?: RunDataset;
}

/** A run's dataset, as SAELens names it (dataset_path) plus where in it the run's documents came from. */
export interface RunDataset {
  repo: string; //                 dataset_path
  revision: string; //             as asked ("main")
  listedRevision: string; //       where the files were read: the revision, or refs/convert/parquet
  sha: string | null; //           the commit it resolved to
  config: string; //               '' when none was named
  split: string;
  column: string | null; //        null: chosen as SAELens does (tokens, input_ids, text, problem)
  pretokenized: boolean; //        rows were token ids, used as they are
  hubUrl: string;
  start: number; //                rows skipped before the first document
  maxDocuments: number | null;
  maxTokens: number | null;
  shuffleSeed: number | null; //   shard order shuffled with this seed
  files: string[]; //              the shard order read (paths in the repo)
  bytes: number; //                fetched over HTTP
  /** The stream's position after the last document in the run (continue from here for more). */
  cursor: { shard: number; row: number } | null;
  /** Set while a network failure has paused tokenizing: what resume needs to go on exactly where it stopped. */
  resume?: { packer: unknown; windows: unknown } | null;
}

/** A chunk of windows (tokens and where each came from), written once when the corpus is tokenized. */
export interface WindowChunk {
  runId: string;
  index: number;
  lengths: number[]; //      per window
  ids: Int32Array; //        concatenated windows
  doc: Int32Array; //        document of each token (−1 for BOS)
  offset: Int32Array; //     token offset in its document (−1 for BOS/separators)
  /** Per window: 1 when it holds held-out documents (a window is wholly one or the other). Absent: none is. */
  heldOut?: Uint8Array;
}

export interface DocumentRecord {
  runId: string;
  index: number;
  file: string;
  row: number; // row within a jsonl/csv file; 0 for txt/md
}

/** One hook's activations for one shard: [rows, dim] row-major, f32 or f16 bits. */
export interface ShardData {
  runId: string;
  hook: string;
  index: number;
  rows: number;
  data: Float32Array | Uint16Array;
}

/** Which token each row of a shard is: global window index, position in the window, token id. */
export interface ShardRows {
  runId: string;
  index: number;
  window: Uint32Array;
  position: Uint16Array;
  tokenId: Int32Array;
}

/** A training of an SAE on a run, checkpointed so a reload can resume it (state: params, Adam moments, step). */
export interface SaeTrainingRecord {
  id: string;
  appVersion: string;
  runId: string;
  hook: string;
  options: Record<string, unknown>; // the TrainOptions it was started with
  steps: number;
  step: number; //   steps taken at the last checkpoint
  /** Training time (paused time left out) to reach `step`, over all sessions; absent in checkpoints from before. */
  trainedMs?: number;
  inputScale: number;
  state: unknown; // SaeTrainState (typed arrays; structured-cloned by IndexedDB)
  done: boolean;
  updatedAt: number;
  /**
   * A stream training's SAE (src/worker/stream-jobs.ts; runId is its sample run's or ''): which stream, and the
   * training window holding the next untrained row at `step` (offset 0 at a checkpoint: windows before it are trained).
   */
  stream?: { streamId: string; window: number; windowOffset: number; sample?: { runId: string; shards: number; from: number } };
}

/** An SAE the dashboards and steering can use: trained here, or loaded from SAELens files or the Hub. */
export interface SaeRecord {
  id: string;
  appVersion: string;
  name: string;
  source:
    | { kind: 'trained'; trainingId: string }
    | { kind: 'files'; names: string[] }
    | { kind: 'hub'; repo: string; path: string }
    | { kind: 'catalogue'; release: string; saeId: string; repo: string; path: string; neuronpedia: string | null };
  cfg: Record<string, unknown>; //  SaeConfig (src/sae/sae.ts): takes raw activations, normalize_activations 'none' or 'layer_norm' (run time)
  weights: Record<string, Float32Array | Blob>; // SaeWeights, each tensor a Blob of float32 (Float32Array in older records)
  createdAt: number;
  /** The last faithfulness evaluation (src/worker/eval-jobs.ts SaeEvalSummary), if any. */
  evals?: Record<string, unknown>;
}

/** A feature statistics pass of an SAE over a run (src/analysis/feature-stats.ts FeatureStats), one per SAE. */
export interface FeatureStatsRecord {
  saeId: string;
  appVersion: string;
  runId: string;
  hook: string;
  stats: unknown; //          FeatureStats (typed arrays)
  topTokens: Int32Array; //   [d_sae, N] token id of each top example row (−1 for an empty slot)
  /** The run's model's token strings by id, so pages show text without loading the model (null: not known). */
  vocab: string[] | null;
  /** The same tokens' bytes, one char per byte (latin1), so pieces of split characters decode (absent in older records). */
  vocabBytes?: string[] | null;
  seconds: number;
  device: 'gpu' | 'cpu';
  createdAt: number;
  /** An SAE's feature tables (src/analysis/feature-tables.ts FeatureTables): nearest by cosine, correlations. Absent in older records and for neurons. */
  tables?: unknown;
  /** The SAE's 2-D map of decoder directions (src/analysis/feature-map.ts FeatureMap), once computed. */
  map?: unknown;
}

export interface StoreSchema extends DBSchema {
  runs: { key: string; value: RunManifest };
  windows: { key: [string, number]; value: WindowChunk };
  documents: { key: [string, number]; value: DocumentRecord };
  shards: { key: [string, string, number]; value: ShardData };
  shardRows: { key: [string, number]; value: ShardRows };
  saeTrainings: { key: string; value: SaeTrainingRecord };
  saes: { key: string; value: SaeRecord };
  featureStats: { key: string; value: FeatureStatsRecord };
}

export type StoreDb = IDBPDatabase<StoreSchema>;

export function openStore(name = DB_NAME): Promise<StoreDb> {
  return openDB<StoreSchema>(name, DB_VERSION, {
    upgrade(db, oldVersion) {
      if (oldVersion < 1) {
        db.createObjectStore('runs', { keyPath: 'id' });
        db.createObjectStore('windows', { keyPath: ['runId', 'index'] });
        db.createObjectStore('documents', { keyPath: ['runId', 'index'] });
        db.createObjectStore('shards', { keyPath: ['runId', 'hook', 'index'] });
        db.createObjectStore('shardRows', { keyPath: ['runId', 'index'] });
      }
      if (oldVersion < 2) db.createObjectStore('saeTrainings', { keyPath: 'id' });
      if (oldVersion < 3) {
        db.createObjectStore('saes', { keyPath: 'id' });
        db.createObjectStore('featureStats', { keyPath: 'saeId' });
      }
      // Later versions add their migrations here, keyed on oldVersion.
    },
  });
}

/** Key range covering every record of one run in a store keyed [runId, …]. */
export function runRange(runId: string): IDBKeyRange {
  return IDBKeyRange.bound([runId], [runId, []]);
}
