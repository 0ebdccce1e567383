/** The ONNX registry as a terminal table or JSON (for `onnx-workbench frameworks`). */
import { renderTable } from './table.js';
import { wrap } from './terminal.js';
import { stdoutContext, type RenderContext } from './terminal.js';
import type { FrameworkInfo, OnnxSide, RegistryFile } from '../scorecard/model.js';

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
      status: e.status.since && e.status.since !== 'unknown' ? `${e.status.value} (since ${e.status.since})` : e.status.value,
    };
  });
}

export function formatRegistryTable(registry: RegistryFile, frameworks: FrameworkInfo[], ctx: RenderContext = stdoutContext()): string {
  const table = renderTable([
    { header: 'framework', min: 10 }, { header: 'export', flex: true, note: true, min: 12 }, { header: 'import', flex: true, note: true, min: 12 },
    { header: 'producer_name', flex: true, min: 10 }, { header: 'status', flex: true, min: 10 },
  ], registryRows(registry, frameworks).map((r) => [r.name, r.export, r.import, r.producerNames, r.status]), { width: ctx.width });
  return [
    table, '',
    ...wrap(`ONNX capability checked ${registry.checked}; every claim has a source URL (onnx-workbench frameworks --json). Levels: built-in = in the framework's own package, community = a separate package.`, ctx.width, '  '),
  ].join('\n');
}

export function formatRegistryJson(registry: RegistryFile): string {
  return JSON.stringify(registry, null, 2);
}
