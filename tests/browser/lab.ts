// The lab's model state as tests wait for it: the page loads a model by itself on open (`model-ready`, with its id
// and backend); a test that needs another backend or model asks for it through the model panel.
import type { Page } from 'playwright-core';

export const MODEL_TIMEOUT = 180_000;

/** Waits until a model is loaded and usable: optionally this id and on this backend. */
export async function modelReady(page: Page, want: { id?: string; backend?: 'wasm' | 'webgpu' } = {}, timeout = MODEL_TIMEOUT): Promise<void> {
  let sel = '[data-testid="model-ready"]';
  if (want.id) sel += `[data-model-id="${want.id}"]`;
  if (want.backend) sel += `[data-backend="${want.backend}"]`;
  await page.locator(sel).waitFor({ timeout });
}

/** The embedded model on `backend`: the one loaded on open when it runs there, else loaded again from the panel. */
export async function embeddedModelOn(page: Page, backend: 'wasm' | 'webgpu'): Promise<void> {
  await modelReady(page);
  if ((await page.getByTestId('model-ready').getAttribute('data-backend')) === backend) return;
  await page.getByTestId('backend-select').selectOption(backend);
  await page.getByTestId('source-embedded').check();
  await page.getByTestId('load-model').click();
  await modelReady(page, { backend });
}
