import { InvalidInputError } from '../errors.js';

const EXAMPLE = 'p95 < 300ms';

/** A threshold the user must fix; the message quotes it and says how. */
export class ThresholdError extends InvalidInputError {
  readonly threshold: string;

  constructor(threshold: string, problem: string, hint?: string) {
    super('threshold-invalid', `"${threshold}": ${problem}`, {
      hint: hint ?? `write a threshold such as "${EXAMPLE}", "error_rate < 1%" or "throughput > 45/s"`,
    });
    this.threshold = threshold;
  }
}
