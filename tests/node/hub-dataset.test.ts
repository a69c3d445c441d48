// Hub datasets by id, against the local Hub lookalike: listing (tree API, pages, refs/convert/parquet), Parquet read
// by row group over logged Range requests, resume from a cursor, offsets, shard shuffle, JSONL/gzip/zstd/text, a
// pre-tokenised dataset, gated/unknown/unreadable errors, and injected network faults.
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { type FileMetaData, parquetMetadata } from 'hyparquet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DatasetCursor, type DatasetItem, type DatasetStreamOptions, shardOrder, streamDataset } from '../../src/corpus/dataset-stream';
import { type DatasetRef, type ResolvedDataset, resolveDataset } from '../../src/corpus/hub-dataset';
import { DatasetError, DatasetPausedError } from '../../src/corpus/hub-http';
import { type DatasetFixtures, writeDatasetFixtures } from '../helpers/dataset-fixtures';
import { type HubServer, type RequestRecord, startHubServer } from '../helpers/hub-server';

let fx: DatasetFixtures;
let hub: HubServer;
const FAST = { retries: 3, backoffMs: 1 };

beforeAll(async () => {
  fx = writeDatasetFixtures();
  hub = await startHubServer(fx.repos, { treePageSize: 3, auth: { 'datasets/lab/gated': fx.token } });
});
afterAll(async () => {
  await hub?.close();
  rmSync(fx.root, { recursive: true, force: true });
});

const resolve = (ref: DatasetRef, extra: object = {}) => resolveDataset(ref, { hubUrl: hub.url, ...FAST, ...extra });

async function collect(ds: ResolvedDataset, opts: DatasetStreamOptions = {}): Promise<DatasetItem[]> {
  const out: DatasetItem[] = [];
  for await (const item of streamDataset(ds, { ...FAST, ...opts })) out.push(item);
  return out;
}
const texts = (items: DatasetItem[]) => items.map((i) => ('text' in i ? i.text : 'ids' in i ? i.ids : `REJECTED ${i.reason}`));

/** Requests logged from `from` on for one file (path ends with it). */
const fileRequests = (file: string, from = 0): RequestRecord[] => hub.log.slice(from).filter((r) => r.path.endsWith(file) && r.method === 'GET');

function rangeOf(r: RequestRecord): [number, number] {
  const m = /^bytes=(\d+)-(\d+)$/.exec(r.range ?? '');
  if (!m) throw new Error(`request without a closed range: ${r.range}`);
  return [Number(m[1]), Number(m[2]) + 1];
}

/** Byte ranges [start, end) of one column's chunk in each row group, read from the local file (what may be fetched). */
function chunkRanges(md: FileMetaData, column: string): [number, number][] {
  return md.row_groups.map((rg) => {
    const c = rg.columns.find((col) => col.meta_data!.path_in_schema[0] === column)!.meta_data!;
    const start = Number(c.dictionary_page_offset ?? c.data_page_offset);
    return [start, start + Number(c.total_compressed_size)];
  });
}

const TRAIN0 = 'data/train-00000-of-00002.parquet';

describe('listing a dataset repo', () => {
  it('finds a split’s Parquet shards in Hub order through the paged tree API', async () => {
    const before = hub.log.length;
    const ds = await resolve({ repo: 'lab/tiny-text' });
    expect(ds.files.map((f) => f.path)).toEqual(['data/train-00000-of-00002.parquet', 'data/train-00001-of-00002.parquet']);
    expect(ds.files[0].url).toBe(`${hub.url}/datasets/lab/tiny-text/resolve/main/data/train-00000-of-00002.parquet`);
    expect(ds.files[0].size).toBe(readFileSync(join(fx.repos['datasets/lab/tiny-text'], TRAIN0)).length);
    expect(ds.sha).toMatch(/^[0-9a-f]{40}$/);
    // 5 entries (README, data/, three files) at 3 a page: two tree pages, the second through the Link header.
    expect(hub.log.slice(before).filter((r) => r.path.includes('/tree/')).length).toBe(2);
    expect((await resolve({ repo: 'lab/tiny-text', split: 'test' })).files.map((f) => f.path)).toEqual(['data/test-00000-of-00001.parquet']);
  });

  it('the lookalike answers in the Hub API’s shapes: tree entries, Link pages, dataset info', async () => {
    const res = await fetch(`${hub.url}/api/datasets/lab/tiny-text/tree/main/data?recursive=true`);
    const page = (await res.json()) as { type: string; path: string; size: number; oid: string; lfs?: { size: number } }[];
    expect(page).toHaveLength(3);
    expect(page[0]).toMatchObject({ type: 'file', path: 'data/test-00000-of-00001.parquet' });
    expect(page[0].oid).toMatch(/^[0-9a-f]{40}$/);
    expect(page[0].lfs!.size).toBe(page[0].size);
    const top = await fetch(`${hub.url}/api/datasets/lab/tiny-text/tree/main`);
    expect(((await top.json()) as { type: string; path: string }[]).map((e) => `${e.type} ${e.path}`).sort()).toEqual(['directory data', 'file README.md']);
    const all = await fetch(`${hub.url}/api/datasets/lab/tiny-text/tree/main?recursive=true`);
    expect(all.headers.get('link')).toMatch(/^<http:\/\/127\.0\.0\.1:\d+\/api\/datasets\/lab\/tiny-text\/tree\/main\?recursive=true&cursor=3>; rel="next"$/);
    const info = (await (await fetch(`${hub.url}/api/datasets/lab/tiny-text`)).json()) as { id: string; sha: string; siblings: { rfilename: string }[] };
    expect(info.id).toBe('lab/tiny-text');
    expect(info.siblings.map((s) => s.rfilename)).toContain('data/train-00000-of-00002.parquet');
  });

  it('falls back to the Parquet conversion (refs/convert/parquet) when the repo holds only a loading script', async () => {
    const ds = await resolve({ repo: 'lab/scripted' });
    expect(ds.revision).toBe('refs/convert/parquet');
    expect(ds.files.map((f) => f.path)).toEqual(['default/train/0000.parquet']);
    expect(ds.files[0].url).toContain('/datasets/lab/scripted/resolve/refs%2Fconvert%2Fparquet/default/train/0000.parquet');
    expect(texts(await collect(ds))).toEqual(fx.scripted);
  });

  it('says what is wrong: a bad id, no such repo, no such split', async () => {
    await expect(resolve({ repo: 'not a repo' })).rejects.toThrow(/not a Hub dataset id/);
    await expect(resolve({ repo: 'lab/nope' })).rejects.toThrow(/no such dataset repo, or it is private \(HTTP 401\)/);
    await expect(resolve({ repo: 'lab/tiny-text', split: 'validation' })).rejects.toThrow(/no data files for split "validation"/);
  });
});

describe('Parquet by row group over HTTP Range', () => {
  it('fetches only the footer and the text column’s chunks of the row groups it reads', async () => {
    const md = parquetMetadata(readFileSync(join(fx.repos['datasets/lab/tiny-text'], TRAIN0)).buffer as ArrayBuffer);
    const size = readFileSync(join(fx.repos['datasets/lab/tiny-text'], TRAIN0)).length;
    const text = chunkRanges(md, 'text');
    const meta = chunkRanges(md, 'meta');
    const ds = await resolve({ repo: 'lab/tiny-text' });
    const before = hub.log.length;
    const items = await collect(ds, { maxDocuments: 10 });
    expect(texts(items)).toEqual(fx.train[0].slice(0, 10));
    const reqs = fileRequests(TRAIN0, before).map(rangeOf);
    expect(reqs.length).toBeGreaterThanOrEqual(2);
    const footerStart = Math.max(0, size - 64 * 1024);
    for (const [a, b] of reqs) {
      const inFooter = a >= footerStart && b === size;
      const inText0 = a >= text[0][0] && b <= text[0][1];
      expect(inFooter || inText0, `range ${a}-${b}`).toBe(true);
    }
    expect(reqs.some(([a, b]) => a <= text[0][0] && b >= text[0][1])).toBe(true); // the row group's text chunk, whole
    for (const [a, b] of reqs) for (const [ma, mb] of meta) if (!(a >= footerStart)) expect(b <= ma || a >= mb).toBe(true); // never the meta column
    const fetched = reqs.reduce((s, [a, b]) => s + b - a, 0);
    expect(fetched).toBeLessThan(size / 2); // the file is mostly the unread column
  });

  it('resumes from a saved cursor at that row’s row group, fetching nothing before it', async () => {
    const ds = await resolve({ repo: 'lab/tiny-text' });
    const all = await collect(ds);
    expect(texts(all)).toEqual([...fx.train[0], ...fx.train[1]]);
    const first = await collect(ds, { maxDocuments: fx.rowGroupSize + 7 });
    const cursor = (first.at(-1) as { next: DatasetCursor }).next;
    expect(cursor).toEqual({ shard: 0, row: fx.rowGroupSize + 7 });
    // "After a reload": a fresh stream given only the cursor.
    const md = parquetMetadata(readFileSync(join(fx.repos['datasets/lab/tiny-text'], TRAIN0)).buffer as ArrayBuffer);
    const text = chunkRanges(md, 'text');
    const before = hub.log.length;
    const rest = await collect(ds, { cursor, maxDocuments: 5 });
    expect(texts(rest)).toEqual(fx.train[0].slice(fx.rowGroupSize + 7, fx.rowGroupSize + 12));
    const size = readFileSync(join(fx.repos['datasets/lab/tiny-text'], TRAIN0)).length;
    const reqs = fileRequests(TRAIN0, before).map(rangeOf);
    expect(reqs.filter(([, b]) => b !== size).every(([a]) => a >= text[1][0])).toBe(true); // row group 0 is never fetched again
    expect(reqs.some(([a, b]) => a <= text[1][0] && b >= text[1][1])).toBe(true); // row group 1 is
    // cut anywhere and resumed, the documents are the uninterrupted stream's
    const resumed = [...first, ...(await collect(ds, { cursor }))];
    expect(texts(resumed)).toEqual(texts(all));
  });

  it('starts at an offset without fetching the row groups it skips, and takes a chosen number', async () => {
    const ds = await resolve({ repo: 'lab/tiny-text' });
    const md = parquetMetadata(readFileSync(join(fx.repos['datasets/lab/tiny-text'], TRAIN0)).buffer as ArrayBuffer);
    const text = chunkRanges(md, 'text');
    const before = hub.log.length;
    const start = 2 * fx.rowGroupSize + 3;
    const items = await collect(ds, { start, maxDocuments: 100 });
    expect(texts(items)).toEqual([...fx.train[0], ...fx.train[1]].slice(start, start + 100));
    const size = readFileSync(join(fx.repos['datasets/lab/tiny-text'], TRAIN0)).length;
    const data = fileRequests(TRAIN0, before).map(rangeOf).filter(([, b]) => b !== size); // all but the footer
    expect(data.length).toBeGreaterThan(0);
    expect(data.every(([a]) => a >= text[2][0])).toBe(true);
  });

  it('shuffles the shard order with a seed, the same way every time', async () => {
    const ds = await resolve({ repo: 'lab/tiny-text', split: 'train' });
    const many = Array.from({ length: 8 }, (_, i) => ({ ...ds.files[i % 2], path: `f${i}` }));
    const a = shardOrder(many, 7).map((f) => f.path);
    expect(shardOrder(many, 7).map((f) => f.path)).toEqual(a);
    expect([...a].sort()).toEqual(many.map((f) => f.path));
    expect(shardOrder(many).map((f) => f.path)).toEqual(many.map((f) => f.path));
    const seeds = Array.from({ length: 20 }, (_, s) => shardOrder(ds.files, s)[0].path);
    expect(new Set(seeds).size).toBe(2); // both orders of the two shards occur
    const shuffled = await collect(ds, { shuffleSeed: seeds.indexOf(ds.files[1].path) });
    expect(texts(shuffled)).toEqual([...fx.train[1], ...fx.train[0]]);
  });

  it('names the columns when the asked one does not exist', async () => {
    const ds = await resolve({ repo: 'lab/tiny-text', column: 'content' });
    await expect(collect(ds)).rejects.toThrow(/no column "content" \(columns: id, meta, text\)/);
  });

  it('refuses a file that is not Parquet, saying so', async () => {
    const ds = await resolve({ repo: 'lab/broken' });
    await expect(collect(ds)).rejects.toThrow(DatasetError);
    await expect(collect(ds)).rejects.toThrow(/not a Parquet file we can read/);
  });
});

describe('JSON Lines, compressed, and text', () => {
  it('streams gzip and zstd JSON Lines and text rows as documents', async () => {
    const ds = await resolve({ repo: 'lab/jsonl' });
    expect(ds.files.map((f) => f.format)).toEqual(fx.zstdWritten ? ['jsonl.zst', 'jsonl.gz'] : ['jsonl.gz']);
    const items = await collect(ds);
    const expected = fx.zstdWritten ? [...fx.jsonlDocs.slice(50, 70), ...fx.jsonlDocs.slice(0, 50)] : fx.jsonlDocs.slice(0, 50);
    expect(texts(items)).toEqual(expected);
    const txt = await collect(await resolve({ repo: 'lab/text' }));
    expect(texts(txt)).toEqual(fx.jsonlDocs.slice(70).join('\n').split('\n'));
  });

  it('resumes a JSON Lines stream at the saved row', async () => {
    const ds = await resolve({ repo: 'lab/jsonl' });
    const all = await collect(ds);
    const head = await collect(ds, { maxDocuments: 33 });
    const rest = await collect(ds, { cursor: (head.at(-1) as { next: DatasetCursor }).next });
    expect(texts([...head, ...rest])).toEqual(texts(all));
  });
});

describe('a pre-tokenised dataset', () => {
  it('yields exactly its stored ids, picking input_ids as SAELens does', async () => {
    const items = await collect(await resolve({ repo: 'lab/pretok' }));
    expect(items.map((i) => ('ids' in i ? i.ids : null))).toEqual(fx.tokenRows);
  });
});

describe('access and network failures', () => {
  it('a gated dataset asks for a token, and opens with it', async () => {
    const err = await resolve({ repo: 'lab/gated' }).catch((e) => e);
    expect(err).toBeInstanceOf(DatasetError);
    expect(err.message).toMatch(/gated or private.*access token/);
    const ds = await resolve({ repo: 'lab/gated' }, { token: fx.token });
    expect(texts(await collect(ds, { token: fx.token }))).toHaveLength(10);
    await expect(collect(ds)).rejects.toThrow(/access denied/); // the token is needed for the files too
  });

  it('retries 5xx, a connection cut mid-body and a slow link, and reads the same rows', async () => {
    const ds = await resolve({ repo: 'lab/tiny-text' });
    const want = texts(await collect(ds, { maxDocuments: 90 }));
    for (const fault of ['status503', 'status500', 'destroy-mid-body', 'truncate:100', 'slow'] as const) {
      hub.faults.set(TRAIN0, { fault, times: 2 });
      const before = hub.log.length;
      expect(texts(await collect(ds, { maxDocuments: 90 })), fault).toEqual(want);
      expect(hub.faults.has(TRAIN0)).toBe(false); // both faulty answers were taken, and retried
      if (fault !== 'slow') expect(fileRequests(TRAIN0, before).some((r) => r.status >= 500 || r.status === 206)).toBe(true);
    }
    hub.faults.set('train.jsonl.gz', { fault: 'destroy-mid-body', times: 2 });
    expect(texts(await collect(await resolve({ repo: 'lab/jsonl' })))).toContain(fx.jsonlDocs[49]);
  });

  it('a network that stays down ends in a pause with the cursor of the last whole row, then resumes', async () => {
    const ds = await resolve({ repo: 'lab/tiny-text' });
    const all = texts(await collect(ds));
    const got: DatasetItem[] = [];
    let paused: unknown = null;
    try {
      for await (const item of streamDataset(ds, FAST)) {
        got.push(item);
        if (got.length === 50) hub.faults.set('data/train-00000-of-00002.parquet', 'status503'); // down from row group 1 on
      }
    } catch (err) {
      paused = err;
    }
    hub.faults.clear();
    expect(paused).toBeInstanceOf(DatasetPausedError);
    expect((paused as Error).message).toMatch(/paused/);
    expect(got.length).toBeGreaterThanOrEqual(50);
    const cursor = (got.at(-1) as { next: DatasetCursor }).next;
    expect(texts([...got, ...(await collect(ds, { cursor }))])).toEqual(all);
  });
});
