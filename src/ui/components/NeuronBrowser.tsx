// The raw units of a run's stored hook (MLP neurons, residual dimensions) listed like an SAE's features: the
// statistics pass on demand (progress, cancel), then the same sortable, searchable list, each row a neuron page.
import { useEffect } from 'react';
import { cancelNeuronStats, computeNeuronStats, loadNeuronTable, searchNeurons, setKey, useNeurons } from '../neurons-store';
import { useLab } from '../store';
import { neuronHref, useViewError } from '../route';
import { UnitBrowser } from './UnitBrowser';

/** What "fires" means for a raw unit, said wherever neurons are ranked. */
export const NEURON_SIGN_NOTE = 'a unit "fires" where its stored value is > 0; only positive values are ranked (for a residual dimension, its negative side is not shown)';

export function NeuronPanel({ runId, hook, saeId, height }: { runId: string; hook: string; saeId: string | null; height?: number }) {
  const engine = useLab((s) => s.engine);
  const { loaded, stats, search } = useNeurons();
  const error = useViewError(useNeurons((s) => s.error));
  const key = setKey(runId, hook);
  useEffect(() => {
    void loadNeuronTable(runId, hook);
  }, [engine, runId, hook]);
  const t = loaded?.key === key ? loaded.table : undefined;
  const running = stats?.key === key ? stats : null;
  const p = running?.progress;
  return (
    <div data-testid="neuron-panel">
      {error && (
        <div className="error" role="alert">
          {error}
        </div>
      )}
      {t === null && (
        <div className="row">
          <span className="muted">No neuron statistics for {hook} of this run yet.</span>
          <button onClick={() => void computeNeuronStats(runId, hook)} disabled={!!stats} data-testid="compute-neuron-stats">
            Compute neuron statistics
          </button>
        </div>
      )}
      {running && (
        <div className="progress" data-testid="neuron-stats-progress">
          <progress value={p ? (p.pass - 1 + p.rows / Math.max(1, p.totalRows)) / p.passes : undefined} max={1} />
          <span>{p ? `pass ${p.pass} of ${p.passes}: ${p.rows.toLocaleString('en-US')} / ${p.totalRows.toLocaleString('en-US')} tokens` : 'starting…'}</span>
          <button className="secondary" onClick={() => void cancelNeuronStats()} data-testid="cancel-neuron-stats">
            Cancel
          </button>
        </div>
      )}
      {t && (
        <>
          <p className="muted" data-testid="neuron-summary">
            {t.count.length.toLocaleString('en-US')} units over {t.rows.toLocaleString('en-US')} tokens · {t.count.reduce((a, c) => a + (c === 0 ? 1 : 0), 0)} never positive · {NEURON_SIGN_NOTE}
          </p>
          <UnitBrowser
            key={key}
            kind="neuron"
            t={t}
            href={(n) => neuronHref(runId, hook, n, saeId)}
            search={search.key === key ? search : { query: '', hits: null, busy: false, note: '' }}
            onSearch={(q) => void searchNeurons(runId, hook, q)}
            height={height}
          />
        </>
      )}
    </div>
  );
}

export function NeuronBrowser({ runId, hook, saeId }: { runId: string; hook: string; saeId: string | null }) {
  return (
    <section className="panel wide" data-testid="neuron-browser">
      <div className="row">
        <a href="#/">← lab</a>
      </div>
      <h2>
        Neurons <span className="muted">of {hook} · run {runId}</span>
      </h2>
      <NeuronPanel runId={runId} hook={hook} saeId={saeId} />
    </section>
  );
}
