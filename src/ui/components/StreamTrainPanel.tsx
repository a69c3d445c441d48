import { useEffect } from 'react';
import { addSae } from '../features-store';
import { useLab } from '../store';
import { defaultDevice } from '../train-store';
import { formatDuration } from '../../worker/train-report';
import { type StreamOptions, deleteStream, pauseStream, refreshStreamTrainings, setStreamFiles, setStreamOptions, startStream, stopStream, useStream } from '../stream-store';
import { LineChart } from './LineChart';

const COLORS = ['#3b6fd8', '#b3261e', '#2e7d32', '#7a4d00', '#6a1b9a', '#00838f'];
const n0 = (v: number) => v.toLocaleString('en-US');
const perSecond = (v: number | null) => (v === null ? '–' : n0(Math.round(v)));

/** Stream from corpus: SAEs trained on the model's activations as it reads the files, no run stored first. */
export function StreamTrainPanel() {
  const model = useLab((s) => s.model);
  const engine = useLab((s) => s.engine);
  const t = useStream();
  useEffect(() => {
    if (engine) void refreshStreamTrainings();
  }, [engine]);
  useEffect(() => {
    if (model && (t.options.hooks.length === 0 || !t.options.hooks.every((h) => model.allHooks.includes(h)))) {
      setStreamOptions({ hooks: [model.allHooks.find((h) => h === `blocks.${Math.floor(model.cfg.nLayer / 2)}.hook_resid_post`) ?? model.allHooks[0]] });
    }
  }, [model, t.options.hooks]);
  if (!model) return null;
  const h = t.history;
  const last = h.at(-1);
  const unfinished = t.trainings.filter((x) => !x.done);
  const num = (key: keyof StreamOptions, label: string, step = 1) => (
    <label>
      {label}{' '}
      <input type="number" step={step} value={t.options[key] as number} onChange={(e) => setStreamOptions({ [key]: Number(e.target.value) })} size={8} data-testid={`stream-train-${key}`} />
    </label>
  );
  return (
    <section className="panel wide" data-testid="stream-train-panel">
      <h2>Stream from corpus: train SAEs without storing activations</h2>
      <p className="muted">
        The model reads the files as streams; each hook&apos;s activations go straight into its SAE. Held-out documents are never trained on. A reload resumes from the
        last checkpoint once the same files are chosen again (checked by SHA-256).
      </p>
      <div className="row">
        <label>
          corpus files{' '}
          <input type="file" multiple accept=".txt,.text,.md,.markdown,.jsonl,.ndjson,.csv" onChange={(e) => setStreamFiles([...(e.target.files ?? [])])} data-testid="stream-train-files" />
        </label>
        <label>
          hooks (one SAE each){' '}
          <select multiple size={4} value={t.options.hooks} onChange={(e) => setStreamOptions({ hooks: [...e.target.selectedOptions].map((o) => o.value) })} data-testid="stream-train-hooks">
            {model.allHooks.map((x) => (
              <option key={x}>{x}</option>
            ))}
          </select>
        </label>
      </div>
      <div className="row">
        <label>
          architecture{' '}
          <select value={t.options.architecture ?? 'topk'} onChange={(e) => setStreamOptions({ architecture: e.target.value as 'topk' | 'batchtopk' })} data-testid="stream-train-architecture">
            <option value="topk">TopK</option>
            <option value="batchtopk">BatchTopK</option>
          </select>
        </label>
        {num('expansion', 'expansion ×')}
        {num('k', 'k')}
        {num('tokens', 'token budget')}
        {num('batchSize', 'batch')}
        {num('lr', 'lr', 1e-4)}
        {num('seed', 'seed')}
        {num('contextLength', 'context')}
        {num('heldOutShare', 'held-out share', 0.01)}
        {num('checkpointEvery', 'checkpoint every')}
        {num('sampleEvery', 'keep every n-th window as a run (0: none)')}
        <label>
          on{' '}
          <select value={t.options.device ?? defaultDevice()} onChange={(e) => setStreamOptions({ device: e.target.value as 'gpu' | 'cpu' })} data-testid="stream-train-device">
            <option value="gpu">GPU (WGSL)</option>
            <option value="cpu">CPU</option>
          </select>
        </label>
      </div>
      <div className="row">
        <button onClick={() => void startStream()} disabled={t.training || t.files.length === 0 || t.options.hooks.length === 0} data-testid="stream-train-start">
          Stream and train
        </button>
        {t.training && (
          <button className="secondary" onClick={() => void pauseStream(!t.paused)} disabled={t.stopping} data-testid="stream-train-pause">
            {t.paused ? 'Resume' : 'Pause'}
          </button>
        )}
        {t.training && (
          <button className="secondary" onClick={() => void stopStream()} disabled={t.stopping} data-testid="stream-train-stop">
            {t.stopping ? 'Stopping…' : 'Stop'}
          </button>
        )}
      </div>
      {last && (
        <p className="muted" data-testid="stream-train-status" data-step={last.step + 1} data-window={last.window} data-checkpoint={last.checkpointStep ?? ''}>
          {t.paused ? 'paused at ' : ''}step {n0(last.step + 1)} / {n0(last.steps)} · {n0(last.tokens)} / {n0(last.tokensTotal)} tokens · forward{' '}
          <span data-testid="stream-train-forward-rate">{perSecond(last.forwardTokensPerSecond)}</span> tok/s · training{' '}
          <span data-testid="stream-train-train-rate">{perSecond(last.trainTokensPerSecond)}</span> tok/s · overall{' '}
          <span data-testid="stream-train-rate">{perSecond(last.tokensPerSecond)}</span> tok/s · ETA{' '}
          <span data-testid="stream-train-eta">{last.etaSeconds === null ? '–' : formatDuration(last.etaSeconds)}</span> · {n0(last.heldOutWindows)} held-out windows
          {last.checkpointStep !== null && ` · checkpoint at step ${n0(last.checkpointStep)} (window ${n0(last.window)})`}
          {last.startStep > 0 && ` · resumed at step ${n0(last.startStep)}`}
          {t.heldAt !== null && (
            <span data-testid="stream-train-held" data-step={t.heldAt + 1}>
              {' '}
              · held by the worker
            </span>
          )}
        </p>
      )}
      {h.length > 1 && (
        <div className="charts">
          <LineChart
            title="FVU per hook (training batches)"
            x={h.map((p) => p.step)}
            series={t.options.hooks.map((hook, i) => ({ name: hook, color: COLORS[i % COLORS.length], values: h.map((p) => p.hooks.find((x) => x.hook === hook)?.fvu ?? NaN) }))}
            log
            testId="stream-chart-fvu"
          />
          <LineChart
            title="dead latents (fraction) per hook"
            x={h.map((p) => p.step)}
            series={t.options.hooks.map((hook, i) => ({ name: hook, color: COLORS[i % COLORS.length], values: h.map((p) => p.hooks.find((x) => x.hook === hook)?.deadFraction ?? NaN) }))}
            testId="stream-chart-dead"
          />
        </div>
      )}
      {t.summary && (
        <div data-testid="stream-train-summary" data-steps={t.summary.steps} data-tokens={t.summary.tokens} data-window={t.summary.window} data-forward-tokens={t.summary.forwardTokens} data-resumed={t.summary.resumedAt ?? ""}>
          <p>
            Streamed {n0(t.summary.forwardTokens)} tokens through {t.summary.modelId} in this session and trained {t.summary.trainings.length} SAE
            {t.summary.trainings.length === 1 ? '' : 's'} for {n0(t.summary.steps)} steps ({n0(t.summary.tokens)} tokens each){t.summary.aborted ? ' (stopped early)' : ''} on{' '}
            {t.summary.device === 'gpu' ? 'the GPU' : 'the CPU'}; forward {perSecond(t.summary.forwardTokensPerSecond)} tok/s, training {perSecond(t.summary.trainTokensPerSecond)} tok/s;{' '}
            {n0(t.summary.heldOutWindows)} held-out windows kept out.{t.summary.sampleRunId && ' Every n-th window is kept as a run (see the runs table).'}
            {t.summary.resumedAt !== null && ` Resumed from the checkpoint at step ${n0(t.summary.resumedAt)}.`}
          </p>
          {t.summary.trainings.map((x) => (
            <div className="row" key={x.trainingId} data-testid="stream-train-result">
              <span>
                {x.hook}: final training FVU {x.finalFvu?.toFixed(3) ?? '–'}
              </span>
              <button className="secondary" onClick={() => void addSae({ kind: 'training', trainingId: x.trainingId })} data-testid="stream-train-to-dashboards">
                Use for feature dashboards
              </button>
            </div>
          ))}
        </div>
      )}
      {!t.training && unfinished.length > 0 && (
        <div data-testid="stream-trainings">
          <h3>Interrupted stream trainings (checkpointed in this browser)</h3>
          {unfinished.map((x) => (
            <div className="row" key={x.streamId} data-testid="stream-training-row" data-step={x.step} data-window={x.window}>
              <span>
                {x.hooks.join(', ')} · step {n0(x.step)} of {n0(x.steps)} · window {n0(x.window)} · {x.corpus.map((f) => `${f.name} (${n0(f.size)} bytes)`).join(', ')} · saved{' '}
                {new Date(x.updatedAt).toLocaleTimeString()}
              </span>
              <button className="secondary" onClick={() => void startStream(x.streamId)} disabled={t.files.length === 0} title="choose the same corpus files first" data-testid="stream-train-resume">
                Resume with the chosen files
              </button>
              <button className="secondary" onClick={() => void deleteStream(x.streamId)} data-testid="stream-train-delete">
                Delete
              </button>
            </div>
          ))}
        </div>
      )}
      {t.error && (
        <div className="error" role="alert" data-testid="stream-train-error">
          {t.error}
        </div>
      )}
    </section>
  );
}
