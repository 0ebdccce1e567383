#!/usr/bin/env node
/**
 * The harness's share of a suite run: `onnx-workbench verify <root> --backend B` over a whole test
 * data root (default: Debian's libonnx-testdata node/, 932 cases), one process per backend, as a
 * user runs it. Per backend it prints the wall time and two shares:
 *
 *   harness share = 1 - runtime / wall, runtime = what onnxruntime itself spent, from the records:
 *     session creation + first run + warm-up + timed runs + session release, over every result,
 *     plus the cpu yardstick's runtime (cpu runs every case once to compare another backend with;
 *     the run records it as `yardstick`)
 *   strict share  = 1 - (session creation + first run + warm-up + timed runs of the reported
 *     results) / wall: the issue's formula, which counts release and the yardstick as harness
 *
 * Release is onnxruntime's own work (onnxruntime-node tears down the session's intra-op thread
 * pool there: 5-17 ms a session on a loaded 2-core machine), so the first share counts it as
 * runtime; both are printed so nothing is hidden. --warmup defaults to 0 (as the earlier numbers
 * in bench/README.md were taken); warm-up time is recorded now, so --warmup 3 (the CLI default)
 * is measured exactly too. It also times reading the root (discovery, model parse, validation,
 * hash, reference data) in this process. Asserts nothing.
 *
 * --cpu (Linux) also samples /proc every 50 ms for the CPU time of the run's processes (the
 * command, each worker, Chromium's processes; sampled, so a process that lives under 50 ms is
 * missed) and prints it with the cores it kept busy on average (CPU seconds / wall): a run near the
 * machine's core count is CPU-bound, and only less work, not more overlap, makes it faster. For
 * each worker it also prints its main thread's CPU and that of its other threads, the four busiest
 * named (on wasm those are V8's platform workers compiling onnxruntime-web's WASM; bench/README.md).
 *
 *   node bench/suite-overhead.mjs [--root DIR] [--backend cpu,wasm,...] [--filter PATTERN]
 *                                 [--iterations N] [--warmup N] [--threads N] [--save DIR] [--cpu]
 */
import { spawn } from 'node:child_process';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { discoverCases } from '../dist/suite/discover.js';
import { prepareCases } from '../dist/suite/prepareCases.js';

const { values } = parseArgs({
  options: {
    root: { type: 'string', default: '/usr/share/libonnx-testdata/data/node' },
    backend: { type: 'string', default: 'cpu,wasm,webgpu,browser-wasm,browser-webgpu' },
    filter: { type: 'string' },
    iterations: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '0' },
    /** Passed to verify --threads (intra-op threads on cpu/webgpu, WASM threads); name it when quoting numbers. */
    threads: { type: 'string' },
    /** Keep each backend's verify --json output here (DIR/<backend>.json). */
    save: { type: 'string' },
    /** Sample the CPU time of the run's processes from /proc (Linux). */
    cpu: { type: 'boolean', default: false },
  },
});
const cli = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'cli.js');
const sec = (ms) => `${(ms / 1000).toFixed(1)} s`;
const pct = (x) => `${(100 * x).toFixed(1)}%`;

// Reading the root: what every run pays before any backend starts.
const t0 = performance.now();
const found = discoverCases(values.root, values.filter);
const t1 = performance.now();
const { prepared, failures } = prepareCases(found.cases, { seed: 0 });
const t2 = performance.now();
console.log(
  `root ${values.root}${values.filter ? ` (--filter ${values.filter})` : ''}: ${found.cases.length} cases (${found.skipped.length} skipped); discovery ${sec(t1 - t0)}, reading models and data ${sec(t2 - t1)} (${prepared.length} prepared, ${failures.length} input errors)`,
);

const TICK_S = 0.01; // USER_HZ: /proc's clock ticks are 1/100 s on Linux

/** utime + stime (s), parent and what each process is, for every process below `root`. */
function processTree(root) {
  const all = new Map();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      all.set(Number(entry), { ppid: Number(f[1]), cpuS: (Number(f[11]) + Number(f[12])) * TICK_S, cmd });
    } catch {
      // gone meanwhile
    }
  }
  const below = new Map();
  const walk = (pid) => {
    for (const [p, info] of all) if (info.ppid === pid && !below.has(p)) (below.set(p, info), walk(p));
  };
  if (all.has(root)) below.set(root, all.get(root));
  walk(root);
  return below;
}

function kindOf(pid, root, cmd) {
  if (pid === root) return 'command';
  const w = cmd.findIndex((a) => a.endsWith('worker.js'));
  if (w >= 0) return `worker ${cmd[w + 1]}`;
  if (cmd.some((a) => a.includes('chrom'))) return 'chromium';
  return 'other';
}

/** CPU seconds of each thread of `pid` (by thread id), or undefined once it is gone. */
function threadCpu(pid) {
  try {
    const out = new Map();
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(Number(tid), (Number(f[11]) + Number(f[12])) * TICK_S);
    }
    return out;
  } catch {
    return undefined;
  }
}

/** Sample the CPU time of `root` and its descendants until stopped; the last value seen per process (and per worker thread). */
function sampleCpu(root) {
  const last = new Map();
  const take = () => {
    // The kind from the first sample that could read the command line (an exiting process's is empty).
    for (const [pid, info] of processTree(root)) {
      const prev = last.get(pid);
      const kind = prev?.kind && prev.kind !== 'other' ? prev.kind : kindOf(pid, root, info.cmd);
      // Per thread the last value seen; a thread that ends between samples counts in the process's total only.
      const now = kind.startsWith('worker ') ? threadCpu(pid) : undefined;
      const threads = now ? new Map([...(prev?.threads ?? []), ...now]) : prev?.threads;
      last.set(pid, { kind, cpuS: info.cpuS, threads });
    }
  };
  const timer = setInterval(take, 50);
  take();
  return () => {
    clearInterval(timer);
    const byKind = {};
    const processes = {};
    /** Per worker kind: main threads' CPU and every other thread's. */
    const threads = {};
    for (const [pid, { kind, cpuS, threads: t }] of last) {
      byKind[kind] = (byKind[kind] ?? 0) + cpuS;
      processes[kind] = (processes[kind] ?? 0) + 1;
      if (!t) continue;
      const k = (threads[kind] ??= { main: 0, rest: 0, others: [] });
      const main = t.get(pid) ?? 0;
      k.main += main;
      k.rest += cpuS - main;
      for (const [tid, c] of t) if (tid !== pid) k.others.push(c);
    }
    return { byKind, processes, threads };
  };
}

function runVerify(backend) {
  const args = [
    cli,
    'verify',
    values.root,
    '--backend',
    backend,
    '--json',
    '--no-evidence',
    '--warmup',
    values.warmup,
    '--iterations',
    values.iterations,
  ];
  if (values.filter) args.push('--filter', values.filter);
  if (values.threads) args.push('--threads', values.threads);
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, args, {
      env: { ...process.env, ORT_DISABLE_TELEMETRY: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d) => {
      out += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d) => {
      err += d;
    });
    const stopSampling = values.cpu && child.pid !== undefined ? sampleCpu(child.pid) : undefined;
    child.on('error', reject);
    child.on('exit', () => {
      cpuTaken = stopSampling?.();
    });
    let cpuTaken;
    child.on('close', (code) => {
      const wall = performance.now() - started;
      if (values.save) {
        mkdirSync(values.save, { recursive: true });
        writeFileSync(join(values.save, `${backend}.json`), out);
      }
      try {
        resolve({ code, wall, run: JSON.parse(out), cpu: cpuTaken });
      } catch {
        reject(new Error(`${backend}: exit ${code}, no JSON: ${err.slice(-500)}`));
      }
    });
  });
}

const rows = [];
for (const backend of values.backend
  .split(',')
  .map((s) => s.trim())
  .filter(Boolean)) {
  process.stderr.write(`running ${backend} ...\n`);
  const { code, wall, run, cpu } = await runVerify(backend);
  const mine = run.results.filter((r) => r.backend === backend);
  let strict = 0;
  let release = 0;
  for (const r of mine) {
    const l = r.latency;
    if (!l) continue;
    strict += l.sessionCreateMs + l.firstRunMs + (l.warmupMs ?? 0) + (l.stats ? l.stats.mean * l.stats.n : 0);
    release += l.sessionReleaseMs ?? 0;
  }
  const yardstick = run.yardstick?.runtimeMs ?? 0;
  const runtime = strict + release + yardstick;
  const counts = {};
  for (const r of mine) counts[r.status] = (counts[r.status] ?? 0) + 1;
  const b = run.backends.find((x) => x.id === backend);
  rows.push({
    backend,
    code,
    wall,
    runtime,
    strict,
    release,
    yardstick,
    results: mine.length,
    counts,
    adapter: b?.description?.adapter?.kind ?? (b?.available ? '?' : `unavailable: ${b?.reason}`),
  });
  if (cpu) {
    const total = Object.values(cpu.byKind).reduce((a, b) => a + b, 0);
    console.log(
      `${backend}: CPU ${total.toFixed(1)} s over ${sec(wall)} = ${(total / (wall / 1000)).toFixed(2)} of ${cpus().length} cores busy on average; ${Object.entries(
        cpu.byKind,
      )
        .sort((a, b) => b[1] - a[1])
        .map(([k, v]) => `${k} ${v.toFixed(1)} s (${cpu.processes[k]} process${cpu.processes[k] > 1 ? 'es' : ''})`)
        .join(', ')}`,
    );
    for (const [kind, t] of Object.entries(cpu.threads)) {
      const others = t.others.sort((a, b) => b - a);
      console.log(
        `${backend}: ${kind}: main thread ${t.main.toFixed(1)} s, other threads ${t.rest.toFixed(1)} s (the busiest seen: ${others
          .slice(0, 4)
          .map((c) => c.toFixed(1))
          .join(', ')} s)`,
      );
    }
  }
  const row = rows.at(-1);
  console.log(
    `${backend}: wall ${sec(wall)}, runtime ${sec(runtime)} (release ${sec(release)}, cpu yardstick ${sec(yardstick)}), harness share ${pct(1 - runtime / wall)}, strict ${pct(1 - strict / wall)}; ${row.results} results (${Object.entries(
      counts,
    )
      .map(([s, n]) => `${n} ${s}`)
      .join(', ')}); adapter ${row.adapter}; exit ${code}`,
  );
}

console.log(
  '\n| backend | results | wall | runtime | of it release | of it cpu yardstick | harness share | strict share |',
);
console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
for (const r of rows)
  console.log(
    `| ${r.backend} | ${r.results} | ${sec(r.wall)} | ${sec(r.runtime)} | ${sec(r.release)} | ${sec(r.yardstick)} | ${pct(1 - r.runtime / r.wall)} | ${pct(1 - r.strict / r.wall)} |`,
  );
