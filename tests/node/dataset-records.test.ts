// What a dataset run leaves in records: the catalogue's releases name their training dataset, and an SAE's cfg.json
// carries the run's dataset id as SAELens' dataset_path.
import { describe, expect, it } from 'vitest';
import { catalogueDataset, catalogueRelease, listReleases } from '../../src/sae/catalogue';
import { saeLensCfgJson } from '../../src/sae/saelens';
import type { SaeConfig } from '../../src/sae/sae';

describe('dataset records', () => {
  it('catalogue releases name the dataset their SAEs were trained on', () => {
    expect(catalogueDataset(catalogueRelease('gpt2-small-hook-z-kk'))).toBe('Skylion007/openwebtext');
    const v5 = listReleases().filter((r) => r.release.includes('-v5-'));
    expect(v5.length).toBeGreaterThan(0);
    for (const r of v5) expect(catalogueDataset(r)).toBe('Skylion007/openwebtext');
  });

  it('an SAE trained on a dataset run exports its id as dataset_path', () => {
    const cfg: SaeConfig = {
      architecture: 'topk',
      d_in: 4,
      d_sae: 8,
      k: 2,
      dtype: 'float32',
      apply_b_dec_to_input: true,
      normalize_activations: 'none',
      hook_name: 'blocks.0.hook_resid_post',
      model_name: 'tiny-gpt2',
      context_size: 16,
      prepend_bos: true,
      dataset: 'NeelNanda/pile-10k',
    };
    const json = saeLensCfgJson(cfg);
    expect(json.dataset_path).toBe('NeelNanda/pile-10k');
    expect((json.metadata as Record<string, unknown>).dataset_path).toBe('NeelNanda/pile-10k');
  });
});
