// .jsonl / .ndjson: one JSON object per non-blank line; the configured string field is the document.
import { rowRejection, truncateChars, type DocumentPiece, type IngestOptions, type Rejection } from './documents';
import { lines } from './text';

/** A bad line is rejected with its number and reading goes on; `index` counts non-blank lines. */
export async function* readJsonl(file: string, chunks: AsyncIterable<string>, opts: IngestOptions): AsyncGenerator<DocumentPiece | Rejection> {
  let index = 0;
  for await (const { line, lineNo } of lines(chunks)) {
    if (!line.trim()) continue;
    yield jsonlRow(file, index++, line, lineNo, opts);
  }
}

function jsonlRow(file: string, index: number, line: string, lineNo: number, opts: IngestOptions): DocumentPiece | Rejection {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return rowRejection(file, lineNo, 'not valid JSON');
  }
  const field = opts.jsonlField;
  const text = isObject(value) ? value[field] : undefined;
  if (typeof text !== 'string') return rowRejection(file, lineNo, `no string field ${JSON.stringify(field)}`);
  if (!text.trim()) return rowRejection(file, lineNo, `field ${JSON.stringify(field)} is empty`);
  return { file, index, text: truncateChars(text, opts.maxDocumentChars), final: true };
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
