/**
 * The live status line of long commands (verify, bench, bisect, backends): model, phase and seconds on
 * a terminal's stderr, redrawn every second; nothing of it in pipes, with --json or with --quiet.
 */
import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { StatusLine, commandStatusLine } from '../src/suite/progress.js';
import { cliPath, repoRoot, runCli } from './helpers/cli.js';

const run = promisify(execFile);

function fakeTty(columns = 60) {
  const writes: string[] = [];
  return { isTTY: true, columns, writes, write: (s: string) => (writes.push(s), true) };
}

describe('StatusLine', () => {
  it('draws the phase with its seconds and the total, cut to the terminal, and clears before results', () => {
    let now = 0;
    const tty = fakeTty(40);
    const s = new StatusLine(tty, true, () => now, 60_000);
    s.set('starting backends: cpu, wasm');
    expect(tty.writes.at(-1)).toBe('\r\x1b[2Kstarting backends: cpu, wasm  0s');
    now = 5_000;
    s.set('[1/2] cpu cntk/mnist-8: running');
    now = 7_000;
    expect(s.render()).toBe('[1/2] cpu cntk/mnist-8: running  2s, total 7s');
    s.log('[1/2] cpu cntk/mnist-8: pass\n');
    const after = tty.writes.slice(-3);
    expect(after[0]).toBe('\r\x1b[2K'); // the status line is cleared first
    expect(after[1]).toBe('[1/2] cpu cntk/mnist-8: pass\n');
    expect(after[2]!.length).toBeLessThanOrEqual('\r\x1b[2K'.length + 39); // redrawn below, within 40 columns
    expect(after[2]).toMatch(/…$/);
    s.stop();
    expect(tty.writes.at(-1)).toBe('\r\x1b[2K');
  });
  it('shows control characters from a model name as ?', () => {
    const tty = fakeTty(100);
    const s = new StatusLine(tty, true, () => 0, 60_000);
    s.set('cpu evil\x1b]0;title\x07: running');
    s.stop();
    expect(tty.writes[0]).toBe('\r\x1b[2Kcpu evil?]0;title?: running  0s');
  });
  it('is off (writes nothing, no timer) off a terminal and with --json, --format json/csv or --quiet', () => {
    const pipe = { ...fakeTty(), isTTY: false };
    for (const [stream, opts] of [
      [pipe, {}],
      [fakeTty(), { json: true }],
      [fakeTty(), { format: 'json' }],
      [fakeTty(), { format: 'csv' }],
      [fakeTty(), { quiet: true }],
    ] as const) {
      const s = commandStatusLine(opts, stream);
      expect(s.enabled).toBe(false);
      s.set('x');
      s.log('result\n');
      s.stop();
      expect(stream.writes.filter((w) => w.includes('\x1b'))).toEqual([]);
    }
    expect(commandStatusLine({}, fakeTty()).enabled).toBe(true);
  });
});

/** Run the CLI with stderr on a pseudo-terminal (100 columns), stdout a pipe. */
async function onTty(args: string[]) {
  const { stdout } = await run(
    'python3',
    [join(repoRoot, 'test/helpers/ptyRun.py'), process.execPath, cliPath, ...args],
    {
      cwd: repoRoot,
      env: { ...process.env, NO_COLOR: '1' },
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  return JSON.parse(stdout) as { code: number; stdout: string; stderr: string };
}

describe('commands on a terminal', () => {
  it('verify: phases and seconds on the terminal, results as lines above them; stdout (a pipe) clean', async () => {
    const r = await onTty(['verify', 'cntk/mnist-8', '--backend', 'cpu,wasm', '--no-evidence']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/\r\x1b\[2Kstarting backends: cpu, wasm {2}\d+s/);
    expect(r.stderr).toMatch(/\r\x1b\[2K\[2\/2\] wasm cntk\/mnist-8: running {2}\d+s/);
    expect(r.stderr).toMatch(/\[1\/2\] cpu cntk\/mnist-8: pass p50 [\d.]+ ms\r?\n/);
    expect(r.stderr.endsWith('\r\x1b[2K')).toBe(true); // cleared at the end
    expect(r.stdout).not.toContain('\x1b');
    expect(r.stdout).toMatch(/2 of 2 pass/);
  });
  it('bisect and backends show their phases on a terminal; --json shows none', async () => {
    const b = await onTty(['bisect', 'cntk/mnist-8', '--backend', 'wasm']);
    expect(b.stderr).toMatch(/bisect cntk\/mnist-8: starting backends: wasm, cpu {2}\d+s/);
    expect(b.stderr).toMatch(/bisect cntk\/mnist-8: running every intermediate output on wasm/);
    expect(b.stderr).toMatch(/bisect cntk\/mnist-8: comparing \d+ nodes/);
    const k = await onTty(['backends', '--backend', 'cpu']);
    expect(k.code).toBe(0);
    expect(k.stderr).toMatch(/starting and checking backend: cpu {2}\d+s/);
    const j = await onTty(['backends', '--backend', 'cpu', '--json']);
    expect(j.stderr).not.toContain('\x1b');
    expect(JSON.parse(j.stdout)[0].id).toBe('cpu');
  });
  it('path shows its phases on a terminal, its result lines above them', async () => {
    const r = await onTty(['path', '--from', 'cntk', '--backend', 'cpu,wasm', '--no-evidence']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/\r\x1b\[2Kstarting backends: cpu, wasm {2}\d+s/);
    expect(r.stderr).toMatch(/\r\x1b\[2K\[2\/2\] wasm cntk\/mnist-8: running {2}\d+s/);
    expect(r.stderr).toMatch(/\[1\/2\] cpu cntk\/mnist-8: pass\r?\n/);
    expect(r.stderr.endsWith('\r\x1b[2K')).toBe(true);
    expect(r.stdout).not.toContain('\x1b');
  });
  it('verify <root>: case n/N on the terminal, from the backends starting to the last case', async () => {
    const r = await onTty([
      'verify',
      '/usr/share/libonnx-testdata/data/node',
      '--filter',
      'test_ab?,test_ad?',
      '--backend',
      'cpu',
      '--no-evidence',
    ]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/\r\x1b\[2Kcase 0\/2 .*starting backends: cpu/);
    expect(r.stderr).toMatch(/\r\x1b\[2Kcase 2\/2 /);
    expect(r.stdout).not.toContain('\x1b');
  });
  it('writes no status line into a pipe', async () => {
    const r = await runCli(['verify', 'cntk/mnist-8', '--no-evidence']);
    expect(r.code).toBe(0);
    expect(r.stderr).not.toContain('\x1b');
    expect(r.stderr).toMatch(/\[1\/1\] cpu cntk\/mnist-8: pass/);
  });
});
