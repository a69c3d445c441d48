// Training a JumpReLU SAE from the page (src/ui/components/JumpReluFields.tsx): its own parameters, the CPU path
// said in so many words (no WGSL kernels yet), L0 on the live chart, and SAELens files that load back as a
// "jumprelu" SAE with a "threshold" tensor.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadSaeLens } from '../../src/sae/saelens';
import { type OpenedPage, closeChromium, openPage } from './chromium';
import { embeddedModelOn } from './lab';

let app: OpenedPage;
const dir = join(tmpdir(), `sse-train-jumprelu-${process.pid}`);

beforeAll(async () => {
  app = await openPage(`${inject('baseUrl')}/`);
  const { page } = app;
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'moby.txt'), readFileSync(join(import.meta.dirname, '../../public/samples/moby-dick.txt'), 'utf8').slice(0, 12_000));
  await embeddedModelOn(page, 'wasm');
  await page.getByTestId('corpus-input').setInputFiles([join(dir, 'moby.txt')]);
  await page.getByTestId('context-length').fill('64');
  await page.getByTestId('start-harvest').click();
  await page.locator('[data-testid="run-row"][data-status="done"]').waitFor({ timeout: 180_000 });
});

afterAll(async () => {
  await app?.close();
  await closeChromium();
});

describe('JumpReLU SAE training from the page', () => {
  it('shows its parameters, trains on the CPU path (and says so), charts L0, and downloads a SAELens jumprelu SAE', async () => {
    const { page } = app;
    await page.getByTestId('train-architecture').selectOption('jumprelu');
    expect(await page.getByTestId('train-k').count()).toBe(0);
    expect(await page.getByTestId('train-l0Coefficient').inputValue()).toBe('1');
    expect(await page.getByTestId('train-jumpreluBandwidth').inputValue()).toBe('0.05');
    expect(await page.getByTestId('train-jumpreluInitThreshold').inputValue()).toBe('0.01');
    expect(await page.getByTestId('train-jumpreluSparsityLossMode').inputValue()).toBe('step');
    expect(await page.getByTestId('train-jumpreluThresholdParam').inputValue()).toBe('direct');
    expect(await page.getByTestId('train-jumpreluTanhScale').count()).toBe(0); // only for the tanh loss
    await page.getByTestId('train-jumpreluSparsityLossMode').selectOption('tanh');
    expect(await page.getByTestId('train-jumpreluTanhScale').inputValue()).toBe('4');
    await page.getByTestId('train-jumpreluSparsityLossMode').selectOption('step');
    expect(await page.getByTestId('train-jumprelu-cpu-note').textContent()).toMatch(/JumpReLU SAEs train on the CPU path for now/);
    expect(await page.getByTestId('train-device').inputValue()).toBe('cpu');
    expect(await page.getByTestId('train-device').isDisabled()).toBe(true);

    for (const [k, v] of Object.entries({ expansion: '2', steps: '60', batchSize: '64', lr: '0.004', l0Coefficient: '0.5' })) await page.getByTestId(`train-${k}`).fill(v);
    await page.getByTestId('train-start').click();
    await page.getByTestId('train-summary').waitFor({ timeout: 180_000 });
    expect(await page.getByTestId('train-summary').textContent()).toMatch(/Trained jumprelu d_sae 512 \(L0 λ 0\.5\) on blocks\.2\.hook_resid_post: 60 steps, 3,840 tokens in [\d.]+ s on the CPU twin/);
    expect(await page.getByTestId('chart-l0').count()).toBe(1);
    expect(Number((await page.getByTestId('train-status').textContent())!.match(/L0 ([\d.]+)/)![1])).toBeGreaterThan(0);

    const downloads: Record<string, Buffer> = {};
    page.on('download', async (d) => {
      downloads[d.suggestedFilename()] = readFileSync(await d.path());
    });
    await page.getByTestId('train-download').click();
    await expect.poll(() => Object.keys(downloads).sort(), { timeout: 30_000 }).toEqual(['cfg.json', 'sae_weights.safetensors']);
    const cfgJson = JSON.parse(downloads['cfg.json'].toString('utf8'));
    expect(cfgJson.architecture).toBe('jumprelu');
    const sae = loadSaeLens({ cfgJson, weights: new Uint8Array(downloads['sae_weights.safetensors']) });
    expect(sae.cfg).toMatchObject({ architecture: 'jumprelu', d_in: 256, d_sae: 512, hook_name: 'blocks.2.hook_resid_post', normalize_activations: 'none' });
    expect(sae.weights.threshold).toHaveLength(512);
    expect(sae.weights.threshold!.every((t) => t >= 0)).toBe(true);
    expect(sae.weights.threshold!.some((t) => Math.abs(t - 0.01) > 1e-4)).toBe(true); // trained, not θ₀
    expect(app.errors).toEqual([]);
  });
});
