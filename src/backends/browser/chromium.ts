/**
 * Launching headless Chromium for the browser backends (playwright-core, no bundled browser):
 * which binary, which flags, and making sure no Chromium outlives the process.
 */
import { accessSync, constants as fsConstants, statSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { processTable } from '../../util/procfs.js';

export const DEFAULT_CHROMIUM_PATH = '/usr/bin/chromium';

/** `CHROME_PATH`, else Debian's `/usr/bin/chromium`. */
export function chromiumExecutablePath(): string {
  const fromEnv = process.env.CHROME_PATH;
  return fromEnv && fromEnv.trim() !== '' ? fromEnv : DEFAULT_CHROMIUM_PATH;
}

/** Undefined when `path` is an executable regular file, else why not. */
export function executableProblem(path: string): string | undefined {
  try {
    if (!statSync(path).isFile()) return `${path} is not a file`;
    accessSync(path, fsConstants.X_OK);
    return undefined;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return `Chromium not found at ${path}`;
    if (code === 'EACCES') return `${path} is not executable`;
    return `cannot use ${path}: ${(e as Error).message}`;
  }
}

/** Flags for every launch: quiet, offline, no first-run UI. (Playwright adds its own automation flags.) */
export const BASE_CHROMIUM_ARGS: readonly string[] = [
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

/** Extra flags from `ONNX_WORKBENCH_CHROMIUM_ARGS` (space separated), for experiments. */
export function extraChromiumArgsFromEnv(): string[] {
  const raw = process.env.ONNX_WORKBENCH_CHROMIUM_ARGS;
  return raw ? raw.split(/\s+/).filter(Boolean) : [];
}

// ---- no Chromium left behind -------------------------------------------------------------------

const livePids = new Set<number>();
let exitHandlerInstalled = false;

function killLiveBrowsers(): void {
  for (const pid of livePids) {
    try {
      // Playwright starts Chromium detached, as a process-group leader: kill the whole group.
      process.kill(-pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  livePids.clear();
}

function installExitHandler(): void {
  if (exitHandlerInstalled) return;
  exitHandlerInstalled = true;
  // Best-effort and synchronous. Playwright also kills its browsers on exit; this covers the rest.
  process.on('exit', killLiveBrowsers);
}

/** Direct children of this process whose command line says they are a Playwright-driven Chromium. */
function chromiumChildPids(): Set<number> {
  return new Set(
    processTable()
      .filter((p) => p.ppid === process.pid && p.cmdline.includes('--remote-debugging-pipe'))
      .map((p) => p.pid),
  );
}

export interface LaunchedChromium {
  browser: Browser;
  /** Process id of the browser process when it could be found (Linux), for the exit handler. */
  pid?: number;
  args: string[];
}

/** Launch headless Chromium with `args` (after the base flags). Throws playwright's launch error. */
export async function launchChromium(
  executablePath: string,
  args: readonly string[],
  timeoutMs: number,
): Promise<LaunchedChromium> {
  installExitHandler();
  const before = chromiumChildPids();
  const allArgs = [...BASE_CHROMIUM_ARGS, ...args, ...extraChromiumArgsFromEnv()];
  const browser = await chromium.launch({
    executablePath,
    headless: true,
    args: allArgs,
    timeout: Math.min(timeoutMs, 120_000),
  });
  let pid: number | undefined;
  for (const candidate of chromiumChildPids()) {
    if (!before.has(candidate) && !livePids.has(candidate)) {
      pid = candidate;
      break;
    }
  }
  if (pid !== undefined) {
    livePids.add(pid);
    const launchedPid = pid;
    browser.on('disconnected', () => livePids.delete(launchedPid));
  }
  return { browser, pid, args: allArgs };
}

/** Close a browser; if closing hangs or fails, kill its process group. Never throws. */
export async function closeChromium(launched: LaunchedChromium | undefined): Promise<void> {
  if (!launched) return;
  const { browser, pid } = launched;
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      browser.close(),
      new Promise<void>((_, reject) => {
        timer = setTimeout(() => reject(new Error('browser.close() timed out')), 15_000);
      }),
    ]);
  } catch {
    if (pid !== undefined) {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  } finally {
    if (timer) clearTimeout(timer);
    if (pid !== undefined) livePids.delete(pid);
  }
}
