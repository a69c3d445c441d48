// Console/page errors checked per test (kept out of chromium.ts, which the benches import without Vitest).
import { afterEach, beforeEach, expect } from 'vitest';
import type { OpenedPage } from './chromium';

/**
 * Fails each test of the enclosing suite that adds a console error, page error or crash to `get()`'s page (a page
 * shared by the suite): the check belongs to the test that caused it, and holds when a test runs alone (`-t`) or in
 * shuffled order, unlike a last `it` that only reads what the tests before it left.
 */
export function expectNoErrorsPerTest(get: () => OpenedPage | undefined): void {
  let seen = 0;
  beforeEach(() => {
    seen = get()?.errors.length ?? 0;
  });
  afterEach(() => {
    expect(get()?.errors.slice(seen) ?? []).toEqual([]);
  });
}
