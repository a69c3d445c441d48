// Entry points: one file, or a whole dropped corpus, as a stream of document pieces and rejections.
import { readCsv } from './csv';
import { decodeUtf8Chunks } from './decode';
import {
  DEFAULT_INGEST_OPTIONS,
  kindOf,
  unsupportedFile,
  type CorpusFileKind,
  type DocumentPiece,
  type IngestOptions,
  type Rejection,
} from './documents';
import { CorpusFileError } from './errors';
import { readJsonl } from './jsonl';
import { readPlainText } from './plain';
import { requireContent } from './text';

/** A File, or anything that can stream its bytes (tests use this to choose the chunking). */
export interface CorpusSource {
  name: string;
  stream(): ReadableStream<Uint8Array>;
}

type Reader = (file: string, chunks: AsyncIterable<string>, opts: IngestOptions) => AsyncGenerator<DocumentPiece | Rejection>;

const READERS: Record<CorpusFileKind, Reader> = { txt: readPlainText, md: readPlainText, jsonl: readJsonl, csv: readCsv };

/**
 * Streams one file's documents. A whole-file failure (unsupported type, empty, binary, not UTF-8, bad header)
 * becomes one Rejection without `line`. Failures found in the first 8 KiB come before anything is yielded;
 * a failure deeper in a large file comes after the documents already read from it, which stay valid.
 */
export async function* readDocuments(source: CorpusSource, options: Partial<IngestOptions> = {}): AsyncGenerator<DocumentPiece | Rejection> {
  const opts: IngestOptions = { ...DEFAULT_INGEST_OPTIONS, ...options };
  const kind = kindOf(source.name);
  if (!kind) return yield unsupportedFile(source.name);
  try {
    const text = requireContent(decodeUtf8Chunks(source.stream(), source.name));
    yield* READERS[kind](source.name, text, opts);
  } catch (err) {
    if (!(err instanceof CorpusFileError)) throw err;
    yield err.line === undefined ? { file: source.name, reason: err.reason } : { file: source.name, line: err.line, reason: err.reason };
  }
}

/** Every file in the order given; one bad file never stops the rest. */
export async function* readCorpus(files: Iterable<CorpusSource>, options: Partial<IngestOptions> = {}): AsyncGenerator<DocumentPiece | Rejection> {
  for (const file of files) yield* readDocuments(file, options);
}
