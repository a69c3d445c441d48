// Runs inside the page (served by the Vite dev server): WebGPU adapter facts and a tiny compute shader.

export interface AdapterReport {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  isFallbackAdapter: boolean;
  features: string[];
  limits: {
    maxStorageBufferBindingSize: number;
    maxBufferSize: number;
    maxComputeWorkgroupStorageSize: number;
    maxComputeInvocationsPerWorkgroup: number;
    maxStorageBuffersPerShaderStage: number;
  };
  crossOriginIsolated: boolean;
}

async function getAdapter(): Promise<GPUAdapter> {
  if (!('gpu' in navigator)) throw new Error('navigator.gpu is missing (WebGPU not exposed)');
  const adapter = await navigator.gpu.requestAdapter();
  if (!adapter) throw new Error('navigator.gpu.requestAdapter() returned null');
  return adapter;
}

export async function adapterReport(): Promise<AdapterReport> {
  const a = await getAdapter();
  const info = a.info;
  return {
    vendor: info.vendor,
    architecture: info.architecture,
    device: info.device,
    description: info.description,
    isFallbackAdapter: (info as GPUAdapterInfo & { isFallbackAdapter?: boolean }).isFallbackAdapter ?? false,
    features: [...a.features].sort(),
    limits: {
      maxStorageBufferBindingSize: a.limits.maxStorageBufferBindingSize,
      maxBufferSize: a.limits.maxBufferSize,
      maxComputeWorkgroupStorageSize: a.limits.maxComputeWorkgroupStorageSize,
      maxComputeInvocationsPerWorkgroup: a.limits.maxComputeInvocationsPerWorkgroup,
      maxStorageBuffersPerShaderStage: a.limits.maxStorageBuffersPerShaderStage,
    },
    crossOriginIsolated: globalThis.crossOriginIsolated === true,
  };
}

const DOUBLE_WGSL = /* wgsl */ `
@group(0) @binding(0) var<storage, read> src: array<f32>;
@group(0) @binding(1) var<storage, read_write> dst: array<f32>;
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x;
  if (i < arrayLength(&src)) { dst[i] = src[i] * 2.0; }
}`;

/** Doubles [0, 0.5, 1, ...] (n floats) on the GPU; returns the result as a plain array. */
export async function doubleOnGpu(n: number): Promise<number[]> {
  const adapter = await getAdapter();
  const device = await adapter.requestDevice();
  const errors: string[] = [];
  device.addEventListener('uncapturederror', (e) => errors.push((e as GPUUncapturedErrorEvent).error.message));
  try {
    const input = Float32Array.from({ length: n }, (_, i) => i * 0.5);
    const bytes = input.byteLength;
    const src = device.createBuffer({ size: bytes, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST });
    const dst = device.createBuffer({ size: bytes, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC });
    const read = device.createBuffer({ size: bytes, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    device.queue.writeBuffer(src, 0, input);
    const module = device.createShaderModule({ code: DOUBLE_WGSL });
    const info = await module.getCompilationInfo();
    const msgs = info.messages.filter((m) => m.type === 'error').map((m) => `${m.lineNum}:${m.linePos} ${m.message}`);
    if (msgs.length) throw new Error(`WGSL compile errors: ${msgs.join('; ')}`);
    const pipeline = await device.createComputePipelineAsync({ layout: 'auto', compute: { module, entryPoint: 'main' } });
    const bind = device.createBindGroup({
      layout: pipeline.getBindGroupLayout(0),
      entries: [
        { binding: 0, resource: { buffer: src } },
        { binding: 1, resource: { buffer: dst } },
      ],
    });
    const enc = device.createCommandEncoder();
    const pass = enc.beginComputePass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bind);
    pass.dispatchWorkgroups(Math.ceil(n / 64));
    pass.end();
    enc.copyBufferToBuffer(dst, 0, read, 0, bytes);
    device.queue.submit([enc.finish()]);
    await read.mapAsync(GPUMapMode.READ);
    const out = Array.from(new Float32Array(read.getMappedRange().slice(0)));
    read.unmap();
    if (errors.length) throw new Error(`WebGPU errors: ${errors.join('; ')}`);
    return out;
  } finally {
    device.destroy();
  }
}
