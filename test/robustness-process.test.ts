/**
 * Issue 8, processes: a verify run killed with SIGKILL at any moment leaves no partial evidence
 * record (only whole .json files that validate; `.tmp` leftovers are ignored by readers), two
 * concurrent runs into one evidence folder write two distinct valid records, and no backend worker
 * (`dist/isolation/worker.js`) outlives its run.
 *
 * Workers are found two ways: as children of the CLI process in `ps` while it runs, and by an
 * environment marker that every process of one test run inherits (read from /proc/<pid>/environ),
 * so workers of other test files never count.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { randomBytes } from 'node:crypto';
import { readEvidence, validateEvidence } from '../src/evidence/store.js';
import { cliPath, repoRoot } from './helpers/cli.js';

let root: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'owb-robust-proc-'));
});
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Run {
  child: ChildProcess;
  marker: string;
  stderr: string[];
  stdout: string;
  /** Resolves with the exit code (null when killed) and signal. */
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves on the first stderr line matching. */
  onLine(re: RegExp): Promise<string>;
}

function startVerify(args: string[], extraEnv: Record<string, string> = {}): Run {
  const marker = randomBytes(8).toString('hex');
  const env: Record<string, string | undefined> = {
    ...process.env,
    NO_COLOR: '1',
    OWB_ROBUSTNESS_MARK: marker,
    ...extraEnv,
  };
  delete env.NODE_OPTIONS;
  const child = spawn(process.execPath, [cliPath, 'verify', ...args], {
    cwd: repoRoot,
    env: env as NodeJS.ProcessEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const run: Run = {
    child,
    marker,
    stderr: [],
    stdout: '',
    done: new Promise((res) => child.on('close', (code, signal) => res({ code, signal }))),
    onLine: (re) =>
      new Promise((res) => {
        const check = () => {
          const l = run.stderr.find((x) => re.test(x));
          if (l !== undefined) {
            res(l);
            return true;
          }
          return false;
        };
        if (!check())
          child.stderr!.on('data', () => {
            check();
          });
      }),
  };
  let buf = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => {
    buf += d;
    const lines = buf.split('\n');
    buf = lines.pop()!;
    run.stderr.push(...lines);
  });
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    run.stdout += d;
  });
  return run;
}

/** Live processes (not zombies) whose environment holds the marker. */
function markedProcesses(marker: string): { pid: number; cmd: string }[] {
  const out: { pid: number; cmd: string }[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const env = readFileSync(`/proc/${entry}/environ`, 'latin1');
      if (!env.includes(`OWB_ROBUSTNESS_MARK=${marker}`)) continue;
      const cmd = readFileSync(`/proc/${entry}/cmdline`, 'latin1').replace(/\0/g, ' ').trim();
      out.push({ pid: Number(entry), cmd });
    } catch {
      /* gone, or not ours */
    }
  }
  return out;
}

/** Worker processes that are children of `ppid`, per ps. */
function workerChildren(ppid: number): number[] {
  const ps = execFileSync('ps', ['-e', '-o', 'pid=,ppid=,args='], { encoding: 'utf8' });
  return ps
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter((f) => Number(f[1]) === ppid && f.slice(2).join(' ').includes('dist/isolation/worker.js'))
    .map((f) => Number(f[0]));
}

function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) Z/.test(stat);
  } catch {
    return false;
  }
}

async function waitGone(marker: string, ms: number): Promise<{ pid: number; cmd: string }[]> {
  const until = Date.now() + ms;
  let left = markedProcesses(marker);
  while (left.length && Date.now() < until) {
    await sleep(100);
    left = markedProcesses(marker);
  }
  return left;
}

/** The evidence folder holds only whole, valid records (and dot-prefixed .tmp files); returns the records' paths. */
function checkEvidenceDir(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const files = readdirSync(dir);
  const records = files.filter((f) => f.endsWith('.json'));
  const others = files.filter((f) => !f.endsWith('.json'));
  for (const f of others) expect(f, `unexpected file ${f} in the evidence folder`).toMatch(/^\..*\.tmp$/);
  for (const f of records) {
    expect(f.startsWith('.'), `${f}: a dot-file with .json`).toBe(false);
    validateEvidence(JSON.parse(readFileSync(join(dir, f), 'utf8')), f);
  }
  const { records: read, rejected } = readEvidence(dir);
  expect(rejected).toEqual([]);
  expect(read).toHaveLength(records.length);
  return records.map((f) => join(dir, f));
}

describe('no worker outlives a verify run', () => {
  it('workers are children of the CLI while it runs, and gone when it exits', async () => {
    const run = startVerify(['cntk/mnist-8', 'pytorch/pytorch-operator', '--no-evidence', '--backend', 'cpu,wasm']);
    const seen = new Set<number>();
    let polling = true;
    const poll = (async () => {
      while (polling) {
        if (run.child.pid) for (const pid of workerChildren(run.child.pid)) seen.add(pid);
        await sleep(50);
      }
    })();
    const { code } = await run.done;
    polling = false;
    await poll;
    expect(code, run.stderr.join('\n')).toBe(0);
    expect(seen.size, 'no worker seen while the run went on').toBeGreaterThan(0);
    for (const pid of seen) expect(alive(pid), `worker ${pid} still alive after the run`).toBe(false);
    expect(markedProcesses(run.marker)).toEqual([]);
  });
});

describe('verify killed with SIGKILL leaves no partial record', () => {
  it('killed at many moments of a run (including while it writes evidence): only whole, valid records remain', async () => {
    const dir = join(root, 'killed');
    // A full run first: its duration spaces the kills, and it leaves one record.
    const t0 = Date.now();
    const models = ['pytorch/pytorch-converted', 'cntk/mnist-8'];
    const full = startVerify([...models, '--evidence-dir', dir]);
    expect((await full.done).code, full.stderr.slice(-5).join('\n')).toBe(0);
    const fullMs = Date.now() - t0;
    expect(checkEvidenceDir(dir)).toHaveLength(1);

    const markers: string[] = [];
    // Mid-run: after the first result, and at fractions of a full run.
    const early = startVerify([...models, '--evidence-dir', dir]);
    markers.push(early.marker);
    await early.onLine(/^\[1\//);
    early.child.kill('SIGKILL');
    expect((await early.done).signal).toBe('SIGKILL');
    for (const f of [0.5, 0.9]) {
      const r = startVerify([...models, '--evidence-dir', dir]);
      markers.push(r.marker);
      await sleep(fullMs * f);
      r.child.kill('SIGKILL');
      await r.done;
    }
    // Around the end: from the last result to the exit (workers closing, the record being written,
    // about 100-150 ms here), every 15 ms.
    for (const delay of [0, 15, 30, 45, 60, 75, 90, 105, 120, 135]) {
      const r = startVerify([...models, '--evidence-dir', dir]);
      markers.push(r.marker);
      await r.onLine(/^\[(\d+)\/\1\]/);
      if (delay) await sleep(delay);
      r.child.kill('SIGKILL');
      await r.done;
    }
    const records = checkEvidenceDir(dir);
    expect(records.length).toBeGreaterThanOrEqual(1);
    expect(new Set(records).size).toBe(records.length);
    // The workers of killed runs notice their parent is gone and exit.
    for (const m of markers) expect(await waitGone(m, 8000), 'processes of a killed run still alive').toEqual([]);
  });
});

describe('a command killed while its worker runs', () => {
  it('leaves no worker folder: the worker notices its parent is gone and removes its own folder', async () => {
    // A parent that starts one cpu worker, says where the worker's private folder is, and waits.
    const pool = pathToFileURL(join(repoRoot, 'dist', 'isolation', 'pool.js')).href;
    const script = `
      import { readlinkSync } from 'node:fs';
      const { isolatedBackends } = await import(${JSON.stringify(pool)});
      const [cpu] = isolatedBackends(['cpu'], { timeoutMs: 120000 });
      const a = await cpu.checkAvailable();
      console.log(JSON.stringify({ available: a.available, pid: cpu.workerPid, home: readlinkSync('/proc/' + cpu.workerPid + '/cwd') }));
      setInterval(() => {}, 1000);
    `;
    const env: Record<string, string | undefined> = { ...process.env };
    delete env.NODE_OPTIONS;
    const parent = spawn(process.execPath, ['--input-type=module', '-e', script], {
      cwd: repoRoot,
      env: env as NodeJS.ProcessEnv,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const line = await new Promise<string>((res) => {
      let out = '';
      parent.stdout!.setEncoding('utf8').on('data', (d: string) => {
        out += d;
        if (out.includes('\n')) res(out.split('\n')[0]!);
      });
    });
    const { available, pid, home } = JSON.parse(line) as { available: boolean; pid: number; home: string };
    expect(available).toBe(true);
    expect(existsSync(home)).toBe(true);
    parent.kill('SIGKILL');
    const until = Date.now() + 30_000;
    while (alive(pid) && Date.now() < until) await sleep(50);
    expect(alive(pid), 'the worker of a killed parent still runs').toBe(false);
    expect(existsSync(home), `${home} left behind`).toBe(false);
  });
});

describe('concurrent runs into one evidence folder', () => {
  it('write two distinct valid records', async () => {
    const dir = join(root, 'concurrent');
    const a = startVerify(['pytorch/pytorch-operator', '--evidence-dir', dir, '--json', '-q']);
    const b = startVerify(['pytorch/pytorch-operator', '--evidence-dir', dir, '--json', '-q']);
    const [ra, rb] = await Promise.all([a.done, b.done]);
    expect(ra.code, a.stderr.join('\n')).toBe(0);
    expect(rb.code, b.stderr.join('\n')).toBe(0);
    const pa = (JSON.parse(a.stdout) as { evidence: string }).evidence;
    const pb = (JSON.parse(b.stdout) as { evidence: string }).evidence;
    expect(pa).not.toBe(pb);
    const records = checkEvidenceDir(dir);
    expect(records.sort()).toEqual([pa, pb].sort());
    const ids = records.map((p) => (JSON.parse(readFileSync(p, 'utf8')) as { id: string }).id);
    expect(new Set(ids).size).toBe(2);
    expect(await waitGone(a.marker, 2000)).toEqual([]);
    expect(await waitGone(b.marker, 2000)).toEqual([]);
  });
});
