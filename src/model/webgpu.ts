// WebGPU availability, without importing onnxruntime-web (the page needs this; only the worker runs models).
import { describeError } from '../core/errors';

/** Checks that WebGPU can give us an adapter; returns null when it can, else the reason it cannot. */
export async function webgpuUnavailableReason(): Promise<string | null> {
  return (await probeWebGpu()).reason;
}

export interface WebGpuProbe {
  /** Why there is no adapter; null when there is one. */
  reason: string | null;
  adapter: string | null; // e.g. "google / swiftshader"
  /** A software adapter (SwiftShader, or any the browser flags as a fallback): correct, but slower than wasm. */
  software: boolean;
}

export async function probeWebGpu(): Promise<WebGpuProbe> {
  const gpu = (globalThis.navigator as Navigator | undefined)?.gpu;
  const none = (reason: string): WebGpuProbe => ({ reason, adapter: null, software: false });
  if (!gpu) return none('navigator.gpu is missing: this browser or context has no WebGPU (Chrome 113+; or start Chromium with --enable-unsafe-webgpu)');
  try {
    const adapter = await gpu.requestAdapter();
    if (!adapter) return none('navigator.gpu.requestAdapter() returned null: no usable GPU adapter (blocklisted driver or disabled hardware acceleration)');
    const info = adapter.info as GPUAdapterInfo & { isFallbackAdapter?: boolean };
    const name = [info.vendor, info.architecture, info.description].filter(Boolean).join(' / ') || 'unknown adapter';
    return { reason: null, adapter: name, software: info.isFallbackAdapter === true || /swiftshader|software|llvmpipe/i.test(name) };
  } catch (err) {
    return none(`requestAdapter failed: ${describeError(err)}`);
  }
}
