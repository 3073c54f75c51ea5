import { describe, expect, it } from 'vitest';
import { RULE_GONE, TC_GONE } from '../../../src/network/gone.js';

describe('what a delete that found nothing says', () => {
  it.each([
    'Error: Cannot find specified filter chain.',
    'Error: Filter with specified priority/protocol not found.',
    "Error: Parent Qdisc doesn't exists.",
    'RTNETLINK answers: No such file or directory',
    'Error: Invalid handle.',
    'Error: Cannot delete qdisc with handle of zero.',
  ])('tc: %s', (stderr) => {
    expect(TC_GONE.test(stderr)).toBe(true);
  });

  it.each([
    'Error: Exclusivity flag on, cannot modify.',
    'RTNETLINK answers: Operation not permitted',
    'Error: Specified qdisc kind is unknown.',
  ])('tc refuses, nothing gone: %s', (stderr) => {
    expect(TC_GONE.test(stderr)).toBe(false);
  });

  it('iptables: a rule or chain that is not there', () => {
    expect(RULE_GONE.test('iptables: Bad rule (does a matching rule exist in that chain?).')).toBe(true);
    expect(RULE_GONE.test("iptables v1.8.9 (nf_tables): Chain 'FL-x' does not exist")).toBe(true);
    expect(RULE_GONE.test('iptables: Permission denied (you must be root).')).toBe(false);
  });
});
