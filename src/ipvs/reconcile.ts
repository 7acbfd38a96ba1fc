/**
 * The reconciler (pure): the desired table against a dump of the kernel's → the fewest
 * operations that make the kernel equal to what the configuration owns. Entries the
 * configuration does not own are left alone; matching entries are adopted as they are.
 */
import { destKey, Forward, serviceKey, type IpvsDest, type IpvsService } from './codec.js';
import type { DesiredTable } from './desired.js';

export interface KernelService {
  service: IpvsService;
  dests: IpvsDest[];
}

export type IpvsOp =
  | { op: 'add-service'; service: IpvsService }
  | { op: 'edit-service'; service: IpvsService; was: IpvsService }
  | { op: 'delete-service'; service: IpvsService }
  | { op: 'add-dest'; service: IpvsService; dest: IpvsDest }
  | { op: 'edit-dest'; service: IpvsService; dest: IpvsDest; was: IpvsDest }
  | { op: 'delete-dest'; service: IpvsService; dest: IpvsDest };

export function sameService(a: IpvsService, b: IpvsService): boolean {
  return a.scheduler === b.scheduler && a.flags === b.flags && a.timeout === b.timeout && a.netmask === b.netmask && a.peName === b.peName;
}

export function sameDest(a: IpvsDest, b: IpvsDest): boolean {
  if (a.forward !== b.forward || a.weight !== b.weight || a.upperThreshold !== b.upperThreshold || a.lowerThreshold !== b.lowerThreshold) return false;
  if (a.forward !== Forward.TUNNEL) return true;
  return a.tunnelType === b.tunnelType && a.tunnelPort === b.tunnelPort && a.tunnelFlags === b.tunnelFlags;
}

/**
 * @param desired what the configuration and the health checks want
 * @param kernel the kernel's table as dumped
 * @param previouslyOwned service keys the running configuration owned before (a reload):
 *   those no longer desired are deleted. Services never owned are never touched.
 * @returns service additions and edits first, then destination changes, then deletions
 */
export function reconcile(desired: DesiredTable, kernel: readonly KernelService[], previouslyOwned: ReadonlySet<string> = new Set()): IpvsOp[] {
  const services: IpvsOp[] = [];
  const dests: IpvsOp[] = [];
  const deletions: IpvsOp[] = [];
  const inKernel = new Map(kernel.map((k) => [serviceKey(k.service), k]));

  for (const [key, want] of desired) {
    const have = inKernel.get(key);
    if (!have) {
      services.push({ op: 'add-service', service: want.service });
      for (const dest of want.dests.values()) dests.push({ op: 'add-dest', service: want.service, dest });
      continue;
    }
    if (!sameService(want.service, have.service)) services.push({ op: 'edit-service', service: want.service, was: have.service });
    const haveDests = new Map(have.dests.map((d) => [destKey(d), d]));
    for (const [dkey, dest] of want.dests) {
      const was = haveDests.get(dkey);
      if (!was) dests.push({ op: 'add-dest', service: want.service, dest });
      else if (!sameDest(dest, was)) dests.push({ op: 'edit-dest', service: want.service, dest, was });
    }
    for (const [dkey, was] of haveDests) {
      if (!want.dests.has(dkey)) deletions.push({ op: 'delete-dest', service: want.service, dest: was });
    }
  }
  for (const key of previouslyOwned) {
    const have = inKernel.get(key);
    if (have && !desired.has(key)) deletions.push({ op: 'delete-service', service: have.service });
  }
  return [...services, ...dests, ...deletions];
}
