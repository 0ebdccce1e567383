/**
 * Interrupted browser runs leave no Chromium behind: the CLI killed with SIGKILL (its workers see
 * the IPC channel close and shut their browser down) or stopped with Ctrl-C (SIGINT: clean stop).
 */
import { describe, expect, it } from 'vitest';
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, readlinkSync } from 'node:fs';
import { basename } from 'node:path';
import { cliPath, repoRoot } from './helpers/cli.js';

/**
 * Every descendant of the CLI (its backend workers, their Chromium and its helpers), by parent pid:
 * a worker runs in a process group of its own and Playwright starts Chromium in yet another one.
 */
function descendants(rootPid: number): number[] {
  const out = execFileSync('ps', ['-eo', 'pid=,ppid='], { encoding: 'utf8' });
  const rows = out
    .trim()
    .split('\n')
    .map((l) => l.trim().split(/\s+/).map(Number));
  const found = new Set<number>([rootPid]);
  for (let grew = true; grew;) {
    grew = false;
    for (const [pid, ppid] of rows)
      if (found.has(ppid!) && !found.has(pid!)) {
        found.add(pid!);
        grew = true;
      }
  }
  found.delete(rootPid);
  return [...found];
}

/** Those of `pids` still alive (not zombies), with their command lines. */
function alive(pids: number[]): string[] {
  const out = execFileSync('ps', ['-eo', 'pid=,stat=,cmd='], { encoding: 'utf8' });
  return out
    .trim()
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => {
      const [pid, stat] = l.split(/\s+/);
      return pids.includes(Number(pid)) && !stat!.startsWith('Z');
    });
}

async function waitFor<T>(fn: () => T | undefined, ms: number): Promise<T | undefined> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const v = fn();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 200));
  }
  return undefined;
}

/** The private folders (their working directories) of the workers among `pids`. */
function workerFolders(pids: number[]): string[] {
  return pids.flatMap((pid) => {
    try {
      const cwd = readlinkSync(`/proc/${pid}/cwd`);
      return basename(cwd).startsWith('onnx-workbench-') ? [cwd] : [];
    } catch {
      return [];
    }
  });
}

async function interrupted(
  signal: NodeJS.Signals,
): Promise<{ code: number | null; left: string[]; folders: string[] }> {
  const child = spawn(
    process.execPath,
    [cliPath, 'verify', 'caffe2', '--backend', 'browser-wasm', '--no-evidence', '-q'],
    { cwd: repoRoot, stdio: 'ignore' },
  );
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  // Wait until the worker has a browser running.
  const pids = await waitFor(() => {
    const d = descendants(child.pid!);
    return alive(d).some((l) => l.includes('chromium')) ? d : undefined;
  }, 300_000);
  expect(pids, 'a browser worker started').toBeDefined();
  const folders = workerFolders(pids!);
  expect(folders.length, 'the workers run in private folders').toBeGreaterThan(0);
  child.kill(signal);
  const code = await exited;
  const left = (await waitFor(() => (alive(pids!).length === 0 ? [] : undefined), 60_000)) ?? alive(pids!);
  return { code, left, folders };
}

describe('interrupted browser runs', () => {
  it('SIGKILL of the CLI leaves no Chromium or worker behind', async () => {
    const { left, folders } = await interrupted('SIGKILL');
    expect(left).toEqual([]);
    // Orphaned, each worker still closes its browser and removes its folder (a reply into the dead
    // channel used to throw, ending the browser worker before it closed Chromium: its folder stayed).
    expect(folders.filter((f) => existsSync(f))).toEqual([]);
  });

  it('Ctrl-C stops cleanly (exit 130), closing the browser', async () => {
    const { code, left, folders } = await interrupted('SIGINT');
    expect(code).toBe(130);
    expect(left).toEqual([]);
    expect(folders.filter((f) => existsSync(f))).toEqual([]);
  });
});
