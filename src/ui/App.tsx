import { useEffect } from 'react';
import { AttentionPage } from './components/AttentionPage';
import { AttributionPage } from './components/AttributionPage';
import { Breadcrumbs } from './components/Breadcrumbs';
import { FeatureBrowser } from './components/FeatureBrowser';
import { FeaturePage } from './components/FeaturePage';
import { HarvestPanel } from './components/HarvestPanel';
import { InspectPage } from './components/InspectPage';
import { ModelChip } from './components/ModelChip';
import { ModelGate } from './components/ModelGate';
import { ModelPanel } from './components/ModelPanel';
import { NeuronBrowser } from './components/NeuronBrowser';
import { NeuronPage } from './components/NeuronPage';
import { PromptPanel } from './components/PromptPanel';
import { QuickStart } from './components/QuickStart';
import { RunsPanel } from './components/RunsPanel';
import { SaeChooser } from './components/SaeChooser';
import { SaesPanel } from './components/SaesPanel';
import { StageNav } from './components/StageNav';
import { SteerPage } from './components/SteerPage';
import { ToyPage } from './components/ToyPage';
import { TrainPanel } from './components/TrainPanel';
import { StreamTrainPanel } from './components/StreamTrainPanel';
import { WebGpuBadge } from './components/WebGpuBadge';
import { Workspace } from './components/Workspace';
import { useFeatures } from './features-store';
import { useHarvest } from './harvest-store';
import { type LabStage, type Route, useRoute, viewKey } from './route';
import { clearViewErrors } from './view-errors';
import { SaeFitGate } from './components/SaeFit';

const STAGE_PANEL: Record<LabStage, string> = { model: 'model-panel', runs: 'harvest-panel', train: 'train-panel', saes: 'saes-panel' };

export function App() {
  const route = useRoute();
  const stage = route.page === 'lab' ? route.stage : undefined;
  const view = viewKey(route);
  // An error belongs to the view that raised it: moving to another view forgets it.
  useEffect(() => clearViewErrors(), [view]);
  useEffect(() => {
    if (stage) document.querySelector(`[data-testid="${STAGE_PANEL[stage]}"]`)?.scrollIntoView({ block: 'start' });
  }, [stage]);
  return (
    <div className="app">
      <header className="app-header">
        <h1>
          <a href="#/">SparseSearchEverything</a>
        </h1>
        <span className="tagline">GPT-2 internals, sparse autoencoders and steering — all in this tab</span>
        <ModelChip />
        <WebGpuBadge />
      </header>
      <StageNav route={route} />
      <Breadcrumbs route={route} />
      {/* The lab stays mounted under the dashboards, so a running harvest or training keeps its view. */}
      <main className="app-main" hidden={route.page !== 'lab'}>
        <QuickStart />
        <ModelPanel />
        <PromptPanel />
        <HarvestPanel />
        <RunsPanel />
        <TrainPanel />
        <StreamTrainPanel />
        <SaesPanel />
      </main>
      {route.page !== 'lab' && (
        <main className="app-main">
          <Page route={route} />
        </main>
      )}
    </div>
  );
}

/** The model a route's page needs: its SAE's, its run's, any (null), or none (undefined: the page needs no model). */
function useNeededModel(route: Route): { modelName: string | null; known: boolean } | undefined {
  const { saes, saesLoaded } = useFeatures();
  const runs = useHarvest((s) => s.runs);
  if ('saeId' in route && route.saeId && route.page !== 'neurons' && route.page !== 'neuron') {
    const sae = saes.find((s) => s.id === route.saeId);
    return { modelName: sae?.modelName ?? null, known: saesLoaded };
  }
  if (route.page === 'neurons' || route.page === 'neuron') return { modelName: runs.find((r) => r.run.id === route.runId)?.run.modelId ?? null, known: true };
  if (route.page === 'attention') return { modelName: null, known: true };
  return undefined;
}

function Page({ route }: { route: Route }) {
  const need = useNeededModel(route);
  const page = pageOf(route);
  if (!need) return page;
  if (!need.known) return <p role="status">Reading this browser’s SAEs…</p>;
  // An SAE's pages open only when the SAE fits the loaded model; else they say why (src/analysis/sae-fit.ts).
  const gated = 'saeId' in route && route.saeId && route.page !== 'neurons' && route.page !== 'neuron' ? <SaeFitGate saeId={route.saeId}>{page}</SaeFitGate> : page;
  return <ModelGate modelName={need.modelName}>{gated}</ModelGate>;
}

function pageOf(route: Route) {
  switch (route.page) {
    case 'browser':
      return <FeatureBrowser saeId={route.saeId} />;
    case 'feature':
      return <FeaturePage saeId={route.saeId} feature={route.feature} />;
    case 'inspect':
      return <InspectPage saeId={route.saeId} />;
    case 'steer':
      return <SteerPage key={route.saeId} saeId={route.saeId} query={route.query} />;
    case 'attribute':
      return <AttributionPage key={route.saeId} saeId={route.saeId} prompt={route.prompt} target={route.target} />;
    case 'neurons':
      return <NeuronBrowser runId={route.runId} hook={route.hook} saeId={route.saeId} />;
    case 'neuron':
      return <NeuronPage runId={route.runId} hook={route.hook} neuron={route.neuron} saeId={route.saeId} />;
    case 'toy':
      return <ToyPage />;
    case 'attention':
      return <AttentionPage query={route.query} />;
    case 'choose':
      return <SaeChooser view={route.view} />;
    case 'workspace':
      return <Workspace />;
    case 'lab':
      return null;
  }
}
