// Everything this browser holds for the lab, with sizes, and the storage used of the quota: a place to see
// what is here and to free space.
import { shownText } from '../user-text';
import { Name } from './Name';
import { type ReactNode, useEffect } from 'react';
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
          {shownText(error)}
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
      <Items
        empty={<>Nothing downloaded: the embedded model ships with the page.</>}
        items={cached.map((c) => ({ key: `${c.hubUrl} ${c.repo}`, kind: 'cached', name: <Name text={c.repo} />, label: c.repo, detail: `${c.files.length} files`, bytes: bytesText(c.bytes), onDelete: () => void forgetCachedRepo(c) }))}
      />
      <h3>Activation runs</h3>
      <Items
        empty={
          <>
            No runs. <a href={stageHref('runs')}>Harvest a corpus</a>.
          </>
        }
        items={runs.map(({ run, bytes }) => ({
          key: run.id,
          kind: 'run',
          name: <Name text={run.name} />,
          label: run.name,
          detail: `${shownText(run.modelId)} · ${run.hooks.map((h) => h.name).join(', ')} · ${run.committedRows.toLocaleString('en-US')} rows stored · ${run.status}`,
          bytes: bytesText(bytes),
          onDelete: () => void deleteRunById(run.id).then(refreshWorkspace),
        }))}
      />
      <h3>SAEs</h3>
      <Items
        empty={
          <>
            No SAEs. <a href={stageHref('train')}>Train one</a> or <a href={stageHref('saes')}>load a published one</a>.
          </>
        }
        items={saes.map((s) => ({
          key: s.id,
          kind: 'sae',
          name: (
            <a href={browserHref(s.id)}>
              <Name text={s.name} />
            </a>
          ),
          label: s.name,
          detail: `${s.architecture} · ${s.hook} · d_sae ${s.dSae.toLocaleString('en-US')} · ${s.stats ? 'statistics ready' : 'no statistics'}`,
          bytes: `≈ ${bytesText(2 * 4 * s.dIn * s.dSae)}`, // W_enc and W_dec in float32
          onDelete: () => void deleteSae(s.id).then(refreshWorkspace),
        }))}
      />
      <h3>Trainings (checkpoints)</h3>
      <Items
        empty={<>No training checkpoints.</>}
        items={trainings.map((t) => ({
          key: t.id,
          kind: 'training',
          name: t.id,
          detail: `${t.hook} · step ${t.step.toLocaleString('en-US')} of ${t.steps.toLocaleString('en-US')} · ${t.done ? 'done' : 'can resume'}`,
          bytes: bytesText(t.bytes),
          onDelete: () => void deleteTraining(t.id),
        }))}
      />
    </section>
  );
}

interface Item {
  key: string;
  kind: 'cached' | 'run' | 'sae' | 'training';
  name: ReactNode;
  /** The name as text, for the delete button's label (default: name, when it is a string). */
  label?: string;
  detail: string;
  bytes: string;
  onDelete(): void;
}

/** One kind of thing this browser holds: a row each, with its size and a delete button; or what to do when empty. */
function Items({ items, empty }: { items: Item[]; empty: ReactNode }) {
  if (items.length === 0) return <p className="muted">{empty}</p>;
  return (
    <table className="runs">
      <tbody>
        {items.map((it) => (
          <tr key={it.key} data-testid="workspace-item" data-kind={it.kind}>
            <td>{it.name}</td>
            <td className="muted">{it.detail}</td>
            <td className="num">{it.bytes}</td>
            <td>
              <button className="danger" onClick={it.onDelete} aria-label={`delete ${it.kind === 'cached' ? 'the cached files of' : it.kind} ${shownText(it.label ?? String(it.name))}`}>
                delete
              </button>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
