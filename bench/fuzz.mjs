#!/usr/bin/env node
/**
 * Seeded fuzz sweep over the bundled models (needs a build: it imports dist/).
 *
 *   node bench/fuzz.mjs [--cases 1000] [--seed 1] [--start 0] [--batch 40] [--no-verify]
 *                       [--case-timeout 60] [--verify-timeout 20] [--max-elements 16777216] [--json]
 *   node bench/fuzz.mjs --seed 1 --case 417 [--keep]     # one case, in this process, in detail
 *   node bench/fuzz.mjs --cases 60 --simulate-hang 12 --simulate-exit 30 --case-timeout 5   # harness self-check
 *
 * Each case mutates one bundled model (see bench/fuzzCases.mjs) and runs what `inspect` runs
 * (loadModel + summarize), then what `verify` runs (prepareTarget, then verify on the cpu backend,
 * whose onnxruntime lives in a worker process). It counts:
 *   crashes  an exception that is not a WorkbenchError escaping our code, a multi-line error,
 *            a verify that throws or loses a case, or the sweep's own process dying;
 *   hangs    a case that makes no progress within --case-timeout (the sweep process is killed
 *            and restarted after that case);
 * and, for everything else, the kinds of refusals and verify statuses. Cases run in a child
 * process so that a hang or a crash of our own code is observed rather than suffered.
 * Exit status 1 when there is a crash or a hang.
 */
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values: opts } = parseArgs({
  options: {
    cases: { type: 'string', default: '1000' },
    seed: { type: 'string', default: '1' },
    start: { type: 'string', default: '0' },
    batch: { type: 'string', default: '40' },
    'case-timeout': { type: 'string', default: '60' },
    'verify-timeout': { type: 'string', default: '20' },
    'max-elements': { type: 'string', default: String(16 * 1024 * 1024) },
    'no-verify': { type: 'boolean', default: false },
    case: { type: 'string' },
    keep: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
    child: { type: 'boolean', default: false },
    verbose: { type: 'boolean', short: 'v', default: false },
    examples: { type: 'boolean', default: false },
    // Self-checks of the harness: make the child spin forever, or die, at case I.
    'simulate-hang': { type: 'string' },
    'simulate-exit': { type: 'string' },
  },
});
const num = (name) => {
  const v = Number(opts[name]);
  if (!Number.isFinite(v) || v < 0) {
    console.error(`fuzz: --${name} must be a non-negative number`);
    process.exit(2);
  }
  return v;
};
process.env.ONNX_WORKBENCH_MAX_ELEMENTS ??= String(num('max-elements'));
const caseId = (i) => `fuzz/case-${i}`;

if (opts.child) await child();
else if (opts.case !== undefined) await single(num('case'));
else await parent();

/** The child: runs the cases it is sent, reporting each step to the parent. */
async function child() {
  const fc = await import('./fuzzCases.mjs');
  const seeds = fc.loadSeeds();
  const send = (m) => new Promise((res) => process.send(m, res));
  process.on('message', async (job) => {
    const { seed, from, to, root, verify: doVerify, verifyTimeoutMs, keep } = job;
    const prepared = [];
    const dirs = [];
    for (let i = from; i < to; i++) {
      await send({ type: 'step', index: i, phase: 'inspect' });
      const t0 = performance.now();
      const c = fc.makeCase(seeds, seed, i);
      await send({ type: 'case', index: i, seedModel: c.seedModel, mutation: c.mutation, detail: c.detail });
      if (String(i) === opts['simulate-hang']) for (;;);
      if (String(i) === opts['simulate-exit']) process.exit(3);
      const dir = join(root, `case-${i}`);
      dirs.push(dir);
      const modelPath = fc.materializeCase(c, dir);
      const r = fc.inspectCase(modelPath, caseId(i));
      if (r.prepared) prepared.push(r.prepared);
      await send({
        type: 'inspected',
        index: i,
        seedModel: c.seedModel,
        mutation: c.mutation,
        detail: c.detail,
        stage: r.stage,
        outcome: r.outcome,
        kind: r.kind,
        message: r.message ?? '',
        ms: performance.now() - t0,
      });
    }
    if (doVerify && prepared.length) {
      await send({ type: 'step', index: Number(prepared[0].target.id.split('-').pop()), phase: 'verify-start' });
      const started = new Map();
      const took = new Map();
      const results = await fc.verifyCases(prepared, {
        timeoutMs: verifyTimeoutMs,
        onEvent: (e) => {
          if (e.type === 'start') {
            const index = Number(e.model.split('-').pop());
            started.set(index, performance.now());
            process.send({ type: 'step', index, phase: 'verify' });
          } else if (e.type === 'result') {
            const index = Number(e.result.model.split('-').pop());
            took.set(index, performance.now() - (started.get(index) ?? performance.now()));
          }
        },
      });
      for (const [id, res] of results) {
        const index = Number(id.split('-').pop());
        await send({
          type: 'verified',
          index,
          outcome: res.outcome,
          kind: fc.resultKind(res),
          reason: res.reason,
          ms: took.get(index) ?? 0,
        });
      }
    }
    if (!keep) for (const d of dirs) rmSync(d, { recursive: true, force: true });
    await send({ type: 'done' });
  });
  await send({ type: 'ready' });
}

/** One case in this process, printed in detail. */
async function single(index) {
  const fc = await import('./fuzzCases.mjs');
  const seed = num('seed');
  const c = fc.makeCase(fc.loadSeeds(), seed, index);
  const root = mkdtempSync(join(tmpdir(), 'owb-fuzz-'));
  const path = fc.materializeCase(c, join(root, `case-${index}`));
  console.log(`case ${index} (seed ${seed}): ${c.seedModel} ${c.mutation}: ${c.detail}`);
  console.log(`files: ${path}${c.files.length ? `, ${c.files.map((f) => f.name).join(', ')}` : ''}`);
  const r = fc.inspectCase(path, caseId(index));
  console.log(`${r.stage}: ${r.outcome} (${r.kind})${r.message ? `: ${r.message}` : ''}`);
  if (r.prepared && !opts['no-verify']) {
    const res = (await fc.verifyCases([r.prepared], { timeoutMs: num('verify-timeout') * 1000 })).get(caseId(index));
    console.log(`verify: ${res.outcome} ${fc.resultKind(res)}${res.reason ? `: ${res.reason}` : ''}`);
  }
  if (opts.keep) console.log(`kept: ${root}`);
  else rmSync(root, { recursive: true, force: true });
}

async function parent() {
  const seed = num('seed');
  const start = num('start');
  const total = num('cases');
  const end = start + total;
  const batch = Math.max(1, num('batch'));
  const caseTimeoutMs = num('case-timeout') * 1000;
  const root = mkdtempSync(join(tmpdir(), 'owb-fuzz-'));
  const t0 = performance.now();
  const cases = new Map(); // index -> record
  const crashes = [];
  const hangs = [];
  const rec = (i) => cases.get(i) ?? cases.set(i, { index: i }).get(i);
  const log = (s) => {
    if (!opts.json) process.stderr.write(`${s}\n`);
  };

  let next = start;
  while (next < end) {
    // One child per stretch of cases; a hang or a death ends the stretch after the case at fault.
    const outcome = await new Promise((resolve) => {
      const simulate = ['simulate-hang', 'simulate-exit'].flatMap((k) =>
        opts[k] !== undefined ? [`--${k}`, opts[k]] : [],
      );
      const child = fork(fileURLToPath(import.meta.url), ['--child', ...simulate], {
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
        env: process.env,
      });
      let current = { index: next, phase: 'start' };
      let timer;
      let finished = false;
      let from = next;
      const arm = () => {
        clearTimeout(timer);
        timer = setTimeout(() => {
          finished = true;
          hangs.push({ ...current, ...caseInfo(current.index) });
          log(`HANG case ${current.index} (${current.phase}) ${describe(current.index)}`);
          child.kill('SIGKILL');
          resolve({ resumeAt: current.index + 1 });
        }, caseTimeoutMs);
      };
      const sendBatch = () => {
        const to = Math.min(end, from + batch);
        child.send({
          seed,
          from,
          to,
          root,
          verify: !opts['no-verify'],
          verifyTimeoutMs: num('verify-timeout') * 1000,
          keep: opts.keep,
        });
        from = to;
      };
      child.on('message', (m) => {
        if (finished) return;
        arm();
        if (m.type === 'ready') sendBatch();
        else if (m.type === 'step') current = { index: m.index, phase: m.phase };
        else if (m.type === 'case')
          Object.assign(rec(m.index), { seedModel: m.seedModel, mutation: m.mutation, detail: m.detail });
        else if (m.type === 'inspected') {
          Object.assign(rec(m.index), {
            seedModel: m.seedModel,
            mutation: m.mutation,
            detail: m.detail,
            stage: m.stage,
            outcome: m.outcome,
            kind: m.kind,
            message: m.message,
            ms: m.ms,
          });
          if (m.outcome === 'crash') {
            crashes.push({ index: m.index, where: m.stage, kind: m.kind, message: m.message, ...caseInfo(m.index) });
            log(`CRASH case ${m.index} (${m.stage}) ${describe(m.index)}: ${m.message}`);
          }
          if (opts.verbose) log(`${m.index} ${m.mutation} ${m.outcome} ${m.kind}`);
        } else if (m.type === 'verified') {
          Object.assign(rec(m.index), { verify: m.kind, verifyReason: m.reason, verifyMs: m.ms });
          if (m.outcome === 'crash') {
            crashes.push({ index: m.index, where: 'verify', kind: m.kind, message: m.reason, ...caseInfo(m.index) });
            log(`CRASH case ${m.index} (verify) ${describe(m.index)}: ${m.reason}`);
          }
        } else if (m.type === 'done') {
          const doneCount = [...cases.values()].filter((c) => c.outcome && c.index >= start && c.index < from).length;
          log(
            `fuzz: ${doneCount}/${total} cases, ${crashes.length} crash(es), ${hangs.length} hang(s), ${((performance.now() - t0) / 1000).toFixed(0)} s`,
          );
          if (from >= end) {
            finished = true;
            clearTimeout(timer);
            child.disconnect();
            resolve({ resumeAt: end });
          } else sendBatch();
        }
      });
      child.on('exit', (code, signal) => {
        clearTimeout(timer);
        if (finished) return;
        finished = true;
        if (current.phase === 'start') {
          console.error(`fuzz: the sweep process failed to start (exit ${code ?? signal}); see its stderr above`);
          rmSync(root, { recursive: true, force: true });
          process.exit(2);
        }
        crashes.push({
          index: current.index,
          where: current.phase,
          kind: 'sweep-process-died',
          message: `exit ${code ?? signal}`,
          ...caseInfo(current.index),
        });
        log(`CRASH case ${current.index}: the sweep process died (${code ?? signal})`);
        resolve({ resumeAt: current.index + 1 });
      });
      arm();
    });
    next = outcome.resumeAt;
  }
  if (!opts.keep) rmSync(root, { recursive: true, force: true });

  function examples(list) {
    const seen = new Map();
    for (const c of list) {
      if (c.outcome === 'refused' && !seen.has(`${c.stage}: ${c.kind}`))
        seen.set(`${c.stage}: ${c.kind}`, `${c.message}`);
      if (c.verify && !seen.has(`verify: ${c.verify}`)) seen.set(`verify: ${c.verify}`, `${c.verifyReason}`);
    }
    return [...seen].map(([k, m]) => `  ${k}\n    ${m.slice(0, 400)}`);
  }
  function caseInfo(i) {
    const c = cases.get(i);
    return c ? { seedModel: c.seedModel, mutation: c.mutation, detail: c.detail } : {};
  }
  function describe(i) {
    const c = cases.get(i);
    return c ? `[${c.seedModel} ${c.mutation}: ${c.detail}]` : '';
  }

  const all = [...cases.values()].filter((c) => c.outcome);
  const count = (xs, key) =>
    Object.entries(
      xs.reduce((m, x) => {
        const k = key(x);
        m[k] = (m[k] ?? 0) + 1;
        return m;
      }, {}),
    ).sort((a, b) => b[1] - a[1]);
  const summary = {
    seed,
    start,
    cases: all.length,
    seedModels: new Set(all.map((c) => c.seedModel)).size,
    maxElements: Number(process.env.ONNX_WORKBENCH_MAX_ELEMENTS),
    crashes,
    hangs,
    inspect: Object.fromEntries(count(all, (c) => c.outcome)),
    refusals: Object.fromEntries(
      count(
        all.filter((c) => c.outcome === 'refused'),
        (c) => `${c.stage}: ${c.kind}`,
      ),
    ),
    verify: Object.fromEntries(
      count(
        all.filter((c) => c.verify),
        (c) => c.verify,
      ),
    ),
    mutations: Object.fromEntries(
      count(all, (c) => c.mutation.split('+')[0]).map(([m, n]) => [
        m,
        {
          cases: n,
          refused: all.filter((c) => c.mutation.split('+')[0] === m && c.outcome === 'refused').length,
          verified: all.filter((c) => c.mutation.split('+')[0] === m && c.verify).length,
        },
      ]),
    ),
    slowest: all
      .map((c) => ({
        index: c.index,
        ms: Math.round((c.ms ?? 0) + (c.verifyMs ?? 0)),
        what: `${c.seedModel} ${c.mutation}: ${c.detail}`,
      }))
      .sort((a, b) => b.ms - a.ms)
      .slice(0, 5),
    wallSeconds: Math.round((performance.now() - t0) / 100) / 10,
    ...(opts.verbose ? { all } : {}),
  };
  if (opts.json) {
    console.log(JSON.stringify(summary, null, 1));
  } else {
    const table = (entries) => entries.map(([k, v]) => `  ${String(v).padStart(5)}  ${k}`).join('\n');
    console.log(
      [
        `fuzz sweep: seed ${seed}, cases ${start}..${end - 1}: ${summary.cases} cases over ${summary.seedModels} bundled models, element limit ${summary.maxElements}, ${summary.wallSeconds} s`,
        `crashes: ${crashes.length}`,
        ...crashes.map(
          (c) =>
            `  case ${c.index} (${c.where}) ${c.seedModel} ${c.mutation}: ${c.detail}\n    ${c.kind}: ${c.message}`,
        ),
        `hangs: ${hangs.length}`,
        ...hangs.map(
          (h) => `  case ${h.index} (${h.phase}) ${h.seedModel ?? ''} ${h.mutation ?? ''}: ${h.detail ?? ''}`,
        ),
        `inspect + prepare outcomes:`,
        table(Object.entries(summary.inspect)),
        `refusals by kind (stage: kind):`,
        table(Object.entries(summary.refusals)),
        `verify (cpu) results for cases that loaded:`,
        table(Object.entries(summary.verify)),
        `mutations (cases / refused / verified):`,
        ...Object.entries(summary.mutations).map(
          ([m, s]) =>
            `  ${m.padEnd(20)} ${String(s.cases).padStart(5)} ${String(s.refused).padStart(5)} ${String(s.verified).padStart(5)}`,
        ),
        ...(opts.examples ? [`one message per kind:`, ...examples(all)] : []),
        `slowest cases:`,
        ...summary.slowest.map((s) => `  ${String(s.ms).padStart(6)} ms  case ${s.index}: ${s.what}`),
        `reproduce one: node bench/fuzz.mjs --seed ${seed} --case N`,
      ].join('\n'),
    );
  }
  process.exitCode = crashes.length || hangs.length ? 1 : 0;
}
