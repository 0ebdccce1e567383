/**
 * Write the static report: one self-contained index.html (inline CSS and SVG) plus the evidence
 * records it links to. The output folder is only ever replaced when it is empty or an earlier
 * report (it holds the marker file and nothing the workbench did not write); anything else is
 * refused, so `--out .` or `--out evidence` never deletes a thing.
 */
import { makeDirs } from '../util/makeDirs.js';
import {
  copyFileSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  writeFileSync,
  renameSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { InputError, errorLine } from '../errors.js';
import type { EvidenceRecord } from '../evidence/store.js';
import type { CatalogEntry } from '../models/catalog.js';
import type { Scorecard } from '../scorecard/scores.js';
import type { RefreshResult } from '../scorecard/refresh.js';
import { userFrameworkOf } from '../scorecard/refresh.js';
import { knownExports } from '../scorecard/known.js';
import type { ModelResult } from '../verify/verify.js';
import type { RegistryFile } from '../scorecard/model.js';
import { buildFindings, buildLatency, buildMatrix, compareLatency, runInfo, type ReportData } from './data.js';
import {
  categoryBarsSpec,
  latencySpec,
  overallComparisonSpec,
  radarSpec,
  renderVega,
  renderVegaLite,
} from './charts.js';
import { isNetwork, renderPage } from './html.js';
import { classifyFailure, resultCause } from '../diagnose/failure.js';
import { computeConformance } from '../suite/conformance.js';
import { suiteResults, suiteSkipped } from '../suite/records.js';

export interface ReportInput {
  outDir: string;
  records: EvidenceRecord[];
  /** Where each record's file is, to copy it into the site. */
  recordFiles: Map<string, string>;
  catalog: CatalogEntry[];
  registry: RegistryFile;
  scorecards: { published: Scorecard; corrected: Scorecard; refreshed: RefreshResult };
}

const SHORT: Record<string, string> = {
  support_community: 'Support & Community',
  api_internals: 'API',
  platform: 'Platform',
};

/** The file that marks a folder as a report this workbench wrote. */
export const REPORT_MARKER = '.onnx-workbench-report';
const REPORT_ENTRIES = new Set([REPORT_MARKER, 'index.html', 'records']);

/**
 * What `outDir` is: absent, an empty folder, or an earlier report (replaceable); anything else is
 * refused with one line naming it and what is in the way.
 */
export function checkReportDir(outDir: string): 'absent' | 'empty' | 'report' {
  let st;
  try {
    st = lstatSync(outDir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 'absent';
    throw new InputError(`${outDir}: cannot use as the report folder (${errorLine(e)})`);
  }
  if (!st.isDirectory())
    throw new InputError(
      `${outDir}: exists and is not a folder; refusing to replace it with a report (choose a new or empty folder)`,
    );
  const entries = readdirSync(outDir);
  if (entries.length === 0) return 'empty';
  if (!entries.includes(REPORT_MARKER)) {
    throw new InputError(
      `${outDir}: not empty and not an earlier onnx-workbench report (no ${REPORT_MARKER} marker); refusing to replace it (choose a new or empty folder)`,
    );
  }
  const foreign = entries.filter((e) => !REPORT_ENTRIES.has(e));
  let records: string[] = [];
  try {
    if (entries.includes('records')) records = readdirSync(join(outDir, 'records'));
  } catch {
    foreign.push('records');
  }
  foreign.push(
    ...records
      .filter((f) => !f.endsWith('.json') || !lstatSync(join(outDir, 'records', f)).isFile())
      .map((f) => `records/${f}`),
  );
  if (foreign.length) {
    throw new InputError(
      `${outDir}: an earlier report, but it also holds files the workbench did not write (${foreign.slice(0, 3).join(', ')}${foreign.length > 3 ? ', …' : ''}); refusing to replace it`,
    );
  }
  return 'report';
}

export function assemble(input: ReportInput): ReportData {
  // The same attribution as refresh: exports of known provenance under their catalog framework,
  // the user's own models in a row of their own ("chainer (user models)"), never mixed in.
  const known = knownExports(input.catalog);
  const userFramework = userFrameworkOf(input.registry);
  const frameworkOf = (r: ModelResult) => {
    const k = known.get(r.sha256);
    if (k && r.referenceKind !== 'user') return k.framework;
    const fw = userFramework(r);
    return fw ? `${fw} (user models)` : undefined;
  };
  // Suite cases (hundreds of one-op tests) have their own section: not in the matrix or latency rows.
  const curated = input.records.map((r) => ({ ...r, results: r.results.filter((x) => !x.suite) }));
  const latency = buildLatency(curated);
  return {
    generatedAt: new Date().toISOString(),
    // The classifier's line, or the manifest's recorded cause for an expected failure (as verify's summary).
    findings: buildFindings(curated, input.scorecards.refreshed, (r) => ({
      kind: r.status === 'no-reference' ? 'unchecked' : classifyFailure(r.reason ?? r.status, r.status).kind,
      line: resultCause(r, true),
    })),
    scorecards: input.scorecards,
    matrix: buildMatrix(
      curated,
      input.registry.frameworks.map((f) => f.id),
      frameworkOf,
    ),
    latency,
    latencyByModel: compareLatency(latency),
    conformance: computeConformance(suiteResults(input.records)),
    suiteSkipped: suiteSkipped(input.records),
    provenance: input.catalog.map((e) => e.manifest),
    runs: runInfo(input.records),
  };
}

export async function generateReport(input: ReportInput): Promise<{ dir: string; index: string; data: ReportData }> {
  checkReportDir(input.outDir); // refuse before any work
  const data = assemble(input);
  const { published, corrected, refreshed } = input.scorecards;
  const overallRows = [
    ...published.frameworks.map((f) => ({ framework: f.name, view: 'as published', overall: f.overall.score ?? 0 })),
    ...corrected.frameworks.map((f) => ({ framework: f.name, view: 'corrected', overall: f.overall.score ?? 0 })),
    ...refreshed.scorecard.frameworks.map((f) => ({
      framework: f.name,
      view: 'refreshed',
      overall: f.overall.score ?? 0,
    })),
  ];
  const radars: { title: string; svg: string }[] = [];
  const card = refreshed.scorecard;
  for (const t of [1, 2, 3] as const) {
    const members = card.frameworks.filter((f) => f.article.tier === t);
    const rows = members.flatMap((f) =>
      Object.entries(f.categories).map(([c, s]) => ({ framework: f.name, key: SHORT[c] ?? c, value: s.score ?? 0 })),
    );
    radars.push({ title: `Tier ${t}, refreshed`, svg: await renderVega(radarSpec(`Tier ${t} (refreshed)`, rows)) });
  }
  const networks = data.latency.filter((r) => isNetwork(r.model));
  const charts = {
    categoryBars: await renderVegaLite(
      categoryBarsSpec(refreshed.scorecard, `Categories and overall, refreshed (${refreshed.policy})`),
    ),
    overall: await renderVegaLite(
      overallComparisonSpec(
        overallRows,
        corrected.frameworks.map((f) => f.name),
      ),
    ),
    radars,
    latency: networks.length
      ? await renderVegaLite(latencySpec(networks, 'Latency per network and backend'))
      : '<p class="note">No latency in the evidence yet: run onnx-workbench verify or bench.</p>',
  };
  // Write into a fresh temporary folder, then swap it in: a failed run never leaves half a report,
  // and only an empty folder or an earlier report (checked, before and at the swap) is replaced.
  const outDir = input.outDir;
  checkReportDir(outDir);
  const parent = dirname(outDir);
  makeDirs(parent);
  const tmp = mkdtempSync(join(parent, `.${basename(outDir)}.tmp-`));
  try {
    mkdirSync(join(tmp, 'records'));
    for (const r of input.records) {
      const file = input.recordFiles.get(r.id);
      if (file) copyFileSync(file, join(tmp, 'records', `${r.id}.json`));
      else writeFileSync(join(tmp, 'records', `${r.id}.json`), JSON.stringify(r, null, 1));
    }
    writeFileSync(join(tmp, 'index.html'), renderPage(data, charts));
    writeFileSync(
      join(tmp, REPORT_MARKER),
      'This folder is a report written by onnx-workbench; `onnx-workbench report` may replace it.\n',
    );
    const state = checkReportDir(outDir);
    if (state === 'absent') renameSync(tmp, outDir);
    else {
      const old = mkdtempSync(join(parent, `.${basename(outDir)}.old-`));
      renameSync(outDir, join(old, 'report'));
      renameSync(tmp, outDir);
      rmSync(old, { recursive: true, force: true }); // an empty folder or our own earlier report, checked above
    }
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
  return { dir: input.outDir, index: join(input.outDir, 'index.html'), data };
}
