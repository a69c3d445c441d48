// A storage quota for a test: CDP's Storage.overrideQuotaForOrigin, proven in force by a probe write (see
// pages/quota-probe.ts: Chromium does not enforce an override made within a few seconds of the origin's last
// IndexedDB write). armQuota is for a fresh context; armQuotaWhenInForce retries until the probe is refused, for a
// page that has stored things just before.
import type { Page } from 'playwright-core';
import { expect } from 'vitest';
import { callInPage } from './chromium';

export type LiftQuota = () => Promise<void>;

/** Sets the quota to usage now + `headroom` bytes; whether a write of headroom + 1 MB is then refused. */
async function tryArm(page: Page, headroom: number): Promise<{ inForce: boolean; usage: number; lift: LiftQuota }> {
  const origin = new URL(page.url()).origin;
  const usage = await page.evaluate(async () => (await navigator.storage.estimate()).usage ?? 0);
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Storage.overrideQuotaForOrigin', { origin, quotaSize: usage + headroom });
  const probe = await callInPage<string>(page, '/tests/browser/pages/quota-probe.ts', 'probeQuota', headroom + 1_000_000);
  const lift = async () => {
    await cdp.send('Storage.overrideQuotaForOrigin', { origin });
    await cdp.detach();
  };
  if (probe !== 'refused') await lift();
  return { inForce: probe === 'refused', usage, lift };
}

/** Arms the quota in a fresh context (before the app stored anything); throws when it is not in force. */
export async function armQuota(page: Page, headroom: number): Promise<LiftQuota> {
  const { inForce, usage, lift } = await tryArm(page, headroom);
  if (!inForce) {
    throw new Error(
      `the quota override (usage ${usage} + ${headroom} bytes) is not in force: a ${headroom + 1_000_000}-byte IndexedDB write went through. ` +
        'Chromium goes on using the IndexedDB space it looked up at a recent write; arm the quota in a fresh context before anything is stored.',
    );
  }
  return lift;
}

/**
 * Arms the quota on a page that wrote to IndexedDB recently: tries until the probe is refused (the page must not
 * write meanwhile, e.g. a paused training). The retry interval leaves Chromium the seconds it takes to see it.
 */
export async function armQuotaWhenInForce(page: Page, headroom: number, timeout = 120_000): Promise<LiftQuota> {
  let lift: LiftQuota | null = null;
  await expect
    .poll(
      async () => {
        const armed = await tryArm(page, headroom);
        if (armed.inForce) lift = armed.lift;
        return armed.inForce;
      },
      { timeout, interval: 8_000 },
    )
    .toBe(true);
  return lift!;
}

/**
 * Lifts the quota ("the user freed space") and waits until Chromium writes against the real quota again: a write of
 * `bytes` into the probe's own database must go through (it keeps the small space it looked up for a while).
 */
export async function liftQuotaAndWait(page: Page, lift: LiftQuota, bytes = 4_000_000, timeout = 120_000): Promise<void> {
  await lift();
  await expect
    .poll(() => callInPage<string>(page, '/tests/browser/pages/quota-probe.ts', 'probeQuota', bytes), { timeout, interval: 4_000 })
    .toBe('stored');
}
