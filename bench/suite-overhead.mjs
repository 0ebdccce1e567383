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
 * --fixed N also runs, N times per backend, the same command filtered to one light case of the root
 * (the first prepared case that a --filter of its id selects alone): its wall time less its runtime
 * is what a run costs whatever its size (Node and worker start-up, the runtime's import, closing).
 * From that it prints the share the whole run would have if the fixed cost were its only harness,
 * and how much harness a case the issue's target (20% on cpu, wasm and webgpu, 35% on the browser
 * backends) leaves beyond it, against what a case costs now.
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
    /** Also time a one-case run this many times per backend: the cost every run pays whatever its size. */
    fixed: { type: 'string' },
  },
});
const cli = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'cli.js');
const sec = (ms) => `${(ms / 1000).toFixed(1)} s`;
const sec2 = (ms) => `${(ms / 1000).toFixed(2)} s`;
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
  if (cmd.some((a) => a.includes('chrom'))) {
    // Chromium's processes by their --type (renderer, gpu-process, utility: network service and the
    // like); the browser process has none. A zygote's child rewrites its command line as one
    // string with spaces (setproctitle), so the words are split on both.
    const words = cmd.flatMap((a) => a.split(' '));
    const type = words.find((a) => a.startsWith('--type='))?.slice('--type='.length);
    const sub = words.find((a) => a.startsWith('--utility-sub-type='))?.slice('--utility-sub-type='.length);
    return `chromium ${type ? (sub ? `${type} ${sub.split('.').pop()}` : type) : 'browser'}`;
  }
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
    // The kind from the latest sample that could read the command line (an exiting process's is
    // empty): a Chromium zygote's child becomes a renderer once it has rewritten its command line.
    for (const [pid, info] of processTree(root)) {
      const prev = last.get(pid);
      const seen = kindOf(pid, root, info.cmd);
      const kind = seen === 'other' && prev?.kind ? prev.kind : seen;
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

function runVerify(backend, { filter = values.filter, save = Boolean(values.save) } = {}) {
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
  if (filter) args.push('--filter', filter);
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
      if (save) {
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

/** What onnxruntime itself spent in a run's results for `backend` (see the top of this file), ms. */
function runtimeOf(run, backend) {
  let strict = 0;
  let release = 0;
  for (const r of run.results) {
    const l = r.backend === backend ? r.latency : undefined;
    if (!l) continue;
    strict += l.sessionCreateMs + l.firstRunMs + (l.warmupMs ?? 0) + (l.stats ? l.stats.mean * l.stats.n : 0);
    release += l.sessionReleaseMs ?? 0;
  }
  const yardstick = run.yardstick?.runtimeMs ?? 0;
  return { strict, release, yardstick, runtime: strict + release + yardstick };
}

/** The first prepared case that a --filter of its own id selects alone (a plain filter is a substring). */
function lightCase() {
  const ids = found.cases.map((c) => c.id);
  const ready = new Set(prepared.map((p) => p.target.id));
  return ids.find((id) => ready.has(id) && ids.filter((other) => other.includes(id)).length === 1);
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** --fixed: wall less runtime of a one-case run, median of `times` runs (ms), with the case's id. */
async function fixedCost(backend, times) {
  const id = lightCase();
  if (!id) throw new Error('--fixed: no prepared case of the root that a filter of its id selects alone');
  const costs = [];
  for (let i = 0; i < times; i++) {
    const { wall, run } = await runVerify(backend, { filter: id, save: false });
    costs.push(wall - runtimeOf(run, backend).runtime);
  }
  return { id, ms: median(costs), all: costs };
}

/** The issue's target per backend: the harness's share of the wall time at most this. */
const TARGET = (backend) => (backend.startsWith('browser-') ? 0.35 : 0.2);

const rows = [];
for (const backend of values.backend
  .split(',')
  .map((s) => s.trim())
  .filter(Boolean)) {
  process.stderr.write(`running ${backend} ...\n`);
  const { code, wall, run, cpu } = await runVerify(backend);
  const mine = run.results.filter((r) => r.backend === backend);
  const { strict, release, yardstick, runtime } = runtimeOf(run, backend);
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
  if (values.fixed) {
    const fixed = await fixedCost(backend, Math.max(1, Number(values.fixed)));
    const target = TARGET(backend);
    const n = Math.max(1, row.results);
    // The wall time the target allows at this runtime, and what it leaves a case beyond the fixed cost.
    const leftPerCase = (runtime / (1 - target) - runtime - fixed.ms) / n;
    const nowPerCase = (wall - runtime - fixed.ms) / n;
    row.fixed = { ...fixed, floor: fixed.ms / (runtime + fixed.ms), leftPerCase, nowPerCase, target };
    console.log(
      `${backend}: fixed cost ${sec2(fixed.ms)} (a one-case run, --filter ${fixed.id}: wall less runtime, median of ${fixed.all.length}: ${fixed.all.map((c) => sec2(c)).join(', ')}); with it as the only harness the share would be ${pct(row.fixed.floor)}; the ${pct(target)} target leaves ${leftPerCase.toFixed(2)} ms a case beyond it, against ${nowPerCase.toFixed(2)} ms now`,
    );
  }
}

console.log(
  '\n| backend | results | wall | runtime | of it release | of it cpu yardstick | harness share | strict share |',
);
console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
for (const r of rows)
  console.log(
    `| ${r.backend} | ${r.results} | ${sec(r.wall)} | ${sec(r.runtime)} | ${sec(r.release)} | ${sec(r.yardstick)} | ${pct(1 - r.runtime / r.wall)} | ${pct(1 - r.strict / r.wall)} |`,
  );

if (rows.some((r) => r.fixed)) {
  console.log(
    '\n| backend | fixed cost (one-case run) | share if it were the only harness | target | harness a case the target leaves | harness a case now |',
  );
  console.log('|---|---:|---:|---:|---:|---:|');
  for (const r of rows.filter((x) => x.fixed))
    console.log(
      `| ${r.backend} | ${sec2(r.fixed.ms)} | ${pct(r.fixed.floor)} | ${pct(r.fixed.target)} | ${r.fixed.leftPerCase.toFixed(2)} ms | ${r.fixed.nowPerCase.toFixed(2)} ms |`,
    );
}
