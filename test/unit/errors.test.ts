import { describe, expect, it } from 'vitest';
import {
  EnvironmentError,
  ExitCode,
  errorMessage,
  FaultlineError,
  InvalidInputError,
  worstExitCode,
} from '../../src/errors.js';

describe('worstExitCode', () => {
  it('is 0 for no runs', () => {
    expect(worstExitCode([])).toBe(0);
  });

  it('ranks 4 > 130 > 5 > 3 > 2 > 1 > 0', () => {
    const order = [4, 130, 5, 3, 2, 1, 0];
    for (const [index, worse] of order.entries()) {
      for (const better of order.slice(index + 1)) {
        expect(worstExitCode([better, worse])).toBe(worse);
        expect(worstExitCode([worse, better])).toBe(worse);
      }
    }
  });

  it('picks the most severe code of a whole session, whatever the order', () => {
    expect(worstExitCode([0, 1, 3, 1, 0])).toBe(3);
    expect(worstExitCode([1, 130, 2])).toBe(130);
    expect(worstExitCode([0, 0, 4, 130])).toBe(4);
    expect(worstExitCode([1, 1])).toBe(1);
  });

  it('ignores codes outside the contract', () => {
    expect(worstExitCode([1, 99])).toBe(1);
  });

  it('matches the documented exit codes', () => {
    expect(ExitCode).toEqual({
      passed: 0,
      deviated: 1,
      invalid: 2,
      errored: 3,
      revertFailed: 4,
      aborted: 5,
      interrupted: 130,
    });
  });
});

describe('error classes', () => {
  it('carry a stable code, a hint, a cause and the exit code of their kind', () => {
    const cause = new Error('socket closed');
    const invalid = new InvalidInputError('BAD_OPTION', 'unknown flag --sed', {
      hint: 'Did you mean --seed?',
    });
    const environment = new EnvironmentError('DOCKER_UNAVAILABLE', 'cannot reach Docker', { cause });
    expect(invalid).toBeInstanceOf(FaultlineError);
    expect(invalid).toMatchObject({
      code: 'BAD_OPTION',
      exitCode: 2,
      hint: 'Did you mean --seed?',
      name: 'InvalidInputError',
    });
    expect(environment).toMatchObject({
      code: 'DOCKER_UNAVAILABLE',
      exitCode: 3,
      hint: undefined,
      name: 'EnvironmentError',
    });
    expect(environment.cause).toBe(cause);
    expect(invalid.cause).toBeUndefined();
  });

  it('describes any thrown value', () => {
    expect(errorMessage(new Error('boom'))).toBe('boom');
    expect(errorMessage('plain')).toBe('plain');
    expect(errorMessage(42)).toBe('42');
  });
});
