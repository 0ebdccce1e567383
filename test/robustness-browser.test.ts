/**
 * Interrupted browser runs leave no Chromium behind: the CLI killed with SIGKILL (its workers see
 * the IPC channel close and shut their browser down) or stopped with Ctrl-C (SIGINT: clean stop).
 */
import { describe, expect, it } from 'vitest';
import { spawn, execFileSync } from 'node:child_process';
import { cliPath, repoRoot } from './helpers/cli.js';

/** Process groups led by the CLI's direct children (the backend workers run detached, one group each). */
function workerGroups(cliPid: number): number[] {
  const out = execFileSync('ps', ['-eo', 'pid=,ppid=,pgid='], { encoding: 'utf8' });
  return out.trim().split('\n').map((l) => l.trim().split(/\s+/).map(Number))
    .filter(([, ppid]) => ppid === cliPid).map(([, , pgid]) => pgid!);
}

function aliveInGroups(groups: number[]): string[] {
  const out = execFileSync('ps', ['-eo', 'pgid=,stat=,cmd='], { encoding: 'utf8' });
  return out.trim().split('\n').map((l) => l.trim()).filter((l) => {
    const [pgid, stat] = l.split(/\s+/);
    return groups.includes(Number(pgid)) && !stat!.startsWith('Z');
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

async function interrupted(signal: NodeJS.Signals): Promise<{ code: number | null; left: string[] }> {
  const child = spawn(process.execPath, [cliPath, 'verify', 'caffe2', '--backend', 'browser-wasm', '--no-evidence', '-q'], { cwd: repoRoot, stdio: 'ignore' });
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  // Wait until the worker has a browser running.
  const groups = await waitFor(() => {
    const g = workerGroups(child.pid!);
    return g.length && aliveInGroups(g).some((l) => l.includes('chromium')) ? g : undefined;
  }, 60_000);
  expect(groups, 'a browser worker started').toBeDefined();
  child.kill(signal);
  const code = await exited;
  const left = await waitFor(() => (aliveInGroups(groups!).length === 0 ? [] : undefined), 20_000) ?? aliveInGroups(groups!);
  return { code, left };
}

describe('interrupted browser runs', () => {
  it('SIGKILL of the CLI leaves no Chromium or worker behind', async () => {
    const { left } = await interrupted('SIGKILL');
    expect(left).toEqual([]);
  });

  it('Ctrl-C stops cleanly (exit 130), closing the browser', async () => {
    const { code, left } = await interrupted('SIGINT');
    expect(code).toBe(130);
    expect(left).toEqual([]);
  });
});
