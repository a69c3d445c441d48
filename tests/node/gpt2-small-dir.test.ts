// The GPT-2-small-shaped random checkpoint with GPT-2's real tokenizer loads through the project's own loader,
// and what a BOS-led window looks like there is what it looks like for openai-community/gpt2.
import { describe, expect, it } from 'vitest';
import { loadGpt2FromDir } from '../../src/node/load-dir';
import { gpt2SmallDir } from '../helpers/gpt2-small-dir';
import { GPT2_EOT_ID, GPT2_VOCAB_SIZE } from '../helpers/gpt2-tokenizer';

describe('gpt2SmallDir', () => {
  it('loads with loadGpt2FromDir and tokenizes as GPT-2, BOS = <|endoftext|> = 50256', () => {
    const m = loadGpt2FromDir(gpt2SmallDir());
    expect(m.cfg).toMatchObject({ vocabSize: GPT2_VOCAB_SIZE, nLayer: 12, nEmbd: 768, nHead: 12, nPositions: 1024 });
    expect(m.cfg.bosTokenId).toBe(GPT2_EOT_ID);
    expect(m.weights.wte.length).toBe(GPT2_VOCAB_SIZE * 768);
    expect(m.tokenizer.vocabSize).toBe(m.cfg.vocabSize); // every id the model can emit has a token string

    // A window as the engine builds one: BOS, then the text's ids.
    const ids = [m.cfg.bosTokenId, ...m.tokenizer.encode('Hello world, the whale')];
    expect(ids).toEqual([50256, 15496, 995, 11, 262, 22206]);
    expect(ids.map((id) => m.tokenizer.tokenText(id))).toEqual(['<|endoftext|>', 'Hello', ' world', ',', ' the', ' whale']);
  });
});
