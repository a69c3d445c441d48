// A run made from a Hugging Face dataset: the record it keeps (RunManifest.dataset: id, revision, split, column,
// offset, where the stream stands) and tokenizing it — from the start, or after a pause/reload from the saved cursor
// with the packer state the pause kept, so a resumed run's windows equal an uninterrupted one's.
import { type DatasetProgress, streamDataset } from '../corpus/dataset-stream';
import { type DatasetRef, type ResolvedDataset, resolveDataset } from '../corpus/hub-dataset';
import { DatasetError } from '../corpus/hub-http';
import type { Gpt2Tokenizer } from '../model/tokenizer';
import type { RunDataset, RunManifest, StoreDb } from './schema';
import { type TokenizeProgress, tokenizeIntoRun } from './tokenize';

/** What the researcher asks for: which dataset and which part of it. */
export interface DatasetRunSpec extends DatasetRef {
  hubUrl?: string;
  start?: number; //        rows to skip first
  maxDocuments?: number;
  maxTokens?: number;
  shuffleSeed?: number;
}

export interface DatasetTokenizeOptions {
  separatorTokenId: number;
  token?: string; //   access token for a gated/private dataset: used for these requests, never stored
  signal?: AbortSignal;
  retries?: number;
  backoffMs?: number;
  onProgress?: (p: TokenizeProgress & { bytes: number; shard: number; shards: number }) => void;
}

export function datasetRecord(ds: ResolvedDataset, spec: DatasetRunSpec, hubUrl: string): RunDataset {
  return {
    repo: ds.ref.repo,
    revision: ds.ref.revision,
    listedRevision: ds.revision,
    sha: ds.sha,
    config: ds.ref.config,
    split: ds.ref.split,
    column: spec.column ?? null,
    pretokenized: false,
    hubUrl,
    start: spec.start ?? 0,
    maxDocuments: spec.maxDocuments ?? null,
    maxTokens: spec.maxTokens ?? null,
    shuffleSeed: spec.shuffleSeed ?? null,
    files: ds.files.map((f) => f.path),
    bytes: 0,
    cursor: null,
    resume: null,
  };
}

/** The dataset a run's record names, listed again (a resume after a reload); refused if its commit moved. */
export async function reresolve(rec: RunDataset, token?: string): Promise<ResolvedDataset> {
  const ds = await resolveDataset(
    { repo: rec.repo, revision: rec.revision, config: rec.config || undefined, split: rec.split, column: rec.column ?? undefined, files: rec.listedRevision === rec.revision ? 'repo' : 'parquet' },
    { hubUrl: rec.hubUrl, token },
  );
  if (rec.sha && ds.sha && rec.sha !== ds.sha) {
    throw new DatasetError(`${rec.repo} changed since this run started (commit ${rec.sha.slice(0, 8)} → ${ds.sha.slice(0, 8)}); start a new run to read the new version`);
  }
  return ds;
}

/** Streams the dataset into the run's windows (SAELens packing unless the run says otherwise). */
export async function tokenizeFromDataset(
  db: StoreDb,
  run: RunManifest,
  ds: ResolvedDataset,
  tokenizer: Pick<Gpt2Tokenizer, 'encode'>,
  opts: DatasetTokenizeOptions,
): Promise<void> {
  const rec = run.dataset;
  if (!rec) throw new Error('tokenizeFromDataset: the run has no dataset record');
  const resuming = rec.resume ? rec.cursor : null;
  let last: DatasetProgress | null = null;
  const pieces = streamDataset(ds, {
    token: opts.token,
    signal: opts.signal,
    retries: opts.retries,
    backoffMs: opts.backoffMs,
    cursor: resuming ?? undefined,
    start: resuming ? 0 : rec.start, // the cursor is already past the offset
    maxDocuments: rec.maxDocuments === null ? undefined : Math.max(0, rec.maxDocuments - run.documents),
    shuffleSeed: rec.shuffleSeed ?? undefined,
    onBytes: (n) => (rec.bytes += n),
    onProgress: (p) => (last = p),
  });
  const marked = markPretokenized(pieces, rec);
  await tokenizeIntoRun(db, run, marked, tokenizer, {
    separatorTokenId: opts.separatorTokenId,
    signal: opts.signal,
    maxTokens: rec.maxTokens ?? undefined,
    onProgress: (p) => opts.onProgress?.({ ...p, bytes: rec.bytes, shard: (last as DatasetProgress | null)?.shard ?? 0, shards: ds.files.length }),
  });
}

async function* markPretokenized<T extends object>(items: AsyncIterable<T>, rec: RunDataset): AsyncGenerator<T> {
  for await (const item of items) {
    if ('ids' in item) rec.pretokenized = true;
    yield item;
  }
}
