// An SAE checked against the model it will run with: the tiny model's real config (public/models/tiny-gpt2) and
// GPT-2 small's. Each misfit names what differs and what to do; a fitting SAE passes.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseGpt2Config } from '../../src/core/config';
import { HF_RAW, SAELENS_DEFAULTS, TL_FROM_PRETRAINED } from '../../src/core/tl-settings';
import { type FitSae, SaeMismatchError, assertSaeFits, saeMisfit } from '../../src/analysis/sae-fit';
import { GPT2_SMALL } from '../../src/sae/catalogue';
import { TINY_DIR } from '../helpers/checkpoints';

const tiny = { id: 'tiny-gpt2', cfg: parseGpt2Config(JSON.parse(readFileSync(join(TINY_DIR, 'config.json'), 'utf8'))), hasWeights: true };
const small = { id: 'openai-community/gpt2', cfg: GPT2_SMALL, hasWeights: true };
const sae = (over: Partial<FitSae>): FitSae => ({ hook: 'blocks.2.hook_resid_post', dIn: 256, modelName: 'tiny-gpt2', tl: SAELENS_DEFAULTS, ...over });

describe('saeMisfit', () => {
  it('passes SAEs that fit: tiny on tiny, GPT-2 small on GPT-2 small (by any of its names), MLP and hook_z widths', () => {
    expect(saeMisfit(sae({}), tiny)).toBeNull();
    expect(saeMisfit(sae({ hook: 'blocks.3.mlp.hook_post', dIn: 1024 }), tiny)).toBeNull();
    expect(saeMisfit(sae({ hook: 'blocks.8.hook_resid_pre', dIn: 768, modelName: 'gpt2-small' }), small)).toBeNull();
    expect(saeMisfit(sae({ hook: 'blocks.0.attn.hook_z', dIn: 768, modelName: 'gpt2' }), small)).toBeNull();
  });

  it('a 768-wide GPT-2 small SAE beside tiny: its width, and which model to load', () => {
    const m = saeMisfit(sae({ dIn: 768, modelName: 'gpt2-small' }), tiny);
    expect(m?.kind).toBe('width');
    expect(m?.message).toBe("reads 768-wide blocks.2.hook_resid_post; tiny-gpt2's is 256 wide: load GPT-2 small (the SAE's model_name, gpt2-small) to use it");
  });

  it('a 768-wide SAE that says it is for tiny: its cfg.json is wrong', () => {
    const m = saeMisfit(sae({ dIn: 768 }), tiny);
    expect(m?.kind).toBe('width');
    expect(m?.message).toMatch(/^reads 768-wide blocks\.2\.hook_resid_post; tiny-gpt2's is 256 wide, although the SAE names tiny-gpt2 as its model: .*fix model_name or hook_name/);
  });

  it('blocks.99 on the 4-layer model, and blocks.11 of GPT-2 small beside tiny', () => {
    const own = saeMisfit(sae({ hook: 'blocks.99.hook_resid_post' }), tiny);
    expect(own?.kind).toBe('hook');
    expect(own?.message).toMatch(/reads blocks\.99\.hook_resid_post, which tiny-gpt2 does not have \(.*layers 0…3\)/);
    const other = saeMisfit(sae({ hook: 'blocks.11.hook_resid_post', dIn: 768, modelName: 'gpt2-small' }), tiny);
    expect(other?.kind).toBe('hook');
    expect(other?.message).toMatch(/load GPT-2 small .* to use it$/);
    // A model with enough layers takes it.
    expect(saeMisfit(sae({ hook: 'blocks.11.hook_resid_post', dIn: 768, modelName: 'gpt2-small' }), small)).toBeNull();
  });

  it('an unknown hook point, and attention patterns (no row per position)', () => {
    expect(saeMisfit(sae({ hook: 'blocks.0.hook_resid_postt' }), tiny)?.message).toMatch(/unknown hook "blocks\.0\.hook_resid_postt"/);
    expect(saeMisfit(sae({ hook: 'resid' }), small)?.kind).toBe('hook');
    expect(saeMisfit(sae({ hook: 'blocks.0.attn.hook_pattern' }), tiny)?.message).toMatch(/not one row per position/);
  });

  it('another model of the same width: the model name', () => {
    const m = saeMisfit(sae({ modelName: 'gpt2-medium', hook: 'blocks.2.hook_resid_post', dIn: 768 }), small);
    expect(m?.kind).toBe('model');
    expect(m?.message).toBe("made for gpt2-medium, but openai-community/gpt2 is loaded: load GPT-2 medium (the SAE's model_name, gpt2-medium) to use it");
    expect(saeMisfit(sae({ modelName: 'my-model' }), tiny)?.message).toMatch(/load my-model \(the SAE's model_name\) to use it$/);
  });

  it('settings: centred activations for an SAE that reads uncentred ones are refused; a conversion needs weights', () => {
    const centredRun = { tl: TL_FROM_PRETRAINED, label: 'run "moby" stored it' };
    const m = saeMisfit(sae({}), tiny, centredRun);
    expect(m?.kind).toBe('settings');
    expect(m?.message).toMatch(/run "moby" stored it .*centred over d_model .*harvest a run with model settings/);
    // The live model computes HF_RAW (uncentred): resid_post converts exactly, without weights.
    expect(saeMisfit(sae({}), { ...tiny, hasWeights: false })).toBeNull();
    // hook_normalized under fold_ln off needs ln_1's γ, β: not there in a pre-built .onnx.
    const ln = sae({ hook: 'blocks.1.ln1.hook_normalized', tl: { ...HF_RAW, fold_ln: false } });
    expect(saeMisfit(ln, tiny)).toBeNull();
    expect(saeMisfit(ln, { ...tiny, hasWeights: false })?.message).toMatch(/needs the model's weights: load tiny-gpt2 from its safetensors/);
  });

  it('assertSaeFits throws the named error with the same message', () => {
    const bad = sae({ dIn: 768, modelName: 'gpt2-small' });
    expect(() => assertSaeFits('wide', bad, tiny)).toThrow(SaeMismatchError);
    expect(() => assertSaeFits('wide', bad, tiny)).toThrow(`SAE wide ${saeMisfit(bad, tiny)!.message}`);
    expect(() => assertSaeFits('ok', sae({}), tiny)).not.toThrow();
  });
});
