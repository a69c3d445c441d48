// Everything this browser holds for the lab, with sizes, and the storage used of the quota: a place to see
// what is here and to free space.
import { useEffect } from 'react';
import { deleteSae, useFeatures } from '../features-store';
import { deleteRunById, useHarvest } from '../harvest-store';
import { browserHref, stageHref } from '../route';
import { deleteTraining, forgetCachedRepo, persistStorage, refreshWorkspace, useWorkspace } from '../workspace-store';
import { useLab } from '../store';

export const bytesText = (b: number) => (b >= 1e9 ? `${(b / 1e9).toFixed(2)} GB` : b >= 1e6 ? `${(b / 1e6).toFixed(1)} MB` : `${(b / 1e3).toFixed(1)} kB`);

export function Workspace() {
  const engine = useLab((s) => s.engine);
  const { cached, trainings, storage, error } = useWorkspace();
  const runs = useHarvest((s) => s.runs);
  const saes = useFeatures((s) => s.saes);
  useEffect(() => {
    if (engine) void refreshWorkspace();
  }, [engine]);
  return (
    <section className="panel wide" data-testid="workspace">
      <h2>Workspace: what this browser holds</h2>
      {error && (
        <div className="error" role="alert">
          {error}
        </div>
      )}
      {storage && (
        <div data-testid="workspace-storage">
          <p>
            {bytesText(storage.usage)} used of {bytesText(storage.quota)} ({((100 * storage.usage) / Math.max(1, storage.quota)).toFixed(1)}%) ·{' '}
            {storage.persisted ? 'persistent: the browser will not evict it' : 'best-effort: the browser may evict it under storage pressure'}
            {!storage.persisted && (
              <button className="secondary" onClick={() => void persistStorage()}>
                Keep it
              </button>
            )}
          </p>
          <progress value={storage.usage} max={Math.max(1, storage.quota)} aria-label="storage used of the quota" />
        </div>
      )}
      <h3>Models and SAE files downloaded (Cache Storage)</h3>
      {cached.length === 0 ? (
        <p className="muted">Nothing downloaded: the embedded model ships with the page.</p>
      ) : (
        <table className="runs" data-testid="workspace-cached">
          <tbody>
            {cached.map((c) => (
              <tr key={`${c.hubUrl} ${c.repo}`} data-testid="workspace-item" data-kind="cached">
                <td>{c.repo}</td>
                <td className="muted">{c.files.length} files</td>
                <td className="num">{bytesText(c.bytes)}</td>
                <td>
                  <button className="danger" onClick={() => void forgetCachedRepo(c)} aria-label={`delete the cached files of ${c.repo}`}>
                    delete
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h3>Activation runs</h3>
      {runs.length === 0 ? (
        <p className="muted">
          No runs. <a href={stageHref('runs')}>Harvest a corpus</a>.
        </p>
      ) : (
        <table className="runs">
          <tbody>
            {runs.map(({ run, bytes }) => (
              <tr key={run.id} data-testid="workspace-item" data-kind="run">
                <td>{run.name}</td>
                <td className="muted">
                  {run.modelId} · {run.hooks.map((h) => h.name).join(', ')} · {run.committedRows.toLocaleString('en-US')} tokens · {run.status}
                </td>
                <td className="num">{bytesText(bytes)}</td>
                <td>
                  <button className="danger" onClick={() => void deleteRunById(run.id).then(refreshWorkspace)} aria-label={`delete run ${run.name}`}>
                    delete
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h3>SAEs</h3>
      {saes.length === 0 ? (
        <p className="muted">
          No SAEs. <a href={stageHref('train')}>Train one</a> or <a href={stageHref('saes')}>load a published one</a>.
        </p>
      ) : (
        <table className="runs">
          <tbody>
            {saes.map((s) => (
              <tr key={s.id} data-testid="workspace-item" data-kind="sae">
                <td>
                  <a href={browserHref(s.id)}>{s.name}</a>
                </td>
                <td className="muted">
                  {s.architecture} · {s.hook} · d_sae {s.dSae.toLocaleString('en-US')} · {s.stats ? 'statistics ready' : 'no statistics'}
                </td>
                <td className="num" title="W_enc and W_dec in float32">≈ {bytesText(2 * 4 * s.dIn * s.dSae)}</td>
                <td>
                  <button className="danger" onClick={() => void deleteSae(s.id).then(refreshWorkspace)} aria-label={`delete SAE ${s.name}`}>
                    delete
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h3>Trainings (checkpoints)</h3>
      {trainings.length === 0 ? (
        <p className="muted">No training checkpoints.</p>
      ) : (
        <table className="runs">
          <tbody>
            {trainings.map((t) => (
              <tr key={t.id} data-testid="workspace-item" data-kind="training">
                <td>{t.id}</td>
                <td className="muted">
                  {t.hook} · step {t.step.toLocaleString('en-US')} of {t.steps.toLocaleString('en-US')} · {t.done ? 'done' : 'can resume'}
                </td>
                <td className="num">{bytesText(t.bytes)}</td>
                <td>
                  <button className="danger" onClick={() => void deleteTraining(t.id)} aria-label={`delete training ${t.id}`}>
                    delete
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
