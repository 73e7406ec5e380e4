/**
 * UN/EDIFACT syntax (ISO 9735, syntax version 4, level A) as the PAXLST guide uses it:
 * the UNA service string advice, the release character, the UNOA repertoire and the
 * trimming of trailing empty data. Reference: formats.md §1.2–1.3, 1.8.
 */

/** The six service characters a UNA declares, in UNA order. */
export interface ServiceCharacters {
  readonly component: string;
  readonly element: string;
  readonly decimal: string;
  readonly release: string;
  /** A space switches repetition off (then `*` is ordinary data). */
  readonly repetition: string;
  readonly segment: string;
}

/** `UNA:+.? '`: the defaults, repetition off. */
export const DEFAULT_SERVICE_CHARACTERS: ServiceCharacters = {
  component: ':',
  element: '+',
  decimal: '.',
  release: '?',
  repetition: ' ',
  segment: "'",
};

/** Level A (UNOA): upper-case letters, digits, space and `. , - ( ) / = ' + : ? ! " % & * ; < >`. */
const UNOA = /^[A-Z0-9 .,\-()/='+:?!"%&*;<>]*$/;

export const isUnoa = (text: string): boolean => UNOA.test(text);

/** Parses the 6 characters after `UNA` (e.g. `:+.? '`); undefined when they are unusable. */
export function parseServiceCharacters(text: string): ServiceCharacters | undefined {
  // Level A is ASCII: one UTF-16 unit per character, so indexing is safe once checked.
  if (text.length !== 6 || !isUnoa(text)) return undefined;
  const [component, element, decimal, release, repetition, segment] = [0, 1, 2, 3, 4, 5].map((i) =>
    text.charAt(i),
  ) as [string, string, string, string, string, string];
  const characters = { component, element, decimal, release, repetition, segment };
  // Each position its own character — a space too, which in the repetition position says
  // "unused" and so cannot also be the decimal mark (formats.md §1.2) — each within level A,
  // no letters or digits.
  if (new Set(text).size !== text.length) return undefined;
  if (/[A-Z0-9]/.test(text)) return undefined;
  if ([component, element, release, segment].includes(' ')) return undefined;
  return characters;
}

export const unaSegment = (sc: ServiceCharacters): string =>
  `UNA${sc.component}${sc.element}${sc.decimal}${sc.release}${sc.repetition}${sc.segment}`;

/** The characters a UNA makes active: they must be released when they occur in data. */
export function activeServiceCharacters(sc: ServiceCharacters): readonly string[] {
  return [
    sc.component,
    sc.element,
    sc.release,
    sc.segment,
    ...(sc.repetition === ' ' ? [] : [sc.repetition]),
  ];
}

/**
 * Puts the release character before every active service character in data — the ones this
 * UNA declares, never hard-coded defaults (`JEAN-LOIC` is `JEAN)-LOIC` under `UNA:(.) -`).
 */
export function releaseData(text: string, sc: ServiceCharacters): string {
  return segmentWriter(sc).release(text);
}

/** A data element: one value, or its components. */
export type DataElement = string | readonly string[];

export interface SegmentWriter {
  readonly serviceCharacters: ServiceCharacters;
  readonly release: (text: string) => string;
  /**
   * One segment: the tag, then its elements with their components, released; trailing empty
   * components and elements are dropped (`NAD+FL+++DOE:JOHN'`), inner empties kept (`ATT+2++M`).
   */
  readonly segment: (tag: string, elements: readonly DataElement[]) => string;
}

const escapeForClass = (character: string): string => character.replace(/[\\\]^-]/g, '\\$&');

/** A writer for one set of service characters; it runs once per segment, so it is kept lean. */
export function segmentWriter(sc: ServiceCharacters): SegmentWriter {
  const active = `[${activeServiceCharacters(sc).map(escapeForClass).join('')}]`;
  const needsRelease = new RegExp(active);
  const releasable = new RegExp(active, 'g');
  const release = (text: string): string =>
    needsRelease.test(text)
      ? text.replace(releasable, (character) => `${sc.release}${character}`)
      : text;
  const element = (value: DataElement): string => {
    if (typeof value === 'string') return release(value);
    let end = value.length;
    while (end > 0 && value[end - 1] === '') end -= 1;
    let out = '';
    for (let i = 0; i < end; i += 1) out += (i === 0 ? '' : sc.component) + release(value[i] ?? '');
    return out;
  };
  const segment = (tag: string, elements: readonly DataElement[]): string => {
    const rendered = elements.map(element);
    let end = rendered.length;
    while (end > 0 && rendered[end - 1] === '') end -= 1;
    let out = tag;
    for (let i = 0; i < end; i += 1) out += sc.element + (rendered[i] ?? '');
    return out + sc.segment;
  };
  return { serviceCharacters: sc, release, segment };
}

/** One segment with these service characters (see `SegmentWriter.segment`). */
export function buildSegment(
  tag: string,
  elements: readonly DataElement[],
  sc: ServiceCharacters,
): string {
  return segmentWriter(sc).segment(tag, elements);
}
