import { createRequire } from 'node:module';

/**
 * An independent EDIFACT reader: the npm package `edifact` (node-edifact), which reads the
 * UNA, honours the release character and enforces the UNB character set (UNOA). Our own
 * code plays no part in it.
 */
export interface ParsedSegment {
  readonly name: string;
  /** Elements, each a list of components, released characters restored. */
  readonly elements: readonly (readonly string[])[];
}

interface EdifactParser {
  on(event: 'opensegment', listener: (segment: string) => void): void;
  on(event: 'element', listener: () => void): void;
  on(event: 'component', listener: (data: string) => void): void;
  write(document: string): void;
  end(): void;
}

const require = createRequire(import.meta.url);
const Parser = require('edifact/parser.js') as new (validator: unknown) => EdifactParser;
const Validator = require('edifact/validator.js') as new () => { disable(): void };

export function parseEdifact(document: string): ParsedSegment[] {
  const validator = new Validator();
  // No segment definitions ship for PAXLST: syntax and charset checks only.
  validator.disable();
  const parser = new Parser(validator);
  const segments: { name: string; elements: string[][] }[] = [];
  parser.on('opensegment', (name) => {
    segments.push({ name, elements: [] });
  });
  parser.on('element', () => {
    segments[segments.length - 1]?.elements.push([]);
  });
  parser.on('component', (data) => {
    const elements = segments[segments.length - 1]?.elements;
    elements?.[elements.length - 1]?.push(data);
  });
  parser.write(document);
  parser.end();
  return segments;
}

/** The first segment with this tag and (optionally) this first element. */
export function findSegment(
  segments: readonly ParsedSegment[],
  name: string,
  qualifier?: string,
): ParsedSegment | undefined {
  return segments.find(
    (s) => s.name === name && (qualifier === undefined || s.elements[0]?.[0] === qualifier),
  );
}

export const segmentsNamed = (
  segments: readonly ParsedSegment[],
  name: string,
  qualifier?: string,
): ParsedSegment[] =>
  segments.filter(
    (s) => s.name === name && (qualifier === undefined || s.elements[0]?.[0] === qualifier),
  );
