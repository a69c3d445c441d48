// WebGPU device acquisition and buffer helpers shared by every kernel launcher.
import { LabError } from '../core/errors';

/** WebGPU is missing (no navigator.gpu), no adapter is offered, or the device could not be created. */
export class WebGpuUnavailableError extends LabError {}

/**
 * Adapter limits the SAE kernels raise above the WebGPU defaults. We ask for the adapter's
 * maximum of each, so large activation batches and dictionaries bind as one buffer where the
 * hardware allows it (defaults: 128 MiB binding, 256 MiB buffer, 16 KiB workgroup memory, 8 storage buffers).
 */
export const RAISED_LIMITS = [
  'maxStorageBufferBindingSize',
  'maxBufferSize',
  'maxComputeWorkgroupStorageSize',
  'maxStorageBuffersPerShaderStage',
] as const;

export interface RequestDeviceOptions {
  label?: string;
  powerPreference?: GPUPowerPreference;
}

/**
 * Returns a GPUDevice with the adapter's maximum for each of RAISED_LIMITS.
 * Throws WebGpuUnavailableError with a message saying what to do when WebGPU cannot be used.
 */
export async function requestDevice(opts: RequestDeviceOptions = {}): Promise<GPUDevice> {
  const gpu = (globalThis.navigator as Navigator | undefined)?.gpu;
  if (!gpu) {
    throw new WebGpuUnavailableError(
      'navigator.gpu is missing: this browser or context has no WebGPU. Use Chrome/Edge 113+ (or Firefox/Safari with WebGPU ' +
        'enabled) over https or localhost; headless Chromium needs --enable-unsafe-webgpu. The CPU SAE trainer still works.',
    );
  }
  let adapter: GPUAdapter | null;
  try {
    adapter = await gpu.requestAdapter({ powerPreference: opts.powerPreference ?? 'high-performance' });
  } catch (err) {
    throw new WebGpuUnavailableError(`navigator.gpu.requestAdapter() failed: ${(err as Error)?.message ?? String(err)}`);
  }
  if (!adapter) {
    throw new WebGpuUnavailableError(
      'navigator.gpu.requestAdapter() returned null: no usable GPU adapter (driver blocklisted or hardware acceleration ' +
        'disabled). Enable hardware acceleration in the browser settings, check chrome://gpu, or use the CPU SAE trainer.',
    );
  }
  const requiredLimits: Record<string, number> = {};
  for (const name of RAISED_LIMITS) requiredLimits[name] = adapter.limits[name];
  let device: GPUDevice;
  try {
    device = await adapter.requestDevice({ label: opts.label ?? 'sae-device', requiredLimits });
  } catch (err) {
    throw new WebGpuUnavailableError(`adapter.requestDevice() failed: ${(err as Error)?.message ?? String(err)}`);
  }
  return device;
}

/** Describes the adapter behind a device, e.g. "google / swiftshader". */
export function adapterName(device: GPUDevice): string {
  const info = (device as GPUDevice & { adapterInfo?: GPUAdapterInfo }).adapterInfo; // Chrome 132+
  if (!info) return 'unknown adapter';
  return [info.vendor, info.architecture, info.description].filter(Boolean).join(' / ') || 'unknown adapter';
}

/**
 * Creates a labelled buffer: from typed data (uploaded at creation) or of `size` bytes (zeroed).
 * Default usage STORAGE | COPY_SRC | COPY_DST (kernel inputs and outputs).
 * Sizes are rounded up to a multiple of 4 bytes, as WebGPU requires for mapped creation and copies.
 */
export function createBuffer(
  device: GPUDevice,
  dataOrSize: ArrayBufferView | number,
  usage: GPUBufferUsageFlags = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
  label = 'buffer',
): GPUBuffer {
  if (typeof dataOrSize === 'number') {
    return device.createBuffer({ label, size: Math.max(4, align4(dataOrSize)), usage });
  }
  const bytes = new Uint8Array(dataOrSize.buffer, dataOrSize.byteOffset, dataOrSize.byteLength);
  const buffer = device.createBuffer({ label, size: Math.max(4, align4(bytes.byteLength)), usage, mappedAtCreation: true });
  new Uint8Array(buffer.getMappedRange()).set(bytes);
  buffer.unmap();
  return buffer;
}

export type ReadKind = 'f32' | 'u32';

/**
 * Copies `byteLength` bytes of `buffer` (needs COPY_SRC) into a MAP_READ staging buffer and
 * returns them as float32 (default) or uint32. Submits its own command buffer after any work already queued.
 */
export async function readBuffer(device: GPUDevice, buffer: GPUBuffer, byteLength: number, kind: 'u32'): Promise<Uint32Array>;
export async function readBuffer(device: GPUDevice, buffer: GPUBuffer, byteLength: number, kind?: 'f32'): Promise<Float32Array>;
export async function readBuffer(
  device: GPUDevice,
  buffer: GPUBuffer,
  byteLength: number,
  kind: ReadKind = 'f32',
): Promise<Float32Array | Uint32Array> {
  if (byteLength % 4 !== 0) throw new RangeError(`readBuffer: byteLength ${byteLength} is not a multiple of 4`);
  const size = byteLength;
  const staging = device.createBuffer({
    label: `${buffer.label || 'buffer'}:readback`,
    size: Math.max(4, size),
    usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
  });
  try {
    const enc = device.createCommandEncoder({ label: `${buffer.label || 'buffer'}:readback` });
    if (size > 0) enc.copyBufferToBuffer(buffer, 0, staging, 0, size);
    device.queue.submit([enc.finish()]);
    await staging.mapAsync(GPUMapMode.READ);
    const copy = staging.getMappedRange().slice(0, size);
    staging.unmap();
    return kind === 'u32' ? new Uint32Array(copy) : new Float32Array(copy);
  } finally {
    staging.destroy();
  }
}

function align4(n: number): number {
  return Math.ceil(n / 4) * 4;
}
