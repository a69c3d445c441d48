// A tiny stand-in for the Hugging Face Hub's file endpoints, for tests (Node http, no deps).
//
//   GET/HEAD/OPTIONS /{repo id}/resolve/{revision}/{path/in/repo}
//
// Repo ids may have one or two segments ("distilgpt2", "openai-community/gpt2"); routing is on
// the "/resolve/" segment. Any revision is accepted. Files come from a map repo id → local dir
// and are streamed (they may be hundreds of MB), with Range support, CORS, CORP and an ETag.
//
// Also (small conveniences, like the Hub): GET /api/models/{repo id}[/revision/{rev}] → JSON
// {id, sha, siblings: [{rfilename, size}]}.
//
// Dataset repos, in the Hub's layout: register them under "datasets/{owner}/{name}" (files at
// /datasets/{repo}/resolve/{revision}/{path}); a revision with other contents (the parquet conversion,
// "refs/convert/parquet") is a second key "datasets/{owner}/{name}@refs/convert/parquet". API:
//   GET /api/datasets/{repo}[/revision/{rev}]            → {id, sha, private, gated, siblings: [{rfilename, size}]}
//   GET /api/datasets/{repo}/tree/{rev}[/{path}][?recursive=true] → [{type: 'file'|'directory', oid, size, path, lfs?}]
//       paged like the Hub: at most `treePageSize` entries, then a Link header <…?cursor=N>; rel="next"
// `auth`: repo → token; such a repo answers 401 (X-Error-Code GatedRepo) unless "Authorization: Bearer {token}".
//
// Fault injection: `server.faults.set(key, fault)`, where key is the request path
// ("/owner/repo/resolve/main/model.safetensors"), "owner/repo/model.safetensors" or just the path
// in the repo ("model.safetensors"). A fault applies to every matching GET/HEAD until deleted,
// or `{ fault, times }` applies it to the next `times` requests and then removes itself.
//   status404          Hub-style 404 JSON
//   status500          500 JSON
//   truncate:N         full Content-Length in the headers, N body bytes, then the connection ends
//   destroy-mid-body   half the body, then the socket is destroyed
//   redirect           302 to /__cdn/... (how the Hub sends LFS files), which serves the file
//   status503          503 JSON (the Hub under load)
//   slow               the body in 4 KiB writes with a pause between them (completes; only slower)

import { createHash } from 'node:crypto';
import { createReadStream, existsSync, readdirSync, statSync } from 'node:fs';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, isAbsolute, join, relative, resolve, sep } from 'node:path';

export type Fault = 'status404' | 'status500' | 'status503' | 'slow' | `truncate:${number}` | 'destroy-mid-body' | 'redirect';
export interface FaultSpec {
  fault: Fault;
  /** Apply to this many more requests, then remove the entry. */
  times: number;
}

export interface RequestRecord {
  method: string;
  /** URL path as requested (not decoded), without the query string. */
  path: string;
  range: string | null;
  status: number;
}

export interface HubServer {
  /** e.g. "http://127.0.0.1:40123" (no trailing slash). */
  url: string;
  close(): Promise<void>;
  faults: Map<string, Fault | FaultSpec>;
  /** Paths of every request in order (GET/HEAD/OPTIONS, including unknown ones). */
  requests: string[];
  /** Same requests with method, Range header and response status. */
  log: RequestRecord[];
  /** Convenience: `${url}/${repo}/resolve/${revision}/${file}`. */
  resolveUrl(repo: string, file: string, revision?: string): string;
}

export interface HubServerOptions {
  /** Port to listen on (default 0: a free one). Always binds 127.0.0.1. */
  port?: number;
  /** Extra latency before every response, ms (default 0). */
  delayMs?: number;
  /** Tree API page size (the Hub pages at 1000; tests use less to exercise the Link header). */
  treePageSize?: number;
  /** Gated/private repos: repo key → the token that opens it. */
  auth?: Record<string, string>;
}

const CONTENT_TYPES: Record<string, string> = {
  '.json': 'application/json; charset=utf-8',
  '.md': 'text/markdown; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.safetensors': 'application/octet-stream',
  '.onnx': 'application/octet-stream',
  '.bin': 'application/octet-stream',
};

const CORS_HEADERS = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Expose-Headers':
    'Content-Length, Content-Range, Accept-Ranges, ETag, X-Repo-Commit, X-Error-Code, X-Error-Message, X-Linked-Size, X-Linked-ETag, Location',
  // The app page is COEP require-corp; CORS already satisfies it, CORP also covers no-cors loads.
  'Cross-Origin-Resource-Policy': 'cross-origin',
};

/** Fake but stable 40-hex commit id for a repo. */
export function fakeCommit(repo: string): string {
  return createHash('sha1').update(`commit:${repo}`).digest('hex');
}

function listFiles(dir: string, prefix = ''): { rfilename: string; size: number }[] {
  const out: { rfilename: string; size: number }[] = [];
  for (const ent of readdirSync(dir, { withFileTypes: true })) {
    if (ent.name.startsWith('.')) continue;
    const rel = prefix ? `${prefix}/${ent.name}` : ent.name;
    if (ent.isDirectory()) out.push(...listFiles(join(dir, ent.name), rel));
    else if (ent.isFile()) out.push({ rfilename: rel, size: statSync(join(dir, ent.name)).size });
  }
  return out.sort((a, b) => a.rfilename.localeCompare(b.rfilename));
}

/** Parses a single "bytes=" range against `size`. null: no/ignored range; 'unsatisfiable': 416. */
export function parseRange(header: string | undefined, size: number): { start: number; end: number } | null | 'unsatisfiable' {
  if (!header) return null;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m) return null; // multiple ranges or junk: ignore, send the whole file (allowed by RFC 9110)
  const [, a, b] = m;
  if (a === '' && b === '') return null;
  let start: number;
  let end: number;
  if (a === '') {
    const suffix = Number(b);
    if (suffix === 0) return 'unsatisfiable';
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(a);
    end = b === '' ? size - 1 : Math.min(Number(b), size - 1);
    if (start >= size || end < start) return 'unsatisfiable';
  }
  return { start, end };
}

export async function startHubServer(
  repos: Record<string, string> | Map<string, string>,
  opts: HubServerOptions = {},
): Promise<HubServer> {
  const repoDirs = new Map<string, string>(repos instanceof Map ? repos : Object.entries(repos));
  for (const [id, dir] of repoDirs) {
    if (!existsSync(dir)) throw new Error(`hub-server: directory for ${id} does not exist: ${dir}`);
    repoDirs.set(id, resolve(dir));
  }
  const faults = new Map<string, Fault | FaultSpec>();
  const requests: string[] = [];
  const log: RequestRecord[] = [];

  function takeFault(keys: string[]): Fault | null {
    for (const key of keys) {
      const f = faults.get(key);
      if (f === undefined) continue;
      if (typeof f === 'string') return f;
      if (f.times <= 1) faults.delete(key);
      else faults.set(key, { fault: f.fault, times: f.times - 1 });
      if (f.times >= 1) return f.fault;
    }
    return null;
  }

  function sendJson(res: ServerResponse, status: number, body: unknown, extra: Record<string, string> = {}): void {
    const text = JSON.stringify(body);
    res.writeHead(status, {
      ...CORS_HEADERS,
      'Content-Type': 'application/json; charset=utf-8',
      'Content-Length': Buffer.byteLength(text),
      ...extra,
    });
    res.end(res.req.method === 'HEAD' ? undefined : text);
  }

  function entryNotFound(res: ServerResponse): void {
    sendJson(res, 404, { error: 'Entry not found' }, { 'X-Error-Code': 'EntryNotFound', 'X-Error-Message': 'Entry not found' });
  }

  /** The folder serving `repo` at `revision` (decoded): a "repo@revision" entry first, else the repo's. */
  function dirFor(repo: string, revision: string): string | undefined {
    return repoDirs.get(`${repo}@${revision}`) ?? repoDirs.get(repo);
  }

  function serveFile(req: IncomingMessage, res: ServerResponse, repo: string, file: string, fault: Fault | null, revision = 'main'): void {
    const dir = dirFor(repo, revision)!;
    const abs = resolve(dir, file);
    const rel = relative(dir, abs);
    if (!file || rel.startsWith('..') || isAbsolute(rel) || rel.split(sep).some((s) => s.startsWith('.'))) {
      entryNotFound(res);
      return;
    }
    let st: ReturnType<typeof statSync>;
    try {
      st = statSync(abs);
    } catch {
      entryNotFound(res);
      return;
    }
    if (!st.isFile()) {
      entryNotFound(res);
      return;
    }
    const size = st.size;
    const etag = `"${createHash('sha1').update(`${abs}:${size}:${st.mtimeMs}`).digest('hex')}"`;
    const base: Record<string, string | number> = {
      ...CORS_HEADERS,
      'Content-Type': CONTENT_TYPES[extname(abs).toLowerCase()] ?? 'application/octet-stream',
      'Accept-Ranges': 'bytes',
      ETag: etag,
      'X-Repo-Commit': fakeCommit(repo),
      'Cache-Control': 'no-cache',
    };
    if (req.headers['if-none-match'] === etag && !req.headers.range) {
      res.writeHead(304, base);
      res.end();
      return;
    }
    const range = parseRange(req.headers.range, size);
    if (range === 'unsatisfiable') {
      res.writeHead(416, { ...base, 'Content-Range': `bytes */${size}`, 'Content-Length': 0 });
      res.end();
      return;
    }
    const start = range?.start ?? 0;
    const end = range?.end ?? size - 1; // inclusive
    const length = size === 0 ? 0 : end - start + 1;
    const headers = { ...base, 'Content-Length': length };
    if (range) res.writeHead(206, { ...headers, 'Content-Range': `bytes ${start}-${end}/${size}` });
    else res.writeHead(200, headers);
    if (req.method === 'HEAD' || length === 0) {
      res.end();
      return;
    }

    if (fault === 'slow') {
      sendSlowly(res, abs, start, end);
      return;
    }
    let limit = length; // bytes of body to send before cutting the connection
    let cut: 'end' | 'destroy' | null = null;
    if (fault?.startsWith('truncate:')) {
      limit = Math.max(0, Math.min(length, Number(fault.slice('truncate:'.length)) | 0));
      cut = limit < length ? 'end' : null;
    } else if (fault === 'destroy-mid-body') {
      limit = Math.floor(length / 2);
      cut = 'destroy';
    }
    if (cut === null) {
      const stream = createReadStream(abs, { start, end });
      stream.on('error', () => res.destroy());
      res.on('close', () => stream.destroy());
      stream.pipe(res);
      return;
    }
    const finish = () => {
      if (cut === 'destroy') res.socket?.destroy(); // like a reset mid-transfer
      else res.socket?.end(); // EOF before Content-Length is reached
    };
    // The socket's write callback runs once everything queued before it is flushed, so the
    // client really gets the first `limit` body bytes before the cut.
    const cutAfterFlush = () => {
      const sock = res.socket;
      if (!sock) return res.destroy();
      sock.write('', finish);
    };
    if (limit === 0) {
      // Headers must reach the client before the cut.
      res.flushHeaders();
      cutAfterFlush();
      return;
    }
    const stream = createReadStream(abs, { start, end: start + limit - 1 });
    stream.on('error', () => res.destroy());
    res.on('close', () => stream.destroy());
    stream.on('data', (chunk) => {
      if (!res.write(chunk)) {
        stream.pause();
        res.once('drain', () => stream.resume());
      }
    });
    stream.on('end', cutAfterFlush);
  }

  /** The range in 4 KiB writes, each after a short pause: a slow link that still delivers every byte. */
  function sendSlowly(res: ServerResponse, abs: string, start: number, end: number): void {
    const stream = createReadStream(abs, { start, end, highWaterMark: 4096 });
    stream.on('error', () => res.destroy());
    res.on('close', () => stream.destroy());
    stream.on('data', (chunk) => {
      stream.pause();
      res.write(chunk);
      setTimeout(() => stream.resume(), 5);
    });
    stream.on('end', () => res.end());
  }

  /** 401 like the Hub's for a gated repo, unless the request carries its token. */
  function refusedAuth(req: IncomingMessage, res: ServerResponse, repo: string): boolean {
    const token = opts.auth?.[repo];
    if (token === undefined || req.headers.authorization === `Bearer ${token}`) return false;
    const message = `Access to dataset ${repo.replace(/^datasets\//, '')} is restricted. You must have access to it and be authenticated to access it. Please log in.`;
    sendJson(res, 401, { error: message }, { 'X-Error-Code': 'GatedRepo', 'X-Error-Message': message });
    return true;
  }

  /** /api/datasets/{repo}[/revision/{rev}] and /api/datasets/{repo}/tree/{rev}[/{path}]. */
  function datasetApi(req: IncomingMessage, res: ServerResponse, rawPath: string, query: URLSearchParams): void {
    const rest = rawPath.slice('/api/datasets/'.length);
    const parts = rest.split('/');
    const repo = `datasets/${decodeURIComponent(parts[0])}${parts[1] && parts[1] !== 'tree' && parts[1] !== 'revision' ? `/${decodeURIComponent(parts[1])}` : ''}`;
    const after = parts.slice(repo.split('/').length - 1);
    if (!repoDirs.has(repo)) {
      // As the Hub does for a dataset that does not exist or is private to someone else: 401, RepoNotFound.
      sendJson(res, 401, { error: 'Repository Not Found' }, { 'X-Error-Code': 'RepoNotFound', 'X-Error-Message': 'Repository Not Found' });
      return;
    }
    if (refusedAuth(req, res, repo)) return;
    if (after[0] === 'tree' && after.length >= 2) {
      const revision = decodeURIComponent(after[1]);
      const sub = after.slice(2).map(decodeURIComponent).join('/').replace(/\/$/, '');
      sendTree(res, repo, revision, sub, query);
      return;
    }
    const revision = after[0] === 'revision' && after[1] ? decodeURIComponent(after[1]) : 'main';
    const dir = dirFor(repo, revision)!;
    sendJson(res, 200, { id: repo.slice('datasets/'.length), sha: fakeCommit(`${repo}@${revision}`), private: false, gated: opts.auth?.[repo] ? 'manual' : false, siblings: listFiles(dir) });
  }

  function sendTree(res: ServerResponse, repo: string, revision: string, sub: string, query: URLSearchParams): void {
    const dir = dirFor(repo, revision)!;
    const recursive = query.get('recursive') === 'true' || query.get('recursive') === '1';
    const files = listFiles(dir).filter((f) => !sub || f.rfilename.startsWith(`${sub}/`));
    if (sub && files.length === 0) {
      sendJson(res, 404, { error: `Entry not found` }, { 'X-Error-Code': 'EntryNotFound' });
      return;
    }
    const entries: { type: 'file' | 'directory'; oid: string; size: number; path: string; lfs?: { oid: string; size: number; pointerSize: number } }[] = [];
    const dirs = new Set<string>();
    for (const f of files) {
      const rel = sub ? f.rfilename.slice(sub.length + 1) : f.rfilename;
      const segs = rel.split('/');
      for (let i = 1; i < segs.length && (recursive || i === 1); i++) {
        const d = [sub, ...segs.slice(0, i)].filter(Boolean).join('/');
        if (!dirs.has(d)) {
          dirs.add(d);
          entries.push({ type: 'directory', oid: createHash('sha1').update(d).digest('hex'), size: 0, path: d });
        }
      }
      if (!recursive && segs.length > 1) continue;
      const oid = createHash('sha1').update(`${f.rfilename}:${f.size}`).digest('hex');
      const lfs = /\.(parquet|gz|zst|arrow)$/.test(f.rfilename) ? { lfs: { oid: createHash('sha256').update(oid).digest('hex'), size: f.size, pointerSize: 134 } } : {};
      entries.push({ type: 'file', oid, size: f.size, path: f.rfilename, ...lfs });
    }
    const pageSize = opts.treePageSize ?? 1000;
    const from = Number(query.get('cursor') ?? 0) | 0;
    const page = entries.slice(from, from + pageSize);
    const extra: Record<string, string> = {};
    if (from + pageSize < entries.length) {
      const next = new URLSearchParams(query);
      next.set('cursor', String(from + pageSize));
      const base = `/api/datasets/${repo.slice('datasets/'.length)}/tree/${encodeURIComponent(revision)}${sub ? `/${sub}` : ''}`;
      extra.Link = `<${url}${base}?${next}>; rel="next"`;
    }
    sendJson(res, 200, page, extra);
  }

  const server: Server = createServer((req, res) => {
    const run = () => handle(req, res);
    if (opts.delayMs) setTimeout(run, opts.delayMs);
    else run();
  });

  function handle(req: IncomingMessage, res: ServerResponse): void {
    const rawPath = (req.url ?? '/').split('?')[0];
    const query = new URLSearchParams((req.url ?? '').split('?')[1] ?? '');
    const method = req.method ?? 'GET';
    requests.push(rawPath);
    const rec: RequestRecord = { method, path: rawPath, range: req.headers.range ?? null, status: 0 };
    log.push(rec);
    res.on('finish', () => (rec.status = res.statusCode));
    res.on('close', () => (rec.status ||= res.statusCode));

    if (method === 'OPTIONS') {
      res.writeHead(204, {
        ...CORS_HEADERS,
        'Access-Control-Allow-Methods': 'GET, HEAD, OPTIONS',
        'Access-Control-Allow-Headers': req.headers['access-control-request-headers'] ?? 'Range, If-None-Match, Content-Type, Authorization',
        'Access-Control-Max-Age': '600',
        ...(req.headers['access-control-request-private-network'] ? { 'Access-Control-Allow-Private-Network': 'true' } : {}),
        'Content-Length': 0,
      });
      res.end();
      return;
    }
    if (method !== 'GET' && method !== 'HEAD') {
      sendJson(res, 405, { error: 'Method not allowed' });
      return;
    }

    let path: string;
    try {
      path = decodeURIComponent(rawPath);
    } catch {
      sendJson(res, 400, { error: 'Bad path' });
      return;
    }

    if (path.startsWith('/api/datasets/')) {
      datasetApi(req, res, rawPath, query);
      return;
    }

    // /api/models/{repo}[/revision/{rev}]
    if (path.startsWith('/api/models/')) {
      const repo = path.slice('/api/models/'.length).replace(/\/revision\/[^/]+$/, '').replace(/\/$/, '');
      const dir = repoDirs.get(repo);
      if (!dir) {
        sendJson(res, 404, { error: 'Repository not found' }, { 'X-Error-Code': 'RepoNotFound' });
        return;
      }
      sendJson(res, 200, { id: repo, modelId: repo, sha: fakeCommit(repo), siblings: listFiles(dir) });
      return;
    }

    // /__cdn/{repo}/{file}: where 'redirect' points (no further faults applied)
    if (path.startsWith('/__cdn/')) {
      const rest = path.slice('/__cdn/'.length);
      const repo = [...repoDirs.keys()].filter((r) => rest.startsWith(`${r}/`)).sort((a, b) => b.length - a.length)[0];
      if (!repo) {
        entryNotFound(res);
        return;
      }
      serveFile(req, res, repo, rest.slice(repo.length + 1), null);
      return;
    }

    const at = path.indexOf('/resolve/');
    if (at < 0) {
      sendJson(res, 404, { error: 'Not found' });
      return;
    }
    const repo = path.slice(1, at);
    const afterResolve = rawPath.slice(rawPath.indexOf('/resolve/') + '/resolve/'.length);
    const slash = afterResolve.indexOf('/');
    // revision is one raw segment (e.g. "main", "refs%2Fpr%2F1"); the rest is the file path
    const file = slash < 0 ? '' : decodeURIComponent(afterResolve.slice(slash + 1));
    const revision = decodeURIComponent(slash < 0 ? afterResolve : afterResolve.slice(0, slash));
    if (!repoDirs.has(repo)) {
      sendJson(res, 404, { error: 'Repository not found' }, { 'X-Error-Code': 'RepoNotFound' });
      return;
    }
    if (refusedAuth(req, res, repo)) return;
    const fault = takeFault([path, rawPath, `${repo}/${file}`, file]);
    if (fault === 'status404') {
      entryNotFound(res);
      return;
    }
    if (fault === 'status503') {
      sendJson(res, 503, { error: 'Service Unavailable' });
      return;
    }
    if (fault === 'status500') {
      sendJson(res, 500, { error: 'Internal Error - We\'re working hard to fix this as soon as possible!' });
      return;
    }
    if (fault === 'redirect') {
      res.writeHead(302, {
        ...CORS_HEADERS,
        Location: `/__cdn/${repo}/${file.split('/').map(encodeURIComponent).join('/')}`,
        'Content-Length': 0,
      });
      res.end();
      return;
    }
    serveFile(req, res, repo, file, fault, revision);
  }

  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(opts.port ?? 0, '127.0.0.1', () => ok());
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    faults,
    requests,
    log,
    resolveUrl: (repo, file, revision = 'main') =>
      `${url}/${repo}/resolve/${encodeURIComponent(revision)}/${file.split('/').map(encodeURIComponent).join('/')}`,
    close: () =>
      new Promise<void>((ok) => {
        server.close(() => ok());
        server.closeAllConnections();
      }),
  };
}

/** Alias: `const hub = await start({ 'sshleifer/tiny-gpt2': dir })`. */
export const start = startHubServer;
