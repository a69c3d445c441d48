// The corpus offered to a first-time user: the first 20 chapters of Moby-Dick (public domain, ~200 KB),
// written by scripts/make-sample-corpus.mjs into public/, so fetch it relative to import.meta.env.BASE_URL.
export const SAMPLE_CORPUS_URL = 'samples/moby-dick.txt';
