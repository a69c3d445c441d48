import { Name } from './Name';
import { shownText } from '../user-text';
import { describeTlSettings, recordedTl } from '../../core/tl-settings';
import { useEffect } from 'react';
import { deleteRunById, harvest, refreshRuns, useHarvest } from '../harvest-store';
import { neuronsHref } from '../route';
import { useLab } from '../store';
import type { RunManifest } from '../../store/schema';

const mb = (b: number) => `${(b / 1e6).toFixed(1)} MB`;

/** A run that is not active now but says it is was cut off by a reload or a closed tab. */
function statusText(status: string): string {
  if (status === 'harvesting') return 'interrupted (resume continues from the last committed shard)';
  if (status === 'tokenizing') return 'interrupted while tokenizing: delete it and start again with the files';
  return status;
}

export function RunsPanel() {
  const engine = useLab((s) => s.engine);
  const model = useLab((s) => s.model);
  const { runs, job } = useHarvest();
  useEffect(() => {
    if (engine) void refreshRuns();
  }, [engine]);
  return (
    <section className="panel wide" data-testid="runs-panel">
      <h2>Activation runs</h2>
      {runs.length === 0 && <p className="muted">No runs stored in this browser yet.</p>}
      {runs.length > 0 && (
        <table className="runs">
          <thead>
            <tr>
              <th>run</th>
              <th>model</th>
              <th>hooks</th>
              <th className="num">tokens stored</th>
              <th className="num">on disk</th>
              <th>status</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {runs.map(({ run, bytes, active }) => {
              const interrupted = !active && (run.status === 'harvesting' || run.status === 'paused' || run.status === 'error' || run.status === 'ready');
              return (
                <tr key={run.id} data-testid="run-row" data-run-id={run.id} data-status={run.status}>
                  <td>
                    <Name text={run.name} testId="run-name" />
                    {run.dataset && (
                      <div className="muted" data-testid="run-dataset" title={shownText(`${run.dataset.listedRevision}${run.dataset.sha ? ` @ ${run.dataset.sha}` : ''}; files: ${run.dataset.files.join(', ')}`)}>
                        <Name text={`${run.dataset.repo}${run.dataset.config ? `/${run.dataset.config}` : ''}`} /> · <Name text={run.dataset.split} /> · {run.dataset.column ? <Name text={run.dataset.column} /> : 'column as SAELens picks'} · from row {run.dataset.start.toLocaleString('en-US')}
                        {run.dataset.pretokenized ? ' · pre-tokenised' : ' · SAELens packing'}
                        {run.dataset.resume ? ' · stream paused: Resume goes on from the last row read' : ''}
                      </div>
                    )}
                  </td>
                  <td>
                    <Name text={run.modelId} />
                    <div className="muted" data-testid="run-settings" title="the TransformerLens weight processing its activations follow (model_from_pretrained_kwargs)">
                      {describeTlSettings(recordedTl(run.tl))}
                    </div>
                    <div className="muted" data-testid="run-held-out" data-windows={run.heldOutWindows ?? 0}>
                      {heldOutText(run)}
                    </div>
                  </td>
                  <td>
                    {run.hooks.map((h, i) => (
                      <span key={h.name}>
                        {i > 0 && ', '}
                        <a href={neuronsHref(run.id, h.name)} title={`the ${h.dim} raw units of ${h.name}: neuron pages`} data-testid="run-hook-link" data-hook={h.name}>
                          {h.name}
                        </a>
                      </span>
                    ))}
                  </td>
                  <td className="num" data-testid="run-rows">
                    {run.committedRows.toLocaleString('en-US')} / {run.totalRows.toLocaleString('en-US')}
                  </td>
                  <td className="num">{mb(bytes)}</td>
                  <td title={run.error ?? ''}>{active ? 'harvesting' : statusText(run.status)}</td>
                  <td>
                    {interrupted && (
                      <button
                        className="secondary"
                        onClick={() => void harvest(run.id)}
                        disabled={job !== null || model?.id !== run.modelId}
                        title={model?.id !== run.modelId ? `load ${shownText(run.modelId)} to resume` : ''}
                        data-testid="resume-run"
                      >
                        Resume
                      </button>
                    )}
                    <button className="danger" onClick={() => void deleteRunById(run.id)} disabled={active} data-testid="delete-run">
                      Delete
                    </button>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </section>
  );
}

/** "held out: 3 documents' 12 windows (2%)", or why a run has none: its trainings report held-out figures only then. */
function heldOutText(run: RunManifest): string {
  if (!run.heldOut) return 'no held-out share (made before held-out splits): trainings on it report no held-out figures';
  const share = `${+(run.heldOut.share * 100).toFixed(2)}% of documents`;
  if (!run.heldOutWindows) return `held out: ${share}, but no document fell in it (too few documents)`;
  return `held out: ${share} · ${run.heldOutWindows.toLocaleString('en-US')} windows, ${(run.heldOutRows ?? 0).toLocaleString('en-US')} rows (never trained on)`;
}
