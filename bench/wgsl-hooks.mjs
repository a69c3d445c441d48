// Node module hooks for the benches run with tsx: `import source from '…/x.wgsl?raw'` (Vite's raw import, which the
// SAE trainer's GPU kernels use) gives the file's text, so a CPU bench can import modules that also hold GPU paths.
import { readFile } from 'node:fs/promises';

export async function resolve(specifier, context, next) {
  if (/\.wgsl(\?raw)?$/.test(specifier)) {
    const url = new URL(specifier.replace(/\?raw$/, ''), context.parentURL);
    return { url: `${url.href}?raw`, shortCircuit: true };
  }
  return next(specifier, context);
}

export async function load(url, context, next) {
  if (/\.wgsl\?raw$/.test(url)) {
    const text = await readFile(new URL(url.replace(/\?raw$/, '')), 'utf8');
    return { format: 'module', source: `export default ${JSON.stringify(text)};`, shortCircuit: true };
  }
  return next(url, context);
}
