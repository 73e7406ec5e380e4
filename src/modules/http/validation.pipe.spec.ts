import type { ArgumentMetadata } from '@nestjs/common';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsISO8601, IsString, Matches, ValidateNested } from 'class-validator';
import { describe, expect, it } from 'vitest';
import { PasserelleError } from '../shared/passerelle-error.js';
import { createValidationPipe, ruleOfConstraint } from './validation.pipe.js';

const NAME = 'Zoé Martin';

class DocumentDto {
  @Matches(/^[A-Z0-9]{5,20}$/) number!: string;
  @IsISO8601() expiryDate!: string;
}

class ParticipantDto {
  @IsString() surname!: string;
  @IsIn(['participant', 'leader']) role!: string;
  @ValidateNested({ each: true }) @Type(() => DocumentDto) documents!: DocumentDto[];
}

class BookingDto {
  @IsInt() revision!: number;
  @ValidateNested({ each: true }) @Type(() => ParticipantDto) participants!: ParticipantDto[];
}

const metadata: ArgumentMetadata = { type: 'body', metatype: BookingDto };

async function failureOf(value: unknown): Promise<PasserelleError> {
  const result: unknown = await createValidationPipe()
    .transform(value, metadata)
    .then(
      () => undefined,
      (error: unknown) => error,
    );
  if (!(result instanceof PasserelleError)) throw new Error('expected a PasserelleError');
  return result;
}

describe('the global validation pipe', () => {
  it('should answer BAD_REQUEST with every broken rule by path, never a value', async () => {
    const error = await failureOf({
      revision: NAME,
      participants: [
        {
          surname: 42,
          role: NAME,
          documents: [{ number: 'ok12345', expiryDate: NAME }],
          nickname: NAME,
        },
      ],
      '4111 1111 1111 1111': NAME,
    });
    expect(error.code).toBe('BAD_REQUEST');
    expect(error.details).toEqual(
      expect.arrayContaining([
        { path: 'revision', rule: 'must be an integer' },
        { path: 'participants[0].surname', rule: 'must be a string' },
        { path: 'participants[0].role', rule: 'must be one of the allowed values' },
        { path: 'participants[0].documents[0].number', rule: 'does not have the expected format' },
        { path: 'participants[0].documents[0].expiryDate', rule: 'must be an ISO 8601 date' },
        { path: 'participants[0].nickname', rule: 'unknown property' },
        { path: '<key withheld>', rule: 'unknown property' },
      ]),
    );
    const text = JSON.stringify({ message: error.message, details: error.details });
    expect(text).not.toContain('Zoé');
    expect(text).not.toContain('4111');
  });

  it('should transform a valid body into the DTO', async () => {
    const value: unknown = await createValidationPipe().transform(
      { revision: 1, participants: [] },
      metadata,
    );
    expect(value).toBeInstanceOf(BookingDto);
  });

  it('should turn constraint names into rule words, and nothing else', () => {
    expect(ruleOfConstraint('whitelistValidation')).toBe('unknown property');
    expect(ruleOfConstraint('isISO8601')).toBe('must be an ISO 8601 date');
    expect(ruleOfConstraint('isPostalCode')).toBe('is postal code');
    expect(ruleOfConstraint('isIBAN')).toBe('is iban');
    expect(ruleOfConstraint('Zoé Martin')).toBe('invalid value');
  });
});
