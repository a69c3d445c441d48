// WebGPU availability, without importing onnxruntime-web (the page needs this; only the worker runs models).
import { describeError } from '../core/errors';

/** Checks that WebGPU can give us an adapter; returns null when it can, else the reason it cannot. */
export async function webgpuUnavailableReason(): Promise<string | null> {
  const gpu = (globalThis.navigator as Navigator | undefined)?.gpu;
  if (!gpu) return 'navigator.gpu is missing: this browser or context has no WebGPU (Chrome 113+; or start Chromium with --enable-unsafe-webgpu)';
  try {
    const adapter = await gpu.requestAdapter();
    if (!adapter) return 'navigator.gpu.requestAdapter() returned null: no usable GPU adapter (blocklisted driver or disabled hardware acceleration)';
  } catch (err) {
    return `requestAdapter failed: ${describeError(err)}`;
  }
  return null;
}
