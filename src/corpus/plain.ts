// .txt and .md: the whole file is one document, streamed as the decoded chunks.
import type { DocumentPiece, IngestOptions } from './documents';
import { limitChars } from './text';

/**
 * One piece per text chunk. One chunk is held back so the last can carry `final: true`. If the file fails
 * part-way (bad UTF-8 deep inside a large file), the pieces already yielded stay: the held piece is yielded as
 * final, so the document is well-formed but cut at the last good chunk, and the error propagates; readDocuments
 * then adds the file's rejection after it.
 */
export async function* readPlainText(file: string, chunks: AsyncIterable<string>, opts: IngestOptions): AsyncGenerator<DocumentPiece> {
  let held: string | undefined;
  const last = () => ({ file, index: 0, text: held as string, final: true });
  try {
    for await (const text of limitChars(chunks, opts.maxDocumentChars)) {
      if (held !== undefined) yield { file, index: 0, text: held, final: false };
      held = text;
    }
  } catch (err) {
    // close the document consumers have started assembling (not in `finally`: a yield there would stall return())
    if (held !== undefined) yield last();
    throw err;
  }
  if (held !== undefined) yield last();
}
