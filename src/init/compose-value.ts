/**
 * A compose value as faultline writes it. Compose substitutes `${VAR}`, `${VAR:-default}`, `$VAR` and
 * `$$` from the environment when it reads the file; faultline reads `${env:VAR:-default}` when it reads
 * the experiment. A value with a fallback is carried over; one that needs the variable set is not
 * (the experiment must validate as written), and the caller notes it.
 */
export type Translated = { text: string } | { unresolved: string };

const REFERENCE = /\$(\$|\{([^{}]*)\}|[A-Za-z_][A-Za-z0-9_]*)?/g;
const WITH_FALLBACK = /^([A-Za-z_][A-Za-z0-9_]*):?-([^$]*)$/s;

export function translateComposeValue(value: string): Translated {
  let unresolved: string | undefined;
  const text = value.replace(
    REFERENCE,
    (whole, body: string | undefined, braced: string | undefined, offset: number) => {
      if (body === '$') {
        // Faultline has no way to write a literal $ right before a ${reference}: `$${` is an escape.
        if (value.startsWith('${', offset + 2)) unresolved ??= `${whole}\${...}`;
        return value[offset + 2] === '{' ? '$$' : '$';
      }
      if (body === undefined) return '$';
      const fallback = braced === undefined ? null : WITH_FALLBACK.exec(braced);
      if (fallback) return `\${env:${fallback[1]}:-${fallback[2]}}`;
      unresolved ??= whole;
      return whole;
    },
  );
  return unresolved === undefined ? { text } : { unresolved };
}

/** The value compose would use when no variable is set: `${PORT:-8080}` is 8080. */
export function composeDefault(value: string): string | undefined {
  const translated = translateComposeValue(value);
  if ('unresolved' in translated) return undefined;
  return translated.text.replace(/\$\{env:[A-Za-z0-9_]+:-([^}]*)\}/g, '$1').replace(/\$\$/g, '$');
}
