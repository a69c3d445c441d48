// tests/helpers/hub-server.ts: Hub-like file serving, Range, CORS/CORP, 404s and fault injection.
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HubServer, fakeCommit, parseRange, startHubServer } from '../helpers/hub-server';

let dir: string;
let hub: HubServer;
const blob = randomBytes(300_000);
const config = JSON.stringify({ model_type: 'gpt2', n_layer: 2 });
const BIG = 64 * 1024 * 1024;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hub-test-'));
  mkdirSync(join(dir, 'repo', 'onnx'), { recursive: true });
  writeFileSync(join(dir, 'repo', 'config.json'), config);
  writeFileSync(join(dir, 'repo', 'model.safetensors'), blob);
  writeFileSync(join(dir, 'repo', 'onnx', 'model.onnx'), 'onnx-bytes');
  writeFileSync(join(dir, 'repo', '.secret'), 'no');
  mkdirSync(join(dir, 'single'));
  writeFileSync(join(dir, 'single', 'big.bin'), '');
  truncateSync(join(dir, 'single', 'big.bin'), BIG); // sparse: cheap on disk, still streamed
  hub = await startHubServer({ 'owner/repo': join(dir, 'repo'), distilgpt2: join(dir, 'single') });
});

afterAll(async () => {
  await hub?.close();
  rmSync(dir, { recursive: true, force: true });
});

const url = (p: string) => `${hub.url}${p}`;

/** Raw GET that counts body bytes until the server ends or cuts the connection. */
function rawGet(u: string): Promise<{ status: number; contentLength: number; received: number; complete: boolean }> {
  return new Promise((ok, fail) => {
    get(u, (res) => {
      let received = 0;
      res.on('data', (c: Buffer) => (received += c.length));
      const done = () =>
        ok({ status: res.statusCode ?? 0, contentLength: Number(res.headers['content-length']), received, complete: res.complete });
      res.on('end', done);
      res.on('aborted', done);
      res.on('error', done);
      res.on('close', done);
    }).on('error', fail);
  });
}

describe('hub-server', () => {
  it('GET serves the file with Hub-like headers', async () => {
    const r = await fetch(url('/owner/repo/resolve/main/model.safetensors'));
    expect(r.status).toBe(200);
    expect(r.headers.get('content-length')).toBe(String(blob.length));
    expect(r.headers.get('content-type')).toBe('application/octet-stream');
    expect(r.headers.get('access-control-allow-origin')).toBe('*');
    expect(r.headers.get('access-control-expose-headers')).toMatch(/Content-Length.*ETag.*X-Repo-Commit/);
    expect(r.headers.get('cross-origin-resource-policy')).toBe('cross-origin');
    expect(r.headers.get('accept-ranges')).toBe('bytes');
    expect(r.headers.get('etag')).toMatch(/^"[0-9a-f]{40}"$/);
    expect(r.headers.get('x-repo-commit')).toBe(fakeCommit('owner/repo'));
    expect(Buffer.from(await r.arrayBuffer()).equals(blob)).toBe(true);

    const c = await fetch(url('/owner/repo/resolve/main/config.json'));
    expect(c.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await c.text()).toBe(config);
    expect(await (await fetch(url('/owner/repo/resolve/v1.0/onnx/model.onnx'))).text()).toBe('onnx-bytes');
    expect(hub.resolveUrl('owner/repo', 'onnx/model.onnx')).toBe(url('/owner/repo/resolve/main/onnx/model.onnx'));
  });

  it('single-segment repo ids and large streamed files', async () => {
    const head = await fetch(url('/distilgpt2/resolve/main/big.bin'), { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe(String(BIG));
    const r = await rawGet(url('/distilgpt2/resolve/main/big.bin'));
    expect(r).toMatchObject({ status: 200, contentLength: BIG, received: BIG, complete: true });
  });

  it('HEAD: headers only', async () => {
    const r = await fetch(url('/owner/repo/resolve/main/model.safetensors'), { method: 'HEAD' });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-length')).toBe(String(blob.length));
    expect(r.headers.get('etag')).toBeTruthy();
    expect((await r.arrayBuffer()).byteLength).toBe(0);
  });

  it('Range requests: 206 with Content-Range; suffix, open-ended, 416', async () => {
    const p = '/owner/repo/resolve/main/model.safetensors';
    const r = await fetch(url(p), { headers: { Range: 'bytes=10-19' } });
    expect(r.status).toBe(206);
    expect(r.headers.get('content-range')).toBe(`bytes 10-19/${blob.length}`);
    expect(r.headers.get('content-length')).toBe('10');
    expect(Buffer.from(await r.arrayBuffer()).equals(blob.subarray(10, 20))).toBe(true);

    const s = await fetch(url(p), { headers: { Range: 'bytes=-8' } });
    expect(s.status).toBe(206);
    expect(Buffer.from(await s.arrayBuffer()).equals(blob.subarray(blob.length - 8))).toBe(true);

    const o = await fetch(url(p), { headers: { Range: `bytes=${blob.length - 100}-` } });
    expect(o.headers.get('content-range')).toBe(`bytes ${blob.length - 100}-${blob.length - 1}/${blob.length}`);
    expect((await o.arrayBuffer()).byteLength).toBe(100);

    const clamp = await fetch(url(p), { headers: { Range: `bytes=0-${blob.length * 2}` } });
    expect(clamp.status).toBe(206);
    expect((await clamp.arrayBuffer()).byteLength).toBe(blob.length);

    const bad = await fetch(url(p), { headers: { Range: `bytes=${blob.length}-` } });
    expect(bad.status).toBe(416);
    expect(bad.headers.get('content-range')).toBe(`bytes */${blob.length}`);
    await bad.arrayBuffer();

    expect(parseRange('bytes=0-0,5-6', 10)).toBeNull(); // multi-range: whole file
  });

  it('404 for unknown files (Hub JSON), unknown repos, dotfiles and path traversal', async () => {
    const r = await fetch(url('/owner/repo/resolve/main/nope.json'));
    expect(r.status).toBe(404);
    expect(r.headers.get('access-control-allow-origin')).toBe('*');
    expect(r.headers.get('x-error-code')).toBe('EntryNotFound');
    expect(await r.json()).toEqual({ error: 'Entry not found' });
    expect((await fetch(url('/owner/other/resolve/main/config.json'))).status).toBe(404);
    expect((await fetch(url('/owner/repo/resolve/main/.secret'))).status).toBe(404);
    expect((await fetch(url('/owner/repo/resolve/main/..%2F..%2Fsingle%2Fbig.bin'))).status).toBe(404);
    expect((await fetch(url('/owner/repo/resolve/main/onnx'))).status).toBe(404);
  });

  it('OPTIONS preflight', async () => {
    const r = await fetch(url('/owner/repo/resolve/main/config.json'), {
      method: 'OPTIONS',
      headers: { Origin: 'http://127.0.0.1:5173', 'Access-Control-Request-Method': 'GET', 'Access-Control-Request-Headers': 'range' },
    });
    expect(r.status).toBe(204);
    expect(r.headers.get('access-control-allow-origin')).toBe('*');
    expect(r.headers.get('access-control-allow-methods')).toContain('GET');
    expect(r.headers.get('access-control-allow-headers')).toBe('range');
  });

  it('/api/models lists files', async () => {
    const r = await fetch(url('/api/models/owner/repo'));
    const j = (await r.json()) as { id: string; sha: string; siblings: { rfilename: string; size: number }[] };
    expect(j.id).toBe('owner/repo');
    expect(j.sha).toBe(fakeCommit('owner/repo'));
    expect(j.siblings.map((s) => s.rfilename)).toEqual(['config.json', 'model.safetensors', 'onnx/model.onnx']);
  });

  it('faults: status404 / status500, keyed by path, repo/file or file; one-shot specs', async () => {
    const p = '/owner/repo/resolve/main/config.json';
    hub.faults.set(p, 'status404');
    let r = await fetch(url(p));
    expect(r.status).toBe(404);
    expect(await r.json()).toEqual({ error: 'Entry not found' });
    hub.faults.delete(p);

    hub.faults.set('owner/repo/config.json', 'status500');
    r = await fetch(url(p));
    expect(r.status).toBe(500);
    await r.text();
    hub.faults.clear();

    hub.faults.set('config.json', { fault: 'status500', times: 1 });
    expect((await fetch(url(p))).status).toBe(500);
    expect((await fetch(url(p))).status).toBe(200);
    expect(hub.faults.size).toBe(0);
  });

  it('faults: truncate:N sends N body bytes then ends the connection', async () => {
    const p = '/owner/repo/resolve/main/model.safetensors';
    hub.faults.set(p, 'truncate:1000');
    const raw = await rawGet(url(p));
    expect(raw).toMatchObject({ status: 200, contentLength: blob.length, received: 1000, complete: false });
    const r = await fetch(url(p));
    expect(r.status).toBe(200);
    await expect(r.arrayBuffer()).rejects.toThrow();

    hub.faults.set(p, 'truncate:0');
    expect(await rawGet(url(p))).toMatchObject({ status: 200, received: 0, complete: false });

    hub.faults.set(p, 'truncate:5'); // applies within a range too
    const rr = await fetch(url(p), { headers: { Range: 'bytes=100-199' } });
    expect(rr.status).toBe(206);
    await expect(rr.arrayBuffer()).rejects.toThrow();
    hub.faults.delete(p);
    expect((await (await fetch(url(p))).arrayBuffer()).byteLength).toBe(blob.length);
  });

  it('faults: destroy-mid-body cuts the body; redirect goes through /__cdn/', async () => {
    const p = '/owner/repo/resolve/main/model.safetensors';
    hub.faults.set(p, 'destroy-mid-body');
    const raw = await rawGet(url(p));
    expect(raw.complete).toBe(false);
    expect(raw.received).toBeLessThan(blob.length);
    const r = await fetch(url(p));
    await expect(r.arrayBuffer()).rejects.toThrow();

    hub.faults.set(p, 'redirect');
    const red = await fetch(url(p), { redirect: 'manual' });
    expect(red.status).toBe(302);
    expect(red.headers.get('location')).toBe('/__cdn/owner/repo/model.safetensors');
    const followed = await fetch(url(p));
    expect(followed.status).toBe(200);
    expect(followed.url).toBe(url('/__cdn/owner/repo/model.safetensors'));
    expect(Buffer.from(await followed.arrayBuffer()).equals(blob)).toBe(true);
    hub.faults.clear();
  });

  it('logs requested paths', async () => {
    const before = hub.requests.length;
    await (await fetch(url('/distilgpt2/resolve/main/big.bin'), { method: 'HEAD' })).arrayBuffer();
    await (await fetch(url('/owner/repo/resolve/main/config.json'), { headers: { Range: 'bytes=0-1' } })).arrayBuffer();
    expect(hub.requests.slice(before)).toEqual(['/distilgpt2/resolve/main/big.bin', '/owner/repo/resolve/main/config.json']);
    expect(hub.log.slice(before)).toEqual([
      { method: 'HEAD', path: '/distilgpt2/resolve/main/big.bin', range: null, status: 200 },
      { method: 'GET', path: '/owner/repo/resolve/main/config.json', range: 'bytes=0-1', status: 206 },
    ]);
  });
});
