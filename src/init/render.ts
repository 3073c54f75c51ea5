import type { ProjectName } from './project-name.js';
import type { ComposeFacts, ServiceFacts } from './services.js';

/**
 * The starter experiment as YAML text: the probes found in the compose file, one pause per service
 * (all commented out but one), written so that it validates as it is.
 */
export const SCHEMA_FILE = 'faultline.schema.json';

export function renderExperiment(facts: ComposeFacts, project: ProjectName, composeName: string): string {
  const active = safeService(facts.services);
  const lines = [
    `# yaml-language-server: $schema=./${SCHEMA_FILE}`,
    `# Written by \`faultline init\` from ${composeName}: a starting point. Check that the probes say what`,
    '# "working" means for your system, then uncomment the faults you want to try.',
    `title: ${q(`${project.plain} keeps answering while ${active.name} is paused`)}`,
    '',
    'scope:',
    `  compose: ${q(project.text)}${project.from === 'folder' ? ' # the folder name; change it if you start the stack with -p NAME' : ''}`,
    '',
    'hypothesis:',
    ...probes(facts.services, active),
    '',
    'method:',
    ...faults(facts.services, active),
    '',
    'recovery: 30s',
  ];
  return `${lines.join('\n')}\n`;
}

/** JSON text is a valid YAML double-quoted scalar. */
function q(text: string): string {
  return JSON.stringify(text);
}

const PAUSED_ONLY_AROUND = '    when: [before, after] # the fault below freezes this service';

function probes(services: readonly ServiceFacts[], active: ServiceFacts): string[] {
  const lines: string[] = [];
  for (const service of services) {
    // The paused service's own probes cannot pass while it is frozen: checked before and after only.
    const when = service === active ? [PAUSED_ONLY_AROUND] : [];
    for (const port of service.ports) {
      const host = port.host.includes(':') ? `[${port.host}]` : port.host;
      const where = `${host}:${port.port}`;
      if (port.http) {
        lines.push(
          `  - name: ${q(`${service.name} answers HTTP on ${where}`)} # ${port.http.why}`,
          `    http: { url: ${q(`http://${where}${port.http.path}`)} }`,
          '    expect: { status: 2xx }',
          ...when,
        );
      } else {
        lines.push(
          `  - name: ${q(`${service.name} accepts TCP connections on ${where}`)}`,
          `    tcp: { host: ${q(port.host)}, port: ${q(port.port)} }`,
          ...when,
        );
      }
    }
    if (service.healthcheck) {
      lines.push(
        `  - name: ${q(`${service.name} passes its healthcheck`)}`,
        `    exec: { target: { service: ${q(service.name)} }, command: [${service.healthcheck.map(q).join(', ')}] }`,
        ...when,
      );
    }
  }
  if (lines.length > 0) return lines;
  // Nothing published and no healthcheck: each service must at least keep running.
  return services.flatMap((service) => [
    `  - name: ${q(`${service.name} is running`)}`,
    `    container: { target: { service: ${q(service.name)} } }`,
    '    expect: { state: running }',
    ...(service === active ? [PAUSED_ONLY_AROUND] : []),
  ]);
}

/**
 * The one fault left active: a pause (frozen, not killed; reverted by unpausing) of the first service
 * that publishes no port, so the probes watch how the others cope; else of the first service.
 */
export function safeService(services: readonly ServiceFacts[]): ServiceFacts {
  return services.find((service) => service.ports.length === 0) ?? services[0]!;
}

function faults(services: readonly ServiceFacts[], active: ServiceFacts): string[] {
  const lines: string[] = [];
  for (const service of services) {
    const on = service === active;
    const mark = on ? '' : '# ';
    lines.push(
      on
        ? `  # Freezes every container of ${service.name} for 5s, then unpauses it.`
        : `  # Freeze ${service.name} instead (or \`kill\` it: the container is killed, then started again):`,
      `  ${mark}- pause:`,
      `  ${mark}    target: { service: ${q(service.name)} }`,
      `  ${mark}    duration: 5s`,
    );
  }
  return lines;
}
