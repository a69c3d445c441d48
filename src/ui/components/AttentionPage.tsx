// #/attention?prompt=…: every layer × head attention pattern of a prompt as a grid of small heatmaps; a head opened
// large with token labels and CircuitsVis-style arcs for one query; a sortable table of per-head scores; and a toggle
// for the repeated-random-tokens induction test. Everything the view shows is in its URL (src/ui/attention-url.ts).
import { useEffect, useState } from 'react';
import { attentionLimit, headPattern } from '../../analysis/attention';
import type { AttentionView } from '../../worker/protocol';
import { attentionKey, runAttention, useAttention } from '../attention-store';
import { type AttentionSetup, DEFAULT_REPEAT, encodeAttentionQuery, parseAttentionQuery } from '../attention-url';
import { attentionHref, useViewError } from '../route';
import { useLab } from '../store';
import { quoted } from '../token-label';
import { AttentionArcs } from './AttentionArcs';
import { PatternHeatmap, PatternThumb } from './AttentionHeatmap';
import { AttentionScores } from './AttentionScores';

const DEFAULT_PROMPT = 'When Mary and John went to the store, John gave a drink to Mary. When Mary and John went to the store, John gave';

/** Navigates to a setup; the route change re-renders the page from it. The same URL again: run it again (after an error). */
const go = (s: AttentionSetup) => {
  const href = attentionHref(encodeAttentionQuery(s));
  if (window.location.hash === href) void runAttention(requestOf(s));
  else window.location.hash = href;
};

const requestOf = (s: AttentionSetup) => ({ prompt: s.prompt, prependBos: s.prependBos, repeated: s.repeat !== null ? { length: s.repeat, seed: s.seed } : null });

export function AttentionPage({ query }: { query: string }) {
  const setup = parseAttentionQuery(query);
  const model = useLab((s) => s.model);
  const { result, busy } = useAttention();
  const error = useViewError(useAttention((s) => s.error));
  const [text, setText] = useState(setup.prompt || DEFAULT_PROMPT);
  const [length, setLength] = useState(String(setup.repeat ?? DEFAULT_REPEAT));
  const [seed, setSeed] = useState(String(setup.seed));
  // The toggles follow the URL, which changes only on the (asynchronous) hashchange after a click: held here too, so
  // a checkbox shows its new state at once instead of snapping back until the route catches up.
  const [repeatOn, setRepeatOn] = useState(setup.repeat !== null);
  const [bos, setBos] = useState(setup.prependBos);
  useEffect(() => setRepeatOn(setup.repeat !== null), [setup.repeat]);
  useEffect(() => setBos(setup.prependBos), [setup.prependBos]);
  const asks = setup.repeat !== null || setup.prompt !== '';
  const req = requestOf(setup);
  const key = attentionKey(req);

  useEffect(() => {
    if (model && asks) void runAttention(req);
  }, [model, key, asks]); // key stands for req, a new object each render

  useEffect(() => {
    if (setup.prompt) setText(setup.prompt); // back/forward to another prompt's URL
  }, [setup.prompt]);

  const run = () => {
    const repeat = repeatOn ? Math.max(2, Math.floor(Number(length)) || DEFAULT_REPEAT) : null;
    go({ ...setup, prompt: repeat !== null ? setup.prompt : text, repeat, seed: Math.floor(Number(seed)) || 0, query: null });
  };
  const toggleRepeat = (on: boolean) => go({ ...setup, prompt: text, repeat: on ? Math.max(2, Math.floor(Number(length)) || DEFAULT_REPEAT) : null, seed: Math.floor(Number(seed)) || 0, query: null });
  const v = result?.key === key ? result.view : null;
  const limit = attentionLimit(model?.cfg.nPositions ?? 1024);
  const maxRepeat = Math.floor((limit - 1) / 2); // BOS + r + r

  return (
    <section className="panel wide" data-testid="attention-page">
      <div className="row">
        <a href="#/">← the lab</a>
      </div>
      <h2>Attention patterns</h2>
      {!model && <p className="muted">Load a model first (the lab's Model panel).</p>}
      <label htmlFor="attention-prompt">Prompt</label>{' '}
      <span className="muted" data-testid="attention-limit">
        the view shows the first {limit} tokens (BOS included): every layer and head keeps a T × T pattern
      </span>
      <textarea
        id="attention-prompt"
        rows={3}
        value={text}
        onChange={(e) => setText(e.target.value)}
        onKeyDown={(e) => e.key === 'Enter' && (e.ctrlKey || e.metaKey) && run()}
        disabled={repeatOn}
        aria-label="prompt for the attention patterns" data-testid="attention-prompt"
        style={{ width: '100%' }}
      />
      <div className="row">
        <label>
          <input
            type="checkbox"
            checked={bos}
            disabled={repeatOn}
            onChange={(e) => {
              setBos(e.target.checked);
              go({ ...setup, prompt: text, prependBos: e.target.checked, query: null });
            }}
            data-testid="attention-bos"
          />{' '}
          prepend BOS
        </label>
        <label title="BOS + r + r with r random tokens: an induction head attends from each token of the second copy to the token after its first occurrence">
          <input
            type="checkbox"
            checked={repeatOn}
            onChange={(e) => {
              setRepeatOn(e.target.checked);
              toggleRepeat(e.target.checked);
            }}
            data-testid="attention-repeat"
          />{' '}
          repeated random tokens (induction test)
        </label>
        {repeatOn && (
          <>
            <label>
              |r| <input type="number" min={2} max={maxRepeat} value={length} onChange={(e) => setLength(e.target.value)} style={{ width: '5em' }} data-testid="attention-repeat-length" />
            </label>
            <label>
              seed <input type="number" value={seed} onChange={(e) => setSeed(e.target.value)} style={{ width: '5em' }} data-testid="attention-repeat-seed" />
            </label>
          </>
        )}
        <button onClick={run} disabled={!model || busy || (!repeatOn && !text.trim())} data-testid="attention-run">
          {busy ? 'Running…' : 'Show attention (Ctrl+Enter)'}
        </button>
      </div>
      {error && (
        <div className="error" role="alert">
          {error}
        </div>
      )}
      {v && <Result v={v} setup={setup} />}
    </section>
  );
}

function Result({ v, setup }: { v: AttentionView; setup: AttentionSetup }) {
  const T = v.ids.length;
  const head = setup.head && setup.head.layer < v.nLayer && setup.head.head < v.nHead ? setup.head : null;
  const query = setup.query !== null && setup.query < T ? setup.query : T - 1;
  const select = (layer: number, h: number) => go({ ...setup, head: { layer, head: h } });
  const pick = (q: number) => go({ ...setup, query: q });
  const thumb = Math.max(40, Math.min(96, Math.floor(720 / v.nHead) - 8));
  return (
    <>
      {v.truncated && (
        <p className="notice" data-testid="attention-truncated">
          The sequence has {v.truncated.tokens.toLocaleString('en-US')} tokens; the view shows the first {v.truncated.kept} and cut the last{' '}
          {(v.truncated.tokens - v.truncated.kept).toLocaleString('en-US')}: the model's context, at most {v.truncated.kept} here, since every layer and head keeps a T × T pattern.
        </p>
      )}
      {v.repeated && (
        <p className="muted">
          BOS + r + r with |r| = {v.repeated.length} random tokens (seed {v.repeated.seed}): an induction head attends from each token of the second copy to the token after its first occurrence, a
          stripe |r| − 1 below the diagonal.
        </p>
      )}
      <p className="muted">
        {T} positions · {v.nLayer} layers × {v.nHead} heads · rows are queries, columns keys, colour 0 (white) to 1 (blue). Pick a head to open it.
      </p>
      <div role="group" aria-label="attention patterns, layers by heads" data-testid="attention-grid" style={{ display: 'grid', gridTemplateColumns: `4em repeat(${v.nHead}, ${thumb + 8}px)`, gap: 4, alignItems: 'center' }}>
        <div />
        {Array.from({ length: v.nHead }, (_, h) => (
          <div key={h} className="muted" style={{ textAlign: 'center', fontSize: '0.8rem' }}>
            head {h}
          </div>
        ))}
        {v.patterns.map((layer, l) => (
          <div key={l} style={{ display: 'contents' }}>
            <div className="muted" style={{ fontSize: '0.8rem' }}>
              layer {l}
            </div>
            {Array.from({ length: v.nHead }, (_, h) => {
              const on = head?.layer === l && head.head === h;
              return (
                <button
                  key={h}
                  onClick={() => select(l, h)}
                  aria-label={`layer ${l} head ${h}`}
                  aria-pressed={on}
                  data-testid="attention-head-cell"
                  data-layer={l}
                  data-head={h}
                  style={{ padding: 3, border: on ? '2px solid #e8710a' : '1px solid #d5def3', background: '#fff', borderRadius: 4 }}
                >
                  <PatternThumb p={headPattern(layer, h, T)} T={T} size={thumb} />
                </button>
              );
            })}
          </div>
        ))}
      </div>
      {head && (
        <div data-testid="attention-head-detail" data-layer={head.layer} data-head={head.head}>
          <h3>
            Layer {head.layer}, head {head.head}
          </h3>
          <div className="row">
            <label>
              Query token{' '}
              <select value={query} onChange={(e) => pick(Number(e.target.value))} aria-label="query position" data-testid="attention-query">
                {v.tokens.map((t, q) => (
                  <option key={q} value={q}>
                    {q}: {quoted(t)}
                  </option>
                ))}
              </select>
            </label>
          </div>
          <AttentionArcs p={headPattern(v.patterns[head.layer], head.head, T)} T={T} tokens={v.tokens} query={query} onQuery={pick} />
          <PatternHeatmap p={headPattern(v.patterns[head.layer], head.head, T)} T={T} tokens={v.tokens} query={query} onQuery={pick} title={`layer ${head.layer} head ${head.head}`} />
        </div>
      )}
      <AttentionScores v={v} selected={head} onSelect={select} />
    </>
  );
}
