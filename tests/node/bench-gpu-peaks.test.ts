// bench:gpu's adapter handling (bench/gpu-peaks.ts, bench/gpu-plan.ts): which peak an adapter gets, and that a
// software adapter is named as one and gets the small sizes. Adapter strings as Dawn and Chromium report them.
import { describe, expect, it } from 'vitest';
import { isSoftwareAdapter, matchGpu } from '../../bench/gpu-peaks';
import { peakFor, planFor } from '../../bench/gpu-plan';
import type { AdapterReport } from '../../bench/pages/gpu-bench';

const adapter = (a: Partial<AdapterReport>): AdapterReport => {
  const base = { vendor: '', architecture: '', device: '', description: '', isFallbackAdapter: false, limits: {}, ...a };
  return { ...base, software: a.software ?? isSoftwareAdapter(base) };
};

describe('bench:gpu adapters', () => {
  it('matches known GPUs by their description, the more specific name first', () => {
    expect(matchGpu(adapter({ vendor: 'nvidia', architecture: 'hopper', description: 'NVIDIA H200' }))?.fp32Tflops).toBe(67);
    expect(matchGpu(adapter({ vendor: 'nvidia', description: 'NVIDIA H100 PCIe' }))?.name).toBe('NVIDIA H100 PCIe');
    expect(matchGpu(adapter({ vendor: 'nvidia', description: 'NVIDIA H100 80GB HBM3' }))?.name).toBe('NVIDIA H100 SXM');
    expect(matchGpu(adapter({ vendor: 'nvidia', description: 'NVIDIA A100-SXM4-80GB' }))?.fp32Tflops).toBe(19.5);
    expect(matchGpu(adapter({ vendor: 'nvidia', description: 'NVIDIA L4' }))?.name).toBe('NVIDIA L4');
    expect(matchGpu(adapter({ vendor: 'nvidia', description: 'NVIDIA L40S' }))?.name).toBe('NVIDIA L40S');
    expect(matchGpu(adapter({ vendor: 'nvidia', description: 'Tesla T4' }))?.fp32Tflops).toBe(8.1);
    expect(matchGpu(adapter({ vendor: 'nvidia', description: 'NVIDIA GeForce RTX 4090' }))?.fp32Tflops).toBe(82.6);
    expect(matchGpu(adapter({ vendor: 'nvidia', description: 'NVIDIA GeForce RTX 3090' }))?.fp32Tflops).toBe(35.6);
    expect(matchGpu(adapter({ vendor: 'apple', architecture: 'metal-3', description: 'Apple M1 Max' }))?.name).toBe('Apple M1 Max');
    expect(matchGpu(adapter({ vendor: 'apple', description: 'Apple M2' }))?.name).toBe('Apple M2');
    expect(matchGpu(adapter({ vendor: 'apple', description: 'Apple M3 Pro' }))?.name).toBe('Apple M3 Pro');
    // Chromium without developer features: vendor and architecture only — not enough to tell H100 from H200.
    expect(matchGpu(adapter({ vendor: 'nvidia', architecture: 'hopper' }))).toBeNull();
  });

  it('the peak: --peak-tflops first, then the table, then the other runtime’s match for the same vendor', () => {
    const h200 = adapter({ vendor: 'nvidia', description: 'NVIDIA H200' });
    expect(peakFor(h200, { peakTflops: 60 })).toEqual({ tflops: 60, source: '--peak-tflops' });
    expect(peakFor(h200, {})?.tflops).toBe(67);
    const masked = adapter({ vendor: 'nvidia', architecture: 'hopper' });
    expect(peakFor(masked, {})).toBeNull();
    expect(peakFor(masked, {}, matchGpu(h200))?.tflops).toBe(67);
    expect(peakFor(adapter({ vendor: 'amd' }), {}, matchGpu(h200))).toBeNull();
  });

  it('software adapters are named as such and get the small sizes; GPUs the research sizes', () => {
    const swift = adapter({ vendor: 'google', architecture: 'swiftshader', description: 'SwiftShader driver 5.0.0' });
    expect(swift.software).toBe(true);
    expect(adapter({ vendor: 'mesa', description: 'llvmpipe (LLVM 15.0.6, 256 bits)' }).software).toBe(true);
    expect(adapter({ vendor: 'nvidia', isFallbackAdapter: true }).software).toBe(true);
    expect(peakFor(swift, {})).toBeNull();
    const gpu = adapter({ vendor: 'nvidia', description: 'NVIDIA H200' });
    expect(gpu.software).toBe(false);
    expect(Math.max(...planFor(swift, {}).train.map((t) => t.dIn * t.dSae))).toBeLessThan(768 * 24576);
    const research = planFor(gpu, {});
    expect(research.train.filter((t) => t.dIn === 768 && t.dSae === 24576 && t.B === 4096).map((t) => t.k)).toEqual(expect.arrayContaining([32, 128, 512]));
    expect(research.matmul[0]).toMatchObject({ B: 4096, dIn: 768, dSae: 24576 });
    expect(planFor(gpu, { small: true })).toEqual(planFor(swift, {}));
  });
});
