// What a stream training stores with each hook's checkpoint (SaeTrainingRecord.options), and its SAE as SAELens
// files: the stream has no run, so the model, context and TransformerLens settings come from the record itself.
import { type TlSettings, tlKwargs } from '../core/tl-settings';
import type { HeldOutSplit } from '../corpus/held-out';
import type { SaeLensFiles } from '../sae/saelens';
import { toSaeLens } from '../sae/train/trainer';
import { type SaeTrainState, trainConfig } from '../sae/train/types';
import type { SaeTrainingRecord } from '../store/schema';
import type { StreamCorpusFile, StreamTrainRequest } from './protocol';

export interface StreamRecordOptions {
  stream: {
    streamId: string;
    hooks: string[];
    corpus: StreamCorpusFile[];
    modelId: string;
    tl: TlSettings;
    heldOut: HeldOutSplit;
    /** Batches per mixing block: fixed for the training's life (a resume must permute the same blocks). */
    blockSteps: number;
    forwardBatch: number;
    request: Omit<StreamTrainRequest, 'files' | 'device' | 'resumeFrom'>;
  };
  expansion: number;
  k: number;
  architecture: 'topk' | 'batchtopk';
  batchSize: number;
  lr: number;
  seed: number;
  steps: number;
}

export function streamOptions(r: SaeTrainingRecord): StreamRecordOptions | null {
  return r.stream ? (r.options as unknown as StreamRecordOptions) : null;
}

/** A stream-trained SAE as SAELens files, with a name for the dashboards' list. */
export function streamExport(r: SaeTrainingRecord): SaeLensFiles & { name: string } {
  const o = streamOptions(r)!;
  const state = r.state as SaeTrainState;
  const dIn = state.params.b_dec.length;
  const cfg = trainConfig({ dIn, dSae: dIn * o.expansion, k: o.k, architecture: o.architecture });
  const meta = {
    hook_name: r.hook,
    model_name: o.stream.modelId,
    context_size: o.stream.request.contextLength,
    prepend_bos: true,
    dataset: o.stream.corpus.map((f) => f.name).join(', '),
    model_from_pretrained_kwargs: tlKwargs(o.stream.tl),
  };
  const files = toSaeLens(state, cfg, meta, r.inputScale).files;
  return { ...files, name: `${r.hook} ×${o.expansion} k${o.k} · stream step ${r.step}` };
}
