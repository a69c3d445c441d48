import { HarvestPanel } from './components/HarvestPanel';
import { ModelPanel } from './components/ModelPanel';
import { PromptPanel } from './components/PromptPanel';
import { RunsPanel } from './components/RunsPanel';
import { TrainPanel } from './components/TrainPanel';
import { WebGpuBadge } from './components/WebGpuBadge';

export function App() {
  return (
    <div className="app">
      <header className="app-header">
        <h1>SparseSearchEverything</h1>
        <span className="tagline">GPT-2 internals, sparse autoencoders and steering — all in this tab</span>
        <WebGpuBadge />
      </header>
      <main className="app-main">
        <ModelPanel />
        <PromptPanel />
        <HarvestPanel />
        <RunsPanel />
        <TrainPanel />
      </main>
    </div>
  );
}
