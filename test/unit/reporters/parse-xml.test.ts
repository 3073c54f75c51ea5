import { describe, expect, it } from 'vitest';
import { parseXml } from './parse-xml.js';

// The JUnit tests lean on this reader to prove the reports are well formed, so it must reject what a
// real XML parser rejects.
describe('parseXml', () => {
  it('reads elements, decoded attributes and text', () => {
    const root = parseXml('<?xml version="1.0"?>\n<a x="1 &amp; &#10;2"><b>t &lt; u</b><c/></a>\n');
    expect(root.attributes.x).toBe('1 & \n2');
    expect(root.children.map((element) => element.name)).toEqual(['b', 'c']);
    expect(root.children[0]?.text).toBe('t < u');
  });

  it.each([
    ['a bare ampersand', '<a>fish & chips</a>'],
    ['a bare less-than in an attribute', '<a x="1 < 2"/>'],
    ['an unknown entity', '<a>&nbsp;</a>'],
    ['a control character', '<a>bell\u0007</a>'],
    ['a reference to a control character', '<a>&#7;</a>'],
    ['an unpaired surrogate', '<a>\ud800</a>'],
    ['a mismatched close tag', '<a><b></a></b>'],
    ['an unclosed element', '<a><b/>'],
    ['an unquoted attribute', '<a x=1/>'],
    ['a duplicate attribute', '<a x="1" x="2"/>'],
    ['two roots', '<a/><b/>'],
    ['"]]>" in text', '<a>x ]]> y</a>'],
  ])('rejects %s', (_, xml) => {
    expect(() => parseXml(xml)).toThrow();
  });
});
