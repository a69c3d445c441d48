// The community's GPT-2 small SAEs by SAELens release id (src/sae/catalogue.ts): pick a release and one of its
// SAEs, and it loads from the Hub (the address the model panel uses) with progress, cached in Cache Storage,
// checked against the loaded model before the weights download.
import { shownText } from '../user-text';
import { useState } from 'react';
import { catalogueDataset, listReleases } from '../../sae/catalogue';
import { addSae, useFeatures } from '../features-store';
import { useLab } from '../store';

export function CataloguePicker() {
  const releases = listReleases();
  const [release, setRelease] = useState(releases[0].release);
  const r = releases.find((x) => x.release === release)!;
  const [saeId, setSaeId] = useState(r.saes[0].id);
  const entry = r.saes.find((e) => e.id === saeId) ?? r.saes[0];
  const { adding, download } = useFeatures();
  const hubUrl = useLab((s) => s.hubUrl);
  const usable = r.loadable;
  return (
    <form
      className="row"
      data-testid="catalogue"
      onSubmit={(e) => {
        e.preventDefault();
        void addSae({ kind: 'catalogue', release, saeId: entry.id, hubUrl: hubUrl.trim() || undefined });
      }}
    >
      <label>
        published SAE{' '}
        <select
          value={release}
          onChange={(e) => {
            setRelease(e.target.value);
            setSaeId(releases.find((x) => x.release === e.target.value)!.saes[0].id);
          }}
          aria-label="SAELens release" data-testid="catalogue-release"
        >
          {releases.map((x) => (
            <option key={x.release} value={x.release}>
              {x.release}
              {x.loadable ? '' : ' (not loadable here)'}
            </option>
          ))}
        </select>
      </label>
      <label>
        SAE{' '}
        <select value={entry.id} onChange={(e) => setSaeId(e.target.value)} aria-label="SAE of the release" data-testid="catalogue-sae">
          {r.saes.map((e) => (
            <option key={e.id} value={e.id}>
              {e.id} · {e.width.toLocaleString('en-US')} latents
            </option>
          ))}
        </select>
      </label>
      <button type="submit" disabled={adding || !usable} data-testid="catalogue-load" title={usable ? `${r.repo_id}/${entry.path}` : r.reason}>
        Load
      </button>
      {catalogueDataset(r) && (
        <span className="muted" data-testid="catalogue-dataset">
          trained on{' '}
          <a href={`https://huggingface.co/datasets/${catalogueDataset(r)}`} target="_blank" rel="noreferrer noopener">
            {catalogueDataset(r)}
          </a>
          ; once loaded, its row harvests from it in one click
        </span>
      )}
      {!usable && (
        <span className="muted" data-testid="catalogue-reason">
          {r.reason}
        </span>
      )}
      {usable && r.runtimeNormalization === 'layer_norm' && (
        <span className="muted" data-testid="catalogue-note">
          each token is normalised (layer_norm) before encoding; activations are in those units
        </span>
      )}
      {adding && download && (
        <span className="progress" data-testid="sae-download-progress">
          <progress value={download.total ? download.loaded / download.total : undefined} max={1} /> {shownText(download.file)}: {(download.loaded / 1e6).toFixed(1)}
          {download.total ? ` / ${(download.total / 1e6).toFixed(1)}` : ''} MB{download.cached ? ' (cached)' : ''}
        </span>
      )}
    </form>
  );
}
