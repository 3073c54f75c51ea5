import { MIN_SECRET_LENGTH, secrets as processSecrets, type Redactor } from '../util/redact.js';

/**
 * `${name}` reads `vars` (values given with --var or --var-file replace the file's), `${env:NAME}` reads the environment, `${env:NAME:-fallback}` gives a fallback
 * when NAME is unset or empty, `${secret:NAME}` reads the environment too but its value is a secret:
 * hidden in every output, and refused outside probes and actions. `$${...}` is a literal `${...}`. An
 * undefined variable is an error, never an empty string; a secret has no fallback.
 */
export interface SubstitutionIssue {
  path: (string | number)[];
  message: string;
}

/** A secret read by a reference: the environment variable's name and its value. */
export interface SecretUse {
  name: string;
  value: string;
}

const REFERENCE = /\$(\$?)\{([^}]*)\}/g;
const NAME = /^(env:)?[A-Za-z_][A-Za-z0-9_.-]*$/;
const ENV_WITH_FALLBACK = /^env:([A-Za-z_][A-Za-z0-9_]*):-(.*)$/s;
const SECRET = /^secret:([A-Za-z_][A-Za-z0-9_]*)$/;

export const SECRET_PLACES =
  'probes and actions (hypothesis, guards, probe and action steps, rollbacks), and vars used only there';

export function substituteString(
  text: string,
  vars: Record<string, string>,
  env: Record<string, string | undefined>,
): { value: string; missing: string[]; malformed: string[]; secrets: SecretUse[]; fromEnv: boolean } {
  const missing: string[] = [];
  const malformed: string[] = [];
  const secrets: SecretUse[] = [];
  let fromEnv = false;
  const value = text.replace(REFERENCE, (whole, escaped: string, name: string) => {
    if (escaped) return whole.slice(1);
    const fallback = ENV_WITH_FALLBACK.exec(name);
    if (fallback) {
      fromEnv = true;
      const value = env[fallback[1]!];
      return value === undefined || value === '' ? fallback[2]! : value;
    }
    const secret = SECRET.exec(name);
    if (secret) {
      fromEnv = true;
      const value = env[secret[1]!];
      // An empty value counts as missing: CI systems give an empty string for a secret not set.
      if (value === undefined || value === '') {
        missing.push(name);
        return whole;
      }
      secrets.push({ name: secret[1]!, value });
      return value;
    }
    if (!NAME.test(name)) {
      malformed.push(name);
      return whole;
    }
    if (name.startsWith('env:')) fromEnv = true;
    const found = name.startsWith('env:') ? env[name.slice(4)] : vars[name];
    if (found === undefined) {
      missing.push(name);
      return whole;
    }
    return found;
  });
  return { value, missing, malformed, secrets, fromEnv };
}

export interface SubstitutedDocument {
  value: unknown;
  issues: SubstitutionIssue[];
  /**
   * What was written, by path (see `pathKey`), for each string that took a value from the
   * environment: an error about such a string names the reference instead of echoing the value.
   */
  written: Map<string, string>;
}

/** The key of a document path in `SubstitutedDocument.written`. */
export function pathKey(path: readonly PropertyKey[]): string {
  return JSON.stringify(path.map((segment) => (typeof segment === 'number' ? segment : String(segment))));
}

/**
 * Substitutes in every string of a parsed document (not in keys). Returns the new value and issues.
 * Every secret value read is registered with `redactor` (the process's by default), even when the
 * document has issues, so that no message about it can print it. `given` (--var, --var-file) replaces
 * the document's vars of the same names, taken as written (never substituted again).
 */
export function substituteDocument(
  document: unknown,
  env: Record<string, string | undefined>,
  redactor: Redactor = processSecrets,
  given: Readonly<Record<string, string>> = {},
): SubstitutedDocument {
  const issues: SubstitutionIssue[] = [];
  const written = new Map<string, string>();
  const vars: Record<string, string> = Object.assign(Object.create(null), given);
  /** Vars whose value holds a secret: the first secret's reference, for messages. */
  const secretVars = new Map<string, string>();
  const envVars = new Set<string>();
  const root = document as Record<string, unknown> | null;
  const declared = root && typeof root === 'object' && !Array.isArray(root) ? root.vars : undefined;

  if (declared && typeof declared === 'object' && !Array.isArray(declared)) {
    for (const [name, raw] of Object.entries(declared)) {
      if (Object.hasOwn(given, name) || (typeof raw === 'object' && raw !== null)) continue; // the schema reports it
      const result = substituteString(String(raw), {}, env);
      report(result, ['vars', name], 'vars may only use ${env:NAME} and ${secret:NAME}');
      vars[name] = result.value;
      if (result.secrets[0]) secretVars.set(name, `\${secret:${result.secrets[0].name}}`);
      if (result.fromEnv) envVars.add(name);
    }
  }

  function report(
    result: ReturnType<typeof substituteString>,
    path: (string | number)[],
    extra?: string,
  ): void {
    for (const name of result.missing) {
      issues.push({ path, message: `\${${name}}: ${missingHint(name, extra)}` });
    }
    for (const name of result.malformed) {
      issues.push({ path, message: malformedMessage(name) });
    }
    for (const secret of result.secrets) {
      if (!redactor.add(secret.name, secret.value)) {
        issues.push({
          path,
          message: `\${secret:${secret.name}}: the value of ${secret.name} is shorter than ${MIN_SECRET_LENGTH} characters, too short to be hidden in the output; use \${env:${secret.name}} if it is not a secret`,
        });
      }
    }
  }

  function walk(value: unknown, path: (string | number)[]): unknown {
    if (typeof value === 'string') {
      // In a workload's write, ${id} is each write's own id, filled in as it is sent.
      const result = substituteString(value, isWorkloadWrite(path) ? { ...vars, id: '${id}' } : vars, env);
      report(result, path);
      const usedVars = [...value.matchAll(REFERENCE)]
        .filter((match) => !match[1])
        .map((match) => match[2]!)
        .filter((name) => name in vars);
      const secret =
        result.secrets[0] !== undefined
          ? `\${secret:${result.secrets[0].name}}`
          : usedVars.map((name) => secretVars.get(name)).find((reference) => reference !== undefined);
      if (secret !== undefined && !secretAllowedAt(path)) {
        const via = result.secrets[0] ? secret : `${secret} (through vars)`;
        issues.push({ path, message: `${via} can only be used in ${SECRET_PLACES}; ${WHY_NOT_FAULTS}` });
      }
      if (result.fromEnv || usedVars.some((name) => envVars.has(name))) written.set(pathKey(path), value);
      return result.value;
    }
    if (Array.isArray(value)) return value.map((item, index) => walk(item, [...path, index]));
    if (value && typeof value === 'object') {
      const out: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(value)) {
        out[key] = path.length === 0 && key === 'vars' ? item : walk(item, [...path, key]);
      }
      return out;
    }
    return value;
  }

  return { value: walk(document, []), issues, written };
}

const WHY_NOT_FAULTS =
  'faults and their targets are written to the state folder so that they can be reverted after a crash';

/** hypothesis[i].workload.write...: where `${id}` names the write. */
function isWorkloadWrite(path: readonly (string | number)[]): boolean {
  return path[0] === 'hypothesis' && path[2] === 'workload' && path[3] === 'write';
}

function missingHint(name: string, extra: string | undefined): string {
  if (name.startsWith('env:')) return `environment variable ${name.slice(4)} is not set`;
  if (name.startsWith('secret:')) {
    const variable = name.slice(7);
    return `environment variable ${variable} is not set or is empty; set it to the secret's value`;
  }
  if (extra) return `variable "${name}" is not defined in vars (${extra})`;
  return `variable "${name}" is not defined: declare it under vars, or pass --var ${name}=VALUE`;
}

function malformedMessage(name: string): string {
  if (name.startsWith('secret:')) {
    const variable = /^secret:([^:]*)/.exec(name)?.[1] ?? '';
    if (name.includes(':-'))
      return `\${${name}}: a secret has no fallback; use \${secret:${variable}} and set ${variable}`;
    return `\${${name}} is not a valid secret reference; use \${secret:NAME} with NAME an environment variable`;
  }
  // Compose's ${VAR:-default} and ${VAR-default}: the same thing is ${env:VAR:-default} here.
  const compose = /^([A-Za-z_][A-Za-z0-9_]*):?-(.*)$/s.exec(name);
  if (compose) {
    return `\${${name}} is compose syntax: write \${env:${compose[1]}:-${compose[2]}}`;
  }
  return `\${${name}} is not a valid reference; use \${name}, \${env:NAME} or \${secret:NAME}`;
}

/**
 * Where a secret may go: probes and actions, whose values reach only the output (which is redacted),
 * never the ledger. Fault steps, targets of faults, scope and safety are written to disk to revert.
 */
function secretAllowedAt(path: readonly (string | number)[]): boolean {
  const [top, ...rest] = path;
  if (top === 'hypothesis' || top === 'guards' || top === 'rollbacks') return true;
  if (top !== 'method') return false;
  let index = 0;
  while (typeof rest[index] === 'number') {
    const kind = rest[index + 1];
    if (kind === 'probe' || kind === 'action') return true;
    if (kind !== 'parallel') return false;
    index += 2;
  }
  return false;
}
