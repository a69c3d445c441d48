// The store's shard/manifest logic on Chromium's real IndexedDB (synthetic activations, no model).
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type OpenedPage, callInPage, closeChromium, openPage } from './chromium';

let page: OpenedPage;
beforeAll(async () => {
  page = await openPage(`${inject('baseUrl')}/tests/browser/pages/blank.html`);
});
afterAll(async () => {
  await page?.close();
  await closeChromium();
});

describe('activation store', () => {
  for (const dtype of ['f32', 'f16'] as const) {
    it(`pause, a crash between shard and manifest, and resume leave exactly one copy of every row (${dtype})`, async () => {
      const r = await callInPage<Awaited<ReturnType<typeof import('./pages/store-unit').crashBetweenShardAndManifest>>>(
        page.page,
        '/tests/browser/pages/store-unit.ts',
        'crashBetweenShardAndManifest',
        dtype,
      );
      expect(r.pausedStatus).toBe('paused');
      expect(r.pausedShards).toBe(3);
      expect(r.status).toBe('done');
      expect(r.run.committedRows).toBe(r.run.totalRows);
      expect(r.unique).toBe(r.run.totalRows); // no duplicates, none missing
      expect(r.badValues).toBe(0); // the stray shard was dropped and recomputed
      expect(r.shardKeys).toBe(r.run.committedShards);
      expect(r.run.committedShards).toBe(Math.ceil(r.run.totalRows / 37));
      // Reading API: in order, batches of 50 (last one short); shuffled is a seeded permutation.
      expect(r.inOrder).toEqual(Array.from({ length: r.run.totalRows }, (_, i) => i));
      expect(r.batchSizes.slice(0, -1).every((n) => n === 50)).toBe(true);
      expect(r.orderA).toEqual(r.orderB);
      expect(r.orderA).not.toEqual(r.orderC);
      expect([...r.orderA].sort((a, b) => a - b)).toEqual(r.inOrder);
    });
  }
});
