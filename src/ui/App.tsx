import { FeatureBrowser } from './components/FeatureBrowser';
import { FeaturePage } from './components/FeaturePage';
import { HarvestPanel } from './components/HarvestPanel';
import { InspectPage } from './components/InspectPage';
import { ModelPanel } from './components/ModelPanel';
import { PromptPanel } from './components/PromptPanel';
import { RunsPanel } from './components/RunsPanel';
import { SaesPanel } from './components/SaesPanel';
import { SteerPage } from './components/SteerPage';
import { TrainPanel } from './components/TrainPanel';
import { WebGpuBadge } from './components/WebGpuBadge';
import { useRoute } from './route';

export function App() {
  const route = useRoute();
  return (
    <div className="app">
      <header className="app-header">
        <h1>
          <a href="#/">SparseSearchEverything</a>
        </h1>
        <span className="tagline">GPT-2 internals, sparse autoencoders and steering — all in this tab</span>
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
        </main>
      )}
    </div>
  );
}
