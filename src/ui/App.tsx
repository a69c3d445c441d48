import { AttentionPage } from './components/AttentionPage';
import { AttributionPage } from './components/AttributionPage';
import { FeatureBrowser } from './components/FeatureBrowser';
import { FeaturePage } from './components/FeaturePage';
import { HarvestPanel } from './components/HarvestPanel';
import { InspectPage } from './components/InspectPage';
import { ModelPanel } from './components/ModelPanel';
import { NeuronBrowser } from './components/NeuronBrowser';
import { NeuronPage } from './components/NeuronPage';
import { PromptPanel } from './components/PromptPanel';
import { RunsPanel } from './components/RunsPanel';
import { SaesPanel } from './components/SaesPanel';
import { SteerPage } from './components/SteerPage';
import { ToyPage } from './components/ToyPage';
import { TrainPanel } from './components/TrainPanel';
import { WebGpuBadge } from './components/WebGpuBadge';
import { toyHref, useRoute } from './route';

export function App() {
  const route = useRoute();
  return (
    <div className="app">
      <header className="app-header">
        <h1>
          <a href="#/">SparseSearchEverything</a>
        </h1>
        <span className="tagline">GPT-2 internals, sparse autoencoders and steering — all in this tab</span>
        <a href={toyHref} data-testid="toy-link">
          Toy model of superposition
        </a>
        <WebGpuBadge />
      </header>
      {/* The lab stays mounted under the dashboards, so a running harvest or training keeps its view. */}
      <main className="app-main" hidden={route.page !== 'lab'}>
        <ModelPanel />
        <PromptPanel />
        <HarvestPanel />
        <RunsPanel />
        <TrainPanel />
        <SaesPanel />
      </main>
      {route.page !== 'lab' && (
        <main className="app-main">
          {route.page === 'browser' && <FeatureBrowser saeId={route.saeId} />}
          {route.page === 'feature' && <FeaturePage saeId={route.saeId} feature={route.feature} />}
          {route.page === 'inspect' && <InspectPage saeId={route.saeId} />}
          {route.page === 'steer' && <SteerPage key={route.saeId} saeId={route.saeId} query={route.query} />}
          {route.page === 'attribute' && <AttributionPage key={route.saeId} saeId={route.saeId} prompt={route.prompt} target={route.target} />}
          {route.page === 'neurons' && <NeuronBrowser runId={route.runId} hook={route.hook} saeId={route.saeId} />}
          {route.page === 'toy' && <ToyPage />}
          {route.page === 'attention' && <AttentionPage query={route.query} />}
          {route.page === 'neuron' && <NeuronPage runId={route.runId} hook={route.hook} neuron={route.neuron} saeId={route.saeId} />}
        </main>
      )}
    </div>
  );
}
