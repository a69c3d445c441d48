// The SAEs the dashboards can open: trained here or loaded as SAELens files / from a Hub repo path. For each, the
// feature statistics pass over a run (with a progress bar), then its feature browser and text inspection. An SAE that
// does not fit the loaded model (src/analysis/sae-fit.ts) says why on its row, and its links are disabled with the reason.
import { shownText } from '../user-text';
import { Name } from './Name';
import { describeTlSettings, recordedTl } from '../../core/tl-settings';
import { settingsProblem } from '../../sae/tl-adapt';
import { useEffect, useState } from 'react';
import { type FeaturesState, addSae, addSaeFromFiles, cancelStats, computeStats, deleteSae, evaluateSae, refreshSaes, useFeatures } from '../features-store';
import { Faithfulness } from './Faithfulness';
import { harvestFor, harvestFromDataset, useHarvest } from '../harvest-store';
import { CataloguePicker } from './CataloguePicker';
import { attributeHref, browserHref, inspectHref, steerHref, useViewError } from '../route';
import { DEFAULT_SETUP, encodeSetup } from '../steer-preset';
import type { SaeInfo } from '../../worker/protocol';
import { SaeLink, useMisfit } from './SaeFit';
import { useLab } from '../store';
import { defaultDevice } from '../train-store';

export function SaesPanel() {
  const { saes, adding } = useFeatures();
  const error = useViewError(useFeatures((s) => s.error));
  const engine = useLab((s) => s.engine);
  const [runFor, setRunFor] = useState<Record<string, string>>({});
  const [hub, setHub] = useState({ repo: '', path: '' });
  const [device, setDevice] = useState<'gpu' | 'cpu' | null>(null);
  useEffect(() => {
    if (engine) void refreshSaes();
  }, [engine]);
  return (
    <section className="panel wide" data-testid="saes-panel">
      <h2>Sparse autoencoders and their features</h2>
      {saes.length === 0 && <p className="muted">Train one above, or load SAELens files (cfg.json + sae_weights.safetensors).</p>}
      <table className="runs">
        <tbody>
          {saes.map((s) => (
            <SaeRow key={s.id} s={s} runFor={runFor[s.id]} setRunFor={(id) => setRunFor({ ...runFor, [s.id]: id })} device={device} setDevice={setDevice} />
          ))}
        </tbody>
      </table>
      <div className="row">
        <label>
          SAELens files <input type="file" multiple accept=".json,.safetensors" onChange={(e) => void addSaeFromFiles(Array.from(e.target.files ?? []))} data-testid="sae-files" />
        </label>
        <form
          className="row"
          onSubmit={(e) => {
            e.preventDefault();
            void addSae({ kind: 'hub', repo: hub.repo.trim(), path: hub.path.trim() });
          }}
        >
          <input value={hub.repo} onChange={(e) => setHub({ ...hub, repo: e.target.value })} placeholder="Hub repo, e.g. jbloom/GPT2-Small-SAEs-Reformatted" aria-label="Hub repo of the SAE" data-testid="sae-hub-repo" />
          <input value={hub.path} onChange={(e) => setHub({ ...hub, path: e.target.value })} placeholder="folder, e.g. blocks.8.hook_resid_pre" aria-label="folder of the SAE in the repo" data-testid="sae-hub-path" />
          <button type="submit" disabled={adding || !hub.repo.trim()}>
            Load from the Hub
          </button>
        </form>
      </div>
      <CataloguePicker />
      {error && (
        <div className="error" role="alert" data-testid="saes-error">
          {error}
        </div>
      )}
    </section>
  );
}

/** One SAE: what it reads, whether it fits the loaded model, its statistics pass, evals and links to its views. */
function SaeRow({ s, runFor, setRunFor, device, setDevice }: { s: SaeInfo; runFor: string | undefined; setRunFor: (runId: string) => void; device: 'gpu' | 'cpu' | null; setDevice: (d: 'gpu' | 'cpu') => void }) {
  const { stats, evaluating, interrupted } = useFeatures();
  const runs = useHarvest((st) => st.runs);
  const harvesting = useHarvest((st) => st.job !== null);
  const misfit = useMisfit(s);
  const blocked = misfit ? shownText(`SAE ${s.name} ${misfit.message}`) : null;
  const storing = runs.filter(({ run }) => run.committedRows > 0 && run.hooks.some((h) => h.name === s.hook && h.dim === s.dIn));
  // A run under other model settings serves the SAE where the conversion is exact (src/sae/tl-adapt.ts).
  const judged = storing.map((r) => ({ ...r, problem: settingsProblem(s.hook, s.tl, recordedTl(r.run.tl)) }));
  const usable = judged.filter((r) => r.problem === null);
  const refused = judged.find((r) => r.problem !== null);
  // A run that stores the hook at another width cannot serve it: say which, not "no run stores it".
  const otherWidth = runs.find(({ run }) => run.committedRows > 0 && run.hooks.some((h) => h.name === s.hook && h.dim !== s.dIn));
  const runId = runFor ?? s.stats?.runId ?? usable[0]?.run.id ?? '';
  const busy = stats?.saeId === s.id;
  const p = busy ? stats.progress : null;
  return (
    <tr data-testid="sae-row">
      <td>
        <strong>
          <Name text={s.name} testId="sae-name" />
        </strong>
        <div className="muted">
          {s.architecture}
          {s.k !== null ? ` k ${s.k}` : ''}
          {s.normalization === 'layer_norm' ? ' · layer_norm' : ''} · {s.hook} · d_sae {s.dSae.toLocaleString('en-US')}
        </div>
        <div className="muted" data-testid="sae-settings" title="model_from_pretrained_kwargs: the TransformerLens weight processing of the activations it reads">
          {describeTlSettings(s.tl)}
        </div>
        <button className="secondary" onClick={() => harvestFor(s)} title="set the harvest panel to this SAE's hook, model settings and context size" data-testid="harvest-for-sae">
          Harvest for this SAE
        </button>
        {s.dataset && (
          <div className="muted" data-testid="sae-dataset">
            trained on{' '}
            <a href={`https://huggingface.co/datasets/${s.dataset}`} target="_blank" rel="noreferrer noopener">
              {s.dataset}
            </a>{' '}
            <button className="secondary" onClick={() => void harvestFromDataset(s)} disabled={harvesting} title="stream that dataset (as SAELens packs it) into a run for this SAE's hook, settings and context, and harvest it" data-testid="harvest-sae-dataset">
              Harvest from {s.dataset}
            </button>
          </div>
        )}
        {!s.prependBos && (
          <div className="warn" data-testid="sae-bos-note">
            trained without BOS; the lab's windows always start with BOS, so its first-position activations differ
          </div>
        )}
        {misfit && (
          <div className="warn" data-testid="sae-problem" data-kind={misfit.kind}>
            {shownText(misfit.message)}
          </div>
        )}
        {refused && (
          <div className="warn" data-testid="sae-settings-note">
            run “<Name text={refused.run.name} />” cannot serve it: {shownText(refused.problem ?? '')}
          </div>
        )}
      </td>
      <td>
        {s.stats ? (
          <span data-testid="sae-stats">
            stats over {s.stats.rows.toLocaleString('en-US')} tokens ({s.stats.seconds.toFixed(1)} s on {s.stats.device === 'gpu' ? 'the GPU' : 'the CPU twin'})
          </span>
        ) : (
          <span className="muted">no feature stats yet</span>
        )}
        {interrupted?.saeId === s.id && !busy && <InterruptedPass s={s} mark={interrupted} runName={runs.find(({ run }) => run.id === interrupted.runId)?.run.name ?? null} />}
        {s.evals && <Faithfulness e={s.evals} />}
        {busy && (
          <div className="progress" data-testid="stats-progress">
            <progress value={p ? (p.pass - 1 + p.rows / Math.max(1, p.totalRows)) / p.passes : undefined} max={1} />
            <span>{p ? `pass ${p.pass} of ${p.passes}: ${p.rows.toLocaleString('en-US')} / ${p.totalRows.toLocaleString('en-US')} tokens` : 'starting…'}</span>
            <button className="secondary" onClick={() => void cancelStats()}>
              Cancel
            </button>
          </div>
        )}
      </td>
      <td>
        <select value={runId} onChange={(e) => setRunFor(e.target.value)} aria-label="run for the statistics pass" data-testid="stats-run" disabled={!usable.length}>
          {usable.length === 0 && (
            <option value="">
              {otherWidth ? `no run stores ${s.hook} ${s.dIn} wide (“${shownText(otherWidth.run.name)}” stores it ${otherWidth.run.hooks.find((h) => h.name === s.hook)!.dim} wide)` : `no run stores ${s.hook}`}
            </option>
          )}
          {usable.map(({ run }) => (
            <option key={run.id} value={run.id}>
              {shownText(run.name)}
            </option>
          ))}
        </select>{' '}
        <select value={device ?? defaultDevice()} onChange={(e) => setDevice(e.target.value as 'gpu' | 'cpu')} aria-label="device for the statistics pass" data-testid="stats-device">
          <option value="gpu">GPU (WGSL)</option>
          <option value="cpu">CPU twin</option>
        </select>{' '}
        <button onClick={() => void computeStats(s.id, runId, device ?? defaultDevice())} disabled={!runId || !!stats} data-testid="compute-stats">
          {s.stats ? 'Recompute stats' : 'Compute feature stats'}
        </button>{' '}
        {s.stats && (
          <>
            <SaeLink href={browserHref(s.id)} reason={blocked} testId="browse-features">
              Browse features
            </SaeLink>{' '}
            <SaeLink href={inspectHref(s.id)} reason={blocked} testId="inspect-link">
              Inspect text
            </SaeLink>{' '}
          </>
        )}
        <SaeLink href={steerHref(s.id, encodeSetup(DEFAULT_SETUP))} reason={blocked} testId="sae-steer-link">
          Steer
        </SaeLink>{' '}
        <SaeLink href={attributeHref(s.id)} reason={blocked} testId="attribute-link">
          Attribute a prediction
        </SaeLink>{' '}
        <button className="secondary" onClick={() => void evaluateSae(s.id, runId)} disabled={!runId || !!evaluating || !!misfit} title={blocked ?? undefined} data-testid="evaluate-sae">
          {evaluating === s.id ? 'Evaluating…' : 'Evaluate'}
        </button>
        <button className="danger" onClick={() => void deleteSae(s.id)} data-testid="delete-sae">
          Delete
        </button>
      </td>
    </tr>
  );
}

/**
 * A statistics pass that a reload or a closed page cut short (src/ui/stats-pass-mark.ts): where it was, that nothing
 * of it was saved (the statistics shown, if any, are from before), and the pass to run again (same run and device).
 */
function InterruptedPass({ s, mark, runName }: { s: SaeInfo; mark: NonNullable<FeaturesState['interrupted']>; runName: string | null }) {
  const fmt = (n: number) => n.toLocaleString('en-US');
  const p = mark.progress;
  // The progress last recorded (a few times per pass): the pass may have gone a little further before the reload.
  const at = p ? `in pass ${p.pass} of ${p.passes}, after at least ${fmt(p.rows)} of ${fmt(p.totalRows)} tokens` : 'before it reported any progress';
  const over = runName === null ? 'a run that is gone' : <>run “<Name text={runName} />”</>;
  if (mark.running) {
    return (
      <div className="notice" role="status" data-testid="stats-elsewhere">
        A statistics pass over {over} is running in another tab of this lab; its statistics appear here once it has saved them.
      </div>
    );
  }
  return (
    <div className="warn" role="status" data-testid="stats-interrupted">
      The statistics pass over {over} was interrupted {at} (the page was reloaded or closed): nothing of it was saved.{' '}
      {s.stats ? 'The statistics shown are from an earlier pass.' : 'This SAE has no statistics yet.'}{' '}
      {runName !== null && (
        <button className="secondary" onClick={() => void computeStats(s.id, mark.runId, mark.device)} data-testid="stats-rerun">
          Run the pass again
        </button>
      )}
    </div>
  );
}
