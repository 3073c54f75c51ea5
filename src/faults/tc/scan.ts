import { parseQdiscs } from '../../network/interfaces.js';
import type { NetnsRunner } from '../../network/netns-runner.js';
import { ROOT_HANDLE } from '../../network/tc-plan.js';
import type { Target } from '../../targets/target.js';
import type { Leftover } from '../driver.js';

/** faultline's root qdiscs (handle fa1:) and ingress redirects (to flin-* ifb devices) in a namespace. */
export async function tcLeftovers(runner: NetnsRunner, target: Target): Promise<Leftover[]> {
  const links = await runner.run(target, ['ip', '-j', 'link', 'show']);
  if (links.exitCode !== 0) return [];
  const devices = (JSON.parse(links.stdout) as { ifname: string }[]).map(
    (link) => link.ifname.split('@')[0]!,
  );
  const found: Leftover[] = [];
  for (const device of devices) {
    const shown = await runner.run(target, ['tc', '-j', 'qdisc', 'show', 'dev', device]);
    if (shown.exitCode !== 0) continue;
    const qdiscs = parseQdiscs(shown.stdout);
    if (device.startsWith('flin-')) continue;
    const ifb = devices.find((name) => name === `flin-${device}`.slice(0, 15));
    if (ifb && qdiscs.some((qdisc) => qdisc.kind === 'ingress')) {
      found.push({
        what: `ingress redirect on ${device} to ${ifb}`,
        runId: undefined,
        commands: [
          ['tc', 'qdisc', 'del', 'dev', device, 'handle', 'ffff:', 'ingress'],
          ['ip', 'link', 'del', ifb],
        ],
      });
    }
    if (qdiscs.some((qdisc) => qdisc.root && qdisc.handle === ROOT_HANDLE)) {
      found.push({
        what: `root qdisc ${ROOT_HANDLE} on ${device}`,
        runId: undefined,
        commands: [['tc', 'qdisc', 'del', 'dev', device, 'root', 'handle', ROOT_HANDLE]],
      });
    }
  }
  // An ifb device whose redirect is already gone.
  for (const ifb of devices.filter((name) => name.startsWith('flin-'))) {
    if (!found.some((item) => item.commands.some((argv) => argv.includes(ifb)))) {
      found.push({ what: `ifb device ${ifb}`, runId: undefined, commands: [['ip', 'link', 'del', ifb]] });
    }
  }
  return found;
}
