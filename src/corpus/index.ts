// Corpus ingestion: dropped files → streamed document pieces and rejections. Plain TypeScript (worker + Node).
export { CsvParser, type CsvRecord } from './csv-parser';
export { decodeUtf8Chunks, MAX_DECODE_BYTES, SNIFF_BYTES } from './decode';
export {
  DEFAULT_INGEST_OPTIONS,
  isRejection,
  kindOf,
  type CorpusFileKind,
  type Document,
  type DocumentPiece,
  type IngestOptions,
  type Rejection,
} from './documents';
export { CorpusFileError } from './errors';
export { hashFile, HASH_SLICE_BYTES } from './hash';
export { readCorpus, readDocuments, type CorpusSource } from './read';
export { SAMPLE_CORPUS_URL } from './sample';
export { lines, MAX_RECORD_CHARS, type Line } from './text';
