#!/usr/bin/env node
/**
 * The whole bundled suite: `verify` over every bundled model on every available backend (the
 * default verify plan, exactly what `onnx-workbench verify --backend all` does), in one run.
 * Prints progress on stderr and, at the end, the wall time per backend and in total. Asserts nothing.
 *
 *   node bench/suite.mjs [--backend all] [models...]
 *
 * Backends run one after another (cpu first: its outputs are the cross-backend yardstick); a
 * backend's time runs from its first model's start to its last model's result. Start-up is the time
 * to check and start every backend's worker (browsers included) before the first model.
 */
import { parseArgs } from 'node:util';
import { resolveTargets } from '../dist/models/catalog.js';
import { prepareTarget } from '../dist/verify/prepare.js';
import { verify } from '../dist/verify/verify.js';
import { parseBackends } from '../dist/commands/options.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { backend: { type: 'string', default: 'all' } },
});
const backends = parseBackends(values.backend);
const sec = (ms) => `${(ms / 1000).toFixed(1)} s`;

const t0 = performance.now();
const prepared = resolveTargets(positionals).map((t) => prepareTarget(t));
const tPrepared = performance.now();
process.stderr.write(
  `suite: ${prepared.length} models prepared in ${sec(tPrepared - t0)}; starting backends ${backends.join(', ')}\n`,
);

const per = new Map(); // backend -> { start, end, statuses: Map<status, n>, unexpected, slowest }
let firstStart;
const run = await verify(prepared, {
  backends,
  onEvent: (e) => {
    const now = performance.now();
    if (e.type === 'backend') {
      const s = e.status;
      const d = s.description;
      process.stderr.write(
        `backend ${s.id}: ${s.available ? `available (${d?.runtime} ${d?.runtimeVersion}, adapter ${d?.adapter.kind})` : `unavailable: ${s.reason}`}\n`,
      );
    } else if (e.type === 'start') {
      firstStart ??= now;
      const b = per.get(e.backend) ?? {
        start: now,
        end: now,
        statuses: new Map(),
        unexpected: 0,
        slowest: { model: '', ms: 0 },
        last: now,
      };
      b.last = now;
      per.set(e.backend, b);
    } else if (e.type === 'result') {
      const r = e.result;
      const b = per.get(r.backend);
      b.end = now;
      b.statuses.set(r.status, (b.statuses.get(r.status) ?? 0) + 1);
      if (!r.meetsExpectation) b.unexpected++;
      if (now - b.last > b.slowest.ms) b.slowest = { model: r.model, ms: now - b.last };
      process.stderr.write(
        `[${e.index}/${e.total}] ${sec(now - t0)} ${r.backend} ${r.model}: ${r.status}${r.meetsExpectation ? '' : ' (not as expected)'} ${sec(now - b.last)}\n`,
      );
    }
  },
});
const tEnd = performance.now();

console.log(
  `\nsuite: ${prepared.length} bundled models, ${run.results.length} results, machine ${run.machine.cpuCount} × ${run.machine.cpuModel}, node ${run.machine.node}`,
);
console.log(`prepare (load models, inputs, references): ${sec(tPrepared - t0)}`);
console.log(
  `backend start-up (all workers, before the first model): ${firstStart ? sec(firstStart - tPrepared) : '-'}`,
);
for (const [id, b] of per) {
  const status = run.backends.find((s) => s.id === id);
  const sw = status?.description?.adapter.kind === 'software' ? ' [software WebGPU, not GPU]' : '';
  const counts = [...b.statuses].map(([s, n]) => `${s} ${n}`).join(', ');
  console.log(
    `${id.padEnd(15)} ${sec(b.end - b.start).padStart(8)}  (${counts}; ${b.unexpected} not as expected; slowest ${b.slowest.model} ${sec(b.slowest.ms)})${sw}`,
  );
}
for (const s of run.backends.filter((x) => !x.available)) console.log(`${s.id.padEnd(15)} unavailable: ${s.reason}`);
console.log(`total wall time: ${sec(tEnd - t0)} (target under 2 minutes)`);
