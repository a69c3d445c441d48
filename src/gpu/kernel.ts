// A kernel is a program object (after tfjs-backend-webgpu's WebGPUProgram): it names its WGSL, declares its
// storage bindings, uniform fields, workgroup size and override constants, and knows its own dispatch for the
// shapes it was built for. runKernel() binds buffers by name, packs the uniforms, and encodes one dispatch.
//
// Binding convention every shader in shaders/ follows:
//   @group(0) @binding(0 .. n-1)  storage buffers, in the order of `kernel.storage`
//   @group(0) @binding(n)         one uniform struct whose fields are `kernel.uniforms` in order (if any)
//   override WG_X, WG_Y, WG_Z     the workgroup size, set from `kernel.workgroupSize`
//   @compute fn main
//
// Pipelines are cached per device by name + workgroup size + override constants (not by shapes: shapes are
// uniforms), so one pipeline serves every batch size. Every GPU object carries a label naming its kernel.
import { LabError } from '../core/errors';

export type StorageAccess = 'read' | 'read_write';
export type UniformType = 'u32' | 'i32' | 'f32';

export interface StorageBinding {
  name: string;
  access: StorageAccess;
}

export interface UniformField {
  name: string;
  type: UniformType;
}

export type Vec3 = readonly [number, number, number];

export interface Kernel {
  /** Kernel family, e.g. "matmul_bias"; matches shaders/<name>.wgsl. */
  name: string;
  /** WGSL source. */
  source: string;
  /** Storage buffers at @binding(0..n-1). */
  storage: readonly StorageBinding[];
  /** Fields of the uniform struct at @binding(storage.length); empty: the shader has no uniform. */
  uniforms: readonly UniformField[];
  /** Passed to the shader as the override constants WG_X, WG_Y, WG_Z. */
  workgroupSize: Vec3;
  /** Other override constants (flags, tile sizes); part of the pipeline cache key. */
  constants: Readonly<Record<string, number | boolean>>;
  /** Workgroups to dispatch for the shapes this kernel object was built for. */
  dispatch: Vec3;
}

/** A WGSL shader failed to compile or its pipeline could not be created. */
export class KernelCompileError extends LabError {}

/** runKernel() was given buffers or uniforms that do not match the kernel's declaration, or a dispatch too large. */
export class KernelBindingError extends LabError {}

export type KernelBuffers = Record<string, GPUBuffer | GPUBufferBinding>;
export type KernelUniforms = Record<string, number>;

interface CachedPipeline {
  pipeline: GPUComputePipeline;
  layout: GPUBindGroupLayout;
}

interface CachedModule {
  module: GPUShaderModule;
  /**
   * Asked once, when the module is created: in Chromium 156 (SwiftShader) a second getCompilationInfo() on a
   * module that already backs a pipeline never resolves.
   */
  info: Promise<GPUCompilationInfo>;
}

interface DeviceCache {
  modules: Map<string, CachedModule>;
  pipelines: Map<string, CachedPipeline>;
  /** Uniform buffers by kernel name + content. Immutable once written, so safe to share within one encoder. */
  uniforms: Map<string, GPUBuffer>;
}

const caches = new WeakMap<GPUDevice, DeviceCache>();
const MAX_CACHED_UNIFORM_BUFFERS = 1024;

function cacheFor(device: GPUDevice): DeviceCache {
  let c = caches.get(device);
  if (!c) {
    c = { modules: new Map(), pipelines: new Map(), uniforms: new Map() };
    caches.set(device, c);
  }
  return c;
}

/** Pipeline cache key: name, workgroup size and override constants (sorted). Shapes are uniforms, not in the key. */
export function pipelineKey(kernel: Kernel): string {
  const consts = Object.keys(kernel.constants)
    .sort()
    .map((k) => `${k}=${Number(kernel.constants[k])}`)
    .join(',');
  return `${kernel.name}|wg=${kernel.workgroupSize.join('x')}|${consts}`;
}

function pipelineConstants(kernel: Kernel): Record<string, number> {
  const [x, y, z] = kernel.workgroupSize;
  const out: Record<string, number> = { WG_X: x, WG_Y: y, WG_Z: z };
  for (const [k, v] of Object.entries(kernel.constants)) out[k] = Number(v);
  return out;
}

function layoutEntries(kernel: Kernel): GPUBindGroupLayoutEntry[] {
  const entries: GPUBindGroupLayoutEntry[] = kernel.storage.map((b, i) => ({
    binding: i,
    visibility: GPUShaderStage.COMPUTE,
    buffer: { type: b.access === 'read' ? 'read-only-storage' : 'storage' },
  }));
  if (kernel.uniforms.length > 0) {
    entries.push({ binding: kernel.storage.length, visibility: GPUShaderStage.COMPUTE, buffer: { type: 'uniform' } });
  }
  return entries;
}

function cachedModule(device: GPUDevice, kernel: Kernel): CachedModule {
  const c = cacheFor(device);
  let m = c.modules.get(kernel.source);
  if (!m) {
    const module = device.createShaderModule({ label: kernel.name, code: kernel.source });
    m = { module, info: module.getCompilationInfo() };
    c.modules.set(kernel.source, m);
  }
  return m;
}

function shaderModule(device: GPUDevice, kernel: Kernel): GPUShaderModule {
  return cachedModule(device, kernel).module;
}

function pipelineDescriptor(device: GPUDevice, kernel: Kernel, layout: GPUBindGroupLayout): GPUComputePipelineDescriptor {
  const key = pipelineKey(kernel);
  return {
    label: key,
    layout: device.createPipelineLayout({ label: `${kernel.name}:pipeline-layout`, bindGroupLayouts: [layout] }),
    compute: { module: shaderModule(device, kernel), entryPoint: 'main', constants: pipelineConstants(kernel) },
  };
}

function bindGroupLayout(device: GPUDevice, kernel: Kernel): GPUBindGroupLayout {
  return device.createBindGroupLayout({ label: `${kernel.name}:bind-group-layout`, entries: layoutEntries(kernel) });
}

/**
 * Compiles the kernel's pipeline asynchronously and caches it. Optional (runKernel compiles on first use),
 * but it surfaces WGSL errors as a KernelCompileError with line numbers, and does not stall the queue.
 */
export async function compileKernel(device: GPUDevice, kernel: Kernel): Promise<void> {
  const c = cacheFor(device);
  const key = pipelineKey(kernel);
  if (c.pipelines.has(key)) return;
  const info = await cachedModule(device, kernel).info;
  const errors = info.messages.filter((m) => m.type === 'error');
  if (errors.length > 0) {
    c.modules.delete(kernel.source);
    const lines = errors.map((m) => `  ${kernel.name}.wgsl:${m.lineNum}:${m.linePos} ${m.message}`).join('\n');
    throw new KernelCompileError(`WGSL for kernel "${kernel.name}" does not compile:\n${lines}`);
  }
  const layout = bindGroupLayout(device, kernel);
  try {
    const pipeline = await device.createComputePipelineAsync(pipelineDescriptor(device, kernel, layout));
    c.pipelines.set(key, { pipeline, layout });
  } catch (err) {
    throw new KernelCompileError(`pipeline ${key} could not be created: ${(err as Error)?.message ?? String(err)}`);
  }
}

function getPipeline(device: GPUDevice, kernel: Kernel): CachedPipeline {
  const c = cacheFor(device);
  const key = pipelineKey(kernel);
  let p = c.pipelines.get(key);
  if (!p) {
    const layout = bindGroupLayout(device, kernel);
    p = { pipeline: device.createComputePipeline(pipelineDescriptor(device, kernel, layout)), layout };
    c.pipelines.set(key, p);
  }
  return p;
}

/** Packs uniform values in declaration order, 4 bytes each, padded to 16 bytes. */
export function packUniforms(kernel: Kernel, values: KernelUniforms): ArrayBuffer {
  const bytes = new ArrayBuffer(Math.max(16, Math.ceil((kernel.uniforms.length * 4) / 16) * 16));
  const view = new DataView(bytes);
  for (const [i, f] of kernel.uniforms.entries()) {
    const v = values[f.name];
    if (typeof v !== 'number' || Number.isNaN(v)) {
      throw new KernelBindingError(`kernel "${kernel.name}": uniform "${f.name}" (${f.type}) is missing or not a number`);
    }
    if (f.type === 'f32') view.setFloat32(i * 4, v, true);
    else if (f.type === 'i32') view.setInt32(i * 4, v, true);
    else {
      if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) {
        throw new KernelBindingError(`kernel "${kernel.name}": uniform "${f.name}" = ${v} is not a u32`);
      }
      view.setUint32(i * 4, v, true);
    }
  }
  for (const name of Object.keys(values)) {
    if (!kernel.uniforms.some((f) => f.name === name)) {
      throw new KernelBindingError(`kernel "${kernel.name}" has no uniform "${name}" (it has: ${kernel.uniforms.map((f) => f.name).join(', ')})`);
    }
  }
  return bytes;
}

function uniformBuffer(device: GPUDevice, kernel: Kernel, values: KernelUniforms): GPUBuffer {
  const data = packUniforms(kernel, values);
  const key = `${kernel.name}|${Array.from(new Uint32Array(data)).join(',')}`;
  const c = cacheFor(device);
  let buf = c.uniforms.get(key);
  if (!buf) {
    // Dropped (not destroyed) when the cache is full: an encoder not yet submitted may still use it.
    if (c.uniforms.size >= MAX_CACHED_UNIFORM_BUFFERS) c.uniforms.clear();
    buf = device.createBuffer({
      label: `${kernel.name}:uniforms`,
      size: data.byteLength,
      usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
      mappedAtCreation: true,
    });
    new Uint8Array(buf.getMappedRange()).set(new Uint8Array(data));
    buf.unmap();
    c.uniforms.set(key, buf);
  }
  return buf;
}

/**
 * Encodes one dispatch of `kernel` with storage buffers bound by name and the uniform struct filled from
 * `uniforms`. With an `encoder` the pass is appended to it and the caller submits; without one, runKernel
 * makes an encoder and submits it. A dispatch with a zero dimension (e.g. M = 0) encodes nothing.
 */
export function runKernel(
  device: GPUDevice,
  kernel: Kernel,
  buffers: KernelBuffers,
  uniforms: KernelUniforms = {},
  encoder?: GPUCommandEncoder,
): void {
  for (const name of Object.keys(buffers)) {
    if (!kernel.storage.some((b) => b.name === name)) {
      throw new KernelBindingError(`kernel "${kernel.name}" has no binding "${name}" (it has: ${kernel.storage.map((b) => b.name).join(', ')})`);
    }
  }
  const maxWg = device.limits.maxComputeWorkgroupsPerDimension;
  if (kernel.dispatch.some((d) => !Number.isInteger(d) || d < 0 || d > maxWg)) {
    throw new KernelBindingError(`kernel "${kernel.name}": dispatch [${kernel.dispatch.join(', ')}] exceeds ${maxWg} workgroups per dimension`);
  }
  const entries: GPUBindGroupEntry[] = kernel.storage.map((b, i) => {
    const buf = buffers[b.name];
    if (!buf) throw new KernelBindingError(`kernel "${kernel.name}": storage buffer "${b.name}" not given`);
    return { binding: i, resource: 'buffer' in buf ? buf : { buffer: buf } };
  });
  if (kernel.uniforms.length > 0) {
    entries.push({ binding: kernel.storage.length, resource: { buffer: uniformBuffer(device, kernel, uniforms) } });
  } else if (Object.keys(uniforms).length > 0) {
    throw new KernelBindingError(`kernel "${kernel.name}" takes no uniforms`);
  }
  if (kernel.dispatch.some((d) => d === 0)) return;

  const { pipeline, layout } = getPipeline(device, kernel);
  const bindGroup = device.createBindGroup({ label: `${kernel.name}:bind-group`, layout, entries });
  const enc = encoder ?? device.createCommandEncoder({ label: kernel.name });
  const pass = enc.beginComputePass({ label: kernel.name });
  pass.setPipeline(pipeline);
  pass.setBindGroup(0, bindGroup);
  pass.dispatchWorkgroups(kernel.dispatch[0], kernel.dispatch[1], kernel.dispatch[2]);
  pass.end();
  if (!encoder) device.queue.submit([enc.finish()]);
}

/**
 * Splits `count` workgroups over two grid dimensions so neither exceeds `limit` (default: 65535, the WebGPU
 * default maxComputeWorkgroupsPerDimension). The shader recovers the index as hi · limit + lo and skips
 * index ≥ count (the last row of the grid may be partial).
 */
export function dispatch2d(count: number, limit = 65535): [number, number] {
  if (count <= limit) return [count, 1];
  return [limit, Math.ceil(count / limit)];
}
