// Debian's Chromium driven by playwright-core, with WebGPU on SwiftShader (no GPU needed).
import { existsSync } from 'node:fs';
import { type Browser, type BrowserContext, type ConsoleMessage, type Page, chromium } from 'playwright-core';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * Flags that give a working WebGPU adapter on a headless Linux box without a GPU.
 * `--enable-unsafe-webgpu` is the one that matters: without it requestAdapter() returns
 * null on Linux; with it Dawn falls back to SwiftShader (vendor "google", architecture
 * "swiftshader", isFallbackAdapter true). `--use-webgpu-adapter=swiftshader` pins that
 * adapter so results do not depend on whatever GPU/driver the machine has.
 * Extra flags can be added with CHROMIUM_EXTRA_ARGS (space separated).
 */
export const CHROMIUM_ARGS = [
  '--enable-unsafe-webgpu',
  '--use-webgpu-adapter=swiftshader',
  '--use-angle=swiftshader',
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--no-default-browser-check',
  ...(process.env.CHROMIUM_EXTRA_ARGS?.split(/\s+/).filter(Boolean) ?? []),
];

const WEBGPU_ARGS = new Set(['--enable-unsafe-webgpu', '--use-webgpu-adapter=swiftshader']);

/** `webgpu: false` leaves out the flags that enable WebGPU: a Chromium as many users have it on Linux. */
export async function launchChromium(extraArgs: string[] = [], opts: { webgpu?: boolean } = {}): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`Chromium not found at ${CHROMIUM_PATH}; install it with: apt-get install -y chromium`);
  }
  const base = opts.webgpu === false ? CHROMIUM_ARGS.filter((a) => !WEBGPU_ARGS.has(a)) : CHROMIUM_ARGS;
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [...base, ...extraArgs],
  });
}

let shared: Promise<Browser> | null = null;

/** One Chromium per test file/process, launched on first use. Close it with closeChromium(). */
export function sharedChromium(): Promise<Browser> {
  shared ??= launchChromium();
  return shared;
}

export async function closeChromium(): Promise<void> {
  const b = shared;
  shared = null;
  if (b) await (await b).close();
}

export interface OpenedPage {
  page: Page;
  context: BrowserContext;
  /** console.error messages, uncaught page errors and crashes, in order. */
  errors: string[];
  /** Every console message as "type: text". */
  messages: string[];
  close(): Promise<void>;
}

export interface OpenPageOptions {
  /** Browser to open the page in; default: sharedChromium(). */
  browser?: Browser;
  /** Prefix for console lines forwarded to stdout (default "[page]"). */
  prefix?: string;
  /** Forward console messages to stdout (default true). */
  echo?: boolean;
}

/**
 * Opens `url` in a fresh browser context, collecting console errors and page errors
 * (`errors`) and forwarding console messages to stdout with a prefix.
 */
export async function openPage(url: string, opts: OpenPageOptions = {}): Promise<OpenedPage> {
  const browser = opts.browser ?? (await sharedChromium());
  const prefix = opts.prefix ?? '[page]';
  const echo = opts.echo ?? true;
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors: string[] = [];
  const messages: string[] = [];
  const log = (line: string) => {
    if (echo) process.stdout.write(`${prefix} ${line}\n`);
  };
  page.on('console', (msg: ConsoleMessage) => {
    const line = `${msg.type()}: ${msg.text()}`;
    messages.push(line);
    if (msg.type() === 'error') errors.push(msg.text());
    log(line);
  });
  page.on('pageerror', (err: Error) => {
    const line = `pageerror: ${err.stack ?? err.message}`;
    errors.push(line);
    log(line);
  });
  page.on('response', (res) => {
    // Chromium's console only says "Failed to load resource: 404"; log which URL it was.
    if (res.status() >= 400) log(`http ${res.status()} ${res.request().method()} ${res.url()}`);
  });
  page.on('requestfailed', (req) => log(`requestfailed ${req.method()} ${req.url()}: ${req.failure()?.errorText ?? '?'}`));
  page.on('crash', () => {
    errors.push('page crashed');
    log('page crashed');
  });
  await page.goto(url, { waitUntil: 'load' });
  return { page, context, errors, messages, close: () => context.close() };
}

/**
 * Imports `modulePath` (served and TS-transformed by the Vite dev server, e.g.
 * "/tests/browser/pages/webgpu-smoke.ts") inside the page and calls its export `fn`
 * with JSON-serialisable `args`; resolves to the (structured-cloned) result.
 *
 * Passed to the page as a string on purpose: a `page.evaluate(async () => import(...))`
 * arrow gets its `import()` rewritten by Vitest's module runner before Playwright
 * serialises it, and then fails in the page.
 */
export async function callInPage<T = unknown>(page: Page, modulePath: string, fn: string, ...args: unknown[]): Promise<T> {
  const expr = `import(${JSON.stringify(modulePath)}).then((m) => {
    if (typeof m[${JSON.stringify(fn)}] !== 'function') throw new Error(${JSON.stringify(`${modulePath} has no export ${fn}`)});
    return m[${JSON.stringify(fn)}](...${JSON.stringify(args)});
  })`;
  return (await page.evaluate(expr)) as T;
}
