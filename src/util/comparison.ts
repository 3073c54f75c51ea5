import { parseDuration } from './duration.js';

export type Operator = '<' | '<=' | '>' | '>=' | '==';
export interface Comparison {
  op: Operator;
  value: number;
  text: string;
}

const COMPARISON = /^\s*(<=|>=|<|>|==)?\s*(.+?)\s*$/;

/** Parses "< 500ms" (a duration bound) into { op: '<', value: 500 }. */
export function parseDurationBound(text: string): Comparison | undefined {
  const match = COMPARISON.exec(text);
  if (!match) return undefined;
  const value = parseDuration(match[2]!);
  if (value === undefined) return undefined;
  return { op: (match[1] as Operator | undefined) ?? '<=', value, text: text.trim() };
}

/** Parses "< 3", ">= 1" or a bare number (meaning ==). */
export function parseNumberBound(text: string | number): Comparison | undefined {
  if (typeof text === 'number') return { op: '==', value: text, text: String(text) };
  const match = COMPARISON.exec(text);
  if (!match || !/^-?\d+(\.\d+)?$/.test(match[2]!)) return undefined;
  const value = Number(match[2]);
  return { op: (match[1] as Operator | undefined) ?? '==', value, text: text.trim() };
}

export function compare(actual: number, bound: Comparison): boolean {
  switch (bound.op) {
    case '<':
      return actual < bound.value;
    case '<=':
      return actual <= bound.value;
    case '>':
      return actual > bound.value;
    case '>=':
      return actual >= bound.value;
    case '==':
      return actual === bound.value;
  }
}
