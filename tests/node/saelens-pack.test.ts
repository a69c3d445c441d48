// SAELens' token stream: the lab's SAELens packing against an independent packing written here from SAELens' rules
// (sae_lens/tokenization_and_batching.py concat_and_batch_sequences as ActivationsStore calls it), on synthetic
// edge cases and on a dataset streamed from the Hub lookalike into a run (IndexedDB: fake-indexeddb, a full
// in-memory implementation, since Node has none). Also: where the lab's own packing differs, pre-tokenised rows
// used as they are, and a network pause mid-run that resumes into exactly the uninterrupted run's windows.
import 'fake-indexeddb/auto';
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mulberry32 } from '../../src/core/random';
import { resolveDataset } from '../../src/corpus/hub-dataset';
import { DatasetPausedError } from '../../src/corpus/hub-http';
import { loadGpt2FromDir } from '../../src/node/load-dir';
import { type DatasetRunSpec, datasetRecord, reresolve, tokenizeFromDataset } from '../../src/store/dataset-run';
import { readWindows } from '../../src/store/reader';
import { createRun, getRun } from '../../src/store/runs';
import { SaeLensPacker } from '../../src/store/saelens-pack';
import { type RunManifest, type StoreDb, openStore } from '../../src/store/schema';
import { WindowBuilder, type Window } from '../../src/store/windows';
import { TINY_DIR } from '../helpers/checkpoints';
import { type DatasetFixtures, writeDatasetFixtures } from '../helpers/dataset-fixtures';
import { type HubServer, startHubServer } from '../helpers/hub-server';

/**
 * SAELens' rules, restated: sequences are concatenated; a new batch starts with the begin-batch token unless the
 * token there already is it; a sequence appended to a partly filled batch is preceded by the separator unless its
 * first token already is it; only full batches of context_size come out.
 */
function saelensReference(seqs: number[][], C: number, bos: number | null, sep: number | null): number[][] {
  const out: number[][] = [];
  let batch: number[] | null = null;
  for (const seq of seqs) {
    let at = 0;
    while (at < seq.length) {
      if (batch === null) {
        const lead = bos !== null && seq[at] !== bos ? [bos] : [];
        const take = C - lead.length;
        batch = [...lead, ...seq.slice(at, at + take)];
        at += take;
      } else {
        const lead = sep !== null && seq[at] !== sep ? [sep] : [];
        const room: number = C - batch.length;
        const take = Math.max(room - lead.length, 0);
        batch = [...batch, ...lead.slice(0, room), ...seq.slice(at, at + take)];
        at += take;
      }
      if (batch.length === C) {
        out.push(batch);
        batch = null;
      }
    }
  }
  return out;
}

/** Feeds a packer documents in random pieces, as tokenizeIntoRun does with streamed text. */
function pack(packer: SaeLensPacker | WindowBuilder, seqs: number[][], rand: () => number): Window[] {
  const out: Window[] = [];
  seqs.forEach((seq, doc) => {
    for (let at = 0; at < seq.length; ) {
      const n = 1 + Math.floor(rand() * 6);
      out.push(...packer.addTokens(doc, seq.slice(at, at + n), at));
      at += n;
    }
    out.push(...packer.endDocument(doc));
  });
  out.push(...packer.flush());
  return out;
}

describe('SAELens packing', () => {
  it('equals SAELens’ rules on edge cases: empty documents, documents starting with BOS or the separator, exact fits', () => {
    const rand = mulberry32(3);
    for (const C of [2, 3, 5, 8, 16])
      for (const [bos, sep] of [
        [99, 99],
        [99, 98],
        [null, 99],
        [99, null],
      ] as const) {
        const seqs = Array.from({ length: 60 }, () => {
          const len = Math.floor(rand() * 3 * C);
          const s = Array.from({ length: len }, () => Math.floor(rand() * 12));
          if (len && rand() < 0.2) s[0] = 99;
          if (len && rand() < 0.1) s[0] = 98;
          if (len > 3 && rand() < 0.2) s[Math.floor(len / 2)] = 99; // BOS mid-document, where a new window may start
          return s;
        });
        const got = pack(new SaeLensPacker({ contextLength: C, beginBatchTokenId: bos, sequenceSeparatorTokenId: sep }), seqs, rand);
        expect(got.map((w) => w.ids), `C=${C} bos=${bos} sep=${sep}`).toEqual(saelensReference(seqs, C, bos, sep));
      }
  });

  it('differs from the lab’s packing exactly where documented', () => {
    const seqs = [[1, 2, 3], [4, 5], [6]];
    const lab = pack(new WindowBuilder({ contextLength: 4, bosTokenId: 99, separatorTokenId: 99 }), seqs, () => 0.99);
    const sae = pack(new SaeLensPacker({ contextLength: 4, beginBatchTokenId: 99, sequenceSeparatorTokenId: 99 }), seqs, () => 0.99);
    // lab: a separator after every document (here it spills into the next window), and the partial last window kept
    expect(lab.map((w) => w.ids)).toEqual([
      [99, 1, 2, 3],
      [99, 99, 4, 5],
      [99, 99, 6, 99],
    ]);
    // SAELens: a document that opens a window gets no separator; separators only between documents; partial dropped
    expect(sae.map((w) => w.ids)).toEqual([
      [99, 1, 2, 3],
      [99, 4, 5, 99],
    ]);
    expect(saelensReference(seqs, 4, 99, 99)).toEqual(sae.map((w) => w.ids));
  });
});

let fx: DatasetFixtures;
let hub: HubServer;
let db: StoreDb;
const tok = loadGpt2FromDir(TINY_DIR).tokenizer;
const BOS = 50256;

beforeAll(async () => {
  fx = writeDatasetFixtures();
  hub = await startHubServer(fx.repos);
  db = await openStore(`saelens-pack-${Date.now()}`);
});
afterAll(async () => {
  db?.close();
  await hub?.close();
  rmSync(fx.root, { recursive: true, force: true });
});

async function datasetRun(spec: DatasetRunSpec, contextLength: number): Promise<{ run: RunManifest; ds: Awaited<ReturnType<typeof resolveDataset>> }> {
  const ds = await resolveDataset(spec, { hubUrl: hub.url });
  const run = await createRun(db, { name: spec.repo, modelId: 'tiny', hooks: [{ name: 'blocks.0.hook_resid_pre', dim: 2 }], dtype: 'f32', contextLength, skipBos: false, bosTokenId: BOS });
  run.packing = 'saelens';
  run.dataset = datasetRecord(ds, spec, hub.url);
  return { run, ds };
}

async function windowsOf(run: RunManifest): Promise<number[][]> {
  const out: number[][] = [];
  for await (const w of readWindows(db, run)) out.push(w.ids);
  return out;
}

describe('a run from a Hub dataset', () => {
  it('holds SAELens’ windows for the dataset, context size and prepend_bos', async () => {
    const { run, ds } = await datasetRun({ repo: 'lab/tiny-text' }, 32);
    await tokenizeFromDataset(db, run, ds, tok, { separatorTokenId: BOS });
    const docs = [...fx.train[0], ...fx.train[1]];
    const expected = saelensReference(docs.map((d) => tok.encode(d)), 32, BOS, BOS); // to_tokens(row, prepend_bos=False) per row
    expect(expected.length).toBeGreaterThan(50);
    expect(await windowsOf(run)).toEqual(expected);
    expect(run.status).toBe('ready');
    expect(run.documents).toBe(docs.length);
    expect(run.dataset!.cursor).toEqual({ shard: 2, row: 0 }); // past the last file: nothing left to read
    expect(run.dataset!.bytes).toBeGreaterThan(0);
  });

  it('takes a chosen number of tokens from a chosen offset', async () => {
    const { run, ds } = await datasetRun({ repo: 'lab/tiny-text', start: 55, maxTokens: 320 }, 32);
    await tokenizeFromDataset(db, run, ds, tok, { separatorTokenId: BOS });
    const docs = [...fx.train[0], ...fx.train[1]].slice(55);
    const all = saelensReference(docs.map((d) => tok.encode(d)), 32, BOS, BOS);
    const got = await windowsOf(run);
    expect(got.length).toBeGreaterThanOrEqual(10); // at least 320 tokens, stopping at the first document boundary past them
    expect(got).toEqual(all.slice(0, got.length));
    expect(run.dataset!.start).toBe(55);
  });

  it('uses a pre-tokenised dataset as it is: each row is a window, cut to the context size', async () => {
    const { run, ds } = await datasetRun({ repo: 'lab/pretok' }, 16);
    await tokenizeFromDataset(db, run, ds, tok, { separatorTokenId: BOS });
    expect(await windowsOf(run)).toEqual(fx.tokenRows.map((r) => r.slice(0, 16)));
    expect(run.dataset!.pretokenized).toBe(true);
  });

  it('a network failure pauses the run; resuming gives exactly the uninterrupted run’s windows', async () => {
    const whole = await datasetRun({ repo: 'lab/tiny-text' }, 24);
    await tokenizeFromDataset(db, whole.run, whole.ds, tok, { separatorTokenId: BOS });
    const want = await windowsOf(whole.run);

    const { run, ds } = await datasetRun({ repo: 'lab/tiny-text' }, 24);
    hub.faults.set('data/train-00001-of-00002.parquet', 'destroy-mid-body'); // the second shard stays unreachable
    const err = await tokenizeFromDataset(db, run, ds, tok, { separatorTokenId: BOS, retries: 2, backoffMs: 1 }).catch((e) => e);
    expect(err).toBeInstanceOf(DatasetPausedError);
    expect(run.status).toBe('paused');
    expect(run.error).toMatch(/paused/);
    expect(run.dataset!.cursor).toEqual({ shard: 1, row: 0 }); // the first file done, the second not begun
    expect(run.dataset!.resume).toBeTruthy();
    // what is stored meanwhile is a prefix of the right windows, never anything else
    const partial = await windowsOf(run);
    expect(partial).toEqual(want.slice(0, partial.length));

    hub.faults.clear();
    // "After a reload": only what IndexedDB holds — the manifest read back, the dataset listed again from its record.
    const stored = await getRun(db, run.id);
    expect(stored.status).toBe('paused');
    const again = await reresolve(stored.dataset!);
    const before = hub.log.length;
    await tokenizeFromDataset(db, stored, again, tok, { separatorTokenId: BOS });
    expect(stored.status).toBe('ready');
    expect(stored.dataset!.resume).toBeNull();
    expect(await windowsOf(stored)).toEqual(want);
    expect(stored.documents).toBe(whole.run.documents);
    // the resume read only the second shard: nothing of the first, finished one
    expect(hub.log.slice(before).some((r) => r.path.endsWith('train-00000-of-00002.parquet'))).toBe(false);
  });
});
