import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { filesDigest } from './render-unit.js';

const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

describe('filesDigest', () => {
  it('should hash one file as its UTF-8 text and count its bytes, not its characters', () => {
    const content = 'MÜLLER/ÉLODIE\n';
    expect(filesDigest([{ content }])).toEqual({
      sha256: sha256(content),
      bytes: Buffer.byteLength(content, 'utf8'),
    });
  });

  it('should hash several files as their texts one after the other', () => {
    const parts = ['UNH+1+PAXLST', 'ÜNT+2+1', ''];
    expect(filesDigest(parts.map((content) => ({ content })))).toEqual({
      sha256: sha256(parts.join('')),
      bytes: Buffer.byteLength(parts.join(''), 'utf8'),
    });
  });

  it('should give the empty text’s digest for no file', () => {
    expect(filesDigest([])).toEqual({ sha256: sha256(''), bytes: 0 });
  });
});
