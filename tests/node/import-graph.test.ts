// src/ has no import circles (DEVELOPERS.md: "No import circles"), type-only imports included, and the
// library half of src/ never imports React or the UI.
import { readFileSync, readdirSync, statSync, existsSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = join(__dirname, '../../src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? sourceFiles(p) : /\.tsx?$/.test(f) ? [p] : [];
  });
}

/** Every specifier of a static import or re-export in a file. */
function specifiers(text: string): string[] {
  return [...text.matchAll(/^(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]/gm)].map((m) => m[1]);
}

function resolveLocal(from: string, spec: string): string | null {
  if (!spec.startsWith('.')) return null;
  const base = join(dirname(from), spec);
  return [`${base}.ts`, `${base}.tsx`, join(base, 'index.ts'), base].find((c) => existsSync(c) && statSync(c).isFile()) ?? null;
}

function graph(): Map<string, { local: string[]; bare: string[] }> {
  const g = new Map<string, { local: string[]; bare: string[] }>();
  for (const f of sourceFiles(SRC)) {
    const specs = specifiers(readFileSync(f, 'utf8'));
    g.set(f, { local: specs.map((s) => resolveLocal(f, s)).filter((x): x is string => x !== null), bare: specs.filter((s) => !s.startsWith('.')) });
  }
  return g;
}

function cycles(g: Map<string, { local: string[] }>): string[] {
  const state = new Map<string, 1 | 2>();
  const stack: string[] = [];
  const found: string[] = [];
  const visit = (u: string) => {
    state.set(u, 1);
    stack.push(u);
    for (const v of g.get(u)?.local ?? []) {
      if (state.get(v) === 1) found.push([...stack.slice(stack.indexOf(v)), v].map((p) => relative(SRC, p)).join(' → '));
      else if (!state.has(v)) visit(v);
    }
    stack.pop();
    state.set(u, 2);
  };
  for (const f of g.keys()) if (!state.has(f)) visit(f);
  return found;
}

describe('src import graph', () => {
  const g = graph();
  it('reads the imports of every module', () => {
    expect(g.size).toBeGreaterThan(100);
    const engine = [...g.entries()].find(([f]) => f.endsWith('worker/engine.ts'))!;
    expect(engine[1].local.some((p) => p.endsWith('analysis/top-tokens.ts'))).toBe(true);
  });
  it('has no circle', () => {
    expect(cycles(g)).toEqual([]);
  });
  it('finds a circle when there is one (the check can fail)', () => {
    const a = join(SRC, 'a.ts'), b = join(SRC, 'b.ts');
    expect(cycles(new Map([[a, { local: [b] }], [b, { local: [a] }]]))).toEqual(['a.ts → b.ts → a.ts']);
  });
  it('keeps React and the UI out of the library half', () => {
    const leaks = [...g.entries()]
      .filter(([f]) => !relative(SRC, f).startsWith('ui/'))
      .filter(([, e]) => e.bare.some((s) => s === 'react' || s.startsWith('react-dom') || s === 'zustand') || e.local.some((p) => relative(SRC, p).startsWith('ui/')))
      .map(([f]) => relative(SRC, f));
    expect(leaks).toEqual([]);
  });
});
