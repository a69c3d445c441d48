// Nominal fp32 peaks of known GPUs (non-tensor-core FP32 TFLOPS at boost clock, as the vendors publish them), and
// how `npm run bench:gpu` matches an adapter to one and tells a software adapter from a GPU. Pure functions: used
// by bench/gpu.ts (Node) and bench/pages/gpu-bench.ts (page and Dawn alike).
// Published figures differ by board (SXM vs PCIe, clocks, core counts); the most common part is listed, and
// --peak-tflops overrides the table for anything else.

/** What WebGPU's GPUAdapterInfo says (fields may be empty: Chromium masks some unless developer features are on). */
export interface AdapterInfoLike {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  isFallbackAdapter?: boolean;
}

export interface KnownGpu {
  name: string;
  /** Tested against "vendor architecture device description", case-insensitive. */
  pattern: RegExp;
  fp32Tflops: number;
}

// Order matters: more specific names first (H100 PCIe before H100, M1 Max before M1).
export const KNOWN_GPUS: KnownGpu[] = [
  { name: 'NVIDIA H200', pattern: /\bH200\b/i, fp32Tflops: 67 },
  { name: 'NVIDIA H100 PCIe', pattern: /\bH100\b.*\bPCIe\b/i, fp32Tflops: 51 },
  { name: 'NVIDIA H100 SXM', pattern: /\bH100\b/i, fp32Tflops: 67 },
  { name: 'NVIDIA GH200', pattern: /\bGH200\b/i, fp32Tflops: 67 },
  { name: 'NVIDIA B200', pattern: /\bB200\b/i, fp32Tflops: 80 },
  { name: 'NVIDIA A100', pattern: /\bA100\b/i, fp32Tflops: 19.5 },
  { name: 'NVIDIA A10G', pattern: /\bA10G\b/i, fp32Tflops: 31.2 },
  { name: 'NVIDIA A10', pattern: /\bA10\b/i, fp32Tflops: 31.2 },
  { name: 'NVIDIA L40S', pattern: /\bL40S\b/i, fp32Tflops: 91.6 },
  { name: 'NVIDIA L40', pattern: /\bL40\b/i, fp32Tflops: 90.5 },
  { name: 'NVIDIA L4', pattern: /\bL4\b/i, fp32Tflops: 30.3 },
  { name: 'NVIDIA T4', pattern: /\bT4\b/i, fp32Tflops: 8.1 },
  { name: 'NVIDIA V100', pattern: /\bV100\b/i, fp32Tflops: 15.7 },
  { name: 'NVIDIA RTX 4090', pattern: /\b4090\b/i, fp32Tflops: 82.6 },
  { name: 'NVIDIA RTX 4080', pattern: /\b4080\b/i, fp32Tflops: 48.7 },
  { name: 'NVIDIA RTX 4070', pattern: /\b4070\b/i, fp32Tflops: 29.1 },
  { name: 'NVIDIA RTX 3090', pattern: /\b3090\b/i, fp32Tflops: 35.6 },
  { name: 'NVIDIA RTX 3080', pattern: /\b3080\b/i, fp32Tflops: 29.8 },
  { name: 'NVIDIA RTX 3070', pattern: /\b3070\b/i, fp32Tflops: 20.3 },
  { name: 'NVIDIA RTX A6000', pattern: /\bA6000\b/i, fp32Tflops: 38.7 },
  { name: 'AMD Instinct MI300X', pattern: /\bMI300X?\b/i, fp32Tflops: 163.4 },
  { name: 'AMD Instinct MI250X', pattern: /\bMI250X?\b/i, fp32Tflops: 47.9 },
  { name: 'AMD Radeon RX 7900 XTX', pattern: /\b7900 ?XTX\b/i, fp32Tflops: 61.4 },
  { name: 'Intel Arc A770', pattern: /\bA770\b/i, fp32Tflops: 19.7 },
  { name: 'Apple M3 Max', pattern: /\bM3 Max\b/i, fp32Tflops: 16.4 },
  { name: 'Apple M3 Pro', pattern: /\bM3 Pro\b/i, fp32Tflops: 7.4 },
  { name: 'Apple M3', pattern: /\bM3\b|apple.*metal-3.*m3/i, fp32Tflops: 4.1 },
  { name: 'Apple M2 Ultra', pattern: /\bM2 Ultra\b/i, fp32Tflops: 27.2 },
  { name: 'Apple M2 Max', pattern: /\bM2 Max\b/i, fp32Tflops: 13.6 },
  { name: 'Apple M2 Pro', pattern: /\bM2 Pro\b/i, fp32Tflops: 6.8 },
  { name: 'Apple M2', pattern: /\bM2\b/i, fp32Tflops: 3.6 },
  { name: 'Apple M1 Ultra', pattern: /\bM1 Ultra\b/i, fp32Tflops: 21.2 },
  { name: 'Apple M1 Max', pattern: /\bM1 Max\b/i, fp32Tflops: 10.4 },
  { name: 'Apple M1 Pro', pattern: /\bM1 Pro\b/i, fp32Tflops: 5.2 },
  { name: 'Apple M1', pattern: /\bM1\b/i, fp32Tflops: 2.6 },
];

export function adapterText(a: AdapterInfoLike): string {
  return [a.vendor, a.architecture, a.device, a.description].filter(Boolean).join(' ');
}

/** The known GPU the adapter names, or null (Chromium often gives only vendor and architecture: no match). */
export function matchGpu(a: AdapterInfoLike): KnownGpu | null {
  const text = adapterText(a);
  return KNOWN_GPUS.find((g) => g.pattern.test(text)) ?? null;
}

/** A CPU implementation of WebGPU (SwiftShader, llvmpipe, WARP, …): its figures are not GPU figures. */
export function isSoftwareAdapter(a: AdapterInfoLike): boolean {
  return !!a.isFallbackAdapter || /swiftshader|llvmpipe|lavapipe|softpipe|microsoft basic render|\bwarp\b/i.test(adapterText(a));
}
