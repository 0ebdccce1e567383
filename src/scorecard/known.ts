/**
 * Exports of known provenance: the bundled catalog (a manifest with source, licence and reference
 * per file) and the curated zoo list (the zoo's files by sha256). Evidence levels count only these.
 */
import { loadCatalog, type CatalogEntry } from '../models/catalog.js';
import { loadCurated, type ZooEntry } from '../zoo/catalog.js';
import type { KnownExport, KnownExports } from './levels.js';

export function knownFromCatalog(catalog: CatalogEntry[]): KnownExport[] {
  return catalog
    .filter((e) => !e.manifest.id.startsWith('zoo/'))
    .map(({ manifest: m }) => ({
      sha256: m.sha256,
      id: m.id,
      framework: m.framework,
      origin: 'bundled' as const,
      referenceKind: m.reference.kind,
      exporterVersion:
        m.provenance?.exporterVersion && m.provenance.exporterVersion !== 'unknown'
          ? m.provenance.exporterVersion
          : null,
      exportDate: m.provenance?.exported ?? (m.provenance?.committed ? `by ${m.provenance.committed}` : null),
    }));
}

export function knownFromZoo(entries: ZooEntry[]): KnownExport[] {
  return entries
    .filter((e) => e.framework)
    .map((e) => ({
      sha256: e.onnx.sha256,
      id: `zoo/${e.name}`,
      framework: e.framework!,
      origin: 'zoo' as const,
      referenceKind: e.tarGz ? ('exporter' as const) : ('none' as const),
      exporterVersion: null,
      exportDate: null,
    }));
}

/** Bundled models first: where a zoo file is also bundled, the bundled manifest describes it. */
export function knownExports(catalog: CatalogEntry[] = loadCatalog(), zoo: ZooEntry[] = loadCurated()): KnownExports {
  const out: KnownExports = new Map();
  for (const k of [...knownFromCatalog(catalog), ...knownFromZoo(zoo)]) if (!out.has(k.sha256)) out.set(k.sha256, k);
  return out;
}
