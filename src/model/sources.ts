// Where models come from: a URL folder (the embedded default), the Hugging Face Hub, or local files.
// Every failure becomes a ModelFetchError / SafetensorsError / ModelConfigError naming the file and the cause.
import { type Gpt2Config, parseGpt2Config } from '../core/config';
import { ModelFetchError, describeError } from '../core/errors';
import { type SafetensorsFile, readResponseBytes, readSafetensorsBlob, readSafetensorsBytes } from '../core/safetensors';
import { type Gpt2Weights, gpt2WeightsFromSafetensors } from '../core/weights';
import { type Gpt2Tokenizer, loadTokenizer } from './tokenizer';

export const DEFAULT_HUB_URL = 'https://huggingface.co';
export const DEFAULT_MODEL_PATH = 'models/tiny-gpt2/';
export const HUB_PRESETS = ['openai-community/gpt2', 'distilbert/distilgpt2', 'openai-community/gpt2-medium'] as const;
export const MODEL_FILES = ['config.json', 'tokenizer.json', 'model.safetensors'] as const;
const CACHE_NAME = 'sse-models-v1';

export interface LoadProgress {
  file: string;
  loaded: number; // bytes
  total: number; //  bytes, 0 when unknown
  cached: boolean;
}

export interface FetchOptions {
  onProgress?: (p: LoadProgress) => void;
  signal?: AbortSignal;
  cache?: boolean; // Cache Storage, where available (browser); default true
}

/** A loaded checkpoint: everything needed to build and run the model. */
export interface LoadedGpt2 {
  id: string;
  cfg: Gpt2Config;
  weights: Gpt2Weights;
  tokenizer: Gpt2Tokenizer;
  tokenizerJson: unknown;
}

/** A pre-built .onnx (naming contract: docs/onnx-contract.md) with its config and tokenizer. */
export interface LoadedOnnx {
  id: string;
  cfg: Gpt2Config;
  tokenizer: Gpt2Tokenizer;
  onnx: Uint8Array;
}

export function hubFileUrl(repo: string, file: string, hubUrl = DEFAULT_HUB_URL, revision = 'main'): string {
  if (!/^[\w.-]+(\/[\w.-]+)?$/.test(repo)) throw new ModelFetchError(`"${repo}" is not a Hub repo id (expected owner/name or name)`);
  return `${hubUrl.replace(/\/+$/, '')}/${repo}/resolve/${encodeURIComponent(revision)}/${file}`;
}

async function openCache(enabled: boolean): Promise<Cache | null> {
  if (!enabled || typeof caches === 'undefined') return null;
  try {
    return await caches.open(CACHE_NAME);
  } catch {
    return null; // storage blocked (private mode, opaque origin): work without a cache
  }
}

/** Fetches one file's bytes, from Cache Storage when present, streaming with progress otherwise. */
export async function fetchBytes(url: string, file: string, opts: FetchOptions = {}): Promise<Uint8Array> {
  const cache = await openCache(opts.cache ?? true);
  const hit = await cache?.match(url);
  if (hit) return readResponseBytes(hit, file, (loaded, total) => opts.onProgress?.({ file, loaded, total, cached: true }));
  let res: Response;
  try {
    res = await fetch(url, { signal: opts.signal });
  } catch (err) {
    throw new ModelFetchError(`could not download ${file} from ${url}: ${describeError(err)}. Check the address and your connection.`, url);
  }
  if (!res.ok) {
    const why = res.status === 404 ? 'not found' : res.status === 401 || res.status === 403 ? 'access denied (gated or private repo?)' : 'server error';
    throw new ModelFetchError(`${file}: ${why} (HTTP ${res.status}) at ${url}`, url, res.status);
  }
  const bytes = await readResponseBytes(res, file, (loaded, total) => opts.onProgress?.({ file, loaded, total, cached: false }));
  if (cache) {
    // Only complete downloads reach here; a failed put (quota) just means no cache next time.
    await cache.put(url, new Response(bytes as Uint8Array<ArrayBuffer>, { headers: { 'content-length': String(bytes.byteLength) } })).catch(() => undefined);
  }
  return bytes;
}

function parseJson(bytes: Uint8Array, file: string): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    throw new ModelFetchError(`${file} is not valid JSON`);
  }
}

/** Assembles config + weights + tokenizer, validating each. */
export function assembleGpt2(id: string, configJson: unknown, st: SafetensorsFile, tokenizerJson: unknown): LoadedGpt2 {
  const cfg = parseGpt2Config(configJson);
  const weights = gpt2WeightsFromSafetensors(st, cfg);
  const tokenizer = loadTokenizer(tokenizerJson);
  return { id, cfg, weights, tokenizer, tokenizerJson };
}

/** Loads from a folder URL holding config.json, tokenizer.json and model.safetensors. */
export async function loadGpt2FromUrl(id: string, baseUrl: string, opts: FetchOptions = {}): Promise<LoadedGpt2> {
  const base = baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`;
  return loadGpt2With(id, (file) => fetchBytes(new URL(file, base).href, file, opts));
}

/** Loads openai-community/gpt2 (or any GPT-2-family repo) from the Hub, or a server with its layout. */
export async function loadGpt2FromHub(repo: string, opts: FetchOptions & { hubUrl?: string; revision?: string } = {}): Promise<LoadedGpt2> {
  return loadGpt2With(repo, (file) => fetchBytes(hubFileUrl(repo, file, opts.hubUrl, opts.revision), file, opts));
}

async function loadGpt2With(id: string, get: (file: string) => Promise<Uint8Array>): Promise<LoadedGpt2> {
  // config first: a non-GPT-2 repo fails before a large download starts.
  const configJson = parseJson(await get('config.json'), 'config.json');
  parseGpt2Config(configJson);
  const tokenizerJson = parseJson(await get('tokenizer.json'), 'tokenizer.json');
  const st = readSafetensorsBytes(await get('model.safetensors'), 'model.safetensors');
  return assembleGpt2(id, configJson, st, tokenizerJson);
}

const onnxFile = (files: File[]) => files.find((f) => f.name.toLowerCase().endsWith('.onnx'));

/** True when the dropped files hold a pre-built .onnx rather than safetensors weights. */
export function isOnnxUpload(files: File[]): boolean {
  return onnxFile(files) !== undefined;
}

async function readLocalJson(byName: Map<string, File>, file: string): Promise<unknown> {
  return parseJson(new Uint8Array(await byName.get(file)!.arrayBuffer()), file);
}

function localFiles(files: File[], needed: string[]): { byName: Map<string, File>; id: string } {
  const byName = new Map(files.map((f) => [f.name, f]));
  const missing = needed.filter((n) => !byName.has(n));
  if (missing.length) throw new ModelFetchError(`missing ${missing.join(', ')} among the dropped files (need ${needed.join(', ')})`);
  const folder = (files[0] as File & { webkitRelativePath?: string }).webkitRelativePath?.split('/')[0];
  return { byName, id: folder || 'local model' };
}

/** Local files (dropped or picked): config.json, tokenizer.json and model.safetensors. */
export async function loadGpt2FromFiles(files: File[]): Promise<LoadedGpt2> {
  const { byName, id } = localFiles(files, [...MODEL_FILES]);
  const configJson = await readLocalJson(byName, 'config.json');
  parseGpt2Config(configJson);
  const tokenizerJson = await readLocalJson(byName, 'tokenizer.json');
  const st = await readSafetensorsBlob(byName.get('model.safetensors')!, 'model.safetensors');
  return assembleGpt2(id, configJson, st, tokenizerJson);
}

/** Local files: a pre-built .onnx plus config.json and tokenizer.json. */
export async function loadOnnxFromFiles(files: File[]): Promise<LoadedOnnx> {
  const model = onnxFile(files);
  if (!model) throw new ModelFetchError('no .onnx file among the dropped files');
  const { byName, id } = localFiles(files, ['config.json', 'tokenizer.json']);
  const cfg = parseGpt2Config(await readLocalJson(byName, 'config.json'));
  const tokenizer = loadTokenizer(await readLocalJson(byName, 'tokenizer.json'));
  return { id: id === 'local model' ? model.name : id, cfg, tokenizer, onnx: new Uint8Array(await model.arrayBuffer()) };
}

/** Removes every cached model file (Cache Storage). */
export async function clearModelCache(): Promise<void> {
  if (typeof caches !== 'undefined') await caches.delete(CACHE_NAME);
}

export interface CachedRepo {
  /** The Hub repo (owner/name) the files were downloaded from, or the URL's origin for other folders. */
  repo: string;
  hubUrl: string;
  files: string[];
  bytes: number;
}

/** What Cache Storage holds for the lab (models and SAEs downloaded from a Hub), grouped by repo. */
export async function listCachedRepos(): Promise<CachedRepo[]> {
  const cache = await openCache(true);
  if (!cache) return [];
  const byRepo = new Map<string, CachedRepo>();
  for (const req of await cache.keys()) {
    const m = /^(.*?)\/([\w.-]+(?:\/[\w.-]+)?)\/resolve\/[^/]+\/(.+)$/.exec(req.url);
    const [hubUrl, repo, file] = m ? [m[1], m[2], decodeURIComponent(m[3])] : [new URL(req.url).origin, new URL(req.url).origin, req.url];
    const key = `${hubUrl} ${repo}`;
    const entry = byRepo.get(key) ?? { repo, hubUrl, files: [], bytes: 0 };
    const res = await cache.match(req);
    entry.files.push(file);
    entry.bytes += Number(res?.headers.get('content-length') ?? 0);
    byRepo.set(key, entry);
  }
  return [...byRepo.values()].sort((a, b) => b.bytes - a.bytes);
}

/** Drops one repo's cached files; the next load downloads them again. */
export async function deleteCachedRepo(repo: CachedRepo): Promise<void> {
  const cache = await openCache(true);
  if (!cache) return;
  for (const req of await cache.keys()) if (req.url.startsWith(`${repo.hubUrl}/${repo.repo}/resolve/`) || (repo.repo === repo.hubUrl && req.url.startsWith(repo.hubUrl))) await cache.delete(req);
}
