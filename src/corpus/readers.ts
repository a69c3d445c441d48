// Streaming corpus readers: .txt/.md (one document per file), .jsonl (a chosen field per line) and .csv
// (a chosen column per row). Files are read as streams and decoded incrementally, so a 2 GB file never
// sits in memory whole. Bad files and lines become rejections with a reason; the rest proceeds.
import { LabError } from '../core/errors';
import type { PieceRejection, TextPiece } from '../store/tokenize';

export class CorpusFileError extends LabError {}

export type CorpusFileKind = 'txt' | 'md' | 'jsonl' | 'csv';

export interface ReadOptions {
  jsonlField: string; // default "text"
  csvColumn: string; //  a header name, or a 0-based index written as digits
}

/** Anything with a name and a byte stream: a File, or a test double that chunks bytes its own way. */
export interface NamedSource {
  name: string;
  stream(): ReadableStream<Uint8Array>;
}

const KINDS: Record<string, CorpusFileKind> = { txt: 'txt', text: 'txt', md: 'md', markdown: 'md', jsonl: 'jsonl', ndjson: 'jsonl', csv: 'csv' };
const SNIFF_BYTES = 8192;

export function kindOf(name: string): CorpusFileKind | null {
  const ext = /\.([^./]+)$/.exec(name)?.[1]?.toLowerCase() ?? '';
  return KINDS[ext] ?? null;
}

/**
 * Decoded text chunks of a stream. Invalid UTF-8 or NUL bytes (a binary file) raise CorpusFileError;
 * a multi-byte character split across chunks decodes correctly (the decoder is streaming).
 */
export async function* decodeUtf8(stream: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
  const reader = stream.getReader();
  let seen = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (seen < SNIFF_BYTES && value.subarray(0, SNIFF_BYTES - seen).includes(0)) {
      await reader.cancel();
      throw new CorpusFileError('looks like a binary file (contains NUL bytes)');
    }
    let text: string;
    try {
      text = decoder.decode(value, { stream: true });
    } catch {
      await reader.cancel();
      throw new CorpusFileError(`not UTF-8 text (invalid byte sequence within bytes ${seen}–${seen + value.byteLength})`);
    }
    seen += value.byteLength;
    if (text) yield text;
  }
  try {
    const tail = decoder.decode();
    if (tail) yield tail;
  } catch {
    throw new CorpusFileError('not UTF-8 text (the file ends inside a multi-byte character)');
  }
}

/** Lines of a chunked text, handling \n, \r\n (also split across chunks) and a last line without newline. */
export async function* lines(chunks: AsyncIterable<string>): AsyncGenerator<{ line: string; lineNo: number }> {
  let rest = '';
  let lineNo = 0;
  for await (const chunk of chunks) {
    rest += chunk;
    let nl: number;
    while ((nl = rest.indexOf('\n')) >= 0) {
      const line = rest.slice(0, nl);
      rest = rest.slice(nl + 1);
      yield { line: line.endsWith('\r') ? line.slice(0, -1) : line, lineNo: ++lineNo };
    }
  }
  if (rest.length > 0) yield { line: rest.endsWith('\r') ? rest.slice(0, -1) : rest, lineNo: ++lineNo };
}

/** Records of an RFC 4180 CSV: quoted fields may hold commas, doubled quotes and newlines. */
export async function* csvRecords(chunks: AsyncIterable<string>): AsyncGenerator<{ fields: string[]; lineNo: number }> {
  let fields: string[] = [];
  let field = '';
  let quoted = false;
  let afterQuote = false; // just saw a quote inside a quoted field: either "" or the field's end
  let lineNo = 1;
  let startLine = 1;
  let pendingCR = false;
  for await (const chunk of chunks) {
    for (const ch of chunk) {
      if (pendingCR) {
        pendingCR = false;
        if (ch === '\n') continue;
      }
      if (quoted) {
        if (afterQuote) {
          afterQuote = false;
          if (ch === '"') {
            field += '"';
            continue;
          }
          quoted = false; // fall through: the quote closed the field
        } else if (ch === '"') {
          afterQuote = true;
          continue;
        } else {
          if (ch === '\n') lineNo++;
          field += ch;
          continue;
        }
      }
      if (ch === '"' && field === '') quoted = true;
      else if (ch === ',') {
        fields.push(field);
        field = '';
      } else if (ch === '\n' || ch === '\r') {
        fields.push(field);
        yield { fields, lineNo: startLine };
        fields = [];
        field = '';
        pendingCR = ch === '\r';
        startLine = ++lineNo;
      } else field += ch;
    }
  }
  if (field !== '' || fields.length > 0) {
    fields.push(field);
    yield { fields, lineNo: startLine };
  }
}

async function* textPieces(src: NamedSource): AsyncGenerator<TextPiece | PieceRejection> {
  let any = false; // any non-whitespace seen
  let first = true;
  let previous: string | null = null;
  for await (const chunk of decodeUtf8(src.stream())) {
    const text: string = first ? chunk.replace(/^\uFEFF/, '') : chunk;
    first = false;
    if (!text) continue;
    if (previous !== null) yield { file: src.name, index: 0, text: previous, final: false };
    previous = text;
    any = any || /\S/.test(text);
  }
  if (!any) {
    yield { file: src.name, reason: 'empty file' };
    return;
  }
  yield { file: src.name, index: 0, text: previous!, final: true };
}

async function* jsonlPieces(src: NamedSource, field: string): AsyncGenerator<TextPiece | PieceRejection> {
  let index = 0;
  let any = false;
  for await (const { line, lineNo } of lines(decodeUtf8(src.stream()))) {
    const trimmed = line.replace(/^\uFEFF/, '').trim();
    if (!trimmed) continue;
    any = true;
    let value: unknown;
    try {
      value = JSON.parse(trimmed);
    } catch {
      yield { file: src.name, line: lineNo, reason: `line ${lineNo}: not valid JSON` };
      continue;
    }
    const text: unknown = (value as Record<string, unknown> | null)?.[field];
    if (typeof text !== 'string') {
      yield { file: src.name, line: lineNo, reason: `line ${lineNo}: no string field "${field}"` };
      continue;
    }
    yield { file: src.name, index: index++, text, final: true };
  }
  if (!any) yield { file: src.name, reason: 'empty file' };
}

async function* csvPieces(src: NamedSource, column: string): AsyncGenerator<TextPiece | PieceRejection> {
  let col = -1;
  let index = 0;
  for await (const { fields, lineNo } of csvRecords(decodeUtf8(src.stream()))) {
    if (col < 0) {
      const header = fields.map((f, i) => (i === 0 ? f.replace(/^\uFEFF/, '') : f));
      col = /^\d+$/.test(column) ? Number(column) : header.indexOf(column);
      if (col < 0 || col >= header.length) {
        yield { file: src.name, reason: `no column "${column}" in the header (${header.join(', ')})` };
        return;
      }
      continue;
    }
    if (fields.length === 1 && fields[0] === '') continue; // blank line
    if (fields.length <= col) {
      yield { file: src.name, line: lineNo, reason: `line ${lineNo}: ${fields.length} fields, column ${col + 1} missing` };
      continue;
    }
    yield { file: src.name, index: index++, text: fields[col], final: true };
  }
  if (col < 0) yield { file: src.name, reason: 'empty file' };
}

/**
 * Pieces of every document in `files`, in order, with rejections in between. A file found to be binary
 * or not UTF-8 part-way through yields a rejection; documents it already yielded are kept (the first
 * 8 KiB are sniffed for NUL bytes before anything is yielded, which catches binary files early).
 */
export async function* readCorpus(files: NamedSource[], opts: ReadOptions): AsyncGenerator<TextPiece | PieceRejection> {
  for (const f of files) {
    const kind = kindOf(f.name);
    if (!kind) {
      yield { file: f.name, reason: `unsupported file type (use .txt, .md, .jsonl or .csv)` };
      continue;
    }
    const pieces = kind === 'jsonl' ? jsonlPieces(f, opts.jsonlField) : kind === 'csv' ? csvPieces(f, opts.csvColumn) : textPieces(f);
    try {
      yield* pieces;
    } catch (err) {
      if (!(err instanceof CorpusFileError)) throw err;
      yield { file: f.name, reason: err.message };
    }
  }
}

/** SHA-256 (hex) of a file, read in 64 MiB slices: for files over 64 MiB it hashes the slice hashes. */
export async function hashFile(blob: Blob): Promise<string> {
  const SLICE = 64 * 1024 * 1024;
  const hex = (b: ArrayBuffer) => Array.from(new Uint8Array(b), (x) => x.toString(16).padStart(2, '0')).join('');
  if (blob.size <= SLICE) return hex(await crypto.subtle.digest('SHA-256', await blob.arrayBuffer()));
  const parts: string[] = [];
  for (let at = 0; at < blob.size; at += SLICE) parts.push(hex(await crypto.subtle.digest('SHA-256', await blob.slice(at, at + SLICE).arrayBuffer())));
  return `chunked:${hex(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(parts.join(''))))}`;
}
