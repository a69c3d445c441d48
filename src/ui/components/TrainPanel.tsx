import { shownText } from '../user-text';
import { Name } from './Name';
import { useEffect } from 'react';
import { addSae } from '../features-store';
import { useHarvest } from '../harvest-store';
import { useLab } from '../store';
import { formatDuration } from '../../worker/train-report';
import { defaultDevice, downloadSae, evaluateTrained, exportForSaeLens, pauseTraining, refreshTrainings, resumeTraining, setTrainOptions, startTraining, stopTraining, useTrain } from '../train-store';
import { DensityChart } from './DensityChart';
import { JumpReluFields } from './JumpReluFields';
import { Faithfulness } from './Faithfulness';
import { LineChart, type Series } from './LineChart';
import { HeldOutSummary, heldOutPlanText, heldOutSeries } from './HeldOut';

export function TrainPanel() {
  const runs = useHarvest((s) => s.runs).filter(({ run }) => run.committedRows > 0);
  const t = useTrain();
  const engine = useLab((s) => s.engine);
  useEffect(() => {
    if (engine) void refreshTrainings();
  }, [engine]);
  const run = runs.find(({ run }) => run.id === t.options.runId)?.run ?? runs[0]?.run;
  useEffect(() => {
    if (run && (t.options.runId !== run.id || !run.hooks.some((h) => h.name === t.options.hook))) setTrainOptions({ runId: run.id, hook: run.hooks[0].name });
  }, [run, t.options.runId, t.options.hook]);
  if (!run) return null;
  const h = t.history;
  const last = h.at(-1);
  /** A training series with its held-out twin (measured at checkpoints) beside it, when there is one. */
  const withHeldOut = (training: Series, pick: (f: (typeof t.heldOut)[number]) => number): Series[] => [training, ...heldOutSeries(t.heldOut, pick)];
  const unfinished = t.trainings.filter((x) => !x.done);
  const num = (key: 'expansion' | 'k' | 'l1Coefficient' | 'steps' | 'batchSize' | 'lr' | 'seed' | 'checkpointEvery', label: string, step = 1, max?: number) => (
    <label>
      {label} <input type="number" step={step} max={max} value={t.options[key]} onChange={(e) => setTrainOptions({ [key]: Number(e.target.value) })} size={6} data-testid={`train-${key}`} />
    </label>
  );
  // A batch is rows of the run: it cannot hold more than the run has.
  const batchTooBig = t.options.batchSize > run.committedRows;
  const jumprelu = t.options.architecture === 'jumprelu';
  return (
    <section className="panel wide" data-testid="train-panel">
      <h2>Train a sparse autoencoder</h2>
      <div className="row">
        <label>
          run{' '}
          <select value={run.id} onChange={(e) => setTrainOptions({ runId: e.target.value })} data-testid="train-run">
            {runs.map(({ run: r }) => (
              <option key={r.id} value={r.id}>
                {shownText(r.name)} ({r.committedRows.toLocaleString('en-US')} rows)
              </option>
            ))}
          </select>
        </label>
        <label>
          hook{' '}
          <select value={t.options.hook ?? ''} onChange={(e) => setTrainOptions({ hook: e.target.value })} data-testid="train-hook">
            {run.hooks.map((x) => (
              <option key={x.name}>{x.name}</option>
            ))}
          </select>
        </label>
        <label>
          architecture{' '}
          <select value={t.options.architecture ?? 'topk'} onChange={(e) => setTrainOptions({ architecture: e.target.value as 'topk' | 'batchtopk' | 'standard' | 'jumprelu' })} data-testid="train-architecture">
            <option value="topk">TopK</option>
            <option value="batchtopk">BatchTopK</option>
            <option value="standard">ReLU + L1</option>
            <option value="jumprelu">JumpReLU</option>
          </select>
        </label>
        {num('expansion', 'expansion ×')}
        {t.options.architecture === 'standard' ? num('l1Coefficient', 'L1 λ', 0.1) : jumprelu ? <JumpReluFields /> : num('k', 'k')}
        {num('steps', 'steps')}
        {num('batchSize', 'batch', 1, run.committedRows)}
        {num('lr', 'lr', 1e-4)}
        {num('seed', 'seed')}
        {num('checkpointEvery', 'checkpoint every')}
        <label>
          on{' '}
          <select value={jumprelu ? 'cpu' : (t.options.device ?? defaultDevice())} disabled={jumprelu} onChange={(e) => setTrainOptions({ device: e.target.value as 'gpu' | 'cpu' })} data-testid="train-device">
            <option value="gpu">GPU (WGSL)</option>
            <option value="cpu">CPU twin</option>
          </select>
        </label>
      </div>
      {jumprelu && (
        <p className="notice" role="status" data-testid="train-jumprelu-cpu-note">
          JumpReLU SAEs train on the CPU path for now: their WebGPU kernels are not written yet.
        </p>
      )}
      {batchTooBig && (
        <p className="notice" role="status" data-testid="train-batch-note">
          A batch of {t.options.batchSize.toLocaleString('en-US')} rows is more than run “<Name text={run.name} />” holds: each step would see its{' '}
          {run.committedRows.toLocaleString('en-US')} rows, not {t.options.batchSize.toLocaleString('en-US')}. Lower the batch to at most {run.committedRows.toLocaleString('en-US')}, or harvest more.
        </p>
      )}
      <div className="row">
        <button onClick={() => void startTraining()} disabled={t.training} data-testid="train-start">
          Train
        </button>
        {t.training && (
          <button className="secondary" onClick={() => void pauseTraining(!t.paused)} disabled={t.stopping} data-testid="train-pause">
            {t.paused ? 'Resume' : 'Pause'}
          </button>
        )}
        {t.training && (
          <button className="secondary" onClick={() => void stopTraining()} disabled={t.stopping} data-testid="train-stop">
            {t.stopping ? 'Stopping…' : 'Stop'}
          </button>
        )}
        {t.summary && (
          <button className="secondary" onClick={() => void downloadSae()} data-testid="train-download">
            Download SAELens files
          </button>
        )}
        {t.summary && (
          <button className="secondary" onClick={() => void exportForSaeLens()} title="A SAELens training config and train_sae.py that train this recipe on GPUs" data-testid="export-saelens">
            Export for SAELens
          </button>
        )}
        {t.summary && (
          <button className="secondary" onClick={() => void addSae({ kind: 'training', trainingId: t.summary!.trainingId })} data-testid="train-to-dashboards">
            Use for feature dashboards
          </button>
        )}
      </div>
      {last && (
        <p className="muted" data-testid="train-status">
          {t.paused ? 'paused at ' : ''}step {last.step + 1} / {last.steps} · FVU {last.fvu.toFixed(3)} · L0 {last.l0.toFixed(1)} · dead {(100 * last.deadFraction).toFixed(1)}% · lr {last.lr.toExponential(1)} ·{' '}
          <span data-testid="train-rate">{last.tokensPerSecond === null ? '–' : last.tokensPerSecond.toFixed(0)} tok/s</span> · ETA{' '}
          <span data-testid="train-eta">{last.etaSeconds === null ? '–' : formatDuration(last.etaSeconds)}</span>
          {last.startStep > 0 && ` · resumed at step ${last.startStep}`}
          {t.heldAt !== null && (
            <span className="muted" data-testid="train-held" data-step={t.heldAt + 1}>
              {' '}
              · held by the worker
            </span>
          )}
        </p>
      )}
      <p className="muted" data-testid="train-held-out-note">
        {heldOutPlanText(run, t.options.checkpointEvery ?? 200)}
      </p>
      {h.length > 1 && (
        <div className="charts">
          <LineChart title="FVU (1 − explained variance)" x={h.map((p) => p.step)} series={withHeldOut({ name: 'training', color: '#3b6fd8', values: h.map((p) => p.fvu) }, (f) => f.fvu)} log testId="chart-fvu" />
          <LineChart title={t.options.architecture === 'standard' ? 'loss (MSE + λ·L1)' : jumprelu ? 'loss (MSE + λ·L0)' : 'loss (MSE + AuxK)'} x={h.map((p) => p.step)} series={[{ name: 'loss', color: '#b3261e', values: h.map((p) => p.loss) }]} log testId="chart-loss" />
          <LineChart title="L0 (active latents per token)" x={h.map((p) => p.step)} series={withHeldOut({ name: 'training', color: '#2e7d32', values: h.map((p) => p.l0) }, (f) => f.l0)} testId="chart-l0" />
          <LineChart
            title="dead latents (fraction)"
            x={h.map((p) => p.step)}
            series={withHeldOut({ name: 'training', color: '#7a4d00', values: h.map((p) => p.deadFraction) }, (f) => f.deadFraction)}
            testId="chart-dead"
          />
          {t.heldOut.some((f) => f.ce) && (
            <>
              <LineChart title="CE loss recovered (held-out windows)" x={h.map((p) => p.step)} series={heldOutSeries(t.heldOut, (f) => f.ce?.ceLossRecovered ?? null)} testId="chart-ce-recovered" />
              <LineChart title="KL(clean ‖ with SAE) (held-out windows)" x={h.map((p) => p.step)} series={heldOutSeries(t.heldOut, (f) => f.ce?.klCleanSae ?? null)} testId="chart-kl" />
            </>
          )}
          {t.density && <DensityChart h={t.density} />}
        </div>
      )}
      {t.summary && (
        <p data-testid="train-summary" data-steps={t.summary.steps} data-tokens={t.summary.tokens}>
          Trained {t.summary.architecture} d_sae {t.summary.dSae} ({t.summary.architecture === 'standard' ? `L1 λ ${t.summary.l1Coefficient}` : t.summary.architecture === 'jumprelu' ? `L0 λ ${t.summary.l0Coefficient}` : `k ${t.summary.k}`}) on {t.summary.hook}: {t.summary.steps} steps,{' '}
          {t.summary.tokens.toLocaleString('en-US')} tokens{t.summary.seconds === null ? '' : ` in ${t.summary.seconds.toFixed(1)} s`} on {t.summary.device === 'gpu' ? 'the GPU' : 'the CPU twin'}; final
          training FVU {t.summary.finalFvu?.toFixed(3)}
          {t.summary.aborted ? ' (stopped early)' : ''}.
          {t.summary.resumedAt !== null &&
            ` Resumed from the checkpoint at step ${t.summary.resumedAt}: ${t.summary.sessionSteps} steps in ${t.summary.sessionSeconds.toFixed(1)} s in this session.`}
        </p>
      )}
      {t.summary && <HeldOutSummary f={t.summary.heldOut} note={t.summary.heldOutNote} />}
      {t.summary?.evals && <Faithfulness e={t.summary.evals} />}
      {t.summary && !t.summary.evals && (
        <div className="row" data-testid="train-evals-missing">
          <span className="muted" data-testid="train-evals-skipped">
            {t.evaluating ? `running the faithfulness eval… ${t.evaluating.done} / ${t.evaluating.total || '?'}` : t.summary.evalsSkipped}
          </span>
          <button className="secondary" onClick={() => void evaluateTrained()} disabled={t.evaluating !== null} data-testid="train-run-evals">
            Run the faithfulness eval
          </button>
        </div>
      )}
      {!t.training && unfinished.length > 0 && (
        <div data-testid="trainings">
          <h3>Interrupted trainings (checkpointed in this browser)</h3>
          {unfinished.map((x) => (
            <div className="row" key={x.id} data-testid="training-row">
              <span>
                {x.hook} · step {x.step} of {x.steps} · saved {new Date(x.updatedAt).toLocaleTimeString()}
              </span>
              <button className="secondary" onClick={() => void resumeTraining(x.id)} data-testid="resume-training">
                Resume
              </button>
              <button className="secondary" onClick={() => void exportForSaeLens(x.id)} data-testid="export-saelens">
                Export for SAELens
              </button>
            </div>
          ))}
        </div>
      )}
      {t.error && (
        <div className="error" role="alert" data-testid="train-error">
          {shownText(t.error)}
        </div>
      )}
    </section>
  );
}
