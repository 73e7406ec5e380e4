/**
 * The rooming list's XML writer: an element tree (attributes under `:@`, text under `#text`,
 * children by tag name, repeated children as arrays) written out as XML without indentation,
 * every attribute value and text escaped, an element with nothing inside written empty
 * (`<Tag/>`), and a `?xml` key written as the declaration.
 *
 * It writes exactly what fast-xml-parser's builder writes for the options this format used
 * (a property test compares the two on random trees), in one pass. That builder tested each
 * element's written content for a `<`, which made V8 copy the content out of the pieces it
 * was concatenated from, again at every level above: most of the time of a 350-guest list.
 */

/** What the writer takes: attributes under `:@`, text as `#text`, children by tag name. */
export interface XmlElement {
  [key: string]: string | XmlElement | readonly (string | XmlElement)[];
}

/** Where an element's attributes go: one object under this key. */
export const ATTRIBUTES = ':@';
const TEXT = '#text';

const ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
  // Attribute-value normalization would turn raw whitespace into spaces on reading.
  '\t': '&#x9;',
  '\n': '&#xA;',
  '\r': '&#xD;',
};
const TO_ESCAPE = /[&<>"'\t\n\r]/;
const TO_ESCAPE_ALL = /[&<>"'\t\n\r]/g;

/** Text or an attribute value as XML carries it: markup characters and raw whitespace escaped. */
export function escapeXml(text: string): string {
  return TO_ESCAPE.test(text) ? text.replace(TO_ESCAPE_ALL, (char) => ESCAPES[char] ?? char) : text;
}

/** The document: each top-level key an element (or the `?xml` declaration). */
export function writeXml(tree: XmlElement): string {
  let out = '';
  for (const key of Object.keys(tree)) {
    if (key === ATTRIBUTES) continue;
    out += writeNamed(key, tree[key]);
  }
  return out;
}

function writeNamed(key: string, value: XmlElement[string] | undefined): string {
  if (value === undefined) return '';
  if (typeof value === 'string') return key === TEXT ? escapeXml(value) : textElement(key, value);
  if (isList(value)) {
    let out = '';
    for (const item of value) {
      out += typeof item === 'string' ? textElement(key, item) : element(key, item);
    }
    return out;
  }
  return element(key, value);
}

const isList = (
  value: XmlElement | readonly (string | XmlElement)[],
): value is readonly (string | XmlElement)[] => Array.isArray(value);

function element(key: string, node: XmlElement): string {
  const attributes = attributesOf(node[ATTRIBUTES]);
  if (key.startsWith('?')) return `<${key}${attributes}?>`;
  let content = '';
  for (const child of Object.keys(node)) {
    if (child === ATTRIBUTES) continue;
    content += writeNamed(child, node[child]);
  }
  return content === '' ? `<${key}${attributes}/>` : `<${key}${attributes}>${content}</${key}>`;
}

function textElement(key: string, text: string): string {
  return text === '' ? `<${key}/>` : `<${key}>${escapeXml(text)}</${key}>`;
}

function attributesOf(group: XmlElement[string] | undefined): string {
  if (group === undefined || typeof group === 'string' || isList(group)) return '';
  let out = '';
  for (const name of Object.keys(group)) {
    const value = group[name];
    if (typeof value === 'string') out += ` ${name}="${escapeXml(value)}"`;
  }
  return out;
}
