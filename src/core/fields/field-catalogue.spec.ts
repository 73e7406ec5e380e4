import { describe, expect, it } from 'vitest';
import { readRepoFile } from '../../../test/support/shipped-catalog.js';
import { parseFieldCatalogue } from './field-catalogue.js';
import { FIELD_READERS } from './field-readers.js';

const shipped = readRepoFile('config/fields.yaml');

describe('parseFieldCatalogue', () => {
  it('should load the shipped catalogue with a reader for every disclosable field', () => {
    const result = parseFieldCatalogue(shipped);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const disclosable = [...result.value.fields.values()]
      .filter((f) => f.disclosable)
      .map((f) => f.id)
      .sort();
    expect(disclosable).toEqual(Object.keys(FIELD_READERS).sort());
    expect(result.value.fields.get('participant.surname')?.category).toBe('identity.name');
    expect(result.value.fields.get('participant.health.allergies')?.special).toBe(true);
    expect(result.value.fields.get('participant.notes')?.disclosable).toBe(false);
  });

  it('should refuse a catalogue missing a field that has a reader', () => {
    const text = shipped.replace(
      '  - id: participant.gender\n    category: identity.gender\n    description: F, M, X or U.\n',
      '',
    );
    const result = parseFieldCatalogue(text);
    expect(result.ok ? [] : result.errors.map((e) => e.rule)).toEqual([
      'readable field participant.gender is not catalogued',
    ]);
  });

  it('should refuse a disclosable field without a reader, and a special flag its category contradicts', () => {
    const text = `${shipped}  - id: participant.shoeSize\n    category: health\n    description: Shoe size.\n`;
    const result = parseFieldCatalogue(text);
    expect(result.ok ? [] : result.errors.map((e) => `${e.path}: ${e.rule}`)).toEqual([
      expect.stringMatching(
        /^fields\[\d+\]\.special: must match its category \(health is special\)$/,
      ),
      expect.stringMatching(/^fields\[\d+\]\.id: no reader for participant\.shoeSize$/),
    ]);
  });

  it('should refuse an unknown category and unknown keys', () => {
    const text = shipped.replace(
      'category: identity.gender\n',
      'category: identity.shoe\n    colour: red\n',
    );
    const result = parseFieldCatalogue(text);
    expect(result.ok ? [] : result.errors.map((e) => e.rule)).toEqual(['unknown key']);
  });
});
