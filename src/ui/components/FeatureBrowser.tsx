// Every feature of an SAE in one virtualised list (./UnitBrowser.tsx), and beside it the raw units (neurons) of the
// SAE's hook, so a polysemantic neuron can be compared with the features that share it.
import { Name } from './Name';
import { useEffect, useMemo } from 'react';
import { loadTable, searchFeatures, useFeatures } from '../features-store';
import { useHarvest } from '../harvest-store';
import { attributeHref, featureHref, inspectHref, useViewError } from '../route';
import { densityHistogram } from '../../sae/train/density';
import { DensityChart } from './DensityChart';
import { DensityScatter, SaeMap } from './SaeMaps';
import { NeuronPanel } from './NeuronBrowser';
import { UnitBrowser } from './UnitBrowser';

export function FeatureBrowser({ saeId }: { saeId: string }) {
  const { table, search, saes } = useFeatures();
  const error = useViewError(useFeatures((s) => s.error));
  const runs = useHarvest((s) => s.runs);
  useEffect(() => {
    void loadTable(saeId);
  }, [saeId]);
  const t = table?.saeId === saeId ? table : null;
  const info = saes.find((s) => s.id === saeId);
  const dead = t ? t.count.reduce((a, c) => a + (c === 0 ? 1 : 0), 0) : 0;
  const density = useMemo(() => (t && t.rows > 0 ? densityHistogram(Float64Array.from(t.count, (c) => c / t.rows), t.rows) : null), [t]);
  // The neurons beside the features: the SAE hook's raw units over the run its statistics came from (else any run storing it).
  const neuronRun = t?.runId ?? info?.stats?.runId ?? runs.find(({ run }) => run.hooks.some((h) => h.name === info?.hook && h.dim === info?.dIn))?.run.id;
  return (
    <section className="panel wide" data-testid="feature-browser">
      <div className="row">
        <a href="#/">← lab</a>
        <a href={inspectHref(saeId)}>inspect text</a>
        <a href={attributeHref(saeId)}>attribute a prediction</a>
      </div>
      <div className="unit-columns">
        <div>
          <h2>Features {info && <span className="muted">of <Name text={info.name} /> · {info.hook} · d_sae {info.dSae}</span>}</h2>
          {error && (
            <div className="error" role="alert">
              {error}
            </div>
          )}
          {t && (
            <>
              <p className="muted" data-testid="browser-summary">
                {t.count.length.toLocaleString('en-US')} features over {t.rows.toLocaleString('en-US')} tokens · {dead} dead
              </p>
              {density && <DensityChart h={density} testId="chart-feature-density" />}
              <div className="charts">
                <DensityScatter t={t} />
                <SaeMap saeId={saeId} />
              </div>
              <UnitBrowser key={saeId} kind="feature" t={t} href={(f) => featureHref(saeId, f)} search={search} onSearch={(q) => void searchFeatures(saeId, q)} />
            </>
          )}
        </div>
        {info && (
          <div>
            <h2>
              Neurons <span className="muted">of {info.hook}: the basis the features are written in</span>
            </h2>
            {neuronRun ? <NeuronPanel runId={neuronRun} hook={info.hook} saeId={saeId} /> : <p className="muted">No stored run has {info.hook}: harvest one to see its neurons.</p>}
          </div>
        )}
      </div>
    </section>
  );
}
