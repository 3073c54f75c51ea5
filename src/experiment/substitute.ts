/**
 * `${name}` reads `vars`, `${env:NAME}` reads the environment, `${env:NAME:-fallback}` gives a fallback
 * when NAME is unset or empty, `$${...}` is a literal `${...}`. An undefined variable is an error,
 * never an empty string.
 */
export interface SubstitutionIssue {
  path: (string | number)[];
  message: string;
}

const REFERENCE = /\$(\$?)\{([^}]*)\}/g;
const NAME = /^(env:)?[A-Za-z_][A-Za-z0-9_.-]*$/;
const ENV_WITH_FALLBACK = /^env:([A-Za-z_][A-Za-z0-9_]*):-(.*)$/s;

export function substituteString(
  text: string,
  vars: Record<string, string>,
  env: Record<string, string | undefined>,
): { value: string; missing: string[]; malformed: string[] } {
  const missing: string[] = [];
  const malformed: string[] = [];
  const value = text.replace(REFERENCE, (whole, escaped: string, name: string) => {
    if (escaped) return whole.slice(1);
    const fallback = ENV_WITH_FALLBACK.exec(name);
    if (fallback) {
      const value = env[fallback[1]!];
      return value === undefined || value === '' ? fallback[2]! : value;
    }
    if (!NAME.test(name)) {
      malformed.push(name);
      return whole;
    }
    const found = name.startsWith('env:') ? env[name.slice(4)] : vars[name];
    if (found === undefined) {
      missing.push(name);
      return whole;
    }
    return found;
  });
  return { value, missing, malformed };
}

/** Substitutes in every string of a parsed document (not in keys). Returns the new value and issues. */
export function substituteDocument(
  document: unknown,
  env: Record<string, string | undefined>,
): { value: unknown; issues: SubstitutionIssue[] } {
  const issues: SubstitutionIssue[] = [];
  const vars: Record<string, string> = {};
  const root = document as Record<string, unknown> | null;
  const declared = root && typeof root === 'object' && !Array.isArray(root) ? root.vars : undefined;

  if (declared && typeof declared === 'object' && !Array.isArray(declared)) {
    for (const [name, raw] of Object.entries(declared)) {
      if (typeof raw === 'object' && raw !== null) continue; // the schema reports it
      const result = substituteString(String(raw), {}, env);
      report(result, ['vars', name], 'vars may only use ${env:NAME}');
      vars[name] = result.value;
    }
  }

  function report(
    result: ReturnType<typeof substituteString>,
    path: (string | number)[],
    extra?: string,
  ): void {
    for (const name of result.missing) {
      const hint = name.startsWith('env:')
        ? `environment variable ${name.slice(4)} is not set`
        : `variable "${name}" is not defined in vars${extra ? ` (${extra})` : ''}`;
      issues.push({ path, message: `\${${name}}: ${hint}` });
    }
    for (const name of result.malformed) {
      issues.push({ path, message: `\${${name}} is not a valid reference; use \${name} or \${env:NAME}` });
    }
  }

  function walk(value: unknown, path: (string | number)[]): unknown {
    if (typeof value === 'string') {
      const result = substituteString(value, vars, env);
      report(result, path);
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

  return { value: walk(document, []), issues };
}
