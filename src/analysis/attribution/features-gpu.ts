// The per-feature half of attribution on WebGPU: encode the hook's activation with the SAE (GpuEncoder:
// matmul_bias → feature_acts [→ topk_rows → feature_scatter]), then feature_attribution reads each firing
// feature's decoder row along the readout and the gradient. The SAE is uploaded once and reused for every
// prediction; one submit and one read-back per prediction. CPU twin: cpuFeatureAttributor in ./attribute.ts.
import { LabError } from '../../core/errors';
import { createBuffer, readBuffer } from '../../gpu/device';
import { featureAttribution } from '../../gpu/kernels/feature_attribution';
import { GpuEncoder, gpuStatsSupported } from '../feature-stats-gpu';
import type { AttributionSae, FeatureAttributor } from './attribute';

const F = 4;

export function gpuAttributionSupported(sae: AttributionSae): boolean {
  return gpuStatsSupported(sae);
}

export class GpuFeatureAttributor implements FeatureAttributor {
  readonly device = 'gpu' as const;
  private readonly encoder: GpuEncoder;
  private readonly wDec: GPUBuffer;
  private readonly dirs: GPUBuffer;
  private readonly out: GPUBuffer;

  constructor(
    private readonly gpu: GPUDevice,
    private readonly sae: AttributionSae,
  ) {
    if (!gpuAttributionSupported(sae)) throw new LabError(`GPU attribution cannot encode a ${sae.cfg.architecture} SAE with k = ${sae.cfg.k}`);
    const { d_in: dIn, d_sae: dSae } = sae.cfg;
    this.encoder = new GpuEncoder(gpu, sae, 1);
    this.wDec = createBuffer(gpu, sae.weights.W_dec, undefined, 'attribution.W_dec');
    this.dirs = createBuffer(gpu, 2 * dIn * F, undefined, 'attribution.dirs');
    this.out = createBuffer(gpu, 2 * dSae * F, undefined, 'attribution.out');
  }

  async attribute(x: Float32Array, dirs: Float32Array): Promise<{ acts: Float32Array; out: Float32Array }> {
    const { d_in: dIn, d_sae: dSae } = this.sae.cfg;
    if (x.length !== dIn || dirs.length !== 2 * dIn) throw new RangeError(`GpuFeatureAttributor: x [${x.length}], dirs [${dirs.length}] for d_in = ${dIn}`);
    this.gpu.queue.writeBuffer(this.dirs, 0, dirs.buffer, dirs.byteOffset, dirs.byteLength);
    const enc = this.gpu.createCommandEncoder({ label: 'attribution' });
    this.encoder.encode(x, enc);
    featureAttribution(this.gpu, { dSae, dIn }, { wDec: this.wDec, acts: this.encoder.acts, dirs: this.dirs, out: this.out }, enc);
    this.gpu.queue.submit([enc.finish()]);
    const [acts, out] = await Promise.all([readBuffer(this.gpu, this.encoder.acts, dSae * F), readBuffer(this.gpu, this.out, 2 * dSae * F)]);
    await this.encoder.checkSelection();
    return { acts, out };
  }

  dispose(): void {
    this.encoder.destroy();
    for (const b of [this.wDec, this.dirs, this.out]) b.destroy();
  }
}
