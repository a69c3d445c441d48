import { shownText } from '../user-text';
import { Name } from './Name';
import { type DragEvent, useEffect, useState } from 'react';
import { HEAD_HOOKS, ROW_BLOCK_HOOKS, headHookKey, splitHeadKey } from '../../core/hooks';
import { SAELENS_DEFAULTS, TL_KEYS } from '../../core/tl-settings';
import { cancelRun, pauseRun, setCorpusFiles, setDatasetForm, setRunOptions, startRun, toggleHook, useDatasetSource, useHarvest, useSampleCorpus } from '../harvest-store';
import { useLab } from '../store';

const fmt = (n: number) => n.toLocaleString('en-US');

export function HarvestPanel() {
  const model = useLab((s) => s.model);
  const h = useHarvest();
  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    setCorpusFiles([...e.dataTransfer.files]);
  };
  useEffect(() => {
    // A sensible default: the residual stream after the middle block, where SAEs are usually trained.
    if (model && useHarvest.getState().options.hooks.length === 0) setRunOptions({ hooks: [`blocks.${Math.floor(model.cfg.nLayer / 2)}.hook_resid_post`] });
  }, [model]);
  if (!model)
    return (
      <section className="panel wide" aria-label="Corpus → activations">
        <h2>Corpus → activations</h2>
        <p className="muted" role="status">
          Once the model has loaded, drop text files here (or take the sample corpus) to store its activations.
        </p>
      </section>
    );
  const rejections = h.lastRun?.rejections ?? h.refused;
  const sourceLabel = !h.source
    ? 'none'
    : h.source.kind === 'url'
      ? `${h.source.name} (sample)`
      : h.source.kind === 'dataset'
        ? `Hugging Face dataset ${h.source.dataset.repo}${h.source.dataset.config ? `/${h.source.dataset.config}` : ''} (${h.source.dataset.split}), packed as SAELens packs it`
        : h.source.files.map((f) => f.name).join(', ');
  return (
    <section className="panel wide" data-testid="harvest-panel">
      <h2>Corpus → activations</h2>
      <div className="row dropzone" onDragOver={(e) => e.preventDefault()} onDrop={onDrop} data-testid="corpus-drop">
        <span>Drop .txt, .md, .jsonl or .csv files, or</span>
        <input type="file" multiple accept=".txt,.text,.md,.markdown,.jsonl,.ndjson,.csv" onChange={(e) => setCorpusFiles([...(e.target.files ?? [])])} aria-label="corpus files" data-testid="corpus-input" />
        <label className="muted">
          a folder{' '}
          <input type="file" {...{ webkitdirectory: '' }} onChange={(e) => setCorpusFiles([...(e.target.files ?? [])].filter((f) => !f.name.startsWith('.')))} aria-label="a corpus folder" data-testid="corpus-folder" />
        </label>
        <button className="secondary" onClick={useSampleCorpus} data-testid="sample-corpus">
          Sample corpus (Moby-Dick)
        </button>
      </div>
      <DatasetSource />
      <p className="muted" data-testid="corpus-source">
        Corpus: <Name text={sourceLabel} />
      </p>
      <HookPicker nLayer={model.cfg.nLayer} nHead={model.cfg.nHead} />
      <div className="row">
        <label>
          context <input type="number" min={2} max={model.cfg.nPositions} value={h.options.contextLength} onChange={(e) => setRunOptions({ contextLength: Number(e.target.value) })} data-testid="context-length" />
        </label>
        {!(h.options.contextLength >= 2 && h.options.contextLength <= model.cfg.nPositions) && (
          <span className="notice" role="status" data-testid="context-length-note">
            a window is 2…{model.cfg.nPositions} tokens (BOS + at least one, at most {model.id}'s context): the run uses{' '}
            {Math.min(Math.max(2, Math.floor(h.options.contextLength) || 2), model.cfg.nPositions)}
          </span>
        )}
        <label>
          dtype{' '}
          <select value={h.options.dtype} onChange={(e) => setRunOptions({ dtype: e.target.value as 'f32' | 'f16' })} data-testid="dtype">
            <option value="f32">fp32</option>
            <option value="f16">fp16</option>
          </select>
        </label>
        <label>
          <input type="checkbox" checked={h.options.skipBos} onChange={(e) => setRunOptions({ skipBos: e.target.checked })} data-testid="skip-bos" /> skip BOS rows
        </label>
        <TlSettingsPicker />
        <label title="whole documents set aside (by a seeded hash of their index): stored and harvested, never trained on; every training on the run reports its FVU, L0, dead latents, CE loss recovered and KL on them">
          held-out documents{' '}
          <input
            type="number"
            min={0}
            max={50}
            step={0.5}
            value={+((h.options.heldOutShare ?? 0) * 100).toFixed(2)}
            onChange={(e) => setRunOptions({ heldOutShare: Math.min(0.5, Math.max(0, Number(e.target.value) / 100 || 0)) })}
            size={4}
            aria-label="held-out share of documents (%)"
            data-testid="run-held-out-share"
          />
          %
        </label>
        <label title="rows per shard: the unit of commit and of resume">
          shard rows <input type="number" min={16} step={256} value={h.options.rowsPerShard ?? 4096} onChange={(e) => setRunOptions({ rowsPerShard: Number(e.target.value) })} size={6} data-testid="rows-per-shard" />
        </label>
        <label>
          jsonl field <input value={h.options.jsonlField} onChange={(e) => setRunOptions({ jsonlField: e.target.value })} size={8} data-testid="jsonl-field" />
        </label>
        <label>
          csv column <input value={h.options.csvColumn} onChange={(e) => setRunOptions({ csvColumn: e.target.value })} size={8} data-testid="csv-column" />
        </label>
      </div>
      <div className="row">
        <button onClick={() => void startRun()} disabled={!h.source || h.job !== null || h.options.hooks.length === 0} data-testid="start-harvest">
          Tokenize & harvest
        </button>
        {h.job?.phase === 'harvest' && (
          <>
            <button className="secondary" onClick={() => void pauseRun()} disabled={h.job.pausing} data-testid="pause-harvest">
              {h.job.pausing ? 'Pausing…' : 'Pause'}
            </button>
            <button className="secondary" onClick={() => void cancelRun()} data-testid="cancel-harvest">
              Cancel
            </button>
          </>
        )}
      </div>
      {h.job && <JobProgress />}
      {h.error && (
        <div className="error" role="alert" data-testid="harvest-error">
          {shownText(h.error)}
        </div>
      )}
      {rejections.length > 0 && (
        <div data-testid="rejections">
          <h3>Skipped files and lines</h3>
          <ul>
            {rejections.map((r, i) => (
              <li key={i} data-testid="rejection">
                <strong>
                  <Name text={r.file} testId="rejection-file" />
                </strong>
                {r.line !== undefined && `:${r.line}`} — {shownText(r.reason)}
              </li>
            ))}
          </ul>
        </div>
      )}
      {h.lastRun && (
        <p className="muted" data-testid="last-run">
          <Name text={h.lastRun.name} />: {fmt(h.lastRun.documents)} documents · {fmt(h.lastRun.windows)} windows · {fmt(h.lastRun.committedRows)} of {fmt(h.lastRun.totalRows)} rows stored ·{' '}
          {h.lastRun.status}
        </p>
      )}
    </section>
  );
}

/** A Hugging Face dataset streamed by id (SAELens' dataset_path), as the run's corpus. */
function DatasetSource() {
  const f = useHarvest((s) => s.dataset);
  const field = (key: 'repo' | 'config' | 'split' | 'column' | 'start' | 'maxTokens' | 'shuffleSeed' | 'hubUrl', label: string, testId: string, size: number, placeholder = '') => (
    <label>
      {label}{' '}
      <input value={f[key]} onChange={(e) => setDatasetForm({ [key]: e.target.value })} size={size} placeholder={placeholder} data-testid={testId} />
    </label>
  );
  return (
    <form
      className="row"
      data-testid="dataset-source"
      aria-label="Hugging Face dataset"
      onSubmit={(e) => {
        e.preventDefault();
        useDatasetSource();
      }}
    >
      <strong>Hugging Face dataset</strong>
      {field('repo', 'dataset', 'dataset-repo', 28, 'e.g. NeelNanda/pile-10k')}
      {field('config', 'config', 'dataset-config', 10, 'default')}
      {field('split', 'split', 'dataset-split', 8)}
      {field('column', 'column', 'dataset-column', 8, 'text / tokens')}
      {field('start', 'from row', 'dataset-start', 6)}
      {field('maxTokens', 'tokens', 'dataset-max-tokens', 8)}
      {field('shuffleSeed', 'shard seed', 'dataset-seed', 5, 'in order')}
      {field('hubUrl', 'Hub', 'dataset-hub', 22)}
      <label title="for a gated or private dataset; kept in this page's memory only, unless you tick remember">
        token <input type="password" value={f.token} onChange={(e) => setDatasetForm({ token: e.target.value })} size={12} autoComplete="off" data-testid="dataset-token" />
      </label>
      <label>
        <input type="checkbox" checked={f.rememberToken} onChange={(e) => setDatasetForm({ rememberToken: e.target.checked })} data-testid="dataset-remember-token" /> remember the token on this device
      </label>
      <button type="submit" className="secondary" disabled={!f.repo.trim()} data-testid="dataset-use">
        Use this dataset
      </button>
    </form>
  );
}

/** TransformerLens' weight processing of the stored activations (SAELens' model_from_pretrained_kwargs; default SAELens'). */
function TlSettingsPicker() {
  const tl = useHarvest((s) => s.options.tl ?? SAELENS_DEFAULTS);
  return (
    <fieldset className="row tight" data-testid="tl-settings">
      <legend title="TransformerLens weight processing (model_from_pretrained_kwargs); an SAE reads activations under the settings it was trained with">
        model settings
      </legend>
      {TL_KEYS.map((k) => (
        <label key={k}>
          <input type="checkbox" checked={tl[k]} onChange={(e) => setRunOptions({ tl: { ...tl, [k]: e.target.checked } })} data-testid={`tl-${k}`} /> {k}
        </label>
      ))}
    </fieldset>
  );
}

function HookPicker({ nLayer, nHead }: { nLayer: number; nHead: number }) {
  const hooks = useHarvest((s) => s.options.hooks);
  return (
    <div className="hook-grid" data-testid="hook-picker">
      <HeadPicker nLayer={nLayer} nHead={nHead} hooks={hooks} />
      {Array.from({ length: nLayer }, (_, l) => (
        <div key={l} className="row tight">
          <span className="muted">block {l}</span>
          {ROW_BLOCK_HOOKS.map((p) => {
            const name = `blocks.${l}.${p}`;
            return (
              <label key={name} title={name}>
                <input type="checkbox" checked={hooks.includes(name)} onChange={() => toggleHook(name)} data-testid={`hook-${name}`} />
                {p.replace('hook_', '')}
              </label>
            );
          })}
        </div>
      ))}
    </div>
  );
}

/**
 * One head of attn.hook_q/k/v/z stored alone ([pos, d_head]), as an SAE with SAELens' hook_head_index reads it: adds the
 * one-head key (blocks.L.attn.hook_z[h]) to the run's hooks; the chosen ones are listed to untick.
 */
function HeadPicker({ nLayer, nHead, hooks }: { nLayer: number; nHead: number; hooks: string[] }) {
  const [layer, setLayer] = useState(0);
  const [point, setPoint] = useState('attn.hook_z');
  const [head, setHead] = useState(0);
  const key = headHookKey(`blocks.${Math.min(layer, nLayer - 1)}.${point}`, Math.min(head, nHead - 1));
  const chosen = hooks.filter((h) => splitHeadKey(h).head !== null);
  return (
    <div className="row tight" data-testid="head-picker">
      <span className="muted" title="one head's [pos, d_head] alone, as an SAE with hook_head_index reads it">one head</span>
      <label>
        block{' '}
        <select value={layer} onChange={(e) => setLayer(Number(e.target.value))} data-testid="head-layer">
          {Array.from({ length: nLayer }, (_, l) => (
            <option key={l} value={l}>
              {l}
            </option>
          ))}
        </select>
      </label>
      <label>
        hook{' '}
        <select value={point} onChange={(e) => setPoint(e.target.value)} data-testid="head-point">
          {HEAD_HOOKS.map((p) => (
            <option key={p} value={p}>
              {p.replace('attn.hook_', '')}
            </option>
          ))}
        </select>
      </label>
      <label>
        head <input type="number" min={0} max={nHead - 1} value={head} onChange={(e) => setHead(Math.max(0, Math.floor(Number(e.target.value) || 0)))} size={3} data-testid="head-index" />
      </label>
      <button className="secondary" onClick={() => !hooks.includes(key) && toggleHook(key)} disabled={hooks.includes(key)} data-testid="add-head-hook">
        add {key}
      </button>
      {chosen.map((name) => (
        <label key={name} title={name}>
          <input type="checkbox" checked onChange={() => toggleHook(name)} data-testid={`hook-${name}`} />
          {name}
        </label>
      ))}
    </div>
  );
}

function JobProgress() {
  const job = useHarvest((s) => s.job)!;
  if (job.phase === 'tokenize') {
    const t = job.tokenize;
    return (
      <div className="progress" data-testid="harvest-progress">
        <progress />
        <span data-testid="tokenize-progress-text">
          tokenizing… {t ? `${fmt(t.documents)} documents · ${fmt(t.tokens)} tokens` : ''}
          {t && 'bytes' in t ? ` · ${fmt(Math.round((t as { bytes: number }).bytes / 1024))} KiB fetched` : ''}
        </span>
      </div>
    );
  }
  const p = job.harvest;
  return (
    <div className="progress" data-testid="harvest-progress">
      <progress value={p ? p.rowsDone / Math.max(1, p.totalRows) : undefined} max={1} />
      <span data-testid="harvest-progress-text">
        {p
          ? `${fmt(p.rowsDone)} / ${fmt(p.totalRows)} rows (${fmt(p.committedRows)} stored) · ${p.tokensPerSecond.toFixed(0)} tok/s · ETA ${p.etaSeconds === null ? '–' : `${Math.ceil(p.etaSeconds)} s`} · ${p.committedShards} shards committed`
          : 'starting the harvest model…'}
      </span>
    </div>
  );
}
