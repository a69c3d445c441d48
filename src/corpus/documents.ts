// What the corpus readers produce: documents (streamed as pieces) and rejections, plus the file-kind table.

export type CorpusFileKind = 'txt' | 'md' | 'jsonl' | 'csv';

export interface Document {
  file: string;
  index: number; // 0-based data row within the file (jsonl: non-blank line, csv: record after the header); 0 for txt/md
  text: string;
}

/**
 * One stretch of a document. Consecutive pieces with the same (file, index) belong to one document and the
 * last has `final: true`, so a huge .txt never has to sit in memory as one string. jsonl/csv rows are one piece.
 */
export interface DocumentPiece extends Document {
  final: boolean;
}

/** Something skipped: a whole file (no `line`) or one row of it. */
export interface Rejection {
  file: string;
  line?: number; // 1-based line where the rejected row starts
  reason: string;
}

export interface IngestOptions {
  jsonlField: string; // the string field holding the text of each JSON line
  csvColumn: string | number; // header name, or 0-based column index
  maxDocumentChars?: number; // longer documents are cut to this many UTF-16 code units
}

export const DEFAULT_INGEST_OPTIONS: IngestOptions = { jsonlField: 'text', csvColumn: 'text' };

const KIND_BY_EXTENSION: Record<string, CorpusFileKind> = {
  txt: 'txt',
  text: 'txt',
  md: 'md',
  markdown: 'md',
  jsonl: 'jsonl',
  ndjson: 'jsonl',
  csv: 'csv',
};

function extensionOf(fileName: string): string {
  const base = fileName.slice(fileName.lastIndexOf('/') + 1);
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(dot + 1).toLowerCase() : '';
}

/** The reader for a file name, by extension (case-insensitive); undefined when we cannot read it. */
export function kindOf(fileName: string): CorpusFileKind | undefined {
  return KIND_BY_EXTENSION[extensionOf(fileName)];
}

/** The rejection for a file kindOf() does not know. */
export function unsupportedFile(fileName: string): Rejection {
  const ext = extensionOf(fileName);
  const what = ext ? `.${ext}` : '(no extension)';
  return { file: fileName, reason: `unsupported file type ${what} (use .txt, .md, .jsonl or .csv)` };
}

export function isRejection(item: DocumentPiece | Rejection): item is Rejection {
  return 'reason' in item;
}

/** A rejected row; the line number is both a field (for sorting) and in the reason (for reading). */
export function rowRejection(file: string, line: number, reason: string): Rejection {
  return { file, line, reason: `line ${line}: ${reason}` };
}

/** Cuts text to at most `max` code units without splitting a surrogate pair. */
export function truncateChars(text: string, max: number | undefined): string {
  if (max === undefined || text.length <= max) return text;
  const code = text.charCodeAt(max - 1);
  const end = code >= 0xd800 && code <= 0xdbff ? max - 1 : max; // don't keep half of an astral character
  return text.slice(0, Math.max(end, 0));
}
