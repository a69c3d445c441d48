// RFC 4180 CSV as a state machine over characters, fed chunk by chunk, so quoted fields may hold commas,
// doubled quotes and newlines, and any of them may straddle a chunk boundary.
import { CorpusFileError } from './errors';
import { MAX_RECORD_CHARS } from './text';

export interface CsvRecord {
  fields: string[];
  line: number; // 1-based line where the record starts
}

const COMMA = 44;
const QUOTE = 34;
const CR = 13;
const LF = 10;

// Parser states. Text after a closing quote (`"ab"c`) or a quote inside an unquoted field (`ab"c`) is kept
// literally rather than failing the row, as most spreadsheet exporters' readers do.
const FIELD_START = 0;
const UNQUOTED = 1;
const QUOTED = 2;
const QUOTE_SEEN = 3; // a quote inside a quoted field: either the closing one or the first of a doubled pair

/** push() chunks, then end(). Records end at \n, \r\n or \r; blank lines are skipped. */
export class CsvParser {
  private state = FIELD_START;
  private field = '';
  private fields: string[] = [];
  private line = 1;
  private recordLine = 1;
  private recordChars = 0;
  private prevCR = false;

  constructor(private readonly maxRecordChars = MAX_RECORD_CHARS) {}

  push(chunk: string): CsvRecord[] {
    const out: CsvRecord[] = [];
    let run = 0; // start of field text in this chunk not yet appended to `field`
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk.charCodeAt(i);
      this.count(c);
      if (this.state === QUOTED) {
        if (c === QUOTE) {
          this.field += chunk.slice(run, i);
          this.state = QUOTE_SEEN;
        }
      } else if (this.state === QUOTE_SEEN && c === QUOTE) {
        this.field += '"';
        this.state = QUOTED;
        run = i + 1;
      } else if (c === COMMA || c === CR || c === LF) {
        if (this.state === UNQUOTED) this.field += chunk.slice(run, i);
        this.endField();
        if (c !== COMMA) this.endRecord(out);
      } else if (this.state === FIELD_START && c === QUOTE) {
        this.state = QUOTED;
        run = i + 1;
      } else if (this.state !== UNQUOTED) {
        this.state = UNQUOTED;
        run = i;
      }
    }
    if (this.state === QUOTED || this.state === UNQUOTED) this.field += chunk.slice(run);
    return out;
  }

  end(): CsvRecord[] {
    if (this.state === QUOTED) {
      throw new CorpusFileError(`line ${this.recordLine}: a quoted field opened here never closes (add the missing ")`, '', this.recordLine);
    }
    if (this.recordChars === 0) return [];
    this.endField();
    const out: CsvRecord[] = [];
    this.endRecord(out);
    return out;
  }

  /** Line numbers count \n, \r\n and \r, inside quotes too, so they match what an editor shows. */
  private count(c: number): void {
    if (c === CR || (c === LF && !this.prevCR)) this.line++;
    this.prevCR = c === CR;
    if (++this.recordChars > this.maxRecordChars) {
      throw new CorpusFileError(
        `line ${this.recordLine}: a record over ${this.maxRecordChars} characters (is a quote left open?)`,
        '',
        this.recordLine,
      );
    }
  }

  private endField(): void {
    this.fields.push(this.field);
    this.field = '';
    this.state = FIELD_START;
  }

  private endRecord(out: CsvRecord[]): void {
    // a record of nothing but its line break is a blank line (also the \n half of a \r\n)
    if (this.recordChars > 1 || this.fields.length > 1 || this.fields[0] !== '') out.push({ fields: this.fields, line: this.recordLine });
    this.fields = [];
    this.recordChars = 0;
    this.recordLine = this.line;
  }
}
