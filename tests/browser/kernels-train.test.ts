// The SAE training-step kernels (src/gpu/kernels/{mask_dead,loss_stats,recon_grad,sparse_dot,latent_bitmap,
// latent_grad (+ enc_grad),bias_grad,dead_update,dec_rows,adam}.ts) against their CPU twins (src/sae/cpu/*) on awkward
// sizes, in Chromium on SwiftShader WebGPU. One table (./pages/kernels-train-data.ts), one test body; floats
// within 1e-4 of the reference's largest magnitude (maxdiff printed per tensor), u32 outputs exactly equal.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { adamStep } from '../../src/sae/cpu/adam';
import { biasGrad } from '../../src/sae/cpu/bias_grad';
import { deadUpdate } from '../../src/sae/cpu/dead_update';
import { decGradProject } from '../../src/sae/cpu/dec_grad_project';
import { decRenorm } from '../../src/sae/cpu/dec_renorm';
import { latentBitmap } from '../../src/sae/cpu/latent_bitmap';
import { latentGrad } from '../../src/sae/cpu/latent_grad';
import { STAT, STATS_LEN, lossStats } from '../../src/sae/cpu/loss_stats';
import { countDead, maskDead } from '../../src/sae/cpu/mask_dead';
import { reconGrad } from '../../src/sae/cpu/recon_grad';
import { sparseDot } from '../../src/sae/cpu/sparse_dot';
import { assertClose, assertExact } from '../reference/compare';
import { type OpenedPage, callInPage, closeChromium, openPage } from './chromium';
import { expectNoErrorsPerTest } from './page-errors';
import { decodeTensor } from './pages/kernels-data';
import type { TrainCaseResult } from './pages/kernels-train';
import { TRAIN_KERNEL_CASES, type TrainKernelCase, adamCaseScalars, trainInputs } from './pages/kernels-train-data';

const baseUrl = inject('baseUrl');
const MODULE = '/tests/browser/pages/kernels-train.ts';
const REL_TOL = 1e-4;
const CASES = TRAIN_KERNEL_CASES.filter((c) => !process.env.KERNELS_ONLY || c.name.includes(process.env.KERNELS_ONLY));

type Tensors = Record<string, Float32Array | Uint32Array>;

function reference(c: TrainKernelCase): Tensors {
  const inp = trainInputs(c) as Record<string, never>;
  const f = (name: string) => inp[name] as Float32Array;
  const u = (name: string) => inp[name] as Uint32Array;
  switch (c.kernel) {
    case 'mask_dead':
      return { out: maskDead(f('pre'), u('sinceFired'), c.deadTokens, c.M, c.N) };
    case 'loss_stats': {
      const s = lossStats({
        x: f('x'),
        xhat: f('xhat'),
        ehat: c.aux ? f('ehat') : null,
        M: c.M,
        d: c.d,
        numDead: countDead(u('sinceFired'), c.deadTokens),
        auxCoef: 1 / 32,
      });
      const stats = new Float32Array(STATS_LEN);
      for (const [name, slot] of Object.entries(STAT)) stats[slot] = s[name as keyof typeof STAT];
      return { stats };
    }
    case 'recon_grad': {
      const r = reconGrad({ x: f('x'), xhat: f('xhat'), ehat: c.aux ? f('ehat') : null, M: c.M, d: c.d, auxGradScale: f('stats')[STAT.auxGradScale] });
      return c.aux ? { g: r.g, gAux: r.gAux! } : { g: r.g };
    }
    case 'sparse_dot': {
      const dpre = sparseDot({ g: f('g'), idx: u('idx'), vals: f('vals'), wDec: f('wDec'), M: c.M, k: c.k, dSae: c.dSae, d: c.d });
      // Fused with latent_bitmap: the same bitmap as the stand-alone kernel's twin.
      return c.bits ? { dpre, bits: latentBitmap(u('idx'), f('vals'), c.M, c.k, c.dSae) } : { dpre };
    }
    case 'latent_bitmap':
      return { bits: latentBitmap(u('idx'), f('vals'), c.M, c.k, c.dSae) };
    case 'latent_grad': {
      const enc = c.mode === 'enc';
      const out = f('out');
      const sums = f('sums');
      latentGrad(
        { idx: u('idx'), vals: f('vals'), coef: f('coef'), a: f('a'), sub: enc ? f('sub') : null, M: c.M, k: c.k, dSae: c.dSae, d: c.d, transposed: enc, accumulate: c.accumulate },
        out,
        enc ? sums : undefined,
      );
      return enc ? { out, sums } : { out };
    }
    case 'bias_grad': {
      const out = f('out');
      biasGrad({ g: c.hasG ? f('g') : null, dpre: f('dpre'), idx: u('idx'), wEnc: f('wEnc'), M: c.M, k: c.k, dSae: c.dSae, d: c.d, accumulate: c.accumulate }, out);
      return { out };
    }
    case 'dead_update': {
      const s = u('sinceFired');
      deadUpdate(s, u('idx'), f('vals'), c.M, c.k);
      return { sinceFired: s };
    }
    case 'dec_grad_project': {
      const grad = f('grad');
      decGradProject(grad, f('wDec'), c.dSae, c.d);
      return { grad };
    }
    case 'dec_renorm': {
      const w = f('wDec');
      decRenorm(w, c.dSae, c.d);
      return { wDec: w };
    }
    case 'adam': {
      const [p, m, v] = [f('param'), f('m'), f('v')];
      adamStep(p, f('grad'), m, v, adamCaseScalars(c));
      return { param: p, m, v };
    }
  }
}

describe('SAE training-step WGSL kernels vs CPU twins (SwiftShader WebGPU)', () => {
  let p: OpenedPage;

  beforeAll(async () => {
    p = await openPage(`${baseUrl}/tests/browser/pages/blank.html`, { prefix: '[kernels-train]' });
  });

  afterAll(async () => {
    await p?.close();
    await closeChromium();
  });
  expectNoErrorsPerTest(() => p);

  it.each(CASES)('$name', async (c) => {
    const r = await callInPage<TrainCaseResult>(p.page, MODULE, 'runTrainCase', c);
    const ref = reference(c);
    console.log(`[kernels-train] ${c.name}: compile ${r.compileMs.toFixed(0)} ms, run+readback ${r.runMs.toFixed(0)} ms`);
    expect(Object.keys(r.outputs).sort()).toEqual(Object.keys(ref).sort());
    for (const [name, want] of Object.entries(ref)) {
      const got = decodeTensor(r.outputs[name]);
      const label = `  ${c.kernel}.${name}`;
      // mask_dead copies values or writes −FLT_MAX: exact (a relative tolerance against FLT_MAX means nothing).
      if (want instanceof Uint32Array || c.kernel === 'mask_dead') assertExact(label, got, want);
      else assertClose(label, got, want, REL_TOL);
    }
  });

  it('no console errors or page errors', () => {
    expect(p.errors).toEqual([]);
  });
});
