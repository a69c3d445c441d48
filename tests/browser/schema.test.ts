// The IndexedDB schema's upgrade path: a store left by schema v2 opens under v3 with the new stores added and
// nothing lost (real IndexedDB in Chromium).
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type OpenedPage, callInPage, closeChromium, openPage } from './chromium';

let p: OpenedPage;
beforeAll(async () => {
  p = await openPage(`${inject('baseUrl')}/tests/browser/pages/blank.html`, { prefix: '[schema]' });
});
afterAll(async () => {
  await p?.close();
  await closeChromium();
});

describe('store schema upgrade', () => {
  it('v2 → v3 adds saes and featureStats and keeps runs and trainings', async () => {
    const r = await callInPage<{ version: number; stores: string[]; training: { step: number; state: { W_dec: Record<string, number> } }; run: { name: string } }>(p.page, '/tests/browser/pages/schema-upgrade.ts', 'upgradeFromV2');
    expect(r.version).toBe(3);
    expect(r.stores).toEqual(['documents', 'featureStats', 'runs', 'saeTrainings', 'saes', 'shardRows', 'shards', 'windows']);
    expect(r.run.name).toBe('old run');
    expect(r.training.step).toBe(40);
    expect(Object.values(r.training.state.W_dec)).toEqual([1, 2, 3]);
  });
});
