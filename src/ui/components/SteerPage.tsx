// Steering: pick features (from their pages), move each one's slider (strength in multiples of the feature's max
// activation), and compare the steered continuation with the clean one — same prompt, same seed, regenerated as the
// sliders move. The page's URL is the whole setup, so a preset is shared by sharing the address. The number of new
// tokens is held to what the context window allows (with a note when a value is clamped), a prompt that does not fit
// beside them is cut from the start (BOS kept, and said), and an SAE without statistics (no max activations to scale
// by) says so and steers in absolute units instead.
import { describeClamp, describeCut, maxNewTokens } from '../../core/context-window';
import { useEffect, useMemo, useRef, useState } from 'react';
import type { FeatureSteer, SteerMode } from '../../model/steering';
import { loadTable, useFeatures } from '../features-store';
import { featureHref, stageHref, steerHref, useRouteChange, useViewError } from '../route';
import { type SteerSetup, decodeSetup, encodeSetup } from '../steer-preset';
import { cleanKeyOf, regenerate, rememberSetup, useSteer } from '../steer-store';
import { useLab } from '../store';
import { visibleText } from '../../model/token-text';

const DEBOUNCE_MS = 300;

/** The new tokens a setup may ask for, in [1, max], and what the clamp changed (null: nothing). */
function clampTokens(asked: number, max: number, nPositions: number): { value: number; note: string | null } {
  const v = Math.round(asked);
  if (!Number.isFinite(v) || v < 1) return { value: 1, note: `at least 1 new token: ${Number.isFinite(asked) ? asked : 'nothing'} was asked for, generating 1` };
  if (v > max) return { value: max, note: `at most ${max} new tokens: the context window is ${nPositions} positions, BOS and at least one prompt token among them (${asked.toLocaleString('en-US')} was asked for)` };
  return { value: v, note: null };
}

export function SteerPage({ saeId, query }: { saeId: string; query: string }) {
  const model = useLab((s) => s.model);
  const nPositions = model?.cfg.nPositions ?? 1024;
  const maxTokens = maxNewTokens(nPositions);
  const fromQuery = (q: string) => {
    const s = decodeSetup(q);
    const t = clampTokens(s.maxTokens, maxTokens, nPositions);
    return { setup: { ...s, maxTokens: t.value }, tokensNote: t.note };
  };
  const [{ setup, tokensNote }, setState] = useState(() => fromQuery(query));
  // The page follows its address: back/forward or an edited hash on this SAE's steering URL sets every control from it
  // (another SAE's URL remounts the page: App keys it by SAE).
  useRouteChange((r) => {
    if (r.page === 'steer' && r.saeId === saeId && r.query !== encodeSetup(setup)) setState(fromQuery(r.query));
  });
  const setSetup = (next: SteerSetup) => setState({ setup: next, tokensNote });
  const { table } = useFeatures();
  const info = useFeatures((s) => s.saes.find((x) => x.id === saeId));
  const { clean: anyClean, steered: anySteered } = useSteer();
  // Only continuations of this setup's prompt and sampling (on this SAE): never a previous page's.
  const cleanKey = cleanKeyOf(saeId, setup);
  const clean = anyClean?.key === cleanKey ? anyClean : null;
  const steeredOfSetup = anySteered?.key.startsWith(`${cleanKey}|`) ? anySteered : null;
  const error = useViewError(useSteer((s) => s.error));
  const tableError = useViewError(useFeatures((s) => s.error));
  const hasStats = !!info?.stats;
  useEffect(() => {
    if (hasStats) void loadTable(saeId); // without statistics there is no table (and no max activations) to load
  }, [saeId, hasStats]);
  const absolute = setup.units === 'abs';
  // Multiples of max activations need the statistics: without them the steered run waits (null) and the page says why.
  const needsMax = !absolute && setup.features.some((e) => e.mode !== 'ablate');
  const tableReady = table?.saeId === saeId;
  const maxAct = (f: number) => (tableReady ? table.maxAct[f] : 0) || 1;
  const steers: FeatureSteer[] | null = useMemo(() => {
    if (needsMax && !tableReady) return null;
    return setup.features.map((e) => ({ feature: e.feature, mode: e.mode, value: e.mode === 'ablate' ? 0 : e.multiple * (absolute ? 1 : (tableReady ? table.maxAct[e.feature] : 0) || 1) }));
  }, [setup.features, table, tableReady, needsMax, absolute]);
  const waitingForTable = needsMax && hasStats && !tableReady && !tableError;
  const steered = steers === null ? null : steeredOfSetup;
  // The address is the preset: keep it in step without adding history entries.
  useEffect(() => {
    window.history.replaceState(null, '', steerHref(saeId, encodeSetup(setup)));
    rememberSetup(saeId, setup);
  }, [saeId, setup]);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  useEffect(() => {
    if (!model || waitingForTable) return;
    if (timer.current) clearTimeout(timer.current);
    timer.current = setTimeout(() => void regenerate(saeId, setup, steers), DEBOUNCE_MS);
    return () => {
      if (timer.current) clearTimeout(timer.current);
    };
  }, [saeId, setup, steers, model, waitingForTable]);
  const patch = (p: Partial<SteerSetup>) => setSetup({ ...setup, ...p });
  const setTokens = (asked: number) => {
    const t = clampTokens(asked, maxTokens, nPositions);
    setState({ setup: { ...setup, maxTokens: t.value }, tokensNote: t.note });
  };
  const fit = clean?.fit ?? null;
  const patchFeature = (i: number, p: Partial<SteerSetup['features'][number]>) => patch({ features: setup.features.map((e, j) => (j === i ? { ...e, ...p } : e)) });
  return (
    <section className="panel wide" data-testid="steer-page">
      <div className="row">
        <a href={`#/sae/${encodeURIComponent(saeId)}`}>← all features</a>
      </div>
      <h2>Steering</h2>
      {!model && <p className="notice">Load the model (on the lab page) to generate.</p>}
      <textarea rows={2} value={setup.prompt} onChange={(e) => patch({ prompt: e.target.value })} aria-label="prompt to continue" data-testid="steer-prompt" />
      <div className="row">
        <label>
          tokens <input type="number" value={setup.maxTokens} min={1} max={maxTokens} onChange={(e) => setTokens(e.target.value === '' ? 0 : Number(e.target.value))} data-testid="steer-tokens" />
        </label>
        <span className="muted" data-testid="steer-limit">
          1…{maxTokens} new tokens (a context of {nPositions}: BOS + prompt + new)
        </span>
        <label>
          temperature <input type="number" step={0.1} value={setup.temperature} onChange={(e) => patch({ temperature: Number(e.target.value) })} data-testid="steer-temperature" />
        </label>
        <label>
          top-k <input type="number" value={setup.topK} onChange={(e) => patch({ topK: Number(e.target.value) })} />
        </label>
        <label>
          top-p <input type="number" step={0.05} value={setup.topP} onChange={(e) => patch({ topP: Number(e.target.value) })} />
        </label>
        <label>
          seed <input type="number" value={setup.seed} onChange={(e) => patch({ seed: Number(e.target.value) })} data-testid="steer-seed" />
        </label>
      </div>
      {tokensNote && (
        <p className="notice" role="status" data-testid="steer-tokens-note">
          {tokensNote}
        </p>
      )}
      {setup.features.length > 0 && (
        <label title="multiples of each feature's max activation (from the statistics pass), or the activation's own units">
          <input type="checkbox" checked={absolute} onChange={(e) => patch({ units: e.target.checked ? 'abs' : 'max' })} data-testid="steer-units" /> strengths in absolute units
        </label>
      )}
      {needsMax && !hasStats && (
        <p className="notice" role="status" data-testid="steer-no-stats">
          Strengths here are multiples of each feature's max activation, which the statistics pass measures, and this SAE has no statistics yet: nothing is
          steered. <a href={stageHref('saes')}>Compute its feature statistics</a> on the SAEs panel, or tick “strengths in absolute units” to steer by activation values.
        </p>
      )}
      {tableError && (
        <div className="error" role="alert" data-testid="steer-table-error">
          {tableError}
        </div>
      )}
      {setup.features.map((e, i) => (
        <div className="row steer-row" key={i} data-testid="steer-feature">
          <a href={featureHref(saeId, e.feature)}>#{e.feature}</a>
          <select value={e.mode} onChange={(ev) => patchFeature(i, { mode: ev.target.value as SteerMode })} aria-label="steering mode" data-testid="steer-mode">
            <option value="add">add α·W_dec</option>
            <option value="clamp">clamp activation</option>
            <option value="ablate">ablate</option>
          </select>
          <input type="range" min={-10} max={10} step={0.5} value={e.multiple} disabled={e.mode === 'ablate'} onChange={(ev) => patchFeature(i, { multiple: Number(ev.target.value) })} aria-label="steering strength (multiple of the feature’s max activation)" data-testid="steer-slider" />
          <span className="num">
            {e.mode === 'ablate' ? '0' : absolute ? `${e.multiple} (absolute)` : `${e.multiple}× max = ${(e.multiple * maxAct(e.feature)).toFixed(2)}`}
          </span>
          <button className="secondary" onClick={() => patch({ features: setup.features.filter((_, j) => j !== i) })}>
            remove
          </button>
        </div>
      ))}
      {fit?.cut && (
        <p className="notice" role="status" data-testid="steer-cut">
          Prompt of {describeCut(fit.cut)}.
        </p>
      )}
      {fit?.clamped && (
        <p className="notice" role="status" data-testid="steer-clamped">
          {describeClamp(fit.clamped, nPositions)}
        </p>
      )}
      <div className="continuations">
        <div>
          <h3>Clean</h3>
          <p className="continuation" data-testid="clean-text" data-done={clean?.done ? 'true' : 'false'}>
            <bdi className="muted">{visibleText(setup.prompt)}</bdi>
            <bdi>{clean?.text}</bdi>
          </p>
        </div>
        <div>
          <h3>Steered</h3>
          <p className="continuation" data-testid="steered-text" data-done={steered?.done ? 'true' : 'false'}>
            <bdi className="muted">{visibleText(setup.prompt)}</bdi>
            <bdi>{steered?.text}</bdi>
          </p>
        </div>
      </div>
      {error && (
        <div className="error" role="alert" data-testid="steer-error">
          {error}
        </div>
      )}
    </section>
  );
}
