/** Placement parsing lives with the backends that capture the log (backends/placement.ts); kept for importers. */
export {
  parsePlacement,
  describePlacement,
  PLACEMENT_LOG_MARK,
  type Placement,
  type PlacementGroup,
} from '../backends/placement.js';
