import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { startModelWorker } from '../worker/client';
import { App } from './App';
import { attachEngine, bootLab } from './store';
import './styles.css';

attachEngine(startModelWorker(), startModelWorker);
void bootLab();

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
