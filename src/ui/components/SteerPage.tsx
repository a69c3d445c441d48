// Steering: pick features (from their pages), move each one's slider (strength in multiples of the feature's max
// activation), and compare the steered continuation with the clean one — same prompt, same seed, regenerated as the
// sliders move. The page's URL is the whole setup, so a preset is shared by sharing the address.
import { useEffect, useMemo, useRef, useState } from 'react';
import type { FeatureSteer, SteerMode } from '../../model/steering';
import { loadTable, useFeatures } from '../features-store';
import { featureHref, steerHref, useViewError } from '../route';
import { type SteerSetup, decodeSetup, encodeSetup } from '../steer-preset';
import { regenerate, rememberSetup, useSteer } from '../steer-store';
import { useLab } from '../store';

const DEBOUNCE_MS = 300;

export function SteerPage({ saeId, query }: { saeId: string; query: string }) {
  const [setup, setSetup] = useState<SteerSetup>(() => decodeSetup(query));
  const { table } = useFeatures();
  const { clean, steered } = useSteer();
  const error = useViewError(useSteer((s) => s.error));
  const model = useLab((s) => s.model);
  useEffect(() => {
    void loadTable(saeId);
  }, [saeId]);
  const maxAct = (f: number) => (table?.saeId === saeId ? table.maxAct[f] : 0) || 1;
  const steers: FeatureSteer[] = useMemo(
    () => setup.features.map((e) => ({ feature: e.feature, mode: e.mode, value: e.mode === 'ablate' ? 0 : e.multiple * ((table?.saeId === saeId ? table.maxAct[e.feature] : 0) || 1) })),
    [setup.features, table, saeId],
  );
  // The address is the preset: keep it in step without adding history entries.
  useEffect(() => {
    window.history.replaceState(null, '', steerHref(saeId, encodeSetup(setup)));
    rememberSetup(saeId, setup);
  }, [saeId, setup]);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  useEffect(() => {
    if (!model || (setup.features.length && table?.saeId !== saeId)) return;
    if (timer.current) clearTimeout(timer.current);
    timer.current = setTimeout(() => void regenerate(saeId, setup, steers), DEBOUNCE_MS);
    return () => {
      if (timer.current) clearTimeout(timer.current);
    };
  }, [saeId, setup, steers, model, table]);
  const patch = (p: Partial<SteerSetup>) => setSetup({ ...setup, ...p });
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
          tokens <input type="number" value={setup.maxTokens} min={1} max={256} onChange={(e) => patch({ maxTokens: Number(e.target.value) })} data-testid="steer-tokens" />
        </label>
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
            {e.mode === 'ablate' ? '0' : `${e.multiple}× max = ${(e.multiple * maxAct(e.feature)).toFixed(2)}`}
          </span>
          <button className="secondary" onClick={() => patch({ features: setup.features.filter((_, j) => j !== i) })}>
            remove
          </button>
        </div>
      ))}
      <div className="continuations">
        <div>
          <h3>Clean</h3>
          <p className="continuation" data-testid="clean-text" data-done={clean?.done ? 'true' : 'false'}>
            <span className="muted">{setup.prompt}</span>
            {clean?.tokens.join('')}
          </p>
        </div>
        <div>
          <h3>Steered</h3>
          <p className="continuation" data-testid="steered-text" data-done={steered?.done ? 'true' : 'false'}>
            <span className="muted">{setup.prompt}</span>
            {steered?.tokens.join('')}
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
