import type { ArgumentMetadata } from '@nestjs/common';
import { Transform, Type } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsISO8601,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateNested,
} from 'class-validator';
import { describe, expect, it } from 'vitest';
import { PasserelleError } from '../shared/passerelle-error.js';
import { JSON_DEPTH_LIMIT } from './json-body.js';
import {
  NESTED_TOO_DEEPLY,
  createValidationPipe,
  pathNestedTooDeep,
  ruleOfConstraint,
} from './validation.pipe.js';

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

/** Shaped like `OpsActionBody`: a trimmed reason of 3 to 500 characters. */
class ReasonDto {
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value))
  @IsString()
  @MinLength(3)
  @MaxLength(500)
  reason!: string;
}

/** Shaped like the lists' queries. */
class PageQuery {
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(200) limit?: number;
}

/** `{"reason":[[[…]]]}`, `depth` arrays deep, parsed as the JSON body parser parses it. */
const nestedReason = (depth: number): unknown =>
  JSON.parse(`{"reason":${'['.repeat(depth)}${']'.repeat(depth)}}`);

async function failureOf(
  value: unknown,
  on: ArgumentMetadata = metadata,
): Promise<PasserelleError> {
  const result: unknown = await createValidationPipe()
    .transform(value, on)
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

describe('the global validation pipe, on values nested too deeply', () => {
  const body = (metatype: ArgumentMetadata['metatype']): ArgumentMetadata => ({
    type: 'body',
    metatype,
  });

  it('should answer BAD_REQUEST naming the path and the rule when a body nests 200,000 arrays', async () => {
    const error = await failureOf(nestedReason(200_000), body(ReasonDto));
    expect(error.code).toBe('BAD_REQUEST');
    expect(error.details).toEqual([
      { path: `reason${'[0]'.repeat(JSON_DEPTH_LIMIT - 1)}`, rule: NESTED_TOO_DEEPLY },
    ]);
  });

  it('should answer BAD_REQUEST when the deep value is under an unknown property', async () => {
    const value = JSON.parse(
      `{"reason":"the airline asked","x":{"y":${'['.repeat(200_000)}${']'.repeat(200_000)}}}`,
    ) as unknown;
    const error = await failureOf(value, body(ReasonDto));
    expect(error.details).toEqual([
      { path: `x.y${'[0]'.repeat(JSON_DEPTH_LIMIT - 2)}`, rule: NESTED_TOO_DEEPLY },
    ]);
  });

  it('should take a body nested up to the limit, and refuse one level more', async () => {
    const pipe = createValidationPipe();
    await expect(
      pipe.transform(nestedReason(JSON_DEPTH_LIMIT - 1), body(ReasonDto)),
    ).rejects.toMatchObject({ details: [{ path: 'reason', rule: 'must be a string' }] });
    await expect(
      pipe.transform(nestedReason(JSON_DEPTH_LIMIT), body(ReasonDto)),
    ).rejects.toMatchObject({ details: [expect.objectContaining({ rule: NESTED_TOO_DEEPLY })] });
  });

  it('should leave a body it does not validate to its handler, however deep', async () => {
    const value = nestedReason(200_000);
    await expect(createValidationPipe().transform(value, body(Object))).resolves.toBe(value);
  });

  it('should find the first value nested too deeply without recursion, and none in a shallow one', () => {
    expect(pathNestedTooDeep(nestedReason(200_000), 3)).toBe('reason[0][0]');
    expect(pathNestedTooDeep({ a: [1, { b: [] }], c: { d: 'x' } }, 4)).toBeUndefined();
    expect(pathNestedTooDeep({ a: [1, { b: [] }], c: { d: {} } }, 2)).toBe('a[1]');
    expect(pathNestedTooDeep('text', 0)).toBeUndefined();
  });
});

describe('the global validation pipe, on one property breaking several rules', () => {
  it('should answer `required` alone for a missing value, and for no body at all', async () => {
    for (const value of [{}, undefined, { reason: undefined }]) {
      const error = await failureOf(value, { type: 'body', metatype: ReasonDto });
      expect(error.details).toEqual([{ path: 'reason', rule: 'required' }]);
    }
  });

  it('should answer the kind alone when a value is not of it, and the size otherwise', async () => {
    const reason = { type: 'body', metatype: ReasonDto } as const;
    expect((await failureOf({ reason: 42 }, reason)).details).toEqual([
      { path: 'reason', rule: 'must be a string' },
    ]);
    expect((await failureOf({ reason: '  a ' }, reason)).details).toEqual([
      { path: 'reason', rule: 'too short' },
    ]);
    const query = { type: 'query', metatype: PageQuery } as const;
    expect((await failureOf({ limit: 'abc' }, query)).details).toEqual([
      { path: 'limit', rule: 'must be an integer' },
    ]);
    expect((await failureOf({ limit: '1.5' }, query)).details).toEqual([
      { path: 'limit', rule: 'must be an integer' },
    ]);
    expect((await failureOf({ limit: '500' }, query)).details).toEqual([
      { path: 'limit', rule: 'too large' },
    ]);
  });

  it('should answer `required` for a nested property that is missing', async () => {
    const error = await failureOf({
      revision: 1,
      participants: [{ role: 'leader', documents: [{ expiryDate: '2030-01-01' }] }],
    });
    expect(error.details).toEqual([
      { path: 'participants[0].surname', rule: 'required' },
      { path: 'participants[0].documents[0].number', rule: 'required' },
    ]);
  });
});

describe('the global validation pipe, on keys Object.prototype has', () => {
  it('should refuse `__proto__` and `constructor` keys as unknown properties, at any depth', async () => {
    const top = await failureOf(JSON.parse('{"reason":"a reason","__proto__":{"x":1}}'), {
      type: 'body',
      metatype: ReasonDto,
    });
    expect(top.code).toBe('BAD_REQUEST');
    expect(top.details).toEqual([{ path: '__proto__', rule: 'unknown property' }]);
    const nested = await failureOf(
      JSON.parse(
        '{"revision":1,"participants":[{"surname":"x","role":"participant","documents":[],"constructor":"y"}]}',
      ),
    );
    expect(nested.details).toEqual([
      { path: 'participants[0].constructor', rule: 'unknown property' },
    ]);
  });

  it('should still take a body without them', async () => {
    const value: unknown = await createValidationPipe().transform(
      { reason: 'a reason' },
      { type: 'body', metatype: ReasonDto },
    );
    expect(value).toBeInstanceOf(ReasonDto);
  });
});
