/** Which backends a verify starts: those asked for, plus cpu as the cross-backend yardstick. */
import { BACKEND_IDS, type BackendId } from '../backends/types.js';

/** The backends a verify of `requested` needs: cpu too, as the cross-backend yardstick. */
export function backendsNeeded(requested: BackendId[]): BackendId[] {
  const ordered = BACKEND_IDS.filter((id) => requested.includes(id));
  const needCpu = ordered.some((id) => id !== 'cpu');
  return needCpu && !ordered.includes('cpu') ? ['cpu', ...ordered] : ordered;
}
