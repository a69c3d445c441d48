// Dataset repos in the Hub's layout, written at test time into a temp folder for the Hub lookalike
// (tests/helpers/hub-server.ts): Parquet with several row groups (hyparquet-writer), gzip and zstd JSON Lines,
// text, a pre-tokenised Parquet, a repo with only a loading script plus its refs/convert/parquet conversion,
// a gated repo and a file that only claims to be Parquet. Documents are seeded pseudo-text, so every run is the same.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { mulberry32 } from '../../src/core/random';

const WORDS = (
  'the of and a to in is was that for it as with on he be at by his this had not are but from or have an they which one you were all ' +
  'her she there would their we him been has when who will more no if out so said what up its about into than them can only other new ' +
  'sea whale ship captain Ahab Queequeg harpoon voyage ocean deck mast sail wind storm island harbour café naïve 東京 — “quoted” it’s'
).split(' ');

/** Seeded documents: mixed lengths (some empty, some long), newlines, punctuation, non-ASCII. */
export function makeDocs(n: number, seed: number): string[] {
  const rand = mulberry32(seed);
  const docs: string[] = [];
  for (let i = 0; i < n; i++) {
    const len = i % 17 === 5 ? 0 : Math.floor(rand() ** 2 * 120) + 1;
    const words: string[] = [];
    for (let w = 0; w < len; w++) {
      let word = WORDS[Math.floor(rand() * WORDS.length)];
      if (w === 0) word = word[0].toUpperCase() + word.slice(1);
      words.push(word + (rand() < 0.08 ? '.' : rand() < 0.05 ? ',\n' : ''));
    }
    docs.push(words.join(' ').replace(/\n /g, '\n'));
  }
  return docs;
}

/** Incompressible filler for a column the reader must never fetch. */
function filler(rand: () => number, chars: number): string {
  let s = '';
  while (s.length < chars) s += Math.floor(rand() * 2 ** 32).toString(36);
  return s.slice(0, chars);
}

const TEXT_SCHEMA = [
  { name: 'root', num_children: 3 },
  { name: 'id', type: 'INT32', repetition_type: 'REQUIRED' },
  { name: 'meta', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' },
  { name: 'text', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' },
] as const;

export function textParquet(docs: string[], rowGroupSize: number, seed: number, metaChars = 1500): Uint8Array {
  const rand = mulberry32(seed);
  const buf = parquetWriteBuffer({
    columnData: [
      { name: 'id', data: Int32Array.from(docs, (_, i) => i) },
      { name: 'meta', data: docs.map(() => filler(rand, metaChars)) },
      { name: 'text', data: docs },
    ],
    schema: TEXT_SCHEMA.map((e) => ({ ...e })) as never,
    rowGroupSize,
  });
  return new Uint8Array(buf);
}

export function tokenParquet(rows: number[][], rowGroupSize: number): Uint8Array {
  const schema = [
    { name: 'root', num_children: 1 },
    { name: 'input_ids', repetition_type: 'OPTIONAL', converted_type: 'LIST', num_children: 1 },
    { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
    { name: 'element', type: 'INT32', repetition_type: 'REQUIRED' },
  ];
  return new Uint8Array(parquetWriteBuffer({ columnData: [{ name: 'input_ids', data: rows }], schema: schema as never, rowGroupSize }));
}

function put(root: string, path: string, data: string | Uint8Array): void {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), data);
}

export const jsonl = (docs: string[], field = 'text') => docs.map((t, i) => JSON.stringify({ [field]: t, n: i })).join('\n') + '\n';

/** zstd through the system's zstd(1); null when it is not installed. */
export function zstd(data: string): Uint8Array | null {
  const out = spawnSync('zstd', ['-q', '-c', '-3'], { input: Buffer.from(data) });
  return out.status === 0 ? new Uint8Array(out.stdout) : null;
}

export interface DatasetFixtures {
  root: string;
  repos: Record<string, string>; //  hub-server repo key → folder
  train: string[][]; //               lab/tiny-text's train docs, per file in listing order
  test: string[];
  rowGroupSize: number;
  jsonlDocs: string[];
  tokenRows: number[][];
  scripted: string[];
  zstdWritten: boolean;
  token: string;
}

export function writeDatasetFixtures(): DatasetFixtures {
  const root = mkdtempSync(join(tmpdir(), 'hub-datasets-'));
  const rowGroupSize = 40;
  const train = [makeDocs(150, 1), makeDocs(130, 2)];
  const test = makeDocs(30, 3);
  const repo = (name: string) => join(root, name.replace(/[/@]/g, '_'));

  const tiny = repo('tiny-text');
  put(tiny, 'README.md', '---\nlicense: mit\n---\n# tiny text\n');
  put(tiny, 'data/train-00000-of-00002.parquet', textParquet(train[0], rowGroupSize, 11));
  put(tiny, 'data/train-00001-of-00002.parquet', textParquet(train[1], rowGroupSize, 12));
  put(tiny, 'data/test-00000-of-00001.parquet', textParquet(test, rowGroupSize, 13));

  const jsonlDocs = makeDocs(90, 4);
  const js = repo('jsonl');
  put(js, 'train.jsonl.gz', gzipSync(jsonl(jsonlDocs.slice(0, 50))));
  const z = zstd(jsonl(jsonlDocs.slice(50, 70)));
  if (z) put(js, 'train-2.jsonl.zst', z);
  put(js, 'validation.jsonl', jsonl(makeDocs(5, 5)));
  const txt = repo('text');
  put(txt, 'train.txt', jsonlDocs.slice(70).join('\n') + '\n');

  const rand = mulberry32(9);
  const tokenRows = Array.from({ length: 60 }, () => [50256, ...Array.from({ length: 23 }, () => Math.floor(rand() * 50256))]);
  const pre = repo('pretok');
  put(pre, 'data/train-00000-of-00001.parquet', tokenParquet(tokenRows, 16));

  const scripted = makeDocs(45, 6);
  const sc = repo('scripted');
  put(sc, 'scripted.py', '# a loading script: not data\n');
  put(sc, 'README.md', '# scripted\n');
  const conv = repo('scripted@parquet');
  put(conv, 'default/train/0000.parquet', textParquet(scripted, 20, 14, 10));
  put(conv, 'default/test/0000.parquet', textParquet(makeDocs(4, 7), 20, 15, 10));

  const gated = repo('gated');
  put(gated, 'data/train-00000-of-00001.parquet', textParquet(makeDocs(10, 8), 5, 16, 10));
  const broken = repo('broken');
  put(broken, 'data/train-00000-of-00001.parquet', 'this is not parquet at all, just text that ends without the magic');

  return {
    root,
    repos: {
      'datasets/lab/tiny-text': tiny,
      'datasets/lab/jsonl': js,
      'datasets/lab/text': txt,
      'datasets/lab/pretok': pre,
      'datasets/lab/scripted': sc,
      'datasets/lab/scripted@refs/convert/parquet': conv,
      'datasets/lab/gated': gated,
      'datasets/lab/broken': broken,
    },
    train,
    test,
    rowGroupSize,
    jsonlDocs,
    tokenRows,
    scripted,
    zstdWritten: z !== null,
    token: 'hf_test_token_123',
  };
}
