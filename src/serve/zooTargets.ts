/** Zoo models already pulled into the cache are served too. */
import type { Target } from '../models/catalog.js';
import { loadCurated } from '../zoo/catalog.js';
import { isPulled, zooTarget, defaultCacheDir } from '../zoo/pull.js';

export function zooServedTargets(cacheDir = defaultCacheDir()): Target[] {
  try {
    return loadCurated()
      .filter((e) => isPulled(cacheDir, e))
      .map((e) => zooTarget(cacheDir, e.name));
  } catch {
    return [];
  }
}
