// .csv: the first record is the header; the configured column of every later record is one document.
import { CsvParser, type CsvRecord } from './csv-parser';
import { rowRejection, truncateChars, type DocumentPiece, type IngestOptions, type Rejection } from './documents';
import { CorpusFileError } from './errors';

interface Header {
  column: number;
  width: number;
}

/** Rows whose field count differs from the header's are rejected: the column would be misaligned. */
export async function* readCsv(file: string, chunks: AsyncIterable<string>, opts: IngestOptions): AsyncGenerator<DocumentPiece | Rejection> {
  let header: Header | undefined;
  let index = 0;
  for await (const record of csvRecords(chunks)) {
    if (!header) header = { column: pickColumn(record.fields, opts.csvColumn), width: record.fields.length };
    else yield csvRow(file, index++, record, header, opts);
  }
  if (index === 0) throw new CorpusFileError('no rows after the header line');
}

export async function* csvRecords(chunks: AsyncIterable<string>): AsyncGenerator<CsvRecord> {
  const parser = new CsvParser();
  for await (const chunk of chunks) yield* parser.push(chunk);
  yield* parser.end();
}

function csvRow(file: string, index: number, { fields, line }: CsvRecord, header: Header, opts: IngestOptions): DocumentPiece | Rejection {
  if (fields.length !== header.width) {
    const hint = fields.length > header.width ? ' (an unquoted comma?)' : '';
    return rowRejection(file, line, `${fields.length} fields, the header has ${header.width}${hint}`);
  }
  const text = fields[header.column];
  if (!text.trim()) return rowRejection(file, line, `column ${header.column} is empty`);
  return { file, index, text: truncateChars(text, opts.maxDocumentChars), final: true };
}

/** Header names match after trimming, since exporters often write `id, text`. */
function pickColumn(names: string[], want: string | number): number {
  const listed = names.map((n) => JSON.stringify(n.trim())).join(', ');
  if (typeof want === 'number') {
    if (Number.isInteger(want) && want >= 0 && want < names.length) return want;
    throw new CorpusFileError(`no column ${want}: the header has ${names.length} (${listed}); columns count from 0`);
  }
  const found = names.findIndex((n) => n.trim() === want);
  if (found === -1) throw new CorpusFileError(`no column ${JSON.stringify(want)} in the header (${listed}); choose one of these`);
  return found;
}
