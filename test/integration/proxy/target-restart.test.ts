import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uniquePrefix } from '../../support/containers.js';
import { docker } from '../../support/docker-cli.js';
import { startRun } from '../../support/proxy-faults.js';
import { request } from '../../support/proxy-http.js';
import { ProxyLab, proxiesOnHost, targetState } from '../../support/proxy-lab.js';
import { processGone } from '../../support/safety.js';

/**
 * A target restarted (`docker restart`) while an HTTP fault holds on it: the restart gives it a new
 * network namespace without the fault's rules, and its proxy is left listening in the old one. The
 * run reports that fault as gone (a warning, revert status target-gone), stops the proxy, reverts the
 * fault on the other target, and gives its normal verdict: exit 0, as for a removed target.
 */
const lab = new ProxyLab(uniquePrefix('pxrestart'));

beforeAll(async () => {
  await lab.start(['api', 'web']);
});

afterAll(async () => {
  await lab.remove();
});

describe('a proxy fault whose target restarts mid-fault', () => {
  it('is reported target-gone, its proxy stopped, nothing left in either container', async () => {
    const api = lab.get('api');
    const webBefore = await targetState(lab.get('web').name);
    const { run, report } = await startRun(lab, [
      '  - parallel:',
      '      - http-abort: { target: { service: api }, port: 8080, status: 503, duration: 8s }',
      '      - tcp-latency: { target: { service: web }, port: 7000, latency: 20ms, duration: 8s }',
    ]);
    const runId = await run.runId();
    await run.waitForInjected(2);
    expect((await request(api.ip, '/item')).status).toBe(503);
    const proxies = proxiesOnHost(runId);
    expect(proxies).toHaveLength(2);
    const apiProxy = Number(
      proxies
        .find((line) => line.includes('http-abort'))!
        .trim()
        .split(/\s+/)[0],
    );

    await docker('restart', '-t', '1', api.name);
    await lab.waitReady(api.name, 2);
    // The restarted container has a fresh namespace: no rule steers its port to the proxy any more.
    const restarted = await targetState(api.name);
    expect(restarted.iptables).not.toMatch(/FL-/);
    expect((await request(await lab.ipOf(api.name), '/item')).status).toBe(200);

    const finished = await run.finished;
    const reverts = run.lines.filter((line) => / revert /.test(line.text)).map((line) => line.text.trim());
    console.log(`[proxy] restart mid-fault: exit ${finished.exitCode}; ${reverts.join('; ')}`);
    expect(run.text).toMatch(new RegExp(`warn +${api.name}: .*(gone|restarted)`));
    expect(run.text).not.toMatch(/REVERT FAILED|Error:|\n +at /);
    expect(finished.exitCode, run.text).toBe(0);
    const faults = (await report()).runs[0]!.faults;
    const statusOf = (kind: string) => faults.find((fault) => fault.fault === kind)?.status;
    expect({ api: statusOf('http-abort'), web: statusOf('tcp-latency') }).toEqual({
      api: 'target-gone',
      web: 'reverted',
    });

    // Nothing left: no proxy of the run (the one in the old namespace included), no rule and no
    // process more in the restarted container than it had after the restart, the other as before.
    expect(processGone(apiProxy)).toBe(true);
    expect(proxiesOnHost(runId)).toEqual([]);
    expect(await targetState(api.name)).toEqual(restarted);
    expect(await targetState(lab.get('web').name)).toEqual(webBefore);
  });
});
