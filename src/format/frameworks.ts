/** The ONNX registry as a terminal table or JSON (for `onnx-workbench frameworks`). */
import { renderTable } from './table.js';
import { wrap } from './terminal.js';
import { stdoutContext, type RenderContext } from './terminal.js';
import type { FrameworkInfo, OnnxSide, RegistryFile } from '../scorecard/model.js';
import { levelName, type FrameworkGrade } from '../scorecard/levels.js';

export interface RegistryRow {
  id: string;
  name: string;
  export: string;
  import: string;
  producerNames: string;
  status: string;
}

function side(s: OnnxSide): string {
  if (s.level === 'none' || s.level === 'unknown') return s.level;
  return s.mechanism && s.mechanism !== 'unknown' ? `${s.level}: ${s.mechanism}` : s.level;
}

export function registryRows(registry: RegistryFile, frameworks: FrameworkInfo[]): RegistryRow[] {
  return registry.frameworks.map((e) => {
    const p = e.export.producerNames;
    return {
      id: e.id,
      name: frameworks.find((f) => f.id === e.id)?.name ?? e.id,
      export: side(e.export),
      import: side(e.import),
      producerNames: p === null ? '—' : p === 'unknown' ? 'unknown' : p.length ? p.join(', ') : '(empty)',
      status:
        e.status.since && e.status.since !== 'unknown' ? `${e.status.value} (since ${e.status.since})` : e.status.value,
    };
  });
}

/** What ran here for a framework: evidence level, exports, newest exporter version, backends. */
export interface VerifiedHere {
  level: number;
  levelName: string;
  exports: number;
  newestExporterVersion: string | null;
  backends: string[];
  userModels: number;
}

export function verifiedHere(g: FrameworkGrade | undefined): VerifiedHere {
  if (!g)
    return { level: 5, levelName: levelName(5), exports: 0, newestExporterVersion: null, backends: [], userModels: 0 };
  return {
    level: g.level,
    levelName: levelName(g.level),
    exports: g.exports.length,
    newestExporterVersion: g.exporterVersions.length ? g.exporterVersions[g.exporterVersions.length - 1]! : null,
    backends: g.backends,
    userModels: g.user.models.length,
  };
}

function verifiedCell(v: VerifiedHere): string {
  if (v.exports === 0) return `${v.levelName}${v.userModels ? ` (${v.userModels} user model(s), not counted)` : ''}`;
  return [
    v.levelName,
    `${v.exports} export(s)`,
    `exporter ${v.newestExporterVersion ?? '(no version written)'}`,
    ...(v.backends.length ? [v.backends.join(', ')] : []),
    ...(v.userModels ? [`+${v.userModels} user model(s), not counted`] : []),
  ].join('; ');
}

export function formatRegistryTable(
  registry: RegistryFile,
  frameworks: FrameworkInfo[],
  verified?: { byFramework: Map<string, FrameworkGrade>; from: string },
  ctx: RenderContext = stdoutContext(),
): string {
  const table = renderTable(
    [
      { header: 'framework', min: 10 },
      { header: 'export', flex: true, note: true, min: 12 },
      { header: 'import', flex: true, note: true, min: 12 },
      { header: 'producer_name', flex: true, min: 10 },
      { header: 'status', flex: true, min: 10 },
      ...(verified ? [{ header: 'verified here', flex: true, note: true, min: 14 }] : []),
    ],
    registryRows(registry, frameworks).map((r) => [
      r.name,
      r.export,
      r.import,
      r.producerNames,
      r.status,
      ...(verified ? [verifiedCell(verifiedHere(verified.byFramework.get(r.id)))] : []),
    ]),
    { width: ctx.width },
  );
  return [
    table,
    '',
    ...wrap(
      `ONNX capability checked ${registry.checked}; every claim has a source URL (onnx-workbench frameworks --json). Levels: built-in = in the framework's own package, community = a separate package.`,
      ctx.width,
      '  ',
    ),
    ...(verified
      ? wrap(
          `verified here: evidence level (1 exporter outputs, 2 independent reference, 3 runs and backends agree, 4 exports fail to load today, 5 documented only) from ${verified.from}; only bundled or zoo exports count.`,
          ctx.width,
          '  ',
        )
      : []),
  ].join('\n');
}

export function formatRegistryJson(
  registry: RegistryFile,
  verified?: { byFramework: Map<string, FrameworkGrade>; from: string },
): string {
  if (!verified) return JSON.stringify(registry, null, 2);
  const verifiedHereById = Object.fromEntries(
    registry.frameworks.map((e) => [e.id, verifiedHere(verified.byFramework.get(e.id))]),
  );
  return JSON.stringify({ ...registry, verifiedHere: { from: verified.from, frameworks: verifiedHereById } }, null, 2);
}
