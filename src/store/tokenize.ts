// Corpus → windows in the store. Documents arrive as streamed text pieces; each is tokenized at cut
// points that cannot change GPT-2's tokens, packed into BOS-led windows, and written in chunks, so
// neither a 2 GB file nor its token stream is ever held whole. A run with a held-out share packs its held-out
// documents into windows of their own (SplitWindowBuilder) and marks them in each chunk.
import { LabError } from '../core/errors';
import type { Gpt2Tokenizer } from '../model/tokenizer';
import { putWindowChunk, saveManifest } from './runs';
import type { DocumentRecord, RejectionInfo, RunManifest, StoreDb, WindowChunk } from './schema';
import { NO_HELD_OUT, type SplitWindow, SplitWindowBuilder } from '../corpus/held-out';
import { safeCutIndex } from './windows';

export interface TextPiece {
  file: string;
  index: number; // document within its file (jsonl/csv row; 0 for txt/md)
  text: string;
  final: boolean; // last piece of this document
}

export interface PieceRejection {
  file: string;
  line?: number;
  reason: string;
}

export interface TokenizeProgress {
  documents: number;
  tokens: number;
  windows: number;
  chars: number;
}

/**
 * A corpus with no text to store: every file was skipped (binary, empty, not UTF-8, no such field …). It carries the
 * rejections so the page can list them; no run is kept for it.
 */
export class EmptyCorpusError extends LabError {
  readonly detail: { rejections: RejectionInfo[] };
  constructor(files: number, rejections: RejectionInfo[]) {
    super(emptyCorpusMessage(files, rejections));
    this.detail = { rejections };
  }
}

/** "no run was made: none of the 2 files holds text to tokenize (a.txt: empty file; b.bin: …)": the first five reasons. */
export function emptyCorpusMessage(files: number, rejections: RejectionInfo[]): string {
  const named = rejections.slice(0, 5).map((r) => `${r.file}${r.line !== undefined ? `:${r.line}` : ''}: ${r.reason}`);
  if (rejections.length > 5) named.push(`${rejections.length - 5} more`);
  const which = files === 1 ? 'the file holds no text to tokenize' : `none of the ${files} files holds text to tokenize`;
  return (
    `no run was made: ${which}${named.length ? ` (${named.join('; ')})` : ''}. ` +
    'Choose UTF-8 text files (.txt, .md, .jsonl or .csv; for .jsonl and .csv, check the field or column name).'
  );
}

const MAX_PENDING_CHARS = 1 << 20; // cut even without a safe point past this (a megabyte with no spaces)

/** Every document fell in the held-out share: nothing would be left to train on. No run is kept for it. */
export class AllHeldOutError extends LabError {}

class ChunkWriter {
  private buf: SplitWindow[] = [];
  constructor(
    private readonly db: StoreDb,
    private readonly run: RunManifest,
  ) {}

  async add(windows: SplitWindow[]): Promise<void> {
    for (const sw of windows) {
      const w = sw.window;
      const rows = this.run.skipBos ? w.ids.length - 1 : w.ids.length;
      this.buf.push(sw);
      this.run.windows++;
      this.run.tokens += w.ids.length;
      this.run.totalRows += rows;
      if (sw.heldOut) {
        this.run.heldOutWindows = (this.run.heldOutWindows ?? 0) + 1;
        this.run.heldOutRows = (this.run.heldOutRows ?? 0) + rows;
      }
      if (this.buf.length === this.run.windowsPerChunk) await this.flush();
    }
  }

  async flush(): Promise<void> {
    if (this.buf.length === 0) return;
    const ws = this.buf.map((b) => b.window);
    const chunk: WindowChunk = {
      runId: this.run.id,
      index: this.run.windowChunks,
      lengths: ws.map((w) => w.ids.length),
      ids: Int32Array.from(ws.flatMap((w) => w.ids)),
      doc: Int32Array.from(ws.flatMap((w) => w.doc)),
      offset: Int32Array.from(ws.flatMap((w) => w.offset)),
      // Runs without a split write no flags, as before.
      ...(this.run.heldOut ? { heldOut: Uint8Array.from(this.buf, (b) => (b.heldOut ? 1 : 0)) } : {}),
    };
    await putWindowChunk(this.db, chunk);
    this.run.windowChunks++;
    this.buf = [];
  }
}

/**
 * Tokenizes every document into the run's windows; rejections are recorded, the rest proceeds. A corpus that yields
 * no rows at all throws EmptyCorpusError (its caller deletes the run).
 */
export async function tokenizeIntoRun(
  db: StoreDb,
  run: RunManifest,
  pieces: AsyncIterable<TextPiece | PieceRejection>,
  tokenizer: Pick<Gpt2Tokenizer, 'encode'>,
  opts: { separatorTokenId: number; onProgress?: (p: TokenizeProgress) => void; signal?: AbortSignal },
): Promise<void> {
  const builder = new SplitWindowBuilder({ contextLength: run.contextLength, bosTokenId: run.bosTokenId, separatorTokenId: opts.separatorTokenId }, run.heldOut ?? NO_HELD_OUT);
  const writer = new ChunkWriter(db, run);
  let docs: DocumentRecord[] = [];
  let current: { file: string; index: number } | null = null;
  let pending = '';
  let offset = 0;
  let chars = 0;

  const emit = async (text: string) => {
    const ids = tokenizer.encode(text);
    await writer.add(builder.addTokens(run.documents - 1, ids, offset));
    offset += ids.length;
  };

  for await (const item of pieces) {
    opts.signal?.throwIfAborted();
    if ('reason' in item) {
      run.rejections.push({ file: item.file, line: item.line, reason: item.reason });
      continue;
    }
    if (!current || current.file !== item.file || current.index !== item.index) {
      current = { file: item.file, index: item.index };
      docs.push({ runId: run.id, index: run.documents, file: item.file, row: item.index });
      run.documents++;
      pending = '';
      offset = 0;
    }
    pending += item.text;
    chars += item.text.length;
    if (item.final) {
      await emit(pending);
      pending = '';
      await writer.add(builder.endDocument(run.documents - 1));
      current = null;
    } else {
      let cut = safeCutIndex(pending, pending.length >> 1);
      if (cut < 0 && pending.length > MAX_PENDING_CHARS) cut = pending.length;
      if (cut > 0) {
        await emit(pending.slice(0, cut));
        pending = pending.slice(cut);
      }
    }
    if (docs.length >= 512) docs = await writeDocs(db, docs);
    opts.onProgress?.({ documents: run.documents, tokens: run.tokens, windows: run.windows, chars });
  }
  await writer.add(builder.flush());
  await writer.flush();
  await writeDocs(db, docs);
  if (run.totalRows === 0) throw new EmptyCorpusError(run.files.length, run.rejections);
  if (run.totalRows === (run.heldOutRows ?? 0)) {
    const share = `${((run.heldOut?.share ?? 0) * 100).toFixed(1)}%`;
    throw new AllHeldOutError(
      `no run was made: all ${run.documents} document(s) fell in the held-out share (${share}), so nothing is left to train on. ` +
        'Lower the held-out share, or add documents.',
    );
  }
  run.status = 'ready';
  await saveManifest(db, run);
}

async function writeDocs(db: StoreDb, docs: DocumentRecord[]): Promise<DocumentRecord[]> {
  const tx = db.transaction('documents', 'readwrite');
  await Promise.all([...docs.map((d) => tx.store.put(d)), tx.done]);
  return [];
}
