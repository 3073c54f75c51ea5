import { describe, expect, it } from 'vitest';
import { Redactor } from '../../../src/util/redact.js';

function redactorWith(name: string, value: string): Redactor {
  const redactor = new Redactor();
  expect(redactor.add(name, value)).toBe(true);
  return redactor;
}

describe('Redactor', () => {
  it('replaces a secret value wherever it appears, with the name of the secret', () => {
    const redactor = redactorWith('TOKEN', 's3cr3t-value');
    expect(redactor.redact('Authorization: Bearer s3cr3t-value, again s3cr3t-value')).toBe(
      'Authorization: Bearer [secret TOKEN], again [secret TOKEN]',
    );
  });

  it('hides a multi-line secret whole, and each of its lines on its own', () => {
    const value = 'first-line-aaaa\nsecond-line-bbbb\n';
    const redactor = redactorWith('KEY', value);
    expect(redactor.redact(`header "Bearer ${value}" is invalid`)).toBe(
      'header "Bearer [secret KEY]" is invalid',
    );
    expect(redactor.redact('saw second-line-bbbb only')).toBe('saw [secret KEY] only');
    expect(redactor.redact('first-line-aaaa\r\nsecond-line-bbbb')).toBe('[secret KEY]\r\n[secret KEY]');
    const out = redactor.redact(`a ${value.trim()} b`);
    expect(out).not.toContain('first-line');
    expect(out).not.toContain('second-line');
  });

  it('hides the JSON-escaped form, as a JSON report or an escaped log line would show it', () => {
    const value = 'pa"ss\nword\\tab';
    const redactor = redactorWith('PW', value);
    const json = JSON.stringify({ reason: `sent ${value}` });
    expect(json).toContain('pa\\"ss\\nword\\\\tab');
    expect(redactor.redact(json)).toBe('{"reason":"sent [secret PW]"}');
  });

  it('hides the URL-encoded forms (query strings and form bodies)', () => {
    const value = 'a b&c/d+e=f';
    const redactor = redactorWith('Q', value);
    expect(redactor.redact(`http://x/?k=${encodeURIComponent(value)}`)).toBe('http://x/?k=[secret Q]');
    expect(redactor.redact(`k=${new URLSearchParams({ v: value }).toString().slice(2)}`)).toBe(
      'k=[secret Q]',
    );
  });

  it('hides the HTML-escaped form', () => {
    const redactor = redactorWith('H', 'x<y>&"z"');
    expect(redactor.redact('<td>x&lt;y&gt;&amp;&quot;z&quot;</td>')).toBe('<td>[secret H]</td>');
  });

  it('refuses values shorter than 4 characters and ignores short lines of longer ones', () => {
    const redactor = new Redactor();
    expect(redactor.add('PIN', 'abc')).toBe(false);
    expect(redactor.redact('abc abcd')).toBe('abc abcd');
    expect(redactor.add('MULTI', 'ab\nlong-enough')).toBe(true);
    expect(redactor.redact('ab table long-enough')).toBe('ab table [secret MULTI]');
  });

  it('replaces the longest match first, so a value containing another is hidden whole', () => {
    const redactor = new Redactor();
    redactor.add('SHORT', 'abcd');
    redactor.add('LONG', 'abcd-efgh');
    expect(redactor.redact('abcd-efgh abcd')).toBe('[secret LONG] [secret SHORT]');
  });

  it('treats regular-expression characters in a value literally', () => {
    const redactor = redactorWith('RE', '.*+?(x)');
    expect(redactor.redact('aaaa .*+?(x) bbbb')).toBe('aaaa [secret RE] bbbb');
  });

  it('hides a password in a URL even when it was not declared as a secret', () => {
    const redactor = new Redactor();
    expect(redactor.redact('GET https://alice:hunter22@api.test/x failed')).toBe(
      'GET https://alice:***@api.test/x failed',
    );
    expect(redactor.redact('http://127.0.0.1:8080/health and http://host:80/a@b')).toBe(
      'http://127.0.0.1:8080/health and http://host:80/a@b',
    );
  });

  it('redacts every string of nested data, keys too, and leaves other values and unchanged parts as they are', () => {
    const redactor = redactorWith('T', 'tok-12345');
    const untouched = { latency: [1, 2, 3], ok: true };
    const data = {
      reason: 'saw tok-12345',
      checks: [{ name: 'body', actual: 'tok-12345\n' }],
      headers: { 'tok-12345': 'x' },
      untouched,
      at: 12,
      none: null,
    };
    const out = redactor.redactDeep(data);
    expect(out).toEqual({
      reason: 'saw [secret T]',
      checks: [{ name: 'body', actual: '[secret T]\n' }],
      headers: { '[secret T]': 'x' },
      untouched,
      at: 12,
      none: null,
    });
    expect(out.untouched).toBe(untouched);
    expect(data.reason).toBe('saw tok-12345');
    const clean = { a: ['x'], b: 'y' };
    expect(redactor.redactDeep(clean)).toBe(clean);
  });
});
