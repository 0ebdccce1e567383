/** The capability registry's exporter claim for a framework, as the path check needs it. */
import type { RegistryFile } from '../scorecard/model.js';
import type { ExporterClaim } from './path.js';

export function claimFromRegistry(registry: RegistryFile, framework: string): ExporterClaim | undefined {
  const e = registry.frameworks.find((f) => f.id === framework);
  if (!e) return undefined;
  const source = e.export.sources?.level?.[0] ?? e.export.sources?.mechanism?.[0];
  return {
    framework: e.id,
    level: e.export.level,
    mechanism: e.export.mechanism ?? 'unknown',
    producerNames: Array.isArray(e.export.producerNames) ? e.export.producerNames : [],
    ...(source ? { source } : {}),
  };
}
