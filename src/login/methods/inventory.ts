import { inventory } from '../admin/inventory.js';
import type { KanmonInventory } from '../admin/inventory-types.js';
import type { FlowContext } from '../flow-context.js';
import { answeringOutage, notOkUnavailable } from '../outage.js';

/** The account inventory of `Kanmon` (RM-27), answering an outage as `unavailable`. */
export function inventoryMethods(ctx: FlowContext): KanmonInventory {
  return {
    inventory: answeringOutage((input) => inventory(ctx, input), notOkUnavailable),
  };
}
