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
export {
  openDataset,
  shardOrder,
  streamDataset,
  SAELENS_COLUMNS,
  type DatasetCursor,
  type DatasetItem,
  type DatasetProgress,
  type DatasetStreamOptions,
  type DatasetTextPiece,
  type DatasetTokenPiece,
} from './dataset-stream';
export { DEFAULT_HUB_URL, PARQUET_REVISION, formatOf, resolveDataset, type DatasetFile, type DatasetFormat, type DatasetRef, type ResolvedDataset } from './hub-dataset';
export { DatasetError, DatasetPausedError, type HttpOptions } from './hub-http';
