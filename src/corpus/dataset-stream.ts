// A Hub dataset's split as a stream of documents, the shape the corpus readers give (src/store/tokenize.ts TextPiece):
// text rows become one final piece each; rows of a token-id column (pre-tokenised datasets) become TokenPieces.
//
// Parquet is read row group by row group with hyparquet over HTTP Range requests: the footer (its last 64 KiB,
// more only if the metadata is larger), then per row group only the chosen column's chunk, so a multi-GB file is
// never downloaded whole. JSON Lines (plain, gzip via DecompressionStream, zstd via fzstd) and text (one row per
// line, as `datasets`' text builder reads it) are streamed; a dropped connection resumes at the byte it reached.
//
// Every item carries `next`, the cursor after it: save the last consumed one and pass it as `cursor` to continue
// exactly there after a reload (Parquet refetches from the start of that row's row group, nothing before it).
import { Decompress as ZstdDecompress } from 'fzstd';
import { type FileMetaData, parquetMetadataAsync, parquetRead, parquetSchema } from 'hyparquet';
import { mulberry32 } from '../core/random';
import { decodeUtf8Chunks } from './decode';
import { CorpusFileError } from './errors';
import { type DatasetFile, type DatasetFormat, type DatasetRef, type ResolvedDataset, resolveDataset } from './hub-dataset';
import { DatasetError, type HttpOptions, fetchRange, streamFile } from './hub-http';
import { lines } from './text';

/** Where a dataset stream stands: `shard` indexes the (possibly shuffled) file order, `row` the next row of it. */
export interface DatasetCursor {
  shard: number;
  row: number;
}

export interface DatasetTextPiece {
  file: string;
  index: number; // row within its file
  text: string;
  final: true;
  next: DatasetCursor;
}

/** A pre-tokenised row: its ids, used as they are. */
export interface DatasetTokenPiece {
  file: string;
  index: number;
  ids: number[];
  final: true;
  next: DatasetCursor;
}

export interface DatasetRejection {
  file: string;
  line?: number;
  reason: string;
}

export type DatasetItem = DatasetTextPiece | DatasetTokenPiece | DatasetRejection;

export interface DatasetProgress {
  documents: number; // rows yielded
  bytes: number; //     body bytes received over HTTP
  shard: number;
  shards: number;
  rowGroup: number | null; // Parquet: the row group being read
}

export interface DatasetStreamOptions extends HttpOptions {
  cursor?: DatasetCursor; //  continue here (a saved `next`)
  start?: number; //          skip this many rows first (after the cursor); whole row groups are skipped unread
  maxDocuments?: number; //   stop after this many rows
  shuffleSeed?: number; //    shuffle the file (shard) order with this seed; rows within a file keep their order
  onProgress?: (p: DatasetProgress) => void;
}

/** SAELens' column choice when none is given (activations_store.py): tokens, input_ids, text, problem. */
export const SAELENS_COLUMNS = ['tokens', 'input_ids', 'text', 'problem'] as const;

/** The file order: the listing's, or a seeded Fisher–Yates shuffle of it (same seed, same order, everywhere). */
export function shardOrder(files: DatasetFile[], seed?: number): DatasetFile[] {
  const out = files.slice();
  if (seed === undefined) return out;
  const rand = mulberry32(seed >>> 0);
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

interface Counters {
  skip: number;
  left: number;
  progress: DatasetProgress;
}

/** Streams `ds`'s rows from the cursor, as documents (text) or token rows (a list-of-integers column). */
export async function* streamDataset(ds: ResolvedDataset, opts: DatasetStreamOptions = {}): AsyncGenerator<DatasetItem> {
  const files = shardOrder(ds.files, opts.shuffleSeed);
  const progress: DatasetProgress = { documents: 0, bytes: 0, shard: 0, shards: files.length, rowGroup: null };
  const http: HttpOptions = { ...opts, onBytes: (n) => ((progress.bytes += n), opts.onBytes?.(n)) };
  const c: Counters = { skip: opts.start ?? 0, left: opts.maxDocuments ?? Infinity, progress };
  const from = opts.cursor ?? { shard: 0, row: 0 };
  for (let shard = from.shard; shard < files.length && c.left > 0; shard++) {
    progress.shard = shard;
    const firstRow = shard === from.shard ? from.row : 0;
    const rows = READERS[files[shard].format](files[shard], ds.ref.column, firstRow, http, c);
    for await (const item of rows) {
      if ('reason' in item) {
        yield item;
        continue;
      }
      if (c.skip > 0) {
        c.skip--;
        continue;
      }
      // After a file's last row the cursor points at the next file, so a resume never touches a finished one.
      const next = item.last ? { shard: shard + 1, row: 0 } : { shard, row: item.index + 1 };
      progress.documents++;
      c.left--;
      const { last: _last, ...row } = item;
      yield { ...row, final: true, next } as DatasetItem;
      opts.onProgress?.(progress);
      if (c.left <= 0) break;
    }
  }
}

/**
 * A dataset by id as a document source, in one call: the same shape as the corpus readers' output (TextPiece /
 * PieceRejection in src/store/tokenize.ts, plus TokenPiece rows for a pre-tokenised dataset), for any consumer of
 * documents (a run, a stream training, a statistics pass).
 */
export async function* openDataset(ref: DatasetRef, opts: DatasetStreamOptions & { hubUrl?: string } = {}): AsyncGenerator<DatasetItem> {
  yield* streamDataset(await resolveDataset(ref, opts), opts);
}

type RowItem = ({ file: string; index: number; text: string } | { file: string; index: number; ids: number[] }) & { last?: boolean };
type ReaderItem = RowItem | DatasetRejection;
type Reader = (file: DatasetFile, column: string | undefined, firstRow: number, http: HttpOptions, c: Counters) => AsyncGenerator<ReaderItem>;

/** A cell as a document: a string, or a list of integer ids; anything else is refused. */
function cell(file: string, index: number, column: string, value: unknown): ReaderItem {
  if (typeof value === 'string') return { file, index, text: value };
  if (Array.isArray(value) || ArrayBuffer.isView(value)) {
    const ids = Array.from(value as ArrayLike<number | bigint>, Number);
    if (ids.every((x) => Number.isInteger(x) && x >= 0)) return { file, index, ids };
  }
  return { file, line: index + 1, reason: `row ${index}: column "${column}" is neither text nor a list of token ids` };
}

function pickColumn(file: string, columns: string[], wanted: string | undefined): string {
  if (wanted) {
    if (!columns.includes(wanted)) throw new DatasetError(`${file}: no column "${wanted}" (columns: ${columns.join(', ')})`);
    return wanted;
  }
  const found = SAELENS_COLUMNS.find((c) => columns.includes(c));
  if (!found) throw new DatasetError(`${file}: name the text or token column (none of ${SAELENS_COLUMNS.join(', ')} among ${columns.join(', ')})`);
  return found;
}

// ---- Parquet ----

/** The first 64 KiB from the end hold a typical dataset footer; hyparquet fetches the rest if it is larger. */
const FOOTER_FETCH = 64 * 1024;

/** hyparquet's AsyncBuffer over Range requests; the file size comes from the listing, so no HEAD is needed. */
function rangeBuffer(file: DatasetFile, http: HttpOptions) {
  return {
    byteLength: file.size,
    slice: async (start: number, end = file.size) => {
      const bytes = await fetchRange(file.url, start, end, file.path, http);
      return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    },
  };
}

async function parquetFooter(file: DatasetFile, buffer: ReturnType<typeof rangeBuffer>): Promise<FileMetaData> {
  try {
    return await parquetMetadataAsync(buffer, { initialFetchSize: FOOTER_FETCH });
  } catch (err) {
    if (err instanceof DatasetError || (err instanceof Error && err.name === 'DatasetPausedError')) throw err;
    throw new DatasetError(`${file.path}: not a Parquet file we can read (${err instanceof Error ? err.message : String(err)})`);
  }
}

const readParquet: Reader = async function* (file, column, firstRow, http, c) {
  const buffer = rangeBuffer(file, http);
  const metadata = await parquetFooter(file, buffer);
  const columns = parquetSchema(metadata).children.map((ch) => ch.element.name);
  const col = pickColumn(file.path, columns, column);
  const rows = Number(metadata.num_rows);
  let groupStart = 0;
  for (let g = 0; g < metadata.row_groups.length && c.left > 0; g++) {
    const n = Number(metadata.row_groups[g].num_rows);
    const groupEnd = groupStart + n;
    let from = Math.max(firstRow, groupStart);
    if (c.skip > 0 && from < groupEnd && groupEnd - from <= c.skip) {
      c.skip -= groupEnd - from; // a whole row group inside the offset: not fetched
      from = groupEnd;
    }
    if (from < groupEnd) {
      c.progress.rowGroup = g;
      const values = await readColumn(file, buffer, metadata, col, from, Math.min(groupEnd, from + c.skip + c.left));
      for (let i = 0; i < values.length; i++) {
        const item = cell(file.path, from + i, col, values[i]);
        yield 'reason' in item ? item : { ...item, last: from + i === rows - 1 };
      }
    }
    groupStart = groupEnd;
  }
};

async function readColumn(file: DatasetFile, buffer: ReturnType<typeof rangeBuffer>, metadata: FileMetaData, col: string, rowStart: number, rowEnd: number): Promise<unknown[]> {
  let rows: unknown[][] = [];
  try {
    await parquetRead({ file: buffer, metadata, columns: [col], rowStart, rowEnd, onComplete: (r) => (rows = r) });
  } catch (err) {
    if (err instanceof Error && (err.name === 'DatasetError' || err.name === 'DatasetPausedError')) throw err;
    throw new DatasetError(`${file.path}: cannot decode column "${col}" (${err instanceof Error ? err.message : String(err)})`);
  }
  return rows.map((r) => r[0]);
}

// ---- JSON Lines and text ----

function decompressed(bytes: ReadableStream<Uint8Array>, format: DatasetFormat): ReadableStream<Uint8Array> {
  if (format.endsWith('.gz')) return bytes.pipeThrough(new DecompressionStream('gzip') as unknown as TransformStream<Uint8Array, Uint8Array>);
  if (format.endsWith('.zst')) {
    // fzstd (pure JS, by fflate's author): DecompressionStream has no zstd in today's browsers.
    let z: ZstdDecompress;
    return bytes.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        start(controller) {
          z = new ZstdDecompress((chunk) => controller.enqueue(chunk));
        },
        transform: (chunk) => z.push(chunk),
        flush: () => z.push(new Uint8Array(0), true),
      }),
    );
  }
  return bytes;
}

async function* textLines(file: DatasetFile, http: HttpOptions): AsyncGenerator<{ line: string; lineNo: number }> {
  try {
    yield* lines(decodeUtf8Chunks(decompressed(streamFile(file.url, file.path, http), file.format), file.path));
  } catch (err) {
    if (err instanceof CorpusFileError) throw new DatasetError(`${file.path}: ${err.reason}`);
    if (err instanceof TypeError && /gzip|decompress|zstd|invalid/i.test(err.message)) throw new DatasetError(`${file.path}: not ${file.format} (${err.message})`);
    throw err;
  }
}

/** Holds each row back until the next one comes, so the file's last row can say so (`last`). */
async function* markLast(items: AsyncGenerator<ReaderItem>): AsyncGenerator<ReaderItem> {
  let held: RowItem | null = null;
  for await (const item of items) {
    if ('reason' in item) {
      if (held) yield held;
      held = null;
      yield item;
      continue;
    }
    if (held) yield held;
    held = item;
  }
  if (held) yield { ...held, last: true };
}

// Rows before the cursor are read again (a gzip/zstd stream cannot be entered in the middle) but not yielded.
const readJsonl: Reader = (file, column, firstRow, http, c) => markLast(jsonlRows(file, column, firstRow, http, c));
const jsonlRows: Reader = async function* (file, column, firstRow, http) {
  let index = 0;
  let col: string | undefined;
  for await (const { line, lineNo } of textLines(file, http)) {
    if (!line.trim()) continue;
    const row = index++;
    if (row < firstRow) continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      yield { file: file.path, line: lineNo, reason: `line ${lineNo}: not valid JSON` };
      continue;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      yield { file: file.path, line: lineNo, reason: `line ${lineNo}: not a JSON object` };
      continue;
    }
    col ??= pickColumn(file.path, Object.keys(value), column);
    const v = (value as Record<string, unknown>)[col];
    yield v === undefined ? { file: file.path, line: lineNo, reason: `line ${lineNo}: no field "${col}"` } : cell(file.path, row, col, v);
  }
};

/** Text files as `datasets` reads them: one row per line, empty lines included (they hold no tokens). */
const readText: Reader = (file, column, firstRow, http, c) => markLast(textRows(file, column, firstRow, http, c));
const textRows: Reader = async function* (file, column, firstRow, http) {
  if (column && column !== 'text') throw new DatasetError(`${file.path}: a text file has one column, "text" (not "${column}")`);
  let row = 0;
  for await (const { line } of textLines(file, http)) {
    if (row >= firstRow) yield { file: file.path, index: row, text: line };
    row++;
  }
};

const READERS: Record<DatasetFormat, Reader> = {
  parquet: readParquet,
  jsonl: readJsonl,
  'jsonl.gz': readJsonl,
  'jsonl.zst': readJsonl,
  txt: readText,
  'txt.gz': readText,
};
