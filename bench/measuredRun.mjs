/**
 * Run a Node child and read what it cost: wall time, CPU time and peak RSS (its own ru_maxrss,
 * written to stderr at exit by a `--require` hook, so nothing of this process is counted).
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Write the exit hook into `dir`; returns its path, for `runNode`. */
export function usageHook(dir) {
  const p = join(dir, 'usage.cjs');
  writeFileSync(
    p,
    "process.on('exit', () => { try { const u = process.resourceUsage(); require('fs').writeSync(2, '\\nOWB_USAGE ' + u.maxRSS + ' ' + (u.userCPUTime + u.systemCPUTime) + '\\n'); } catch {} });\n",
  );
  return p;
}

/**
 * Run `node --require hook ...argv`; wall ms, CPU ms, peak RSS bytes, stdout, stderr, status.
 * Without a hook (undefined) the child runs as it is, and CPU and peak RSS are undefined.
 */
export function runNode(hookPath, argv, env = {}) {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [...(hookPath ? ['--require', hookPath] : []), ...argv], {
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    env: { ...process.env, ORT_DISABLE_TELEMETRY: '1', ...env },
  });
  const wall = performance.now() - t0;
  const usage = [...r.stderr.matchAll(/OWB_USAGE (\d+) (\d+)/g)];
  const last = usage[usage.length - 1];
  return {
    wall,
    cpu: last ? Number(last[2]) / 1000 : undefined,
    peak: last ? Number(last[1]) * 1024 : undefined,
    stdout: r.stdout,
    stderr: r.stderr,
    status: r.status,
  };
}
