import { ALL_FEATURES, type Feature } from '../network/capabilities.js';
import { killDriver, pauseDriver, restartDriver, stopDriver } from './container/drivers.js';
import { containerFamily } from './container/family.js';
import { diskFillDriver } from './disk/drivers.js';
import { diskFamily } from './disk/family.js';
import type { FamilyPlan, FamilyRecipe, FaultDriver, FaultFamily } from './driver.js';
import { blackholeDriver, dnsDriver, partitionDriver, resetDriver } from './iptables/drivers.js';
import { iptablesFamily } from './iptables/family.js';
import { limitDriver } from './limits/drivers.js';
import { limitFamily } from './limits/family.js';
import { signalDriver } from './process/drivers.js';
import { processFamily } from './process/family.js';
import {
  httpAbortDriver,
  httpDelayDriver,
  httpResetDriver,
  httpSlowBodyDriver,
  tcpBandwidthDriver,
  tcpLatencyDriver,
  tcpLimitDataDriver,
  tcpResetPeerDriver,
  tcpSlicerDriver,
  tcpSlowCloseDriver,
  tcpTimeoutDriver,
} from './proxy/drivers.js';
import { proxyFamily } from './proxy/family.js';
import { cpuStressDriver, ioStressDriver, memoryStressDriver } from './stress/drivers.js';
import { stressFamily } from './stress/family.js';
import {
  bandwidthDriver,
  corruptDriver,
  delayDriver,
  duplicateDriver,
  lossDriver,
  reorderDriver,
} from './tc/drivers.js';
import { tcFamily } from './tc/family.js';

export { FAULT_KINDS, type FaultKind } from './kinds.js';

/**
 * The runtime side of the fault registry: every fault kind's driver, in the order the file format
 * lists them (kinds.ts, the schema side, lists the same kinds with their shapes). The planner, the
 * method, the ledger undo, the recover scan, the preflight and doctor loop over these lists; reading
 * an experiment file (`validate`) loads none of it.
 */
export const DRIVERS = [
  killDriver,
  stopDriver,
  pauseDriver,
  restartDriver,
  delayDriver,
  lossDriver,
  duplicateDriver,
  corruptDriver,
  reorderDriver,
  bandwidthDriver,
  blackholeDriver,
  resetDriver,
  dnsDriver,
  partitionDriver,
  httpAbortDriver,
  httpDelayDriver,
  httpResetDriver,
  httpSlowBodyDriver,
  tcpLatencyDriver,
  tcpBandwidthDriver,
  tcpSlowCloseDriver,
  tcpTimeoutDriver,
  tcpResetPeerDriver,
  tcpLimitDataDriver,
  tcpSlicerDriver,
  diskFillDriver,
  cpuStressDriver,
  memoryStressDriver,
  ioStressDriver,
  limitDriver,
  signalDriver,
] as const;

/** The families, in the order `recover` scans namespaces for their leftovers. */
export const FAMILIES: readonly FaultFamily[] = [
  containerFamily,
  iptablesFamily,
  tcFamily,
  proxyFamily,
  diskFamily,
  stressFamily,
  limitFamily,
  processFamily,
] as FaultFamily[];

export type AnyDriver = (typeof DRIVERS)[number];

const byKind = new Map<string, FaultDriver>(
  DRIVERS.map((driver) => [driver.kind, driver as unknown as FaultDriver]),
);
const byType = new Map<string, FaultFamily>(FAMILIES.map((family) => [family.type, family]));

export function driverFor(kind: string): FaultDriver {
  const driver = byKind.get(kind);
  if (!driver) throw new Error(`no fault driver for "${kind}"`);
  return driver;
}

/** The family that wrote a recipe, or undefined when this version knows none of that type. */
export function knownFamilyOf(item: FamilyPlan | FamilyRecipe): FaultFamily | undefined {
  return byType.get(item.type);
}

/** The family that made a plan or wrote a recipe. */
export function familyOf(item: FamilyPlan | FamilyRecipe): FaultFamily {
  const family = byType.get(item.type);
  if (!family) throw new Error(`no fault family of type "${item.type}"`);
  return family;
}

/** The host features a set of planned faults needs, each family saying what its plans need. */
export function requiredFeatures(plans: readonly FamilyPlan[]): Feature[] {
  return [...new Set(plans.flatMap((plan) => familyOf(plan).features(plan)))];
}

/** Every host feature some registered family may need (what doctor checks), in the checks' order. */
export function familyFeatures(): Feature[] {
  const wanted = new Set(FAMILIES.flatMap((family) => family.mayNeed));
  return ALL_FEATURES.filter((feature) => wanted.has(feature));
}
