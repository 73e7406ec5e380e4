import fc from 'fast-check';
import { XMLBuilder, XMLParser } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { ATTRIBUTES, escapeXml, writeXml, type XmlElement } from './xml-writer.js';

/**
 * fast-xml-parser's builder with the options the rooming list was written with before the
 * writer replaced it: the writer must write the same bytes for any tree.
 */
// eslint-disable-next-line @typescript-eslint/no-deprecated
const reference = new XMLBuilder({
  ignoreAttributes: false,
  attributesGroupName: ATTRIBUTES,
  attributeNamePrefix: '',
  textNodeName: '#text',
  format: false,
  suppressEmptyNode: true,
  suppressBooleanAttributes: false,
  processEntities: false,
  tagValueProcessor: (_name: string, value: unknown) => escapeXml(String(value)),
  attributeValueProcessor: (_name: string, value: unknown) => escapeXml(String(value)),
});

/** Text with everything XML escapes, raw whitespace, accents and astral characters; often empty. */
const arbText = fc
  .array(
    fc.constantFrom('&', '<', '>', '"', "'", '’', '\t', '\n', '\r', ' ', 'aZ', 'é9ß-', '𝓐', 'true'),
    {
      maxLength: 8,
    },
  )
  .map((parts) => parts.join(''));
const arbName = fc.constantFrom('Guest', 'PersonName', 'Text', 'RoomStay', 'GuestRPH', 'x');
const arbAttributes = fc.dictionary(fc.constantFrom('RPH', 'Type', 'Code', 'Name', 'ID'), arbText, {
  maxKeys: 3,
});

const arbElement: fc.Arbitrary<XmlElement> = fc.letrec<{ element: XmlElement }>((tie) => ({
  element: fc
    .tuple(
      fc.option(arbAttributes, { nil: undefined }),
      fc.option(arbText, { nil: undefined }),
      fc.array(
        fc.tuple(
          arbName,
          fc.oneof(
            { depthSize: 'small' },
            arbText,
            tie('element'),
            fc.array(fc.oneof(arbText, tie('element')), { maxLength: 3 }),
          ),
        ),
        { maxLength: 4 },
      ),
    )
    .map(([attributes, text, children]) => {
      const node: XmlElement = {};
      if (attributes !== undefined) node[ATTRIBUTES] = attributes;
      for (const [name, child] of children) node[name] = child;
      if (text !== undefined) node['#text'] = text;
      return node;
    }),
})).element;

describe('the rooming list XML writer', () => {
  it('writes what fast-xml-parser’s builder writes, for any tree', () => {
    fc.assert(
      fc.property(
        fc.option(fc.dictionary(fc.constantFrom('version', 'encoding'), arbText), {
          nil: undefined,
        }),
        arbName,
        arbElement,
        (declaration, root, element) => {
          const tree: XmlElement = {};
          if (declaration !== undefined) tree['?xml'] = { [ATTRIBUTES]: declaration };
          tree[root] = element;
          expect(writeXml(tree)).toBe(reference.build(tree));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('escapes markup, and raw whitespace in attributes and text as character references', () => {
    const value = 'O\'Neill & "Sons" <a>\tb\nc\rd';
    expect(writeXml({ Guest: { [ATTRIBUTES]: { Name: value }, Text: value } })).toBe(
      '<Guest Name="O&apos;Neill &amp; &quot;Sons&quot; &lt;a&gt;&#x9;b&#xA;c&#xD;d">' +
        '<Text>O&apos;Neill &amp; &quot;Sons&quot; &lt;a&gt;&#x9;b&#xA;c&#xD;d</Text></Guest>',
    );
    // A reader gets the value back.
    const markup = 'O\'Neill & "Sons" <a> ’𝓐';
    const xml = writeXml({ Guest: { [ATTRIBUTES]: { Name: markup }, Text: markup } });
    const read = new XMLParser({
      ignoreAttributes: false,
      attributeNamePrefix: '',
      parseTagValue: false,
      trimValues: false,
    }).parse(xml) as { Guest: { Name: string; Text: string } };
    expect(read.Guest).toEqual({ Name: markup, Text: markup });
  });

  it('writes an element with nothing inside as empty, and the declaration as one', () => {
    expect(
      writeXml({
        '?xml': { [ATTRIBUTES]: { version: '1.0', encoding: 'UTF-8' } },
        A: { [ATTRIBUTES]: { x: '1' }, B: '', C: {}, D: ['1', { '#text': '' }] },
      }),
    ).toBe('<?xml version="1.0" encoding="UTF-8"?><A x="1"><B/><C/><D>1</D><D/></A>');
  });
});
