// Activation-store work inside the engine: make a run from a corpus (tokenize into windows), harvest
// it with a model that exposes the run's hooks, pause/cancel, list, delete, and look rows up.
import { SAELENS_DEFAULTS, type TlSettings } from '../core/tl-settings';
import { LabError, describeError } from '../core/errors';
import { hookDim } from '../core/hooks';
import type { Gpt2Config } from '../core/config';
import type { Gpt2Model } from '../model/gpt2';
import type { Gpt2Tokenizer } from '../model/tokenizer';
import { tokenPieces } from '../model/token-text';
import { hashFile, readCorpus } from '../corpus';
import { type HarvestProgress, harvestRun } from '../store/harvest';
import { RunReader } from '../store/reader';
import { checkStorage, committedBytes, createRun, deleteRun, estimateRunBytes, getRun, listRuns, runTl, saveManifest } from '../store/runs';
import { type RunManifest, type StoreDb, openStore } from '../store/schema';
import { type TokenizeProgress, tokenizeIntoRun } from '../store/tokenize';
import { DEFAULT_HUB_URL, resolveDataset } from '../corpus/hub-dataset';
import { DatasetPausedError } from '../corpus/hub-http';
import { datasetRecord, reresolve, tokenizeFromDataset } from '../store/dataset-run';
import type { CorpusSource, RunOptions, RunSummary, RowContextView, StorageCheck } from './protocol';

export class HarvestBusyError extends LabError {}

export interface ModelAccess {
  id: string;
  cfg: Gpt2Config;
  tokenizer: Gpt2Tokenizer;
  /** A model exposing exactly these hooks under these TransformerLens settings (built on demand, cached). */
  harvestModel(hooks: string[], tl?: TlSettings): Promise<Gpt2Model>;
}

export class StoreJobs {
  private dbPromise: Promise<StoreDb> | null = null;
  private running = new Map<string, { control: AbortController; done: Promise<unknown> }>();
  /** Harvests that failed in this session whose manifest could not record the error (a full quota). */
  private failed = new Map<string, string>();

  db(): Promise<StoreDb> {
    this.dbPromise ??= openStore();
    return this.dbPromise;
  }

  async createRun(
    model: ModelAccess,
    source: CorpusSource,
    options: RunOptions,
    onProgress: (p: TokenizeProgress) => void,
  ): Promise<{ run: RunManifest; storage: StorageCheck }> {
    const db = await this.db();
    if (source.kind === 'dataset') return this.createDatasetRun(db, model, source, options, onProgress);
    const files = source.kind === 'files' ? source.files : [await fetchAsFile(source.url, source.name)];
    const run = await createRun(db, {
      name: options.name || files.map((f) => f.name).join(', ').slice(0, 80),
      ...runFields(model, options),
    });
    for (const f of files) run.files.push({ name: f.name, size: f.size, sha256: await hashFile(f), documents: 0 });
    // A column written as digits is an index ("0"); anything else names a header.
    const csvColumn = /^\d+$/.test(options.csvColumn) ? Number(options.csvColumn) : options.csvColumn;
    const pieces = readCorpus(files, { jsonlField: options.jsonlField, csvColumn });
    try {
      await tokenizeIntoRun(db, run, pieces, model.tokenizer, { separatorTokenId: model.cfg.eosTokenId, onProgress });
    } catch (err) {
      // A run cut off while tokenizing cannot be harvested (its windows are incomplete), and one with no usable
      // file has nothing to harvest: neither is kept, so the runs table never lists an empty "0 / 0 · done" run.
      await deleteRun(db, run.id).catch(() => undefined);
      throw err;
    }
    const storage = await checkStorage(estimateRunBytes(run));
    return { run, storage };
  }

  /**
   * A run streamed from a Hugging Face dataset, packed as SAELens packs it. A network failure past the retries
   * keeps the run, paused with its cursor (harvest resumes the stream first); any other failure deletes it.
   */
  private async createDatasetRun(
    db: StoreDb,
    model: ModelAccess,
    source: Extract<CorpusSource, { kind: 'dataset' }>,
    options: RunOptions,
    onProgress: (p: TokenizeProgress) => void,
  ): Promise<{ run: RunManifest; storage: StorageCheck }> {
    const spec = source.dataset;
    const hubUrl = spec.hubUrl ?? DEFAULT_HUB_URL;
    const ds = await resolveDataset(spec, { hubUrl, token: source.token });
    const run = await createRun(db, {
      name: options.name || `${ds.ref.repo}${ds.ref.config ? `/${ds.ref.config}` : ''}:${ds.ref.split}`.slice(0, 80),
      // With a held-out share, the training windows are SAELens' packing of the documents left (share 0: exactly SAELens').
      ...runFields(model, options),
    });
    run.packing = 'saelens';
    run.dataset = datasetRecord(ds, spec, hubUrl);
    try {
      // SAELens' default sequence_separator_token is "bos"; GPT-2's bos and eos are the same id.
      await tokenizeFromDataset(db, run, ds, model.tokenizer, { separatorTokenId: model.cfg.bosTokenId, token: source.token, onProgress });
    } catch (err) {
      if (!(err instanceof DatasetPausedError)) await deleteRun(db, run.id).catch(() => undefined);
      throw err;
    }
    return { run, storage: await checkStorage(estimateRunBytes(run)) };
  }

  /** Streams the rest of a dataset run that a network failure paused (after a reload too: the record has the cursor). */
  private async resumeDataset(db: StoreDb, model: ModelAccess, run: RunManifest, token: string | undefined, onProgress: (p: TokenizeProgress) => void): Promise<void> {
    const ds = await reresolve(run.dataset!, token);
    await tokenizeFromDataset(db, run, ds, model.tokenizer, { separatorTokenId: model.cfg.bosTokenId, token, onProgress });
  }

  async harvest(
    model: ModelAccess,
    runId: string,
    batchSize: number,
    onProgress: (p: HarvestProgress) => void,
    onShard?: (summary: RunSummary) => void,
    token?: string,
    onTokenize?: (p: TokenizeProgress) => void,
  ): Promise<RunManifest> {
    if (this.running.has(runId)) throw new HarvestBusyError(`run ${runId} is already being harvested`);
    const db = await this.db();
    const run = await getRun(db, runId);
    if (run.dataset?.resume) {
      if (run.modelId !== model.id) throw new LabError(`run ${run.name} was made with ${run.modelId}; load that model to resume it (loaded: ${model.id})`);
      await this.resumeDataset(db, model, run, token, onTokenize ?? (() => undefined));
    }
    if (run.modelId !== model.id) {
      throw new LabError(`run ${run.name} was made with ${run.modelId}; load that model to harvest it (loaded: ${model.id})`);
    }
    if (run.status === 'done') return run;
    const net = await model.harvestModel(run.hooks.map((h) => h.name), runTl(run));
    const control = new AbortController();
    this.failed.delete(runId);
    // Each committed shard's manifest goes to the page, so the runs table counts what is stored as it grows.
    const shard = (r: RunManifest) => onShard?.({ run: { ...r }, bytes: committedBytes(r), active: true });
    const job = harvestRun(db, run, async (ids) => (await net.forward(ids)).hooks, { batchSize, signal: control.signal, onProgress, onShard: shard });
    this.running.set(runId, { control, done: job.catch(() => undefined) });
    try {
      return await job;
    } catch (err) {
      run.status = 'error';
      run.error = describeError(err);
      // Under a full quota even this write may fail: the engine then remembers the error for the runs list.
      await saveManifest(db, run).catch(() => this.failed.set(runId, run.error!));
      throw err; // a StoreQuotaError says what did not fit; shards committed so far are intact
    } finally {
      this.running.delete(runId);
    }
  }

  /** Stops a harvest after its current batch; committed shards stay and it can resume later. */
  pause(runId: string): void {
    this.running.get(runId)?.control.abort();
  }

  /** Stops the harvest (waiting for its batch to end, so it cannot overwrite the status) and marks the run cancelled. */
  async cancel(runId: string): Promise<RunManifest> {
    const job = this.running.get(runId);
    job?.control.abort();
    await job?.done;
    const db = await this.db();
    const run = await getRun(db, runId);
    run.status = 'cancelled';
    await saveManifest(db, run);
    return run;
  }

  async list(): Promise<RunSummary[]> {
    const db = await this.db();
    return (await listRuns(db)).map((stored) => {
      const error = this.running.has(stored.id) ? undefined : this.failed.get(stored.id);
      // The manifest says 'harvesting' when the error could not be written; its committed counts are right.
      const run = error && stored.status === 'harvesting' ? { ...stored, status: 'error' as const, error } : stored;
      return { run, bytes: committedBytes(run), active: this.running.has(run.id) };
    });
  }

  async delete(runId: string): Promise<void> {
    this.failed.delete(runId);
    const job = this.running.get(runId);
    job?.control.abort();
    await job?.done;
    await deleteRun(await this.db(), runId);
  }

  async context(runId: string, row: number, tokenizer: Gpt2Tokenizer | null): Promise<RowContextView> {
    const reader = await RunReader.open(await this.db(), runId);
    const ctx = await reader.context(row);
    return { ...ctx, tokens: tokenizer ? tokenPieces(ctx.ids, tokenizer).map((p) => p.text) : null };
  }
}

async function fetchAsFile(url: string, name: string): Promise<File> {
  const res = await fetch(url);
  if (!res.ok) throw new LabError(`could not fetch the sample corpus ${url} (HTTP ${res.status})`);
  return new File([await res.blob()], name);
}

/** What a new run takes from the model and the run options, whatever its corpus. */
function runFields(model: ModelAccess, options: RunOptions) {
  return {
    modelId: model.id,
    hooks: options.hooks.map((name) => ({ name, dim: hookDim(name, model.cfg) })),
    dtype: options.dtype,
    // The panel says so when the value is outside 2…nPositions (src/ui/components/HarvestPanel.tsx).
    contextLength: Math.min(Math.max(2, Math.floor(options.contextLength) || 2), model.cfg.nPositions),
    skipBos: options.skipBos,
    bosTokenId: model.cfg.bosTokenId,
    rowsPerShard: options.rowsPerShard,
    tl: options.tl ?? SAELENS_DEFAULTS,
    // A share out of range is refused by createRun, before anything is read (checkHeldOutSplit says which bound).
    heldOut: options.heldOutShare ? { share: options.heldOutShare, seed: options.heldOutSeed ?? 0 } : undefined,
  };
}
