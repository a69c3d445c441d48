// A Hugging Face dataset by id: which files hold one config's split, from the Hub API's tree listing of the repo
// (or of its Parquet conversion, the `refs/convert/parquet` branch the dataset viewer writes), in Hub order.
//
// Listing is one GET per page of /api/datasets/{repo}/tree/{revision}/{path}?recursive=true, following the Link
// header's rel="next" (the Hub pages at 1000 entries). @huggingface/hub's listFiles does the same request; it is not
// added as a dependency because this is the only call we need and a tree page is plain JSON (about 40 lines here
// against a 300 kB package with its own fetch wrapper, whose retry and error wording we would have to re-wrap anyway).
import { DatasetError, type HttpOptions, fetchJson } from './hub-http';

/** Which dataset, as SAELens names it (dataset_path) plus what `datasets.load_dataset` takes. */
export interface DatasetRef {
  repo: string; //          "Skylion007/openwebtext", "NeelNanda/pile-10k"
  revision?: string; //     branch, tag or commit; default "main"
  config?: string; //       subset ("wikitext-103-raw-v1"); default: the only one / "default"
  split?: string; //        default "train" (what SAELens streams)
  column?: string; //       text column, or token-id column for pre-tokenised data; default as SAELens picks
  /** 'repo': the files as uploaded; 'parquet': the Hub's conversion; 'auto' (default): the repo's, else the conversion. */
  files?: 'auto' | 'repo' | 'parquet';
}

export type DatasetFormat = 'parquet' | 'jsonl' | 'jsonl.gz' | 'jsonl.zst' | 'txt' | 'txt.gz';

export interface DatasetFile {
  path: string; //     in the repo at `revision`
  size: number; //     bytes (from the listing; Parquet reads need it for the footer)
  url: string; //      /datasets/{repo}/resolve/{revision}/{path}
  format: DatasetFormat;
}

export interface ResolvedDataset {
  ref: Required<Omit<DatasetRef, 'column'>> & { column?: string };
  revision: string; //   the revision the files were listed at (the branch name, or refs/convert/parquet)
  sha: string | null; // the commit it pointed to, when the API said
  files: DatasetFile[];
}

/** Same as src/model/sources.ts DEFAULT_HUB_URL (not imported: the corpus readers stay free of the model code). */
export const DEFAULT_HUB_URL = 'https://huggingface.co';

export const PARQUET_REVISION = 'refs/convert/parquet';

interface TreeEntry {
  type: 'file' | 'directory';
  path: string;
  size: number;
}

const FORMATS: [RegExp, DatasetFormat][] = [
  [/\.parquet$/i, 'parquet'],
  [/\.(jsonl|ndjson|json)\.gz$/i, 'jsonl.gz'],
  [/\.(jsonl|ndjson|json)\.zst$/i, 'jsonl.zst'],
  [/\.(jsonl|ndjson)$/i, 'jsonl'],
  [/\.(txt|text)\.gz$/i, 'txt.gz'],
  [/\.(txt|text)$/i, 'txt'],
];

/** The reader a file needs, by name; undefined when it is not data we can read (README, .py loaders, .arrow …). */
export function formatOf(path: string): DatasetFormat | undefined {
  return FORMATS.find(([re]) => re.test(path))?.[1];
}

export function checkRepoId(repo: string): string {
  const id = repo.trim();
  if (!/^[\w.-]+(\/[\w.-]+)?$/.test(id)) throw new DatasetError(`"${repo}" is not a Hub dataset id (expected owner/name, e.g. NeelNanda/pile-10k)`);
  return id;
}

const apiBase = (hubUrl: string, repo: string) => `${hubUrl.replace(/\/+$/, '')}/api/datasets/${repo}`;

export function datasetFileUrl(hubUrl: string, repo: string, revision: string, path: string): string {
  return `${hubUrl.replace(/\/+$/, '')}/datasets/${repo}/resolve/${encodeURIComponent(revision)}/${path.split('/').map(encodeURIComponent).join('/')}`;
}

/** Every entry under `path` at `revision`, all pages. */
export async function listTree(hubUrl: string, repo: string, revision: string, path: string, opts: HttpOptions): Promise<TreeEntry[]> {
  let url: string | null = `${apiBase(hubUrl, repo)}/tree/${encodeURIComponent(revision)}${path ? `/${path}` : ''}?recursive=true`;
  const out: TreeEntry[] = [];
  while (url) {
    const { body, res } = await fetchJson(url, `${repo} (listing ${revision})`, opts);
    if (!Array.isArray(body)) throw new DatasetError(`${repo}: the Hub's file listing is not a list`);
    out.push(...(body as TreeEntry[]));
    url = /<([^>]+)>;\s*rel="next"/.exec(res.headers.get('link') ?? '')?.[1] ?? null;
  }
  return out;
}

/** True when `path` belongs to `split` by the Hub's data-file naming: a folder named so, or "{split}-…", "…-{split}.…". */
export function inSplit(path: string, split: string): boolean {
  const segs = path.split('/');
  const base = segs.pop()!;
  const s = split.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return segs.some((d) => d === split || d === `partial-${split}`) || new RegExp(`(^|[-_.])${s}([-_.]|$)`).test(base.replace(/\.[^.]+(\.(gz|zst))?$/, ''));
}

const SPLIT_WORDS = ['train', 'test', 'validation', 'valid', 'dev', 'eval'];

/** One config's split among the data files of a repo listing (Hub order: sorted by path). */
export function selectFiles(entries: TreeEntry[], split: string, config: string | undefined): TreeEntry[] {
  let data = entries.filter((e) => e.type === 'file' && formatOf(e.path) !== undefined);
  if (config) {
    const inConfig = data.filter((e) => e.path.split('/').slice(0, -1).includes(config));
    data = inConfig.length ? inConfig : data;
  }
  const named = data.filter((e) => inSplit(e.path, split));
  // No file names any split: the Hub treats them all as "train".
  const none = !data.some((e) => SPLIT_WORDS.some((w) => inSplit(e.path, w)));
  return (named.length ? named : none && split === 'train' ? data : []).sort((a, b) => (a.path < b.path ? -1 : 1));
}

async function commitOf(hubUrl: string, repo: string, revision: string, opts: HttpOptions): Promise<string | null> {
  const { body } = await fetchJson(`${apiBase(hubUrl, repo)}/revision/${encodeURIComponent(revision)}`, `${repo} (revision ${revision})`, opts);
  const sha = (body as { sha?: unknown }).sha;
  return typeof sha === 'string' ? sha : null;
}

/** The files of `ref`'s split, listed from the Hub (or a server with its API). Errors name what to fix. */
export async function resolveDataset(ref: DatasetRef, opts: HttpOptions & { hubUrl?: string } = {}): Promise<ResolvedDataset> {
  const hubUrl = opts.hubUrl ?? DEFAULT_HUB_URL;
  const repo = checkRepoId(ref.repo);
  const full = { repo, revision: ref.revision || 'main', config: ref.config ?? '', split: ref.split || 'train', files: ref.files ?? 'auto', column: ref.column };
  const tryRevision = async (revision: string, path: string) => {
    const entries = await listTree(hubUrl, repo, revision, path, opts);
    return selectFiles(entries, full.split, full.config || undefined);
  };
  let revision = full.revision;
  let picked = full.files === 'parquet' ? [] : await tryRevision(revision, '');
  if (picked.length === 0 && full.files !== 'repo') {
    revision = PARQUET_REVISION;
    picked = await tryRevision(revision, full.config || 'default').catch((err) => {
      if (err instanceof DatasetError && err.status === 404) return [];
      throw err;
    });
  }
  if (picked.length === 0) {
    throw new DatasetError(
      `${repo}: no data files for split "${full.split}"${full.config ? ` of config "${full.config}"` : ''} (looked for Parquet, JSON Lines and text files in ${full.files === 'parquet' ? PARQUET_REVISION : `${full.revision}${full.files === 'repo' ? '' : ` and ${PARQUET_REVISION}`}`}). Check the split and config names.`,
    );
  }
  const sha = await commitOf(hubUrl, repo, revision, opts).catch(() => null);
  const files = picked.map((e) => ({ path: e.path, size: e.size, url: datasetFileUrl(hubUrl, repo, revision, e.path), format: formatOf(e.path)! }));
  return { ref: full, revision, sha, files };
}
