// The one error the corpus readers raise. It fails a whole file; readDocuments turns it into a Rejection
// so one bad file in a dropped folder never stops the others.
import { LabError } from '../core/errors';

/** A corpus file that cannot be read as text of its kind (binary, not UTF-8, empty, no such column, ...). */
export class CorpusFileError extends LabError {
  constructor(
    readonly reason: string,
    readonly file = '',
    readonly line?: number,
  ) {
    super(file ? `${file}: ${reason}` : reason);
  }
}
